// What only the demo server and the CLI assume, kept out of the library's src/config.ts: the
// demo's port, where it mounts the local receiver (and so the local provider's default public
// URL for the CLI's commands), and `upgrant serve`'s own settings (timeouts, Host allow-list).
import type { DriverRegistration } from '../../drivers/driver.js';
import { selectedDriver } from '../config.js';
import { ConfigError } from '../errors.js';
import { readSeconds, value, type Env } from '../env-values.js';

export const DEFAULT_PORT = 8787;
/** Where `upgrant serve` mounts the local receiver. */
export const LOCAL_MOUNT_PATH = '/storage';

/** The demo server's port: PORT, else 8787. */
export function readPort(env: Env): number {
  const raw = value(env, 'PORT');
  if (raw === undefined) return DEFAULT_PORT;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(port <= 65535)) throw new ConfigError('PORT', `"${raw}" is not a port number (0-65535)`);
  return port;
}

/**
 * The CLI's variables with the demo's default for a driver with an embedded receiver (local):
 * grants point at the receiver `upgrant serve` runs on PORT, unless UPGRANT_PUBLIC_URL says
 * otherwise. (The library's loadConfig has no such default: an app names its receiver's URL.)
 */
export function withDemoDefaults(env: Env, driver: DriverRegistration = selectedDriver(env)): Env {
  if (driver.embeddedReceiver !== true || value(env, 'UPGRANT_PUBLIC_URL') !== undefined) return env;
  return { ...env, UPGRANT_PUBLIC_URL: `http://127.0.0.1:${readPort(env)}${LOCAL_MOUNT_PATH}` };
}

/** Settings of `upgrant serve` itself (not of the presigner): timeouts and the Host allow-list. */
export interface ServeSettings {
  /** Milliseconds a request body may stay silent before the request is cut (UPGRANT_BODY_TIMEOUT, seconds). */
  bodyIdleTimeoutMs?: number;
  /** Milliseconds a client has to send the request headers (UPGRANT_HEADERS_TIMEOUT, seconds). */
  headersTimeoutMs?: number;
  /** Extra Host header values the demo server answers (UPGRANT_ALLOWED_HOSTS, comma-separated host[:port]). */
  allowedHosts?: string[];
}

export function readServeSettings(env: Env = process.env): ServeSettings {
  const body = readSeconds(env, 'UPGRANT_BODY_TIMEOUT', 1, 3600);
  const headers = readSeconds(env, 'UPGRANT_HEADERS_TIMEOUT', 1, 3600);
  const hosts = value(env, 'UPGRANT_ALLOWED_HOSTS');
  const allowedHosts = hosts?.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  for (const host of allowedHosts ?? []) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host)) {
      throw new ConfigError('UPGRANT_ALLOWED_HOSTS', `"${host}" is not host or host:port, e.g. demo.example.com or 127.0.0.1:8787`);
    }
  }
  return {
    ...(body === undefined ? {} : { bodyIdleTimeoutMs: body * 1000 }),
    ...(headers === undefined ? {} : { headersTimeoutMs: headers * 1000 }),
    ...(allowedHosts === undefined ? {} : { allowedHosts }),
  };
}
