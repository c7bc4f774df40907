// The S3 driver's contract harness, shared by the two stores it runs on (one file each, so that
// parallel workers run them at the same time): a fresh pair of buckets per harness on the store
// `start` returns, and the statuses that store answers to each attack.
import { CreateBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { createDriver, encodePath } from '../../drivers/s3/index.js';
import { uploadViaHttp } from '../support/http.js';
import { listKeys, readObject, tamperSignature, withPath, type S3Store } from '../s3/helpers.js';
import { presignerOn, type ContractHarness } from './harness.js';

const SECRET = 'contract-suite-secret-0123456789abcdef';

export function s3Harness(start: () => Promise<S3Store | undefined>, statuses: ContractHarness['statuses'], methods: ContractHarness['methods']) {
  return async (): Promise<ContractHarness | undefined> => {
    const store = await start();
    if (!store) return undefined;
    // Unique buckets per harness: the Ceph cluster is shared by every test file of the run.
    const suffix = randomBytes(4).toString('hex');
    const bucket = `upgrant-contract-${suffix}`;
    const other = `upgrant-other-${suffix}`;
    const { client } = store;
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      await client.send(new CreateBucketCommand({ Bucket: other }));
    } catch (error) {
      await store.stop();
      throw error;
    }
    return {
      name: 's3',
      otherBucket: other,
      methods,
      async makePresigner(overrides = {}) {
        const driver = await createDriver(store.options(store.endpoint, overrides.bucket ?? bucket));
        return presignerOn(driver, SECRET, overrides);
      },
      upload: uploadViaHttp,
      read: (key, b = bucket) => readObject(client, b, key),
      list: (b = bucket) => listKeys(client, b),
      remove: async (key) => {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      },
      tamper: tamperSignature,
      retargetKey: (grant, otherKey) =>
        grant.method === 'POST' ? { ...grant, fields: { ...grant.fields, key: otherKey } } : withPath(grant, () => `/${bucket}/${encodePath(otherKey)}`),
      retargetBucket: (grant, o) => (grant.method === 'POST' ? { ...grant, url: grant.url.replace(`/${bucket}`, `/${o}`) } : withPath(grant, (p) => p.replace(`/${bucket}/`, `/${o}/`))),
      statuses,
      close: () => store.stop(),
    };
  };
}
