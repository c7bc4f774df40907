// Mocha's spec output, plus one closing line in the plain "N passed, N failed, N skipped" form
// that CI reads regardless of the test runner.
// UPGRANT_TEST_TIMES=<file> also writes where the run's time went, as JSON: per test file the wall
// time, the time inside tests and the time in hooks (emulator starts, builds, installs), and
// every emulator start of the run, from whichever process (test/support/shared.ts, <file>.boots).
// Under `mocha --parallel` this reporter runs in the main process, which gets each file's events
// replayed at once when the file is done: test and hook times come from the durations measured
// in the worker, and a file's wall time from the worker's own measure (test/support/worker-reporter.cjs).
const Mocha = require('mocha');
const { readFileSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const WorkerReporter = require('./worker-reporter.cjs');

function fileTimes(runner, parallel) {
  const files = new Map();
  const entry = (file) => {
    const key = path.relative(process.cwd(), file ?? '(root)');
    if (!files.has(key)) files.set(key, { file: key, wallMs: 0, testsMs: 0, hooksMs: 0, tests: 0, slowest: [] });
    return files.get(key);
  };
  const fileOf = (runnable) => {
    for (let s = runnable; s; s = s.parent) if (s.file) return s.file;
    return undefined;
  };
  if (parallel) {
    runner.on(WorkerReporter.FILE_TIME, (time) => {
      const e = entry(time.file);
      e.wallMs += time.wallMs;
      e.worker = time.worker;
    });
  } else {
    const started = new Map();
    runner.on('suite', (suite) => {
      if (suite.root || suite.parent?.root !== true) return;
      started.set(suite, Date.now());
    });
    runner.on('suite end', (suite) => {
      const t0 = started.get(suite);
      if (t0 !== undefined) entry(fileOf(suite)).wallMs += Date.now() - t0;
    });
  }
  runner.on('hook end', (hook) => {
    const ms = hook.duration ?? 0;
    const e = entry(fileOf(hook));
    e.hooksMs += ms;
    if (ms >= 500) e.slowest.push([`hook: ${hook.fullTitle()}`, ms]);
  });
  runner.on('test end', (test) => {
    const e = entry(fileOf(test));
    e.tests += 1;
    e.testsMs += test.duration ?? 0;
    if ((test.duration ?? 0) >= 500) e.slowest.push([test.fullTitle(), test.duration]);
  });
  return files;
}

/** Whether `runner` is mocha's parallel one; if so, its workers get the timing worker reporter. */
function useWorkerReporter(runner) {
  try {
    runner.workerReporter(require.resolve('./worker-reporter.cjs'));
    return true;
  } catch {
    // the serial runner refuses workerReporter(): nothing to set
    return false;
  }
}

/** The emulator starts noted so far (test/support/shared.ts); the parallel workers are done by now. */
function boots(out) {
  let text = '';
  try {
    text = readFileSync(`${out}.boots`, 'utf8');
  } catch {
    return [];
  }
  rmSync(`${out}.boots`, { force: true });
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

class SpecWithTotals extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const parallel = useWorkerReporter(runner);
    const out = process.env.UPGRANT_TEST_TIMES;
    const files = out ? fileTimes(runner, parallel) : undefined;
    if (out) rmSync(`${out}.boots`, { force: true });
    const t0 = Date.now();
    runner.once('end', () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      if (files) {
        const list = [...files.values()].sort((a, b) => b.wallMs - a.wallMs);
        for (const f of list) f.slowest.sort((a, b) => b[1] - a[1]);
        writeFileSync(out, JSON.stringify({ totalMs: Date.now() - t0, parallel, stats: s, boots: boots(out), files: list }, null, 1));
      }
      process.stdout.write(`\nmocha: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

module.exports = SpecWithTotals;
