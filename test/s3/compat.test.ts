// The S3-compatible profiles, measured: every capability of the ceph and swift profiles
// (drivers/s3/compat.ts) is probed with real requests against Ceph RGW and Swift's s3api, and the
// profile must say exactly what the store did. Also recorded here, for staged uploads (promotion
// by CopyObject): which copy conditionals each store honours, for the source and the destination.
// Then the grants of the demo API configured with UPGRANT_S3_COMPAT=ceph / swift: each promise in
// the enforcement map is tested against the store (a 'storage' claim refused by the store, a
// 'verify' claim accepted by the store and caught by verifyUpload).
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createDriver, resolveS3Compat, S3_COMPAT_NAMES, S3_COMPAT_PROFILES, SigV4Signer, encodePath, type S3CompatProfile, type S3DriverOptions } from '../../drivers/s3/index.js';
import { resolveSettings } from '../../drivers/s3/settings.js';
import { startDemoServer, type DemoServer } from '../../src/cli/server.js';
import { presignerFromEnv } from '../../src/config.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { Presigner, UploadGrant } from '../../src/types.js';
import { CEPH_CREDENTIALS, useCeph } from '../support/ceph.js';
import { uploadViaHttp } from '../support/http.js';
import { startSwift, SWIFT_ACCESS_KEY, SWIFT_REGION, SWIFT_SECRET, swiftMissing, type Swift } from '../support/swift.js';
import { cephEnv, cephOptions, readObject, s3Client, SWIFT_CREDENTIALS, swiftOptions } from './helpers.js';
import { textBytes } from '../support/sample-files.js';
import { skipOrFail } from '../support/required.js';

const SECRET = 'compat-test-secret-0123456789abcdefghij';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');
const bytes = (n: number) => new Uint8Array(randomBytes(n));

describe('S3-compatible profiles (no network)', function () {
  it('every profile names itself and says where its values come from; only ceph and swift are measured', function () {
    for (const name of S3_COMPAT_NAMES) expect(S3_COMPAT_PROFILES[name].name).to.equal(name);
    expect(S3_COMPAT_NAMES.filter((n) => S3_COMPAT_PROFILES[n].evidence === 'measured')).to.deep.equal(['ceph', 'swift']);
  });

  it('the individual switches override the profile', function () {
    expect(resolveS3Compat({ compat: 'ceph', conditionalWrites: false })).to.include({ createOnlyComplete: false }).and.not.have.property('createOnlyPut');
    expect(resolveS3Compat({ compat: 'swift', conditionalWrites: true }).createOnlyPut).to.deep.equal({ name: 'if-none-match', value: '*' });
    expect(resolveS3Compat({ compat: 'ceph', sha256Checksums: true }).sha256).to.deep.equal({ validates: true, reports: false });
    expect(resolveS3Compat({ sha256Checksums: false }).sha256).to.deep.equal({ validates: false, reports: false });
    expect(resolveS3Compat({ compat: 'r2', postUploads: true }).postObject).to.equal(true);
    expect(resolveS3Compat({})).to.deep.equal(S3_COMPAT_PROFILES.aws);
  });

  it('each profile sets the enforcement map of PUT, POST and multipart grants', async function () {
    const exact = { contentType: 'image/png', minSize: 5, maxSize: 5, createOnly: true };
    const sha = { algorithm: 'sha256' as const, value: sha256(bytes(1)) };
    const md = { algorithm: 'md5' as const, value: md5(bytes(1)) };
    const rows: Record<string, unknown> = {};
    for (const name of S3_COMPAT_NAMES) {
      const driver = await createDriver({ bucket: 'b-compat', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, compat: name });
      rows[name] = {
        put: driver.enforcement('PUT', { ...exact, checksum: sha }),
        md5: driver.enforcement('PUT', { ...exact, checksum: md }).checksum,
        methods: driver.uploadMethods({ ...exact, minSize: 0 }),
        multipart: driver.multipart!.enforcement(exact).createOnly,
      };
      await driver.close();
    }
    expect(rows['ceph']).to.deep.equal({ put: { createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'verify' }, md5: 'storage', methods: ['POST'], multipart: 'none' });
    expect(rows['swift']).to.deep.equal({ put: { createOnly: 'none', contentType: 'storage', size: 'storage', checksum: 'verify' }, md5: 'storage', methods: [], multipart: 'storage' });
    expect(rows['aws']).to.deep.equal({ put: { createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'storage' }, md5: 'storage', methods: ['POST'], multipart: 'storage' });
    expect(rows['r2']).to.deep.include({ methods: [], multipart: 'storage', md5: 'storage' });
    expect(rows['b2']).to.deep.include({ methods: [], multipart: 'none', md5: 'verify' });
  });

  it('gcs-xml signs x-goog-if-generation-match: 0 for create-only', async function () {
    const driver = await createDriver({ bucket: 'b-compat', credentials: { accessKeyId: 'GOOG1', secretAccessKey: 'secret' }, compat: 'gcs-xml', endpoint: 'https://storage.googleapis.com' });
    const signed = await driver.signUpload({ key: 'a.png', method: 'PUT', constraints: { contentType: 'image/png', minSize: 5, maxSize: 5, createOnly: true }, expiresIn: 60, now: new Date() });
    expect(signed.headers).to.include({ 'x-goog-if-generation-match': '0' }).and.not.have.property('if-none-match');
    await driver.close();
  });

  it('every S3 client upgrant builds computes and validates checksums only when an operation requires one', async function () {
    const settings = await resolveSettings({ bucket: 'b-compat', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, compat: 'ceph' });
    try {
      expect(await settings.client.config.requestChecksumCalculation()).to.equal('WHEN_REQUIRED');
      expect(await settings.client.config.responseChecksumValidation()).to.equal('WHEN_REQUIRED');
    } finally {
      settings.client.destroy();
    }
  });

  it('an unknown profile is a ConfigError naming UPGRANT_S3_COMPAT', async function () {
    const error = await createDriver({ bucket: 'b-compat', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, compat: 'wasabi' as 'aws' }).catch((e: unknown) => e);
    expect(error).to.have.property('variable', 'UPGRANT_S3_COMPAT');
  });
});

interface Target {
  readonly endpoint: string;
  readonly client: S3Client;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  options(endpoint: string, bucket: string): S3DriverOptions;
}

/** What the store did, in the shape of a profile (the parts a request can show). */
async function measure(t: Target, bucket: string): Promise<Omit<S3CompatProfile, 'name' | 'evidence'>> {
  // Staging 'never': each cell is the store's own answer to a direct upload. A staged one (SHA-256
  // is 'verify' on both stores) goes to a staging key, signed create-only when conditionalWrites
  // is on, which Swift answers with 501 before anything else.
  const presigner = async (extra: Partial<S3DriverOptions>) => new PortablePresigner(await createDriver({ ...t.options(t.endpoint, bucket), ...extra }), { secret: SECRET, staging: 'never' });
  const key = (label: string) => `measure/${label}/${randomBytes(4).toString('hex')}`;
  const put = (k: string, body: string | Uint8Array) => t.client.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: body }));
  const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;

  // Conditional PUT: a create-only grant (signed If-None-Match: *) used twice.
  const conditional = await presigner({ conditionalWrites: true, sha256Checksums: true, postUploads: true });
  const body = bytes(64);
  const g = await conditional.createUploadGrant({ key: key('inm'), contentType: 'application/octet-stream', size: 64 });
  const first = await uploadViaHttp(g, body);
  const second = first.status < 300 ? await uploadViaHttp(g, bytes(64)) : first;
  const createOnlyPut = first.status < 300 && second.status === 412;

  // Conditional Complete over an existing object.
  const mpKey = key('complete');
  await put(mpKey, 'existing');
  const { UploadId } = await t.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: mpKey }));
  const part = await t.client.send(new UploadPartCommand({ Bucket: bucket, Key: mpKey, UploadId, PartNumber: 1, Body: 'new bytes' }));
  const complete = await t.client
    .send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: mpKey, UploadId, IfNoneMatch: '*', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }))
    .then(() => 200, status);
  // Control: the same Complete without the condition succeeds (the 412 is the condition's).
  const { UploadId: plainId } = await t.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: mpKey }));
  const plainPart = await t.client.send(new UploadPartCommand({ Bucket: bucket, Key: mpKey, UploadId: plainId, PartNumber: 1, Body: 'new bytes' }));
  const kept = new TextDecoder().decode(await readObject(t.client, bucket, mpKey)) === 'existing';
  const plain = await t.client
    .send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: mpKey, UploadId: plainId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: plainPart.ETag }] } }))
    .then(() => 200, status);
  expect(plain, 'an unconditional Complete works').to.equal(200);
  const createOnlyComplete = complete === 412 && kept;

  // POST Object: a range grant's form, inside the range.
  const range = await conditional.createUploadGrant({ key: key('post'), contentType: 'text/plain', minSize: 1, maxSize: 100, overwrite: true }).catch(() => undefined);
  const postObject = range !== undefined && (await uploadViaHttp(range, textBytes(50))).status < 300;
  // The form's Content-MD5 field, signed into the policy, with a file that does not match it.
  const md5Form = postObject ? await conditional.createUploadGrant({ key: key('post-md5'), contentType: 'text/plain', size: 40, overwrite: true, method: 'POST', checksum: { md5: md5(textBytes(40)) } }) : undefined;
  const postMd5 = md5Form !== undefined && (await uploadViaHttp(md5Form, textBytes(40))).status === 400;

  // Checksums: a wrong one must be refused; a right one may be reported back by HEAD.
  // overwrite: no If-None-Match, which Swift answers with 501 before looking at anything else.
  const wrongSha = await conditional.createUploadGrant({ key: key('sha'), contentType: 'text/plain', size: 32, overwrite: true, checksum: { sha256: sha256(textBytes(32)) } });
  const shaValidates = (await uploadViaHttp(wrongSha, textBytes(32))).status === 400;
  const okBody = textBytes(32);
  const okSha = await conditional.createUploadGrant({ key: key('sha-ok'), contentType: 'text/plain', size: 32, overwrite: true, checksum: { sha256: sha256(okBody) } });
  expect((await uploadViaHttp(okSha, okBody)).status).to.be.within(200, 299);
  const shaHead = await t.client.send(new HeadObjectCommand({ Bucket: bucket, Key: okSha.key, ChecksumMode: 'ENABLED' })).catch(() => undefined);
  const wrongMd5 = await conditional.createUploadGrant({ key: key('md5'), contentType: 'text/plain', size: 32, overwrite: true, checksum: { md5: md5(textBytes(32)) } });
  const md5Validates = (await uploadViaHttp(wrongMd5, textBytes(32))).status === 400;
  const md5Key = key('etag');
  await put(md5Key, okBody);
  const etag = (await t.client.send(new HeadObjectCommand({ Bucket: bucket, Key: md5Key }))).ETag?.replace(/"/g, '');

  // Bucket CORS API.
  const bucketCors = await t.client
    .send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedMethods: ['PUT'], AllowedOrigins: ['http://127.0.0.1:1'] }] } }))
    .then(() => true, () => false);

  // Copy conditionals: which header names refuse a copy (412) when their condition fails.
  const source = key('copy-src');
  await put(source, 'source');
  const srcEtag = (await t.client.send(new HeadObjectCommand({ Bucket: bucket, Key: source }))).ETag!;
  const copy = async (headers: Record<string, string>, destinationExists: boolean) => {
    const dest = key('copy-dst');
    if (destinationExists) await put(dest, 'old');
    const command = new CopyObjectCommand({ Bucket: bucket, Key: dest, CopySource: `${bucket}/${source}` });
    command.middlewareStack.add((next) => (args) => (Object.assign((args.request as { headers: Record<string, string> }).headers, headers), next(args)), { step: 'build', name: 'copyConditionals' });
    const code = await t.client.send(command).then(() => 200, status);
    return { code, dest: new TextDecoder().decode((await readObject(t.client, bucket, dest)) ?? new Uint8Array()) };
  };
  const sourceNames = ['x-amz-copy-source-if-match', 'x-amz-copy-if-match'];
  const sourceIfMatch: string[] = [];
  for (const name of sourceNames) {
    const refused = (await copy({ [name]: '"00000000000000000000000000000000"' }, false)).code === 412;
    const allowed = (await copy({ [name]: srcEtag }, false)).code === 200;
    if (refused && allowed) sourceIfMatch.push(name);
  }
  const destinationNames = ['if-none-match', 'x-amz-copy-if-none-match', 'cf-copy-destination-if-none-match'];
  const destinationIfNoneMatch: string[] = [];
  for (const name of destinationNames) {
    const existing = await copy({ [name]: '*' }, true);
    const fresh = await copy({ [name]: '*' }, false);
    if (existing.code === 412 && existing.dest === 'old' && fresh.code === 200) destinationIfNoneMatch.push(name);
  }
  expect(sourceIfMatch.length, `source conditionals honoured: ${sourceIfMatch.join(', ')}`).to.be.at.most(1);
  expect(destinationIfNoneMatch.length).to.be.at.most(1);

  // Metadata: x-amz-meta-a signed; an extra, unsigned x-amz-meta-b sent beside it.
  const url = new URL(t.endpoint);
  const metaKey = key('meta');
  const path = `/${bucket}/${encodePath(metaKey)}`;
  const signed = new SigV4Signer(SWIFT_REGION, 's3').presign({ method: 'PUT', host: url.host, path, headers: { 'x-amz-meta-a': '1' }, expiresIn: 60, now: new Date(), credentials: t.credentials });
  const metaPut = (headers: Record<string, string>) => fetch(`${t.endpoint}${path}?${signed.query}`, { method: 'PUT', headers, body: 'm' }).then((r) => r.status);
  expect(await metaPut({ 'x-amz-meta-a': '1' }), 'the signed header alone').to.be.within(200, 299);
  expect(await metaPut({ 'x-amz-meta-a': '2' }), 'the signed header changed').to.equal(403);
  const metadata = (await metaPut({ 'x-amz-meta-a': '1', 'x-amz-meta-b': '2' })) === 403 ? 'exact' : 'signed';

  await conditional.close();
  return {
    ...(createOnlyPut ? { createOnlyPut: { name: 'if-none-match', value: '*' } } : {}),
    createOnlyComplete,
    postObject,
    postMd5,
    sha256: { validates: shaValidates, reports: shaHead?.ChecksumSHA256 === sha256(okBody) },
    md5: { validates: md5Validates, reports: etag === createHash('md5').update(okBody).digest('hex') },
    bucketCors,
    copy: {
      ...(sourceIfMatch[0] ? { sourceIfMatch: sourceIfMatch[0] } : {}),
      ...(destinationIfNoneMatch[0] ? { destinationIfNoneMatch: { name: destinationIfNoneMatch[0], value: '*' } } : {}),
    },
    metadata,
  };
}

/** The demo's grants under a profile: every promise tested against the store, as the map says. */
async function demoGrantsFollowTheMap(demo: DemoServer, presigner: Presigner, client: S3Client, bucket: string): Promise<void> {
  const grantFor = async (body: object) => {
    const response = await fetch(`${demo.url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json', origin: demo.url }, body: JSON.stringify({ type: 'application/octet-stream', ...body }) });
    expect(response.status).to.equal(201);
    return ((await response.json()) as { grant: UploadGrant }).grant;
  };
  const declared = bytes(256);
  const shaGrant = await grantFor({ name: 'sha.bin', size: 256, sha256: sha256(declared) });
  const md5Grant = await grantFor({ name: 'md5.bin', size: 256, md5: md5(declared) });
  for (const grant of [shaGrant, md5Grant]) {
    const result = await uploadViaHttp(grant, bytes(256));
    if (grant.enforcement.checksum === 'storage') {
      expect(result.status, `${grant.key}: the store refuses`).to.equal(400);
      expect(await readObject(client, bucket, grant.key)).to.equal(undefined);
    } else {
      expect(result.status, `${grant.key}: the store accepts`).to.be.within(200, 299);
      expect(await presigner.verifyUpload(grant.token).catch((e: unknown) => e)).to.have.property('code', 'upload-rejected');
      expect(await readObject(client, bucket, grant.key), 'verify deleted it').to.equal(undefined);
    }
  }
  const once = await grantFor({ name: 'once.bin', size: 16 });
  expect((await uploadViaHttp(once, bytes(16))).status).to.be.within(200, 299);
  const replay = await uploadViaHttp(once, bytes(16));
  if (once.enforcement.createOnly === 'storage') expect(replay.status).to.equal(412);
  else expect(once.enforcement.createOnly).to.equal('none');
}

describe('S3-compatible profiles, measured on Ceph RGW', function () {
  this.timeout(120_000);
  let target: Target | undefined;
  let measured: Awaited<ReturnType<typeof measure>>;
  const bucket = `upgrant-compat-${randomBytes(4).toString('hex')}`;

  before(async function () {
    const ceph = await useCeph('the Ceph profile measurements');
    if (!ceph) return this.skip();
    target = { endpoint: ceph.endpoint, client: s3Client(ceph.endpoint, CEPH_CREDENTIALS), credentials: CEPH_CREDENTIALS, options: cephOptions };
    await target.client.send(new CreateBucketCommand({ Bucket: bucket }));
    measured = await measure(target, bucket);
  });
  after(() => target?.client.destroy());

  it('the ceph profile says exactly what Ceph did, cell by cell', function () {
    const { name: _n, evidence: _e, ...profile } = S3_COMPAT_PROFILES.ceph;
    expect(measured).to.deep.equal(profile);
  });

  it('copy conditionals (staged promotion): RGW honours only its own x-amz-copy-if-match, a SOURCE condition; no header makes a copy create-only at the destination', function () {
    // Tried: If-None-Match, x-amz-copy-if-none-match and cf-copy-destination-if-none-match with
    // "*" on an existing destination (all overwrite it), x-amz-copy-source-if-match (ignored).
    expect(measured.copy).to.deep.equal({ sourceIfMatch: 'x-amz-copy-if-match' });
  });

  // SHA-256 is not Ceph's to check (verify), so staging 'auto' stages the upload; its promotion is a
  // copy Ceph cannot make create-only at the destination (measured above), hence createOnly none.
  it('UPGRANT_S3_COMPAT=ceph: the demo grants say checksum verify for SHA-256 and createOnly none (staged), storage for MD5, and every claim holds on Ceph', async function () {
    const presigner = await presignerFromEnv(cephEnv(target!.endpoint, bucket, SECRET));
    const demo = await startDemoServer({ presigner });
    try {
      const response = await fetch(`${demo.url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a.bin', type: 'image/png', size: 10, sha256: sha256(bytes(10)) }) });
      expect(((await response.json()) as { grant: UploadGrant }).grant.enforcement).to.deep.equal({ key: 'storage', bucket: 'storage', expiry: 'storage', createOnly: 'none', contentType: 'storage', size: 'storage', checksum: 'verify', content: 'verify' });
      const md5Response = await fetch(`${demo.url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a.bin', type: 'image/png', size: 10, md5: md5(bytes(10)) }) });
      expect(((await md5Response.json()) as { grant: UploadGrant }).grant.enforcement.checksum).to.equal('storage');
      await demoGrantsFollowTheMap(demo, presigner, target!.client, bucket);
    } finally {
      await demo.close();
      await presigner.close();
    }
  });
});

describe('S3-compatible profiles, measured on Swift s3api', function () {
  this.timeout(120_000);
  let swift: Swift | undefined;
  let target: Target | undefined;
  const bucket = 'upgrant-compat';

  before(async function () {
    const missing = swiftMissing();
    if (missing) {
      skipOrFail(`Swift`, missing, `the Swift profile measurements`);
      return this.skip();
    }
    swift = await startSwift();
    target = { endpoint: swift.endpoint, client: s3Client(swift.endpoint), credentials: SWIFT_CREDENTIALS, options: swiftOptions };
    await target.client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    target?.client.destroy();
    await swift?.stop();
  });

  it('the swift profile says exactly what Swift did, cell by cell', async function () {
    const { name: _n, evidence: _e, ...profile } = S3_COMPAT_PROFILES.swift;
    expect(await measure(target!, bucket)).to.deep.equal(profile);
  });

  it('UPGRANT_S3_COMPAT=swift: the demo grants say createOnly none and checksum verify for SHA-256, storage for MD5, and every claim holds on Swift', async function () {
    const presigner = await presignerFromEnv({
      UPGRANT_PROVIDER: 's3',
      UPGRANT_BUCKET: bucket,
      UPGRANT_SECRET: SECRET,
      UPGRANT_S3_COMPAT: 'swift',
      AWS_REGION: SWIFT_REGION,
      AWS_ACCESS_KEY_ID: SWIFT_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SWIFT_SECRET,
      AWS_ENDPOINT_URL_S3: target!.endpoint,
      UPGRANT_S3_FORCE_PATH_STYLE: '1',
    });
    const demo = await startDemoServer({ presigner });
    try {
      const response = await fetch(`${demo.url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a.bin', type: 'image/png', size: 10, sha256: sha256(bytes(10)) }) });
      expect(((await response.json()) as { grant: UploadGrant }).grant.enforcement).to.deep.equal({ key: 'storage', bucket: 'storage', expiry: 'storage', createOnly: 'none', contentType: 'storage', size: 'storage', checksum: 'verify', content: 'verify' });
      await demoGrantsFollowTheMap(demo, presigner, target!.client, bucket);
    } finally {
      await demo.close();
      await presigner.close();
    }
  });
});
