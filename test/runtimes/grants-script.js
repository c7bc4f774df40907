// Run unchanged on Node, Bun, Deno and (bundled by wrangler) in workerd: grants of each driver and
// signing scheme named in PROVIDERS, with a fixed clock, as JSON. The caller compares the
// runtimes' outputs. Tokens are sealed with a random IV, so they are left out; everything the
// storage checks (URL, signature, headers, fields, expiry, enforcement) is compared.
import { createPresigner } from 'upgrant';
import 'upgrant/s3';
import 'upgrant/gcs';
import 'upgrant/local';
import { PROVIDERS, RSA_KEY } from './params.js';

const clock = () => new Date('2026-03-04T05:06:07Z');
const secret = 's'.repeat(32);
const CONFIGS = {
  s3: { provider: 's3', bucket: 'uploads', region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } },
  azure: { provider: 'azure', bucket: 'uploads', accountName: 'devstoreaccount1', accountKey: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==', endpoint: 'http://127.0.0.1:10000/devstoreaccount1' },
  gcsHmac: { provider: 'gcs', bucket: 'uploads', hmacKey: { accessId: 'GOOG1EXAMPLE', secret: 'bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ' }, projectId: 'p' },
  gcsRsa: { provider: 'gcs', bucket: 'uploads', credentials: { client_email: 'signer@p.iam.gserviceaccount.com', private_key: RSA_KEY }, projectId: 'p' },
  local: { provider: 'local', root: '/tmp/upgrant-runtime-test', baseUrl: 'http://127.0.0.1:8787/storage', secret },
};
const checksum = { sha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' };

export async function makeGrants() {
  const out = {};
  if (PROVIDERS.includes('azure')) await import('upgrant/azure');
  for (const name of PROVIDERS) {
    const config = CONFIGS[name];
    const presigner = await createPresigner({ secret, clock, ...config });
    const put = await presigner.createUploadGrant({ key: `a/${name}.png`, contentType: 'image/png', size: 1, checksum, expiresIn: 600 });
    const range = await presigner.createUploadGrant({ key: `b/${name}.png`, contentType: 'image/png', maxSize: 1000, expiresIn: 600 }).catch((e) => ({ error: e.code }));
    const download = await presigner.createDownloadGrant({ key: `a/${name}.png`, expiresIn: 60, filename: 'a.png' });
    out[name] = [put, range, download].map(({ token: _token, ...rest }) => rest);
  }
  return out;
}
