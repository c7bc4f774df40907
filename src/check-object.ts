// The checks verifyUpload makes on a stored object against its grant's constraints, shared by
// direct uploads (src/presigner.ts) and staged ones (src/staging.ts).
import { createHash } from 'node:crypto';
import type { Driver, ObjectInfo } from '../drivers/driver.js';
import { CONTENT_CHECK_WINDOW, checkContent } from './content-check.js';
import type { GrantConstraints, Violation } from './types.js';
import { essence, normalizeContentType } from './validate.js';

/** Every broken promise of `info` (the object at `key`) against `constraints`; empty when it passes. */
export async function findViolations(
  driver: Driver,
  key: string,
  info: ObjectInfo,
  constraints: GrantConstraints,
  /** Wraps a driver call the way the presigner wraps every call (ProviderError). */
  call: <T>(operation: string, key: string, fn: () => Promise<T>) => Promise<T>,
  /** Strict content check: types let through although the detector cannot recognise them. */
  contentCheckAllowed: readonly string[],
): Promise<Violation[]> {
  const violations: Violation[] = [];
  if (info.size < constraints.minSize || info.size > constraints.maxSize) {
    const expected = constraints.minSize === constraints.maxSize ? `${constraints.maxSize} bytes` : `${constraints.minSize}..${constraints.maxSize} bytes`;
    violations.push({ constraint: 'size', expected, actual: `${info.size} bytes` });
  }
  if (!sameContentType(info.contentType, constraints.contentType)) {
    violations.push({ constraint: 'contentType', expected: constraints.contentType, actual: info.contentType || '(none)' });
  }
  const content = await checkObjectContent(driver, key, constraints, info.size, call, contentCheckAllowed);
  if (content) violations.push(content);
  const declared = constraints.checksum;
  const sizeBroken = violations.some((v) => v.constraint === 'size');
  if (declared) {
    // Hash the bytes only when the storage cannot report the declared digest itself, and never
    // stream an object already known to be the wrong size (its digest cannot match anyway).
    const reported = info[declared.algorithm];
    const actual = reported ?? (sizeBroken ? undefined : await call('read', key, () => hashObject(driver, key, declared.algorithm)));
    if (actual !== undefined && actual !== declared.value) {
      violations.push({ constraint: 'checksum', expected: `${declared.algorithm} ${declared.value}`, actual: `${declared.algorithm} ${actual}` });
    }
  }
  return violations;
}

/**
 * The content check on the object's first bytes: one ranged read of at most
 * CONTENT_CHECK_WINDOW bytes, whatever the object's size, and only when the grant asks for it.
 */
async function checkObjectContent(
  driver: Driver,
  key: string,
  constraints: GrantConstraints,
  size: number,
  call: <T>(operation: string, key: string, fn: () => Promise<T>) => Promise<T>,
  allowed: readonly string[],
): Promise<Violation | undefined> {
  if (!constraints.contentCheck) return undefined;
  const length = Math.min(size, CONTENT_CHECK_WINDOW);
  const head = length === 0 ? new Uint8Array(0) : await call('read', key, () => driver.readRange(key, 0, length));
  return checkContent(constraints.contentType, head, constraints.contentCheck, allowed);
}

async function hashObject(driver: Driver, key: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of await driver.read(key)) hash.update(chunk);
  return hash.digest('base64');
}

/** Content types match when their essence and parameters match, ignoring case and spacing. */
export function sameContentType(stored: string, granted: string): boolean {
  if (!stored) return false;
  try {
    return normalizeContentType(stored) === granted;
  } catch {
    return essence(stored) === granted;
  }
}
