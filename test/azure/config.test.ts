// Configuration of the Azure driver, without any network: every credential form, and a ConfigError
// naming the variable to fix for each mistake.
import { expect } from 'chai';
import https from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { createDriver, MAX_DELEGATED_GRANT_S, MAX_PUT_BLOB_BYTES } from '../../drivers/azure/index.js';
import type { AzureDriverOptions } from '../../drivers/azure/options.js';
import { createPresigner } from '../../src/create-presigner.js';
import { ConfigError } from '../../src/errors.js';
import type { GrantConstraints } from '../../src/types.js';
import { withoutNetwork } from '../support/network-guard.js';

const KEY = Buffer.alloc(64, 7).toString('base64');
const constraints: GrantConstraints = { contentType: 'image/png', minSize: 1, maxSize: 1, createOnly: true };
const neverCalled: TokenCredential = {
  getToken(): Promise<AccessToken> {
    throw new Error('no token may be requested while building a driver');
  },
};

async function configError(options: Partial<AzureDriverOptions>): Promise<ConfigError> {
  const error = await createDriver({ bucket: 'uploads', ...options } as AzureDriverOptions).then(() => undefined, (e: unknown) => e);
  expect(error).to.be.instanceOf(ConfigError);
  return error as ConfigError;
}

async function uploadUrl(options: Partial<AzureDriverOptions>): Promise<URL> {
  const driver = await createDriver({ bucket: 'uploads', ...options } as AzureDriverOptions);
  const signed = await driver.signUpload({ key: 'k.png', method: 'PUT', constraints, expiresIn: 60, now: new Date() });
  return new URL(signed.url);
}

describe('azure driver configuration', () => {
  it('without credentials names AZURE_STORAGE_CONNECTION_STRING (and the alternatives)', async () => {
    const error = await configError({});
    expect(error.variable).to.equal('AZURE_STORAGE_CONNECTION_STRING');
    expect(error.message).to.include('AZURE_STORAGE_ACCOUNT').and.include('AZURE_STORAGE_KEY');
    // Through createPresigner's lazy import() the driver may be a second module instance under tsx
    // (tests load as CommonJS, import() as ESM), so compare the stable `code`, not the class.
    const viaPresigner = await createPresigner({ provider: 'azure', bucket: 'uploads', secret: 'x'.repeat(32) }).then(() => undefined, (e: unknown) => e);
    expect(viaPresigner).to.include({ code: 'config', variable: 'AZURE_STORAGE_CONNECTION_STRING' });
  });

  it('names UPGRANT_BUCKET for an invalid container name', async () => {
    for (const bucket of ['', 'Uploads', 'a', 'up--loads', '-up', 'a'.repeat(64)]) {
      const error = await configError({ bucket, connectionString: 'UseDevelopmentStorage=true' });
      expect(error.variable, bucket).to.equal('UPGRANT_BUCKET');
    }
  });

  it('names AZURE_STORAGE_ACCOUNT / AZURE_STORAGE_KEY for a bad account name or key', async () => {
    expect((await configError({ accountName: 'Bad_Name', accountKey: KEY })).variable).to.equal('AZURE_STORAGE_ACCOUNT');
    expect((await configError({ accountName: 'goodname', accountKey: 'not base64!' })).variable).to.equal('AZURE_STORAGE_KEY');
  });

  it('names AZURE_STORAGE_CONNECTION_STRING for a connection string that cannot sign', async () => {
    const sas = await configError({ connectionString: 'BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=sv=2025-11-05&sig=abc' });
    expect(sas.variable).to.equal('AZURE_STORAGE_CONNECTION_STRING');
    expect(sas.message).to.include('SAS connection string');
    expect((await configError({ connectionString: 'AccountName=acct;AccountKey=%%%' })).variable).to.equal('AZURE_STORAGE_CONNECTION_STRING');
    expect((await configError({ connectionString: 'garbage' })).variable).to.equal('AZURE_STORAGE_CONNECTION_STRING');
  });

  it('UseDevelopmentStorage=true is Azurite on 127.0.0.1:10000, http, no spr', async () => {
    const url = await uploadUrl({ connectionString: 'UseDevelopmentStorage=true' });
    expect(`${url.origin}${url.pathname}`).to.equal('http://127.0.0.1:10000/devstoreaccount1/uploads/k.png');
    expect(url.searchParams.has('spr')).to.equal(false);
  });

  it('an explicit connection string without BlobEndpoint targets the account host with spr=https', async () => {
    const url = await uploadUrl({ connectionString: `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net` });
    expect(`${url.origin}${url.pathname}`).to.equal('https://acct.blob.core.windows.net/uploads/k.png');
    expect(url.searchParams.get('spr')).to.equal('https');
  });

  it('signs account-key grants without any network I/O (connections and DNS refused and counted)', async () => {
    const urls: string[] = [];
    const used = await withoutNetwork(async () => {
      const driver = await createDriver({ bucket: 'uploads', accountName: 'acct', accountKey: KEY });
      for (let i = 0; i < 200; i++) urls.push((await driver.signUpload({ key: `k/${i}.png`, method: 'PUT', constraints, expiresIn: 300, now: new Date() })).url);
      expect(driver.limits).to.deep.equal({ maxObjectSize: MAX_PUT_BLOB_BYTES, maxExpiresIn: 7 * 86400 });
    });
    expect(used).to.deep.equal({ connections: [], lookups: [] });
    expect(new Set(urls).size).to.equal(200);
    expect(new URL(urls[0]!).searchParams.get('sig')).to.match(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('the network guard of that test does see requests (fetch, https, a host name to look up)', async () => {
    // Loopback only, so nothing leaves the machine even if the guard were broken.
    const used = await withoutNetwork(async () => {
      await fetch('https://127.0.0.1:4/acct').catch(() => undefined);
      await new Promise<void>((resolve) => https.get('https://127.0.0.1:2/acct', () => resolve()).on('error', () => resolve()));
      await new Promise<void>((resolve) => https.get('https://localhost:3/acct', () => resolve()).on('error', () => resolve()));
    });
    expect(used.connections).to.include.members(['127.0.0.1:4', '127.0.0.1:2']);
    expect(used.lookups.concat(used.connections).some((t) => t.startsWith('localhost'))).to.equal(true);
  });

  it('an account name alone means Entra ID user delegation, with grants capped at 6 days; nothing is fetched until a grant', async () => {
    const driver = await createDriver({ bucket: 'uploads', accountName: 'acct', credential: neverCalled });
    expect(driver.limits.maxExpiresIn).to.equal(MAX_DELEGATED_GRANT_S);
    expect(MAX_PUT_BLOB_BYTES).to.equal(5000 * 1024 * 1024);
  });
});
