// Captures the error answers real storage gives to refused uploads, for the mapping tests
// (test/client/map-error.test.ts). Run by hand when an emulator changes:
//   npx tsx test/client/capture-bodies.ts   -> test/client/fixtures/provider-bodies.json
// Each case makes a real grant with upgrant's driver, breaks one promise, and records the
// status, the x-ms-error-code header and the body exactly as the storage sent them.
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDriver as azureDriver } from '../../drivers/azure/index.js';
import { createDriver as gcsDriver } from '../../drivers/gcs/index.js';
import { createDriver as localDriver, listenLocal } from '../../drivers/local/index.js';
import { createDriver as s3Driver } from '../../drivers/s3/index.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { Presigner, UploadGrantRequest } from '../../src/types.js';
import { throwawayAccount, editSignedUrl, flipHex } from '../gcs/helpers.js';
import { s3Client, swiftOptions, tamperSignature } from '../s3/helpers.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from '../support/azurite.js';
import { startGcsStandIn } from '../support/gcs-standin.js';
import { startSwift } from '../support/swift.js';

const SECRET = 'capture-secret-0123456789abcdef-0123456789';
const past = () => new Date(Date.now() - 2 * 3600_000);

interface Captured {
  provider: string;
  case: string;
  status: number;
  errorCodeHeader?: string;
  body: string;
}

type Make = (overrides?: { clock?: () => Date }) => Promise<Presigner>;
type Tamper = (url: string) => string;

async function send(url: string, method: string, headers: Record<string, string>, body: Uint8Array): Promise<Omit<Captured, 'provider' | 'case'>> {
  const response = await fetch(url, { method, headers, body: new Uint8Array(body) });
  const code = response.headers.get('x-ms-error-code');
  return { status: response.status, ...(code ? { errorCodeHeader: code } : {}), body: await response.text() };
}

async function captureAll(provider: string, make: Make, tamper: Tamper, skip: readonly string[] = []): Promise<Captured[]> {
  const out: Captured[] = [];
  const presigner = await make();
  const expiredPresigner = await make({ clock: past });
  const file = randomBytes(1000);
  const sha256 = createHash('sha256').update(file).digest('base64');
  const md5 = createHash('md5').update(file).digest('base64');
  const base: UploadGrantRequest = { filename: 'f.bin', contentType: 'image/png', size: file.length };
  const headersOf = (h: Readonly<Record<string, string>>, extra: Record<string, string> = {}) => {
    const copy: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) if (k.toLowerCase() !== 'content-length') copy[k] = v;
    return { ...copy, ...extra };
  };
  const record = async (name: string, run: () => Promise<Omit<Captured, 'provider' | 'case'>>) => {
    if (skip.includes(name)) return;
    const result = await run();
    // Only refusals are error bodies; what a store accepts is its enforcement table's business.
    if (result.status >= 200 && result.status < 300) return;
    out.push({ provider, case: name, ...result });
  };
  await record('tampered-signature', async () => {
    const g = await presigner.createUploadGrant(base);
    return send(tamper(g.url), g.method, headersOf(g.headers), file);
  });
  await record('expired', async () => {
    const g = await expiredPresigner.createUploadGrant({ ...base, expiresIn: 60 });
    return send(g.url, g.method, headersOf(g.headers), file);
  });
  await record('exists', async () => {
    const g = await presigner.createUploadGrant(base);
    await send(g.url, g.method, headersOf(g.headers), file);
    return send(g.url, g.method, headersOf(g.headers), file);
  });
  await record('wrong-type', async () => {
    const g = await presigner.createUploadGrant(base);
    const h = headersOf(g.headers);
    for (const k of Object.keys(h)) if (h[k] === 'image/png') h[k] = 'text/html';
    return send(g.url, g.method, h, file);
  });
  await record('too-large', async () => {
    const g = await presigner.createUploadGrant(base);
    return send(g.url, g.method, headersOf(g.headers), randomBytes(file.length + 500));
  });
  await record('too-large-range', async () => {
    const g = await presigner.createUploadGrant({ filename: 'r.bin', contentType: 'image/png', maxSize: 500, method: 'PUT' });
    return send(g.url, g.method, headersOf(g.headers), file);
  });
  await record('wrong-md5', async () => {
    const g = await presigner.createUploadGrant({ ...base, checksum: { md5 } });
    const other = Buffer.from(file);
    other[0] = (other[0] ?? 0) ^ 1;
    return send(g.url, g.method, headersOf(g.headers), other);
  });
  await record('wrong-sha256', async () => {
    const g = await presigner.createUploadGrant({ ...base, checksum: { sha256 } });
    const other = Buffer.from(file);
    other[0] = (other[0] ?? 0) ^ 1;
    return send(g.url, g.method, headersOf(g.headers), other);
  });
  await presigner.close();
  await expiredPresigner.close();
  return out;
}

async function main(): Promise<void> {
  const all: Captured[] = [];

  const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-capture-'));
  // One receiver on the real clock; a presigner with another clock signs for the same receiver.
  const receiver = await listenLocal({ root, secret: SECRET });
  all.push(
    ...(await captureAll(
      'local',
      async (o = {}) => (o.clock ? new PortablePresigner(await localDriver({ root, secret: SECRET, baseUrl: receiver.baseUrl }), { secret: SECRET, ...o }) : receiver.presigner),
      (url) => url.replace(/X-Upgrant-Signature=([0-9A-Za-z_-])/, (_m, c: string) => `X-Upgrant-Signature=${c === 'A' ? 'B' : 'A'}`),
    )),
  );
  await receiver.close();
  await rm(root, { recursive: true, force: true });

  const swift = await startSwift();
  try {
    const client = s3Client(swift.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'capture' }));
    client.destroy();
    all.push(
      ...(await captureAll(
        's3-swift',
        async (o = {}) => new PortablePresigner(await s3Driver(swiftOptions(swift.endpoint, 'capture')), { secret: SECRET, ...o }),
        (url) => tamperSignature({ url } as never).url,
        ['too-large-range', 'exists'],
      )),
    );
  } finally {
    await swift.stop();
  }

  const azurite = await startAzurite();
  try {
    const service = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
    await service.createContainer('capture');
    all.push(
      ...(await captureAll(
        'azure-azurite',
        async (o = {}) => new PortablePresigner(await azureDriver({ bucket: 'capture', connectionString: azurite.connectionString }), { secret: SECRET, ...o }),
        (url) => url.replace(/sig=([^&])/, (_m, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`),
      )),
    );
  } finally {
    await azurite.stop();
  }

  const account = throwawayAccount();
  const standIn = await startGcsStandIn({ buckets: ['capture'], accounts: [account] });
  try {
    all.push(
      ...(await captureAll(
        'gcs-standin',
        async (o = {}) => new PortablePresigner(await gcsDriver({ bucket: 'capture', credentials: account, apiEndpoint: standIn.endpoint, projectId: 'capture' }), { secret: SECRET, ...o }),
        (url) => editSignedUrl({ url } as never, { signature: flipHex }).url,
      )),
    );
  } finally {
    await standIn.close();
  }

  const target = new URL('./fixtures/provider-bodies.json', import.meta.url);
  await writeFile(target, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`captured ${all.length} answers into ${target.pathname}`);
  for (const c of all) console.log(`${c.provider.padEnd(14)} ${c.case.padEnd(18)} ${c.status} ${c.errorCodeHeader ?? ''} ${c.body.replace(/\s+/g, ' ').slice(0, 160)}`);
}

await main();
