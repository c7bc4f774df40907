// The Azure driver on Azurite (started by this file), signing with the account key from a
// connection string. Tampered, expired, replayed, retargeted and wrong-MD5 uploads must be refused
// by Azurite itself; type and size violations are caught by verifyUpload.
import { randomBytes } from 'node:crypto';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { createDriver } from '../../drivers/azure/index.js';
import type { UploadGrant } from '../../src/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite, type Azurite } from '../support/azurite.js';
import { uploadViaHttp } from '../support/http.js';
import { presignerOn, sharedHarness, type ContractHarness } from './harness.js';
import { runAllContractTests } from './run.js';
import { skipOrFail } from '../support/required.js';

const SECRET = 'contract-suite-secret-0123456789abcdef';
// Fresh containers per run of this file: an Azurite may serve more than one test file.
const RUN = randomBytes(4).toString('hex');
const BUCKET = `uploads-${RUN}`;
const OTHER = `other-${RUN}`;

/** Edit a SAS URL's path or signature without re-encoding the rest of its query. */
export function withSasUrl(grant: UploadGrant, edit: { path?: (path: string) => string; sig?: (sig: string) => string }): UploadGrant {
  const [base = '', query = ''] = grant.url.split('?');
  const url = new URL(base);
  if (edit.path) url.pathname = edit.path(url.pathname);
  const newQuery = edit.sig ? query.replace(/(^|&)sig=([^&]*)/, (_m, p: string, s: string) => `${p}sig=${edit.sig?.(s)}`) : query;
  return { ...grant, url: `${url.toString()}?${newQuery}` };
}

export function tamperSig(sig: string): string {
  return (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
}

describe('contract: azure driver on Azurite', function () {
  this.timeout(60_000);
  let azurite: Azurite | undefined;

  const makeHarness = async (): Promise<ContractHarness | undefined> => {
    const missing = await azuriteMissing();
    if (missing) {
      skipOrFail(`Azurite`, missing, `the Azure contract suite`);
      return undefined;
    }
    azurite = await startAzurite();
    const endpoint = azurite.endpoint;
    const service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
    await service.createContainer(BUCKET);
    await service.createContainer(OTHER);
    const prefix = new URL(endpoint).pathname;
    const started = azurite;
    const harness: ContractHarness = {
      name: 'azure',
      otherBucket: OTHER,
      async makePresigner(overrides = {}) {
        const driver = await createDriver({ bucket: overrides.bucket ?? BUCKET, connectionString: started.connectionString });
        return presignerOn(driver, SECRET, overrides);
      },
      upload: uploadViaHttp,
      async read(key, bucket = BUCKET) {
        try {
          return new Uint8Array(await service.getContainerClient(bucket).getBlobClient(key).downloadToBuffer());
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 404) return undefined;
          throw error;
        }
      },
      async remove(key) {
        await service.getContainerClient(BUCKET).getBlobClient(key).deleteIfExists();
      },
      async list(bucket = BUCKET) {
        const keys: string[] = [];
        for await (const blob of service.getContainerClient(bucket).listBlobsFlat()) keys.push(blob.name);
        return keys;
      },
      tamper: (grant) => withSasUrl(grant, { sig: tamperSig }),
      retargetKey: (grant, otherKey) =>
        withSasUrl(grant, { path: () => `${prefix}/${BUCKET}/${otherKey.split('/').map(encodeURIComponent).join('/')}` }),
      retargetBucket: (grant, other) => withSasUrl(grant, { path: (p) => p.replace(`${prefix}/${BUCKET}/`, `${prefix}/${other}/`) }),
      statuses: {
        tamperedSignature: [403],
        expired: [403],
        // Permission `c` without `w`: AuthorizationPermissionMismatch on an existing blob.
        replay: [403],
        concurrent: [403, 409],
        wrongChecksum: [400],
        otherKey: [403],
        otherBucket: [403],
      },
      async close() {
        await started.stop();
      },
    };
    return harness;
  };
  runAllContractTests(sharedHarness(makeHarness));
});
