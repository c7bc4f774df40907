// GCS multipart grants (resumable upload sessions) against the GCS STAND-IN
// (test/support/gcs-standin.ts and gcs-resumable.ts), not Google's service: no GCS emulator with
// resumable sessions and V4 signatures installs here (../shared/emulators/README.md). What these
// tests prove is upgrant's side: what the driver asks the session start for (type, length,
// ifGenerationMatch=0, MD5, Origin), sequential parts read back byte for byte, resume from the
// bytes the session holds (also from inside a part cut off mid-way), abort leaving no object and
// no open session, and completion catching an object whose size differs from the grant.
import { expect } from 'chai';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDriver } from '../../drivers/gcs/index.js';
import { uploadWithGrant, UploadError, type DonePart } from '../../src/client/index.js';
import { InvalidRequestError, UnsupportedConstraintError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { MultipartUploadGrant, Presigner } from '../../src/types.js';
import { throwawayAccount } from '../gcs/helpers.js';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-standin.js';
import { generated, sendPart, sendParts, sha256 } from './helpers.js';
import { makeMp4, stamp } from '../support/sample-files.js';

const SECRET = 'multipart-gcs-secret-0123456789abcdef';
const BUCKET = 'multipart';
const KIB = 1024;
const MIB = 1024 * KIB;
const ORIGIN = 'http://127.0.0.1:5173';

describe('multipart: gcs driver on the GCS stand-in (resumable sessions)', function () {
  this.timeout(120_000);
  const account = throwawayAccount();
  let standIn: GcsStandIn;
  let presigner: Presigner;
  let n = 0;
  const newKey = () => `mp/${Date.now()}-${n++}.bin`;
  const fresh = async (strict = false) =>
    new PortablePresigner(await createDriver({ bucket: BUCKET, credentials: account, apiEndpoint: standIn.endpoint, projectId: 'upgrant-test' }), { secret: SECRET, strict, staging: 'never' });
  const read = (key: string) => standIn.read(BUCKET, key)?.data;
  const sameBytes = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a).equals(Buffer.from(b));

  before(async () => {
    standIn = await startGcsStandIn({ buckets: [BUCKET], accounts: [account] });
    presigner = await fresh();
  });

  after(async () => {
    await presigner?.close();
    await standIn?.close();
  });

  it('uploads 64 MiB in 8 sequential parts, completes, verifies and reads back byte for byte', async () => {
    const data = stamp(generated(64 * MIB, 71), makeMp4());
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'video/mp4', size: data.length, checksum: { sha256: sha256(data) }, expiresIn: 3600 });
    expect(grant.sequential).to.equal(true);
    expect(grant.parts).to.have.length(8);
    expect(grant.parts.map((p) => p.headers['content-range'])).to.deep.equal(grant.parts.map((p) => `bytes ${p.offset}-${p.offset + p.size - 1}/${data.length}`));
    expect(new Set(grant.parts.map((p) => p.url)).size, 'one session URI').to.equal(1);
    expect(grant.enforcement).to.include({ expiry: 'none', createOnly: 'storage', contentType: 'storage', size: 'verify', checksum: 'verify' });
    expect(standIn.openSessions(BUCKET).map((s) => s.name)).to.include(grant.key);
    const parts = await sendParts(grant, data);
    await presigner.completeMultipartUpload(grant.token, parts);
    expect(await presigner.verifyUpload(grant.token)).to.include({ size: data.length, contentType: 'video/mp4' });
    expect(sameBytes(read(grant.key), data)).to.equal(true);
    expect(standIn.openSessions(BUCKET).map((s) => s.name)).to.not.include(grant.key);
  });

  it('refuses part sizes GCS cannot take, an origin that is not one, and strict mode', async () => {
    const base = { key: newKey(), contentType: 'text/plain', size: 3 * MIB };
    const odd = await presigner.createMultipartUploadGrant({ ...base, partSize: MIB + 1 }).catch((e: unknown) => e);
    expect(odd).to.be.instanceOf(InvalidRequestError).with.property('field', 'partSize');
    expect((odd as Error).message).to.match(/multiple of 262144/);
    const small = await presigner.createMultipartUploadGrant({ ...base, partSize: 128 * KIB }).catch((e: unknown) => e);
    expect(small).to.be.instanceOf(InvalidRequestError).with.property('field', 'partSize');
    const path = await presigner.createMultipartUploadGrant({ ...base, origin: 'https://app.example/page' }).catch((e: unknown) => e);
    expect(path).to.be.instanceOf(InvalidRequestError).with.property('field', 'origin');
    const strict = await fresh(true);
    const refused = await strict.createMultipartUploadGrant(base).catch((e: unknown) => e);
    await strict.close();
    expect(refused).to.be.instanceOf(UnsupportedConstraintError).with.property('constraint', 'expiry');
    expect(standIn.openSessions(BUCKET).map((s) => s.name), 'no session started for a refused grant').to.not.include(base.key);
  });

  it('the session answers CORS for the origin of the grant only', async () => {
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: MIB, origin: ORIGIN });
    const preflight = (origin: string) =>
      fetch(grant.parts[0]!.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-range' } });
    expect((await preflight(ORIGIN)).headers.get('access-control-allow-origin')).to.equal(ORIGIN);
    expect((await preflight('http://127.0.0.1:1')).headers.get('access-control-allow-origin')).to.equal(null);
    await presigner.abortMultipartUpload(grant.token);
  });

  it('abort cancels the session: no object, no open session, later parts and completion refused', async () => {
    const data = generated(3 * MIB, 72);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: MIB });
    await sendParts(grant, data, { only: [1] });
    expect(standIn.openSessions(BUCKET).find((s) => s.name === grant.key)).to.deep.equal({ name: grant.key, persisted: MIB });
    await presigner.abortMultipartUpload(grant.token);
    expect(standIn.openSessions(BUCKET).map((s) => s.name)).to.not.include(grant.key);
    expect(standIn.list(BUCKET)).to.not.include(grant.key);
    expect((await sendPart(grant.parts[1]!, data.subarray(MIB, 2 * MIB))).status).to.equal(404);
    const late = await presigner.completeMultipartUpload(grant.token, grant.parts.map((p) => ({ number: p.number }))).catch((e: unknown) => e);
    expect(late).to.be.instanceOf(InvalidRequestError).with.property('field', 'parts');
    await presigner.abortMultipartUpload(grant.token); // twice is fine
  });

  it('complete before the last part says how many bytes GCS holds', async () => {
    const data = generated(2 * MIB, 73);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: MIB });
    const first = await sendParts(grant, data, { only: [1] });
    const early = await presigner.completeMultipartUpload(grant.token, [...first, { number: 2 }]).catch((e: unknown) => e);
    expect(early).to.be.instanceOf(InvalidRequestError).with.property('message').that.matches(/holds 1048576 of the 2097152 bytes/);
    // Resume after a reload: the session's persisted bytes, as whole parts.
    expect(await presigner.listMultipartParts(grant.token)).to.deep.equal([{ number: 1, size: MIB }]);
    await presigner.completeMultipartUpload(grant.token, [...first, ...(await sendParts(grant, data, { only: [2] }))]);
    expect(sameBytes(read(grant.key), data)).to.equal(true);
  });

  it('a total other than the granted size: completion deletes the object GCS made and refuses', async () => {
    const data = generated(2 * MIB, 74);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: MIB });
    await sendParts(grant, data, { only: [1] });
    // The client claims the file ends early: the stand-in, like GCS's documentation, does not
    // promise to refuse a total other than X-Upload-Content-Length.
    const short = await sendPart(grant.parts[1]!, data.subarray(MIB, MIB + 10), { 'content-range': `bytes ${MIB}-${MIB + 9}/${MIB + 10}` });
    expect(short.status).to.equal(200);
    expect(read(grant.key)).to.have.length(MIB + 10);
    const error = await presigner.completeMultipartUpload(grant.token, [{ number: 1 }, { number: 2 }]).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidRequestError).with.property('message').that.matches(/is 1048586 bytes, granted 2097152; it was deleted/);
    expect(read(grant.key)).to.equal(undefined);
  });

  it('create-only: the session does not replace an object that appeared meanwhile (412), and the client says "exists"', async () => {
    const key = newKey();
    const data = generated(MIB, 75);
    const grant = await presigner.createMultipartUploadGrant({ key, contentType: 'text/plain', size: data.length });
    const other = await presigner.createMultipartUploadGrant({ key, contentType: 'text/plain', size: data.length, overwrite: true });
    const otherData = generated(MIB, 76);
    await presigner.completeMultipartUpload(other.token, await sendParts(other, otherData));
    const error = await uploadWithGrant(grant, new Blob([data]), { retryDelayMs: 1 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UploadError).with.property('code', 'exists');
    expect((error as UploadError).status).to.equal(412);
    expect(sameBytes(read(key), otherData), 'the first object is intact').to.equal(true);
  });

  it('a declared MD5 is checked when the session finishes: a different file is refused (checksum-mismatch), nothing stored', async () => {
    const data = generated(MIB, 77);
    const md5 = (await import('node:crypto')).createHash('md5').update(data).digest('base64');
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, checksum: { md5 } });
    expect(grant.enforcement).to.include({ checksum: 'storage' });
    const tampered = generated(MIB, 78);
    const error = await uploadWithGrant(grant, new Blob([tampered]), { retryDelayMs: 1 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UploadError).with.property('code', 'checksum-mismatch');
    expect(read(grant.key)).to.equal(undefined);
  });

  describe('upgrant/client on a session, through a proxy that cuts a part off mid-way', () => {
    let proxy: Server;
    let proxyUrl: string;
    /** Content-Range of every request the proxy saw, in order. */
    let seen: string[] = [];
    /** Cut the data request with this index (0-based among chunk PUTs) after this many body bytes. */
    let cut: { index: number; after: number } | undefined;

    before(async () => {
      let chunks = 0;
      proxy = createServer((req, res) => {
        const range = String(req.headers['content-range'] ?? '');
        seen.push(range);
        const isChunk = /^bytes \d+-/.test(range);
        const index = isChunk ? chunks++ : -1;
        const target = new URL(req.url ?? '/', standIn.endpoint);
        const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        if (cut && index === cut.index) {
          const limit = cut.after;
          let sent = 0;
          req.on('data', (piece: Buffer) => {
            if (sent >= limit) return;
            const slice = piece.subarray(0, limit - sent);
            sent += slice.length;
            // Once the last bytes are handed to the kernel, drop both connections: TCP delivers
            // what was written before the close, so the stand-in sees exactly `limit` bytes.
            upstream.write(slice, () => {
              if (sent < limit) return;
              upstream.destroy();
              req.socket.destroy();
            });
          });
          return;
        }
        req.pipe(upstream);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });

    beforeEach(() => {
      seen = [];
      cut = undefined;
    });

    after(async () => {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    });

    const viaProxy = (grant: MultipartUploadGrant): MultipartUploadGrant =>
      JSON.parse(JSON.stringify(grant).replaceAll(standIn.endpoint, proxyUrl)) as MultipartUploadGrant;

    it('sends parts in order, reports progress over the file, and resumes from the 256 KiB GCS kept of a cut-off part', async () => {
      const data = generated(4 * MIB + 3, 79);
      const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'application/octet-stream', size: data.length, partSize: MIB });
      // The third chunk request (part 3) is cut after 300 KiB: the session keeps 256 KiB of it.
      cut = { index: 2, after: 300 * KIB };
      let lastLoaded = 0;
      let backwards = 0;
      const done: DonePart[] = [];
      const result = await uploadWithGrant(viaProxy(grant), new Blob([data]), {
        retryDelayMs: 1,
        onProgress: ({ loaded, total }) => {
          expect(total).to.equal(data.length);
          if (loaded < lastLoaded) backwards++;
          lastLoaded = loaded;
        },
        onPartDone: (part) => done.push(part),
      });
      const size = data.length;
      expect(seen).to.deep.equal([
        `bytes */${size}`,
        `bytes 0-${MIB - 1}/${size}`,
        `bytes ${MIB}-${2 * MIB - 1}/${size}`,
        `bytes ${2 * MIB}-${3 * MIB - 1}/${size}`, // cut off
        `bytes */${size}`,
        `bytes ${2 * MIB + 256 * KIB}-${3 * MIB - 1}/${size}`, // the rest of part 3
        `bytes ${3 * MIB}-${4 * MIB - 1}/${size}`,
        `bytes ${4 * MIB}-${size - 1}/${size}`,
      ]);
      expect(done.map((p) => p.number)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(lastLoaded).to.equal(size);
      expect(backwards, 'progress may step back only for the cut-off bytes').to.be.at.most(1);
      await presigner.completeMultipartUpload(grant.token, result.parts);
      expect(sameBytes(read(grant.key), data)).to.equal(true);
    });

    it('after a reload: a new presigner, the saved grant, and the client asks the session where to go on', async () => {
      const data = generated(3 * MIB, 80);
      const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'application/octet-stream', size: data.length, partSize: MIB });
      await sendParts(grant, data, { only: [1, 2] });
      const saved = viaProxy(JSON.parse(JSON.stringify(grant)) as MultipartUploadGrant);
      // The page lost its `done` list: the session, not the page, says what is there.
      const result = await uploadWithGrant(saved, new Blob([data]), { retryDelayMs: 1 });
      expect(seen).to.deep.equal([`bytes */${data.length}`, `bytes ${2 * MIB}-${3 * MIB - 1}/${data.length}`]);
      const later = await fresh();
      await later.completeMultipartUpload(saved.token, result.parts);
      await later.close();
      expect(sameBytes(read(grant.key), data)).to.equal(true);
    });

    it('abort on the signal stops the upload and cancels the session through abortOnServer', async () => {
      const data = generated(4 * MIB, 81);
      const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'application/octet-stream', size: data.length, partSize: MIB });
      const controller = new AbortController();
      let serverAborts = 0;
      const error = await uploadWithGrant(viaProxy(grant), new Blob([data]), {
        signal: controller.signal,
        onPartDone: (part) => {
          if (part.number === 2) controller.abort();
        },
        abortOnServer: async () => {
          serverAborts++;
          await presigner.abortMultipartUpload(grant.token);
        },
      }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UploadError).with.property('code', 'aborted');
      expect(serverAborts).to.equal(1);
      expect(standIn.openSessions(BUCKET).map((s) => s.name)).to.not.include(grant.key);
      expect(standIn.list(BUCKET)).to.not.include(grant.key);
    });
  });
});
