// The one error upgrant/client throws. `code` is what an app branches on; `status`, `providerCode`
// and `providerMessage` keep what the storage itself said, for logs and support.

export type UploadErrorCode =
  | 'expired'
  | 'forbidden'
  | 'exists'
  | 'too-large'
  | 'too-small'
  | 'type-mismatch'
  | 'checksum-mismatch'
  | 'content-mismatch'
  | 'network'
  | 'aborted'
  | 'unknown';

export interface UploadErrorDetails {
  /** HTTP status the storage answered; 0 when no answer arrived (network, aborted). */
  status: number;
  /** The provider's own error code, e.g. `SignatureDoesNotMatch`, `BlobAlreadyExists`, `too-large`. */
  providerCode?: string;
  /** The provider's own message (and detail, for Azure), trimmed. */
  providerMessage?: string;
  /** Attempts made, the failing one included. */
  attempts?: number;
  cause?: unknown;
}

const HUMAN: Record<UploadErrorCode, string> = {
  expired: 'the upload permission has expired: ask for a new one',
  forbidden: 'the storage refused the upload permission (wrong signature, key or method)',
  exists: 'a file already exists under this name: each upload permission works once',
  'too-large': 'the file is larger than the upload permission allows',
  'too-small': 'the file is smaller than the upload permission requires',
  'type-mismatch': 'the file type is not the one the upload permission was made for',
  'checksum-mismatch': 'the file content does not match the checksum the upload permission was made for',
  'content-mismatch': 'the file is not what its type says (checked on this device before uploading)',
  network: 'the connection to the storage failed',
  aborted: 'the upload was cancelled',
  unknown: 'the storage refused the upload',
};

export class UploadError extends Error {
  override readonly name = 'UploadError';
  readonly code: UploadErrorCode;
  readonly status: number;
  readonly providerCode: string | undefined;
  readonly providerMessage: string | undefined;
  readonly attempts: number;

  constructor(code: UploadErrorCode, details: UploadErrorDetails) {
    const said = details.providerCode ? ` (${details.status} ${details.providerCode}${details.providerMessage ? `: ${details.providerMessage}` : ''})` : details.status ? ` (${details.status})` : '';
    super(`${HUMAN[code]}${said}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.providerCode = details.providerCode;
    this.providerMessage = details.providerMessage;
    this.attempts = details.attempts ?? 1;
  }

  /** A short sentence for people, without the provider's details. */
  get humanMessage(): string {
    return HUMAN[this.code];
  }
}
