// The object cases of the contract suite (issue 13 item 5), named so they can be found with
// --grep: "keys with unusual characters round-trip", "overwrite grant", "delete twice",
// "download grant expires" and "POST grant". Each test makes its own keys and objects and needs
// no other test's state. Every driver escapes keys its own way (S3 SigV4 paths, GCS V4 paths,
// Azure SAS paths, the local receiver's URL), so each key round-trips grant -> upload -> verify ->
// download, byte for byte, and the listing shows exactly the key the grant names.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { Driver } from '../../drivers/driver.js';
import { InvalidRequestError, ObjectNotFoundError } from '../../src/errors.js';
import type { Presigner, UploadGrant, UploadGrantRequest } from '../../src/types.js';
import type { ContractHarness, HarnessRef, UploadResult } from './harness.js';
import { same, textBytes } from './suite.js';

/** The portable layer's key limit (drivers/driver.ts): 1024 UTF-8 bytes, which S3, GCS and Azure allow too. */
const MAX_KEY_BYTES = 1024;

/** The longest key: segments of 200 bytes (the local store's file names stop at 255 bytes). */
function longestKey(prefix: string): string {
  let key = prefix;
  while (Buffer.byteLength(key) < MAX_KEY_BYTES) {
    const room = MAX_KEY_BYTES - Buffer.byteLength(key);
    key += room > 201 ? `${'l'.repeat(200)}/` : 'l'.repeat(room);
  }
  return key;
}

/** Label and key (as requested; the grant's key is its NFC form). */
function unusualKeys(run: string): [string, string][] {
  const base = `contract/keys/${run}`;
  return [
    ['spaces', `${base}/with space/a  b .bin`],
    ['plus', `${base}/plus+sign+.bin`],
    ['percent', `${base}/percent%20%25%.bin`],
    ['tilde', `${base}/~tilde~.bin`],
    ['hash', `${base}/hash#not-a-fragment.bin`],
    ['question mark', `${base}/question?x=1&y.bin`],
    ['NFC', `${base}/nfc-caf\u00e9.bin`],
    ['NFD (stored as its NFC form)', `${base}/nfd-cafe\u0301.bin`],
    ['emoji', `${base}/emoji-\u{1F600}\u{1F389}.bin`],
    ['the longest key the portable layer allows (1024 bytes)', longestKey(`${base}/long/`)],
  ];
}

async function fetchBytes(url: string, headers: Readonly<Record<string, string>>): Promise<{ status: number; body: Uint8Array }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
}

// Bodies are hex text (textBytes): random bytes now and then start like HTML or a known format,
// which the default content check rightly refuses under application/octet-stream.
const ok = (result: UploadResult) => result.status >= 200 && result.status < 300;

/** A field whose name says it carries the POST policy's signature (x-amz-signature, x-goog-signature). */
function tamperPostSignature(grant: UploadGrant): UploadGrant {
  const fields = { ...grant.fields };
  const name = Object.keys(fields).find((n) => /signature$/i.test(n));
  expect(name, 'a POST grant carries its signature in a form field').to.be.a('string');
  const value = fields[name!]!;
  fields[name!] = (value[0] === 'a' ? 'b' : 'a') + value.slice(1);
  return { ...grant, fields };
}

export function runObjectContractTests(harness: HarnessRef): void {
  describe('objects', function () {
    this.timeout(120_000);
    let h: ContractHarness;
    let presigner: Presigner;
    const newKey = (label: string) => `contract/objects/${label}/${randomBytes(6).toString('hex')}.bin`;
    const grantFor = (request: Partial<UploadGrantRequest>, on = presigner) =>
      on.createUploadGrant({ key: newKey('k'), contentType: 'application/octet-stream', size: 64, ...request } as UploadGrantRequest);

    /** Upload `body` under a new grant and verify it (which promotes a staged one). */
    async function stored(request: Partial<UploadGrantRequest>, body: Uint8Array, on = presigner): Promise<UploadGrant> {
      const grant = await grantFor({ size: body.length, ...request }, on);
      const result = await h.upload(grant, body);
      expect(result.status, result.body).to.be.within(200, 299);
      await on.verifyUpload(grant.token);
      return grant;
    }

    before(async () => {
      h = harness();
      presigner = await h.makePresigner();
    });

    after(async () => {
      await presigner?.close();
    });

    describe('keys with unusual characters round-trip', () => {
      const run = randomBytes(4).toString('hex');
      for (const [label, key] of unusualKeys(run)) {
        it(`${label}: grant, upload, verify, listing and download name the same key, byte for byte`, async () => {
          const body = textBytes(300);
          const grant = await grantFor({ key, size: body.length });
          const expected = key.normalize('NFC');
          expect(grant.key).to.equal(expected);
          const result = await h.upload(grant, body);
          expect(result.status, result.body).to.be.within(200, 299);
          const object = await presigner.verifyUpload(grant.token);
          expect(object.key).to.equal(expected);
          expect(object.size).to.equal(body.length);
          expect(same(await h.read(expected), body), 'the stored bytes at the key').to.equal(true);
          expect(await h.list(), 'the listing shows the key as granted').to.include(expected);
          const download = await presigner.createDownloadGrant({ key: expected, expiresIn: 60 });
          const served = await fetchBytes(download.url, download.headers);
          expect(served.status).to.equal(200);
          expect(same(served.body, body), 'the downloaded bytes').to.equal(true);
        });
      }
    });

    describe('overwrite grant', () => {
      it('replaces the object at its key, and its constraints say so', async () => {
        const key = newKey('overwrite');
        const [first, second] = [textBytes(64), textBytes(80)];
        await stored({ key }, first);
        const grant = await grantFor({ key, size: second.length, overwrite: true });
        expect(grant.constraints.createOnly).to.equal(false);
        const result = await h.upload(grant, second);
        expect(result.status, result.body).to.be.within(200, 299);
        expect(await presigner.verifyUpload(grant.token)).to.include({ key, size: second.length });
        expect(same(await h.read(key), second), 'the new bytes replaced the old').to.equal(true);
      });

      it('overwrites a key that holds nothing yet, like a create-only grant', async () => {
        const body = textBytes(64);
        const grant = await stored({ overwrite: true }, body);
        expect(same(await h.read(grant.key), body)).to.equal(true);
      });
    });

    describe('delete twice', () => {
      it('deleting an object twice is not an error; it is gone from reads, head and verify', async () => {
        let driver: Driver | undefined;
        const own = await h.makePresigner({ wrapDriver: (d) => (driver = d) });
        try {
          const grant = await stored({}, textBytes(64), own);
          await driver!.delete(grant.key);
          await driver!.delete(grant.key);
          expect(await driver!.head(grant.key)).to.equal(undefined);
          expect(await h.read(grant.key)).to.equal(undefined);
          expect(await own.verifyUpload(grant.token).catch((e: unknown) => e)).to.be.instanceOf(ObjectNotFoundError);
          // And a key that never held anything.
          await driver!.delete(newKey('never'));
        } finally {
          await own.close();
        }
      });
    });

    describe('download grant expires', () => {
      it('a download grant signed two hours ago for 60 s is refused by the storage; a current one is served', async () => {
        const body = textBytes(64);
        const { key } = await stored({}, body);
        // The portable clock sets the signing time the driver signs with (SignDownloadRequest.now); the
        // drivers' own `clock` options are read by none of them on main (only the local receiver's is).
        const past = await h.makePresigner({ clock: () => new Date(Date.now() - 2 * 3600_000) });
        try {
          const expired = await past.createDownloadGrant({ key, expiresIn: 60 });
          expect(Date.parse(expired.expiresAt)).to.be.below(Date.now());
          const refused = await fetchBytes(expired.url, expired.headers);
          expect(refused.status, Buffer.from(refused.body).toString()).to.be.within(400, 499);
          expect(same(refused.body, body), 'no byte of the object is served').to.equal(false);
        } finally {
          await past.close();
        }
        const current = await presigner.createDownloadGrant({ key, expiresIn: 60 });
        const served = await fetchBytes(current.url, current.headers);
        expect(served.status).to.equal(200);
        expect(same(served.body, body)).to.equal(true);
      });

      it('a download grant whose one second ran out a second ago is refused', async () => {
        const { key } = await stored({}, textBytes(64));
        const past = await h.makePresigner({ clock: () => new Date(Date.now() - 2000) });
        try {
          const expired = await past.createDownloadGrant({ key, expiresIn: 1 });
          expect((await fetchBytes(expired.url, expired.headers)).status).to.be.within(400, 499);
        } finally {
          await past.close();
        }
      });
    });

    describe('POST grant', () => {
      beforeEach(function () {
        const methods = h.methods ?? ['PUT'];
        if (methods.includes('POST')) return;
        // The harness lists what its driver signs; the case below proves the driver refuses POST.
        this.currentTest!.title += ` (skipped: the ${h.name} driver signs ${methods.join(', ')} only on this storage, harness methods)`;
        this.skip();
      });

      it('uploads a body inside a size range, verifies and reads back byte for byte', async () => {
        const body = textBytes(700);
        const grant = await grantFor({ method: 'POST', size: undefined, minSize: 100, maxSize: 1000 });
        expect(grant.method).to.equal('POST');
        expect(grant.fields, 'a POST grant has form fields').to.be.an('object');
        expect(grant.enforcement.size).to.equal('storage');
        const result = await h.upload(grant, body);
        expect(result.status, result.body).to.be.within(200, 299);
        expect(await presigner.verifyUpload(grant.token)).to.include({ key: grant.key, size: 700 });
        expect(same(await h.read(grant.key), body)).to.equal(true);
      });

      it('refuses a POST with a tampered policy signature', async () => {
        const grant = await grantFor({ method: 'POST' });
        expect(ok(await h.upload(tamperPostSignature(grant), textBytes(64))), 'the storage refuses it').to.equal(false);
        expect(await h.read(grant.key)).to.equal(undefined);
      });

      it("refuses a body over the range's maximum, and a wrong content type", async () => {
        const range = await grantFor({ method: 'POST', size: undefined, minSize: 10, maxSize: 1000 });
        const large = await h.upload(range, textBytes(1001));
        expect(large.status, large.body).to.be.within(400, 499);
        const typed = await grantFor({ method: 'POST', contentType: 'image/png' });
        expect(typed.enforcement.contentType).to.equal('storage');
        const wrongType = await h.upload(typed, textBytes(64), { contentType: 'text/html' });
        expect(wrongType.status, wrongType.body).to.be.within(400, 499);
        expect(await h.read(range.key)).to.equal(undefined);
        expect(await h.read(typed.key)).to.equal(undefined);
      });

      it('refuses the form sent for another key', async () => {
        const grant = await grantFor({ method: 'POST' });
        const other = newKey('other');
        const result = await h.upload({ ...grant, fields: { ...grant.fields, key: other } }, textBytes(64));
        expect(result.status, result.body).to.be.within(400, 499);
        expect(await h.read(other)).to.equal(undefined);
      });
    });

    describe('POST grant refused where the driver signs PUT only', () => {
      it('a POST request is refused at grant time, naming the method', async function () {
        if ((h.methods ?? ['PUT']).includes('POST')) {
          this.test!.title += ` (skipped: the ${h.name} driver signs POST; the "POST grant" cases run instead)`;
          this.skip();
        }
        const error = await grantFor({ method: 'POST' }).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(InvalidRequestError);
        expect((error as InvalidRequestError).field).to.equal('method');
      });
    });
  });
}
