// The demo's upload route (the router's wire protocol) with multipart grants, on the local driver,
// Azurite, Ceph RGW, Swift and the GCS stand-in: a 40 MiB + 1 byte file granted by POST
// /api/uploads (over the demo's multipart threshold), sent in parallel parts with plain fetch (in
// order, one at a time, where the grant is sequential: GCS sessions), resumed after the parts
// already stored are listed by POST /api/uploads/parts (as after a page reload), completed and
// verified by POST /api/uploads/complete and read back byte for byte through a download grant; an
// upload aborted with POST /api/uploads/abort leaves no object and no parts, asserted with each
// provider's own listing.
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { CreateBucketCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { presignerFromEnv } from '../../src/config.js';
import type { MultipartUploadGrant, Presigner } from '../../src/types.js';
import { presignerOnStandIn, throwawayAccount } from '../gcs/helpers.js';
import { cephEnv, listKeys, s3Client } from '../s3/helpers.js';
import { CEPH_CREDENTIALS, cephMissing, sharedCeph } from '../support/ceph.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite, type Azurite } from '../support/azurite.js';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-standin.js';
import { listLocal } from '../support/local-files.js';
import { SWIFT_ACCESS_KEY, SWIFT_REGION, SWIFT_SECRET, startSwift, swiftMissing, type Swift } from '../support/swift.js';
import { generated, sendParts, sha256 } from './helpers.js';
import { makeMp4, stamp } from '../support/sample-files.js';
import { skipOrFail } from '../support/required.js';

const MIB = 1024 * 1024;
const SIZE = 40 * MIB + 1;
/** The demo's multipart threshold here (`upgrant serve --multipart-threshold`): both files below go multipart. */
const THRESHOLD = 10 * MIB;

/** The files (and the big one's digest) are the same for every store: made once, not once per store. */
let bigFile: { data: Uint8Array; sha256: string } | undefined;
let abandonedFile: Uint8Array | undefined;
function theBigFile(): { data: Uint8Array; sha256: string } {
  if (!bigFile) {
    const data = stamp(generated(SIZE, 61), makeMp4());
    bigFile = { data, sha256: sha256(data) };
  }
  return bigFile;
}

/** A Buffer over the same memory (for Buffer#equals), not a copy. */
const bytesView = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

interface Provider {
  readonly presigner: Presigner;
  /** Object keys, plus anything pending (parts, uncommitted blocks) as "!pending:<key>". */
  listing(): Promise<string[]>;
  close(): Promise<void>;
}

function demoScenario(name: string, start: () => Promise<Provider | string>): void {
  describe(`demo API, multipart, on ${name}`, function () {
    this.timeout(180_000);
    let provider: Provider | undefined;
    let demo: DemoServer;

    before(async function () {
      const started = await start();
      if (typeof started === 'string') {
        skipOrFail(`${name}`, started, `the ${name} multipart demo check`);
        this.skip();
      }
      provider = started as Provider;
      demo = await startDemoServer({ presigner: provider.presigner, multipartThreshold: THRESHOLD });
    });

    after(async () => {
      await demo?.close();
      await provider?.close();
    });

    const api = async (route: string, body: object) => {
      // As from the demo page: the browser sends its Origin with the POST.
      const response = await fetch(`${demo.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: demo.url }, body: JSON.stringify(body) });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };

    it(`a ${SIZE}-byte file: grant, parts (in parallel where the grant allows), resume from the listed parts, complete and verify, read back byte for byte`, async () => {
      const { data: file, sha256: digest } = theBigFile();
      const granted = await api('/api/uploads', { name: 'big video.mp4', type: 'video/mp4', size: SIZE, sha256: digest });
      expect(granted.status, JSON.stringify(granted.json)).to.equal(201);
      const grant = granted.json['grant'] as MultipartUploadGrant;
      expect(grant.kind).to.equal('multipart');
      expect(grant.parts).to.have.length(6);
      if (grant.sequential) {
        // The page's Origin went from the API request to the session start: the session answers CORS for it.
        const preflight = await fetch(grant.parts[0]!.url, { method: 'OPTIONS', headers: { origin: demo.url, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-range' } });
        expect(preflight.headers.get('access-control-allow-origin')).to.equal(demo.url);
      }
      const first = await sendParts(grant, file, { only: [1, 2, 3, 4, 5] });
      expect(await provider!.listing(), 'nothing visible before the last part').to.not.include(grant.key);
      // A reload forgets what was sent: the storage's own list says which parts to skip.
      const listed = await api('/api/uploads/parts', { token: grant.token });
      expect(listed.status, JSON.stringify(listed.json)).to.equal(200);
      const stored = (listed.json['parts'] as { number: number; etag?: string | null }[]).map((p) => p.number);
      expect(stored, 'the parts already stored').to.deep.equal([1, 2, 3, 4, 5]);
      const rest = grant.parts.map((p) => p.number).filter((n) => !stored.includes(n));
      const parts = [...first, ...(await sendParts(grant, file, { only: rest }))];
      // A GCS session creates the object with its last part; the others wait for completion.
      if (!grant.sequential) expect(await provider!.listing(), 'nothing visible before completion').to.not.include(grant.key);
      const completed = await api('/api/uploads/complete', { token: grant.token, parts });
      expect(completed.status, JSON.stringify(completed.json)).to.equal(200);
      expect(completed.json['object']).to.include({ key: grant.key, size: SIZE, contentType: 'video/mp4' });
      const download = await api('/api/uploads/download', { key: grant.key });
      expect(download.status).to.equal(200);
      const body = new Uint8Array(await (await fetch(download.json['url'] as string)).arrayBuffer());
      // Buffer views, not Buffer.from(copies): 80 MiB less to copy and collect.
      expect(bytesView(body).equals(bytesView(file)), 'read back byte for byte').to.equal(true);
      expect((await provider!.listing()).filter((k) => k.startsWith('!')), 'no parts left').to.deep.equal([]);
    });

    it('an aborted upload leaves no object and no parts in the provider listing', async () => {
      const file = (abandonedFile ??= generated(11 * MIB, 62));
      const granted = await api('/api/uploads', { name: 'abandoned.bin', type: 'application/octet-stream', size: file.length });
      expect(granted.status, JSON.stringify(granted.json)).to.equal(201);
      const grant = granted.json['grant'] as MultipartUploadGrant;
      expect(grant.kind).to.equal('multipart');
      await sendParts(grant, file, { only: [1] });
      // Staged grants assemble at their staging key: that is where the parts wait.
      const pending = (await provider!.listing()).filter((k) => k.startsWith('!pending:'));
      expect(pending, 'parts pending').to.have.length(1);
      expect(pending[0]).to.satisfy((k: string) => k === `!pending:${grant.key}` || (grant.staged && /^!pending:\.upgrant-staging\//.test(k)));
      const aborted = await api('/api/uploads/abort', { token: grant.token });
      expect(aborted.status).to.equal(200);
      const listing = await provider!.listing();
      // An aborted staged grant keeps a marker (never promoted, however its part URLs are reused).
      const marker = /^\.upgrant-staging\/\d+-[0-9a-f]{32}\.rejected$/;
      expect(listing.filter((k) => (k.includes(grant.key) || k.startsWith('!')) && !marker.test(k)), JSON.stringify(listing)).to.deep.equal([]);
      const late = await api('/api/uploads/complete', { token: grant.token, parts: grant.parts.map(({ number }) => ({ number, etag: '"x"' })) });
      expect(late.status, JSON.stringify(late.json)).to.be.within(400, 499);
    });

    it('bad requests get 4xx naming the field; a small file gets a single grant', async () => {
      const range = await api('/api/uploads', { name: 'a.bin', type: 'text/plain', maxSize: 100 });
      expect(range.status).to.equal(400);
      expect((range.json['error'] as { field: string }).field, 'the route grants exact sizes').to.equal('size');
      const single = await api('/api/uploads', { name: 'a.bin', type: 'text/plain', size: 100 });
      expect(single.status).to.equal(201);
      const grant = single.json['grant'] as { kind?: string; token: string };
      expect(grant.kind, 'small files get a single grant').to.equal(undefined);
      const noParts = await api('/api/uploads/complete', { token: grant.token });
      expect(noParts.status).to.equal(400);
    });

    it('a size over the threshold gets a multipart grant, one at or under it a single grant', async () => {
      const big = await api('/api/uploads', { name: 'big.bin', type: 'application/octet-stream', size: THRESHOLD + 1 });
      expect(big.status, JSON.stringify(big.json)).to.equal(201);
      const grant = big.json['grant'] as { kind?: string; token: string };
      expect(grant.kind).to.equal('multipart');
      expect((await api('/api/uploads/abort', { token: grant.token })).status).to.equal(200);
      const at = await api('/api/uploads', { name: 'big.bin', type: 'application/octet-stream', size: THRESHOLD });
      expect(at.status, JSON.stringify(at.json)).to.equal(201);
      expect((at.json['grant'] as { kind?: string; url: string }).kind).to.equal(undefined);
    });
  });
}

demoScenario('the local driver', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-mp-demo-'));
  const secret = randomBytes(32).toString('hex');
  const receiver: LocalReceiver = await listenLocal({ root, secret });
  return {
    presigner: receiver.presigner,
    async listing() {
      // Pending parts are files under .upgrant-tmp/mp-<id>/ (listLocal reports them as "!tmp:"):
      // name each pending upload by its key instead.
      const files = await listLocal(root, 'local');
      const uploads = (await readdir(path.join(root, '.upgrant-tmp')).catch(() => [] as string[])).filter((d) => d.startsWith('mp-'));
      const pending: string[] = [];
      for (const dir of uploads) {
        const manifest = JSON.parse(await readFile(path.join(root, '.upgrant-tmp', dir, 'manifest.json'), 'utf8')) as { key: string };
        pending.push(`!pending:${manifest.key}`);
      }
      return uploads.length > 0 ? [...files.filter((f) => !f.startsWith('!tmp:')), ...pending] : files;
    },
    async close() {
      await receiver.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

demoScenario('Azurite', async () => {
  const missing = await azuriteMissing();
  if (missing) return missing;
  const azurite: Azurite = await startAzurite();
  const service = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
  const container = service.getContainerClient('demo-mp');
  await container.create();
  const presigner = await presignerFromEnv({
    UPGRANT_PROVIDER: 'azure',
    UPGRANT_BUCKET: 'demo-mp',
    UPGRANT_SECRET: randomBytes(32).toString('hex'),
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
  });
  return {
    presigner,
    async listing() {
      const names: string[] = [];
      for await (const blob of container.listBlobsFlat({ includeUncommitedBlobs: true })) {
        const list = await container.getBlockBlobClient(blob.name).getBlockList('all').catch(() => undefined);
        if (list?.committedBlocks?.length || list?.blobContentLength) names.push(blob.name);
        if (list?.uncommittedBlocks?.length) names.push(`!pending:${blob.name}`);
        if (!list) names.push(blob.name);
      }
      return names;
    },
    async close() {
      await presigner.close();
      await azurite.stop();
    },
  };
});

demoScenario('Ceph RGW (UPGRANT_S3_COMPAT=ceph)', async () => {
  const missing = cephMissing();
  if (missing) return missing;
  const ceph = await sharedCeph();
  const bucket = `demo-mp-${randomBytes(4).toString('hex')}`;
  const client: S3Client = s3Client(ceph.endpoint, CEPH_CREDENTIALS);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const presigner = await presignerFromEnv(cephEnv(ceph.endpoint, bucket, randomBytes(32).toString('hex')));
  return {
    presigner,
    async listing() {
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return [...(await listKeys(client, bucket)), ...(uploads.Uploads ?? []).map((u) => `!pending:${u.Key}`)];
    },
    async close() {
      await presigner.close();
      client.destroy();
    },
  };
});

demoScenario('Swift (s3api)', async () => {
  const missing = swiftMissing();
  if (missing) return missing;
  const swift: Swift = await startSwift();
  const client: S3Client = s3Client(swift.endpoint);
  await client.send(new CreateBucketCommand({ Bucket: 'demo-mp' }));
  const presigner = await presignerFromEnv({
    UPGRANT_PROVIDER: 's3',
    UPGRANT_BUCKET: 'demo-mp',
    UPGRANT_SECRET: randomBytes(32).toString('hex'),
    AWS_REGION: SWIFT_REGION,
    AWS_ACCESS_KEY_ID: SWIFT_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SWIFT_SECRET,
    AWS_ENDPOINT_URL_S3: swift.endpoint,
    UPGRANT_S3_FORCE_PATH_STYLE: '1',
    UPGRANT_S3_COMPAT: 'swift',
  });
  return {
    presigner,
    async listing() {
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: 'demo-mp' }));
      return [...(await listKeys(client, 'demo-mp')), ...(uploads.Uploads ?? []).map((u) => `!pending:${u.Key}`)];
    },
    async close() {
      await presigner.close();
      client.destroy();
      await swift.stop();
    },
  };
});

// A STAND-IN for GCS (test/support/gcs-standin.ts): no GCS emulator with resumable sessions and
// signed URLs installs here (../shared/emulators/README.md). Pending uploads are its open sessions.
demoScenario('the GCS stand-in', async () => {
  const account = throwawayAccount();
  const standIn: GcsStandIn = await startGcsStandIn({ buckets: ['demo-mp'], accounts: [account] });
  const configured = await presignerOnStandIn(standIn.endpoint, 'demo-mp', account);
  return {
    presigner: configured.presigner,
    listing: async () => [...standIn.list('demo-mp'), ...standIn.openSessions('demo-mp').map((s) => `!pending:${s.name}`)],
    async close() {
      await configured.close();
      await standIn.close();
    },
  };
});
