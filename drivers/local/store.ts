// The local object store: one directory per bucket under the root, objects as plain files, and
// their metadata (content type, checksum) in a hidden tree beside them. Writes land in a temporary
// file first and become visible in one atomic step (link for create-only, rename for overwrite),
// so a reader never sees a partial object and a failed upload leaves nothing behind.
//
// Containment does not trust the key: every path is checked lexically against the bucket
// directory, directories are walked one segment at a time refusing symlinks and non-directories,
// and what is read or deleted must resolve (realpath) inside the bucket directory.
//
// Metadata lives at `.upgrant-meta/<bucket>/<h2>/<sha256(key)>-<inode>.json`: a fixed-length name
// (never over 255 bytes, never a directory of another key's), tied to the object's inode. It is
// written and synced before the object becomes visible, and a create-only loser's metadata has
// another inode's name, so it can never replace the winner's.
import { createHash, randomBytes } from 'node:crypto';
import { constants, type ReadStream } from 'node:fs';
import { link, lstat, mkdir, open, readdir, readFile, realpath, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../error-codes.js';
import type { ListedPage, ObjectInfo } from '../driver.js';

export const TMP_DIR = '.upgrant-tmp';
const META_DIR = '.upgrant-meta';
/** The longest file name Linux, macOS and Windows file systems take, in bytes. */
export const MAX_SEGMENT_BYTES = 255;
/** How often a write makes a directory again that a concurrent delete pruned under it. */
const DIRECTORY_ATTEMPTS = 5;

/** Sidecar metadata of one object. */
export interface StoredMeta {
  readonly contentType: string;
  readonly sha256?: string;
  readonly md5?: string;
  /** The grant record the upload carried (see Driver.signUpload). */
  readonly record?: string;
}

/** A create-only commit found an object at the key. */
export class ObjectExistsError extends DriverError {
  constructor(readonly key: string) {
    super('precondition-failed', `an object already exists at "${key}"`);
  }
}

/** A key collides with an existing object used as a "directory" (or the reverse): 409 at the receiver, 400 from the API. */
export class KeyConflictError extends DriverError {
  constructor(readonly key: string) {
    super('invalid-argument', `"${key}" conflicts with an existing object: one of them would have to be a file and a directory at once`, { field: 'key' });
  }
}

/** A key that would lead outside the bucket directory (traversal, absolute path, symlink). */
export class PathEscapeError extends DriverError {
  constructor(readonly key: string) {
    super('invalid-argument', 'resolves outside the bucket directory; refused', { field: 'key' });
  }
}

/** Every segment of a key is one file name on disk: at most 255 bytes. A DriverError naming `key` if not. */
export function checkSegments(key: string): void {
  for (const segment of key.split('/')) {
    const bytes = Buffer.byteLength(segment, 'utf8');
    if (bytes > MAX_SEGMENT_BYTES) {
      throw new DriverError('invalid-argument', `has a ${bytes}-byte segment; the local store keeps each "/"-separated segment as one file name of at most ${MAX_SEGMENT_BYTES} bytes`, { field: 'key' });
    }
  }
}

export class LocalStore {
  readonly root: string;
  /** Overwrites of one key in this process, one at a time: each knows which object it replaced. */
  readonly #overwrites = new Map<string, Promise<unknown>>();

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
    let metaFile: string | undefined;
    let ino: number | undefined;
    let replaced: number | undefined;
    try {
      // Metadata first, durable, under the new file's inode: visible objects always have it.
      ino = (await stat(tmp)).ino;
      metaFile = await this.#writeMeta(bucket, key, ino, meta);
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#makeParents(bucket, key);
          if (createOnly) {
            await link(tmp, target);
            await unlink(tmp);
          } else {
            replaced = await this.#oneAtATime(`${bucket}/${key}`, async () => {
              const old = await lstat(target).then((s) => (s.isFile() ? s.ino : undefined), () => undefined);
              await rename(tmp, target);
              return old;
            });
          }
          break;
        } catch (error) {
          // A delete of the last object in a directory prunes it (#pruneEmptyParents), and can do so
          // between this commit making (or finding) that directory and linking into it: make it again.
          if (!isGone(error) || attempt === DIRECTORY_ATTEMPTS || !(await exists(tmp))) throw error;
        }
      }
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      // A promotion links the staged file itself: when a concurrent promotion of the same file won,
      // the metadata under this inode's name is the winner's, and stays.
      const sameFile = metaFile !== undefined && (await lstat(target).then((s) => s.ino === ino, () => false));
      if (metaFile && !sameFile) {
        await unlink(metaFile).catch(() => undefined);
        await rmdir(path.dirname(metaFile)).catch(() => undefined);
      }
      await this.#pruneEmptyParents(path.join(this.root, bucket), target);
      if (error instanceof PathEscapeError || error instanceof KeyConflictError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        const isDir = await lstat(target).then((s) => s.isDirectory(), () => false);
        throw isDir ? new KeyConflictError(key) : new ObjectExistsError(key);
      }
      if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EPERM') throw new KeyConflictError(key);
      if (code === 'ENAMETOOLONG') throw new DriverError('invalid-argument', 'is too long for the local file system', { field: 'key', cause: error });
      throw error;
    }
    // The object it replaced has no use for its metadata any more.
    if (replaced !== undefined) await unlink(this.#metaPath(bucket, key, replaced)).catch(() => undefined);
  }

  /** Whether the bucket directory is there (head on a missing bucket is a configuration error). */
  async hasBucket(bucket: string): Promise<boolean> {
    return stat(path.join(this.root, bucket)).then((s) => s.isDirectory(), () => false);
  }

  async #oneAtATime<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#overwrites.get(id) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.#overwrites.set(id, settled);
    try {
      return await run;
    } finally {
      if (this.#overwrites.get(id) === settled) this.#overwrites.delete(id);
    }
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    return (await this.#statRegular(bucket, key)) !== undefined;
  }

  /** Whether a commit to `key` would collide with an object used as a directory (or the reverse). */
  async conflicts(bucket: string, key: string): Promise<boolean> {
    const segments = key.split('/');
    let dir = path.join(this.root, bucket);
    for (const [i, segment] of segments.entries()) {
      dir = path.join(dir, segment);
      const s = await lstat(dir).catch(() => undefined);
      if (!s) return false;
      if (s.isSymbolicLink()) throw new PathEscapeError(key);
      if (i < segments.length - 1 ? !s.isDirectory() : s.isDirectory()) return true;
    }
    return false;
  }

  async head(bucket: string, key: string): Promise<(ObjectInfo & { mtimeMs: number }) | undefined> {
    const stat = await this.#statRegular(bucket, key);
    if (!stat) return undefined;
    const meta = await this.#readMeta(bucket, key, stat.ino);
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
    const opened = await handle.stat();
    if (opened.ino !== stat.ino || opened.dev !== stat.dev) {
      await handle.close();
      throw new PathEscapeError(key); // the path changed between the check and the open
    }
    return handle.createReadStream(range ?? {});
  }

  async delete(bucket: string, key: string): Promise<void> {
    const target = this.objectPath(bucket, key);
    const stat = await this.#statRegular(bucket, key);
    if (!stat) return;
    await unlink(target).catch(ignoreMissing);
    const metaPath = this.#metaPath(bucket, key, stat.ino);
    await unlink(metaPath).catch(ignoreMissing);
    await unlink(this.#legacyMetaPath(bucket, key)).catch(() => undefined);
    await this.#pruneEmptyParents(path.join(this.root, bucket), target);
    await rmdir(path.dirname(metaPath)).catch(() => undefined);
  }

  /**
   * Make the object at `from` also the object at `to` (a hard link of the same file, then the usual
   * atomic commit), with its metadata; `from` stays. Create-only: exactly one of concurrent
   * promotions wins; the others answer 'exists' once the winner's object is whole.
   */
  async promote(bucket: string, from: string, to: string, createOnly: boolean): Promise<'promoted' | 'exists' | 'missing'> {
    const source = await this.#statRegular(bucket, from);
    if (!source) return 'missing';
    const meta = await this.#readMeta(bucket, from, source.ino);
    const tmp = await this.tempPath();
    try {
      await link(this.objectPath(bucket, from), tmp);
    } catch (error) {
      if (isMissing(error)) return 'missing';
      throw error;
    }
    try {
      // The stored metadata names its key: the copy's is written for `to`, not the staging key.
      const { key: _from, ...copied } = meta as Partial<StoredMeta> & { key?: string };
      await this.commit(tmp, bucket, to, { ...copied, contentType: copied.contentType ?? '' }, createOnly);
      return 'promoted';
    } catch (error) {
      // Another object, or this very file linked by a concurrent promotion: its metadata was
      // synced before it became visible, so the caller finds the object whole either way.
      if (error instanceof ObjectExistsError) return 'exists';
      throw error;
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
    const dir = this.objectPath(bucket, prefix.replace(/\/+$/, ''));
    const found = await lstat(dir).catch(() => undefined);
    if (!found?.isDirectory()) return { objects: [] };
    await this.#assertInside(bucket, prefix, dir);
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
      if (isMissing(error)) return [];
      throw error;
    });
    const names = entries.filter((e) => e.isFile()).map((e) => e.name).sort();
    const start = cursor === undefined ? 0 : names.findIndex((n) => n > cursor);
    const page = start < 0 ? [] : names.slice(start, start + limit);
    const objects = [];
    for (const name of page) {
      const info = await lstat(path.join(dir, name)).catch(() => undefined);
      if (info) objects.push({ key: prefix + name, lastModified: info.mtime });
    }
    const more = start >= 0 && start + limit < names.length;
    return { objects, ...(more ? { cursor: page[page.length - 1]! } : {}) };
  }

  /** The object's path, refusing (PathEscapeError) any key that would leave the bucket directory. */
  objectPath(bucket: string, key: string): string {
    const bucketDir = path.join(this.root, bucket);
    const target = path.resolve(bucketDir, ...key.split('/'));
    if (!isInside(bucketDir, target) || path.isAbsolute(key)) throw new PathEscapeError(key);
    return target;
  }

  #metaPath(bucket: string, key: string, ino: number): string {
    const hash = createHash('sha256').update(key).digest('hex');
    return path.join(this.root, META_DIR, bucket, hash.slice(0, 2), `${hash}-${ino}.json`);
  }

  /** Where metadata lived before it moved under a hash of the key (read and removed, never written). */
  #legacyMetaPath(bucket: string, key: string): string {
    const base = path.join(this.root, META_DIR, bucket);
    const file = `${path.resolve(base, ...key.split('/'))}.json`;
    return isInside(base, file) ? file : path.join(base, '.none');
  }

  async #writeMeta(bucket: string, key: string, ino: number, meta: StoredMeta): Promise<string> {
    const file = this.#metaPath(bucket, key, ino);
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    let handle;
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(path.dirname(file), { recursive: true });
        handle = await open(tmp, 'wx');
        break;
      } catch (error) {
        // A delete elsewhere may prune the (then empty) directory in between, even inside mkdir
        // (it found the directory, then could not stat it): make it again.
        if (!isGone(error) || attempt === DIRECTORY_ATTEMPTS) throw error;
      }
    }
    try {
      await handle.writeFile(JSON.stringify({ ...meta, key }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(tmp, file);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
    return file;
  }

  async #readMeta(bucket: string, key: string, ino: number): Promise<Partial<StoredMeta>> {
    for (const file of [this.#metaPath(bucket, key, ino), this.#legacyMetaPath(bucket, key)]) {
      try {
        return JSON.parse(await readFile(file, 'utf8')) as StoredMeta;
      } catch {
        // Missing: try the next place; none is reported as an empty type, which never matches a grant.
      }
    }
    return {};
  }

  /** lstat of a regular file whose real directory is inside the bucket directory; undefined if none. */
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

  /**
   * Create the key's directories one segment at a time: each must be a real directory (not a
   * symlink, not a file), so mkdir never follows a link out of the bucket.
   */
  async #makeParents(bucket: string, key: string): Promise<void> {
    let dir = path.join(this.root, bucket);
    await mkdir(dir, { recursive: true });
    for (const segment of key.split('/').slice(0, -1)) {
      dir = path.join(dir, segment);
      try {
        await mkdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const s = await lstat(dir);
      if (s.isSymbolicLink()) throw new PathEscapeError(key);
      if (!s.isDirectory()) throw new KeyConflictError(key);
    }
    await this.#assertInside(bucket, key, dir);
  }

  /** The real directory must be inside the real bucket directory, whatever the key says. */
  async #assertInside(bucket: string, key: string, dir: string): Promise<void> {
    const bucketDir = path.join(this.root, bucket);
    const realBucket = await realpath(bucketDir).catch(() => bucketDir);
    const real = await realpath(dir);
    if (real !== realBucket && !isInside(realBucket, real)) throw new PathEscapeError(key);
  }

  /** Remove directories an upload created, up to (not including) `stopAt`. */
  async #pruneEmptyParents(stopAt: string, file: string): Promise<void> {
    for (let dir = path.dirname(file); isInside(stopAt, dir); dir = path.dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or gone): stop
      }
    }
  }
}

/** Whether `candidate` is strictly below `dir` (lexically). */
function isInside(dir: string, candidate: string): boolean {
  const relative = path.relative(dir, candidate);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG';
}

/** A path (or one of its directories) that is not there: ENOENT only, unlike isMissing. */
function isGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(() => true, () => false);
}

function ignoreMissing(error: unknown): void {
  if (!isMissing(error)) throw error;
}
