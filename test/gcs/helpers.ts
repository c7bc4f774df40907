// Small helpers the GCS tests share: a throwaway service account key and signed-URL edits that
// keep the rest of the query byte for byte.
import { generateKeyPairSync } from 'node:crypto';
import type { GcsServiceAccountKey } from '../../drivers/gcs/options.js';
import type { UploadGrant } from '../../src/types.js';

/** A fresh RSA service account key for this run (never a real account). */
export function throwawayAccount(email = 'upgrant-test@upgrant-test.iam.gserviceaccount.com'): GcsServiceAccountKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { client_email: email, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
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
