// `upgrant serve`: the demo page, its upload route (the router's wire protocol) and, for a driver
// with an embedded receiver (local), the receiver, on one port.
import { isIP } from 'node:net';
import { localRequestHandler } from '../../drivers/local/receiver.js';
import { inVariableTerms, loadConfig } from '../config.js';
import { createPresigner, type LocalPresignerConfig } from '../create-presigner.js';
import { ConfigError } from '../errors.js';
import type { Presigner } from '../types.js';
import { CliError, stringValue, wholeNumber, type CliIo, type Command, type FlagValues } from './command.js';
import { commandEnv, DEV_SECRET_WARNING } from './environment.js';
import { DEMO_PATHS, startDemoServerFor, type DemoBackend } from './server.js';
import { DEFAULT_PORT, LOCAL_MOUNT_PATH, readServeSettings } from './serve-settings.js';

export const serve: Command = {
  name: 'serve',
  summary: 'Serve the demo page and its upload route (and, on the local provider, the receiver) until interrupted.',
  usage: '[--port N] [--host ADDRESS] [--max-size BYTES] [--multipart-threshold BYTES] [--allow-active-content]',
  flags: [
    { name: 'port', value: 'N', env: 'PORT', help: `port to listen on (default ${DEFAULT_PORT}; 0: any free port, printed)` },
    { name: 'host', value: 'ADDRESS', help: 'IP address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every interface)' },
    { name: 'max-size', value: 'BYTES', help: 'largest file the demo grants (refused at grant time, 413 too-large)' },
    { name: 'multipart-threshold', value: 'BYTES', help: 'exact sizes above this get multipart grants (default 64 MiB)' },
    { name: 'allow-active-content', help: 'also grant HTML, SVG, XML and JavaScript (refused by default: a browser would run them)' },
  ],
  notes: [
    'The provider comes from the environment (docs/configuration.md). On the local provider the receiver',
    `answers under ${LOCAL_MOUNT_PATH}, or under the path of UPGRANT_PUBLIC_URL when that is set (the URL clients`,
    'use for uploads: http://HOST:PORT and http://HOST:PORT/storage both work); set it when clients reach the',
    'server by another address than this machine\'s loopback.',
    'Also read: UPGRANT_ALLOWED_HOSTS (more Host names to answer), UPGRANT_BODY_TIMEOUT, UPGRANT_HEADERS_TIMEOUT.',
  ].join('\n'),

  async run({ values }, io) {
    const port = readPort(values, io);
    const host = readHost(values);
    const maxUploadSize = positive(values, 'max-size');
    const multipartThreshold = positive(values, 'multipart-threshold');
    const { env, devSecret, driver } = commandEnv({ ...io.env, PORT: String(port) });
    // The size limit is the presigner's policy too, so nothing this process signs goes above it.
    const config = { ...loadConfig(env), ...(maxUploadSize === undefined ? {} : { maxSize: maxUploadSize }) };
    const settings = readServeSettings(env);
    // The registration says the driver's options are the receiver's (LocalDriverOptions).
    const receiving = driver.embeddedReceiver === true ? (config as LocalPresignerConfig) : undefined;
    // Set by the user, not the CLI's default (which names PORT, maybe 0): the receiver's mount and allowed Host follow it.
    const publicUrl = receiving && isSet(io.env['UPGRANT_PUBLIC_URL']) ? receiving.baseUrl : undefined;
    const mount = receiverMount(publicUrl, receiving ? (receiving.bucket ?? driver.defaultBucket) : undefined);

    let presigner: Presigner | undefined;
    let server;
    try {
      server = await startDemoServerFor(
        {
          host,
          port,
          ...pick(settings, 'bodyIdleTimeoutMs', 'headersTimeoutMs', 'allowedHosts'),
          ...(publicUrl === undefined ? {} : { publicUrl }),
          ...(maxUploadSize === undefined ? {} : { maxUploadSize }),
          ...(multipartThreshold === undefined ? {} : { multipartThreshold }),
          ...(values['allow-active-content'] === true ? { allowActiveContent: true } : {}),
        },
        async (url): Promise<DemoBackend> => {
          if (!receiving || !mount) {
            try {
              presigner = await createPresigner(config);
            } catch (error) {
              throw inVariableTerms(error, driver);
            }
            return { presigner };
          }
          // Grants name the port really bound (--port 0) unless the public URL says otherwise.
          const local: LocalPresignerConfig = { ...receiving, baseUrl: publicUrl ?? `${url}${LOCAL_MOUNT_PATH}` };
          const localPresigner = await createPresigner(local);
          presigner = localPresigner;
          const localHandler = localRequestHandler({
            root: local.root,
            secret: local.secret,
            basePath: mount.basePath,
            ...pick(local, 'previousSecrets', 'clock', 'maxExpiresIn', 'verifyGrace'),
            ...pick(settings, 'bodyIdleTimeoutMs'),
            // The receiver's own event: staged uploads are promoted the moment they arrive.
            onUpload: async (event) => void (await localPresigner.handleStorageEvent(event)),
          });
          return { presigner, localHandler, localPrefix: mount.prefix };
        },
      );
    } catch (error) {
      await presigner?.close();
      throw listenError(error, host, port, values['port'] !== undefined);
    }
    io.stdout(`upgrant demo on ${server.url} (provider ${presigner!.provider}, bucket ${presigner!.bucket})`);
    if (receiving) io.stdout(`local receiver at ${publicUrl ?? `${server.url}${LOCAL_MOUNT_PATH}`}, files under ${receiving.root}`);
    if (devSecret) io.stderr(DEV_SECRET_WARNING);
    io.ready?.({ url: server.url });
    await stopped(io.signal);
    await server.close();
    await presigner!.close();
    return 0;
  },
};

function readPort(values: FlagValues, io: CliIo): number {
  const flag = stringValue(values, 'port');
  const raw = flag ?? io.env['PORT']?.trim();
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(port <= 65535)) throw new CliError(`${flag !== undefined ? '--port' : 'PORT'}: "${raw}" is not a port number (0-65535)`);
  return port;
}

/** An IP address (or localhost): a host name would mean a DNS lookup, and one machine answers to many. */
function readHost(values: FlagValues): string {
  const host = stringValue(values, 'host') ?? '127.0.0.1';
  if (host !== 'localhost' && isIP(host) === 0) throw new CliError(`--host: "${host}" is not an IP address such as 127.0.0.1, 0.0.0.0, ::1 or ::`);
  return host;
}

function positive(values: FlagValues, name: string): number | undefined {
  const value = wholeNumber(values, name, 'a positive number of bytes');
  if (value === 0) throw new CliError(`--${name}: must be at least 1 byte`);
  return value;
}

/**
 * Where the receiver answers: under the public URL's path, so the URL clients are given is the
 * URL the server serves, whether it is the server's address with /storage or without. Undefined
 * when the driver has no embedded receiver.
 */
function receiverMount(publicUrl: string | undefined, bucket: string | undefined): { basePath: string; prefix: string } | undefined {
  if (bucket === undefined) return undefined;
  const basePath = publicUrl === undefined ? LOCAL_MOUNT_PATH : new URL(publicUrl).pathname.replace(/\/+$/, '');
  // Without a path the receiver's URLs start with the bucket: /local/<key>.
  const prefix = basePath === '' ? `/${bucket}/` : `${basePath}/`;
  const clash = DEMO_PATHS.find((p) => p.startsWith(prefix) || prefix.startsWith(p));
  if (clash) {
    throw new ConfigError('UPGRANT_PUBLIC_URL', `its path puts the receiver at ${prefix}, where the demo serves ${clash}; give it a path such as ${LOCAL_MOUNT_PATH}`);
  }
  return { basePath, prefix };
}

function listenError(error: unknown, host: string, port: number, fromFlag: boolean): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const where = fromFlag ? '--port' : '--port / PORT';
  switch (code) {
    case 'EADDRINUSE':
      return new CliError(`port ${port} is in use on ${host} (${where}); stop what runs there, or choose another port (0: any free one)`, 1);
    case 'EACCES':
      return new CliError(`port ${port} on ${host} needs privileges (${where}); choose a port above 1023`, 1);
    case 'EADDRNOTAVAIL':
      return new CliError(`--host: ${host} is not an address of this machine`, 1);
    case 'EAFNOSUPPORT':
      return new CliError(`--host: ${host}: this machine has no such address family (IPv6 off?)`, 1);
    default:
      return error;
  }
}

function stopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal) {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** The named properties that are set (exactOptionalPropertyTypes wants no explicit undefined). */
function pick<T extends object, K extends keyof T>(from: T, ...names: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const name of names) if (from[name] !== undefined) out[name] = from[name];
  return out;
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}
