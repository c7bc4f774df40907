// Finding 11: head / verifyUpload on a bucket that does not exist names the bucket (ConfigError on
// UPGRANT_BUCKET) on every driver, instead of "never uploaded": the local directory, S3 on Swift,
// Azure on Azurite and GCS on its stand-in. A download grant's expiresAt is on the second.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDriver as createAzureDriver } from '../../drivers/azure/index.js';
import { createDriver as createGcsDriver } from '../../drivers/gcs/index.js';
import { createDriver as createS3Driver } from '../../drivers/s3/index.js';
import { createPresigner } from '../../src/create-presigner.js';
import { ConfigError, ObjectNotFoundError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { Presigner } from '../../src/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite } from '../support/azurite.js';
import { startGcsStandIn } from '../support/gcs-standin.js';
import { startSwift, swiftMissing } from '../support/swift.js';
import { throwawayAccount } from '../gcs/helpers.js';
import { swiftOptions } from '../s3/helpers.js';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../s3/helpers.js';
import { skipOrFail } from '../support/required.js';

const SECRET = 'abuse-missing-bucket-secret-0123456789ab';
const MISSING = 'upgrant-no-such-bucket';

/** verifyUpload of a grant for `presigner`'s bucket, which the test made sure does not exist. */
async function expectBucketNamed(presigner: Presigner): Promise<void> {
  const grant = await presigner.createUploadGrant({ key: 'gone/x.txt', contentType: 'text/plain', size: 1 });
  const error = await presigner.verifyUpload(grant.token).catch((e: unknown) => e);
  expect(error).to.be.instanceOf(ConfigError);
  expect((error as ConfigError).variable).to.equal('UPGRANT_BUCKET');
  expect((error as Error).message).to.include(`"${presigner.bucket}"`);
}

/** And in a bucket that does exist, a missing object is still ObjectNotFoundError. */
async function expectObjectNotFound(presigner: Presigner): Promise<void> {
  const grant = await presigner.createUploadGrant({ key: 'never/x.txt', contentType: 'text/plain', size: 1 });
  expect(await presigner.verifyUpload(grant.token).catch((e: unknown) => e)).to.be.instanceOf(ObjectNotFoundError);
}

describe('abuse: a missing bucket is named, on every driver (finding 11)', function () {
  this.timeout(120_000);

  it('local: a removed bucket directory', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-abuse-bucket-'));
    try {
      const presigner = await createPresigner({ provider: 'local', root, baseUrl: 'http://127.0.0.1:9/storage', secret: SECRET, bucket: MISSING });
      await expectObjectNotFound(presigner);
      await rm(path.join(root, MISSING), { recursive: true });
      await expectBucketNamed(presigner);
      // Download grants expire on the second, as their URL does.
      const download = await presigner.createDownloadGrant({ key: 'a/b.txt', expiresIn: 60 });
      expect(download.expiresAt).to.match(/:\d\d\.000Z$/);
      expect(new URL(download.url).searchParams.get('X-Upgrant-Expires')).to.equal(String(Date.parse(download.expiresAt) / 1000));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('s3 on Swift', async function () {
    const missing = swiftMissing();
    if (missing) {
      skipOrFail('Swift', missing, 'the missing-bucket check on Swift');
      return this.skip();
    }
    const swift = await startSwift();
    const client = s3Client(swift.endpoint);
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'upgrant-present' }));
      await expectObjectNotFound(new PortablePresigner(await createS3Driver(swiftOptions(swift.endpoint, 'upgrant-present')), { secret: SECRET }));
      await expectBucketNamed(new PortablePresigner(await createS3Driver(swiftOptions(swift.endpoint, MISSING)), { secret: SECRET }));
    } finally {
      client.destroy();
      await swift.stop();
    }
  });

  it('azure on Azurite', async function () {
    const missing = await azuriteMissing();
    if (missing) {
      skipOrFail('Azurite', missing, 'the missing-bucket check on Azurite');
      return this.skip();
    }
    const azurite = await startAzurite();
    try {
      const options = (bucket: string) => ({ bucket, accountName: AZURITE_ACCOUNT, accountKey: AZURITE_KEY, endpoint: azurite.endpoint });
      const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
      await new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).createContainer('present');
      await expectObjectNotFound(new PortablePresigner(await createAzureDriver(options('present')), { secret: SECRET }));
      await expectBucketNamed(new PortablePresigner(await createAzureDriver(options(MISSING)), { secret: SECRET }));
    } finally {
      await azurite.stop();
    }
  });

  it('gcs on the stand-in', async () => {
    const account = throwawayAccount();
    const standIn = await startGcsStandIn({ buckets: ['upgrant-present'], accounts: [account] });
    try {
      const presigner = async (bucket: string) =>
        new PortablePresigner(await createGcsDriver({ bucket, credentials: account, apiEndpoint: standIn.endpoint, projectId: 'upgrant-test' }), { secret: SECRET });
      await expectObjectNotFound(await presigner('upgrant-present'));
      await expectBucketNamed(await presigner(MISSING));
    } finally {
      await standIn.close();
    }
  });
});
