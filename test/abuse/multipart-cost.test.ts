// Finding 6 (open multipart uploads slow every new grant): a grant reads no other upload's
// manifest, however many are open; the receiver's sweep, not the grant path, removes the stale.
import { expect } from 'chai';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, localRequestHandler, type LocalReceiver } from '../../drivers/local/index.js';
import { manifestReads } from '../../drivers/local/multipart.js';

const SECRET = 'abuse-multipart-cost-secret-0123456789ab';

describe('abuse: multipart grant cost with many open uploads (finding 6)', function () {
  this.timeout(60_000);
  let root: string;
  let receiver: LocalReceiver;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-abuse-mpcost-'));
    receiver = await listenLocal({ root, secret: SECRET });
  });
  after(async () => {
    await receiver.close();
    await rm(root, { recursive: true, force: true });
  });

  const grant = (i: number, expiresIn = 300) =>
    receiver.presigner.createMultipartUploadGrant({ key: `open/${i}.bin`, contentType: 'application/octet-stream', size: 10, expiresIn });

  it('reads no manifest to make a grant, with 0 or 1000 uploads open', async () => {
    const reads = async (count: number) => {
      const start = manifestReads.count;
      for (let i = 0; i < count; i++) await grant(100_000 + i);
      return manifestReads.count - start;
    };
    expect(await reads(20), 'with none open').to.equal(0);
    for (let i = 0; i < 1000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => grant(i + j)));
    expect((await readdir(path.join(root, '.upgrant-tmp'))).length).to.be.at.least(1020);
    expect(await reads(20), 'with 1020 open').to.equal(0);
  });

  it('the receiver sweep removes uploads past expiry + grace, and keeps the rest', async () => {
    const tmp = path.join(root, '.upgrant-tmp');
    // A single upload's temporary file abandoned 8 days ago (older than the longest grant).
    const abandoned = path.join(tmp, 'abandoned.part');
    await writeFile(abandoned, 'x');
    const old = new Date(Date.now() - 8 * 86400_000);
    await utimes(abandoned, old, old);
    // A receiver whose clock is 2 days on: every upload above expired more than a day (the grace) ago.
    const later = localRequestHandler({ root, secret: SECRET, sweepIntervalMs: 0, clock: () => new Date(Date.now() + 2 * 86400_000) });
    try {
      await later.sweep(); // (its start-up sweep may have taken some already)
      expect(await readdir(tmp)).to.deep.equal([]);
    } finally {
      later.close();
    }
    await grant(1);
    const now = localRequestHandler({ root, secret: SECRET, sweepIntervalMs: 0 });
    try {
      expect(await now.sweep(), 'an open upload is kept').to.equal(0);
    } finally {
      now.close();
    }
  });
});
