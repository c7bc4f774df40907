// Verification reads at most the detector's window, whatever the object's size: every byte the
// local driver hands the portable layer is counted, on a 4 GiB object (a sparse file) and on
// objects around the window's size, and the whole-object read is never used for the check.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Driver } from '../../drivers/driver.js';
import { LocalDriver } from '../../drivers/local/driver.js';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { CONTENT_CHECK_WINDOW } from '../../src/content-check.js';
import { UploadRejectedError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import { uploadViaHttp } from '../support/http.js';
import { makeHtml, makePng, stamp } from '../support/sample-files.js';

const GIB = 1024 ** 3;

/** The local driver, counting the bytes each read returns. */
function counting(driver: Driver): { driver: Driver; ranged: number; streamed: number; ranges: [number, number][] } {
  const counts = { ranged: 0, streamed: 0, ranges: [] as [number, number][] };
  const wrapped = new Proxy(driver, {
    get(target, name) {
      if (name === 'readRange') {
        return async (key: string, offset: number, length: number) => {
          counts.ranges.push([offset, length]);
          const bytes = await target.readRange(key, offset, length);
          counts.ranged += bytes.length;
          return bytes;
        };
      }
      if (name === 'read') {
        return async (key: string) => {
          const stream = await target.read(key);
          return (async function* () {
            for await (const chunk of stream) {
              counts.streamed += chunk.length;
              yield chunk;
            }
          })();
        };
      }
      const value = Reflect.get(target, name, target) as unknown;
      // Methods run on the driver itself (its #private fields are not on the proxy).
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return Object.assign(counts, { driver: wrapped });
}

describe('content check: reads at most the window', function () {
  this.timeout(30_000);
  let root: string;
  let receiver: LocalReceiver;
  const secret = randomBytes(32).toString('hex');

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-window-'));
    receiver = await listenLocal({ root, secret, staging: 'never' });
  });
  after(async () => {
    await receiver?.close();
    await rm(root, { recursive: true, force: true });
  });

  function presigner() {
    const count = counting(new LocalDriver({ root, secret, baseUrl: receiver.baseUrl }));
    return { count, presigner: new PortablePresigner(count.driver, { secret, staging: 'never' }) };
  }

  it(`a 4 GiB object: one range read of ${CONTENT_CHECK_WINDOW} bytes, nothing streamed`, async () => {
    const { presigner: p, count } = presigner();
    const body = stamp(randomBytes(64 * 1024), makePng());
    const grant = await p.createUploadGrant({ key: `big/${randomBytes(4).toString('hex')}.png`, contentType: 'image/png', maxSize: 5 * GIB });
    expect((await uploadViaHttp(grant, body)).status).to.equal(201);
    // Grow the stored file to 4 GiB without writing it (sparse): the object the check faces.
    await truncate(path.join(root, 'local', ...grant.key.split('/')), 4 * GIB);
    const object = await p.verifyUpload(grant.token);
    expect(object.size).to.equal(4 * GIB);
    expect(count.ranges).to.deep.equal([[0, CONTENT_CHECK_WINDOW]]);
    expect(count.ranged).to.equal(CONTENT_CHECK_WINDOW);
    expect(count.streamed).to.equal(0);
  });

  it('a 4 GiB object that is HTML: refused after the same single window', async () => {
    const { presigner: p, count } = presigner();
    const grant = await p.createUploadGrant({ key: `big/${randomBytes(4).toString('hex')}.png`, contentType: 'image/png', maxSize: 5 * GIB });
    expect((await uploadViaHttp(grant, makeHtml())).status).to.equal(201);
    await truncate(path.join(root, 'local', ...grant.key.split('/')), 4 * GIB);
    const error = await p.verifyUpload(grant.token).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UploadRejectedError);
    expect(count.ranged).to.equal(CONTENT_CHECK_WINDOW);
    expect(count.streamed).to.equal(0);
  });

  for (const size of [1, CONTENT_CHECK_WINDOW - 1, CONTENT_CHECK_WINDOW, CONTENT_CHECK_WINDOW + 1]) {
    it(`a ${size}-byte object: reads min(size, window) = ${Math.min(size, CONTENT_CHECK_WINDOW)} bytes`, async () => {
      const { presigner: p, count } = presigner();
      const body = randomBytes(size).fill(0x61);
      const grant = await p.createUploadGrant({ key: `small/${randomBytes(4).toString('hex')}.txt`, contentType: 'text/plain', size });
      expect((await uploadViaHttp(grant, body)).status).to.equal(201);
      await p.verifyUpload(grant.token);
      expect(count.ranged).to.equal(Math.min(size, CONTENT_CHECK_WINDOW));
    });
  }

  it('an empty object: no read at all', async () => {
    const { presigner: p, count } = presigner();
    const grant = await p.createUploadGrant({ key: `small/${randomBytes(4).toString('hex')}.txt`, contentType: 'text/plain', size: 0 });
    expect((await uploadViaHttp(grant, new Uint8Array(0))).status).to.equal(201);
    await p.verifyUpload(grant.token);
    expect(count.ranges).to.deep.equal([]);
  });

  it('readRange itself: the exact slice, fewer bytes at the end, none past it', async () => {
    const driver = new LocalDriver({ root, secret, baseUrl: receiver.baseUrl });
    const body = randomBytes(1000);
    const grant = await receiver.presigner.createUploadGrant({ key: `rr/${randomBytes(4).toString('hex')}`, contentType: 'application/octet-stream', size: body.length });
    expect((await uploadViaHttp(grant, body)).status).to.equal(201);
    expect(Buffer.from(await driver.readRange(grant.key, 10, 20)).equals(body.subarray(10, 30))).to.equal(true);
    expect(Buffer.from(await driver.readRange(grant.key, 990, 100)).equals(body.subarray(990))).to.equal(true);
    expect((await driver.readRange(grant.key, 1000, 10)).length).to.equal(0);
  });
});
