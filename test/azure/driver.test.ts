// Azure-specific behaviour on Azurite: the grant's exact shape, the statuses Azurite answers per
// attack (with its error codes), what a client dropping headers gets past the storage and
// verifyUpload still catches, download overrides, head/read/delete, CORS, and configuration errors.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { Container } from 'inversify';
import { applyCors, createDriver, DRIVER_NAME } from '../../drivers/azure/index.js';
import { createPresigner } from '../../src/create-presigner.js';
import { DRIVER, PRESIGNER, presignerOnDriverModule } from '../../src/container.js';
import { ConfigError, InvalidRequestError, UnsupportedConstraintError, UploadRejectedError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { Presigner, UploadGrant } from '../../src/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite, type Azurite } from '../support/azurite.js';
import { uploadViaHttp } from '../support/http.js';
import { textBytes } from '../support/sample-files.js';
import { skipOrFail } from '../support/required.js';

const SECRET = 'azure-driver-test-secret-0123456789abcdef';
// Its own container name: Azurite is shared by the run's test files.
const BUCKET = 'azure-driver';
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');
const key = (label: string) => `azure/${label}/${randomBytes(6).toString('hex')}.bin`;

async function put(grant: UploadGrant, body: Uint8Array, headers: Record<string, string | undefined> = {}) {
  const result = await uploadViaHttp(grant, body, { headers });
  const code = /<Code>([^<]+)<\/Code>/.exec(result.body)?.[1] ?? '';
  return { status: result.status, code };
}

describe('azure driver on Azurite', function () {
  this.timeout(60_000);
  let azurite: Azurite;
  let service: BlobServiceClient;
  let presigner: Presigner;

  before(async function () {
    const missing = await azuriteMissing();
    if (missing) {
      skipOrFail(`Azurite`, missing, `Azure driver tests`);
      this.skip();
    }
    azurite = await startAzurite();
    service = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
    await service.createContainer(BUCKET);
    presigner = await createPresigner({ provider: 'azure', bucket: BUCKET, connectionString: azurite.connectionString, secret: SECRET, staging: 'never' });
  });

  after(async () => {
    await presigner?.close();
    await azurite?.stop();
  });

  const exists = (k: string) => service.getContainerClient(BUCKET).getBlobClient(k).exists();

  describe('grant shape', () => {
    it('is a blob SAS for one blob: sr=b, sp=c, st 5 min back, se = expiresAt, no spr on loopback', async () => {
      const now = new Date('2026-05-06T07:08:09.500Z');
      const p = await createPresigner({ provider: 'azure', bucket: BUCKET, connectionString: azurite.connectionString, secret: SECRET, staging: 'never', clock: () => now });
      const grant = await p.createUploadGrant({ key: 'a b/c+d.png', contentType: 'image/png', size: 10, checksum: { md5: md5(new Uint8Array(10)) }, expiresIn: 120 });
      const url = new URL(grant.url);
      expect(`${url.origin}${url.pathname}`).to.equal(`${azurite.endpoint}/${BUCKET}/a%20b/c%2Bd.png`);
      const q = url.searchParams;
      expect([...q.keys()]).to.deep.equal(['sv', 'st', 'se', 'sr', 'sp', 'sig']);
      expect(q.get('sv')).to.equal('2025-11-05');
      expect(q.get('sr')).to.equal('b');
      expect(q.get('sp')).to.equal('c');
      expect(q.get('st')).to.equal('2026-05-06T07:03:09Z');
      expect(q.get('se')).to.equal('2026-05-06T07:10:09Z');
      expect(grant.expiresAt).to.equal('2026-05-06T07:10:09.000Z');
      expect(grant.method).to.equal('PUT');
      expect(grant.headers).to.deep.equal({
        'x-ms-blob-type': 'BlockBlob',
        'x-ms-blob-content-type': 'image/png',
        'content-type': 'image/png',
        'content-md5': md5(new Uint8Array(10)),
        'if-none-match': '*',
        // The grant's record (its token), stored as blob metadata: which grant made this blob.
        'x-ms-meta-upgrant_record': grant.token,
      });
      expect(grant.enforcement).to.deep.equal({ key: 'storage', bucket: 'storage', expiry: 'storage', createOnly: 'storage', contentType: 'verify', size: 'verify', checksum: 'verify', content: 'verify' });
    });

    it('signs spr=https for a non-local endpoint and honours httpsOnly', async () => {
      const remote = await createDriver({ bucket: BUCKET, accountName: 'someaccount', accountKey: AZURITE_KEY });
      const now = new Date();
      const signed = await remote.signUpload({ key: 'k', method: 'PUT', constraints: { contentType: 'a/b', minSize: 1, maxSize: 1, createOnly: true }, expiresIn: 60, now });
      expect(signed.url).to.match(/^https:\/\/someaccount\.blob\.core\.windows\.net\/azure-driver\/k\?sv=[^&]+&spr=https&/);
      const forced = await createDriver({ bucket: BUCKET, connectionString: azurite.connectionString, httpsOnly: true });
      const p = new PortablePresigner(forced, { secret: SECRET, staging: 'never' });
      const grant = await p.createUploadGrant({ key: key('spr'), contentType: 'text/plain', size: 3 });
      expect(new URL(grant.url).searchParams.get('spr')).to.equal('https');
      // Azurite refuses an https-only SAS over http.
      expect((await put(grant, new Uint8Array(3))).status).to.equal(403);
      expect(await exists(grant.key)).to.equal(false);
    });

    it('an overwrite grant is sp=cw without If-None-Match, and replaces the blob', async () => {
      const k = key('overwrite');
      const g1 = await presigner.createUploadGrant({ key: k, contentType: 'text/plain', size: 3, overwrite: true });
      expect(new URL(g1.url).searchParams.get('sp')).to.equal('cw');
      expect(g1.headers).to.not.have.property('if-none-match');
      expect(g1.enforcement.createOnly).to.equal('none');
      expect((await put(g1, Buffer.from('one'))).status).to.equal(201);
      expect((await put(g1, Buffer.from('two'))).status).to.equal(201);
      expect((await service.getContainerClient(BUCKET).getBlobClient(k).downloadToBuffer()).toString()).to.equal('two');
      await presigner.verifyUpload(g1.token);
    });
  });

  describe('what Azurite refuses, with its error codes', () => {
    it('a second upload on a create-only grant: 403 AuthorizationPermissionMismatch (permission c)', async () => {
      const grant = await presigner.createUploadGrant({ key: key('replay'), contentType: 'text/plain', size: 5 });
      expect(await put(grant, Buffer.from('first'))).to.deep.include({ status: 201 });
      expect(await put(grant, Buffer.from('again'))).to.deep.equal({ status: 403, code: 'AuthorizationPermissionMismatch' });
      // Even without If-None-Match, permission c alone cannot replace the blob.
      expect(await put(grant, Buffer.from('again'), { 'if-none-match': undefined })).to.deep.equal({ status: 403, code: 'AuthorizationPermissionMismatch' });
      expect((await service.getContainerClient(BUCKET).getBlobClient(grant.key).downloadToBuffer()).toString()).to.equal('first');
    });

    it('cw with If-None-Match: * on an existing blob: 409 BlobAlreadyExists', async () => {
      const grant = await presigner.createUploadGrant({ key: key('cw'), contentType: 'text/plain', size: 5, overwrite: true });
      expect((await put(grant, Buffer.from('first'))).status).to.equal(201);
      expect(await put(grant, Buffer.from('again'), { 'if-none-match': '*' })).to.deep.equal({ status: 409, code: 'BlobAlreadyExists' });
    });

    it('a tampered permission, expiry or resource: 403', async () => {
      const grant = await presigner.createUploadGrant({ key: key('tamper'), contentType: 'text/plain', size: 3 });
      for (const [from, to] of [[/sp=c&/, 'sp=cw&'], [/se=[^&]+/, 'se=2099-01-01T00%3A00%3A00Z'], [/sr=b&/, 'sr=c&']] as const) {
        const edited = { ...grant, url: grant.url.replace(from, to) };
        expect(edited.url).to.not.equal(grant.url);
        const result = await put(edited, Buffer.from('abc'));
        expect(result.status, String(from)).to.equal(403);
      }
      expect(await exists(grant.key)).to.equal(false);
    });

    it('a SAS signed with another account key: 403 AuthorizationFailure', async () => {
      const wrongKey = randomBytes(64).toString('base64');
      const driver = await createDriver({ bucket: BUCKET, connectionString: azurite.connectionString.replace(AZURITE_KEY, wrongKey) });
      const p = new PortablePresigner(driver, { secret: SECRET, staging: 'never' });
      const grant = await p.createUploadGrant({ key: key('wrongkey'), contentType: 'text/plain', size: 3 });
      expect(await put(grant, Buffer.from('abc'))).to.deep.equal({ status: 403, code: 'AuthorizationFailure' });
    });

    it('a grant whose start is in the future: 403', async () => {
      const p = await createPresigner({ provider: 'azure', bucket: BUCKET, connectionString: azurite.connectionString, secret: SECRET, staging: 'never', clock: () => new Date(Date.now() + 3600_000) });
      const grant = await p.createUploadGrant({ key: key('future'), contentType: 'text/plain', size: 3 });
      expect((await put(grant, Buffer.from('abc'))).status).to.equal(403);
    });

    // Azure answers 400 Md5Mismatch; Azurite's Put Blob answers 400 InvalidOperation ("Provided contentMD5 doesn't match.").
    it('a wrong Content-MD5: 400 (Azurite: InvalidOperation), nothing stored', async () => {
      const declared = textBytes(32);
      const grant = await presigner.createUploadGrant({ key: key('md5'), contentType: 'text/plain', size: 32, checksum: { md5: md5(declared) } });
      expect(await put(grant, textBytes(32))).to.deep.equal({ status: 400, code: 'InvalidOperation' });
      expect(await exists(grant.key)).to.equal(false);
      expect((await put(grant, declared)).status).to.equal(201);
      expect((await presigner.verifyUpload(grant.token)).checksum).to.deep.equal({ algorithm: 'md5', value: md5(declared) });
    });
  });

  describe('what a client can get past Azurite, and verifyUpload catches', () => {
    it('dropping Content-MD5 with other bytes: Azurite stores, verifyUpload compares the stored MD5 and deletes', async () => {
      const declared = textBytes(32);
      const grant = await presigner.createUploadGrant({ key: key('nomd5'), contentType: 'text/plain', size: 32, checksum: { md5: md5(declared) } });
      expect((await put(grant, textBytes(32), { 'content-md5': undefined })).status).to.equal(201);
      const error = await presigner.verifyUpload(grant.token).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UploadRejectedError);
      expect((error as UploadRejectedError).violations.map((v) => v.constraint)).to.deep.equal(['checksum']);
      expect(await exists(grant.key)).to.equal(false);
    });

    it('another x-ms-blob-content-type, size and content: stored as sent, then rejected with every violation and deleted', async () => {
      const grant = await presigner.createUploadGrant({ key: key('type'), contentType: 'image/png', size: 10 });
      expect((await put(grant, randomBytes(11).fill(0, 0, 1), { 'x-ms-blob-content-type': 'text/html', 'content-type': 'text/html' })).status).to.equal(201);
      const error = (await presigner.verifyUpload(grant.token).catch((e: unknown) => e)) as UploadRejectedError;
      expect(error).to.be.instanceOf(UploadRejectedError);
      expect(error.violations).to.deep.equal([
        { constraint: 'size', expected: '10 bytes', actual: '11 bytes' },
        { constraint: 'contentType', expected: 'image/png', actual: 'text/html' },
        { constraint: 'content', expected: 'image/png', actual: 'unrecognised bytes' },
      ]);
      expect(await exists(grant.key)).to.equal(false);
    });

    it('a declared SHA-256 is checked by streaming the blob', async () => {
      const body = randomBytes(300_000);
      const sha256 = createHash('sha256').update(body).digest('base64');
      const good = await presigner.createUploadGrant({ key: key('sha'), contentType: 'application/octet-stream', size: body.length, checksum: { sha256 } });
      expect(good.enforcement.checksum).to.equal('verify');
      expect((await put(good, body)).status).to.equal(201);
      expect((await presigner.verifyUpload(good.token)).size).to.equal(body.length);
    });

    it('strict mode refuses a grant (content type and size cannot be bound by a SAS)', async () => {
      const strict = await createPresigner({ provider: 'azure', bucket: BUCKET, connectionString: azurite.connectionString, secret: SECRET, staging: 'never', strict: true });
      const error = await strict.createUploadGrant({ key: key('strict'), contentType: 'image/png', size: 1 }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnsupportedConstraintError);
      expect((error as UnsupportedConstraintError).constraint).to.equal('contentType');
    });
  });

  describe('download grants, head, read, delete', () => {
    it('a read SAS sets Content-Disposition and Content-Type through rscd/rsct, and cannot write', async () => {
      const grant = await presigner.createUploadGrant({ key: key('dl'), contentType: 'text/plain', size: 5 });
      expect((await put(grant, Buffer.from('hello'))).status).to.equal(201);
      const download = await presigner.createDownloadGrant({ key: grant.key, expiresIn: 60, filename: 'résumé "v2".txt', contentType: 'application/octet-stream' });
      const q = new URL(download.url).searchParams;
      expect(q.get('sp')).to.equal('r');
      const response = await fetch(download.url);
      expect(response.status).to.equal(200);
      expect(await response.text()).to.equal('hello');
      expect(response.headers.get('content-type')).to.equal('application/octet-stream');
      expect(response.headers.get('content-disposition')).to.equal(`attachment; filename="r_sum_ _v2_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.txt`);
      const write = await fetch(download.url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'evil!' });
      expect(write.status).to.equal(403);
    });

    it('head answers undefined for a missing blob, delete of a missing blob is fine, read streams', async () => {
      const driver = await createDriver({ bucket: BUCKET, connectionString: azurite.connectionString });
      expect(await driver.head('no/such/blob')).to.equal(undefined);
      await driver.delete('no/such/blob');
      const body = randomBytes(100_000);
      const grant = await presigner.createUploadGrant({ key: key('rw'), contentType: 'application/x-thing', size: body.length });
      expect((await put(grant, body)).status).to.equal(201);
      const info = await driver.head(grant.key);
      expect(info).to.deep.include({ size: body.length, contentType: 'application/x-thing', md5: md5(body) });
      const chunks: Uint8Array[] = [];
      for await (const chunk of await driver.read(grant.key)) chunks.push(chunk);
      expect(Buffer.concat(chunks).equals(body)).to.equal(true);
      await driver.delete(grant.key);
      expect(await driver.head(grant.key)).to.equal(undefined);
    });

    it('a missing container is bucket-not-found (a ConfigError naming UPGRANT_BUCKET from the presigner), not "no object"', async () => {
      const driver = await createDriver({ bucket: 'no-such-container', connectionString: azurite.connectionString });
      const native = await driver.head('k').catch((e: unknown) => e);
      expect(driver.errorCode?.(native)).to.equal('bucket-not-found');
      const presigner = new PortablePresigner(driver, { secret: SECRET });
      const grant = await presigner.createUploadGrant({ key: 'k.txt', contentType: 'text/plain', size: 1 });
      const error = await presigner.verifyUpload(grant.token).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).variable).to.equal('UPGRANT_BUCKET');
    });
  });

  describe('CORS', () => {
    // CORS rules are account-wide and Azurite is shared by the run's files: put the rules back.
    let saved: Awaited<ReturnType<typeof service.getProperties>>['cors'];
    before(async () => {
      saved = (await service.getProperties()).cors;
    });
    after(async () => {
      await service.setProperties({ cors: saved ?? [] });
    });

    it('applyCors sets Blob service rules that Azurite honours in preflights, and is idempotent', async () => {
      const options = { bucket: BUCKET, connectionString: azurite.connectionString };
      const result = await applyCors(options, ['https://app.example.com']);
      expect(result.provider).to.equal('azure');
      await applyCors(options, ['https://app.example.com']);
      const props = await service.getProperties();
      expect(props.cors?.filter((r) => r.allowedOrigins === 'https://app.example.com')).to.have.length(1);
      const grant = await presigner.createUploadGrant({ key: key('cors'), contentType: 'image/png', size: 1, checksum: { md5: md5(new Uint8Array(1)) } });
      const preflight = (origin: string) =>
        fetch(grant.url, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': Object.keys(grant.headers).join(',') },
        });
      const allowed = await preflight('https://app.example.com');
      expect(allowed.status).to.equal(200);
      expect(allowed.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
      expect((await preflight('https://evil.example.com')).status).to.equal(403);
    });

    it('refuses something that is not an origin', async () => {
      const error = await applyCors({ bucket: BUCKET, connectionString: azurite.connectionString }, ['https://app.example.com/path']).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidRequestError);
    });
  });

  it('binds DRIVER for presignerOnDriverModule in the container', async () => {
    const container = new Container();
    container.bind(DRIVER).toResolvedValue(() => createDriver({ bucket: BUCKET, connectionString: azurite.connectionString })).inSingletonScope();
    await container.load(presignerOnDriverModule({ secret: SECRET }));
    const p = await container.getAsync(PRESIGNER);
    expect(p.provider).to.equal(DRIVER_NAME);
    expect((await container.getAsync(DRIVER)).bucket).to.equal(BUCKET);
  });
});
