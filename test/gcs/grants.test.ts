// GCS upload and download grants: what the URL signs, a cross-check against Google's own client
// (@google-cloud/storage getSignedUrl, same time, same headers, same key), and POST policy grants
// against the GCS stand-in (a stand-in, not GCS: see test/support/gcs-standin.ts for why).
import { existsSync, readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Storage } from '@google-cloud/storage';
import { createDriver } from '../../drivers/gcs/index.js';
import type { GcsServiceAccountKey } from '../../drivers/gcs/options.js';
import { UnsupportedConstraintError, UploadRejectedError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { GrantConstraints } from '../../src/types.js';
import { editSignedUrl, flipHex, throwawayAccount } from './helpers.js';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-standin.js';
import { uploadViaHttp } from '../support/http.js';
import { textBytes } from '../support/sample-files.js';

const SECRET = 'gcs-grant-tests-secret-0123456789abcdef';
const ACCOUNT_FILE = fileURLToPath(new URL('../../../shared/vectors/gcs/test_service_account.not-a-test.json', import.meta.url));

/** The conformance vectors' dummy service account when present (as the issue asks), else a throwaway key. */
function crossCheckAccount(): GcsServiceAccountKey {
  if (!existsSync(ACCOUNT_FILE)) return throwawayAccount('test-iam-credentials@dummy-project-id.iam.gserviceaccount.com');
  const parsed = JSON.parse(readFileSync(ACCOUNT_FILE, 'utf8')) as GcsServiceAccountKey;
  return { client_email: parsed.client_email, private_key: parsed.private_key };
}

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('base64');
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64');

describe('gcs grants', () => {
  describe('what a PUT grant signs (no network)', () => {
    const account = crossCheckAccount();
    const now = new Date('2031-05-06T07:08:09Z');
    const makeDriver = () => createDriver({ bucket: 'grant-bucket', credentials: account, apiEndpoint: undefined });
    // These URLs must name Google's default host, whatever the machine's environment says.
    const saved = process.env.STORAGE_EMULATOR_HOST;
    before(() => {
      delete process.env.STORAGE_EMULATOR_HOST;
    });
    after(() => {
      if (saved !== undefined) process.env.STORAGE_EMULATOR_HOST = saved;
    });

    it('signs content-type, the exact length range, the generation precondition and Content-MD5', async () => {
      const driver = await makeDriver();
      const body = randomBytes(321);
      const constraints: GrantConstraints = { contentType: 'image/png', minSize: 321, maxSize: 321, createOnly: true, checksum: { algorithm: 'md5', value: md5(body) } };
      const signed = await driver.signUpload({ key: 'a/b.png', method: 'PUT', constraints, expiresIn: 300, now });
      const url = new URL(signed.url);
      expect(url.searchParams.get('X-Goog-SignedHeaders')).to.equal('content-md5;content-type;host;x-goog-content-length-range;x-goog-if-generation-match');
      expect(signed.headers).to.deep.equal({
        'content-type': 'image/png',
        'x-goog-content-length-range': '321,321',
        'x-goog-if-generation-match': '0',
        'content-md5': md5(body),
      });
      expect(url.origin + url.pathname).to.equal('https://storage.googleapis.com/grant-bucket/a/b.png');
      expect(url.searchParams.get('X-Goog-Expires')).to.equal('300');
      expect(url.searchParams.get('X-Goog-Date')).to.equal('20310506T070809Z');
      expect(driver.enforcement('PUT', constraints)).to.deep.equal({ createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'storage' });
    });

    it('signs min,max for a range, drops the precondition for overwrite grants, and leaves SHA-256 to verify', async () => {
      const driver = await makeDriver();
      const constraints: GrantConstraints = { contentType: 'text/csv', minSize: 10, maxSize: 5000, createOnly: false };
      const signed = await driver.signUpload({ key: 'r.csv', method: 'PUT', constraints, expiresIn: 60, now });
      expect(new URL(signed.url).searchParams.get('X-Goog-SignedHeaders')).to.equal('content-type;host;x-goog-content-length-range');
      expect(signed.headers).to.deep.equal({ 'content-type': 'text/csv', 'x-goog-content-length-range': '10,5000' });

      const withSha: GrantConstraints = { contentType: 'text/csv', minSize: 4, maxSize: 4, createOnly: true, checksum: { algorithm: 'sha256', value: sha256(Buffer.from('abcd')) } };
      const shaSigned = await driver.signUpload({ key: 's.csv', method: 'PUT', constraints: withSha, expiresIn: 60, now });
      // GCS validates only MD5 and CRC32C on upload: a SHA-256 header would be an empty promise.
      expect(new URL(shaSigned.url).searchParams.get('X-Goog-SignedHeaders')).to.equal('content-type;host;x-goog-content-length-range;x-goog-if-generation-match');
      expect(driver.enforcement('PUT', withSha).checksum).to.equal('verify');
    });

    it('produces exactly the URL of @google-cloud/storage getSignedUrl for the same upload (cross-check)', async () => {
      const driver = await makeDriver();
      const storage = new Storage({ credentials: account, projectId: 'dummy-project-id' });
      const body = randomBytes(1000);
      for (const [key, constraints] of [
        ['uploads/9f2c/cat.png', { contentType: 'image/png', minSize: 1000, maxSize: 1000, createOnly: true, checksum: { algorithm: 'md5', value: md5(body) } }],
        ['uploads/ünï cödé/a b+c&d=(1)*!.txt', { contentType: 'text/plain; charset=utf-8', minSize: 0, maxSize: 1 << 20, createOnly: true }],
        ['x', { contentType: 'application/octet-stream', minSize: 5, maxSize: 5, createOnly: false }],
      ] as const) {
        const ours = await driver.signUpload({ key, method: 'PUT', constraints, expiresIn: 900, now });
        const { 'content-type': contentType, 'content-md5': contentMd5, ...extensionHeaders } = ours.headers;
        const [google] = await storage
          .bucket('grant-bucket')
          .file(key)
          .getSignedUrl({
            version: 'v4',
            action: 'write',
            accessibleAt: now,
            expires: now.getTime() + 900_000,
            contentType,
            ...(contentMd5 ? { contentMd5 } : {}),
            extensionHeaders,
          });
        expect(ours.url, key).to.equal(google);
      }
    });

    it('produces exactly the URL of @google-cloud/storage getSignedUrl for a download (cross-check)', async () => {
      const driver = await makeDriver();
      const storage = new Storage({ credentials: account, projectId: 'dummy-project-id' });
      const ours = await driver.signDownload({ key: 'reports/q1.pdf', expiresIn: 120, now, contentType: 'application/pdf' });
      const [google] = await storage.bucket('grant-bucket').file('reports/q1.pdf').getSignedUrl({
        version: 'v4',
        action: 'read',
        accessibleAt: now,
        expires: now.getTime() + 120_000,
        responseType: 'application/pdf',
      });
      expect(ours.url).to.equal(google);
      expect(ours.headers).to.deep.equal({});
    });
  });

  describe('POST policy grants on the GCS stand-in', () => {
    let standIn: GcsStandIn;
    const account = throwawayAccount();
    const presigner = async (overrides: { strict?: boolean; clock?: () => Date } = {}) =>
      new PortablePresigner(await createDriver({ bucket: 'forms', credentials: account, apiEndpoint: standIn.endpoint, projectId: 'p' }), { secret: SECRET, staging: 'never', ...overrides });

    before(async () => {
      standIn = await startGcsStandIn({ buckets: ['forms'], accounts: [account] });
    });
    after(async () => {
      await standIn?.close();
    });

    it('uploads through the form, binds key, type and length range, and is honest about create-only', async () => {
      const p = await presigner();
      const body = textBytes(700);
      const grant = await p.createUploadGrant({ key: `forms/${randomBytes(4).toString('hex')}.csv`, contentType: 'text/csv', minSize: 100, maxSize: 1000, method: 'POST' });
      expect(grant.method).to.equal('POST');
      expect(grant.url).to.equal(`${standIn.endpoint}/forms/`);
      expect(grant.fields).to.include({ key: grant.key, 'content-type': 'text/csv', 'x-goog-algorithm': 'GOOG4-RSA-SHA256' });
      const policy = JSON.parse(Buffer.from(grant.fields!.policy!, 'base64').toString()) as { conditions: unknown[] };
      expect(policy.conditions).to.deep.include(['content-length-range', 100, 1000]);
      expect(policy.conditions).to.deep.include({ 'content-type': 'text/csv' });
      expect(grant.enforcement).to.deep.include({ createOnly: 'none', contentType: 'storage', size: 'storage' });
      const result = await uploadViaHttp(grant, body);
      expect(result.status, result.body).to.equal(204);
      expect(standIn.read('forms', grant.key)?.contentType).to.equal('text/csv');
      expect((await p.verifyUpload(grant.token)).size).to.equal(700);
    });

    it('is refused by the storage for a wrong type (403), too large/small (400), tampered (403) and expired (400)', async () => {
      const p = await presigner();
      const grant = () => p.createUploadGrant({ key: `forms/${randomBytes(4).toString('hex')}.bin`, contentType: 'image/png', minSize: 10, maxSize: 100, method: 'POST' });
      const g1 = await grant();
      expect((await uploadViaHttp(g1, randomBytes(50), { contentType: 'text/html' })).status).to.equal(403);
      const g2 = await grant();
      expect((await uploadViaHttp(g2, randomBytes(101))).status).to.equal(400);
      expect((await uploadViaHttp(g2, randomBytes(9))).status).to.equal(400);
      const g3 = await grant();
      const tampered = { ...g3, fields: { ...g3.fields, 'x-goog-signature': flipHex(g3.fields!['x-goog-signature']!) } };
      expect((await uploadViaHttp(tampered, randomBytes(50))).status).to.equal(403);
      const g4 = await grant();
      const sneaky = { ...g4, fields: { ...g4.fields, key: 'forms/elsewhere.bin' } };
      expect((await uploadViaHttp(sneaky, randomBytes(50))).status).to.equal(403);
      const old = await presigner({ clock: () => new Date(Date.now() - 3600_000) });
      const g5 = await old.createUploadGrant({ key: 'forms/late.bin', contentType: 'image/png', size: 20, method: 'POST', expiresIn: 60 });
      expect((await uploadViaHttp(g5, randomBytes(20))).status).to.equal(400);
      for (const g of [g1, g2, g3, g4, g5]) expect(standIn.read('forms', g.key)).to.equal(undefined);
      expect(standIn.read('forms', 'forms/elsewhere.bin')).to.equal(undefined);
    });

    it('leaves a declared checksum to verifyUpload on POST, which deletes a mismatch', async () => {
      const p = await presigner();
      const declared = randomBytes(64);
      const grant = await p.createUploadGrant({ key: 'forms/sum.bin', contentType: 'application/octet-stream', size: 64, checksum: { md5: md5(declared) }, method: 'POST', overwrite: true });
      expect(grant.enforcement.checksum).to.equal('verify');
      expect((await uploadViaHttp(grant, randomBytes(64))).status).to.equal(204);
      const error = await p.verifyUpload(grant.token).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(UploadRejectedError);
      expect(standIn.read('forms', 'forms/sum.bin')).to.equal(undefined);
    });

    it('strict mode refuses a create-only POST grant (GCS forms have no generation precondition)', async () => {
      const p = await presigner({ strict: true });
      const error = await p.createUploadGrant({ key: 'forms/strict.bin', contentType: 'image/png', size: 5, method: 'POST' }).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(UnsupportedConstraintError);
      expect((error as UnsupportedConstraintError).constraint).to.equal('createOnly');
      // The same request as a PUT is fully storage-enforced.
      const put = await p.createUploadGrant({ key: 'forms/strict.bin', contentType: 'image/png', size: 5, checksum: { md5: md5(Buffer.from('12345')) } });
      expect(put.method).to.equal('PUT');
    });

    it('a PUT grant missing one signed header, or with another value, is refused (403)', async () => {
      const p = await presigner();
      const body = randomBytes(32);
      const grant = await p.createUploadGrant({ key: `forms/${randomBytes(4).toString('hex')}`, contentType: 'image/png', size: 32, checksum: { md5: md5(body) } });
      for (const headers of [
        { 'x-goog-if-generation-match': undefined },
        { 'x-goog-content-length-range': '0,1000000' },
        { 'content-md5': undefined },
      ]) {
        const result = await uploadViaHttp(grant, body, { headers });
        expect(result.status, JSON.stringify(headers)).to.equal(403);
      }
      expect(standIn.read('forms', grant.key)).to.equal(undefined);
      const retargeted = editSignedUrl(grant, { path: (path) => path.replace('/forms/', '/forms2/') });
      expect((await uploadViaHttp(retargeted, body)).status).to.equal(403);
      expect((await uploadViaHttp(grant, body)).status).to.equal(200);
    });
  });
});
