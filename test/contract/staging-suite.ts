// The staged-upload section of the contract suite (DESIGN section 1, last paragraph): nothing
// unverified is ever visible at a grant's key. Run with staging 'always' (or on a store where
// 'auto' stages), on the same harness as the rest of the suite. A violating upload is one the
// storage accepts at the staging key but verification must refuse: a wrong content type where the
// storage cannot bind it (Azure), else a create-only conflict at promotion (the key taken meanwhile).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { Driver, StagingDriver } from '../../drivers/driver.js';
import { eachAtMost } from '../../src/each-at-most.js';
import { ObjectNotFoundError, UploadRejectedError } from '../../src/errors.js';
import type { Presigner, UploadGrant, UploadGrantRequest } from '../../src/types.js';
import type { ContractHarness, HarnessRef } from './harness.js';
import { sendPart } from '../multipart/helpers.js';
import { bytes } from './suite.js';

const STAGED_OBJECT = /^\.upgrant-staging\/\d+-[0-9a-f]{32}$/;

/** Requests a test sends at once when it only prepares or checks the state around what it tests. */
const SETUP_IN_FLIGHT = 8;

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

/** Counts successful promotions per destination key. */
function countingPromotions(counts: Map<string, number>): (driver: Driver) => Driver {
  return (driver) =>
    new Proxy(driver, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (property === 'staging' && value) {
          const staging = value as StagingDriver;
          const counted: StagingDriver = {
            createOnlyPromotion: staging.createOnlyPromotion,
            promote: async (from: string, to: string, options: { createOnly: boolean }) => {
              const outcome = await staging.promote(from, to, options);
              if (outcome === 'promoted') counts.set(to, (counts.get(to) ?? 0) + 1);
              return outcome;
            },
            put: (key, body, options) => staging.put(key, body, options),
            list: (prefix, options) => staging.list(prefix, options),
            ...(staging.abortStaleMultipart ? { abortStaleMultipart: staging.abortStaleMultipart.bind(staging) } : {}),
          };
          return counted;
        }
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
}

export function runStagingContractTests(harness: HarnessRef): void {
  describe('staged uploads', function () {
    this.timeout(120_000);
    let h: ContractHarness;
    let presigner: Presigner;
    const counts = new Map<string, number>();
    const newKey = (label: string) => `staged/${label}/${randomBytes(6).toString('hex')}.bin`;
    const grantFor = (request: Partial<UploadGrantRequest> = {}, on = presigner) =>
      on.createUploadGrant({ key: newKey('k'), contentType: 'application/octet-stream', size: 64, ...request } as UploadGrantRequest);

    before(async () => {
      h = harness();
      presigner = await h.makePresigner({ staging: 'always', wrapDriver: countingPromotions(counts) });
    });

    after(async () => {
      await presigner?.close();
    });

    /** A grant whose upload the storage accepts at the staging key but which verification must refuse. */
    async function violatingUpload(key = newKey('bad')): Promise<{ grant: UploadGrant; taken: boolean }> {
      // Random bytes under image/png: the content check is off so that the violation is exactly
      // the one made here (test/content covers content checks, staged and direct).
      const png = { contentType: 'image/png', contentCheck: 'off' } as const;
      const grant = await grantFor({ key, ...png });
      if (grant.enforcement.contentType !== 'storage') {
        const result = await h.upload(grant, bytes(64), { contentType: 'text/html' });
        if (result.status >= 200 && result.status < 300) return { grant, taken: false };
      }
      // The storage checks the type itself: break create-only instead (the key gets taken first).
      const other = await grantFor({ key, ...png });
      const mine = await grantFor({ key, ...png });
      expect((await h.upload(other, bytes(64))).status).to.be.within(200, 299);
      expect((await h.upload(mine, bytes(64))).status).to.be.within(200, 299);
      await presigner.verifyUpload(other.token);
      return { grant: mine, taken: true };
    }

    it('a staged grant names its final key and uploads elsewhere', async () => {
      const grant = await grantFor();
      expect(grant.staged).to.equal(true);
      expect(grant.url).to.not.include(encodeURIComponent(grant.key).replace(/%2F/g, '/'));
      const error = await presigner.createUploadGrant({ key: '.upgrant-staging/x', contentType: 'text/plain', size: 1 }).catch((e: unknown) => e);
      expect(error).to.have.property('field', 'key');
    });

    it('a valid upload is readable at its key only after promotion; verify twice returns the same object', async () => {
      const body = bytes(64);
      const grant = await grantFor();
      expect((await h.upload(grant, body)).status).to.be.within(200, 299);
      expect(await h.read(grant.key)).to.equal(undefined);
      const first = await presigner.verifyUpload(grant.token);
      expect(same(await h.read(grant.key), body)).to.equal(true);
      expect(await presigner.verifyUpload(grant.token)).to.deep.equal(first);
      expect(counts.get(grant.key)).to.equal(1);
      expect((await h.list()).filter((k) => STAGED_OBJECT.test(k))).to.deep.equal([]);
    });

    it('a violating upload is never at its key; verify refuses it; 5 reuses of the grant put nothing there', async () => {
      const { grant, taken } = await violatingUpload();
      const before = await h.read(grant.key);
      if (!taken) expect(before).to.equal(undefined);
      const error = await presigner.verifyUpload(grant.token).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UploadRejectedError);
      for (let i = 0; i < 5; i++) {
        // A reuse with bytes that would pass: the storage may refuse it, or take it at the staging key.
        await h.upload(grant, bytes(64));
        const again = await presigner.verifyUpload(grant.token).catch((e: unknown) => e);
        expect(again, `reuse ${i + 1}`).to.be.instanceOf(UploadRejectedError);
        const now = await h.read(grant.key);
        if (taken) expect(same(now, before!), 'the other grant keeps its object').to.equal(true);
        else expect(now, `reuse ${i + 1}`).to.equal(undefined);
      }
      expect((await h.list()).filter((k) => STAGED_OBJECT.test(k))).to.deep.equal([]);
      expect(counts.get(grant.key) ?? 0).to.equal(taken ? 1 : 0);
    });

    it('a verification never touches an object its grant did not create (overwrite, and create-only after a delete)', async () => {
      const key = newKey('mine');
      const [a, b] = [bytes(64), bytes(64)];
      const ga = await grantFor({ key, overwrite: true });
      expect((await h.upload(ga, a)).status).to.be.within(200, 299);
      await presigner.verifyUpload(ga.token);
      const gb = await grantFor({ key, overwrite: true, contentType: 'text/plain' });
      expect((await h.upload(gb, b)).status).to.be.within(200, 299);
      await presigner.verifyUpload(gb.token);
      // B's object has another type than A granted: were A to judge it, it would delete it.
      const outcome = await presigner.verifyUpload(ga.token).catch((e: unknown) => e);
      expect(outcome).to.be.instanceOf(ObjectNotFoundError);
      expect(same(await h.read(key), b), "B's object stays").to.equal(true);

      const key2 = newKey('again');
      const gc = await grantFor({ key: key2 });
      expect((await h.upload(gc, a)).status).to.be.within(200, 299);
      await presigner.verifyUpload(gc.token);
      await h.remove(key2);
      const gd = await grantFor({ key: key2, contentType: 'text/plain' });
      expect((await h.upload(gd, b)).status).to.be.within(200, 299);
      await presigner.verifyUpload(gd.token);
      expect(await presigner.verifyUpload(gc.token).catch((e: unknown) => e)).to.be.instanceOf(ObjectNotFoundError);
      expect(same(await h.read(key2), b), "D's object stays").to.equal(true);
      await h.remove(key);
      await h.remove(key2);
    });

    it('20 concurrent verifies and 2 concurrent sweeps over 100 staged uploads promote each valid one exactly once', async function () {
      this.timeout(300_000);
      // The 100 uploads (and the checks after the race) go out SETUP_IN_FLIGHT at a time: only the
      // verifies and sweeps are the race under test, the rest is waiting on the store.
      const made = await eachAtMost(SETUP_IN_FLIGHT, Array.from({ length: 100 }, (_, i) => i), async (i) => {
        if (i % 4 === 3) return { bad: (await violatingUpload()).grant };
        const body = bytes(64);
        const grant = await grantFor();
        expect((await h.upload(grant, body)).status).to.be.within(200, 299);
        return { valid: { grant, body } };
      });
      const valid = made.flatMap((m) => (m.valid ? [m.valid] : []));
      const bad = made.flatMap((m) => (m.bad ? [m.bad] : []));
      expect([valid.length, bad.length]).to.deep.equal([75, 25]);
      const target = valid[0]!.grant;
      const verifies = Array.from({ length: 20 }, () => presigner.verifyUpload(target.token));
      const others = [...valid.slice(1, 11), ...bad.slice(0, 10).map((grant) => ({ grant }))].map(({ grant }) => presigner.verifyUpload(grant.token).catch((e: unknown) => e));
      const [objects, reports] = await Promise.all([Promise.all(verifies), Promise.all([presigner.sweep(), presigner.sweep()]), Promise.all(others)]);
      for (const object of objects) expect(object).to.deep.equal(objects[0]);
      // Exactly once where the promotion is create-only on the storage; a store without
      // conditional writes (Swift) may copy the same verified bytes more than once.
      const exactlyOnce = target.enforcement.createOnly === 'storage';
      for (const { grant } of valid) {
        if (exactlyOnce) expect(counts.get(grant.key), grant.key).to.equal(1);
        else expect(counts.get(grant.key), grant.key).to.be.at.least(1);
      }
      const read = await eachAtMost(SETUP_IN_FLIGHT, valid, ({ grant }) => h.read(grant.key));
      valid.forEach(({ grant, body }, i) => expect(same(read[i], body), grant.key).to.equal(true));
      const listing = await h.list();
      expect(listing.filter((k) => STAGED_OBJECT.test(k)), 'no staged object is left').to.deep.equal([]);
      const again = await eachAtMost(SETUP_IN_FLIGHT, bad, (grant) => presigner.verifyUpload(grant.token).catch((e: unknown) => e));
      bad.forEach((grant, i) => expect(again[i], grant.key).to.be.instanceOf(UploadRejectedError));
      expect(reports.every((r) => !r.dryRun && r.scanned > 0)).to.equal(true);
      await eachAtMost(SETUP_IN_FLIGHT, valid, ({ grant }) => h.remove(grant.key));
    });

    it('a client that never reports: a sweep promotes its valid upload and removes its violating one', async () => {
      const body = bytes(64);
      const good = await grantFor();
      expect((await h.upload(good, body)).status).to.be.within(200, 299);
      const { grant: badGrant, taken } = await violatingUpload();
      const report = await presigner.sweep();
      expect(report.promoted.map((o) => o.key)).to.include(good.key);
      expect(report.rejected.map((r) => r.key)).to.include(badGrant.key);
      expect(same(await h.read(good.key), body)).to.equal(true);
      if (!taken) expect(await h.read(badGrant.key)).to.equal(undefined);
      expect((await h.list()).filter((k) => STAGED_OBJECT.test(k))).to.deep.equal([]);
      // And the app's own verify afterwards agrees with the sweep.
      expect((await presigner.verifyUpload(good.token)).key).to.equal(good.key);
      expect(await presigner.verifyUpload(badGrant.token).catch((e: unknown) => e)).to.be.instanceOf(UploadRejectedError);
      const dry = await presigner.sweep({ dryRun: true });
      expect(dry.dryRun).to.equal(true);
      expect(dry.promoted).to.deep.equal([]);
    });

    it('a sweep aborts a staged multipart upload whose grant expired more than the grace ago', async () => {
      const grant = await presigner.createMultipartUploadGrant({ key: newKey('mp'), contentType: 'application/octet-stream', size: 1024, expiresIn: 60 });
      expect(grant.staged).to.equal(true);
      const part = grant.parts[0]!;
      const sent = await sendPart(part, bytes(1024));
      expect(sent.status, sent.body).to.be.within(200, 399);
      const fresh = await presigner.sweep();
      expect(fresh.aborted, 'a live upload is left alone').to.equal(0);
      const later = await h.makePresigner({ staging: 'always', clock: () => new Date(Date.now() + 3 * 3600_000) });
      try {
        const report = await later.sweep();
        // GCS keeps no listable sessions: they end a week after they start, whatever the sweep does.
        if (grant.provider !== 'gcs') expect(report.aborted).to.be.at.least(1);
      } finally {
        await later.close();
      }
      if (grant.provider !== 'gcs') {
        const error = await presigner.completeMultipartUpload(grant.token, [{ number: 1, etag: sent.etag ?? '"x"' }]).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(Error);
        expect(await h.read(grant.key)).to.equal(undefined);
      }
    });

    it('a storage event promotes the staged upload it names; foreign and replayed events are harmless', async () => {
      const body = bytes(64);
      const grant = await grantFor();
      expect((await h.upload(grant, body)).status).to.be.within(200, 299);
      // The staging key from the grant's own token (its payload is readable; only its MAC is secret),
      // not from a listing other tests may have left staged objects in.
      const stagingKey = (JSON.parse(Buffer.from(grant.token.split('.')[1] ?? '', 'base64url').toString()) as { staging?: string }).staging;
      expect(stagingKey).to.match(STAGED_OBJECT);
      expect(await h.list()).to.include(stagingKey);
      const event = { source: 'upgrant-local', bucket: presigner.bucket, key: stagingKey, size: body.length };
      const [result] = await presigner.handleStorageEvent(event);
      expect(result).to.deep.include({ outcome: 'promoted', key: grant.key });
      expect(same(await h.read(grant.key), body)).to.equal(true);
      expect((await presigner.handleStorageEvent(event))[0]).to.have.property('outcome', 'missing');
      expect((await presigner.handleStorageEvent({ ...event, bucket: 'someone-else' }))[0]).to.have.property('outcome', 'ignored');
      expect((await presigner.handleStorageEvent({ ...event, key: grant.key }))[0]).to.have.property('outcome', 'ignored');
      expect(await presigner.handleStorageEvent({ nonsense: true }).catch((e: unknown) => e)).to.have.property('field', 'event');
      expect(counts.get(grant.key)).to.equal(1);
    });
  });
}
