// The S3 driver on OpenStack Swift's s3api (started by this file): a real SigV4 verifier.
// Swift has no conditional writes (501 to If-None-Match), does not validate x-amz-checksum-*, and
// takes no POST Object uploads (412), so the driver runs with conditionalWrites, sha256Checksums
// and postUploads off: create-only is 'none' (replay/concurrent tests skip, as documented), a
// SHA-256 is checked by verifyUpload, and size ranges cannot be granted (POST is exercised on
// s3rver in test/s3/post.test.ts). Everything else must be refused by Swift itself, with the
// statuses pinned below.
import { CreateBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { createDriver, encodePath } from '../../drivers/s3/index.js';
import { uploadViaHttp } from '../support/http.js';
import { emulatorsRequired, startSwift, swiftMissing, type Swift } from '../support/swift.js';
import { listKeys, readObject, s3Client, swiftOptions, tamperSignature, withPath } from '../s3/helpers.js';
import { presignerOn, type ContractHarness } from './harness.js';
import { runMultipartContractTests } from './multipart-suite.js';
import { runStagingContractTests } from './staging-suite.js';
import { runContractTests } from './suite.js';

const SECRET = 'contract-suite-secret-0123456789abcdef';
const BUCKET = 'upgrant-contract';
const OTHER = 'upgrant-other';

describe('contract: s3 driver on OpenStack Swift (s3api)', function () {
  this.timeout(60_000);

  const makeHarness = async (): Promise<ContractHarness | undefined> => {
    const missing = swiftMissing();
    if (missing) {
      if (emulatorsRequired()) throw new Error(`Swift is required here (CI / UPGRANT_REQUIRE_EMULATORS): ${missing}`);
      console.warn(`  skipping the S3 contract suite: ${missing}`);
      return undefined;
    }
    const swift: Swift = await startSwift();
    const client = s3Client(swift.endpoint);
    try {
      await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await client.send(new CreateBucketCommand({ Bucket: OTHER }));
    } catch (error) {
      client.destroy();
      await swift.stop();
      throw error;
    }
    const harness: ContractHarness = {
      name: 's3',
      otherBucket: OTHER,
      methods: ['PUT'],
      async makePresigner(overrides = {}) {
        const driver = await createDriver(swiftOptions(swift.endpoint, overrides.bucket ?? BUCKET));
        return presignerOn(driver, SECRET, overrides);
      },
      upload: uploadViaHttp,
      read: (key, bucket = BUCKET) => readObject(client, bucket, key),
      list: (bucket = BUCKET) => listKeys(client, bucket),
      remove: async (key) => {
        await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
      },
      tamper: tamperSignature,
      retargetKey: (grant, otherKey) => withPath(grant, () => `/${BUCKET}/${encodePath(otherKey)}`),
      retargetBucket: (grant, other) => withPath(grant, (p) => p.replace(`/${BUCKET}/`, `/${other}/`)),
      statuses: {
        tamperedSignature: [403],
        expired: [403],
        otherKey: [403],
        otherBucket: [403],
        // content-type and content-length are signed: any change breaks the signature.
        wrongType: [403],
        tooLarge: [403],
        tooSmall: [403],
        // Content-MD5 is checked against the body: 400 BadDigest.
        wrongChecksum: [400],
      },
      async close() {
        client.destroy();
        await swift.stop();
      },
    };
    return harness;
  };
  runContractTests(makeHarness);
  runMultipartContractTests(makeHarness);
  runStagingContractTests(makeHarness);
});
