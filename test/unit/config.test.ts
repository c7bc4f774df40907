import { expect } from 'chai';
import { Container } from 'inversify';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, PRESIGNER, presignerFromEnv, presignerModule, type Presigner } from '../../src/index.js';

const SECRET = 'config-test-secret-0123456789abcdef0123';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('configuration from the environment', () => {
  it('defaults to the local provider, whose public URL it must be told (the demo default is the CLI\'s)', () => {
    const config = loadConfig({ UPGRANT_SECRET: SECRET, UPGRANT_PUBLIC_URL: 'http://127.0.0.1:8787/storage' });
    expect(config.provider).to.equal('local');
    expect(config).to.deep.include({ baseUrl: 'http://127.0.0.1:8787/storage', bucket: 'local' });
    expect(configError({ UPGRANT_SECRET: SECRET }).variable).to.equal('UPGRANT_PUBLIC_URL');
  });

  it('makes a random secret for local development only', () => {
    const a = loadConfig({ UPGRANT_PUBLIC_URL: 'http://127.0.0.1:1' });
    const b = loadConfig({ UPGRANT_PUBLIC_URL: 'http://127.0.0.1:1' });
    expect(a.secret).to.have.length.greaterThan(32);
    expect(a.secret).to.not.equal(b.secret);
    expect(configError({ NODE_ENV: 'production' }).variable).to.equal('UPGRANT_SECRET');
    expect(configError({ UPGRANT_PROVIDER: 's3', UPGRANT_BUCKET: 'b-1' }).variable).to.equal('UPGRANT_SECRET');
  });

  const bad: Array<[string, Record<string, string>, string]> = [
    ['an unknown provider', { UPGRANT_PROVIDER: 'ftp' }, 'UPGRANT_PROVIDER'],
    ['a short secret', { UPGRANT_SECRET: 'short' }, 'UPGRANT_SECRET'],
    ['a bad bucket name', { UPGRANT_BUCKET: 'Not_A_Bucket' }, 'UPGRANT_BUCKET'],
    ['a missing bucket on s3', { UPGRANT_PROVIDER: 's3' }, 'UPGRANT_BUCKET'],
    ['a bad max expiry', { UPGRANT_MAX_EXPIRES: '8d' }, 'UPGRANT_MAX_EXPIRES'],
    ['a max expiry over 7 days', { UPGRANT_MAX_EXPIRES: '604801' }, 'UPGRANT_MAX_EXPIRES'],
    ['a bad allowed type', { UPGRANT_ALLOWED_TYPES: 'image/*,pdf' }, 'UPGRANT_ALLOWED_TYPES'],
    ['a bad strict flag', { UPGRANT_STRICT: 'maybe' }, 'UPGRANT_STRICT'],
    ['an unknown staging policy', { UPGRANT_STAGING: 'sometimes' }, 'UPGRANT_STAGING'],
    ['a staging prefix without a trailing slash', { UPGRANT_STAGING_PREFIX: 'staging' }, 'UPGRANT_STAGING_PREFIX'],
    ['a staging prefix with a ".." segment', { UPGRANT_STAGING_PREFIX: 'a/../' }, 'UPGRANT_STAGING_PREFIX'],
    ['a bad content check mode', { UPGRANT_CONTENT_CHECK: 'paranoid' }, 'UPGRANT_CONTENT_CHECK'],
    ['a bad content check allow-list', { UPGRANT_CONTENT_CHECK_ALLOW: 'application/x-a,zip' }, 'UPGRANT_CONTENT_CHECK_ALLOW'],
    ['a bad public URL', { UPGRANT_PUBLIC_URL: 'localhost:8787' }, 'UPGRANT_PUBLIC_URL'],
    ['a bad S3 endpoint', { UPGRANT_PROVIDER: 's3', UPGRANT_BUCKET: 'b-1', AWS_ENDPOINT_URL_S3: 'nope' }, 'AWS_ENDPOINT_URL_S3'],
    ['a half-given AWS key', { UPGRANT_PROVIDER: 's3', UPGRANT_BUCKET: 'b-1', AWS_ACCESS_KEY_ID: 'AKIA' }, 'AWS_SECRET_ACCESS_KEY'],
    ['a bad POST-uploads flag', { UPGRANT_PROVIDER: 's3', UPGRANT_BUCKET: 'b-1', UPGRANT_S3_POST_UPLOADS: '2' }, 'UPGRANT_S3_POST_UPLOADS'],
    ['a bad conditional-writes flag', { UPGRANT_PROVIDER: 's3', UPGRANT_BUCKET: 'b-1', UPGRANT_S3_CONDITIONAL_WRITES: 'sometimes' }, 'UPGRANT_S3_CONDITIONAL_WRITES'],
    ['an unknown S3-compatible profile', { UPGRANT_PROVIDER: 's3', UPGRANT_BUCKET: 'b-1', UPGRANT_S3_COMPAT: 'wasabi' }, 'UPGRANT_S3_COMPAT'],
    ['no Azure credentials', { UPGRANT_PROVIDER: 'azure', UPGRANT_BUCKET: 'c-1' }, 'AZURE_STORAGE_CONNECTION_STRING'],
    ['an Azure key without account', { UPGRANT_PROVIDER: 'azure', UPGRANT_BUCKET: 'c-1', AZURE_STORAGE_KEY: 'a2V5' }, 'AZURE_STORAGE_ACCOUNT'],
    ['a half-given GCS HMAC key', { UPGRANT_PROVIDER: 'gcs', UPGRANT_BUCKET: 'b-1', UPGRANT_GCS_HMAC_ACCESS_ID: 'GOOG1' }, 'UPGRANT_GCS_HMAC_SECRET'],
    ['a bad signer email', { UPGRANT_PROVIDER: 'gcs', UPGRANT_BUCKET: 'b-1', UPGRANT_GCS_SIGNER_EMAIL: 'nobody' }, 'UPGRANT_GCS_SIGNER_EMAIL'],
  ];
  for (const [title, env, variable] of bad) {
    it(`names ${variable} for ${title}`, () => {
      const error = configError({ UPGRANT_SECRET: SECRET, ...env });
      expect(error.variable).to.equal(variable);
      expect(error.message.startsWith(`${variable}: `)).to.equal(true);
      expect(error.message.split('\n')).to.have.length(1);
    });
  }

  it('reads every provider setting', () => {
    expect(
      loadConfig({
        UPGRANT_SECRET: SECRET,
        UPGRANT_PROVIDER: 's3',
        UPGRANT_BUCKET: 'my-bucket',
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:8085',
        UPGRANT_S3_FORCE_PATH_STYLE: '1',
        UPGRANT_S3_COMPAT: 'Ceph',
        UPGRANT_S3_CONDITIONAL_WRITES: '0',
        UPGRANT_S3_SHA256_CHECKSUMS: 'false',
        UPGRANT_S3_POST_UPLOADS: 'no',
        UPGRANT_STRICT: '1',
        UPGRANT_STAGING: 'Always',
        UPGRANT_STAGING_PREFIX: '_staging/up/',
        UPGRANT_MAX_EXPIRES: '600',
        UPGRANT_ALLOWED_TYPES: 'image/*, application/PDF',
        UPGRANT_CONTENT_CHECK: 'Strict',
        UPGRANT_CONTENT_CHECK_ALLOW: 'application/x-custom, font/*',
      }),
    ).to.deep.include({
      bucket: 'my-bucket',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:8085',
      forcePathStyle: true,
      compat: 'ceph',
      conditionalWrites: false,
      sha256Checksums: false,
      postUploads: false,
      strict: true,
      staging: 'always',
      stagingPrefix: '_staging/up/',
      maxExpiresIn: 600,
      allowedTypes: ['image/*', 'application/pdf'],
      contentCheck: 'strict',
      contentCheckAllowed: ['application/x-custom', 'font/*'],
    });
  });

  describe('dependency injection', () => {
    let root: string;
    before(async () => (root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-di-'))));
    after(() => rm(root, { recursive: true, force: true }));

    it('resolves a Presigner from the environment through inversify', async () => {
      const container = new Container();
      // The direct path (no staging): the URL names the key itself.
      container.load(presignerModule(loadConfig({ UPGRANT_SECRET: SECRET, UPGRANT_PUBLIC_URL: 'http://127.0.0.1:1', UPGRANT_LOCAL_ROOT: root, UPGRANT_ALLOWED_TYPES: 'image/*', UPGRANT_STAGING: 'never' })));
      const presigner = await container.getAsync<Presigner>(PRESIGNER);
      expect(presigner.provider).to.equal('local');
      expect(await container.getAsync(PRESIGNER)).to.equal(presigner);
      const grant = await presigner.createUploadGrant({ key: 'a.png', contentType: 'image/png', size: 1 });
      expect(grant.url).to.match(/^http:\/\/127\.0\.0\.1:1\/local\/a\.png\?/);
      const refused = await presigner.createUploadGrant({ key: 'a.pdf', contentType: 'application/pdf', size: 1 }).catch((e: Error) => e);
      expect(refused).to.have.property('field', 'contentType');
    });

    it('builds the same from presignerFromEnv', async () => {
      const presigner = await presignerFromEnv({ UPGRANT_SECRET: SECRET, UPGRANT_PUBLIC_URL: 'http://127.0.0.1:1', UPGRANT_LOCAL_ROOT: root, UPGRANT_BUCKET: 'pics' });
      expect(presigner.bucket).to.equal('pics');
    });
  });
});
