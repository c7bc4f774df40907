// The local driver on its embedded receiver, over real HTTP on loopback.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { LocalDriver } from '../../drivers/local/driver.js';
import type { UploadGrant } from '../../src/types.js';
import { uploadViaHttp } from '../support/http.js';
import { listLocal } from '../support/local-files.js';
import { presignerOn, sharedHarness, withDefaults, type ContractHarness } from './harness.js';
import { runMultipartContractTests } from './multipart-suite.js';
import { runAllContractTests } from './run.js';
import { runContractTests } from './suite.js';

const SECRET = 'contract-suite-secret-0123456789abcdef';

function withUrl(grant: UploadGrant, edit: (url: URL) => void): UploadGrant {
  const url = new URL(grant.url);
  edit(url);
  return { ...grant, url: url.toString() };
}

function localHarness() {
  return async (): Promise<ContractHarness | undefined> => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-contract-'));
    const receiver: LocalReceiver = await listenLocal({ root, secret: SECRET });
    const harness: ContractHarness = {
      name: 'local',
      otherBucket: 'other',
      async makePresigner(overrides = {}) {
        const driver = new LocalDriver({ root, secret: SECRET, baseUrl: receiver.baseUrl, bucket: overrides.bucket ?? 'local' });
        return presignerOn(driver, SECRET, overrides);
      },
      upload: uploadViaHttp,
      async read(key, bucket = 'local') {
        return readFile(path.join(root, bucket, ...key.split('/'))).then((b) => new Uint8Array(b), () => undefined);
      },
      list: (bucket = 'local') => listLocal(root, bucket),
      remove: (key) => new LocalDriver({ root, secret: SECRET, baseUrl: receiver.baseUrl }).delete(key),
      tamper: (grant) =>
        withUrl(grant, (url) => {
          const sig = url.searchParams.get('X-Upgrant-Signature') ?? '';
          url.searchParams.set('X-Upgrant-Signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
        }),
      retargetKey: (grant, otherKey) => withUrl(grant, (url) => (url.pathname = `/local/${otherKey}`)),
      retargetBucket: (grant, other) => withUrl(grant, (url) => (url.pathname = url.pathname.replace(/^\/local\//, `/${other}/`))),
      statuses: {
        tamperedSignature: [403],
        expired: [403],
        replay: [409],
        concurrent: [409],
        wrongType: [415],
        tooLarge: [413],
        tooSmall: [400],
        overRangeMax: [413],
        wrongChecksum: [400],
        otherKey: [403],
        otherBucket: [403],
      },
      // The driver makes its bucket directory when constructed.
      makesMissingBucket: 'the local receiver recreates a removed bucket directory when it stores an upload (drivers/local/store.ts mkdir -p)',
      removeBucket: (bucket) => rm(path.join(root, bucket), { recursive: true, force: true }),
      async close() {
        await receiver.close();
        await rm(root, { recursive: true, force: true });
      },
    };
    return harness;
  };
}

describe('contract: local driver', () => {
  // One receiver and root directory for the whole file.
  const harness = sharedHarness(localHarness());
  describe('staging auto', () => runAllContractTests(harness));
  // The receiver enforces every promise itself, so 'auto' never stages here: 'always' runs the
  // staged path (staging key, promotion by link, markers, sweep) on the same store.
  describe('staging always', () => {
    const staged = withDefaults(harness, { staging: 'always' });
    runContractTests(staged);
    runMultipartContractTests(staged);
  });
});
