// Grant tokens: a copy of what was granted, authenticated with UPGRANT_SECRET, so verifyUpload
// can trust the constraints a client hands back. The payload is readable (it holds nothing the
// grant URL does not already show); only its integrity matters.
//
// Rotation: a sealer seals with the current secret and opens with it or any previous one
// (UPGRANT_PREVIOUS_SECRETS), so backends can move to a new secret without breaking grants in
// flight. Opening re-validates what the token names (key, bucket) with the grant rules: a leaked
// secret lets someone mint a token, never name a path the grant rules would have refused.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { GrantExpiredError, InvalidRequestError } from './errors.js';
import { validateSecret } from './http-values.js';
import type { GrantConstraints, GrantContext, ProviderName } from './types.js';
import { validateKey } from './validate.js';

const VERSION = 'ug1';
/**
 * How long after a grant's expiry its token still verifies (or completes a multipart upload), by
 * default: the storage refuses uploads after expiry, so only the report may come late (a client
 * back online, a queued verify job); a day also matches the local multipart sweep.
 */
export const DEFAULT_VERIFY_GRACE = 24 * 3600;

export interface SealedGrant {
  readonly provider: ProviderName;
  readonly bucket: string;
  readonly key: string;
  readonly constraints: GrantConstraints;
  /** Unix seconds. */
  readonly expiresAt: number;
  /** The grant's id, recorded with the uploaded object so a verification only touches its own object. */
  readonly id?: string;
  /** Staged grants: the staging key the upload goes to (promoted to `key` once verified). */
  readonly staging?: string;
  /** The app's context (upload routes: route and who asked), present only when given. */
  readonly context?: GrantContext;
}

/** Derive a purpose-bound key, so a token MAC can never double as a local URL signature. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`upgrant/${purpose}`).digest();
}

/**
 * The keys for one purpose: the current secret's first (it signs), then each previous secret's
 * (they only verify). Previous secrets are checked like the current one.
 */
export function deriveKeys(secret: string, previous: readonly string[] | undefined, purpose: string): KeyObject[] {
  const keys = [createSecretKey(deriveKey(validateSecret(secret, 'secret'), purpose))];
  for (const [i, old] of (previous ?? []).entries()) keys.push(createSecretKey(deriveKey(validateSecret(old, `previousSecrets[${i}]`), purpose)));
  return keys;
}

/** Constant-time comparison of two MACs as strings. */
export function sameMac(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export class TokenSealer {
  // KeyObjects: createHmac imports a Buffer key again on every call, a KeyObject once.
  readonly #keys: readonly KeyObject[];

  /** Seals with `secret`; opens tokens sealed with it or with any of `previousSecrets`. */
  constructor(secret: string, previousSecrets?: readonly string[]) {
    this.#keys = deriveKeys(secret, previousSecrets, 'token/v1');
  }

  seal(grant: SealedGrant): string {
    const body = Buffer.from(JSON.stringify(grant), 'utf8').toString('base64url');
    return `${VERSION}.${body}.${mac(this.#keys[0]!, body)}`;
  }

  /** Open a token sealed with a secret still accepted, or throw InvalidRequestError('token'). */
  open(token: unknown): SealedGrant {
    if (typeof token !== 'string' || token.length > 16384) throw new InvalidRequestError('token', 'must be a grant token string');
    const [version, body, given, ...rest] = token.split('.');
    if (version !== VERSION || !body || !given || rest.length > 0) throw new InvalidRequestError('token', 'is not an upgrant grant token');
    if (!this.#keys.some((key) => sameMac(mac(key, body), given))) {
      throw new InvalidRequestError('token', 'signature does not match: tampered, or sealed with a secret that is no longer accepted (neither UPGRANT_SECRET nor one of UPGRANT_PREVIOUS_SECRETS)');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw new InvalidRequestError('token', 'payload is malformed');
    }
    if (!isSealedGrant(parsed)) throw new InvalidRequestError('token', 'payload is malformed');
    // Defence in depth: a token is only as trustworthy as the secret, so its key passes the same
    // rules a grant request does (no "..", no absolute path, no control characters, ...). The
    // bucket must equal the presigner's own, which its caller checks.
    let key: string;
    try {
      key = validateKey(parsed.key, 'key');
    } catch (error) {
      throw new InvalidRequestError('token', `names what no grant may name (${(error as Error).message})`);
    }
    if (key !== parsed.key) throw new InvalidRequestError('token', 'names a key that is not in canonical (NFC) form');
    return parsed;
  }
}

/**
 * Refuse a token reported too long after its grant expired. The storage refused uploads after
 * `expiresAt` already; `graceSeconds` is how much later the report may still come.
 */
export function checkReportWindow(grant: SealedGrant, now: Date, graceSeconds: number): void {
  if (now.getTime() / 1000 > grant.expiresAt + graceSeconds) {
    const expiresAt = new Date(grant.expiresAt * 1000).toISOString();
    throw new GrantExpiredError(expiresAt, `grant expired at ${expiresAt}; its token is accepted for ${graceSeconds} s after that (the verify grace) and that time is over`);
  }
}

function mac(key: KeyObject, body: string): string {
  return createHmac('sha256', key).update(`${VERSION}.${body}`).digest('base64url');
}

function isSealedGrant(value: unknown): value is SealedGrant {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const c = v['constraints'] as Record<string, unknown> | undefined;
  return (
    typeof v['provider'] === 'string' &&
    typeof v['bucket'] === 'string' &&
    typeof v['key'] === 'string' &&
    typeof v['expiresAt'] === 'number' &&
    (v['id'] === undefined || typeof v['id'] === 'string') &&
    (v['staging'] === undefined || typeof v['staging'] === 'string') &&
    Number.isFinite(v['expiresAt']) &&
    typeof c === 'object' &&
    c !== null &&
    typeof c['contentType'] === 'string' &&
    typeof c['minSize'] === 'number' &&
    typeof c['maxSize'] === 'number' &&
    typeof c['createOnly'] === 'boolean'
  );
}
