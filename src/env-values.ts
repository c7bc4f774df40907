// Reading environment variables into typed values, for src/config.ts and each driver's
// optionsFromEnv (drivers/<name>/config.ts). The env object is always the one the caller passed:
// nothing here reads process.env. Every bad value is a ConfigError that names its variable.
import type { BucketNameRule } from '../drivers/driver.js';
import { ConfigError } from './errors.js';
import { validateEndpointUrl, type EndpointOptions } from './http-values.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The variable trimmed; undefined when unset or blank. */
export function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

/** `{ name: v }`, or `{}` when v is undefined: options stay absent rather than undefined. */
export function optional<K extends string, V>(name: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [name]: v }) as { [P in K]?: V };
}

export function readFlag(env: Env, name: string): boolean | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `"${raw}" is not a flag; expected 1 or 0`);
}

export function readUrl(env: Env, name: string, options?: EndpointOptions): string | undefined {
  const raw = value(env, name);
  return raw === undefined ? undefined : validateEndpointUrl(raw, name, options);
}

export function readEmail(env: Env, name: string): string | undefined {
  const raw = value(env, name);
  if (raw !== undefined && !/^[^@\s]+@[^@\s]+$/.test(raw)) throw new ConfigError(name, `"${raw}" is not a service account email`);
  return raw;
}

/** Two variables that go together (an id and its secret): both, or neither. */
export function readPair(env: Env, first: string, second: string): [string, string] | undefined {
  const a = value(env, first);
  const b = value(env, second);
  if (a === undefined && b === undefined) return undefined;
  if (a === undefined) throw new ConfigError(first, `is missing while ${second} is set`);
  if (b === undefined) throw new ConfigError(second, `is missing while ${first} is set`);
  return [a, b];
}

/** `name` checked with the selected driver's rule (drivers/<name>/config.ts); a ConfigError names `variable`. */
export function checkBucketName(rule: BucketNameRule, name: unknown, variable = 'UPGRANT_BUCKET'): string {
  if (typeof name !== 'string' || name === '') throw new ConfigError(variable, 'is required: the bucket (S3, GCS) or container (Azure) grants are for');
  const problem = rule(name);
  if (problem !== undefined) throw new ConfigError(variable, `"${name}" ${problem}`);
  return name;
}

/** Whole seconds within [min, max], or undefined when unset. */
export function readSeconds(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  if (!/^(0|[1-9]\d*)$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `"${raw}" must be whole seconds from ${min} to ${max}`);
  }
  return Number(raw);
}
