// Signing credentials, resolved once and cached, so a grant never waits on the network: explicit
// keys are used as they are; otherwise the AWS SDK's default chain (env keys, session tokens,
// profiles, SSO, container and instance roles) is asked, and temporary credentials are refreshed
// in the background well before they expire. Expiry is judged by the real clock, never by the
// signing clock (which tests pin to dates in 2013).
import { ConfigError } from '../../src/errors.js';
import type { SigV4Credentials } from './sigv4.js';

export interface ExpiringCredentials extends SigV4Credentials {
  readonly expiration?: Date;
}

export type CredentialSource = () => Promise<ExpiringCredentials>;

/** Refresh in the background this long before expiry... */
const SOFT_MARGIN_MS = 5 * 60_000;
/** ...and wait for a refresh when closer than this (the grant would die with its credentials). */
const HARD_MARGIN_MS = 60_000;

export class CredentialCache {
  readonly #source: CredentialSource;
  #current: ExpiringCredentials | undefined;
  #pending: Promise<ExpiringCredentials> | undefined;

  constructor(source: CredentialSource) {
    this.#source = source;
  }

  /** Cached credentials; awaits the source only on first use or when they are about to expire. */
  async get(): Promise<SigV4Credentials> {
    const current = this.#current;
    if (current) {
      const left = current.expiration ? current.expiration.getTime() - Date.now() : Infinity;
      if (left > HARD_MARGIN_MS) {
        if (left < SOFT_MARGIN_MS) this.#refresh().catch(() => undefined);
        return current;
      }
    }
    return this.#refresh();
  }

  #refresh(): Promise<ExpiringCredentials> {
    this.#pending ??= this.#source()
      .then((credentials) => {
        checkCredentials(credentials);
        this.#current = credentials;
        return credentials;
      })
      .catch((error: unknown) => {
        throw credentialError(error);
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }
}

/** Explicit credentials must be complete: a half-set pair would only fail at upload time. */
export function checkCredentials(credentials: SigV4Credentials): void {
  if (typeof credentials?.accessKeyId !== 'string' || credentials.accessKeyId === '') {
    throw new ConfigError('AWS_ACCESS_KEY_ID', 'the access key id is missing or empty');
  }
  if (typeof credentials.secretAccessKey !== 'string' || credentials.secretAccessKey === '') {
    throw new ConfigError('AWS_SECRET_ACCESS_KEY', 'the secret access key is missing or empty');
  }
}

function credentialError(error: unknown): unknown {
  if (error instanceof ConfigError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const config = new ConfigError(
    'AWS_ACCESS_KEY_ID',
    `no usable AWS credentials (${detail}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with a role`,
  );
  return Object.assign(config, { cause: error });
}
