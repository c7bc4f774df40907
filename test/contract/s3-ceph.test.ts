// The S3 driver's contract on Ceph's RADOS Gateway, the primary S3 (UPGRANT_S3_COMPAT=ceph), started
// by the tests themselves (test/contract/s3-swift.test.ts runs the same suite on Swift's s3api).
// Create-only is the store's (If-None-Match: *, 412 to a replayed or concurrent grant), size ranges
// go through POST policies that Ceph refuses over and under range, Content-MD5 is checked. Ceph
// ignores x-amz-checksum-sha256, so the profile makes a declared SHA-256 'verify' and verifyUpload
// catches it; Complete ignores If-None-Match, so multipart create-only is 'none'.
//
// Everything else must be refused by the store itself, with the statuses pinned below.
import { cephStore } from '../s3/helpers.js';
import { sharedHarness } from './harness.js';
import { runAllContractTests } from './run.js';
import { s3Harness } from './s3-harness.js';

describe('contract: s3 driver on Ceph RADOS Gateway (UPGRANT_S3_COMPAT=ceph)', function () {
  this.timeout(120_000);
  const makeHarness = s3Harness(
    () => cephStore('the S3 contract suite on Ceph'),
    {
      tamperedSignature: [403],
      expired: [403],
      otherKey: [403],
      otherBucket: [403],
      // If-None-Match: * is signed; Ceph answers 412 and keeps the first object.
      replay: [412],
      concurrent: [412, 409],
      // PUT: content-type and content-length are signed, so any change breaks the signature (403).
      wrongType: [403],
      tooLarge: [403],
      // 403 for an exact size (signed length); 400 EntityTooSmall under a POST policy's range.
      tooSmall: [403, 400],
      // POST policy content-length-range: 400 EntityTooLarge.
      overRangeMax: [400],
      // Content-MD5 is checked against the body: 400 BadDigest.
      wrongChecksum: [400],
    },
    ['PUT', 'POST'],
  );
  runAllContractTests(sharedHarness(makeHarness));
});
