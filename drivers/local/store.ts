// The local object store: one directory per bucket under the root, objects as plain files, and
// their metadata (content type, checksum) in a parallel hidden tree. Writes land in a temporary
// file first and become visible in one atomic step (link for create-only, rename for overwrite),
// so a reader never sees a partial object and a failed upload leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { constants, type ReadStream } from 'node:fs';
import { link, lstat, mkdir, open, readdir, readFile, realpath, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ListedPage, ObjectInfo } from '../driver.js';

const TMP_DIR = '.upgrant-tmp';
const META_DIR = '.upgrant-meta';

/** Sidecar metadata of one object. */
export interface StoredMeta {
  readonly contentType: string;
  readonly sha256?: string;
  readonly md5?: string;
  /** The grant record the upload carried (see Driver.signUpload). */
  readonly record?: string;
}

/** How long a promotion that lost the race waits for the winner's metadata (it follows the link at once). */
const META_WAIT_STEPS = 40;
const META_WAIT_MS = 5;

export class ObjectExistsError extends Error {
  constructor(readonly key: string) {
    super(`an object already exists at "${key}"`);
  }
}

/** A key collides with an existing object used as a "directory" (or the reverse). */
export class KeyConflictError extends Error {
  constructor(readonly key: string) {
    super(`"${key}" conflicts with an existing object path`);
  }
}

export class PathEscapeError extends Error {
  constructor(readonly key: string) {
    super(`"${key}" resolves outside the storage root`);
  }
}

export class LocalStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** A fresh temporary path on the same file system as the objects, so commit is a rename/link. */
  async tempPath(): Promise<string> {
    const dir = path.join(this.root, TMP_DIR);
    await mkdir(dir, { recursive: true });
    return path.join(dir, `${Date.now()}-${randomBytes(8).toString('hex')}.part`);
  }

  /**
   * Make a finished temporary file the object at `key`. With `createOnly`, exactly one of any
   * number of concurrent commits to the same key wins (link(2) fails with EEXIST for the rest).
   */
  async commit(tmp: string, bucket: string, key: string, meta: StoredMeta, createOnly: boolean): Promise<void> {
    const target = this.objectPath(bucket, key);
    try {
      await this.#ensureParent(bucket, key, target);
      if (createOnly) {
        await link(tmp, target);
        await unlink(tmp);
      } else {
        await rename(tmp, target);
      }
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      await this.#pruneEmptyParents(bucket, target);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new ObjectExistsError(key);
      if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EPERM') throw new KeyConflictError(key);
      throw error;
    }
    // The object is claimed; its metadata follows. A crash in between leaves an object with no
    // recorded type, which verifyUpload rejects (and deletes) rather than trusts.
    const metaPath = this.#metaPath(bucket, key);
    await mkdir(path.dirname(metaPath), { recursive: true });
    const metaTmp = `${metaPath}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(metaTmp, JSON.stringify(meta));
    await rename(metaTmp, metaPath);
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    return (await this.#statRegular(bucket, key)) !== undefined;
  }

  async head(bucket: string, key: string): Promise<(ObjectInfo & { mtimeMs: number }) | undefined> {
    const stat = await this.#statRegular(bucket, key);
    if (!stat) return undefined;
    let meta: Partial<StoredMeta> = {};
    try {
      meta = JSON.parse(await readFile(this.#metaPath(bucket, key), 'utf8')) as StoredMeta;
    } catch {
      // Missing metadata: reported as an empty type, which never matches a grant.
    }
    return {
      size: stat.size,
      contentType: meta.contentType ?? '',
      ...(meta.sha256 ? { sha256: meta.sha256 } : {}),
      ...(meta.md5 ? { md5: meta.md5 } : {}),
      ...(meta.record ? { record: meta.record } : {}),
      etag: `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`,
      mtimeMs: stat.mtimeMs,
    };
  }

  async open(bucket: string, key: string, range?: { start: number; end: number }): Promise<ReadStream> {
    const stat = await this.#statRegular(bucket, key);
    if (!stat) throw Object.assign(new Error(`no object "${key}"`), { code: 'ENOENT' });
    // O_NOFOLLOW: a symlink swapped in after the check is refused by the kernel.
    const handle = await open(this.objectPath(bucket, key), constants.O_RDONLY | constants.O_NOFOLLOW);
    return handle.createReadStream(range ?? {});
  }

  async delete(bucket: string, key: string): Promise<void> {
    const target = this.objectPath(bucket, key);
    if (!(await this.#statRegular(bucket, key))) return;
    await unlink(target).catch(ignoreMissing);
    const metaPath = this.#metaPath(bucket, key);
    await unlink(metaPath).catch(ignoreMissing);
    await this.#pruneEmptyParents(bucket, target);
    await this.#pruneEmptyParents(bucket, metaPath, path.join(this.root, META_DIR, bucket));
  }

  /**
   * Make the object at `from` also the object at `to` (a hard link of the same file, then the usual
   * atomic commit), with its metadata; `from` stays. Create-only: exactly one of concurrent
   * promotions wins; the others answer 'exists' once the winner's object is whole.
   */
  async promote(bucket: string, from: string, to: string, createOnly: boolean): Promise<'promoted' | 'exists' | 'missing'> {
    const source = await this.#statRegular(bucket, from);
    if (!source) return 'missing';
    const meta = await this.#readMeta(bucket, from);
    const tmp = await this.tempPath();
    try {
      await link(this.objectPath(bucket, from), tmp);
    } catch (error) {
      if (isMissing(error)) return 'missing';
      throw error;
    }
    try {
      await this.commit(tmp, bucket, to, meta ?? { contentType: '' }, createOnly);
      return 'promoted';
    } catch (error) {
      if (!(error instanceof ObjectExistsError)) throw error;
      const target = await lstat(this.objectPath(bucket, to)).catch(() => undefined);
      if (target?.ino !== source.ino) return 'exists';
      // A concurrent promotion of this very file won: wait for its metadata, which follows the
      // link at once, so the caller finds the object whole.
      for (let i = 0; i < META_WAIT_STEPS && !(await this.#readMeta(bucket, to)); i++) await new Promise((r) => setTimeout(r, META_WAIT_MS));
      return 'exists';
    }
  }

  /** A small object written whole (markers), through the same atomic commit as uploads. */
  async put(bucket: string, key: string, body: Uint8Array, meta: StoredMeta, createOnly: boolean): Promise<'written' | 'exists'> {
    const tmp = await this.tempPath();
    await writeFile(tmp, body, { flag: 'wx' });
    try {
      await this.commit(tmp, bucket, key, meta, createOnly);
      return 'written';
    } catch (error) {
      if (error instanceof ObjectExistsError) return 'exists';
      throw error;
    }
  }

  /** Objects directly under the directory `prefix` names (it ends with "/"), in name order, from after `cursor`. */
  async list(bucket: string, prefix: string, cursor: string | undefined, limit: number): Promise<ListedPage> {
    const dir = path.join(this.root, bucket, ...prefix.split('/').filter((s) => s !== ''));
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
      if (isMissing(error)) return [];
      throw error;
    });
    const names = entries.filter((e) => e.isFile()).map((e) => e.name).sort();
    const start = cursor === undefined ? 0 : names.findIndex((n) => n > cursor);
    const page = start < 0 ? [] : names.slice(start, start + limit);
    const objects = [];
    for (const name of page) {
      const stat = await lstat(path.join(dir, name)).catch(() => undefined);
      if (stat) objects.push({ key: prefix + name, lastModified: stat.mtime });
    }
    const more = start >= 0 && start + limit < names.length;
    return { objects, ...(more ? { cursor: page[page.length - 1]! } : {}) };
  }

  async #readMeta(bucket: string, key: string): Promise<StoredMeta | undefined> {
    try {
      return JSON.parse(await readFile(this.#metaPath(bucket, key), 'utf8')) as StoredMeta;
    } catch {
      return undefined;
    }
  }

  objectPath(bucket: string, key: string): string {
    return path.join(this.root, bucket, ...key.split('/'));
  }

  #metaPath(bucket: string, key: string): string {
    return `${path.join(this.root, META_DIR, bucket, ...key.split('/'))}.json`;
  }

  /** lstat that refuses symlinks and anything resolving outside the root. */
  async #statRegular(bucket: string, key: string) {
    const target = this.objectPath(bucket, key);
    let stat;
    try {
      stat = await lstat(target);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    if (!stat.isFile()) return undefined;
    await this.#assertInside(bucket, key, path.dirname(target));
    return stat;
  }

  async #ensureParent(bucket: string, key: string, target: string): Promise<void> {
    const parent = path.dirname(target);
    await mkdir(parent, { recursive: true });
    await this.#assertInside(bucket, key, parent);
  }

  /** A symlinked directory inside the bucket must not lead the write or read elsewhere. */
  async #assertInside(bucket: string, key: string, dir: string): Promise<void> {
    const bucketDir = await realpath(path.join(this.root, bucket)).catch(() => path.join(this.root, bucket));
    const real = await realpath(dir);
    const expected = path.join(bucketDir, ...key.split('/').slice(0, -1));
    if (real !== expected) throw new PathEscapeError(key);
  }

  /** Remove directories an upload created, up to (not including) the bucket directory. */
  async #pruneEmptyParents(bucket: string, file: string, stopAt = path.join(this.root, bucket)): Promise<void> {
    for (let dir = path.dirname(file); dir.startsWith(stopAt + path.sep); dir = path.dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or gone): stop
      }
    }
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function ignoreMissing(error: unknown): void {
  if (!isMissing(error)) throw error;
}
