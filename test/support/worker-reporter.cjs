// The reporter each `mocha --parallel` worker runs (set by test/support/reporter.cjs): mocha's
// buffered one, which replays a file's events in the main process only once the file is done, so
// timestamps taken there say nothing about the file. This one also measures, in the worker, how
// long the file ran (its hooks and tests, from the start of its run to the end) and sends that as
// one more event, FILE_TIME, which the main reporter adds to UPGRANT_TEST_TIMES.
const ParallelBuffered = require('mocha/lib/nodejs/reporters/parallel-buffered');
const { SerializableEvent } = require('mocha/lib/nodejs/serializer');

const FILE_TIME = 'upgrant file time';

class TimedBuffered extends ParallelBuffered {
  constructor(runner, options) {
    super(runner, options);
    this.started = Date.now();
    this.file = undefined;
    runner.on('suite', (suite) => {
      if (this.file === undefined && suite.file) this.file = suite.file;
    });
  }

  done(failures, callback) {
    if (this.file !== undefined) {
      this.events.push(SerializableEvent.create(FILE_TIME, { file: this.file, wallMs: Date.now() - this.started, worker: process.pid }));
    }
    super.done(failures, callback);
  }
}

TimedBuffered.FILE_TIME = FILE_TIME;
module.exports = TimedBuffered;
