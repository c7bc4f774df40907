// Under `mocha --parallel` the workers take the test files in the order they are given (the glob's,
// so alphabetical) and the run lasts until the last file ends: a long file picked up late is a
// tail with the other workers idle. The files that take longest (per UPGRANT_TEST_TIMES) start
// first, the classic longest-first schedule. The list only orders: a file not in it runs after
// these, in its usual order; a file in it that no longer exists changes nothing.
import path from 'node:path';

const SLOWEST = [
  'test/runtimes/runtimes.test.ts',
  'test/contract/s3-ceph.test.ts',
  'test/contract/s3-swift.test.ts',
  'test/package/tarball.test.ts',
  'test/e2e/router.test.ts',
  'test/multipart/demo-api.test.ts',
  'test/contract/azure.test.ts',
  'test/e2e/demo-local.test.ts',
  'test/docs/samples.test.ts',
  'test/contract/gcs.test.ts',
  'test/contract/local.test.ts',
  'test/e2e/demo-azure.test.ts',
  'test/abuse/early-close.test.ts',
  'test/content/demo-api.test.ts',
  'test/cli/sweep.test.ts',
  'test/multipart/s3.test.ts',
  'test/e2e/demo-ceph.test.ts',
  'test/cli/import-graph.test.ts',
  'test/e2e/demo-swift.test.ts',
  'test/package/exports.test.ts',
  'test/e2e/demo-gcs.test.ts',
  'test/multipart/local.test.ts',
  'test/abuse/multipart-cost.test.ts',
  'test/events/lifecycle.test.ts',
  'test/abuse/missing-bucket.test.ts',
  'test/multipart/gcs.test.ts',
  'test/cli/process.test.ts',
];

/** `files` with the known slowest first (longest first), the rest after them in their order. */
export function slowestFirst(files: readonly string[]): string[] {
  const rank = (file: string) => {
    const i = SLOWEST.indexOf(path.relative(process.cwd(), file).split(path.sep).join('/'));
    return i === -1 ? SLOWEST.length : i;
  };
  return [...files].sort((a, b) => rank(a) - rank(b));
}
