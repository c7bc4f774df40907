// User delegation SAS (Entra ID): the delegation key cache on a fake clock, then real grants on
// Azurite over HTTPS (self-signed certificate made by the test) with `--oauth basic` and a bearer
// token carrying the claims Azurite reads (it does not check the token's signature).
import { expect } from 'chai';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import https from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { createDriver, DelegationKeyCache, MAX_DELEGATED_GRANT_S } from '../../drivers/azure/index.js';
import type { FetchedDelegationKey } from '../../drivers/azure/delegation.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { Presigner, UploadGrant } from '../../src/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite, type Azurite } from '../support/azurite.js';
import { makePng, stamp } from '../support/sample-files.js';
import { skipOrFail } from '../support/required.js';

const SECRET = 'azure-udk-test-secret-0123456789abcdef';
const BUCKET = 'uploads';
const DAY = 86400_000;

describe('azure user delegation key cache', () => {
  function fakeFetch(now: () => number) {
    const calls: Array<[Date, Date]> = [];
    const answers: Promise<unknown>[] = [];
    const fetch = async (startsOn: Date, expiresOn: Date): Promise<FetchedDelegationKey> => {
      calls.push([startsOn, expiresOn]);
      // Answer on a later turn of the event loop, as a real request would.
      const turn = new Promise((r) => setImmediate(r));
      answers.push(turn);
      await turn;
      return {
        signedObjectId: 'oid', signedTenantId: 'tid', signedStartsOn: startsOn, signedExpiresOn: expiresOn,
        signedService: 'b', signedVersion: '2025-11-05', value: Buffer.from(`key-${calls.length}-${now()}`).toString('base64'),
      };
    };
    /** Resolves once every fetch so far has answered and the cache has taken the answer. */
    const settled = async () => {
      await Promise.all(answers);
      await new Promise((r) => setImmediate(r));
    };
    return { calls, fetch, settled };
  }

  it('fetches once for many grants, concurrent first grants included, with a key of ~7 days', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const { calls, fetch } = fakeFetch(() => t);
    const cache = new DelegationKeyCache(fetch, () => t);
    const keys = await Promise.all(Array.from({ length: 50 }, () => cache.get(new Date(t + 300_000))));
    for (let i = 0; i < 1000; i++) keys.push(await cache.get(new Date(t + 3600_000)));
    expect(calls).to.have.length(1);
    expect(new Set(keys).size).to.equal(1);
    const [start, end] = calls[0] as [Date, Date];
    expect(start.getTime()).to.equal(t - 5 * 60_000);
    expect(end.getTime() - t).to.be.within(7 * DAY - 120_000, 7 * DAY);
    t += 12 * 3600_000;
    await cache.get(new Date(t + 300_000));
    expect(calls, 'still well within its life: no renewal').to.have.length(1);
  });

  it('renews in the background a day into the key, while the kept key keeps signing', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const { calls, fetch, settled } = fakeFetch(() => t);
    const cache = new DelegationKeyCache(fetch, () => t);
    const first = await cache.get(new Date(t + 300_000));
    t += DAY + 60_000;
    const during = await cache.get(new Date(t + 300_000));
    expect(during, 'answered from the kept key without waiting').to.equal(first);
    expect(calls).to.have.length(2);
    await settled();
    const after = await cache.get(new Date(t + 300_000));
    expect(after).to.not.equal(first);
    expect(after.fields.signedExpiresOn.getTime() - t).to.be.greaterThan(MAX_DELEGATED_GRANT_S * 1000);
    expect(calls).to.have.length(2);
  });

  it('waits for a new key only when the kept one cannot cover the grant', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const { calls, fetch } = fakeFetch(() => t);
    const cache = new DelegationKeyCache(fetch, () => t);
    await cache.get(new Date(t + 60_000));
    t += 6.5 * DAY;
    const key = await cache.get(new Date(t + DAY));
    expect(calls).to.have.length(2);
    expect(key.fields.signedExpiresOn.getTime()).to.be.greaterThan(t + DAY);
  });
});

/** A bearer token with the claims Azurite checks (iss, aud, nbf, iat, exp) plus oid/tid. */
function fakeEntraCredential(tenant: string, objectId: string): TokenCredential {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return {
    async getToken(): Promise<AccessToken> {
      const now = Math.floor(Date.now() / 1000);
      const token = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: `https://sts.windows.net/${tenant}/`, aud: 'https://storage.azure.com', nbf: now - 60, iat: now - 60, exp: now + 3600, oid: objectId, tid: tenant })}.${randomBytes(32).toString('base64url')}`;
      return { token, expiresOnTimestamp: (now + 3600) * 1000 };
    },
  };
}

function httpsPut(grant: UploadGrant, body: Uint8Array, ca: string, headers: Record<string, string | undefined> = {}): Promise<number> {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...grant.headers, ...headers })) if (value !== undefined) merged[name] = value;
  return new Promise((resolve, reject) => {
    const request = https.request(grant.url, { method: 'PUT', ca, headers: { ...merged, 'content-length': String(body.length) } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('azure user delegation SAS on Azurite (HTTPS, --oauth basic)', function () {
  this.timeout(60_000);
  let azurite: Azurite;
  let admin: BlobServiceClient;
  let presigner: Presigner;
  /** The same driver (and delegation key) on a clock two hours behind: its grants are expired on arrival. */
  let behind: Presigner;
  let keyRequests = 0;
  const tenant = randomUUID();
  const objectId = randomUUID();

  before(async function () {
    const missing = await azuriteMissing({ https: true });
    if (missing) {
      skipOrFail(`Azurite over HTTPS`, missing, `user delegation SAS tests`);
      this.skip();
    }
    azurite = await startAzurite({ https: true });
    // The SDK passes tlsOptions through to its pipeline; StoragePipelineOptions does not declare it.
    const tls = { tlsOptions: { ca: azurite.ca } } as StoragePipelineOptions;
    admin = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), tls);
    await admin.createContainer(BUCKET);
    const client = new BlobServiceClient(azurite.endpoint, fakeEntraCredential(tenant, objectId), tls);
    const fetchKey = client.getUserDelegationKey.bind(client);
    client.getUserDelegationKey = (...args) => {
      keyRequests += 1;
      return fetchKey(...args);
    };
    const driver = await createDriver({ bucket: BUCKET, accountName: AZURITE_ACCOUNT, endpoint: azurite.endpoint, client, httpsOnly: true });
    expect(driver.limits.maxExpiresIn).to.equal(MAX_DELEGATED_GRANT_S);
    presigner = new PortablePresigner(driver, { secret: SECRET, staging: 'never' });
    behind = new PortablePresigner(driver, { secret: SECRET, staging: 'never', clock: () => new Date(Date.now() - 2 * 3600_000) });
  });

  after(async () => {
    await presigner?.close();
    await azurite?.stop();
  });

  const exists = (k: string) => admin.getContainerClient(BUCKET).getBlobClient(k).exists();
  const newKey = () => `udk/${randomBytes(6).toString('hex')}.bin`;

  it('signs with the delegation key (skoid/sktid/...), spr=https; the upload lands and verifies', async () => {
    const body = stamp(randomBytes(1000), makePng());
    const md5 = createHash('md5').update(body).digest('base64');
    const grant = await presigner.createUploadGrant({ key: newKey(), contentType: 'image/png', size: 1000, checksum: { md5 } });
    const q = new URL(grant.url).searchParams;
    expect(q.get('skoid')).to.equal(objectId);
    expect(q.get('sktid')).to.equal(tenant);
    expect(q.get('sks')).to.equal('b');
    expect(q.get('sp')).to.equal('c');
    expect(q.get('spr')).to.equal('https');
    expect(await httpsPut(grant, body, azurite.ca as string)).to.equal(201);
    expect(await presigner.verifyUpload(grant.token)).to.deep.include({ size: 1000, contentType: 'image/png' });
  });

  it('requests the delegation key once for many grants', async () => {
    for (let i = 0; i < 25; i++) await presigner.createUploadGrant({ key: newKey(), contentType: 'text/plain', size: 1 });
    expect(keyRequests).to.equal(1);
  });

  it('Azurite refuses replay (403), tampering (403), another key (403), expiry (403) and a wrong Content-MD5 (400)', async () => {
    const ca = azurite.ca as string;
    const body = randomBytes(16);
    const md5 = createHash('md5').update(body).digest('base64');
    const grant = await presigner.createUploadGrant({ key: newKey(), contentType: 'text/plain', size: 16, checksum: { md5 } });
    expect(await httpsPut(grant, randomBytes(16), ca), 'wrong Content-MD5').to.equal(400);
    expect(await httpsPut({ ...grant, url: grant.url.replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A')) }, body, ca), 'tampered').to.equal(403);
    expect(await httpsPut({ ...grant, url: grant.url.replace(/skoid=[^&]+/, `skoid=${randomUUID()}`) }, body, ca), 'other skoid').to.equal(403);
    const other = newKey();
    expect(await httpsPut({ ...grant, url: grant.url.replace(grant.key, other) }, body, ca), 'other key').to.equal(403);
    expect(await httpsPut(grant, body, ca)).to.equal(201);
    expect(await httpsPut(grant, body, ca), 'replay').to.equal(403);
    // A grant that ended an hour ago, signed with the same (still valid) delegation key: Azurite
    // checks the key's window and the grant's st/se against its own clock, so only `se` is wrong.
    const expiredGrant = await behind.createUploadGrant({ key: newKey(), contentType: 'text/plain', size: 16, expiresIn: 3600 });
    expect(Date.parse(expiredGrant.expiresAt)).to.be.below(Date.now());
    expect(await httpsPut(expiredGrant, body, ca), 'expired').to.equal(403);
    expect(await exists(other)).to.equal(false);
    expect(await exists(expiredGrant.key)).to.equal(false);
  });
});
