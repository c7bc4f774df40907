// node --import tsx bench/staging.ts [--uploads N] [--azurite]
// What staging costs: verifyUpload with promotion on the local driver (a hard link, no bytes
// copied) against verifyUpload of an unstaged upload, sweep throughput over staged uploads nobody
// reported, and (with --azurite) the promotion of 1 and 16 MiB on Azurite, per MiB. Not part of
// npm test; numbers go to docs/performance.md by hand.
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDriver as createAzureDriver } from '../drivers/azure/index.js';
import { listenLocal } from '../drivers/local/index.js';
import { PortablePresigner } from '../src/presigner.js';
import type { Presigner, UploadGrant } from '../src/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from '../test/support/azurite.js';
import { uploadViaHttp } from '../test/support/http.js';

const SECRET = 'bench-staging-secret-0123456789abcdef01';

async function uploaded(presigner: Presigner, n: number, size: number): Promise<UploadGrant[]> {
  const body = new Uint8Array(randomBytes(size));
  const grants: UploadGrant[] = [];
  for (let i = 0; i < n; i++) {
    const grant = await presigner.createUploadGrant({ filename: `f${i}.bin`, contentType: 'application/octet-stream', size });
    const result = await uploadViaHttp(grant, body);
    if (result.status >= 300) throw new Error(`upload ${i}: ${result.status} ${result.body}`);
    grants.push(grant);
  }
  return grants;
}

async function perVerify(presigner: Presigner, grants: readonly UploadGrant[]): Promise<number> {
  const start = process.hrtime.bigint();
  for (const grant of grants) await presigner.verifyUpload(grant.token);
  return Number(process.hrtime.bigint() - start) / 1e6 / grants.length;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { uploads: { type: 'string', default: '300' }, azurite: { type: 'boolean', default: false } } });
  const n = Number(values.uploads);
  console.log(`upgrant staging bench: node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${n} uploads of 1 KiB`);
  const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-bench-staging-'));
  try {
    const direct = await listenLocal({ root, secret: SECRET, staging: 'never' });
    const staged = await listenLocal({ root, secret: SECRET, staging: 'always' });
    try {
      const plain = await perVerify(direct.presigner, await uploaded(direct.presigner, n, 1024));
      const promoted = await perVerify(staged.presigner, await uploaded(staged.presigner, n, 1024));
      console.log(`local verifyUpload, unstaged:          ${plain.toFixed(3)} ms per upload`);
      console.log(`local verifyUpload + promotion (link): ${promoted.toFixed(3)} ms per upload (+${(promoted - plain).toFixed(3)} ms)`);
      await uploaded(staged.presigner, n, 1024);
      const start = process.hrtime.bigint();
      const report = await staged.presigner.sweep();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      console.log(`local sweep: ${report.scanned} staged objects, ${report.promoted.length} promoted in ${seconds.toFixed(2)} s: ${(report.scanned / seconds).toFixed(0)} objects/s`);
    } finally {
      await direct.close();
      await staged.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  if (values.azurite) {
    const azurite = await startAzurite();
    try {
      await new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).createContainer('bench');
      const presigner = new PortablePresigner(await createAzureDriver({ bucket: 'bench', connectionString: azurite.connectionString }), { secret: SECRET });
      for (const mib of [1, 16]) {
        const grants = await uploaded(presigner, 5, mib * 1024 * 1024);
        const ms = await perVerify(presigner, grants);
        console.log(`azurite verifyUpload + Copy Blob promotion, ${mib} MiB: ${ms.toFixed(1)} ms per upload, ${(ms / mib).toFixed(1)} ms per MiB`);
      }
      await presigner.close();
    } finally {
      await azurite.stop();
    }
  }
}

await main();
