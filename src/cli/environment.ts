// The environment a command runs with. Three things differ from a library's loadConfig: the local
// provider's public URL defaults to the receiver `upgrant serve` runs (serve-settings.ts); a missing
// development secret is made here, so its warning is printed only once the command really runs
// (not before a configuration error, not for a command that seals nothing); and the AWS SDK's
// Node-version notice is turned off for upgrant's own commands.
import { randomBytes } from 'node:crypto';
import type { DriverRegistration } from '../../drivers/driver.js';
import { selectedDriver, type Env } from '../config.js';
import { withDemoDefaults } from './serve-settings.js';

/** The AWS SDK's documented switch for its NodeVersionSupportWarning (aws-sdk-js-v3 issue 7983). */
export const AWS_NODE_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

export const DEV_SECRET_WARNING =
  'warning: UPGRANT_SECRET is not set, so this process uses a random secret: its grants and tokens die with it, and another process cannot verify them. Set UPGRANT_SECRET (openssl rand -base64 32) outside development.';

export interface CommandEnv {
  readonly env: Env;
  /** True when UPGRANT_SECRET was made up here: print DEV_SECRET_WARNING once the command runs. */
  readonly devSecret: boolean;
  /** The registration of the driver UPGRANT_PROVIDER selects, looked up once for the command. */
  readonly driver: DriverRegistration;
}

/**
 * The variables a command runs with. `needsSecret: false` (cors) fills a throwaway secret for any
 * provider, since nothing is sealed; otherwise only where loadConfig would make one itself.
 */
export function commandEnv(given: Env, needsSecret = true): CommandEnv {
  const driver = selectedDriver(given);
  const env = withDemoDefaults(given, driver);
  if (set(env, 'UPGRANT_SECRET')) return { env, devSecret: false, driver };
  const development = env['NODE_ENV']?.trim() !== 'production';
  if (needsSecret && (driver.devSecret !== true || !development)) return { env, devSecret: false, driver };
  return { env: { ...env, UPGRANT_SECRET: randomBytes(32).toString('base64url') }, devSecret: needsSecret, driver };
}

/** Silence the SDK's notice in this process unless the user decided otherwise. */
export function quietSdkNotices(env: NodeJS.ProcessEnv): void {
  if (env[AWS_NODE_WARNING_SWITCH] === undefined) env[AWS_NODE_WARNING_SWITCH] = 'true';
}

function set(env: Env, name: string): boolean {
  const value = env[name];
  return value !== undefined && value.trim() !== '';
}
