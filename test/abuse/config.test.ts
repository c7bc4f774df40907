// The variables this hardening adds: each bad value is one ConfigError naming it.
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/index.js';
import { readServeSettings } from '../../src/cli/serve-settings.js';

const SECRET = 'abuse-config-secret-0123456789abcdef0123';
const URL = 'http://127.0.0.1:8787/storage';

function error(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('accepted');
}

describe('abuse: configuration of rotation, grace, timeouts and hosts', () => {
  it('reads UPGRANT_PREVIOUS_SECRETS and UPGRANT_VERIFY_GRACE', () => {
    const config = loadConfig({ UPGRANT_SECRET: SECRET, UPGRANT_PUBLIC_URL: URL, UPGRANT_PREVIOUS_SECRETS: ` ${'a'.repeat(32)} ,${'b'.repeat(40)}`, UPGRANT_VERIFY_GRACE: '3600' });
    expect(config.previousSecrets).to.deep.equal(['a'.repeat(32), 'b'.repeat(40)]);
    expect(config.verifyGrace).to.equal(3600);
    expect(loadConfig({ UPGRANT_SECRET: SECRET, UPGRANT_PUBLIC_URL: URL })).not.to.have.property('verifyGrace');
  });

  it('refuses a short previous secret and a grace that is not whole seconds within 7 days', () => {
    expect(error(() => loadConfig({ UPGRANT_SECRET: SECRET, UPGRANT_PUBLIC_URL: URL, UPGRANT_PREVIOUS_SECRETS: 'short' })).variable).to.equal('UPGRANT_PREVIOUS_SECRETS');
    for (const grace of ['-1', '1.5', '1e3', '604801', 'day', '01']) {
      expect(error(() => loadConfig({ UPGRANT_SECRET: SECRET, UPGRANT_PUBLIC_URL: URL, UPGRANT_VERIFY_GRACE: grace })).variable, grace).to.equal('UPGRANT_VERIFY_GRACE');
    }
  });

  it('reads the serve timeouts and allowed hosts, refusing bad ones', () => {
    expect(readServeSettings({ UPGRANT_BODY_TIMEOUT: '30', UPGRANT_HEADERS_TIMEOUT: '5', UPGRANT_ALLOWED_HOSTS: 'Demo.Example.com, 10.0.0.5:8787' })).to.deep.equal({
      bodyIdleTimeoutMs: 30_000,
      headersTimeoutMs: 5_000,
      allowedHosts: ['demo.example.com', '10.0.0.5:8787'],
    });
    expect(readServeSettings({})).to.deep.equal({});
    expect(error(() => readServeSettings({ UPGRANT_BODY_TIMEOUT: '0' })).variable).to.equal('UPGRANT_BODY_TIMEOUT');
    expect(error(() => readServeSettings({ UPGRANT_HEADERS_TIMEOUT: 'soon' })).variable).to.equal('UPGRANT_HEADERS_TIMEOUT');
    expect(error(() => readServeSettings({ UPGRANT_ALLOWED_HOSTS: 'http://x.example/' })).variable).to.equal('UPGRANT_ALLOWED_HOSTS');
  });
});
