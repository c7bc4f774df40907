// What node:fs errors mean, for the portable layer (Driver.errorCode): the errno `code` of the
// file system call (ENOENT, EEXIST, ENAMETOOLONG, ...). A pure function, like every driver's
// errors.ts: the local driver throws fs errors as they came, or a DriverError it decided itself
// (a key segment over 255 bytes, a part of the wrong size), and src/ wraps it once. The
// receiver's HTTP answers are in http-answers.ts.
import type { DriverErrorCode } from '../error-codes.js';

const BY_ERRNO: Readonly<Record<string, DriverErrorCode>> = {
  ENOENT: 'not-found',
  EEXIST: 'precondition-failed',
  ENOTEMPTY: 'precondition-failed',
  EISDIR: 'invalid-argument',
  ENOTDIR: 'invalid-argument',
  ENAMETOOLONG: 'invalid-argument',
  EINVAL: 'invalid-argument',
  EACCES: 'permission-denied',
  EPERM: 'permission-denied',
  EROFS: 'permission-denied',
  ENOSPC: 'resource-exhausted',
  EDQUOT: 'resource-exhausted',
  EFBIG: 'resource-exhausted',
  EMFILE: 'resource-exhausted',
  ENFILE: 'resource-exhausted',
  EAGAIN: 'unavailable',
  EBUSY: 'unavailable',
  EIO: 'unavailable',
  ETIMEDOUT: 'timeout',
  ENOTSUP: 'unimplemented',
  ENOSYS: 'unimplemented',
  EXDEV: 'unimplemented',
};

/** Implements Driver.errorCode for the local directory. */
export function codeOf(error: unknown): DriverErrorCode {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return (typeof code === 'string' ? BY_ERRNO[code] : undefined) ?? 'unknown';
}
