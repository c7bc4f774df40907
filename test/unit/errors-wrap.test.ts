// The portable layer wraps a driver's failure once (src/wrap-driver-error.ts): ProviderError with
// the driver's code, the operation and the key; InvalidRequestError naming the field a driver
// blamed; ConfigError for a missing bucket or refused credentials; errorAs reaches the native
// error. Driven through PortablePresigner over an in-memory driver, and the real local driver.
import { expect } from 'chai';
import { NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Driver, MultipartDriver, ObjectInfo } from '../../drivers/driver.js';
import { DriverError, type DriverErrorCode } from '../../drivers/error-codes.js';
import { createDriver as createLocalDriver } from '../../drivers/local/index.js';
import { LocalStore, ObjectExistsError } from '../../drivers/local/store.js';
import { codeOf as s3Code } from '../../drivers/s3/errors.js';
import { ConfigError, errorAs, GrantExpiredError, InvalidRequestError, ObjectNotFoundError, ProviderError, UpgrantError, UploadRejectedError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import { wrapDriverError } from '../../src/wrap-driver-error.js';

const SECRET = 'errors-wrap-test-secret-0123456789abcdef';

/** A driver whose every storage call fails with `failure` (or answers `info` for head). */
function fakeDriver(options: { failure?: unknown; info?: ObjectInfo; multipart?: MultipartDriver } = {}): Driver {
  const fail = async (): Promise<never> => {
    throw options.failure;
  };
  return {
    name: 's3',
    bucket: 'fake-bucket',
    limits: { maxObjectSize: 2 ** 40, maxExpiresIn: 7 * 86400 },
    uploadMethods: () => ['PUT'],
    enforcement: () => ({ createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'storage' }),
    signUpload: async (request) => (options.failure ? fail() : { url: `https://fake.test/${request.key}`, headers: {} }),
    signDownload: async (request) => (options.failure ? fail() : { url: `https://fake.test/${request.key}`, headers: {} }),
    head: async () => (options.failure ? fail() : options.info),
    read: fail,
    readRange: fail,
    delete: async () => (options.failure ? fail() : undefined),
    close: async () => undefined,
    errorCode: s3Code,
    configProblem: (error) => ((error as { name?: string }).name === 'InvalidAccessKeyId' ? { variable: 'AWS_ACCESS_KEY_ID', message: 'unknown key id' } : undefined),
    ...(options.multipart ? { multipart: options.multipart } : {}),
  };
}

const sdkError = (name: string, status: number) => new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} answered` });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('errors: the portable layer wraps driver failures once', () => {
  it('a native error becomes a ProviderError with the driver code, operation and key; errorAs reaches the SDK exception', async () => {
    const native = sdkError('SlowDown', 503);
    const presigner = new PortablePresigner(fakeDriver({ failure: native }), { secret: SECRET, staging: 'never' });
    const grant = await rejection(presigner.createDownloadGrant({ key: 'a/b.txt', expiresIn: 60 }));
    expect(grant).to.be.instanceOf(ProviderError);
    const error = grant as ProviderError;
    expect(error.code).to.equal('throttled');
    expect(error.operation).to.equal('sign download');
    expect(error.key).to.equal('a/b.txt');
    expect(error.provider).to.equal('s3');
    expect(error.cause).to.equal(native);
    expect(error.message).to.equal('s3 sign download (key "a/b.txt") failed (throttled): SlowDown answered');
    expect(errorAs(error, S3ServiceException)).to.equal(native);
    expect(errorAs(error, S3ServiceException)?.$metadata.httpStatusCode).to.equal(503);
    expect(errorAs(error, NoSuchKey), 'another class: none').to.equal(undefined);
    expect(errorAs(error, UpgrantError)).to.equal(error);
  });

  it('a missing object on read is code not-found; head answering none is ObjectNotFoundError (code not-found)', async () => {
    const missing = new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
    const wrapped = wrapDriverError(fakeDriver(), 'read', 'k', missing);
    expect(wrapped).to.be.instanceOf(ProviderError);
    expect(wrapped.code).to.equal('not-found');
    const presigner = new PortablePresigner(fakeDriver(), { secret: SECRET, staging: 'never' });
    const grant = await presigner.createUploadGrant({ key: 'gone.txt', contentType: 'text/plain', size: 1 });
    const error = await rejection(presigner.verifyUpload(grant.token));
    expect(error).to.be.instanceOf(ObjectNotFoundError);
    expect((error as ObjectNotFoundError).code).to.equal('not-found');
  });

  it('a missing bucket is a ConfigError naming UPGRANT_BUCKET and the bucket, the driver error kept as cause', () => {
    const native = sdkError('NoSuchBucket', 404);
    const error = wrapDriverError(fakeDriver(), 'head', 'k', native);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).variable).to.equal('UPGRANT_BUCKET');
    expect(error.message).to.include('"fake-bucket"');
    expect(errorAs(error, DriverError)?.code, 'the code, on every driver').to.equal('bucket-not-found');
    expect(errorAs(error, S3ServiceException)).to.equal(native);
    const decided = new DriverError('bucket-not-found', 'bucket "fake-bucket" does not exist on this endpoint');
    expect(wrapDriverError(fakeDriver(), 'head', 'k', decided).message).to.equal('UPGRANT_BUCKET: bucket "fake-bucket" does not exist on this endpoint');
  });

  it('credentials the storage refused are a ConfigError naming the variable the driver says', () => {
    const error = wrapDriverError(fakeDriver(), 'head', 'k', sdkError('InvalidAccessKeyId', 403));
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).variable).to.equal('AWS_ACCESS_KEY_ID');
    expect(errorAs(error, DriverError)?.code).to.equal('unauthenticated');
    expect(errorAs(error, S3ServiceException)?.name).to.equal('InvalidAccessKeyId');
  });

  it('a DriverError naming a field is an InvalidRequestError naming it; its code stays reachable', () => {
    const native = sdkError('InvalidPart', 400);
    const blamed = new DriverError('invalid-parts', 'S3 refused the part list', { field: 'parts', cause: native });
    const error = wrapDriverError(fakeDriver(), 'complete multipart upload', 'big.bin', blamed);
    expect(error).to.be.instanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).field).to.equal('parts');
    expect(error.message).to.equal('parts: S3 refused the part list');
    expect(errorAs(error, DriverError)?.code).to.equal('invalid-parts');
    expect(errorAs(error, S3ServiceException)).to.equal(native);
  });

  it('a DriverError listing violations is an UploadRejectedError for the key', () => {
    const violations = [{ constraint: 'checksum' as const, expected: 'sha256 a', actual: 'sha256 b' }];
    const error = wrapDriverError(fakeDriver(), 'complete multipart upload', 'big.bin', new DriverError('invalid-parts', 'wrong checksum', { violations }));
    expect(error).to.be.instanceOf(UploadRejectedError);
    expect((error as UploadRejectedError).violations).to.deep.equal(violations);
  });

  it('a DriverError without a field keeps its own code; our typed errors pass as they are; a throwing mapper changes nothing', () => {
    const refused = new DriverError('precondition-failed', 'an object already exists');
    expect((wrapDriverError(fakeDriver(), 'promote', 'k', refused) as ProviderError).code).to.equal('precondition-failed');
    const own = new InvalidRequestError('key', 'bad');
    expect(wrapDriverError(fakeDriver(), 'sign upload', 'k', own)).to.equal(own);
    const broken = { ...fakeDriver(), errorCode: (): DriverErrorCode => { throw new Error('mapper bug'); } };
    const error = wrapDriverError(broken, 'read', 'k', new Error('boom'));
    expect(error).to.be.instanceOf(ProviderError);
    expect((error as ProviderError).code).to.equal('unknown');
    expect((error as ProviderError).cause).to.be.instanceOf(Error).with.property('message', 'boom');
  });

  it('a driver without errorCode gets unknown, and errorAs survives a cause cycle', () => {
    const { errorCode: _code, configProblem: _problem, ...plain } = fakeDriver();
    const native = new Error('plain');
    const error = wrapDriverError(plain, 'read', undefined, native) as ProviderError;
    expect(error.code).to.equal('unknown');
    expect(error.key).to.equal(undefined);
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(errorAs(a, TypeError)).to.equal(undefined);
  });

  it('the local store refuses a create-only commit with a precondition-failed DriverError', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-errors-wrap-'));
    try {
      const store = new LocalStore(root);
      for (let i = 0; i < 2; i++) {
        const tmp = await store.tempPath();
        await writeFile(tmp, 'x');
        if (i === 0) await store.commit(tmp, 'b', 'k.txt', { contentType: 'text/plain' }, true);
        else {
          const error = await rejection(store.commit(tmp, 'b', 'k.txt', { contentType: 'text/plain' }, true));
          expect(error).to.be.instanceOf(ObjectExistsError);
          expect((error as DriverError).code).to.equal('precondition-failed');
        }
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('local: a removed bucket directory is a ConfigError on UPGRANT_BUCKET whose cause carries bucket-not-found; read of a missing key maps to not-found', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-errors-wrap-'));
    try {
      const driver = await createLocalDriver({ root, baseUrl: 'http://127.0.0.1:9/storage', secret: SECRET, bucket: 'gone-bucket' });
      const missing = await rejection(driver.read('never/there.txt'));
      expect(driver.errorCode?.(missing)).to.equal('not-found');
      const presigner = new PortablePresigner(driver, { secret: SECRET });
      const grant = await presigner.createUploadGrant({ key: 'x/y.txt', contentType: 'text/plain', size: 1 });
      await rm(path.join(root, 'gone-bucket'), { recursive: true });
      const error = await rejection(presigner.verifyUpload(grant.token));
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).variable).to.equal('UPGRANT_BUCKET');
      expect(errorAs(error, DriverError)?.code).to.equal('bucket-not-found');
      await presigner.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('local: a key segment the file system cannot hold is InvalidRequestError("key") at grant time, staged or not', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-errors-wrap-'));
    try {
      for (const staging of ['always', 'never'] as const) {
        const presigner = new PortablePresigner(await createLocalDriver({ root, baseUrl: 'http://127.0.0.1:9/storage', secret: SECRET }), { secret: SECRET, staging });
        const error = await rejection(presigner.createUploadGrant({ key: `a/${'n'.repeat(300)}`, contentType: 'text/plain', size: 1 }));
        expect(error, staging).to.be.instanceOf(InvalidRequestError);
        expect((error as InvalidRequestError).field).to.equal('key');
        expect(errorAs(error, DriverError)?.code).to.equal('invalid-argument');
        await presigner.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('errors: GrantExpiredError is thrown for a token reported past its expiry plus the verify grace', () => {
  const start = new Date('2026-01-01T00:00:00Z');
  const multipart: MultipartDriver = {
    limits: { minPartSize: 1, maxPartSize: 2 ** 30, maxParts: 100, maxObjectSize: 2 ** 40 },
    enforcement: () => ({ createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'storage' }),
    start: async (request) => ({ uploadId: 'u1', parts: request.partSizes.map(() => ({ url: 'https://fake.test/part', headers: {} })) }),
    complete: async () => ({}),
    abort: async () => undefined,
    listParts: async () => [],
  };

  it('verifyUpload, completeMultipartUpload, abortMultipartUpload and listMultipartParts, and not one second earlier', async () => {
    let now = start;
    const info: ObjectInfo = { size: 4, contentType: 'text/plain' };
    const presigner = new PortablePresigner(fakeDriver({ info, multipart }), { secret: SECRET, staging: 'never', contentCheck: 'off', verifyGrace: 60, clock: () => now });
    const single = await presigner.createUploadGrant({ key: 'a.txt', contentType: 'text/plain', size: 4, expiresIn: 30 });
    const multi = await presigner.createMultipartUploadGrant({ key: 'b.bin', contentType: 'application/octet-stream', size: 4, partSize: 2, expiresIn: 30 });
    const parts = [{ number: 1, etag: 'e1' }, { number: 2, etag: 'e2' }];

    now = new Date(start.getTime() + 90_000); // expiry + grace, to the second: still accepted
    expect((await presigner.verifyUpload(single.token)).key).to.equal('a.txt');
    expect(await presigner.listMultipartParts(multi.token)).to.deep.equal([]);

    now = new Date(start.getTime() + 91_000);
    const calls: [string, Promise<unknown>][] = [
      ['verifyUpload', presigner.verifyUpload(single.token)],
      ['completeMultipartUpload', presigner.completeMultipartUpload(multi.token, parts)],
      ['abortMultipartUpload', presigner.abortMultipartUpload(multi.token)],
      ['listMultipartParts', presigner.listMultipartParts(multi.token)],
    ];
    for (const [name, call] of calls) {
      const error = await rejection(call);
      expect(error, name).to.be.instanceOf(GrantExpiredError);
      expect((error as GrantExpiredError).code).to.equal('grant-expired');
      expect((error as GrantExpiredError).expiresAt).to.equal('2026-01-01T00:00:30.000Z');
    }
  });

  it('creating upload and download grants never throws it, however late', async () => {
    const now = new Date(start.getTime() + 10 * 86400_000);
    const presigner = new PortablePresigner(fakeDriver(), { secret: SECRET, staging: 'never', clock: () => now });
    await presigner.createUploadGrant({ key: 'a.txt', contentType: 'text/plain', size: 4, expiresIn: 1 });
    await presigner.createDownloadGrant({ key: 'a.txt', expiresIn: 1 });
  });
});
