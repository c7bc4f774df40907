// Grant cost per driver: upgrant's createUploadGrant (validation, key, signature, token: the whole
// public call) against, in the same process and the same interleaved rounds, (1) the SDK call a
// peer library makes for the same grant and (2) the crypto floor of the signature scheme.
// Every credential here is a published example or test value; nothing leaves the process, and the
// network guard proves it.
import * as crypto from 'node:crypto';
import { createHash, createHmac, createPrivateKey, createSecretKey, generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BlobSASPermissions, SASProtocol, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import { Storage } from '@google-cloud/storage';
import { createPresigner, type PresignerConfig } from '../src/create-presigner.js';
import type { Presigner, UploadGrantRequest } from '../src/types.js';
import { measureAll, type Measurement, type Operation, type Plan } from './measure.js';
import { installNetworkGuard } from './network-guard.js';

export const DRIVERS = ['local', 's3-put', 's3-post', 'gcs-rsa', 'gcs-hmac', 'azure'] as const;
export type DriverCase = (typeof DRIVERS)[number];

export interface GrantResult {
  readonly driver: DriverCase;
  readonly upgrant: Measurement;
  readonly sdk: Measurement;
  readonly floor: Measurement;
  /** What the SDK baseline and the floor are, in words, for the report. */
  readonly sdkCall: string;
  readonly floorOp: string;
  /** Outgoing connections seen while any of the three ran (must be 0 for upgrant). */
  readonly connections: { readonly upgrant: number; readonly sdk: number };
}

const SECRET = 'bench-secret-bench-secret-bench-secret!';
const BUCKET = 'bench-bucket';
const SIZE = 1_048_576;
const CONTENT_TYPE = 'image/jpeg';
const EXPIRES_IN = 300;
// The AWS documentation's example key pair.
const AWS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
// Azurite's published development account.
const AZURE_ACCOUNT = 'devstoreaccount1';
const AZURE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const AZURE_ENDPOINT = `http://127.0.0.1:10000/${AZURE_ACCOUNT}`;
// Google's conformance-test service account (a dummy, inactive key).
const GCS_KEY_FILE = process.env.UPGRANT_GCS_VECTORS_DIR
  ? path.join(process.env.UPGRANT_GCS_VECTORS_DIR, 'test_service_account.not-a-test.json')
  : '/work/shared/vectors/gcs/test_service_account.not-a-test.json';
const GCS_HMAC = { accessId: 'GOOG1EXAMPLEACCESSID', secret: 'bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ' };

// Grants are for 1024 distinct keys in turn, the same keys for upgrant and for the SDK, so no
// cache can hold a finished signature and both sides sign exactly the same objects. The key is
// given, as the SDK calls take it; making one from an untrusted file name (keyFor) is timed apart.
const KEYS = Array.from({ length: 1024 }, (_, i) => `uploads/${createHash('sha256').update(String(i)).digest('hex').slice(0, 32)}/holiday-photo-${i}.jpg`);
const PEER_KEY = KEYS[0]!;
/** Exact size: a PUT grant everywhere. */
const EXACT: readonly UploadGrantRequest[] = KEYS.map((key) => ({ key, contentType: CONTENT_TYPE, size: SIZE, expiresIn: EXPIRES_IN }));
/** A size range (browser form uploads): S3 answers with a POST policy. */
const RANGE: readonly UploadGrantRequest[] = KEYS.map((key) => ({ key, contentType: CONTENT_TYPE, maxSize: SIZE, expiresIn: EXPIRES_IN }));

/** An endless round robin over `items`. */
function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ & (items.length - 1)]!;
}

interface Case {
  readonly presigner: Presigner;
  readonly requests: readonly UploadGrantRequest[];
  readonly sdk: Operation;
  readonly sdkCall: string;
  readonly floor: Operation;
  readonly floorOp: string;
  close(): Promise<void>;
}

// The floor: what the signature scheme cannot avoid. For the HMAC schemes (SigV4, GOOG4-HMAC,
// the SAS, the local URL), hashing a canonical request of a few hundred bytes and one HMAC with a
// derived key kept from an earlier call; for GOOG4-RSA, one RSA-2048 PKCS#1 v1.5 SHA-256 signature.
const CANONICAL_REQUEST = [
  'PUT',
  `/${PEER_KEY}`,
  `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${AWS.accessKeyId}%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match`,
  `content-length:${SIZE}\ncontent-type:${CONTENT_TYPE}\nhost:${BUCKET}.s3.us-east-1.amazonaws.com\nif-none-match:*\n`,
  'content-length;content-type;host;if-none-match',
  'UNSIGNED-PAYLOAD',
].join('\n');
const STRING_TO_SIGN = `AWS4-HMAC-SHA256\n20260101T000000Z\n20260101/us-east-1/s3/aws4_request\n${'0'.repeat(64)}`;

function hmacFloor(): Operation {
  const key = createSecretKey(createHmac('sha256', 'derived').update('key').digest());
  const head = STRING_TO_SIGN.slice(0, -64);
  // The cheapest SHA-256 node offers for a string (crypto.hash, where this node has it), so the
  // floor is never flattered by a slower API than the code under test may use.
  const sha256Hex = oneShotHash ? (data: string) => oneShotHash('sha256', data, 'hex') : (data: string) => createHash('sha256').update(data).digest('hex');
  return () => createHmac('sha256', key).update(head + sha256Hex(CANONICAL_REQUEST)).digest('hex');
}
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const HMAC_FLOOR = 'SHA-256 of a 390-byte canonical request + HMAC-SHA256 (cached key) of the string to sign';

function rsaFloor(privateKeyPem: string): Operation {
  const key = createPrivateKey(privateKeyPem);
  const data = Buffer.from(`GOOG4-RSA-SHA256\n20260101T000000Z\n20260101/auto/storage/goog4_request\n${'0'.repeat(64)}`);
  return () => rsaSign('sha256', data, key);
}

/** The S3 SDK's presigned PUT, signing the same headers upgrant signs. */
function s3PutSdk(client: S3Client): Operation {
  const signableHeaders = new Set(['content-type', 'content-length', 'if-none-match']);
  const nextKey = cycle(KEYS);
  return () =>
    getSignedUrl(client, new PutObjectCommand({ Bucket: BUCKET, Key: nextKey(), ContentType: CONTENT_TYPE, ContentLength: SIZE, IfNoneMatch: '*' }), {
      expiresIn: EXPIRES_IN,
      signableHeaders,
    });
}

async function localCase(): Promise<Case> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-bench-local-'));
  const presigner = await createPresigner({ provider: 'local', secret: SECRET, root, baseUrl: 'http://127.0.0.1:8787/storage' });
  const client = new S3Client({ region: 'us-east-1', credentials: AWS });
  return {
    presigner,
    requests: EXACT,
    sdk: s3PutSdk(client),
    sdkCall: '@aws-sdk/s3-request-presigner getSignedUrl(PutObjectCommand) (a peer has no local signer; it signs S3)',
    floor: hmacFloor(),
    floorOp: HMAC_FLOOR,
    close: async () => {
      client.destroy();
      await presigner.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function s3Case(method: 'PUT' | 'POST'): Promise<Case> {
  const config: PresignerConfig = { provider: 's3', secret: SECRET, bucket: BUCKET, region: 'us-east-1', credentials: AWS };
  const presigner = await createPresigner(config);
  const client = new S3Client({ region: 'us-east-1', credentials: AWS });
  const nextKey = cycle(KEYS);
  const post: Operation = () =>
    createPresignedPost(client, {
      Bucket: BUCKET,
      Key: nextKey(),
      Conditions: [
        ['eq', '$Content-Type', CONTENT_TYPE],
        ['content-length-range', 0, SIZE],
      ],
      Fields: { 'Content-Type': CONTENT_TYPE },
      Expires: EXPIRES_IN,
    });
  return {
    presigner,
    requests: method === 'PUT' ? EXACT : RANGE,
    sdk: method === 'PUT' ? s3PutSdk(client) : post,
    sdkCall:
      method === 'PUT'
        ? '@aws-sdk/s3-request-presigner getSignedUrl(PutObjectCommand, signableHeaders content-type, content-length, if-none-match)'
        : '@aws-sdk/s3-presigned-post createPresignedPost (eq $Content-Type, content-length-range)',
    floor: hmacFloor(),
    floorOp: HMAC_FLOOR,
    close: async () => {
      client.destroy();
      await presigner.close();
    },
  };
}

/** Google's test key when the vectors are here; otherwise a fresh RSA-2048 key (signing costs the same). */
function gcsServiceAccount(): { client_email: string; private_key: string; project_id: string } {
  if (existsSync(GCS_KEY_FILE)) return JSON.parse(readFileSync(GCS_KEY_FILE, 'utf8')) as { client_email: string; private_key: string; project_id: string };
  console.warn(`(${GCS_KEY_FILE} not found: gcs-rsa signs with a generated RSA-2048 key)`);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    client_email: 'bench@bench-project.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    project_id: 'bench-project',
  };
}

async function gcsRsaCase(): Promise<Case> {
  const key = gcsServiceAccount();
  const credentials = { client_email: key.client_email, private_key: key.private_key };
  const presigner = await createPresigner({ provider: 'gcs', secret: SECRET, bucket: BUCKET, credentials, projectId: key.project_id });
  const bucket = new Storage({ credentials, projectId: key.project_id }).bucket(BUCKET);
  const nextKey = cycle(KEYS);
  return {
    presigner,
    requests: EXACT,
    sdk: () =>
      bucket.file(nextKey()).getSignedUrl({
        version: 'v4',
        action: 'write',
        expires: Date.now() + EXPIRES_IN * 1000,
        contentType: CONTENT_TYPE,
        extensionHeaders: { 'x-goog-content-length-range': `${SIZE},${SIZE}`, 'x-goog-if-generation-match': '0' },
      }),
    sdkCall: "@google-cloud/storage file.getSignedUrl({ version: 'v4', action: 'write', contentType, extensionHeaders })",
    floor: rsaFloor(key.private_key),
    floorOp: 'one RSA-2048 PKCS#1 v1.5 SHA-256 signature of the string to sign',
    close: () => presigner.close(),
  };
}

async function gcsHmacCase(): Promise<Case> {
  const presigner = await createPresigner({ provider: 'gcs', secret: SECRET, bucket: BUCKET, hmacKey: GCS_HMAC, projectId: 'bench' });
  // @google-cloud/storage cannot sign with an HMAC key; Google documents HMAC keys for the XML
  // API's S3 interoperability, so that is what a peer does: the AWS SDK pointed at GCS.
  const client = new S3Client({
    region: 'auto',
    endpoint: 'https://storage.googleapis.com',
    credentials: { accessKeyId: GCS_HMAC.accessId, secretAccessKey: GCS_HMAC.secret },
  });
  return {
    presigner,
    requests: EXACT,
    sdk: s3PutSdk(client),
    sdkCall: '@aws-sdk/s3-request-presigner getSignedUrl against storage.googleapis.com (GCS HMAC keys are S3-interoperable; @google-cloud/storage has no HMAC signer)',
    floor: hmacFloor(),
    floorOp: HMAC_FLOOR,
    close: async () => {
      client.destroy();
      await presigner.close();
    },
  };
}

async function azureCase(): Promise<Case> {
  const presigner = await createPresigner({
    provider: 'azure',
    secret: SECRET,
    bucket: BUCKET,
    accountName: AZURE_ACCOUNT,
    accountKey: AZURE_KEY,
    endpoint: AZURE_ENDPOINT,
  });
  const credential = new StorageSharedKeyCredential(AZURE_ACCOUNT, AZURE_KEY);
  const permissions = BlobSASPermissions.parse('c');
  const nextKey = cycle(KEYS);
  return {
    presigner,
    requests: EXACT,
    sdk: () => {
      const now = Date.now();
      const blobName = nextKey();
      const sas = generateBlobSASQueryParameters(
        {
          containerName: BUCKET,
          blobName,
          permissions,
          startsOn: new Date(now - 300_000),
          expiresOn: new Date(now + EXPIRES_IN * 1000),
          protocol: SASProtocol.HttpsAndHttp,
        },
        credential,
      ).toString();
      return `${AZURE_ENDPOINT}/${BUCKET}/${blobName.split('/').map(encodeURIComponent).join('/')}?${sas}`;
    },
    sdkCall: '@azure/storage-blob generateBlobSASQueryParameters (shared key, permission c) + the blob URL',
    floor: hmacFloor(),
    floorOp: HMAC_FLOOR,
    close: () => presigner.close(),
  };
}

const BUILDERS: Record<DriverCase, () => Promise<Case>> = {
  local: localCase,
  's3-put': () => s3Case('PUT'),
  's3-post': () => s3Case('POST'),
  'gcs-rsa': gcsRsaCase,
  'gcs-hmac': gcsHmacCase,
  azure: azureCase,
};

/** Measure one driver: upgrant, its SDK baseline and its floor, interleaved. */
export async function benchGrant(driver: DriverCase, plan: Plan): Promise<GrantResult> {
  const c = await BUILDERS[driver]();
  try {
    // One grant first, checked, so a misconfigured case fails loudly instead of timing errors.
    const grant = await c.presigner.createUploadGrant(c.requests[0]!);
    const expected = driver === 's3-post' ? 'POST' : 'PUT';
    if (grant.method !== expected) throw new Error(`${driver}: expected a ${expected} grant, got ${grant.method}`);
    await c.sdk();

    const { presigner } = c;
    const nextRequest = cycle(c.requests);
    const upgrant = () => presigner.createUploadGrant(nextRequest());
    const connections = { upgrant: await connectionsDuring(upgrant), sdk: await connectionsDuring(c.sdk) };
    const m = await measureAll({ upgrant, sdk: c.sdk, floor: c.floor }, plan);
    return { driver, upgrant: m.upgrant, sdk: m.sdk, floor: m.floor, sdkCall: c.sdkCall, floorOp: c.floorOp, connections };
  } finally {
    await c.close();
  }
}

/** Outgoing connections opened by 200 calls (checked apart from the timed rounds, so timing carries no probe). */
async function connectionsDuring(op: Operation): Promise<number> {
  const guard = installNetworkGuard();
  try {
    for (let i = 0; i < 200; i++) await op();
    // Let anything the calls started in the background get as far as connecting.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return guard.connections;
  } finally {
    guard.uninstall();
  }
}
