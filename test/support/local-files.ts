// Lists what the local driver left on disk, including what it should never leave: temporary
// upload files and metadata without an object are reported with a "!" prefix.
import { readdir } from 'node:fs/promises';
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
  const objects = (await walk(path.join(root, bucket))).map((f) => toKey(path.join(root, bucket), f));
  const temps = (await walk(path.join(root, '.upgrant-tmp'))).map((f) => `!tmp:${path.basename(f)}`);
  const metaBase = path.join(root, '.upgrant-meta', bucket);
  const orphans = (await walk(metaBase))
    .map((f) => toKey(metaBase, f).replace(/\.json$/, ''))
    .filter((k) => !objects.includes(k))
    .map((k) => `!orphan-meta:${k}`);
  return [...objects, ...temps, ...orphans];
}
