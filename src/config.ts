// Environment -> typed PresignerConfig. One deployment picks its provider and policy with
// variables (DESIGN section 4); a missing or bad variable is one ConfigError line that names it
// and says what is expected, never an SDK stack trace later on.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { isS3CompatName, S3_COMPAT_NAMES, type S3CompatName } from '../drivers/s3/compat.js';
import { createPresigner, type PresignerConfig } from './create-presigner.js';
import { CONTENT_MODES, type ContentCheckMode } from './content-check.js';
import { ConfigError } from './errors.js';
import { STAGING_POLICIES, validateStagingPrefix } from './staging.js';
import type { PolicyOptions, Presigner, ProviderName, StagingPolicy } from './types.js';
import { MAX_GRANT_EXPIRY, validateBucketName, validateTypePattern } from './validate.js';

export type Env = Readonly<Record<string, string | undefined>>;

export const PROVIDERS: readonly ProviderName[] = ['local', 's3', 'gcs', 'azure'];
export const DEFAULT_LOCAL_ROOT = './uploads';

let warnedAboutDevSecret = false;

/** Read the configuration for `createPresigner` from environment variables. */
export function loadConfig(env: Env = process.env): PresignerConfig {
  const provider = readProvider(env);
  const policy = readPolicy(env, provider);
  switch (provider) {
    case 'local':
      return {
        provider,
        ...policy,
        root: path.resolve(value(env, 'UPGRANT_LOCAL_ROOT') ?? DEFAULT_LOCAL_ROOT),
        bucket: readBucket(env, false) ?? 'local',
        baseUrl: readRequiredUrl(env, 'UPGRANT_PUBLIC_URL', "is required on the local provider: the receiver's URL as clients reach it, e.g. http://127.0.0.1:8787/storage"),
      };
    case 's3':
      return {
        provider,
        ...policy,
        bucket: readBucket(env, true)!,
        ...optional('region', value(env, 'AWS_REGION') ?? value(env, 'AWS_DEFAULT_REGION')),
        ...optional('endpoint', readUrl(env, 'AWS_ENDPOINT_URL_S3') ?? readUrl(env, 'AWS_ENDPOINT_URL')),
        ...optional('forcePathStyle', readFlag(env, 'UPGRANT_S3_FORCE_PATH_STYLE')),
        ...optional('compat', readS3Compat(env)),
        ...optional('conditionalWrites', readFlag(env, 'UPGRANT_S3_CONDITIONAL_WRITES')),
        ...optional('sha256Checksums', readFlag(env, 'UPGRANT_S3_SHA256_CHECKSUMS')),
        ...optional('postUploads', readFlag(env, 'UPGRANT_S3_POST_UPLOADS')),
        ...readAwsKeys(env),
      };
    case 'gcs':
      return {
        provider,
        ...policy,
        bucket: readBucket(env, true)!,
        ...optional('keyFilename', value(env, 'GOOGLE_APPLICATION_CREDENTIALS')),
        ...optional('signerEmail', readEmail(env, 'UPGRANT_GCS_SIGNER_EMAIL')),
        ...readGcsHmac(env),
        ...optional('apiEndpoint', readEmulatorHost(env)),
        ...optional('projectId', value(env, 'GOOGLE_CLOUD_PROJECT')),
      };
    case 'azure':
      return { provider, ...policy, bucket: readBucket(env, true)!, ...readAzureCredentials(env) };
  }
}

/** A URL the deployment must name (the local receiver's has no default outside the CLI). */
function readRequiredUrl(env: Env, name: string, missing: string): string {
  const url = readUrl(env, name);
  if (url === undefined) throw new ConfigError(name, missing);
  return url;
}

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function optional<K extends string, V>(name: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [name]: v }) as { [P in K]?: V };
}

function readProvider(env: Env): ProviderName {
  const raw = (value(env, 'UPGRANT_PROVIDER') ?? 'local').toLowerCase();
  if (!(PROVIDERS as readonly string[]).includes(raw)) {
    throw new ConfigError('UPGRANT_PROVIDER', `"${raw}" is not a provider; expected one of ${PROVIDERS.join(', ')}`);
  }
  return raw as ProviderName;
}

function readPolicy(env: Env, provider: ProviderName): PolicyOptions {
  const maxExpires = value(env, 'UPGRANT_MAX_EXPIRES');
  let maxExpiresIn: number | undefined;
  if (maxExpires !== undefined) {
    maxExpiresIn = Number(maxExpires);
    if (!Number.isInteger(maxExpiresIn) || maxExpiresIn < 1 || maxExpiresIn > MAX_GRANT_EXPIRY) {
      throw new ConfigError('UPGRANT_MAX_EXPIRES', `"${maxExpires}" must be whole seconds from 1 to ${MAX_GRANT_EXPIRY} (7 days)`);
    }
  }
  const allowedTypes = readTypeList(env, 'UPGRANT_ALLOWED_TYPES');
  return {
    secret: readSecret(env, provider),
    ...optional('previousSecrets', readPreviousSecrets(env)),
    ...optional('verifyGrace', readSeconds(env, 'UPGRANT_VERIFY_GRACE', 0, MAX_GRANT_EXPIRY)),
    ...optional('strict', readFlag(env, 'UPGRANT_STRICT')),
    ...optional('staging', readStaging(env)),
    ...optional('stagingPrefix', readStagingPrefix(env)),
    ...optional('maxExpiresIn', maxExpiresIn),
    ...optional('allowedTypes', allowedTypes),
    ...optional('contentCheck', readContentCheck(env)),
    ...optional('contentCheckAllowed', readTypeList(env, 'UPGRANT_CONTENT_CHECK_ALLOW')),
  };
}

function readStaging(env: Env): StagingPolicy | undefined {
  const raw = value(env, 'UPGRANT_STAGING');
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (!(STAGING_POLICIES as readonly string[]).includes(v)) throw new ConfigError('UPGRANT_STAGING', `"${raw}" is not a staging policy; expected auto, always or never`);
  return v as StagingPolicy;
}

function readStagingPrefix(env: Env): string | undefined {
  const raw = value(env, 'UPGRANT_STAGING_PREFIX');
  if (raw === undefined) return undefined;
  try {
    return validateStagingPrefix(raw, 'UPGRANT_STAGING_PREFIX');
  } catch (error) {
    throw new ConfigError('UPGRANT_STAGING_PREFIX', `"${raw}" ${(error as Error).message.replace(/^UPGRANT_STAGING_PREFIX: /, '')}`);
  }
}

/** A comma-separated list of `type/subtype` or `type/*`. */
function readTypeList(env: Env, name: string): string[] | undefined {
  return value(env, name)
    ?.split(',')
    .map((t) => {
      try {
        return validateTypePattern(t, name);
      } catch {
        throw new ConfigError(name, `"${t.trim()}" is not type/subtype or type/*; expected a comma-separated list such as image/*,application/pdf`);
      }
    });
}

function readContentCheck(env: Env): ContentCheckMode | undefined {
  const raw = value(env, 'UPGRANT_CONTENT_CHECK')?.toLowerCase();
  if (raw === undefined) return undefined;
  if (!(CONTENT_MODES as readonly string[]).includes(raw)) {
    throw new ConfigError('UPGRANT_CONTENT_CHECK', `"${raw}" is not a content check mode; expected one of ${CONTENT_MODES.join(', ')}`);
  }
  return raw as ContentCheckMode;
}

function readSecret(env: Env, provider: ProviderName): string {
  const secret = value(env, 'UPGRANT_SECRET');
  if (secret !== undefined) {
    if (Buffer.byteLength(secret, 'utf8') < 32) {
      throw new ConfigError('UPGRANT_SECRET', 'must be at least 32 bytes; make one with `openssl rand -base64 32`');
    }
    return secret;
  }
  const production = value(env, 'NODE_ENV') === 'production';
  if (provider !== 'local' || production) {
    throw new ConfigError('UPGRANT_SECRET', `is required${production ? ' in production' : ` for provider ${provider}`}: at least 32 bytes, e.g. from \`openssl rand -base64 32\``);
  }
  if (!warnedAboutDevSecret) {
    warnedAboutDevSecret = true;
    process.emitWarning('UPGRANT_SECRET is not set: using a random secret for this process (grants and tokens die with it). Set it outside development.', {
      code: 'UPGRANT_DEV_SECRET',
    });
  }
  return randomBytes(32).toString('base64url');
}

/** UPGRANT_PREVIOUS_SECRETS: comma-separated, each at least 32 bytes (a secret has no commas). */
function readPreviousSecrets(env: Env): string[] | undefined {
  const raw = value(env, 'UPGRANT_PREVIOUS_SECRETS');
  if (raw === undefined) return undefined;
  const secrets = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const [i, secret] of secrets.entries()) {
    if (Buffer.byteLength(secret, 'utf8') < 32) {
      throw new ConfigError('UPGRANT_PREVIOUS_SECRETS', `entry ${i + 1} is under 32 bytes; list the secrets of before the rotation, comma-separated`);
    }
  }
  return secrets;
}

/** Whole seconds within [min, max], or undefined when unset. */
function readSeconds(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  if (!/^(0|[1-9]\d*)$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `"${raw}" must be whole seconds from ${min} to ${max}`);
  }
  return Number(raw);
}

function readBucket(env: Env, required: boolean): string | undefined {
  const bucket = value(env, 'UPGRANT_BUCKET');
  if (bucket === undefined) {
    if (required) throw new ConfigError('UPGRANT_BUCKET', 'is required: the bucket (S3, GCS) or container (Azure) grants are for');
    return undefined;
  }
  try {
    return validateBucketName(bucket, 'UPGRANT_BUCKET');
  } catch (error) {
    throw new ConfigError('UPGRANT_BUCKET', `"${bucket}" ${(error as Error).message.replace(/^UPGRANT_BUCKET: /, '')}`);
  }
}

function readFlag(env: Env, name: string): boolean | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `"${raw}" is not a flag; expected 1 or 0`);
}

/** UPGRANT_S3_COMPAT: which S3-compatible store (drivers/s3/compat.ts); the UPGRANT_S3_* flags override single capabilities. */
function readS3Compat(env: Env): S3CompatName | undefined {
  const raw = value(env, 'UPGRANT_S3_COMPAT')?.toLowerCase();
  if (raw !== undefined && !isS3CompatName(raw)) {
    throw new ConfigError('UPGRANT_S3_COMPAT', `"${raw}" is not an S3-compatible profile; expected one of ${S3_COMPAT_NAMES.join(', ')}`);
  }
  return raw;
}

function readUrl(env: Env, name: string): string | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return raw;
  } catch {
    throw new ConfigError(name, `"${raw}" is not an absolute http(s) URL`);
  }
}

function readEmail(env: Env, name: string): string | undefined {
  const raw = value(env, name);
  if (raw !== undefined && !/^[^@\s]+@[^@\s]+$/.test(raw)) throw new ConfigError(name, `"${raw}" is not a service account email`);
  return raw;
}

function readEmulatorHost(env: Env): string | undefined {
  const raw = value(env, 'STORAGE_EMULATOR_HOST');
  if (raw === undefined) return undefined;
  const withScheme = /^https?:\/\//.test(raw) ? raw : `http://${raw}`;
  try {
    return new URL(withScheme).toString().replace(/\/+$/, '');
  } catch {
    throw new ConfigError('STORAGE_EMULATOR_HOST', `"${raw}" is not host:port or a URL`);
  }
}

/** Explicit keys are optional (the SDK chain finds profiles and roles), but never half given. */
function readAwsKeys(env: Env): { credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } {
  const id = value(env, 'AWS_ACCESS_KEY_ID');
  const secret = value(env, 'AWS_SECRET_ACCESS_KEY');
  if (id === undefined && secret === undefined) return {};
  if (id === undefined) throw new ConfigError('AWS_ACCESS_KEY_ID', 'is missing while AWS_SECRET_ACCESS_KEY is set');
  if (secret === undefined) throw new ConfigError('AWS_SECRET_ACCESS_KEY', 'is missing while AWS_ACCESS_KEY_ID is set');
  return { credentials: { accessKeyId: id, secretAccessKey: secret, ...optional('sessionToken', value(env, 'AWS_SESSION_TOKEN')) } };
}

function readGcsHmac(env: Env): { hmacKey?: { accessId: string; secret: string } } {
  const accessId = value(env, 'UPGRANT_GCS_HMAC_ACCESS_ID');
  const secret = value(env, 'UPGRANT_GCS_HMAC_SECRET');
  if (accessId === undefined && secret === undefined) return {};
  if (accessId === undefined) throw new ConfigError('UPGRANT_GCS_HMAC_ACCESS_ID', 'is missing while UPGRANT_GCS_HMAC_SECRET is set');
  if (secret === undefined) throw new ConfigError('UPGRANT_GCS_HMAC_SECRET', 'is missing while UPGRANT_GCS_HMAC_ACCESS_ID is set');
  return { hmacKey: { accessId, secret } };
}

function readAzureCredentials(env: Env): { connectionString?: string; accountName?: string; accountKey?: string } {
  const connectionString = value(env, 'AZURE_STORAGE_CONNECTION_STRING');
  if (connectionString !== undefined) return { connectionString };
  const accountName = value(env, 'AZURE_STORAGE_ACCOUNT');
  const accountKey = value(env, 'AZURE_STORAGE_KEY');
  if (accountName === undefined) {
    throw new ConfigError(
      accountKey === undefined ? 'AZURE_STORAGE_CONNECTION_STRING' : 'AZURE_STORAGE_ACCOUNT',
      accountKey === undefined
        ? 'is required (or AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY, or AZURE_STORAGE_ACCOUNT alone for Entra ID)'
        : 'is required with AZURE_STORAGE_KEY',
    );
  }
  if (accountKey !== undefined && !/^[A-Za-z0-9+/]+={0,2}$/.test(accountKey)) throw new ConfigError('AZURE_STORAGE_KEY', 'is not a base64 account key');
  return { accountName, ...optional('accountKey', accountKey) };
}

/** `presignerFromEnv(env)`: loadConfig + createPresigner, with driver errors named by their variable. */
export async function presignerFromEnv(env: Env = process.env): Promise<Presigner> {
  const config = loadConfig(env);
  try {
    return await createPresigner(config);
  } catch (error) {
    throw inVariableTerms(error);
  }
}

/**
 * Driver options loadConfig fills from a variable. A driver names the option it was given
 * (`keyFilename`); someone who configured by environment set the variable, so that is what to name.
 */
const OPTION_VARIABLES: Readonly<Record<string, string>> = {
  keyFilename: 'GOOGLE_APPLICATION_CREDENTIALS',
  signerEmail: 'UPGRANT_GCS_SIGNER_EMAIL',
  apiEndpoint: 'STORAGE_EMULATOR_HOST',
  projectId: 'GOOGLE_CLOUD_PROJECT',
  hmacKey: 'UPGRANT_GCS_HMAC_SECRET',
  'hmacKey.accessId': 'UPGRANT_GCS_HMAC_ACCESS_ID',
  'hmacKey.secret': 'UPGRANT_GCS_HMAC_SECRET',
};

/** A driver option's ConfigError renamed to the variable it came from (AWS_ENDPOINT_URL, not endpoint). */
export function inVariableTerms(error: unknown): unknown {
  if (!(error instanceof ConfigError)) return error;
  const variable = OPTION_VARIABLES[error.variable];
  if (variable === undefined) return error;
  const renamed = new ConfigError(variable, error.message.slice(error.variable.length + 2));
  renamed.cause = error;
  return renamed;
}
