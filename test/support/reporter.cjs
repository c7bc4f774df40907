// Mocha's spec output, plus one closing line in the plain "N passed, N failed, N skipped" form
// that CI reads regardless of the test runner.
// UPGRANT_TEST_TIMES=<file> also writes where the run's time went, as JSON: per test file the wall
// time, the time inside tests and the time in hooks (emulator starts, builds, installs).
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');
const path = require('node:path');

function fileTimes(runner) {
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
  const started = new Map();
  runner.on('suite', (suite) => {
    if (suite.root || suite.parent?.root !== true) return;
    started.set(suite, Date.now());
  });
  runner.on('suite end', (suite) => {
    const t0 = started.get(suite);
    if (t0 !== undefined) entry(fileOf(suite)).wallMs += Date.now() - t0;
  });
  const hookStart = new Map();
  runner.on('hook', (hook) => hookStart.set(hook, Date.now()));
  runner.on('hook end', (hook) => {
    const t0 = hookStart.get(hook);
    if (t0 === undefined) return;
    const ms = Date.now() - t0;
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

class SpecWithTotals extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const out = process.env.UPGRANT_TEST_TIMES;
    const files = out ? fileTimes(runner) : undefined;
    const t0 = Date.now();
    runner.once('end', () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      if (files) {
        const list = [...files.values()].sort((a, b) => b.wallMs - a.wallMs);
        for (const f of list) f.slowest.sort((a, b) => b[1] - a[1]);
        writeFileSync(out, JSON.stringify({ totalMs: Date.now() - t0, stats: s, files: list }, null, 1));
      }
      process.stdout.write(`\nmocha: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

module.exports = SpecWithTotals;
