// The S3 driver's contract on OpenStack Swift's s3api, the second S3-compatible store
// (UPGRANT_S3_COMPAT=swift), started by the tests themselves (test/contract/s3-ceph.test.ts runs the
// same suite on Ceph). No conditional writes (501), no POST Object (412): create-only is 'none' and
// size ranges cannot be granted, so those tests skip, saying why, exactly as docs/providers/s3.md
// documents.
//
// Everything else must be refused by the store itself, with the statuses pinned below.
import { swiftStore } from '../s3/helpers.js';
import { sharedHarness } from './harness.js';
import { runAllContractTests } from './run.js';
import { s3Harness } from './s3-harness.js';

describe('contract: s3 driver on OpenStack Swift s3api (UPGRANT_S3_COMPAT=swift)', function () {
  this.timeout(150_000);
  const makeHarness = s3Harness(
    () => swiftStore('the S3 contract suite on Swift'),
    {
      tamperedSignature: [403],
      expired: [403],
      otherKey: [403],
      otherBucket: [403],
      wrongType: [403],
      tooLarge: [403],
      tooSmall: [403],
      wrongChecksum: [400],
    },
    // No POST Object on Swift's s3api (412): the POST grant cases skip, saying so.
    ['PUT'],
  );
  runAllContractTests(sharedHarness(makeHarness));
});
