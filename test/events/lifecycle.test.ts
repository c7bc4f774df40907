// Lifecycle rules for the staging prefix, measured on the stores that run here: Ceph RGW (stores
// the rule, merges with other rules, and really expires: radosgw-admin's debug interval makes a
// "day" one second), Swift's s3api (no lifecycle API), the GCS stand-in (bucket metadata PATCH),
// Azure (the policy JSON only, nothing sent), local (none: the sweep covers it).
import { CreateBucketCommand, CreateMultipartUploadCommand, GetBucketLifecycleConfigurationCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutBucketLifecycleConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDriver as createS3Driver } from '../../drivers/s3/index.js';
import { createPresigner } from '../../src/create-presigner.js';
import { InvalidRequestError, ProviderError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import { DEFAULT_STAGING_PREFIX } from '../../src/staging-prefix.js';
import type { Presigner } from '../../src/types.js';
import { presignerOnStandIn, throwawayAccount } from '../gcs/helpers.js';
import { s3Client, swiftOptions } from '../s3/helpers.js';
import { startGcsStandIn } from '../support/gcs-standin.js';
import { startSwift, swiftMissing } from '../support/swift.js';
import { CEPH_CREDENTIALS, useCeph, type Ceph } from '../support/ceph.js';
import { emulatorsRequired } from '../support/required.js';

const SECRET = 'lifecycle-test-secret-0123456789abcdef0123';
const STAGED = DEFAULT_STAGING_PREFIX;

async function invalid(promise: Promise<unknown>, field: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(InvalidRequestError);
  expect((error as InvalidRequestError).field).to.equal(field);
}

describe('lifecycle rules: local and the validation every store shares', () => {
  let root: string;
  let presigner: Presigner;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-lifecycle-'));
    presigner = await createPresigner({ provider: 'local', root, baseUrl: 'http://127.0.0.1:1/storage', secret: SECRET });
  });
  after(async () => {
    await presigner.close();
    await rm(root, { recursive: true, force: true });
  });

  it('local has no lifecycle rules and says the sweep covers it', async () => {
    const result = await presigner.applyLifecycleRules({ days: 7 });
    expect(result).to.include({ kind: 'none', provider: 'local' });
    expect((result as { instructions: string }).instructions).to.match(/upgrant sweep/);
  });

  it('refuses days that are not whole, positive, or shorter than the longest grant', async () => {
    for (const days of [0, -1, 1.5, Number.NaN, 36_501, '7' as unknown as number]) await invalid(presigner.applyLifecycleRules({ days }), 'days');
    // Grants here may last 7 days: a 6-day rule could delete an upload whose grant still runs.
    await invalid(presigner.applyLifecycleRules({ days: 6 }), 'days');
    await invalid(presigner.applyLifecycleRules({ days: 7, abortIncompleteMultipartDays: 2 }), 'abortIncompleteMultipartDays');
    await invalid(presigner.applyLifecycleRules({ prefix: 'no-slash' }), 'prefix');
    await invalid(presigner.applyLifecycleRules(null as never), 'options');
    const short = await createPresigner({ provider: 'local', root, baseUrl: 'http://127.0.0.1:1/storage', secret: SECRET, maxExpiresIn: 3600 });
    try {
      expect(await short.applyLifecycleRules({ days: 1 })).to.include({ kind: 'none' });
    } finally {
      await short.close();
    }
  });
});

describe('lifecycle rules: Azure prints the management policy, sends nothing', () => {
  it('gives the rule for the staging prefix of this container, and how to apply it', async () => {
    // Port 1: nobody listens there, so any request would fail the test.
    const key = Buffer.alloc(64, 7).toString('base64');
    const presigner = await createPresigner({
      provider: 'azure',
      bucket: 'uploads',
      connectionString: `DefaultEndpointsProtocol=http;AccountName=exampleaccount;AccountKey=${key};BlobEndpoint=http://127.0.0.1:1/exampleaccount;`,
      secret: SECRET,
    });
    try {
      const result = await presigner.applyLifecycleRules({ days: 10 });
      expect(result).to.deep.include({ kind: 'manual', provider: 'azure', bucket: 'uploads' });
      expect((result as { policy: unknown }).policy).to.deep.equal({
        rules: [
          {
            enabled: true,
            name: 'upgrant-staging',
            type: 'Lifecycle',
            definition: {
              actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 10 } } },
              filters: { blobTypes: ['blockBlob'], prefixMatch: [`uploads/${STAGED}`] },
            },
          },
        ],
      });
      expect((result as { instructions: string }).instructions).to.match(/management-policy create --account-name exampleaccount/);
    } finally {
      await presigner.close();
    }
  });
});

describe('lifecycle rules: GCS (stand-in bucket metadata)', () => {
  it('adds the Delete and AbortIncompleteMultipartUpload rules for the prefix, keeping the others', async () => {
    const account = throwawayAccount();
    const standIn = await startGcsStandIn({ buckets: ['lc-bucket'], accounts: [account] });
    const { presigner, close } = await presignerOnStandIn(standIn.endpoint, 'lc-bucket', account);
    try {
      const other = { action: { type: 'SetStorageClass' as const, storageClass: 'NEARLINE' }, condition: { age: 30 } };
      const logs = { action: { type: 'Delete' as const }, condition: { age: 90, matchesPrefix: ['logs/'] } };
      const bucket = standIn.bucketMetadata('lc-bucket');
      expect(bucket).to.not.have.property('lifecycle');
      // Someone else's rules, set through the same API.
      const { Storage } = await import('@google-cloud/storage');
      const storage = new Storage({ apiEndpoint: standIn.endpoint, projectId: 'upgrant-test', credentials: account });
      await storage.bucket('lc-bucket').setMetadata({ lifecycle: { rule: [other, logs] } });

      const ours = (days: number, abort: number) => [
        { action: { type: 'Delete' }, condition: { age: days, matchesPrefix: [STAGED] } },
        { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: abort, matchesPrefix: [STAGED] } },
      ];
      const first = await presigner.applyLifecycleRules({ days: 8 });
      expect(first).to.deep.equal({ kind: 'applied', provider: 'gcs', bucket: 'lc-bucket', rules: { rule: [other, logs, ...ours(8, 8)] } });
      // Applying again replaces upgrant's rules only.
      await presigner.applyLifecycleRules({ days: 9, abortIncompleteMultipartDays: 7 });
      expect(standIn.bucketMetadata('lc-bucket').lifecycle).to.deep.equal({ rule: [other, logs, ...ours(9, 7)] });
    } finally {
      await close();
      await standIn.close();
    }
  });
});

describe('lifecycle rules: S3 on OpenStack Swift (s3api)', function () {
  this.timeout(180_000);
  it('Swift has no lifecycle API: a ProviderError that says so', async function () {
    const missing = swiftMissing();
    if (missing) {
      if (emulatorsRequired()) throw new Error(`Swift is required here: ${missing}`);
      return this.skip();
    }
    const swift = await startSwift();
    const client = s3Client(swift.endpoint);
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'lifecycle' }));
      const presigner = new PortablePresigner(await createS3Driver(swiftOptions(swift.endpoint, 'lifecycle')), { secret: SECRET });
      const error = await presigner.applyLifecycleRules().then(
        () => undefined,
        (e: unknown) => e,
      );
      await presigner.close();
      expect(error).to.be.instanceOf(ProviderError);
      expect((error as ProviderError).message).to.match(/does not support bucket lifecycle rules.*upgrant sweep/);
      // Measured: s3api takes PUT ?lifecycle for CreateBucket and refuses the body.
      const sdk = ((error as ProviderError).cause as Error).cause as { name?: string; $metadata?: { httpStatusCode?: number } };
      expect({ name: sdk.name, status: sdk.$metadata?.httpStatusCode }).to.deep.equal({ name: 'MalformedXML', status: 400 });
    } finally {
      client.destroy();
      await swift.stop();
    }
  });
});

describe('lifecycle rules: S3 on Ceph RGW', function () {
  this.timeout(240_000);
  let ceph: Ceph | undefined;
  let client: S3Client;
  before(async function () {
    ceph = await useCeph('the Ceph lifecycle test');
    if (!ceph) return this.skip();
    client = new S3Client({ endpoint: ceph.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CEPH_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
  });
  after(async () => {
    client?.destroy();
  });

  async function presignerFor(bucket: string, maxExpiresIn?: number): Promise<Presigner> {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const driver = await createS3Driver({ bucket, region: 'us-east-1', endpoint: ceph!.endpoint, forcePathStyle: true, credentials: CEPH_CREDENTIALS });
    return new PortablePresigner(driver, { secret: SECRET, ...(maxExpiresIn ? { maxExpiresIn } : {}) });
  }

  it('stores the rule next to the bucket\'s other rules, and replaces only its own', async () => {
    const presigner = await presignerFor('lc-merge');
    try {
      const logs = { ID: 'logs', Status: 'Enabled' as const, Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } };
      await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'lc-merge', LifecycleConfiguration: { Rules: [logs] } }));
      const ours = (days: number, abort: number) => ({
        ID: 'upgrant-staging',
        Status: 'Enabled',
        Filter: { Prefix: STAGED },
        Expiration: { Days: days },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: abort },
      });
      const result = await presigner.applyLifecycleRules({ days: 7 });
      expect(result).to.deep.equal({ kind: 'applied', provider: 's3', bucket: 'lc-merge', rules: { Rules: [logs, ours(7, 7)] } });
      await presigner.applyLifecycleRules({ days: 12, abortIncompleteMultipartDays: 8 });
      const stored = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lc-merge' }));
      expect(stored.Rules).to.deep.equal([logs, ours(12, 8)]);
    } finally {
      await presigner.close();
    }
  });

  it('really expires staged objects and aborts staged multipart uploads, and nothing else', async () => {
    // Grants of at most an hour allow a 1-day rule; radosgw-admin's debug interval makes that day 1 s.
    const presigner = await presignerFor('lc-expire', 3600);
    try {
      await presigner.applyLifecycleRules({ days: 1 });
      await client.send(new PutObjectCommand({ Bucket: 'lc-expire', Key: `${STAGED}g1/photo.png`, Body: 'staged' }));
      await client.send(new PutObjectCommand({ Bucket: 'lc-expire', Key: 'photos/final.png', Body: 'promoted' }));
      await client.send(new CreateMultipartUploadCommand({ Bucket: 'lc-expire', Key: `${STAGED}g2/big.bin` }));
      await client.send(new CreateMultipartUploadCommand({ Bucket: 'lc-expire', Key: 'videos/big.bin' }));
      const keys = async () => ((await client.send(new ListObjectsV2Command({ Bucket: 'lc-expire' }))).Contents ?? []).map((o) => o.Key);
      const uploads = async () => ((await client.send(new ListMultipartUploadsCommand({ Bucket: 'lc-expire' }))).Uploads ?? []).map((u) => u.Key);
      // Each pass takes a few seconds (radosgw-admin connects to the cluster); the objects are a
      // "day" old by the time it looks. Bounded by the test's timeout.
      for (let pass = 0; pass < 10 && ((await keys()).length > 1 || (await uploads()).length > 1); pass++) {
        await promisify(execFile)('radosgw-admin', ['lc', 'process', '--bucket', 'lc-expire', '--rgw-lc-debug-interval=1'], { env: { ...process.env, CEPH_CONF: path.join(ceph!.dir, 'ceph.conf') }, timeout: 60_000 });
      }
      expect(await keys()).to.deep.equal(['photos/final.png']);
      expect(await uploads()).to.deep.equal(['videos/big.bin']);
    } finally {
      await presigner.close();
    }
  });
});
