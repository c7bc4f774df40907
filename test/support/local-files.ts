// Lists what the local driver left on disk, including what it should never leave: temporary
// upload files and metadata without an object are reported with a "!" prefix.
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else files.push(full);
  }
  return files;
}

/** Object keys in `bucket`, plus "!tmp:..." and "!orphan-meta:..." for anything that should not be there. */
export async function listLocal(root: string, bucket: string): Promise<string[]> {
  const toKey = (base: string, file: string) => path.relative(base, file).split(path.sep).join('/');
  const bucketDir = path.join(root, bucket);
  const objectFiles = await walk(bucketDir);
  const objects = objectFiles.map((f) => toKey(bucketDir, f));
  const inodes = new Map<string, number>();
  for (const file of objectFiles) inodes.set(toKey(bucketDir, file), (await lstat(file)).ino);
  const temps = (await walk(path.join(root, '.upgrant-tmp'))).map((f) => `!tmp:${path.basename(f)}`);
  // Metadata is <h2>/<sha256(key)>-<inode>.json holding { key, ... }: an orphan names no live object.
  const orphans: string[] = [];
  for (const file of await walk(path.join(root, '.upgrant-meta', bucket))) {
    const ino = Number(/-(\d+)\.json$/.exec(file)?.[1]);
    const key = await readFile(file, 'utf8').then((t) => (JSON.parse(t) as { key?: string }).key, () => undefined);
    if (key === undefined || inodes.get(key) !== ino) orphans.push(`!orphan-meta:${key ?? path.basename(file)}`);
  }
  return [...objects, ...temps, ...orphans];
}
