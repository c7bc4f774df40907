// The credential cache: a grant never waits on the credential chain except on first use or when
// the cached credentials are within a minute of expiring; within five minutes it refreshes in the
// background and keeps signing with the current ones.
import { expect } from 'chai';
import { CredentialCache, type ExpiringCredentials } from '../../drivers/s3/credentials.js';
import { ConfigError } from '../../src/errors.js';

function source(expiresInMs: (call: number) => number | undefined) {
  let calls = 0;
  const fn = async (): Promise<ExpiringCredentials> => {
    calls += 1;
    const ms = expiresInMs(calls);
    return { accessKeyId: `AKID${calls}`, secretAccessKey: 's', ...(ms === undefined ? {} : { expiration: new Date(Date.now() + ms) }) };
  };
  return { fn, calls: () => calls };
}

describe('s3 driver: credential cache', function () {
  it('resolves once, then serves from the cache', async function () {
    const s = source(() => 3600_000);
    const cache = new CredentialCache(s.fn);
    await Promise.all([cache.get(), cache.get(), cache.get()]);
    for (let i = 0; i < 100; i++) expect((await cache.get()).accessKeyId).to.equal('AKID1');
    expect(s.calls()).to.equal(1);
  });

  it('refreshes in the background when under five minutes remain, serving the current ones meanwhile', async function () {
    const s = source((call) => (call === 1 ? 120_000 : 3600_000));
    const cache = new CredentialCache(s.fn);
    expect((await cache.get()).accessKeyId).to.equal('AKID1');
    expect((await cache.get()).accessKeyId, 'still the current ones').to.equal('AKID1');
    await new Promise((r) => setImmediate(r));
    expect(s.calls()).to.equal(2);
    expect((await cache.get()).accessKeyId).to.equal('AKID2');
  });

  it('waits for fresh credentials when under a minute remains', async function () {
    const s = source((call) => (call === 1 ? 30_000 : 3600_000));
    const cache = new CredentialCache(s.fn);
    await cache.get();
    expect((await cache.get()).accessKeyId).to.equal('AKID2');
  });

  it('turns a failing chain into ConfigError naming AWS_ACCESS_KEY_ID, keeping the cause', async function () {
    const failure = new Error('no providers');
    const error = await new CredentialCache(() => Promise.reject(failure)).get().then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).variable).to.equal('AWS_ACCESS_KEY_ID');
    expect((error as Error).cause).to.equal(failure);
  });

  it('caches the derived signing key per secret and date', async function () {
    const { SigV4Signer } = await import('../../drivers/s3/sigv4.js');
    const signer = new SigV4Signer('us-east-1');
    const a = signer.signingKey('secret', '20260101');
    expect(signer.signingKey('secret', '20260101')).to.equal(a);
    expect(signer.signingKey('secret', '20260102')).to.not.equal(a);
    expect(signer.signingKey('other', '20260101').equals(a)).to.equal(false);
  });
});
