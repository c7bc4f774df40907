// `upgrant sweep` as an operator runs it (a real process, configured by the environment), for a
// client that uploaded and never reported: its valid upload is promoted, its violating one removed.
// On the local driver (staging 'always'), on Azurite (where 'auto' stages every grant), and on
// Ceph RGW, Swift's s3api and the GCS stand-in (staging 'always': there the storage itself binds the
// type and size of these grants, so 'auto' would not stage them).
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDriver as createAzureDriver } from '../../drivers/azure/index.js';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { presignerFromEnv } from '../../src/config.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { Presigner, SweepReport } from '../../src/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite, type Azurite } from '../support/azurite.js';
import { uploadViaHttp } from '../support/http.js';
import { throwawayAccount } from '../gcs/helpers.js';
import { CEPH_ACCESS_KEY, CEPH_SECRET, useCeph } from '../support/ceph.js';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-standin.js';
import { SWIFT_ACCESS_KEY, SWIFT_SECRET, swiftMissing, startSwift, type Swift } from '../support/swift.js';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { emulatorsRequired } from '../support/required.js';

// The built launcher, as an operator runs it (npm test builds first).
const BIN = fileURLToPath(new URL('../../bin/upgrant.js', import.meta.url));
const SECRET = 'sweep-cli-secret-0123456789abcdef0123';

/** Run the built CLI, with only the given environment. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A valid upload and a violating one (another type where the storage cannot bind it, else a taken key), neither reported. */
async function unreported(presigner: Presigner): Promise<{ good: string; bad: string; body: Uint8Array; atBad?: Uint8Array }> {
  const body = new Uint8Array(randomBytes(32));
  const good = await presigner.createUploadGrant({ key: `sweep/${randomBytes(4).toString('hex')}.bin`, contentType: 'image/png', size: 32, contentCheck: 'off' });
  expect(good.staged).to.equal(true);
  expect((await uploadViaHttp(good, body)).status).to.be.within(200, 299);
  const badKey = `sweep/${randomBytes(4).toString('hex')}.bin`;
  const bad = await presigner.createUploadGrant({ key: badKey, contentType: 'image/png', size: 32, contentCheck: 'off' });
  const wrongType = await uploadViaHttp(bad, body, { contentType: 'text/html' });
  if (wrongType.status >= 300) {
    // The storage binds the type: break the grant by its key instead, taken by an earlier upload.
    const atBad = new Uint8Array(randomBytes(32));
    const first = await presigner.createUploadGrant({ key: badKey, contentType: 'image/png', size: 32, contentCheck: 'off' });
    expect((await uploadViaHttp(first, atBad)).status).to.be.within(200, 299);
    await presigner.verifyUpload(first.token);
    expect((await uploadViaHttp(bad, body)).status).to.be.within(200, 299);
    return { good: good.key, bad: badKey, body, atBad };
  }
  return { good: good.key, bad: badKey, body };
}

function report(stdout: string): SweepReport {
  return JSON.parse(stdout) as SweepReport;
}

describe('upgrant sweep (CLI)', function () {
  this.timeout(60_000);

  describe('local driver, UPGRANT_STAGING=always', () => {
    let root: string;
    let receiver: LocalReceiver;
    before(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-sweep-'));
      receiver = await listenLocal({ root, secret: SECRET, staging: 'always' });
    });
    after(async () => {
      await receiver?.close();
      await rm(root, { recursive: true, force: true });
    });

    it('promotes the valid upload, removes the violating one, and says so (--json; --dry-run changes nothing)', async () => {
      const { good, bad } = await unreported(receiver.presigner);
      const env = { UPGRANT_PROVIDER: 'local', UPGRANT_LOCAL_ROOT: root, UPGRANT_SECRET: SECRET, UPGRANT_STAGING: 'always', UPGRANT_PUBLIC_URL: receiver.baseUrl };
      // A bad flag touches no storage: its process runs alongside the dry run.
      const [dry, wrong] = await Promise.all([cli(['sweep', '--dry-run', '--json'], env), cli(['sweep', '--older-than', 'soon'], env)]);
      expect(dry.code, dry.stderr).to.equal(0);
      expect(report(dry.stdout).promoted.map((o) => o.key)).to.deep.equal([good]);
      expect(await readFile(path.join(root, 'local', ...good.split('/'))).catch(() => undefined), 'dry run').to.equal(undefined);
      const run = await cli(['sweep', '--json'], env);
      expect(run.code, run.stderr).to.equal(0);
      const swept = report(run.stdout);
      expect(swept.promoted.map((o) => o.key)).to.deep.equal([good]);
      expect(swept.rejected.map((r) => r.key)).to.deep.equal([bad]);
      expect(await readFile(path.join(root, 'local', ...good.split('/')))).to.have.length(32);
      const text = await cli(['sweep'], env);
      expect(text.stdout).to.match(/promoted 0/);
      expect(wrong.code).to.equal(2);
      expect(wrong.stderr).to.include('--older-than');
    });
  });

  describe('azure driver on Azurite (auto staging)', () => {
    let azurite: Azurite | undefined;
    let presigner: Presigner;
    before(async function () {
      const missing = await azuriteMissing();
      if (missing) {
        if (emulatorsRequired()) throw new Error(`Azurite is required here: ${missing}`);
        this.skip();
      }
      azurite = await startAzurite();
      await new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).createContainer('sweep');
      presigner = new PortablePresigner(await createAzureDriver({ bucket: 'sweep', connectionString: azurite.connectionString }), { secret: SECRET });
    });
    after(async () => {
      await presigner?.close();
      await azurite?.stop();
    });

    it('promotes the valid upload and removes the violating one', async () => {
      const { good, bad, body } = await unreported(presigner);
      const env = { UPGRANT_PROVIDER: 'azure', UPGRANT_BUCKET: 'sweep', UPGRANT_SECRET: SECRET, AZURE_STORAGE_CONNECTION_STRING: azurite!.connectionString };
      const run = await cli(['sweep', '--json'], env);
      expect(run.code, run.stderr).to.equal(0);
      const swept = report(run.stdout);
      expect(swept.promoted.map((o) => o.key)).to.deep.equal([good]);
      expect(swept.rejected.map((r) => r.key)).to.deep.equal([bad]);
      const container = new BlobServiceClient(azurite!.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient('sweep');
      expect((await container.getBlobClient(good).downloadToBuffer()).equals(Buffer.from(body))).to.equal(true);
      expect(await container.getBlobClient(bad).exists()).to.equal(false);
    });
  });

  /** The sweep through the CLI on a store configured by `env`, checked through downloads the store serves. */
  function sweepsThroughEnv(env: () => Record<string, string>): void {
    it('promotes the valid upload and removes the violating one', async () => {
      const presigner = await presignerFromEnv(env());
      try {
        const { good, bad, body, atBad } = await unreported(presigner);
        const run = await cli(['sweep', '--json'], env());
        expect(run.code, run.stderr).to.equal(0);
        const swept = report(run.stdout);
        expect(swept.promoted.map((o) => o.key)).to.deep.equal([good]);
        expect(swept.rejected.map((r) => r.key)).to.deep.equal([bad]);
        const atGood = await fetch((await presigner.createDownloadGrant({ key: good, expiresIn: 60 })).url);
        expect(Buffer.from(await atGood.arrayBuffer()).equals(Buffer.from(body)), 'promoted byte for byte').to.equal(true);
        const badAnswer = await fetch((await presigner.createDownloadGrant({ key: bad, expiresIn: 60 })).url);
        const badBytes = Buffer.from(await badAnswer.arrayBuffer());
        if (atBad) expect(badBytes.equals(Buffer.from(atBad)), 'the earlier object at the taken key is untouched').to.equal(true);
        else expect(badAnswer.status, 'nothing at the violating key').to.equal(404);
        // The CLI's run is proven above; what is left is the storage's state, so the second sweep
        // runs in this process (same environment, same defaults), not as another CLI process that
        // loads the SDK again.
        const again = await presigner.sweep();
        expect([again.promoted.length, again.rejected.length], 'the staged copies are gone: a second sweep finds nothing').to.deep.equal([0, 0]);
      } finally {
        await presigner.close();
      }
    });
  }

  describe('s3 driver on Ceph RGW (UPGRANT_STAGING=always)', () => {
    const bucket = `sweep-cli-${randomBytes(3).toString('hex')}`;
    let endpoint = '';
    before(async function () {
      const ceph = await useCeph('upgrant sweep on Ceph');
      if (!ceph) return this.skip();
      endpoint = ceph.endpoint;
      const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: CEPH_ACCESS_KEY, secretAccessKey: CEPH_SECRET } });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      client.destroy();
    });
    sweepsThroughEnv(() => ({ ...s3Env(endpoint, bucket, CEPH_ACCESS_KEY, CEPH_SECRET), UPGRANT_S3_COMPAT: 'ceph' }));
  });

  describe("s3 driver on Swift's s3api (UPGRANT_STAGING=always)", () => {
    const bucket = 'sweep-cli';
    let swift: Swift | undefined;
    before(async function () {
      const missing = swiftMissing();
      if (missing) {
        if (emulatorsRequired()) throw new Error(`Swift is required here: ${missing}`);
        return this.skip();
      }
      this.timeout(120_000);
      swift = await startSwift();
      const client = new S3Client({ endpoint: swift.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: SWIFT_ACCESS_KEY, secretAccessKey: SWIFT_SECRET } });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      client.destroy();
    });
    after(async () => swift?.stop());
    sweepsThroughEnv(() => ({ ...s3Env(swift!.endpoint, bucket, SWIFT_ACCESS_KEY, SWIFT_SECRET), UPGRANT_S3_COMPAT: 'swift' }));
  });

  describe('gcs driver on the GCS stand-in (UPGRANT_STAGING=always)', () => {
    let standIn: GcsStandIn;
    let dir: string;
    let keyFile: string;
    before(async () => {
      const account = throwawayAccount();
      standIn = await startGcsStandIn({ buckets: ['sweep'], accounts: [account] });
      dir = await mkdtemp(path.join(os.tmpdir(), 'upgrant-sweep-gcs-'));
      keyFile = path.join(dir, 'key.json');
      await writeFile(keyFile, JSON.stringify({ type: 'service_account', ...account }));
    });
    after(async () => {
      await standIn?.close();
      await rm(dir, { recursive: true, force: true });
    });
    sweepsThroughEnv(() => ({
      UPGRANT_PROVIDER: 'gcs',
      UPGRANT_BUCKET: 'sweep',
      UPGRANT_SECRET: SECRET,
      UPGRANT_STAGING: 'always',
      GOOGLE_APPLICATION_CREDENTIALS: keyFile,
      GOOGLE_CLOUD_PROJECT: 'upgrant-test',
      STORAGE_EMULATOR_HOST: standIn.endpoint,
    }));
  });
});

function s3Env(endpoint: string, bucket: string, accessKeyId: string, secretAccessKey: string): Record<string, string> {
  return {
    UPGRANT_PROVIDER: 's3',
    UPGRANT_BUCKET: bucket,
    UPGRANT_SECRET: SECRET,
    UPGRANT_STAGING: 'always',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_ENDPOINT_URL_S3: endpoint,
    UPGRANT_S3_FORCE_PATH_STYLE: '1',
  };
}
