// The demo's defaults live in src/cli: the CLI fills the local provider's public URL from PORT
// (the library's loadConfig does not), and a bad PORT is named.
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { withDemoDefaults } from '../../src/cli/serve-settings.js';

describe('demo defaults (src/cli/serve-settings.ts)', () => {
  const SECRET = 'serve-settings-secret-0123456789abcdef';

  it('points local grants at the receiver upgrant serve runs on PORT (8787 by default)', () => {
    expect(loadConfig(withDemoDefaults({ UPGRANT_SECRET: SECRET }))).to.deep.include({ baseUrl: 'http://127.0.0.1:8787/storage' });
    expect(loadConfig(withDemoDefaults({ UPGRANT_SECRET: SECRET, PORT: '9000' }))).to.deep.include({ baseUrl: 'http://127.0.0.1:9000/storage' });
    expect(loadConfig(withDemoDefaults({ UPGRANT_SECRET: SECRET, UPGRANT_PUBLIC_URL: 'https://files.example.test/up' }))).to.deep.include({ baseUrl: 'https://files.example.test/up' });
  });

  it('leaves other providers alone and names PORT when it is not a port', () => {
    const s3 = { UPGRANT_PROVIDER: 's3', UPGRANT_BUCKET: 'b-1' };
    expect(withDemoDefaults(s3)).to.equal(s3);
    for (const port of ['99999', 'http', '-1']) {
      const error = (() => {
        try {
          withDemoDefaults({ PORT: port });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, port).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).variable).to.equal('PORT');
    }
  });
});
