// The portable layer's verification, once, against the in-memory FakeDriver: tokens (forged,
// truncated, foreign, of another kind), the report window, what verifyUpload decides from the
// driver's head (size, type, checksum, record) and the multipart part list. What a real storage
// refuses is the contract suite's (test/contract).
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { GrantExpiredError, InvalidRequestError, ObjectNotFoundError, ProviderError, UploadRejectedError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { PolicyOptions, UploadGrantRequest } from '../../src/types.js';
import { FakeDriver } from './fake-driver.js';

const SECRET = 'unit-verify-secret-0123456789abcdef0123';
const bytes = (n: number) => new Uint8Array(randomBytes(n));

function setup(policy: Partial<PolicyOptions> = {}, bucket = 'memory') {
  const driver = new FakeDriver({ bucket });
  const presigner = new PortablePresigner(driver, { secret: SECRET, staging: 'never', contentCheck: 'off', ...policy });
  return { driver, presigner };
}

const request = (extra: Partial<UploadGrantRequest> = {}): UploadGrantRequest =>
  ({ key: `unit/${randomBytes(4).toString('hex')}.bin`, contentType: 'application/octet-stream', size: 8, ...extra }) as UploadGrantRequest;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (e: unknown) => e);
}

describe('portable layer: verification (in-memory driver)', () => {
  describe('tokens', () => {
    it('refuses a forged, truncated, foreign or malformed token, naming token', async () => {
      const { presigner } = setup();
      const grant = await presigner.createUploadGrant(request());
      const [version, body, mac] = grant.token.split('.') as [string, string, string];
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { constraints: { maxSize: number } };
      payload.constraints.maxSize = 10 ** 9;
      const forged = `${version}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
      const foreign = (await setup({}, 'other').presigner.createUploadGrant(request())).token;
      const otherSecret = (await new PortablePresigner(new FakeDriver(), { secret: `${SECRET}-rotated` }).createUploadGrant(request())).token;
      for (const token of [forged, `${grant.token}x`, grant.token.slice(0, -2), 'not-a-token', '', foreign, otherSecret]) {
        const error = await rejection(presigner.verifyUpload(token));
        expect(error, token.slice(0, 20)).to.be.instanceOf(InvalidRequestError);
        expect((error as InvalidRequestError).field).to.equal('token');
      }
    });

    it('a token sealed with a previous secret still verifies after a rotation', async () => {
      const before = setup();
      const grant = await before.presigner.createUploadGrant(request());
      before.driver.put(grant.key, bytes(8));
      const after = new PortablePresigner(before.driver, { secret: `${SECRET}-next`, previousSecrets: [SECRET], staging: 'never', contentCheck: 'off' });
      expect((await after.verifyUpload(grant.token)).key).to.equal(grant.key);
    });

    it('refuses a token reported after expiry plus the verify grace', async () => {
      let now = new Date('2026-06-01T12:00:00Z');
      const { driver, presigner } = setup({ clock: () => now, verifyGrace: 60 });
      const grant = await presigner.createUploadGrant(request({ expiresIn: 60 }));
      driver.put(grant.key, bytes(8));
      now = new Date(now.getTime() + 119_000);
      expect((await presigner.verifyUpload(grant.token)).key).to.equal(grant.key);
      now = new Date(now.getTime() + 2_000);
      const error = await rejection(presigner.verifyUpload(grant.token));
      expect(error).to.be.instanceOf(GrantExpiredError).with.property('code', 'grant-expired');
      expect((error as GrantExpiredError).expiresAt).to.equal(grant.expiresAt);
    });
  });

  describe('verifyUpload', () => {
    it('nothing uploaded: ObjectNotFoundError naming the key', async () => {
      const { presigner } = setup();
      const grant = await presigner.createUploadGrant(request());
      const error = await rejection(presigner.verifyUpload(grant.token));
      expect(error).to.be.instanceOf(ObjectNotFoundError).with.property('key', grant.key);
    });

    it('an object another grant stored is not this grant’s to judge or delete', async () => {
      const { driver, presigner } = setup();
      const key = 'unit/shared.bin';
      const mine = await presigner.createUploadGrant(request({ key, overwrite: true }));
      const theirs = await presigner.createUploadGrant(request({ key, overwrite: true, size: 9 }));
      driver.put(key, bytes(9));
      expect(await rejection(presigner.verifyUpload(mine.token))).to.be.instanceOf(ObjectNotFoundError);
      expect(driver.objects.has(key), 'the other grant’s object stays').to.equal(true);
      expect((await presigner.verifyUpload(theirs.token)).size).to.equal(9);
    });

    const violations: Array<[string, Partial<UploadGrantRequest>, () => Uint8Array, string | undefined, string]> = [
      ['a wrong size', { size: 8 }, () => bytes(9), undefined, 'size'],
      ['a wrong type', { contentType: 'image/png' }, () => bytes(8), 'text/html', 'contentType'],
    ];
    for (const [title, extra, body, type, constraint] of violations) {
      it(`${title}: UploadRejectedError naming ${constraint}, and the object deleted`, async () => {
        const { driver, presigner } = setup();
        const grant = await presigner.createUploadGrant(request(extra));
        driver.put(grant.key, body(), type ?? grant.constraints.contentType);
        const error = await rejection(presigner.verifyUpload(grant.token));
        expect(error).to.be.instanceOf(UploadRejectedError);
        expect((error as UploadRejectedError).violations.map((v) => v.constraint)).to.include(constraint);
        expect(driver.objects.has(grant.key), 'deleted').to.equal(false);
      });
    }

    for (const algorithm of ['sha256', 'md5'] as const) {
      it(`a ${algorithm} that does not match: rejected and deleted; a matching one passes`, async () => {
        const { driver, presigner } = setup();
        const declared = bytes(8);
        const checksum = { [algorithm]: createHash(algorithm).update(declared).digest('base64') } as { sha256: string };
        const bad = await presigner.createUploadGrant(request({ checksum }));
        driver.put(bad.key, bytes(8));
        expect(await rejection(presigner.verifyUpload(bad.token))).to.be.instanceOf(UploadRejectedError);
        expect(driver.objects.has(bad.key)).to.equal(false);
        const good = await presigner.createUploadGrant(request({ checksum }));
        driver.put(good.key, declared);
        expect((await presigner.verifyUpload(good.token)).checksum).to.deep.equal(good.constraints.checksum);
      });
    }

    it('a driver failure is wrapped once as ProviderError with the operation, the key and the cause', async () => {
      const { driver, presigner } = setup();
      const grant = await presigner.createUploadGrant(request());
      const cause = new Error('socket hang up');
      driver.head = () => Promise.reject(cause);
      const error = await rejection(presigner.verifyUpload(grant.token));
      expect(error).to.be.instanceOf(ProviderError);
      expect(error).to.include({ operation: 'head', key: grant.key });
      expect((error as ProviderError).code).to.be.a('string');
      expect((error as Error).cause).to.equal(cause);
    });
  });

  describe('multipart', () => {
    it('complete needs every part, once, from a multipart token of this presigner', async () => {
      const { presigner } = setup();
      const grant = await presigner.createMultipartUploadGrant({ key: 'unit/mp.bin', contentType: 'application/octet-stream', size: 10, partSize: 5 });
      expect(grant.parts.map((p) => [p.number, p.offset, p.size])).to.deep.equal([
        [1, 0, 5],
        [2, 5, 5],
      ]);
      const part1 = { number: 1, etag: '"a"' };
      expect(await rejection(presigner.completeMultipartUpload(grant.token, [part1]))).to.be.instanceOf(InvalidRequestError).with.property('field', 'parts');
      expect(await rejection(presigner.completeMultipartUpload(grant.token, [part1, part1]))).to.be.instanceOf(InvalidRequestError).with.property('field', 'parts[1].number');
      const single = await presigner.createUploadGrant(request());
      expect(await rejection(presigner.completeMultipartUpload(single.token, [part1]))).to.be.instanceOf(InvalidRequestError).with.property('field', 'token');
      expect(await rejection(presigner.abortMultipartUpload(`${grant.token}x`))).to.be.instanceOf(InvalidRequestError).with.property('field', 'token');
      const done = await presigner.completeMultipartUpload(grant.token, [part1, { number: 2, etag: '"b"' }]);
      expect(done).to.include({ key: 'unit/mp.bin', size: 10 });
    });
  });

  describe('staged grants on the in-memory driver', () => {
    it('the upload goes to a staging key; verify promotes it once; a second create-only grant is refused at promotion', async () => {
      const { driver, presigner } = setup({ staging: 'always' });
      const key = 'unit/staged.bin';
      const a = await presigner.createUploadGrant(request({ key }));
      const b = await presigner.createUploadGrant(request({ key }));
      const [stagingA, stagingB] = driver.signed.map((s) => s.request.key);
      expect(stagingA).to.match(/^\.upgrant-staging\//);
      const body = bytes(8);
      driver.put(stagingA!, body);
      driver.put(stagingB!, bytes(8));
      expect((await presigner.verifyUpload(a.token)).key).to.equal(key);
      expect(Buffer.from(driver.objects.get(key)!.body).equals(Buffer.from(body))).to.equal(true);
      const error = await rejection(presigner.verifyUpload(b.token));
      expect(error).to.be.instanceOf(UploadRejectedError);
      expect((error as UploadRejectedError).violations.map((v) => v.constraint)).to.include('createOnly');
      expect(Buffer.from(driver.objects.get(key)!.body).equals(Buffer.from(body)), 'the first object stays').to.equal(true);
    });
  });

  it('close closes the driver', async () => {
    const { driver, presigner } = setup();
    await presigner.close();
    expect(driver.closed).to.equal(true);
  });
});
