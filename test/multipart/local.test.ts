// Multipart uploads on the local driver through the embedded receiver, over real HTTP: a 64 MiB
// file in parallel parts read back byte for byte, resume after an interruption (with a fresh
// presigner, as after a server restart), abort leaving nothing on disk, and the attacks a part
// URL must refuse with the exact status.
import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalDriver } from '../../drivers/local/driver.js';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { InvalidRequestError, UploadRejectedError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { Presigner } from '../../src/types.js';
import { listLocal } from '../support/local-files.js';
import { generated, sendPart, sendParts, sha256 } from './helpers.js';

const SECRET = 'multipart-local-secret-0123456789abcdef';
const MIB = 1024 * 1024;

describe('multipart: local driver', function () {
  this.timeout(120_000);
  let root: string;
  let receiver: LocalReceiver;
  let presigner: Presigner;
  const fresh = (clock?: () => Date) =>
    new PortablePresigner(new LocalDriver({ root, secret: SECRET, baseUrl: receiver.baseUrl }), { secret: SECRET, staging: 'never', ...(clock ? { clock } : {}) });
  const read = (key: string) => readFile(path.join(root, 'local', ...key.split('/'))).then((b) => new Uint8Array(b), () => undefined);
  let n = 0;
  const newKey = () => `mp/${Date.now()}-${n++}.bin`;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-mp-local-'));
    receiver = await listenLocal({ root, secret: SECRET, staging: 'never' });
    presigner = fresh();
  });

  after(async () => {
    await receiver?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('uploads 64 MiB in 8 parallel parts, completes, verifies and reads back byte for byte', async () => {
    const data = generated(64 * MIB, 7);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'application/octet-stream', size: data.length, checksum: { sha256: sha256(data) } });
    expect(grant.kind).to.equal('multipart');
    expect(grant.parts).to.have.length(8);
    expect(grant.parts.map((p) => p.size).reduce((a, b) => a + b)).to.equal(data.length);
    expect(grant.enforcement).to.include({ createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'storage' });
    const parts = await sendParts(grant, data, { concurrency: 4 });
    expect(await read(grant.key), 'nothing visible before completion').to.equal(undefined);
    const done = await presigner.completeMultipartUpload(grant.token, parts);
    expect(done).to.include({ key: grant.key, size: data.length });
    const object = await presigner.verifyUpload(grant.token);
    expect(object).to.include({ size: data.length, contentType: 'application/octet-stream' });
    expect(Buffer.from((await read(grant.key))!).equals(Buffer.from(data))).to.equal(true);
    expect((await listLocal(root, 'local')).filter((k) => k.startsWith('!')), 'no temp files or parts left').to.deep.equal([]);
  });

  it('resumes after an interruption: some parts, a new presigner (server restart), the rest, complete', async () => {
    const data = generated(5 * MIB + 123, 9);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: MIB });
    expect(grant.parts).to.have.length(6);
    const first = await sendParts(grant, data, { only: [1, 2, 4] });
    // The saved grant (as a page keeps it in localStorage) is all the client needs to go on.
    const saved = JSON.parse(JSON.stringify(grant)) as typeof grant;
    const rest = await sendParts(saved, data, { only: [3, 5, 6] });
    await fresh().completeMultipartUpload(saved.token, [...rest, ...first]);
    expect(Buffer.from((await read(grant.key))!).equals(Buffer.from(data))).to.equal(true);
  });

  it('a part sent again replaces the earlier one (last write wins), and a stale ETag is refused', async () => {
    const data = generated(2 * MIB, 3);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: MIB });
    const wrong = generated(MIB, 99);
    const stale = await sendPart(grant.parts[0]!, wrong);
    expect(stale.status).to.equal(200);
    const parts = await sendParts(grant, data);
    const error = await presigner.completeMultipartUpload(grant.token, [{ number: 1, etag: stale.etag! }, parts[1]!]).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidRequestError).with.property('field', 'parts[0].etag');
    // Refused before publishing: the upload is still open and completes with the right ETags.
    await presigner.completeMultipartUpload(grant.token, parts);
    expect(Buffer.from((await read(grant.key))!).equals(Buffer.from(data))).to.equal(true);
  });

  it('abort leaves nothing: no object, no parts, no manifest; later parts get 404', async () => {
    const before = await listLocal(root, 'local');
    const data = generated(3 * MIB, 5);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: MIB });
    await sendParts(grant, data, { only: [1, 2] });
    expect((await listLocal(root, 'local')).filter((k) => k.startsWith('!tmp:')).length, 'parts are pending').to.be.greaterThan(0);
    await presigner.abortMultipartUpload(grant.token);
    expect(await listLocal(root, 'local')).to.deep.equal(before);
    expect((await readdir(path.join(root, '.upgrant-tmp'))).filter((name) => name.startsWith('mp-')), 'no upload directory').to.deep.equal([]);
    expect((await sendPart(grant.parts[2]!, data.subarray(2 * MIB))).status).to.equal(404);
    const error = await presigner.completeMultipartUpload(grant.token, [1, 2, 3].map((number) => ({ number, etag: 'x' }))).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidRequestError).with.property('field', 'token');
    await presigner.abortMultipartUpload(grant.token); // twice is fine
  });

  it('part URLs refuse tampering, other parts\' slots, wrong sizes and expiry with the exact status', async () => {
    let now = new Date();
    const clocked = fresh(() => now);
    const data = generated(2 * MIB, 11);
    const grant = await clocked.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: MIB, expiresIn: 60 });
    const [p1, p2] = grant.parts;
    const sig = new URL(p1!.url).searchParams.get('X-Upgrant-Signature')!;
    const tampered = { ...p1!, url: p1!.url.replace(sig, (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)) };
    expect((await sendPart(tampered, data.subarray(0, MIB))).status, 'tampered').to.equal(403);
    const renumbered = { ...p1!, url: p1!.url.replace('X-Upgrant-Part=1', 'X-Upgrant-Part=2') };
    expect((await sendPart(renumbered, data.subarray(0, MIB))).status, 'other part number').to.equal(403);
    const resized = { ...p1!, url: p1!.url.replace(`X-Upgrant-Part-Size=${MIB}`, `X-Upgrant-Part-Size=${MIB + 1}`) };
    expect((await sendPart(resized, data.subarray(0, MIB + 1))).status, 'other size').to.equal(403);
    const otherKey = { ...p1!, url: p1!.url.replace(/\/local\/mp\/[^?]+/, '/local/mp/other.bin') };
    expect((await sendPart(otherKey, data.subarray(0, MIB))).status, 'other key').to.equal(403);
    expect((await sendPart(p1!, data.subarray(0, MIB + 1))).status, 'too large').to.equal(413);
    expect((await sendPart(p1!, data.subarray(0, MIB - 1))).status, 'too small').to.equal(400);
    await receiver.close();
    // The receiver checks expiry against its own clock: restart it 2 minutes in the future.
    now = new Date(now.getTime() + 120_000);
    receiver = await listenLocal({ root, secret: SECRET, staging: 'never', clock: () => now, port: Number(new URL(receiver.baseUrl).port) });
    expect((await sendPart(p2!, data.subarray(MIB))).status, 'expired').to.equal(403);
    await clocked.abortMultipartUpload(grant.token);
  });

  it('completion refuses missing parts, and a checksum that does not match leaves nothing', async () => {
    const data = generated(2 * MIB, 13);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: MIB, checksum: { sha256: sha256(generated(2 * MIB, 14)) } });
    const parts = await sendParts(grant, data, { only: [1] });
    const missing = await presigner.completeMultipartUpload(grant.token, parts).catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(InvalidRequestError).with.property('field', 'parts');
    const notSent = await presigner.completeMultipartUpload(grant.token, [...parts, { number: 2, etag: 'x' }]).catch((e: unknown) => e);
    expect(notSent).to.be.instanceOf(InvalidRequestError).with.property('message').that.matches(/part 2 was never uploaded/);
    const all = [...parts, ...(await sendParts(grant, data, { only: [2] }))];
    const wrong = await presigner.completeMultipartUpload(grant.token, all).catch((e: unknown) => e);
    expect(wrong).to.be.instanceOf(UploadRejectedError);
    expect(await read(grant.key)).to.equal(undefined);
    expect((await listLocal(root, 'local')).filter((k) => k.startsWith('!'))).to.deep.equal([]);
  });

  it('create-only: of two multipart uploads to one key, the second completion is refused', async () => {
    const key = newKey();
    const a = generated(MIB, 21);
    const b = generated(MIB, 22);
    const ga = await presigner.createMultipartUploadGrant({ key, contentType: 'text/plain', size: MIB });
    const gb = await presigner.createMultipartUploadGrant({ key, contentType: 'text/plain', size: MIB });
    const pa = await sendParts(ga, a);
    const pb = await sendParts(gb, b);
    await presigner.completeMultipartUpload(ga.token, pa);
    const error = await presigner.completeMultipartUpload(gb.token, pb).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidRequestError).with.property('field', 'key');
    expect(Buffer.from((await read(key))!).equals(Buffer.from(a))).to.equal(true);
    expect((await listLocal(root, 'local')).filter((k) => k.startsWith('!'))).to.deep.equal([]);
  });

  it('tokens: a single-upload token cannot complete, a multipart token from another secret is refused', async () => {
    const single = await presigner.createUploadGrant({ key: newKey(), contentType: 'text/plain', size: 3 });
    const error = await presigner.completeMultipartUpload(single.token, [{ number: 1, etag: 'x' }]).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidRequestError).with.property('field', 'token');
    const other = new PortablePresigner(new LocalDriver({ root, secret: `${SECRET}-other`, baseUrl: receiver.baseUrl }), { secret: `${SECRET}-other`, staging: 'never' });
    const grant = await other.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: 10 });
    expect(await presigner.abortMultipartUpload(grant.token).catch((e: unknown) => e)).to.be.instanceOf(InvalidRequestError);
    // A part URL signed with another secret is refused by this receiver.
    expect((await sendPart(grant.parts[0]!, generated(10))).status).to.equal(403);
    await other.abortMultipartUpload(grant.token);
  });
});
