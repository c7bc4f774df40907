// The local receiver's throughput: a 1 GiB PUT over loopback into listenLocal (running in a child
// process, so its RSS is its own), against a plain streaming fs copy of a 1 GiB file on the same
// disk. Rounds alternate upload and copy; the median of each is reported, and the largest RSS
// growth of the receiver seen in any round. Everything is created under one temp dir and removed.
import { randomBytes } from 'node:crypto';
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { UploadGrant } from '../src/types.js';
import { median } from './measure.js';
import type { ChildAnswer, ChildRequest } from './receiver-child.js';

export interface ReceiverResult {
  readonly bytes: number;
  readonly throughputMiBs: number;
  readonly rawFsMiBs: number;
  readonly rssGrowthMiB: number;
  readonly rounds: number;
  readonly uploadMiBs: readonly number[];
  readonly copyMiBs: readonly number[];
}

const MIB = 1024 * 1024;
const CHUNK = MIB;

/** `bytes` of generated data, one reused 1 MiB random chunk at a time (nothing big held in memory). */
function generated(bytes: number, chunk: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let left = bytes; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    })(),
    { objectMode: false },
  );
}

/** A small request/answer channel to the child. */
function ask(child: ChildProcess, message: ChildRequest): Promise<ChildAnswer> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`receiver child exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (answer: ChildAnswer) => {
      child.off('exit', onExit);
      if ('error' in answer) reject(new Error(`receiver child: ${answer.error}`));
      else resolve(answer);
    });
    child.send(message);
  });
}

function upload(grant: UploadGrant, bytes: number, chunk: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(grant.url, { method: 'PUT', headers: grant.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode !== 201) reject(new Error(`upload answered ${res.statusCode}: ${body}`));
        else resolve(Number(process.hrtime.bigint() - started) / 1e9);
      });
    });
    req.on('error', reject);
    pipeline(generated(bytes, chunk), req).catch(reject);
  });
}

async function copy(source: string, target: string): Promise<number> {
  const started = process.hrtime.bigint();
  // 1 MiB buffers: the strongest plain streaming copy (node's 64 KiB / 16 KiB defaults are slower).
  await pipeline(createReadStream(source, { highWaterMark: MIB }), createWriteStream(target, { highWaterMark: MIB }));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * Flush dirty pages before each timed phase, so neither phase pays for the write-back of the
 * gigabyte the other one (or the source file) left in the page cache.
 */
async function settle(): Promise<void> {
  await promisify(execFile)('sync').catch(() => undefined);
}

export async function benchReceiver(options: { bytes: number; rounds: number }): Promise<ReceiverResult> {
  const { bytes, rounds } = options;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'upgrant-bench-receiver-'));
  const root = path.join(dir, 'store');
  await mkdir(root);
  const chunk = randomBytes(CHUNK);
  const child = fork(fileURLToPath(new URL('./receiver-child.ts', import.meta.url)), [root], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await new Promise<ChildAnswer>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`receiver child exited (${code}) before it was ready`)));
    });
    if (!('ready' in ready)) throw new Error('receiver child did not start');

    // The source of the fs copy: the same kind of bytes, written once.
    const source = path.join(dir, 'source.bin');
    await pipeline(generated(bytes, chunk), createWriteStream(source));
    const handle = await open(source, 'r+');
    await handle.datasync();
    await handle.close();

    const uploadMiBs: number[] = [];
    const copyMiBs: number[] = [];
    let growth = 0;
    // Round -1 warms the page cache, the disk and both code paths and is not counted.
    for (let round = -1; round < rounds; round++) {
      await settle();
      const granted = await ask(child, { grant: { size: bytes, contentType: 'application/octet-stream' } });
      if (!('grant' in granted)) throw new Error('no grant from the receiver child');
      const seconds = await upload(granted.grant, bytes, chunk);
      if (round >= 0) uploadMiBs.push(bytes / MIB / seconds);
      const stats = await ask(child, { stats: true });
      if (!('rssPeak' in stats)) throw new Error('no stats from the receiver child');
      growth = Math.max(growth, stats.rssPeak - granted.rssBefore);
      await rm(path.join(root, 'local', ...granted.grant.key.split('/')), { force: true });

      const target = path.join(dir, `copy-${round}.bin`);
      await settle();
      const copySeconds = await copy(source, target);
      if (round >= 0) copyMiBs.push(bytes / MIB / copySeconds);
      await rm(target, { force: true });
    }
    return {
      bytes,
      throughputMiBs: median(uploadMiBs),
      rawFsMiBs: median(copyMiBs),
      rssGrowthMiB: growth / MIB,
      rounds,
      uploadMiBs,
      copyMiBs,
    };
  } finally {
    if (child.connected) {
      child.send({ stop: true } satisfies ChildRequest);
      await new Promise((resolve) => child.once('exit', resolve));
    } else if (child.exitCode === null) {
      child.kill();
    }
    await rm(dir, { recursive: true, force: true });
  }
}
