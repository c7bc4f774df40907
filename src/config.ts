// Environment -> typed PresignerConfig. One deployment picks its provider and policy with
// variables (DESIGN section 4); a missing or bad variable is one ConfigError line that names it
// and says what is expected, never an SDK stack trace later on. The policy is read here; the
// bucket by the selected driver's rule and its own variables by its optionsFromEnv (both in
// drivers/<name>/config.ts), from the env object given: nothing reads process.env unless passed it.
import { randomBytes } from 'node:crypto';
import type { DriverRegistration } from '../drivers/driver.js';
import { BUILT_IN_DRIVERS } from '../drivers/built-in.js';
import { createDriver, findDriver, policyOf, type PresignerConfig } from './create-presigner.js';
import { CONTENT_MODES, type ContentCheckMode } from './content-check.js';
import { checkBucketName, optional, readFlag, readSeconds, value, type Env } from './env-values.js';
import { ConfigError } from './errors.js';
import { MIN_SECRET_BYTES, validateSecret } from './http-values.js';
import { PortablePresigner } from './presigner.js';
import { STAGING_POLICIES, validateStagingPrefix } from './staging.js';
import type { PolicyOptions, Presigner, StagingPolicy } from './types.js';
import { MAX_GRANT_EXPIRY, validateTypePattern } from './validate.js';

export type { Env };
export { DEFAULT_LOCAL_ROOT } from '../drivers/local/config.js';

/** The built-in providers' names. */
export const PROVIDERS: readonly string[] = BUILT_IN_DRIVERS.map((d) => d.name);

let warnedAboutDevSecret = false;

/**
 * Read the configuration for `createPresigner` from environment variables: the provider
 * (UPGRANT_PROVIDER, default local) among `drivers` (the built-in ones unless told otherwise), the
 * policy, the bucket by that driver's rule, and the driver's options from its optionsFromEnv.
 */
export function loadConfig(env: Env = process.env, drivers: readonly DriverRegistration[] = BUILT_IN_DRIVERS): PresignerConfig {
  const registration = selectedDriver(env, drivers);
  const policy = readPolicy(env, registration);
  const bucket = value(env, 'UPGRANT_BUCKET') ?? registration.defaultBucket;
  return {
    provider: registration.name,
    ...policy,
    bucket: checkBucketName(registration.bucketName, bucket),
    ...(registration.optionsFromEnv(env) as object),
  } as PresignerConfig;
}

/** The registration UPGRANT_PROVIDER (default local) names among `drivers`; an unknown name is a ConfigError. */
export function selectedDriver(env: Env = process.env, drivers: readonly DriverRegistration[] = BUILT_IN_DRIVERS): DriverRegistration {
  return findDriver(drivers, (value(env, 'UPGRANT_PROVIDER') ?? 'local').toLowerCase());
}

function readPolicy(env: Env, registration: DriverRegistration): PolicyOptions {
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
    secret: readSecret(env, registration),
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

function readSecret(env: Env, registration: DriverRegistration): string {
  const secret = value(env, 'UPGRANT_SECRET');
  if (secret !== undefined) return validateSecret(secret, 'UPGRANT_SECRET');
  const production = value(env, 'NODE_ENV') === 'production';
  if (!registration.devSecret || production) {
    throw new ConfigError('UPGRANT_SECRET', `is required${production ? ' in production' : ` for provider ${registration.name}`}: at least 32 bytes, e.g. from \`openssl rand -base64 32\``);
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
    try {
      validateSecret(secret, 'UPGRANT_PREVIOUS_SECRETS');
    } catch {
      throw new ConfigError('UPGRANT_PREVIOUS_SECRETS', `entry ${i + 1} is under ${MIN_SECRET_BYTES} bytes; list the secrets of before the rotation, comma-separated`);
    }
  }
  return secrets;
}

/** `presignerFromEnv(env)`: loadConfig + createPresigner, with driver errors named by their variable. */
export async function presignerFromEnv(env: Env = process.env, drivers: readonly DriverRegistration[] = BUILT_IN_DRIVERS): Promise<Presigner> {
  const config = loadConfig(env, drivers);
  try {
    return new PortablePresigner(await createDriver(config, drivers), policyOf(config));
  } catch (error) {
    throw inVariableTerms(error, findDriver(drivers, config.provider));
  }
}

/**
 * A driver names the option it was given (`keyFilename`); someone who configured by environment
 * set the variable its registration reads it from, so that is what to name.
 */
export function inVariableTerms(error: unknown, registration: DriverRegistration): unknown {
  if (!(error instanceof ConfigError)) return error;
  const variable = registration.optionVariables?.[error.variable];
  if (variable === undefined) return error;
  const renamed = new ConfigError(variable, error.message.slice(error.variable.length + 2));
  renamed.cause = error;
  return renamed;
}
