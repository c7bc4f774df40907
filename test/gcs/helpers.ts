// Small helpers the GCS tests share: a throwaway service account key, signed-URL edits that
// keep the rest of the query byte for byte, and a presigner from the environment on the stand-in.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GcsServiceAccountKey } from '../../drivers/gcs/options.js';
import { presignerFromEnv } from '../../src/config.js';
import type { Presigner, UploadGrant } from '../../src/types.js';

// One key per email per process: an RSA-2048 key takes 0.1-0.5 s of CPU to make, and a dozen files
// ask for one. A test that needs a second key asks under a second email.
const keys = new Map<string, string>();

/** An RSA service account key made for this run (never a real account), the same for the same email. */
export function throwawayAccount(email = 'upgrant-test@upgrant-test.iam.gserviceaccount.com'): GcsServiceAccountKey {
  let pem = keys.get(email);
  if (pem === undefined) {
    pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    keys.set(email, pem);
  }
  return { client_email: email, private_key: pem };
}

/** Edit a signed URL's path or signature, leaving the rest of the query untouched. */
export function editSignedUrl(grant: UploadGrant, edit: { path?: (path: string) => string; signature?: (hex: string) => string }): UploadGrant {
  const [base = '', query = ''] = grant.url.split('?');
  const url = new URL(base);
  if (edit.path) url.pathname = edit.path(url.pathname);
  const signature = edit.signature;
  const newQuery = signature ? query.replace(/(^|&)X-Goog-Signature=([0-9a-f]+)/, (_m, p: string, s: string) => `${p}X-Goog-Signature=${signature(s)}`) : query;
  return { ...grant, url: `${url.toString()}?${newQuery}` };
}

export const flipHex = (hex: string): string => (hex[0] === 'a' ? 'b' : 'a') + hex.slice(1);

/**
 * A presigner configured from the environment, as `upgrant serve` would be, for a bucket on the
 * GCS stand-in: the account's key goes into a temporary GOOGLE_APPLICATION_CREDENTIALS file.
 * `close` closes the presigner and removes the file.
 */
export async function presignerOnStandIn(endpoint: string, bucket: string, account: GcsServiceAccountKey): Promise<{ presigner: Presigner; close(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'upgrant-gcs-key-'));
  const keyFile = path.join(dir, 'key.json');
  await writeFile(keyFile, JSON.stringify({ type: 'service_account', ...account }));
  const presigner = await presignerFromEnv({
    UPGRANT_PROVIDER: 'gcs',
    UPGRANT_BUCKET: bucket,
    UPGRANT_SECRET: randomBytes(32).toString('hex'),
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    GOOGLE_CLOUD_PROJECT: 'upgrant-test',
    STORAGE_EMULATOR_HOST: endpoint,
  });
  return {
    presigner,
    async close() {
      await presigner.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
