// Run unchanged on Node, Bun, Deno and (bundled by wrangler) in workerd: grants of each driver and
// signing scheme named in PROVIDERS, with a fixed clock, as JSON. The caller compares the
// runtimes' outputs, everything the storage checks (URL, signature, headers, fields, expiry,
// enforcement). Two things are random per grant and pinned here so the outputs can be compared:
// the grant id (staging 'never', so no staging key names it) and the record the object carries
// (the token, which holds the id; the driver signs a fixed record instead). Tokens are left out.
import { PortablePresigner } from 'upgrant';
import { createDriver as s3Driver } from 'upgrant/s3';
import { createDriver as gcsDriver } from 'upgrant/gcs';
import { createDriver as localDriver } from 'upgrant/local';
import { PROVIDERS, RSA_KEY } from './params.js';

export const RECORD = 'v1.runtime-test-record.0';

/** The driver, its signUpload given RECORD as the record to sign in place of the grant's token. */
export function pinnedRecord(driver) {
  return new Proxy(driver, {
    get(target, name) {
      if (name === 'signUpload') return (request) => target.signUpload({ ...request, record: RECORD });
      const value = target[name];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const clock = () => new Date('2026-03-04T05:06:07Z');
const secret = 's'.repeat(32);
const CONFIGS = {
  s3: { provider: 's3', bucket: 'uploads', region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } },
  azure: { provider: 'azure', bucket: 'uploads', accountName: 'devstoreaccount1', accountKey: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==', endpoint: 'http://127.0.0.1:10000/devstoreaccount1' },
  gcsHmac: { provider: 'gcs', bucket: 'uploads', hmacKey: { accessId: 'GOOG1EXAMPLE', secret: 'bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ' }, projectId: 'p' },
  gcsRsa: { provider: 'gcs', bucket: 'uploads', credentials: { client_email: 'signer@p.iam.gserviceaccount.com', private_key: RSA_KEY }, projectId: 'p' },
  // Relative: the app's own temp dir (each runtime's cwd), where the driver makes its bucket directory.
  local: { provider: 'local', root: 'storage', baseUrl: 'http://127.0.0.1:8787/storage', secret },
};
const checksum = { sha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' };

export async function makeGrants() {
  const out = {};
  const drivers = { s3: s3Driver, gcs: gcsDriver, local: localDriver };
  if (PROVIDERS.includes('azure')) drivers.azure = (await import('upgrant/azure')).createDriver;
  for (const name of PROVIDERS) {
    const config = CONFIGS[name];
    const presigner = new PortablePresigner(pinnedRecord(await drivers[config.provider](config)), { secret, clock, staging: 'never', ...config });
    const put = await presigner.createUploadGrant({ key: `a/${name}.png`, contentType: 'image/png', size: 1, checksum, expiresIn: 600 });
    const range = await presigner.createUploadGrant({ key: `b/${name}.png`, contentType: 'image/png', maxSize: 1000, expiresIn: 600 }).catch((e) => ({ error: e.code }));
    const download = await presigner.createDownloadGrant({ key: `a/${name}.png`, expiresIn: 60, filename: 'a.png' });
    out[name] = [put, range, download].map(({ token: _token, ...rest }) => rest);
  }
  return out;
}
