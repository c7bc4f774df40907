// The error cases of the contract suite, named so they can be found with --grep: "nonexistent
// bucket" and "error codes". Every driver must answer the same situations with the same public
// error class and `code`, whatever its SDK throws: an app maps errors to HTTP answers by code.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { DriverError } from '../../drivers/error-codes.js';
import { ConfigError, errorAs, ObjectNotFoundError, UpgrantError, UploadRejectedError } from '../../src/errors.js';
import type { Presigner, UploadGrantRequest } from '../../src/types.js';
import type { ContractHarness, HarnessRef } from './harness.js';
import { same, textBytes } from './suite.js';

/** A public error class with this `code` (the codes of src/errors.ts an app switches over). */
function expectCode(error: unknown, code: string): void {
  expect(error).to.be.instanceOf(UpgrantError);
  expect((error as UpgrantError).code, (error as Error).message).to.equal(code);
}

export function runErrorContractTests(harness: HarnessRef): void {
  describe('errors', function () {
    this.timeout(120_000);
    let h: ContractHarness;
    let presigner: Presigner;
    const newKey = (label: string) => `contract/errors/${label}/${randomBytes(6).toString('hex')}.bin`;
    const request = (extra: Partial<UploadGrantRequest> = {}) => ({ key: newKey('k'), contentType: 'application/octet-stream', size: 16, ...extra }) as UploadGrantRequest;

    /** A presigner on a bucket that does not exist (a fresh name: nothing ever made it). */
    async function onMissingBucket(): Promise<Presigner> {
      const bucket = `upgrant-missing-${randomBytes(4).toString('hex')}`;
      const missing = await h.makePresigner({ bucket });
      await h.removeBucket?.(bucket);
      return missing;
    }

    before(async () => {
      h = harness();
      presigner = await h.makePresigner();
    });

    after(async () => {
      await presigner?.close();
    });

    describe('nonexistent bucket', () => {
      it('signing needs no bucket, and verify names the bucket, not "never uploaded"', async () => {
        const missing = await onMissingBucket();
        try {
          const grant = await missing.createUploadGrant(request());
          const error = await missing.verifyUpload(grant.token).catch((e: unknown) => e);
          expect(error, 'not ObjectNotFoundError: the bucket is what is missing').to.be.instanceOf(ConfigError);
          expect((error as ConfigError).variable).to.equal('UPGRANT_BUCKET');
          expect((error as Error).message).to.include(`"${missing.bucket}"`);
        } finally {
          await missing.close();
        }
      });

      it('the storage refuses an upload into it', async function () {
        if (h.makesMissingBucket) {
          this.test!.title += ` (skipped: ${h.makesMissingBucket})`;
          this.skip();
        }
        const missing = await onMissingBucket();
        try {
          const result = await h.upload(await missing.createUploadGrant(request()), textBytes(16));
          expect(result.status, `the upload to a missing bucket: ${result.body}`).to.be.within(400, 499);
        } finally {
          await missing.close();
        }
      });

      it('a download grant for a missing bucket signs, and the storage answers it with a 4xx', async () => {
        const missing = await onMissingBucket();
        try {
          const download = await missing.createDownloadGrant({ key: newKey('dl'), expiresIn: 60 });
          const response = await fetch(download.url, { headers: download.headers });
          await response.arrayBuffer();
          expect(response.status).to.be.within(400, 499);
        } finally {
          await missing.close();
        }
      });
    });

    describe('error codes', () => {
      it('not found: a grant nobody used verifies to ObjectNotFoundError (code not-found) naming the key', async () => {
        const grant = await presigner.createUploadGrant(request());
        const error = await presigner.verifyUpload(grant.token).catch((e: unknown) => e);
        expectCode(error, 'not-found');
        expect(error).to.be.instanceOf(ObjectNotFoundError);
        expect(error).to.include({ key: grant.key, bucket: presigner.bucket });
        expect((error as Error).message).to.include(grant.key);
      });

      it('not found: an inline download of a missing object is ObjectNotFoundError (code not-found)', async () => {
        const key = newKey('inline');
        const error = await presigner.createDownloadGrant({ key, expiresIn: 60, disposition: 'inline' }).catch((e: unknown) => e);
        expectCode(error, 'not-found');
        expect(error).to.include({ key });
      });

      it('missing bucket: ConfigError (code config) naming UPGRANT_BUCKET, on verify; the driver code bucket-not-found beneath it', async () => {
        const missing = await onMissingBucket();
        try {
          const grant = await missing.createUploadGrant(request());
          const error = await missing.verifyUpload(grant.token).catch((e: unknown) => e);
          expectCode(error, 'config');
          expect(errorAs(error, DriverError)?.code, 'the driver code, reached through errorAs').to.equal('bucket-not-found');
        } finally {
          await missing.close();
        }
      });

      it('create-only refusal: a staged upload onto a taken key is UploadRejectedError (code upload-rejected), the first object kept', async function () {
        const staged = await h.makePresigner({ staging: 'always' });
        try {
          const key = newKey('taken');
          const [first, second] = [textBytes(16), textBytes(16)];
          const a = await staged.createUploadGrant(request({ key }));
          const b = await staged.createUploadGrant(request({ key }));
          if (b.enforcement.createOnly !== 'storage') {
            // A store whose server-side copy cannot be conditional (Swift's s3api; Ceph RGW ignores the AWS
            // copy conditions): the staged promotion is not create-only, and the enforcement map says 'none'.
            this.test!.title += ` (skipped: enforcement.createOnly is "${b.enforcement.createOnly}" on this store)`;
            this.skip();
          }
          expect((await h.upload(a, first)).status).to.be.within(200, 299);
          expect((await h.upload(b, second)).status).to.be.within(200, 299);
          await staged.verifyUpload(a.token);
          const error = await staged.verifyUpload(b.token).catch((e: unknown) => e);
          expectCode(error, 'upload-rejected');
          expect((error as UploadRejectedError).violations.map((v) => v.constraint)).to.include('createOnly');
          expect(same(await h.read(key), first), 'the first object stays').to.equal(true);
        } finally {
          await staged.close();
        }
      });
    });
  });
}
