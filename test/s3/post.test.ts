// POST grants end to end on Ceph RGW (the run's shared cluster), which enforces SigV4 POST
// policies: the form uploads and reads back, and Ceph itself refuses a body over or under the
// range, another content type, another key and a tampered policy (it does not check the form's
// Content-MD5 field: the ceph profile makes an MD5 on a POST grant 'verify'). The
// CORS helper is applied here too (Swift answers 501 to PutBucketCors), and preflights from the
// allowed and a foreign origin show that Ceph follows the stored rules.
import { CreateBucketCommand, GetBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { applyCors, createDriver, decodePostPolicy } from '../../drivers/s3/index.js';
import { ConfigError, InvalidRequestError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { UploadGrant } from '../../src/types.js';
import { CEPH_CREDENTIALS, useCeph, type Ceph } from '../support/ceph.js';
import { uploadViaHttp } from '../support/http.js';
import { cephOptions, readObject, s3Client, swiftOptions } from './helpers.js';
import { textBytes } from '../support/sample-files.js';

const BUCKET = `upgrant-post-${randomBytes(4).toString('hex')}`;
const SECRET = 'post-test-secret-0123456789abcdefghij';
const bytes = (n: number) => new Uint8Array(randomBytes(n));

describe('s3 driver: POST grants on Ceph RGW (enforced POST policies)', function () {
  this.timeout(120_000);
  let ceph: Ceph | undefined;
  let client: S3Client;
  let presigner: PortablePresigner;

  before(async function () {
    ceph = await useCeph('the S3 POST tests on Ceph');
    if (!ceph) return this.skip();
    client = s3Client(ceph.endpoint, CEPH_CREDENTIALS);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    presigner = new PortablePresigner(await createDriver(cephOptions(ceph.endpoint, BUCKET)), { secret: SECRET, staging: 'never' });
  });
  after(async function () {
    await presigner?.close();
    client?.destroy();
  });

  const rangeGrant = (key: string) => presigner.createUploadGrant({ key, contentType: 'text/csv', minSize: 10, maxSize: 5000 });

  it('a size range gets a POST grant whose signed policy binds bucket, key, type and range; it uploads and verifies', async function () {
    const grant = await rangeGrant('forms/a b é.csv');
    expect(grant.method).to.equal('POST');
    expect(grant.url).to.equal(`${ceph!.endpoint}/${BUCKET}`);
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

    const body = textBytes(1234);
    const result = await uploadViaHttp(grant, body);
    expect(result.status, result.body).to.equal(204);
    expect(Buffer.from((await readObject(client, BUCKET, grant.key)) ?? []).equals(Buffer.from(body))).to.equal(true);
    expect(await presigner.verifyUpload(grant.token)).to.deep.include({ size: 1234, contentType: 'text/csv' });
  });

  it('Ceph refuses a form over or under the range (400), another type, another key and a tampered policy (403)', async function () {
    const attempts: [string, (g: UploadGrant) => UploadGrant, Uint8Array, number][] = [
      ['over the range', (g) => g, textBytes(5001), 400],
      ['under the range', (g) => g, textBytes(9), 400],
      ['another content type', (g) => ({ ...g, fields: { ...g.fields, 'Content-Type': 'text/html' } }), textBytes(100), 403],
      ['another key', (g) => ({ ...g, fields: { ...g.fields, key: `${g.key}.other` } }), textBytes(100), 403],
      ['a tampered policy', (g) => ({ ...g, fields: { ...g.fields, Policy: Buffer.from(Buffer.from(g.fields!.Policy!, 'base64').toString().replace('5000', '50000000')).toString('base64') } }), bytes(100), 403],
    ];
    for (const [what, edit, body, status] of attempts) {
      const grant = await rangeGrant(`forms/attack-${randomBytes(4).toString('hex')}.csv`);
      const result = await uploadViaHttp(edit(grant), body);
      expect(result.status, `${what}: ${result.body}`).to.equal(status);
      expect(await readObject(client, BUCKET, grant.key), `${what}: nothing stored`).to.equal(undefined);
      expect(await readObject(client, BUCKET, `${grant.key}.other`)).to.equal(undefined);
    }
  });

  it('a POST with a declared MD5 carries it as a signed Content-MD5 field, which Ceph does not check: verify catches it; a SHA-256 is left to verify', async function () {
    const body = bytes(64);
    const md5 = createHash('md5').update(body).digest('base64');
    const withMd5 = await presigner.createUploadGrant({ key: 'forms/md5.bin', contentType: 'application/octet-stream', size: 64, checksum: { md5 }, method: 'POST' });
    expect(withMd5.fields?.['Content-MD5']).to.equal(md5);
    expect(decodePostPolicy(withMd5.fields?.Policy ?? '').conditions).to.deep.include({ 'Content-MD5': md5 });
    // Measured: Ceph stores a file that does not match the form's Content-MD5 (the ceph profile's postMd5: false).
    expect(withMd5.enforcement.checksum).to.equal('verify');
    const wrong = await uploadViaHttp(withMd5, bytes(64));
    expect(wrong.status, wrong.body).to.equal(204);
    expect(await presigner.verifyUpload(withMd5.token).catch((e: unknown) => e)).to.have.property('code', 'upload-rejected');
    expect(await readObject(client, BUCKET, withMd5.key), 'verify deleted it').to.equal(undefined);
    expect((await uploadViaHttp(withMd5, body)).status).to.equal(204);
    expect((await presigner.verifyUpload(withMd5.token)).size).to.equal(64);

    const sha256 = createHash('sha256').update(body).digest('base64');
    const withSha = await presigner.createUploadGrant({ key: 'forms/sha.bin', contentType: 'application/octet-stream', size: 64, checksum: { sha256 }, method: 'POST' });
    expect(withSha.enforcement.checksum).to.equal('verify');
    expect(Object.keys(withSha.fields ?? {}).filter((k) => /checksum|md5/i.test(k))).to.deep.equal([]);
  });

  it('strict mode refuses a create-only POST grant (S3 cannot refuse an overwrite on POST)', async function () {
    const strict = new PortablePresigner(await createDriver(cephOptions(ceph!.endpoint, BUCKET)), { secret: SECRET, strict: true, staging: 'never' });
    // Staged (the default 'auto'), the promotion is a CopyObject, which nothing makes create-only
    // on Ceph (the ceph profile has no copy.destinationIfNoneMatch): strict refuses that grant
    // too, and without strict it says 'none' (the key is only checked before the copy).
    const staged = new PortablePresigner(await createDriver(cephOptions(ceph!.endpoint, BUCKET)), { secret: SECRET, strict: true });
    const lenient = new PortablePresigner(await createDriver(cephOptions(ceph!.endpoint, BUCKET)), { secret: SECRET });
    try {
      const refused = await staged.createUploadGrant({ key: 'forms/staged.bin', contentType: 'text/plain', maxSize: 10 }).then(() => undefined, (e: unknown) => e);
      expect(refused).to.have.property('constraint', 'createOnly');
      const grant = await lenient.createUploadGrant({ key: 'forms/staged.bin', contentType: 'text/plain', maxSize: 10 });
      expect(grant).to.deep.include({ method: 'POST', staged: true });
      expect(grant.enforcement.createOnly).to.equal('none');
      const error = await strict.createUploadGrant({ key: 'forms/strict.bin', contentType: 'text/plain', maxSize: 10 }).then(() => undefined, (e: unknown) => e);
      expect(error).to.have.property('constraint', 'createOnly');
      const overwrite = await strict.createUploadGrant({ key: 'forms/strict.bin', contentType: 'text/plain', maxSize: 10, overwrite: true });
      expect(overwrite.method).to.equal('POST');
    } finally {
      await strict.close();
      await staged.close();
      await lenient.close();
    }
  });

  it('applyCors stores PUT/POST rules for the origins; Ceph answers preflights from that origin only', async function () {
    const origin = 'https://app.example.com';
    const result = await applyCors(cephOptions(ceph!.endpoint, BUCKET), [origin]);
    expect(result).to.deep.include({ provider: 's3', bucket: BUCKET });
    const stored = await client.send(new GetBucketCorsCommand({ Bucket: BUCKET }));
    expect(stored.CORSRules?.[0]).to.deep.include({ AllowedOrigins: [origin], ExposeHeaders: ['ETag'] });
    expect(stored.CORSRules?.[0]?.AllowedMethods).to.have.members(['PUT', 'POST']);
    expect(stored.CORSRules?.[0]?.AllowedHeaders).to.include.members(['content-type', 'content-md5', 'x-amz-checksum-sha256', 'if-none-match']);
    const preflight = await fetch(`${ceph!.endpoint}/${BUCKET}/k.png`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,if-none-match' },
    });
    expect(preflight.status).to.equal(200);
    expect(preflight.headers.get('access-control-allow-origin')).to.equal(origin);
    expect(preflight.headers.get('access-control-allow-methods')).to.include('PUT');
    const foreign = await fetch(`${ceph!.endpoint}/${BUCKET}/k.png`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'PUT' },
    });
    expect(foreign.status).to.be.within(400, 499);
    expect(foreign.headers.get('access-control-allow-origin')).to.equal(null);
  });
});

describe('s3 driver: applyCors input (no network)', function () {
  it('refuses origins that are not origins', async function () {
    for (const origin of ['app.example.com', 'https://app.example.com/path', 'ftp://x.example.com']) {
      const error = await applyCors(cephOptions('http://127.0.0.1:9', 'b-cors'), [origin]).then(() => undefined, (e: unknown) => e);
      expect(error, origin).to.be.instanceOf(InvalidRequestError);
    }
  });

  it('refuses, naming UPGRANT_S3_COMPAT, a profile without a bucket CORS API (swift)', async function () {
    const error = await applyCors(swiftOptions('http://127.0.0.1:9', 'b-cors'), ['https://app.example.com']).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigError).with.property('variable', 'UPGRANT_S3_COMPAT');
  });
});
