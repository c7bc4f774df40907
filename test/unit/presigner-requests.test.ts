// The portable layer's request rules, once, against the in-memory FakeDriver: every field a bad
// request gets named by, the defaults and normalisation a driver can rely on (drivers/driver.ts),
// policy limits (maxExpiresIn, allowedTypes, the driver's limits) and strict mode against each
// enforcement a driver may declare. The contract suite (test/contract) tests only what depends
// on a driver and its storage.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import type { DriverEnforcement, SignDownloadRequest, SignUploadRequest } from '../../drivers/driver.js';
import { InvalidRequestError, UnsupportedConstraintError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { ChecksumInput, PolicyOptions, UploadGrantRequest } from '../../src/types.js';
import { FakeDriver, type FakeDriverOptions } from './fake-driver.js';

const SECRET = 'unit-presigner-secret-0123456789abcdef';
const NOW = new Date('2026-06-01T12:00:00.250Z');

const digest = (algorithm: 'sha256' | 'md5', data: Uint8Array) => createHash(algorithm).update(data).digest('base64');
const one = new Uint8Array(randomBytes(1));

function presignerOn(driver: FakeDriver, policy: Partial<PolicyOptions> = {}): PortablePresigner {
  // Direct grants unless a test says otherwise: 'auto' would stage most of them (content 'verify').
  return new PortablePresigner(driver, { secret: SECRET, clock: () => NOW, staging: 'never', ...policy });
}

function setup(options: FakeDriverOptions = {}, policy: Partial<PolicyOptions> = {}) {
  const driver = new FakeDriver(options);
  return { driver, presigner: presignerOn(driver, policy) };
}

async function refusal(promise: Promise<unknown>): Promise<InvalidRequestError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).to.be.instanceOf(InvalidRequestError);
  return error as InvalidRequestError;
}

const request = (extra: Partial<UploadGrantRequest> = {}): UploadGrantRequest => ({ key: 'unit/a.png', contentType: 'image/png', size: 10, ...extra }) as UploadGrantRequest;

describe('portable layer: upload grant requests (in-memory driver)', () => {
  describe('names the field of a bad request', () => {
    const cases: Array<[string, Partial<UploadGrantRequest>, string]> = [
      ['a ".." segment', { key: 'a/../b' }, 'key'],
      ['a "." segment', { key: 'a/./b' }, 'key'],
      ['an empty segment', { key: 'a//b' }, 'key'],
      ['a trailing slash', { key: 'a/' }, 'key'],
      ['a leading slash', { key: '/etc/passwd' }, 'key'],
      ['a backslash', { key: 'a\\b' }, 'key'],
      ['a NUL', { key: 'a\u0000b' }, 'key'],
      ['a control character', { key: 'a\nb' }, 'key'],
      ['a lone surrogate', { key: 'a\ud800b' }, 'key'],
      ['a key over 1024 UTF-8 bytes', { key: 'é'.repeat(513) }, 'key'],
      ['a key under the staging prefix', { key: '.upgrant-staging/x' }, 'key'],
      ['both key and filename', { filename: 'x.png' }, 'key'],
      ['an empty filename', { key: undefined, filename: ' ' }, 'filename'],
      ['no type/subtype', { contentType: 'image' }, 'contentType'],
      ['CR/LF in the content type', { contentType: 'text/plain\r\nx-evil: 1' }, 'contentType'],
      ['a negative size', { size: -1 }, 'size'],
      ['a fractional size', { size: 1.5 }, 'size'],
      ['an unsafe integer size', { size: 2 ** 53 }, 'size'],
      ['size and maxSize', { size: 10, maxSize: 20 }, 'size'],
      ['size and minSize', { size: 10, minSize: 5 }, 'minSize'],
      ['minSize above maxSize', { size: undefined, minSize: 20, maxSize: 10 }, 'minSize'],
      ['no size at all', { size: undefined }, 'size'],
      ['invalid base64 checksum', { checksum: { sha256: 'not base64!' } }, 'checksum.sha256'],
      ['non-canonical base64', { checksum: { md5: digest('md5', one).replace(/==$/, '=') } }, 'checksum.md5'],
      ['a checksum of the wrong length', { checksum: { sha256: digest('md5', one) } }, 'checksum.sha256'],
      ['two checksums', { checksum: { sha256: digest('sha256', one), md5: digest('md5', one) } as unknown as ChecksumInput }, 'checksum'],
      ['an unknown checksum algorithm', { checksum: { crc32: 'AAAAAA==' } as unknown as ChecksumInput }, 'checksum'],
      ['a checksum with a size range', { size: undefined, maxSize: 20, checksum: { sha256: digest('sha256', one) } }, 'checksum'],
      ['a zero expiry', { expiresIn: 0 }, 'expiresIn'],
      ['a fractional expiry', { expiresIn: 1.5 }, 'expiresIn'],
      ['an expiry over 7 days', { expiresIn: 7 * 86400 + 1 }, 'expiresIn'],
      ['an unknown method', { method: 'PATCH' as 'PUT' }, 'method'],
      ['a method the driver cannot sign', { method: 'POST' }, 'method'],
      ['a non-boolean overwrite', { overwrite: 'yes' as unknown as boolean }, 'overwrite'],
      ['an unknown content check', { contentCheck: 'paranoid' as 'strict' }, 'contentCheck'],
    ];
    for (const [title, override, field] of cases) {
      it(`${field} for ${title}`, async () => {
        const { driver, presigner } = setup();
        expect((await refusal(presigner.createUploadGrant(request(override)))).field).to.equal(field);
        expect(driver.signed, 'nothing reaches the driver').to.deep.equal([]);
      });
    }

    it('request for a request that is not an object', async () => {
      const { presigner } = setup();
      expect((await refusal(presigner.createUploadGrant(null as unknown as UploadGrantRequest))).field).to.equal('request');
    });
  });

  describe('what a driver can rely on', () => {
    it('an NFC key, a lower-cased type, the exact size as a range, the clock as `now`, and the token as the record', async () => {
      const { driver, presigner } = setup();
      const grant = await presigner.createUploadGrant(request({ key: 'unit/cafe\u0301.PNG', contentType: 'Image/PNG', size: 10, expiresIn: 60 }));
      expect(grant.key).to.equal('unit/caf\u00e9.PNG');
      const signed = driver.signed[0]!.request as SignUploadRequest;
      expect(signed).to.deep.include({ key: 'unit/caf\u00e9.PNG', method: 'PUT', expiresIn: 60, now: NOW, record: grant.token });
      expect(signed.constraints).to.include({ contentType: 'image/png', minSize: 10, maxSize: 10, createOnly: true });
      // Expiry on the whole second, as the URL's own.
      expect(grant.expiresAt).to.equal('2026-06-01T12:01:00.000Z');
    });

    it('defaults: 300 s, PUT, create-only; overwrite turns create-only off', async () => {
      const { presigner } = setup();
      const grant = await presigner.createUploadGrant(request());
      expect(Date.parse(grant.expiresAt) - Math.floor(NOW.getTime() / 1000) * 1000).to.equal(300_000);
      expect(grant.method).to.equal('PUT');
      expect(grant.constraints.createOnly).to.equal(true);
      expect((await presigner.createUploadGrant(request({ key: 'unit/b.png', overwrite: true }))).constraints.createOnly).to.equal(false);
    });

    it('a unique key from an untrusted file name, under the prefix', async () => {
      const { presigner } = setup();
      const a = await presigner.createUploadGrant(request({ key: undefined, filename: '../../etc/passwd' }));
      const b = await presigner.createUploadGrant(request({ key: undefined, filename: '../../etc/passwd' }));
      expect(a.key).to.match(/^uploads\/[0-9a-f]{32}\/passwd$/);
      expect(a.key).to.not.equal(b.key);
      const c = await presigner.createUploadGrant(request({ key: undefined, filename: 'x.png', prefix: 'avatars' }));
      expect(c.key).to.match(/^avatars\//);
      expect((await refusal(presigner.createUploadGrant(request({ key: undefined, filename: 'x.png', prefix: '.upgrant-staging' })))).field).to.equal('prefix');
    });

    it('a size range goes to the method the driver prefers for it', async () => {
      const { presigner } = setup({ methods: ['POST', 'PUT'] });
      const grant = await presigner.createUploadGrant(request({ size: undefined, minSize: 1, maxSize: 100 }));
      expect(grant.method).to.equal('POST');
      expect(grant.fields).to.include({ key: grant.key });
    });

    it('a driver that can sign nothing for a range refuses it as unsupported size', async () => {
      const { presigner } = setup({ methods: [] });
      const error = await presigner.createUploadGrant(request({ size: undefined, maxSize: 100 })).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnsupportedConstraintError).with.property('constraint', 'size');
    });
  });

  describe('policy limits', () => {
    it("the driver's object size limit names size", async () => {
      const { presigner } = setup({ limits: { maxObjectSize: 1000 } });
      expect((await refusal(presigner.createUploadGrant(request({ size: 1001 })))).field).to.equal('size');
      expect((await refusal(presigner.createUploadGrant(request({ size: undefined, maxSize: 1001 })))).field).to.equal('maxSize');
      expect((await presigner.createUploadGrant(request({ size: 1000 }))).constraints.maxSize).to.equal(1000);
    });

    it("maxExpiresIn: the policy's and the driver's, whichever is lower", async () => {
      const byPolicy = setup({}, { maxExpiresIn: 600 }).presigner;
      expect((await refusal(byPolicy.createUploadGrant(request({ expiresIn: 601 })))).field).to.equal('expiresIn');
      await byPolicy.createUploadGrant(request({ expiresIn: 600 }));
      const byDriver = setup({ limits: { maxExpiresIn: 120 } }, { maxExpiresIn: 600 }).presigner;
      expect((await refusal(byDriver.createUploadGrant(request({ expiresIn: 121 })))).field).to.equal('expiresIn');
      expect((await refusal(byDriver.createDownloadGrant({ key: 'unit/a', expiresIn: 121 }))).field).to.equal('expiresIn');
    });

    it('allowedTypes: type/subtype and type/* patterns, parameters ignored', async () => {
      const { presigner } = setup({}, { allowedTypes: ['image/*', 'text/csv'] });
      await presigner.createUploadGrant(request({ contentType: 'image/webp' }));
      await presigner.createUploadGrant(request({ contentType: 'text/csv; charset=utf-8' }));
      expect((await refusal(presigner.createUploadGrant(request({ contentType: 'text/html' })))).field).to.equal('contentType');
    });

    it('verifyGrace must be whole seconds up to 7 days', () => {
      for (const verifyGrace of [-1, 1.5, 7 * 86400 + 1]) {
        expect(() => setup({}, { verifyGrace })).to.throw(InvalidRequestError).with.property('field', 'verifyGrace');
      }
    });
  });

  describe('strict mode', () => {
    const weak: Array<[keyof DriverEnforcement, Partial<UploadGrantRequest>]> = [
      ['createOnly', {}],
      ['contentType', {}],
      ['size', {}],
      ['checksum', { checksum: { md5: digest('md5', one) } }],
    ];
    for (const [constraint, extra] of weak) {
      for (const enforcer of ['verify', 'none'] as const) {
        it(`refuses a grant whose ${constraint} is '${enforcer}' on the driver, and grants it 'verify'/'none' when not strict`, async () => {
          // staging 'never': a staged grant would move the promise to the promotion.
          const options = { enforcement: { [constraint]: enforcer } };
          const strict = setup(options, { strict: true, staging: 'never' }).presigner;
          const error = await strict.createUploadGrant(request(extra)).catch((e: unknown) => e);
          expect(error).to.be.instanceOf(UnsupportedConstraintError);
          expect((error as UnsupportedConstraintError).constraint).to.equal(constraint);
          const lax = setup(options, { staging: 'never' }).presigner;
          expect((await lax.createUploadGrant(request(extra))).enforcement[constraint]).to.equal(enforcer);
        });
      }
    }

    it("grants what the driver's storage enforces, and a create-only promise an overwrite grant does not make", async () => {
      const strict = setup({ enforcement: { createOnly: 'none' } }, { strict: true, staging: 'never' }).presigner;
      const grant = await strict.createUploadGrant(request({ overwrite: true }));
      expect(grant.enforcement).to.include({ contentType: 'storage', size: 'storage' });
    });
  });

  describe('download grants', () => {
    it('names filename, disposition and contentType; passes an ASCII Content-Disposition and the clock', async () => {
      const { driver, presigner } = setup();
      expect((await refusal(presigner.createDownloadGrant({ key: 'a/../b', expiresIn: 60 }))).field).to.equal('key');
      expect((await refusal(presigner.createDownloadGrant({ key: 'a', expiresIn: 60, filename: 'x\r\ny' }))).field).to.equal('filename');
      expect((await refusal(presigner.createDownloadGrant({ key: 'a', expiresIn: 60, disposition: 'evil' as 'inline' }))).field).to.equal('disposition');
      expect((await refusal(presigner.createDownloadGrant({ key: 'a', expiresIn: 60, contentType: 'nonsense' }))).field).to.equal('contentType');
      expect((await refusal(presigner.createDownloadGrant({ key: 'a', expiresIn: 60, contentType: 'text/html', disposition: 'inline' }))).field).to.equal('disposition');
      expect(driver.signed).to.deep.equal([]);
      await presigner.createDownloadGrant({ key: 'a', expiresIn: 60, filename: 'report é.pdf' });
      const signed = driver.signed[0]!.request as SignDownloadRequest;
      expect(signed.now).to.equal(NOW);
      expect(signed.contentDisposition).to.match(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''report%20%C3%A9\.pdf$/);
    });
  });
});
