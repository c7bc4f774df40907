// The driver registry through the container: an app registers its own driver (an in-memory one
// here) and selects it with UPGRANT_PROVIDER, touching nothing in upgrant; the built-in drivers'
// bucket rules; presignerFromEnv(env) sees only env; unbinding PRESIGNER closes it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Container } from 'inversify';
import type { Driver, DriverRegistration, ObjectInfo } from '../../drivers/driver.js';
import { BUILT_IN_DRIVERS } from '../../drivers/built-in.js';
import { createDriver as createLocalDriver } from '../../drivers/local/factory.js';
import { loadConfig, presignerFromEnv } from '../../src/config.js';
import { DRIVER, driverModule, PRESIGNER, presignerFromEnvModule, presignerModule, presignerOnDriverModule } from '../../src/container.js';
import { ConfigError } from '../../src/errors.js';

const SECRET = 's'.repeat(32);

interface MemoryOptions {
  bucket: string;
  /** From MEMORY_BASE_URL, to show optionsFromEnv reaching the factory. */
  baseUrl: string;
}

/** A whole driver in a few lines: objects in a Map, "signed" URLs that name the key. */
class MemoryDriver implements Driver {
  readonly name = 'memory';
  readonly limits = { maxObjectSize: 1024, maxExpiresIn: 3600 };
  readonly objects = new Map<string, ObjectInfo>();
  closed = 0;
  constructor(readonly bucket: string, readonly baseUrl: string) {}
  uploadMethods() {
    return ['PUT'] as const;
  }
  enforcement() {
    return { createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'storage' } as const;
  }
  async signUpload(request: { key: string; expiresIn: number }) {
    return { url: `${this.baseUrl}/${this.bucket}/${request.key}?expires=${request.expiresIn}`, headers: {} };
  }
  async signDownload(request: { key: string }) {
    return { url: `${this.baseUrl}/${this.bucket}/${request.key}`, headers: {} };
  }
  async head(key: string) {
    return this.objects.get(key);
  }
  async read(): Promise<AsyncIterable<Uint8Array>> {
    return (async function* () {})();
  }
  async readRange() {
    return new Uint8Array();
  }
  async delete(key: string) {
    this.objects.delete(key);
  }
  async close() {
    this.closed++;
  }
}

const made: MemoryDriver[] = [];
const memoryDriver: DriverRegistration<MemoryOptions> = {
  name: 'memory',
  bucketName: (name) => (/^[a-z]{3,10}$/.test(name) ? undefined : 'must be 3-10 lower-case letters'),
  optionsFromEnv: (env) => ({ baseUrl: env['MEMORY_BASE_URL'] ?? 'memory://store' }),
  load: async () => ({
    createDriver: async (options) => {
      const driver = new MemoryDriver(options.bucket, options.baseUrl);
      made.push(driver);
      return driver;
    },
  }),
};

describe('driver registry through the container', () => {
  it('an app registers its own driver and selects it with UPGRANT_PROVIDER', async () => {
    const container = new Container();
    container.load(driverModule(memoryDriver), presignerFromEnvModule({ UPGRANT_PROVIDER: 'memory', UPGRANT_BUCKET: 'photos', UPGRANT_SECRET: SECRET, MEMORY_BASE_URL: 'memory://here' }));
    const presigner = await container.getAsync(PRESIGNER);
    expect(presigner.provider).to.equal('memory');
    expect(presigner.bucket).to.equal('photos');
    const grant = await presigner.createUploadGrant({ key: 'a/b.png', contentType: 'image/png', size: 10 });
    expect(grant.url).to.equal('memory://here/photos/a/b.png?expires=300');
    expect(grant.provider).to.equal('memory');
    expect(await container.getAsync(PRESIGNER)).to.equal(presigner);
  });

  it("applies the app driver's bucket rule, naming UPGRANT_BUCKET; an unknown provider lists the registered ones", async () => {
    const container = new Container();
    container.load(driverModule(memoryDriver), presignerFromEnvModule({ UPGRANT_PROVIDER: 'memory', UPGRANT_BUCKET: 'Photos-1', UPGRANT_SECRET: SECRET }));
    const error = await container.getAsync(PRESIGNER).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigError).with.property('variable', 'UPGRANT_BUCKET');

    const other = new Container();
    other.load(driverModule(memoryDriver), presignerFromEnvModule({ UPGRANT_PROVIDER: 'ftp', UPGRANT_SECRET: SECRET }));
    const unknown = await other.getAsync(PRESIGNER).then(() => undefined, (e: unknown) => e);
    expect(unknown).to.be.instanceOf(ConfigError).with.property('variable', 'UPGRANT_PROVIDER');
    for (const name of ['memory', 'local', 's3', 'gcs', 'azure']) expect((unknown as Error).message).to.include(name);
  });

  it('presignerModule selects a registered driver by config.provider', async () => {
    const container = new Container();
    container.load(driverModule(memoryDriver), presignerModule({ provider: 'memory', bucket: 'docs', baseUrl: 'memory://cfg', secret: SECRET }));
    const grant = await (await container.getAsync(PRESIGNER)).createUploadGrant({ key: 'k', contentType: 'text/plain', size: 1 });
    expect(grant.url.startsWith('memory://cfg/docs/k?')).to.equal(true);
  });

  it('unbinding PRESIGNER closes it (and its driver)', async () => {
    const container = new Container();
    container.load(driverModule(memoryDriver), presignerFromEnvModule({ UPGRANT_PROVIDER: 'memory', UPGRANT_BUCKET: 'closing', UPGRANT_SECRET: SECRET }));
    await container.getAsync(PRESIGNER);
    const driver = made.at(-1)!;
    expect(driver.bucket).to.equal('closing');
    expect(driver.closed).to.equal(0);
    await container.unbindAllAsync();
    expect(driver.closed).to.equal(1);
  });

  it('a DRIVER the app built resolves PRESIGNER synchronously (container.get)', () => {
    const container = new Container();
    const driver = new MemoryDriver('sync', 'memory://sync');
    container.bind(DRIVER).toConstantValue(driver);
    container.load(presignerOnDriverModule({ secret: SECRET }));
    const presigner = container.get(PRESIGNER);
    expect(presigner.bucket).to.equal('sync');
  });
});

describe("a driver's clock option drives signing times", () => {
  it('the local driver built with clock: the grant is signed at that time (no clock in the policy)', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-clock-'));
    try {
      const at = new Date('2013-05-24T00:00:00Z');
      const driver = await createLocalDriver({ root, baseUrl: 'http://127.0.0.1:1/storage', secret: SECRET, clock: () => at });
      const container = new Container();
      container.bind(DRIVER).toConstantValue(driver);
      container.load(presignerOnDriverModule({ secret: SECRET }));
      const grant = await container.get(PRESIGNER).createUploadGrant({ key: 'clock.txt', contentType: 'text/plain', size: 1, expiresIn: 60 });
      expect(grant.expiresAt).to.equal('2013-05-24T00:01:00.000Z');
      await container.unbindAllAsync();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('bucket names: each driver its own rule (drivers/<name>/config.ts)', () => {
  const env = (provider: string, bucket: string) => ({
    UPGRANT_PROVIDER: provider,
    UPGRANT_BUCKET: bucket,
    UPGRANT_SECRET: SECRET,
    AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
    UPGRANT_PUBLIC_URL: 'http://127.0.0.1:8787/storage',
  });
  const accepted: Array<[string, string]> = [
    ['s3', 'uploads.example-1'],
    ['s3', 'My_Legacy.Bucket'], // us-east-1 before March 2018
    ['s3', 'a'.repeat(255)],
    ['gcs', 'my_bucket-1'],
    ['gcs', `${'a'.repeat(63)}.${'b'.repeat(63)}`],
    ['azure', '$web'],
    ['azure', '$root'],
    ['azure', 'uploads-1'],
    ['local', 'local.files'],
  ];
  const refused: Array<[string, string]> = [
    ['s3', 'a/b'],
    ['s3', 'ab'],
    ['s3', 'a'.repeat(256)],
    ['gcs', 'Uploads'],
    ['gcs', 'goog-uploads'],
    ['gcs', 'my-google-bucket'],
    ['gcs', '192.168.5.4'],
    ['gcs', 'a'.repeat(64)],
    ['azure', 'up--loads'],
    ['azure', 'Uploads'],
    ['azure', '$logs'],
    ['azure', 'my_container'],
    ['local', 'My_Bucket'],
  ];
  for (const [provider, bucket] of accepted) {
    it(`${provider} accepts "${bucket.length > 40 ? `${bucket.slice(0, 20)}... (${bucket.length})` : bucket}"`, () => {
      expect(loadConfig(env(provider, bucket)).bucket).to.equal(bucket);
    });
  }
  for (const [provider, bucket] of refused) {
    it(`${provider} refuses "${bucket.length > 40 ? `${bucket.slice(0, 20)}... (${bucket.length})` : bucket}", naming UPGRANT_BUCKET`, () => {
      expect(() => loadConfig(env(provider, bucket))).to.throw(ConfigError).with.property('variable', 'UPGRANT_BUCKET');
    });
  }

  it('every built-in driver declares its rule, its SDK and its loader', () => {
    expect(BUILT_IN_DRIVERS.map((d) => d.name)).to.deep.equal(['local', 's3', 'gcs', 'azure']);
    expect(BUILT_IN_DRIVERS.map((d) => d.sdkPackage)).to.deep.equal([undefined, '@aws-sdk/client-s3', '@google-cloud/storage', '@azure/storage-blob']);
  });
});

describe('presignerFromEnv(env) reads env only, never the process environment', () => {
  const KEYS = ['UPGRANT_BUCKET', 'UPGRANT_PROVIDER', 'AWS_REGION', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'UPGRANT_S3_FORCE_PATH_STYLE'] as const;
  const saved = new Map<string, string | undefined>();
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-registry-'));
    for (const key of KEYS) saved.set(key, process.env[key]);
    Object.assign(process.env, {
      UPGRANT_BUCKET: 'from-process',
      UPGRANT_PROVIDER: 'azure',
      AWS_REGION: 'eu-west-3',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.9:1',
      AWS_ENDPOINT_URL: 'http://127.0.0.9:2',
      UPGRANT_S3_FORCE_PATH_STYLE: '1',
    });
  });
  after(async () => {
    for (const [key, v] of saved) {
      if (v === undefined) delete process.env[key];
      else process.env[key] = v;
    }
    await rm(root, { recursive: true, force: true });
  });

  it('local: the bucket and provider come from env, not process.env', async () => {
    const presigner = await presignerFromEnv({ UPGRANT_SECRET: SECRET, UPGRANT_LOCAL_ROOT: root, UPGRANT_PUBLIC_URL: 'http://127.0.0.1:8787/storage' });
    try {
      expect(presigner.provider).to.equal('local');
      expect(presigner.bucket).to.equal('local');
    } finally {
      await presigner.close();
    }
  });

  it('s3: region and endpoint come from env only (the grant is for AWS us-east-1)', async () => {
    const presigner = await presignerFromEnv({
      UPGRANT_PROVIDER: 's3',
      UPGRANT_BUCKET: 'only-env',
      UPGRANT_SECRET: SECRET,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    });
    try {
      const grant = await presigner.createUploadGrant({ key: 'k.txt', contentType: 'text/plain', size: 3 });
      expect(grant.url.startsWith('https://only-env.s3.us-east-1.amazonaws.com/')).to.equal(true, grant.url);
    } finally {
      await presigner.close();
    }
  });
});
