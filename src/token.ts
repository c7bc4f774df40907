// Grant tokens: a copy of what was granted, authenticated with UPGRANT_SECRET, so verifyUpload
// can trust the constraints a client hands back. The payload is readable (it holds nothing the
// grant URL does not already show); only its integrity matters.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { InvalidRequestError } from './errors.js';
import type { GrantConstraints, GrantContext, ProviderName } from './types.js';

const VERSION = 'ug1';
const MIN_SECRET_BYTES = 32;

export interface SealedGrant {
  readonly provider: ProviderName;
  readonly bucket: string;
  readonly key: string;
  readonly constraints: GrantConstraints;
  /** Unix seconds. */
  readonly expiresAt: number;
  /** The app's context (upload routes: route and who asked), present only when given. */
  readonly context?: GrantContext;
}

/** Derive a purpose-bound key, so a token MAC can never double as a local URL signature. */
export function deriveKey(secret: string, purpose: string): Buffer {
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new InvalidRequestError('secret', `must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  return createHmac('sha256', secret).update(`upgrant/${purpose}`).digest();
}

export class TokenSealer {
  // A KeyObject: createHmac imports a Buffer key again on every call, a KeyObject once.
  readonly #key: KeyObject;

  constructor(secret: string) {
    this.#key = createSecretKey(deriveKey(secret, 'token/v1'));
  }

  seal(grant: SealedGrant): string {
    const body = Buffer.from(JSON.stringify(grant), 'utf8').toString('base64url');
    return `${VERSION}.${body}.${this.#mac(body)}`;
  }

  /** Open a token sealed with this secret, or throw InvalidRequestError('token'). */
  open(token: unknown): SealedGrant {
    if (typeof token !== 'string' || token.length > 16384) throw new InvalidRequestError('token', 'must be a grant token string');
    const [version, body, mac, ...rest] = token.split('.');
    if (version !== VERSION || !body || !mac || rest.length > 0) throw new InvalidRequestError('token', 'is not an upgrant grant token');
    const expected = Buffer.from(this.#mac(body), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new InvalidRequestError('token', 'signature does not match: tampered, or sealed with another secret');
    }
    const parsed: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (!isSealedGrant(parsed)) throw new InvalidRequestError('token', 'payload is malformed');
    return parsed;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(`${VERSION}.${body}`).digest('base64url');
  }
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
    typeof c === 'object' &&
    c !== null &&
    typeof c['contentType'] === 'string' &&
    typeof c['minSize'] === 'number' &&
    typeof c['maxSize'] === 'number' &&
    typeof c['createOnly'] === 'boolean'
  );
}
