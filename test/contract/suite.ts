// The contract suite: the definition of "a driver works". Every driver runs it through a harness
// on real storage (or the documented stand-in). It really uploads: allowed, tampered, expired,
// replayed, concurrent, wrong type, wrong size, wrong content, other key, other bucket. Each
// attack must be refused by whoever the grant's `enforcement` map names: the storage itself
// ('storage': a 4xx and nothing stored) or verifyUpload ('verify': rejected and deleted).
// What the portable layer decides alone (request validation, tokens, policy limits) is tested once,
// in test/unit, against an in-memory driver; here only what depends on the driver and its storage.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { UnsupportedConstraintError, UploadRejectedError } from '../../src/errors.js';
import type { ChecksumInput, Enforcer, Presigner, UploadGrant, UploadGrantRequest } from '../../src/types.js';
import { makeHtml, makePng } from '../support/sample-files.js';
import type { Attack, ContractHarness, HarnessRef, UploadResult } from './harness.js';

export function bytes(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

/** n bytes of random text: random bytes under a text type now and then start like a known binary format, which the content check rightly refuses. */
export function textBytes(n: number): Uint8Array {
  return new Uint8Array(Buffer.from(randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n), 'latin1'));
}

export function digest(algorithm: 'sha256' | 'md5', data: Uint8Array): string {
  return createHash(algorithm).update(data).digest('base64');
}

export function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

/** Any 4xx, or exactly one of the statuses the harness pins for this attack. */
export function expectRefusedBy(h: ContractHarness, result: UploadResult, attack: Attack): void {
  const pinned = h.statuses?.[attack];
  if (pinned) expect(pinned, `${attack}: status ${result.status} ${result.body}`).to.include(result.status);
  else expect(result.status, `${attack}: ${result.body}`).to.be.within(400, 499);
}

export function runContractTests(harness: HarnessRef): void {
  let h: ContractHarness;
  let presigner: Presigner;
  const newKey = (label: string) => `contract/${label}/${randomBytes(6).toString('hex')}.bin`;

  before(async () => {
    h = harness();
    presigner = await h.makePresigner();
  });

  after(async () => {
    await presigner?.close();
  });

  const expectRefused = (result: UploadResult, attack: Attack) => expectRefusedBy(h, result, attack);

  /** The attack ran; whoever enforcement names must have stopped it, and nothing may remain. */
  async function expectStopped(grant: UploadGrant, enforcer: Enforcer, result: UploadResult, attack: Attack): Promise<void> {
    if (enforcer === 'storage') {
      expectRefused(result, attack);
    } else if (result.status < 200 || result.status >= 300) {
      // A verify-enforced promise may still be refused early by storage that checks what it can.
      expectRefused(result, attack);
    } else {
      const error = await presigner.verifyUpload(grant.token).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `${attack}: verifyUpload must reject`).to.be.instanceOf(UploadRejectedError);
    }
    expect(await h.read(grant.key), `${attack}: nothing may remain at the key`).to.equal(undefined);
  }

  async function grantFor(request: Partial<UploadGrantRequest> & { size?: number }, on = presigner): Promise<UploadGrant> {
    return on.createUploadGrant({ key: newKey('k'), contentType: 'application/octet-stream', ...request } as UploadGrantRequest);
  }

  /** A size-range grant; the test is skipped, saying why, where the driver cannot grant ranges. */
  async function rangeGrantFor(ctx: Mocha.Context, request: Partial<UploadGrantRequest>): Promise<UploadGrant> {
    try {
      return await grantFor(request);
    } catch (error) {
      if (!(error instanceof UnsupportedConstraintError) || error.constraint !== 'size') throw error;
      ctx.test!.title += ` (skipped: ${error.message})`;
      ctx.skip();
    }
  }

  describe('grants and uploads', () => {
    it('uploads within the grant, stores exactly the bytes, and verifies', async () => {
      // A real PNG's first bytes: verifyUpload checks the content against image/png.
      const body = Buffer.concat([makePng(), bytes(4096 - makePng().length)]);
      const grant = await grantFor({ contentType: 'image/png', size: body.length, checksum: { sha256: digest('sha256', body) } });
      expect(grant.provider).to.equal(presigner.provider);
      expect(grant.key).to.match(/^contract\/k\//);
      expect(grant.constraints).to.deep.include({ contentType: 'image/png', minSize: 4096, maxSize: 4096, createOnly: true });
      expect(Date.parse(grant.expiresAt) - Date.now()).to.be.within(290_000, 301_000);
      const result = await h.upload(grant, body);
      expect(result.status, result.body).to.be.within(200, 299);
      if (grant.staged) expect(await h.read(grant.key), 'a staged upload is not at its key before verification').to.equal(undefined);
      else expect(same(await h.read(grant.key), body), 'stored bytes equal the upload').to.equal(true);
      const object = await presigner.verifyUpload(grant.token);
      expect(object).to.deep.include({ key: grant.key, size: 4096, contentType: 'image/png' });
      expect(same(await h.read(grant.key), body), 'stored bytes equal the upload').to.equal(true);
    });

    it('accepts a body anywhere inside a size range', async function () {
      const body = textBytes(700);
      const grant = await rangeGrantFor(this, { contentType: 'text/csv', minSize: 100, maxSize: 1000 });
      expect(grant.constraints).to.deep.include({ minSize: 100, maxSize: 1000 });
      const result = await h.upload(grant, body);
      expect(result.status, result.body).to.be.within(200, 299);
      expect((await presigner.verifyUpload(grant.token)).size).to.equal(700);
    });


    it('serves the object through a download grant', async () => {
      const body = bytes(2048);
      const grant = await grantFor({ size: body.length });
      expect((await h.upload(grant, body)).status).to.be.within(200, 299);
      if (grant.staged) await presigner.verifyUpload(grant.token);
      const download = await presigner.createDownloadGrant({ key: grant.key, expiresIn: 60, filename: 'report é.bin' });
      const response = await fetch(download.url, { headers: download.headers });
      expect(response.status).to.equal(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(body))).to.equal(true);
      expect(response.headers.get('content-disposition') ?? '').to.include('attachment');
    });

    it('says honestly who enforces each promise, and strict mode refuses what storage cannot', async () => {
      const body = bytes(16);
      const grant = await grantFor({ size: 16, checksum: { md5: digest('md5', body) } });
      expect(grant.enforcement).to.include({ key: 'storage', bucket: 'storage', expiry: 'storage' });
      const strict = await h.makePresigner({ strict: true });
      try {
        const names = ['createOnly', 'contentType', 'size', 'checksum'] as const;
        const weak = names.filter((n) => grant.enforcement[n] !== 'storage');
        const attempt = await strict.createUploadGrant({ key: newKey('strict'), contentType: 'application/octet-stream', size: 16, checksum: { md5: digest('md5', body) } }).then(
          (g) => g,
          (e: unknown) => e,
        );
        if (weak.length === 0) expect(attempt).to.have.property('token');
        else {
          expect(attempt).to.be.instanceOf(UnsupportedConstraintError);
          expect(weak).to.include((attempt as UnsupportedConstraintError).constraint);
        }
      } finally {
        await strict.close();
      }
    });
  });

  describe('attacks', () => {
    it('refuses a tampered signature', async () => {
      const body = bytes(64);
      const grant = await grantFor({ size: 64 });
      const result = await h.upload(h.tamper(grant), body);
      expectRefused(result, 'tamperedSignature');
      expect(await h.read(grant.key)).to.equal(undefined);
    });

    it('refuses an expired grant', async () => {
      const past = await h.makePresigner({ clock: () => new Date(Date.now() - 2 * 3600_000) });
      try {
        const grant = await grantFor({ size: 64, expiresIn: 60 }, past);
        expectRefused(await h.upload(grant, bytes(64)), 'expired');
        expect(await h.read(grant.key)).to.equal(undefined);
      } finally {
        await past.close();
      }
    });

    it('refuses a second upload with the same grant (replay)', async function () {
      const first = bytes(128);
      const grant = await grantFor({ size: 128 });
      expect((await h.upload(grant, first)).status).to.be.within(200, 299);
      if (grant.staged) {
        // Staged: the promoted object is the grant's one upload; a replay may reach the staging key
        // again, but verification promotes nothing twice and removes it.
        const object = await presigner.verifyUpload(grant.token);
        const replay = await h.upload(grant, bytes(128));
        expect(await presigner.verifyUpload(grant.token), `replay answered ${replay.status}`).to.deep.equal(object);
        expect(same(await h.read(grant.key), first), 'the first upload is intact').to.equal(true);
        return;
      }
      if (grant.enforcement.createOnly !== 'storage') {
        // Documented: without conditional writes a leaked grant can overwrite until it expires.
        expect(grant.enforcement.createOnly).to.equal('none');
        this.test!.title += ' (skipped: this store has no conditional writes; enforcement.createOnly is "none")';
        this.skip();
      }
      expectRefused(await h.upload(grant, bytes(128)), 'replay');
      expect(same(await h.read(grant.key), first), 'the first upload is intact').to.equal(true);
    });

    it('lets exactly one of two concurrent grants for the same key win', async function () {
      const key = newKey('race');
      const [a, b] = [bytes(256 * 1024), bytes(256 * 1024)];
      const ga = await grantFor({ key, size: a.length });
      const gb = await grantFor({ key, size: b.length });
      if (ga.staged) {
        // Staged: both uploads land on their own staging keys; the create-only promotion lets one win.
        const [ra, rb] = await Promise.all([h.upload(ga, a), h.upload(gb, b)]);
        expect([ra.status, rb.status].every((st) => st >= 200 && st < 300), `${ra.status} ${rb.status}`).to.equal(true);
        const outcomes = await Promise.all([ga, gb].map((g) => presigner.verifyUpload(g.token).then(() => 'ok', (e: unknown) => e)));
        if (ga.enforcement.createOnly !== 'storage') return;
        expect(outcomes.filter((o) => o === 'ok'), String(outcomes)).to.have.length(1);
        expect(outcomes.find((o) => o !== 'ok')).to.be.instanceOf(UploadRejectedError);
        expect(same(await h.read(key), outcomes[0] === 'ok' ? a : b), 'the winner is stored whole').to.equal(true);
        return;
      }
      if (ga.enforcement.createOnly !== 'storage') {
        this.test!.title += ' (skipped: this store has no conditional writes; enforcement.createOnly is "none")';
        this.skip();
      }
      const [ra, rb] = await Promise.all([h.upload(ga, a), h.upload(gb, b)]);
      const wins = [ra, rb].filter((r) => r.status >= 200 && r.status < 300);
      expect(wins, `statuses ${ra.status} ${rb.status}`).to.have.length(1);
      expectRefused(ra.status >= 300 ? ra : rb, 'concurrent');
      const stored = await h.read(key);
      expect(same(stored, ra.status < 300 ? a : b), 'the winner is stored whole').to.equal(true);
    });

    it('refuses a wrong content type', async () => {
      const grant = await grantFor({ contentType: 'image/png', size: 64 });
      const result = await h.upload(grant, bytes(64), { contentType: 'text/html' });
      await expectStopped(grant, grant.enforcement.contentType, result, 'wrongType');
    });

    it('refuses a body larger than the exact size', async () => {
      const grant = await grantFor({ size: 1000 });
      await expectStopped(grant, grant.enforcement.size, await h.upload(grant, bytes(1001)), 'tooLarge');
    });

    it('refuses a body smaller than the exact size', async () => {
      const grant = await grantFor({ size: 1000 });
      await expectStopped(grant, grant.enforcement.size, await h.upload(grant, bytes(999)), 'tooSmall');
    });

    it("refuses a body over a range's maximum", async function () {
      const grant = await rangeGrantFor(this, { minSize: 10, maxSize: 1000 });
      await expectStopped(grant, grant.enforcement.size, await h.upload(grant, bytes(1001)), 'overRangeMax');
    });

    it("refuses a body under a range's minimum", async function () {
      const grant = await rangeGrantFor(this, { minSize: 10, maxSize: 1000 });
      await expectStopped(grant, grant.enforcement.size, await h.upload(grant, bytes(9)), 'tooSmall');
    });

    for (const algorithm of ['sha256', 'md5'] as const) {
      it(`refuses content that does not match the declared ${algorithm}`, async () => {
        const declared = bytes(512);
        const checksum = { [algorithm]: digest(algorithm, declared) } as unknown as ChecksumInput;
        const grant = await grantFor({ size: 512, checksum });
        const result = await h.upload(grant, bytes(512));
        await expectStopped(grant, grant.enforcement.checksum ?? 'verify', result, 'wrongChecksum');
      });
    }

    it('refuses content that is not the granted type (HTML under image/png), at verification', async () => {
      const body = makeHtml();
      const grant = await grantFor({ contentType: 'image/png', size: body.length });
      expect(grant.enforcement.content).to.equal('verify');
      const result = await h.upload(grant, body);
      expect(result.status, result.body).to.be.within(200, 299);
      const error = await presigner.verifyUpload(grant.token).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(UploadRejectedError);
      expect((error as UploadRejectedError).violations).to.deep.include({ constraint: 'content', expected: 'image/png', actual: 'text/html' });
      expect(await h.read(grant.key), 'nothing may remain at the key').to.equal(undefined);
    });

    it("refuses key A's grant used on key B", async () => {
      const grant = await grantFor({ size: 64 });
      const other = newKey('other');
      expectRefused(await h.upload(h.retargetKey(grant, other), bytes(64)), 'otherKey');
      expect(await h.read(other)).to.equal(undefined);
      expect(await h.read(grant.key)).to.equal(undefined);
    });

    it('refuses a grant used on another bucket', async () => {
      const grant = await grantFor({ size: 64 });
      expectRefused(await h.upload(h.retargetBucket(grant, h.otherBucket), bytes(64)), 'otherBucket');
      expect(await h.read(grant.key, h.otherBucket)).to.equal(undefined);
    });
  });

  describe('leaves nothing behind', () => {
    it('after refused and rejected uploads the bucket holds exactly the accepted object', async () => {
      // Self-contained: what this test adds to the listing, whatever other tests left there.
      const before = new Set(await h.list());
      const keyIn = (label: string) => `contract/left/${label}-${randomBytes(6).toString('hex')}.bin`;
      // Hex text: random bytes sometimes start like HTML or a known format, which the content check refuses.
      const body = textBytes(64);
      const accepted = await grantFor({ key: keyIn('ok'), size: 64 });
      expect((await h.upload(accepted, body)).status).to.be.within(200, 299);
      await presigner.verifyUpload(accepted.token);
      const tampered = await grantFor({ key: keyIn('tampered'), size: 64 });
      await h.upload(h.tamper(tampered), bytes(64));
      const large = await grantFor({ key: keyIn('large'), size: 1000 });
      const declared = bytes(512);
      const wrongSum = await grantFor({ key: keyIn('sum'), size: 512, checksum: { md5: digest('md5', declared) } });
      const retargeted = await grantFor({ key: keyIn('bucket'), size: 64 });
      await h.upload(h.retargetBucket(retargeted, h.otherBucket), bytes(64));
      for (const [grant, sent] of [[large, bytes(1001)], [wrongSum, bytes(512)]] as const) {
        const result = await h.upload(grant, sent);
        if (result.status >= 200 && result.status < 300) {
          expect(await presigner.verifyUpload(grant.token).catch((e: unknown) => e)).to.be.instanceOf(UploadRejectedError);
        }
      }
      const added = (await h.list()).filter((k) => !before.has(k));
      // Rejected grants keep a marker under the staging prefix until they expire (then a sweep removes it).
      const marker = /^\.upgrant-staging\/\d+-[0-9a-f]{32}\.rejected$/;
      expect(added.filter((k) => !marker.test(k)), 'no stray temporary, staged or orphan files').to.deep.equal([accepted.key]);
      expect(same(await h.read(accepted.key), body)).to.equal(true);
      expect((await h.list(h.otherBucket)).filter((k) => k.startsWith('contract/left/'))).to.deep.equal([]);
    });
  });
}
