// The S3 driver's contract runs, on two real SigV4 verifiers started by the tests themselves:
//
// - Ceph's RADOS Gateway, the primary S3 (UPGRANT_S3_COMPAT=ceph): create-only is the store's
//   (If-None-Match: *, 412 to a replayed or concurrent grant), size ranges go through POST
//   policies that Ceph refuses over and under range, Content-MD5 is checked. Ceph ignores
//   x-amz-checksum-sha256, so the profile makes a declared SHA-256 'verify' and verifyUpload
//   catches it; Complete ignores If-None-Match, so multipart create-only is 'none'.
// - OpenStack Swift's s3api, the second S3-compatible store (UPGRANT_S3_COMPAT=swift): no
//   conditional writes (501), no POST Object (412): create-only is 'none' and size ranges cannot
//   be granted, so those tests skip, saying why, exactly as docs/providers/s3.md documents.
//
// Everything else must be refused by the store itself, with the statuses pinned below.
import { CreateBucketCommand, DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { createDriver, encodePath } from '../../drivers/s3/index.js';
import type { S3DriverOptions } from '../../drivers/s3/index.js';
import { CEPH_CREDENTIALS, useCeph } from '../support/ceph.js';
import { uploadViaHttp } from '../support/http.js';
import { emulatorsRequired, startSwift, swiftMissing } from '../support/swift.js';
import { cephOptions, listKeys, readObject, s3Client, swiftOptions, tamperSignature, withPath } from '../s3/helpers.js';
import { presignerOn, sharedHarness, type ContractHarness } from './harness.js';
import { runAllContractTests } from './run.js';

const SECRET = 'contract-suite-secret-0123456789abcdef';

interface Store {
  readonly endpoint: string;
  readonly client: S3Client;
  options(endpoint: string, bucket: string): S3DriverOptions;
  stop(): Promise<void>;
}

function s3Harness(start: () => Promise<Store | undefined>, statuses: ContractHarness['statuses'], methods: ContractHarness['methods']) {
  return async (): Promise<ContractHarness | undefined> => {
    const store = await start();
    if (!store) return undefined;
    // Unique buckets per harness: the Ceph cluster is shared by every test file of the run.
    const suffix = randomBytes(4).toString('hex');
    const bucket = `upgrant-contract-${suffix}`;
    const other = `upgrant-other-${suffix}`;
    const { client } = store;
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      await client.send(new CreateBucketCommand({ Bucket: other }));
    } catch (error) {
      await store.stop();
      throw error;
    }
    return {
      name: 's3',
      otherBucket: other,
      methods,
      async makePresigner(overrides = {}) {
        const driver = await createDriver(store.options(store.endpoint, overrides.bucket ?? bucket));
        return presignerOn(driver, SECRET, overrides);
      },
      upload: uploadViaHttp,
      read: (key, b = bucket) => readObject(client, b, key),
      list: (b = bucket) => listKeys(client, b),
      remove: async (key) => {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      },
      tamper: tamperSignature,
      retargetKey: (grant, otherKey) =>
        grant.method === 'POST' ? { ...grant, fields: { ...grant.fields, key: otherKey } } : withPath(grant, () => `/${bucket}/${encodePath(otherKey)}`),
      retargetBucket: (grant, o) => (grant.method === 'POST' ? { ...grant, url: grant.url.replace(`/${bucket}`, `/${o}`) } : withPath(grant, (p) => p.replace(`/${bucket}/`, `/${o}/`))),
      statuses,
      close: () => store.stop(),
    };
  };
}

describe('contract: s3 driver on Ceph RADOS Gateway (UPGRANT_S3_COMPAT=ceph)', function () {
  this.timeout(120_000);
  const makeHarness = s3Harness(
    async () => {
      const ceph = await useCeph('the S3 contract suite on Ceph');
      if (!ceph) return undefined;
      const client = s3Client(ceph.endpoint, CEPH_CREDENTIALS);
      // The cluster is the run's: closing a harness only closes its client.
      return { endpoint: ceph.endpoint, client, options: cephOptions, stop: async () => client.destroy() };
    },
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

describe('contract: s3 driver on OpenStack Swift s3api (UPGRANT_S3_COMPAT=swift)', function () {
  this.timeout(150_000);
  const makeHarness = s3Harness(
    async () => {
      const missing = swiftMissing();
      if (missing) {
        if (emulatorsRequired()) throw new Error(`Swift is required here (CI / UPGRANT_REQUIRE_EMULATORS): ${missing}`);
        console.warn(`  skipping the S3 contract suite on Swift: ${missing}`);
        return undefined;
      }
      const swift = await startSwift();
      const client = s3Client(swift.endpoint);
      return {
        endpoint: swift.endpoint,
        client,
        options: swiftOptions,
        async stop() {
          client.destroy();
          await swift.stop();
        },
      };
    },
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
