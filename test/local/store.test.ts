// The local store under concurrent writes and deletes that share directories. A delete prunes
// the directories it leaves empty (the object's, and its metadata's under .upgrant-meta/<bucket>/<h2>),
// and a write can be between making such a directory and linking into it: the write must make the
// directory again, not fail with ENOENT (seen as a "not-found" promotion in the sweep's race case).
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalStore, TMP_DIR } from '../../drivers/local/store.js';

/** Keys in one directory whose metadata shares one directory too (the same first byte of their hash). */
function keysSharingDirectories(round: number, count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    const key = `shared/r${round}-${i}`;
    if (createHash('sha256').update(key).digest('hex').startsWith('00')) keys.push(key);
  }
  return keys;
}

describe('local store: writes racing deletes in the same directories', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-local-store-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  for (const createOnly of [true, false]) {
    it(`every ${createOnly ? 'create-only' : 'overwriting'} write lands while deletes empty and prune its directories, and leaves no temp file`, async () => {
      const store = new LocalStore(root);
      const meta = { contentType: 'text/plain' };
      for (let round = 0; round < 12; round++) {
        const keys = keysSharingDirectories(round, 32);
        const [older, newer] = [keys.slice(0, 16), keys.slice(16)];
        await Promise.all(older.map((key) => store.put('b', key, Buffer.from('old'), meta, createOnly)));
        const failures: string[] = [];
        const settled = await Promise.allSettled([
          ...older.map((key) => store.delete('b', key)),
          ...newer.map((key) => store.put('b', key, Buffer.from(key), meta, createOnly)),
        ]);
        for (const result of settled) if (result.status === 'rejected') failures.push(String((result.reason as Error).message));
        expect(failures, 'writes or deletes that failed').to.deep.equal([]);
        for (const key of newer) expect(await store.head('b', key), key).to.include({ size: Buffer.byteLength(key), contentType: 'text/plain' });
        for (const key of older) expect(await store.head('b', key), key).to.equal(undefined);
        await Promise.all(newer.map((key) => store.delete('b', key)));
      }
      expect(await readdir(path.join(root, TMP_DIR))).to.deep.equal([]);
    });
  }
});
