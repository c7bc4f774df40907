// Storage error bodies -> one UploadErrorCode. Every provider answers a refused upload in its own
// dialect: S3 and GCS with <Error><Code>..</Code><Message>..</Message></Error>, Azure the same
// shape plus <AuthenticationErrorDetail> (and the code again in x-ms-error-code), the local
// receiver with JSON { error: { code, message } } whose codes already are ours, GCS upload
// sessions (JSON API) with { error: { code: <status>, message } }. Parsed with
// regular expressions on purpose: Node has no DOMParser, and we read three flat elements.
import type { UploadErrorCode } from './errors.js';

export interface ProviderAnswer {
  status: number;
  body: string;
  /** Azure's x-ms-error-code header, when the response exposed it. */
  errorCodeHeader?: string | null | undefined;
}

export interface MappedError {
  code: UploadErrorCode;
  providerCode?: string;
  providerMessage?: string;
}

export interface MapContext {
  /** The grant is create-only: a permission refusal on an existing object means "exists". */
  createOnly?: boolean;
  /** The grant's expiry (ISO 8601): an authentication refusal after it means "expired" (Azurite says only AuthorizationFailure). */
  expiresAt?: string;
  /** The size sent and the size range granted: a signature refusal for a signed Content-Length means the size is wrong. */
  size?: number;
  minSize?: number;
  maxSize?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const LOCAL_CODES: Readonly<Record<string, UploadErrorCode>> = {
  forbidden: 'forbidden',
  expired: 'expired',
  exists: 'exists',
  conflict: 'exists',
  'too-large': 'too-large',
  'too-small': 'too-small',
  'type-mismatch': 'type-mismatch',
  'checksum-mismatch': 'checksum-mismatch',
  aborted: 'aborted',
  // The receiver cut a body that stayed silent past its idle timeout: the connection stalled.
  timeout: 'network',
};

/** Provider <Code> values whose meaning does not depend on the message. */
const XML_CODES: Readonly<Record<string, UploadErrorCode>> = {
  // S3 (AWS and compatible stores), GCS's XML API
  SignatureDoesNotMatch: 'forbidden',
  InvalidAccessKeyId: 'forbidden',
  AuthorizationQueryParametersError: 'forbidden',
  ExpiredToken: 'expired',
  TokenRefreshRequired: 'expired',
  PreconditionFailed: 'exists',
  ConditionalRequestConflict: 'exists',
  EntityTooLarge: 'too-large',
  EntityTooSmall: 'too-small',
  BadDigest: 'checksum-mismatch',
  InvalidDigest: 'checksum-mismatch',
  XAmzContentChecksumMismatch: 'checksum-mismatch',
  XAmzContentSHA256Mismatch: 'checksum-mismatch',
  InvalidChecksum: 'checksum-mismatch',
  // Azure Blob
  AuthorizationFailure: 'forbidden',
  AuthorizationResourceTypeMismatch: 'forbidden',
  AuthorizationProtocolMismatch: 'forbidden',
  AuthorizationSourceIPMismatch: 'forbidden',
  BlobAlreadyExists: 'exists',
  ConditionNotMet: 'exists',
  Md5Mismatch: 'checksum-mismatch',
  InvalidMd5: 'checksum-mismatch',
  Crc64Mismatch: 'checksum-mismatch',
  RequestBodyTooLarge: 'too-large',
};

/** What a refused upload means, from the status and whatever body the storage sent. */
export function mapProviderError(answer: ProviderAnswer, context: MapContext = {}): MappedError {
  const mapped = mapAnswer(answer, context);
  if (mapped.code !== 'forbidden') return mapped;
  // Stores that bind expiry and Content-Length into the signature refuse a late or wrongly sized
  // upload as a bad signature. The client sent exactly the grant's headers, so when the facts
  // explain the refusal, say which promise broke.
  const now = (context.now ?? Date.now)();
  if (context.expiresAt !== undefined && now > Date.parse(context.expiresAt)) return { ...mapped, code: 'expired' };
  if (context.size !== undefined && context.maxSize !== undefined && context.size > context.maxSize) return { ...mapped, code: 'too-large' };
  if (context.size !== undefined && context.minSize !== undefined && context.size < context.minSize) return { ...mapped, code: 'too-small' };
  return mapped;
}

function mapAnswer(answer: ProviderAnswer, context: MapContext): MappedError {
  const { status, body } = answer;
  const json = parseJsonError(body);
  if (typeof json?.code === 'string') {
    // The local receiver: its codes already are ours.
    return { code: LOCAL_CODES[json.code] ?? byStatus(status), providerCode: json.code, ...(json.message ? { providerMessage: json.message } : {}) };
  }
  if (typeof json?.code === 'number' && json.message !== undefined) {
    // A GCS upload session (JSON API): the code is the status; the reason, if any, names it.
    return { code: jsonApiCode(status, json.message), ...(json.reason ? { providerCode: json.reason } : {}), providerMessage: json.message.slice(0, 500) };
  }
  const xml = parseXml(body);
  const providerCode = xml.code ?? answer.errorCodeHeader ?? undefined;
  const providerMessage = [xml.message, xml.detail].filter(Boolean).join(' ').slice(0, 500) || undefined;
  const extra = { ...(providerCode ? { providerCode } : {}), ...(providerMessage ? { providerMessage } : {}) };
  if (!providerCode) return { code: byStatus(status), ...extra };
  const text = `${xml.message ?? ''} ${xml.detail ?? ''}`;
  const fixed = XML_CODES[providerCode];
  if (fixed) return { code: fixed, ...extra };
  switch (providerCode) {
    case 'AccessDenied':
      // S3: "Request has expired"; GCS: "Request signature expired at ..."; POST policies:
      // "Invalid according to Policy: Policy expired." / "... Policy Condition failed: [...]".
      if (/expired/i.test(text)) return { code: 'expired', ...extra };
      if (/content-length-range/i.test(text)) return { code: /small|minimum/i.test(text) ? 'too-small' : 'too-large', ...extra };
      if (/content-type/i.test(text) && /policy/i.test(text)) return { code: 'type-mismatch', ...extra };
      return { code: 'forbidden', ...extra };
    case 'AuthenticationFailed':
      // Azure puts the reason in AuthenticationErrorDetail: "Signed expiry time [...] must be
      // after signed start time [...]" for an expired SAS.
      return { code: /expir/i.test(text) ? 'expired' : 'forbidden', ...extra };
    case 'InvalidOperation':
      // Azurite's answer to a wrong Content-MD5 (Azure itself says Md5Mismatch).
      return { code: /md5/i.test(text) ? 'checksum-mismatch' : byStatus(status), ...extra };
    case 'AuthorizationPermissionMismatch':
      // A create-only Azure SAS (sp=c) refuses to overwrite with this code: the blob exists.
      return { code: context.createOnly ? 'exists' : 'forbidden', ...extra };
    default:
      return { code: byStatus(status), ...extra };
  }
}

/** Whether another attempt could succeed: server-side trouble and throttling, never a refusal. */
export function isRetryableStatus(status: number, providerCode?: string): boolean {
  if (providerCode === 'SlowDown' || providerCode === 'ServerBusy' || providerCode === 'InternalError') return true;
  return status === 500 || status === 502 || status === 503 || status === 504 || status === 429 || status === 408;
}

function byStatus(status: number): UploadErrorCode {
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 409 || status === 412) return 'exists';
  if (status === 413) return 'too-large';
  return 'unknown';
}

/**
 * The JSON error bodies: the local receiver's { error: { code: 'too-large', message } } and GCS's
 * JSON API { error: { code: 400, message, errors: [{ reason }] } }, parsed once.
 */
function parseJsonError(body: string): { code: string | number; message?: string; reason?: string } | undefined {
  if (!body.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown; errors?: { reason?: unknown }[] } };
    const code = parsed.error?.code;
    if (typeof code !== 'string' && typeof code !== 'number') return undefined;
    const message = parsed.error?.message;
    const reason = parsed.error?.errors?.[0]?.reason;
    return { code, ...(typeof message === 'string' ? { message } : {}), ...(typeof reason === 'string' ? { reason } : {}) };
  } catch {
    return undefined;
  }
}

function jsonApiCode(status: number, message: string): UploadErrorCode {
  if (status === 400 && /\b(md5|crc32c)\b/i.test(message)) return 'checksum-mismatch';
  // A session that is gone was cancelled by the server or outlived its week.
  if (status === 404 || status === 410) return 'expired';
  return byStatus(status);
}

function parseXml(body: string): { code?: string; message?: string; detail?: string } {
  const pick = (tag: string) => {
    const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(body);
    return match?.[1] === undefined ? undefined : unescapeXml(match[1]).trim();
  };
  const code = pick('Code');
  const message = pick('Message');
  const detail = pick('AuthenticationErrorDetail') ?? pick('Details');
  return { ...(code ? { code } : {}), ...(message ? { message } : {}), ...(detail ? { detail } : {}) };
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_m, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name] ?? '');
}
