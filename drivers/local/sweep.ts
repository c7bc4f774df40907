// Removing what crashed or abandoned uploads left in `.upgrant-tmp`: single-upload temporary files
// and claimed multipart directories older than the longest grant, and multipart uploads whose
// token can no longer complete them (past their expiry plus the verify grace). The receiver runs
// this at start and periodically, so no grant path ever scans other uploads.
import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { readManifest } from './multipart.js';
import { TMP_DIR } from './store.js';

export interface SweepOptions {
  readonly now: Date;
  /** Seconds: the longest grant this deployment makes. */
  readonly maxGrantAge: number;
  /** Seconds after expiry a multipart token may still complete its upload. */
  readonly verifyGrace: number;
}

/** Remove stale entries under `<root>/.upgrant-tmp`; returns how many went. */
export async function sweepStale(root: string, options: SweepOptions): Promise<number> {
  const dir = path.join(root, TMP_DIR);
  const entries = await readdir(dir).catch(() => [] as string[]);
  const nowS = options.now.getTime() / 1000;
  let removed = 0;
  for (const name of entries) {
    const full = path.join(dir, name);
    const info = await lstat(full).catch(() => undefined);
    if (!info) continue;
    let stale = info.mtimeMs / 1000 < nowS - options.maxGrantAge - (info.isDirectory() ? options.verifyGrace : 0);
    if (!stale && /^mp-[0-9a-f]{32}$/.test(name)) {
      const manifest = await readManifest(full);
      stale = manifest !== undefined && manifest.expires + options.verifyGrace < nowS;
    }
    if (stale) {
      await rm(full, { recursive: true, force: true });
      removed += 1;
    }
  }
  return removed;
}
