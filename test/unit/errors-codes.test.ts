// Each driver's codeOf over the errors its SDK (or node:fs) really throws: the SDK's own exception
// classes constructed as the SDK constructs them from an answer, and file-system errors made by
// real failing calls. No emulator needed.
import { expect } from 'chai';
import { AccessDenied, NoSuchBucket, NoSuchKey, NoSuchUpload, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { RestError } from '@azure/storage-blob';
import { ApiError } from '@google-cloud/storage';
import { link, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { codeOf as azureCode, configProblemOf as azureProblem } from '../../drivers/azure/errors.js';
import { DRIVER_ERROR_CODES, httpStatusCode, networkCode } from '../../drivers/error-codes.js';
import { codeOf as gcsCode } from '../../drivers/gcs/errors.js';
import { codeOf as localCode } from '../../drivers/local/errors.js';
import { codeOf as s3Code, configProblemOf as s3Problem } from '../../drivers/s3/errors.js';

const meta = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'r', attempts: 1, totalRetryDelay: 0 });

/** An S3 error the SDK has no class for: it builds a plain S3ServiceException named after the answer's Code. */
function s3Exception(name: string, status: number, fault: 'client' | 'server' = status >= 500 ? 'server' : 'client'): S3ServiceException {
  return new S3ServiceException({ name, $fault: fault, $metadata: meta(status), message: name });
}

/** The error Node gives for a failed connection (the SDKs pass it through). */
function errno(code: string, message = code): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

async function fsError(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => {
      throw new Error('expected the file system call to fail');
    },
    (error: unknown) => error,
  );
}

describe('errors: each driver maps its native errors to a DriverErrorCode', () => {
  it('the shared helpers map HTTP statuses and network errno codes', () => {
    expect([401, 403, 404, 408, 412, 429, 500, 501, 502, 503, 504, 400, 409].map(httpStatusCode)).to.deep.equal([
      'unauthenticated', 'permission-denied', 'not-found', 'timeout', 'precondition-failed', 'throttled',
      'unavailable', 'unimplemented', 'unavailable', 'unavailable', 'timeout', undefined, undefined,
    ]);
    expect(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'ENOENT', undefined].map(networkCode)).to.deep.equal(['unavailable', 'unavailable', 'timeout', 'timeout', undefined, undefined]);
    expect(new Set(DRIVER_ERROR_CODES).size, 'no code listed twice').to.equal(DRIVER_ERROR_CODES.length);
  });

  describe('S3 (AWS SDK v3 exceptions)', () => {
    it('maps the modelled exceptions', () => {
      expect(s3Code(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: meta(404) }))).to.equal('not-found');
      expect(s3Code(new NotFound({ message: 'UnknownError', $metadata: meta(404) })), 'HEAD: a bodyless 404').to.equal('not-found');
      expect(s3Code(new NoSuchUpload({ message: 'The specified upload does not exist.', $metadata: meta(404) }))).to.equal('not-found');
      expect(s3Code(new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: meta(404) }))).to.equal('bucket-not-found');
      expect(s3Code(new AccessDenied({ message: 'Access Denied', $metadata: meta(403) }))).to.equal('permission-denied');
    });

    it('maps the answers the SDK reports as plain S3ServiceException by their Code', () => {
      const cases: [string, number, string][] = [
        ['PreconditionFailed', 412, 'precondition-failed'],
        ['ConditionalRequestConflict', 409, 'precondition-failed'],
        ['InvalidAccessKeyId', 403, 'unauthenticated'],
        ['SignatureDoesNotMatch', 403, 'unauthenticated'],
        ['AccessDenied', 403, 'permission-denied'],
        ['InvalidPart', 400, 'invalid-parts'],
        ['InvalidPartOrder', 400, 'invalid-parts'],
        ['EntityTooSmall', 400, 'invalid-parts'],
        ['SlowDown', 503, 'throttled'],
        ['InternalError', 500, 'unavailable'],
        ['RequestTimeout', 400, 'timeout'],
        ['NotImplemented', 501, 'unimplemented'],
        ['MalformedXML', 400, 'unknown'],
      ];
      for (const [name, status, code] of cases) expect(s3Code(s3Exception(name, status)), name).to.equal(code);
    });

    it('falls back on the HTTP status, then the network errno, then unknown', () => {
      expect(s3Code(s3Exception('UnknownError', 404)), 'a bodyless 404 of another command').to.equal('not-found');
      expect(s3Code(s3Exception('Unknown', 502))).to.equal('unavailable');
      expect(s3Code(s3Exception('Unknown', 429))).to.equal('throttled');
      expect(s3Code(errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'))).to.equal('unavailable');
      expect(s3Code(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))).to.equal('timeout');
      expect(s3Code(new Error('something else'))).to.equal('unknown');
      expect(s3Code('not an error')).to.equal('unknown');
    });

    it('names the variable for answers that mean wrong credentials or region, and nothing else', () => {
      expect(s3Problem(s3Exception('InvalidAccessKeyId', 403), 'b')?.variable).to.equal('AWS_ACCESS_KEY_ID');
      expect(s3Problem(s3Exception('SignatureDoesNotMatch', 403), 'b')?.variable).to.equal('AWS_SECRET_ACCESS_KEY');
      expect(s3Problem(s3Exception('PermanentRedirect', 301), 'b')).to.deep.equal({ variable: 'AWS_REGION', message: 'bucket "b" is in another region than the configured one' });
      expect(s3Problem(new NoSuchKey({ message: 'x', $metadata: meta(404) }), 'b')).to.equal(undefined);
      expect(s3Problem(new NoSuchBucket({ message: 'x', $metadata: meta(404) }), 'b'), 'a missing bucket is the portable layer\'s to name').to.equal(undefined);
    });
  });

  describe('Azure Blob (RestError)', () => {
    const rest = (code: string | undefined, statusCode: number) => new RestError(`${code ?? 'no code'}\nRequestId:r`, { ...(code ? { code } : {}), statusCode });

    it('maps the service error codes', () => {
      const cases: [string, number, string][] = [
        ['BlobNotFound', 404, 'not-found'],
        ['ContainerNotFound', 404, 'bucket-not-found'],
        ['ConditionNotMet', 412, 'precondition-failed'],
        ['BlobAlreadyExists', 409, 'precondition-failed'],
        ['AuthenticationFailed', 403, 'unauthenticated'],
        ['AuthorizationPermissionMismatch', 403, 'permission-denied'],
        ['InvalidBlockList', 400, 'invalid-parts'],
        ['ServerBusy', 503, 'throttled'],
        ['InternalError', 500, 'unavailable'],
        ['OperationTimedOut', 500, 'timeout'],
        ['LeaseIdMissing', 412, 'precondition-failed'],
        ['ContainerBeingDeleted', 409, 'unknown'],
      ];
      for (const [code, status, expected] of cases) expect(azureCode(rest(code, status)), code).to.equal(expected);
    });

    it('reads details.errorCode when the SDK put the code there', () => {
      const error = new RestError('The specified blob does not exist.', { statusCode: 404 });
      Object.assign(error, { details: { errorCode: 'BlobNotFound' } });
      expect(azureCode(error)).to.equal('not-found');
    });

    it('falls back on the status, the network errno, an abort, then unknown', () => {
      expect(azureCode(rest(undefined, 404))).to.equal('not-found');
      expect(azureCode(rest(undefined, 503))).to.equal('unavailable');
      expect(azureCode(new RestError('connect ECONNREFUSED 127.0.0.1:10000', { code: 'ECONNREFUSED' }))).to.equal('unavailable');
      const aborted = new Error('The operation was aborted.');
      aborted.name = 'AbortError';
      expect(azureCode(aborted)).to.equal('timeout');
      expect(azureCode(new Error('odd'))).to.equal('unknown');
    });

    it('names the credential to fix for a refused key or Entra ID identity', () => {
      expect(azureProblem(rest('AuthenticationFailed', 403), false)?.variable).to.equal('AZURE_STORAGE_CONNECTION_STRING');
      expect(azureProblem(rest('AuthenticationFailed', 403), true)?.variable).to.equal('AZURE_STORAGE_ACCOUNT');
      expect(azureProblem(rest('AuthorizationPermissionMismatch', 403), true)?.message).to.include('Storage Blob Data Contributor');
      expect(azureProblem(rest('AuthorizationPermissionMismatch', 403), false), 'a shared key has every permission: a SAS problem').to.equal(undefined);
      expect(azureProblem(rest('BlobNotFound', 404), false)).to.equal(undefined);
    });
  });

  describe('GCS (ApiError)', () => {
    // As the SDK builds it from a JSON API answer: the inner errors come from the response body.
    type Body = ConstructorParameters<typeof ApiError>[0] & object;
    const api = (code: number, message: string, reason?: string) => {
      const errors = reason ? [{ reason, message }] : [];
      const response = { statusCode: code, body: JSON.stringify({ error: { code, message, errors } }) } as unknown as Body['response'];
      return new ApiError({ code, message, errors, response });
    };

    it('maps the JSON API answers by status and reason', () => {
      expect(gcsCode(api(404, 'No such object: b/k', 'notFound'))).to.equal('not-found');
      expect(gcsCode(api(404, 'The specified bucket does not exist.', 'notFound'))).to.equal('bucket-not-found');
      expect(gcsCode(api(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet'))).to.equal('precondition-failed');
      expect(gcsCode(api(401, 'Anonymous caller does not have storage.objects.get access.', 'required'))).to.equal('unauthenticated');
      expect(gcsCode(api(403, 'x does not have storage.objects.create access', 'forbidden'))).to.equal('permission-denied');
      expect(gcsCode(api(429, 'The rate of change requests to the object exceeds the rate limit.', 'rateLimitExceeded'))).to.equal('throttled');
      expect(gcsCode(api(503, 'Backend Error', 'backendError'))).to.equal('unavailable');
      expect(gcsCode(api(400, 'Invalid argument.', 'invalid'))).to.equal('invalid-argument');
      expect(gcsCode(api(502, 'Bad Gateway'))).to.equal('unavailable');
    });

    it('maps network failures, fetch timeouts and the rest', () => {
      expect(gcsCode(errno('ECONNREFUSED'))).to.equal('unavailable');
      expect(gcsCode(Object.assign(new Error('request to http://127.0.0.1:9 failed'), { code: 'ETIMEDOUT' }))).to.equal('timeout');
      // What fetch rejects with when its AbortSignal.timeout fires (the multipart session calls).
      expect(gcsCode(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).to.equal('timeout');
      expect(gcsCode(new ApiError('no code at all'))).to.equal('unknown');
    });
  });

  describe('local (node:fs errors)', () => {
    let dir = '';
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'upgrant-errors-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('maps the errno codes the store meets', async () => {
      await writeFile(path.join(dir, 'file'), 'x');
      await mkdir(path.join(dir, 'dir'));
      expect(localCode(await fsError(() => readFile(path.join(dir, 'missing'))))).to.equal('not-found');
      expect(localCode(await fsError(() => link(path.join(dir, 'file'), path.join(dir, 'dir')))), 'create-only link onto a taken name').to.equal('precondition-failed');
      expect(localCode(await fsError(() => mkdir(path.join(dir, 'dir'))))).to.equal('precondition-failed');
      expect(localCode(await fsError(() => readFile(path.join(dir, 'dir'))))).to.equal('invalid-argument');
      expect(localCode(await fsError(() => open(path.join(dir, 'file', 'below'), 'r')))).to.equal('invalid-argument');
      expect(localCode(await fsError(() => writeFile(path.join(dir, 'n'.repeat(300)), 'x')))).to.equal('invalid-argument');
    });

    it('maps permission, space and other errno codes, and unknown for the rest', () => {
      expect(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EMFILE', 'EIO', 'EXDEV', 'EWHATEVER'].map((c) => localCode(errno(c)))).to.deep.equal([
        'permission-denied', 'permission-denied', 'permission-denied', 'resource-exhausted', 'resource-exhausted', 'resource-exhausted', 'unavailable', 'unimplemented', 'unknown',
      ]);
      expect(localCode(new Error('no code'))).to.equal('unknown');
    });
  });
});

