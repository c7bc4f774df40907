// POST grants end to end on s3rver (in process). s3rver accepts any signature and enforces no
// policy, so these tests prove only that the form is well formed and uploads; what S3 would
// enforce is asserted by decoding the signed policy, never by s3rver's answers. The CORS helper is
// also applied here (Swift answers 501 to PutBucketCors), and a preflight checks the stored rules.
import { GetBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { applyCors, createDriver, decodePostPolicy } from '../../drivers/s3/index.js';
import { InvalidRequestError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import { readObject } from './helpers.js';
import { uploadViaHttp } from '../support/http.js';
import { startS3rver, type S3rverInstance } from '../support/s3rver.js';

const BUCKET = 'upgrant-post';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const SECRET = 'post-test-secret-0123456789abcdefghij';

describe('s3 driver: POST grants on s3rver (form only; s3rver enforces nothing)', function () {
  this.timeout(30_000);
  let server: S3rverInstance;
  let client: S3Client;
  let presigner: PortablePresigner;

  before(async function () {
    server = await startS3rver([BUCKET]);
    client = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: CREDENTIALS });
    presigner = new PortablePresigner(await createDriver({ bucket: BUCKET, endpoint: server.endpoint, credentials: CREDENTIALS }), { secret: SECRET, staging: 'never' });
  });
  after(async function () {
    await presigner?.close();
    client?.destroy();
    await server?.stop();
  });

  it('a size range gets a POST grant whose signed policy binds bucket, key, type and range', async function () {
    const grant = await presigner.createUploadGrant({ key: 'forms/a b é.csv', contentType: 'text/csv', minSize: 10, maxSize: 5000 });
    expect(grant.method).to.equal('POST');
    expect(grant.url).to.equal(`${server.endpoint}/${BUCKET}`);
    expect(grant.headers).to.deep.equal({});
    const fields = grant.fields ?? {};
    const record = Object.keys(fields).filter((k) => k.startsWith('x-amz-meta-upgrant-record-'));
    expect(Object.keys(fields).filter((k) => !record.includes(k))).to.deep.equal(['key', 'Content-Type', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'Policy', 'X-Amz-Signature']);
    expect(record.map((k) => fields[k]).join(''), 'the grant record, in pieces').to.equal(grant.token);
    const policy = decodePostPolicy(fields.Policy ?? '');
    for (const name of record) expect(policy.conditions, name).to.deep.include({ [name]: fields[name] });
    expect(policy.conditions).to.deep.include({ bucket: BUCKET });
    expect(policy.conditions).to.deep.include({ key: 'forms/a b é.csv' });
    expect(policy.conditions).to.deep.include(['eq', '$Content-Type', 'text/csv']);
    expect(policy.conditions).to.deep.include(['content-length-range', 10, 5000]);
    expect(policy.conditions.filter((c) => Array.isArray(c) && c[0] === 'starts-with'), 'no prefix wildcards').to.deep.equal([]);
    expect(Date.parse(policy.expiration)).to.equal(Date.parse(grant.expiresAt));
    // Honest enforcement: S3 documents conditional writes for PutObject, not POST Object.
    expect(grant.enforcement).to.deep.include({ createOnly: 'none', contentType: 'storage', size: 'storage' });

    const body = new Uint8Array(randomBytes(1234));
    const result = await uploadViaHttp(grant, body);
    expect(result.status, result.body).to.equal(204);
    const stored = await readObject(client, BUCKET, grant.key);
    expect(Buffer.from(stored ?? []).equals(Buffer.from(body))).to.equal(true);
    const verified = await presigner.verifyUpload(grant.token);
    expect(verified).to.deep.include({ size: 1234, contentType: 'text/csv' });
  });

  it('a POST with a declared MD5 carries it as a signed Content-MD5 field; a SHA-256 is left to verify', async function () {
    const body = new Uint8Array(randomBytes(64));
    const md5 = createHash('md5').update(body).digest('base64');
    const withMd5 = await presigner.createUploadGrant({ key: 'forms/md5.bin', contentType: 'application/octet-stream', size: 64, checksum: { md5 }, method: 'POST' });
    expect(withMd5.fields?.['Content-MD5']).to.equal(md5);
    expect(decodePostPolicy(withMd5.fields?.Policy ?? '').conditions).to.deep.include({ 'Content-MD5': md5 });
    expect(withMd5.enforcement.checksum).to.equal('storage');
    expect((await uploadViaHttp(withMd5, body)).status).to.equal(204);
    expect((await presigner.verifyUpload(withMd5.token)).size).to.equal(64);

    const sha256 = createHash('sha256').update(body).digest('base64');
    const withSha = await presigner.createUploadGrant({ key: 'forms/sha.bin', contentType: 'application/octet-stream', size: 64, checksum: { sha256 }, method: 'POST' });
    expect(withSha.enforcement.checksum).to.equal('verify');
    expect(Object.keys(withSha.fields ?? {}).filter((k) => /checksum|md5/i.test(k))).to.deep.equal([]);
  });

  it('strict mode refuses a create-only POST grant (S3 cannot refuse an overwrite on POST)', async function () {
    const strict = new PortablePresigner(await createDriver({ bucket: BUCKET, endpoint: server.endpoint, credentials: CREDENTIALS }), { secret: SECRET, strict: true, staging: 'never' });
    // Staged (the default 'auto'), the promotion is a conditional CopyObject: create-only is the storage's.
    const staged = new PortablePresigner(await createDriver({ bucket: BUCKET, endpoint: server.endpoint, credentials: CREDENTIALS }), { secret: SECRET, strict: true });
    try {
      const grant = await staged.createUploadGrant({ key: 'forms/staged.bin', contentType: 'text/plain', maxSize: 10 });
      expect(grant).to.deep.include({ method: 'POST', staged: true });
      expect(grant.enforcement.createOnly).to.equal('storage');
      const error = await strict.createUploadGrant({ key: 'forms/strict.bin', contentType: 'text/plain', maxSize: 10 }).then(() => undefined, (e: unknown) => e);
      expect(error).to.have.property('constraint', 'createOnly');
      const overwrite = await strict.createUploadGrant({ key: 'forms/strict.bin', contentType: 'text/plain', maxSize: 10, overwrite: true });
      expect(overwrite.method).to.equal('POST');
    } finally {
      await strict.close();
      await staged.close();
    }
  });

  it('applyCors stores PUT/POST rules for the origins, and a preflight from that origin passes', async function () {
    const result = await applyCors({ bucket: BUCKET, endpoint: server.endpoint, credentials: CREDENTIALS }, ['https://app.example.com']);
    expect(result).to.deep.include({ provider: 's3', bucket: BUCKET });
    const stored = await client.send(new GetBucketCorsCommand({ Bucket: BUCKET }));
    expect(stored.CORSRules?.[0]).to.deep.include({ AllowedMethods: ['PUT', 'POST'], AllowedOrigins: ['https://app.example.com'], ExposeHeaders: ['ETag'] });
    expect(stored.CORSRules?.[0]?.AllowedHeaders).to.include.members(['content-type', 'content-md5', 'x-amz-checksum-sha256', 'if-none-match']);
    const preflight = await fetch(`${server.endpoint}/${BUCKET}/k.png`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,if-none-match' },
    });
    // s3rver answers a matched preflight with "*" (AWS echoes the origin); the rule match is the point.
    expect(preflight.status).to.equal(200);
    expect(preflight.headers.get('access-control-allow-methods')).to.include('PUT');
    expect(preflight.headers.get('access-control-allow-headers')).to.include('if-none-match');
    const foreign = await fetch(`${server.endpoint}/${BUCKET}/k.png`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'PUT' },
    });
    expect(foreign.status).to.equal(403);
    expect(foreign.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('applyCors refuses origins that are not origins', async function () {
    for (const origin of ['app.example.com', 'https://app.example.com/path', 'ftp://x.example.com']) {
      const error = await applyCors({ bucket: BUCKET, endpoint: server.endpoint, credentials: CREDENTIALS }, [origin]).then(() => undefined, (e: unknown) => e);
      expect(error, origin).to.be.instanceOf(InvalidRequestError);
    }
  });
});
