// The multipart section of the contract suite: what every driver with multipart grants must do,
// on the same harness (real storage or the documented stand-in). A small file in two parts (5 MiB
// + 1 byte: S3's smallest non-last part) completes, verifies and reads back byte for byte, with
// nothing visible before the last part (and, where parts go in parallel, before completion); an
// abort leaves nothing the harness can list; a tampered part URL is refused by the storage; the
// part list and the token are checked once, in test/unit. A driver without multipart is skipped, saying so. The
// 64 MiB runs, resume and provider listings of pending parts are in test/multipart/.
import { expect } from 'chai';
import { InvalidRequestError, UnsupportedConstraintError } from '../../src/errors.js';
import type { MultipartUploadGrant, Presigner, UploadGrant } from '../../src/types.js';
import { generated, sendPart, sendParts, sha256 } from '../multipart/helpers.js';
import type { ContractHarness, HarnessRef } from './harness.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;

export function runMultipartContractTests(harness: HarnessRef): void {
  describe('multipart', function () {
    this.timeout(120_000);
    let h: ContractHarness;
    let presigner: Presigner;
    let n = 0;
    const newKey = () => `contract-mp/${Date.now()}-${n++}.bin`;
    const data = generated(PART + 1, 51);
    const grantFor = (extra: Partial<Parameters<Presigner['createMultipartUploadGrant']>[0]> = {}, on = presigner) =>
      on.createMultipartUploadGrant({ key: newKey(), contentType: 'application/octet-stream', size: data.length, partSize: PART, ...extra });

    before(async function () {
      h = harness();
      presigner = await h.makePresigner();
      const probe = await grantFor().catch((e: unknown) => e);
      if (probe instanceof UnsupportedConstraintError && probe.constraint === 'multipart') {
        console.warn(`  skipping the multipart contract tests: the ${h.name} driver has no multipart grants`);
        this.skip(); // the after hook still closes the presigner
        return;
      }
      if (probe instanceof Error) throw probe;
      await presigner.abortMultipartUpload((probe as MultipartUploadGrant).token);
    });

    after(async () => {
      await presigner?.close();
    });

    it('parts cover the file exactly; complete, verify and read back byte for byte', async () => {
      const grant = await grantFor({ checksum: { sha256: sha256(data) } });
      expect(grant.kind).to.equal('multipart');
      expect(grant.parts.map((p) => [p.number, p.offset, p.size])).to.deep.equal([
        [1, 0, PART],
        [2, PART, 1],
      ]);
      const first = await sendParts(grant, data, { only: [1] });
      expect(await h.read(grant.key), 'nothing visible after part 1').to.equal(undefined);
      const parts = [...first, ...(await sendParts(grant, data, { only: [2] }))];
      // A GCS session creates the object with its last part (its checks then are GCS's own).
      if (!grant.sequential) expect(await h.read(grant.key), 'nothing visible before completion').to.equal(undefined);
      const done = await presigner.completeMultipartUpload(grant.token, parts);
      expect(done).to.include({ key: grant.key, size: data.length });
      expect(await presigner.verifyUpload(grant.token)).to.include({ key: grant.key, size: data.length, contentType: 'application/octet-stream' });
      expect(Buffer.from((await h.read(grant.key))!).equals(Buffer.from(data))).to.equal(true);
      expect(await h.list()).to.include(grant.key);
    });

    it('abort leaves nothing at the key, and completing afterwards is refused', async () => {
      const grant = await grantFor();
      const parts = await sendParts(grant, data, { only: [1] });
      await presigner.abortMultipartUpload(grant.token);
      expect(await h.read(grant.key)).to.equal(undefined);
      expect((await h.list()).filter((k) => k === grant.key || k.startsWith('!'))).to.deep.equal([]);
      const error = await presigner.completeMultipartUpload(grant.token, [...parts, { number: 2, etag: '"x"' }]).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidRequestError);
    });

    it('a part URL reused after an abort never reaches the final key', async () => {
      const grant = await grantFor();
      await sendParts(grant, data, { only: [1] });
      await presigner.abortMultipartUpload(grant.token);
      // The client keeps its part URLs: it sends every part again, and where the part credential
      // also lets it assemble the object itself (an Azure SAS with "w"), it commits the block list.
      for (const part of grant.parts) await sendPart(part, data.subarray(part.offset, part.offset + part.size)).catch(() => undefined);
      if (grant.provider === 'azure') {
        const url = new URL(grant.parts[0]!.url);
        const ids = grant.parts.map((p) => new URL(p.url).searchParams.get('blockid'));
        url.searchParams.delete('blockid');
        url.searchParams.set('comp', 'blocklist');
        const body = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
        // The record a staged blob must carry: the attacker copies the grant token into it.
        await fetch(url, { method: 'PUT', body, headers: { 'x-ms-meta-upgrant_record': grant.token, 'x-ms-blob-content-type': 'application/octet-stream' } }).then((r) => r.arrayBuffer());
      }
      await presigner.verifyUpload(grant.token).catch(() => undefined);
      await presigner.sweep();
      expect(await h.read(grant.key), 'nothing at the final key').to.equal(undefined);
      if (grant.staged) expect((await h.list()).filter((k) => /^\.upgrant-staging\/\d+-[0-9a-f]{32}$/.test(k)), 'no staged object left').to.deep.equal([]);
    });

    it('the storage refuses a part URL with a tampered signature', async () => {
      const grant = await grantFor();
      const part = grant.parts[1]!;
      // The harness's tamper() edits a grant's URL signature; a part URL is signed the same way.
      const tampered = h.tamperPart ? h.tamperPart(part.url) : h.tamper({ ...(grant as unknown as UploadGrant), url: part.url }).url;
      expect(tampered).to.not.equal(part.url);
      // Part 1 of a sequential grant (the one the storage expects now); part 2 of the others.
      const target = grant.sequential ? grant.parts[0]! : part;
      const result = await sendPart({ ...target, url: tampered }, data.subarray(target.offset, target.offset + target.size));
      expect(result.status, result.body).to.be.within(400, 499);
      await presigner.abortMultipartUpload(grant.token);
    });

    it('strict mode grants only what the storage enforces itself', async () => {
      const strict = await h.makePresigner({ strict: true });
      try {
        const grant = await grantFor({}, strict).catch((e: unknown) => e);
        if (grant instanceof UnsupportedConstraintError) {
          expect(grant.constraint).to.be.oneOf(['expiry', 'createOnly', 'contentType', 'size']);
        } else {
          const g = grant as MultipartUploadGrant;
          expect(g.enforcement).to.include({ expiry: 'storage', createOnly: 'storage', contentType: 'storage', size: 'storage' });
          await strict.abortMultipartUpload(g.token);
        }
      } finally {
        await strict.close();
      }
    });
  });
}
