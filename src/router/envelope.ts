// What the router seals with each grant (as the grant request's `context`): the route's name, the
// authorized context and the checked metadata. The presigner's token MAC vouches for it, so
// verifyUpload, a sweep or a storage event on any instance hands it back on the VerifiedObject.
import { InvalidRequestError } from '../errors.js';
import type { GrantContext, VerifiedObject } from '../types.js';
import type { UploadContext } from './route.js';

export type RouteEnvelope = {
  /** Marks the context as the router's. */
  readonly upgrantRoute: string;
  readonly context: UploadContext;
  readonly metadata?: GrantContext;
};

export function envelope(route: string, context: UploadContext, metadata: GrantContext | undefined): RouteEnvelope {
  return { upgrantRoute: route, context, ...(metadata !== undefined ? { metadata } : {}) };
}

function isEnvelope(value: unknown): value is RouteEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['upgrantRoute'] === 'string' && typeof v['context'] === 'object' && v['context'] !== null;
}

/** The envelope of a verified object (MAC-checked by the presigner), if the router made its grant. */
export function envelopeOf(object: VerifiedObject): RouteEnvelope | undefined {
  return isEnvelope(object.context) ? object.context : undefined;
}

/**
 * The route a token says it belongs to, read WITHOUT checking its MAC: only to refuse a token
 * sent to another route's endpoint early. The presigner checks the MAC before anything is done.
 */
export function peekRoute(token: unknown): string | undefined {
  if (typeof token !== 'string' || token.length > 16384) throw new InvalidRequestError('token', 'must be a grant token string');
  const body = token.split('.')[1];
  if (!body) throw new InvalidRequestError('token', 'is not an upgrant grant token');
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { context?: unknown };
    return isEnvelope(payload.context) ? payload.context.upgrantRoute : undefined;
  } catch {
    throw new InvalidRequestError('token', 'is not an upgrant grant token');
  }
}
