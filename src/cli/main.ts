// The `upgrant` command: grant, verify, serve, cors. Configuration comes from the environment
// (DESIGN section 4); errors print one line naming the field or variable, never a stack trace.
import { parseArgs } from 'node:util';
import { localRequestHandler } from '../../drivers/local/receiver.js';
import { LOCAL_MOUNT_PATH, loadConfig, readPort, readServeSettings } from '../config.js';
import { createPresigner, type PresignerConfig } from '../create-presigner.js';
import { InvalidRequestError, UpgrantError, UploadRejectedError } from '../errors.js';
import type { ChecksumInput, UploadGrantRequest } from '../types.js';
import { lifecycle } from './lifecycle.js';
import { startDemoServer } from './server.js';

const USAGE = `usage:
  upgrant grant <key | --filename NAME> --type TYPE (--size N | --max-size N [--min-size N])
                [--sha256 B64 | --md5 B64] [--expires SECONDS] [--method PUT|POST]
  upgrant verify <token>
  upgrant serve [--port N] [--host ADDRESS] [--max-size BYTES] [--multipart-threshold BYTES]
  upgrant cors --origin URL [--origin URL ...]

The provider and its settings come from the environment: UPGRANT_PROVIDER (local, s3, gcs, azure),
UPGRANT_BUCKET, UPGRANT_SECRET, ... (see docs/configuration.md).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'grant':
      return grant(rest);
    case 'verify':
      return verify(rest);
    case 'serve':
      return serve(rest);
    case 'cors':
      return cors(rest);
    case 'lifecycle':
      return lifecycle(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`upgrant: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

function integer(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new InvalidRequestError(field, `"${value}" is not a whole number`);
  return Number(value);
}

async function grant(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      filename: { type: 'string' },
      type: { type: 'string' },
      size: { type: 'string' },
      'max-size': { type: 'string' },
      'min-size': { type: 'string' },
      sha256: { type: 'string' },
      md5: { type: 'string' },
      expires: { type: 'string' },
      method: { type: 'string' },
    },
  });
  if (positionals.length > 1) throw new InvalidRequestError('key', 'give one key');
  if (values.type === undefined) throw new InvalidRequestError('contentType', 'is required (--type)');
  if (values.sha256 !== undefined && values.md5 !== undefined) throw new InvalidRequestError('checksum', 'give --sha256 or --md5, not both');
  const checksum = values.sha256 !== undefined ? { sha256: values.sha256 } : values.md5 !== undefined ? { md5: values.md5 } : undefined;
  const request: UploadGrantRequest = {
    contentType: values.type,
    ...(positionals[0] !== undefined ? { key: positionals[0] } : {}),
    ...(values.filename !== undefined ? { filename: values.filename } : {}),
    ...numberField('size', integer(values.size, 'size')),
    ...numberField('maxSize', integer(values['max-size'], 'maxSize')),
    ...numberField('minSize', integer(values['min-size'], 'minSize')),
    ...numberField('expiresIn', integer(values.expires, 'expiresIn')),
    ...(values.method !== undefined ? { method: values.method.toUpperCase() as 'PUT' | 'POST' } : {}),
    ...(checksum ? { checksum: checksum as ChecksumInput } : {}),
  };
  const presigner = await createPresigner(loadConfig());
  try {
    console.log(JSON.stringify(await presigner.createUploadGrant(request), null, 2));
  } finally {
    await presigner.close();
  }
  return 0;
}

function numberField(name: string, value: number | undefined): Record<string, number> {
  return value === undefined ? {} : { [name]: value };
}

async function verify(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new InvalidRequestError('token', 'give the grant token to verify');
  const presigner = await createPresigner(loadConfig());
  try {
    console.log(JSON.stringify(await presigner.verifyUpload(positionals[0]!), null, 2));
    return 0;
  } catch (error) {
    if (error instanceof UploadRejectedError) {
      console.error(JSON.stringify({ rejected: error.key, violations: error.violations }, null, 2));
    }
    throw error;
  } finally {
    await presigner.close();
  }
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, host: { type: 'string' }, 'max-size': { type: 'string' }, 'multipart-threshold': { type: 'string' } },
  });
  const maxUploadSize = integer(values['max-size'], 'max-size');
  const multipartThreshold = integer(values['multipart-threshold'], 'multipart-threshold');
  const env = { ...process.env, ...(values.port !== undefined ? { PORT: values.port } : {}) };
  const port = readPort(env);
  const host = values.host ?? '127.0.0.1';
  const config: PresignerConfig = loadConfig(env);
  const settings = readServeSettings(env);
  const presigner = await createPresigner(config);
  const localHandler =
    config.provider === 'local'
      ? localRequestHandler({
          root: config.root,
          secret: config.secret,
          basePath: LOCAL_MOUNT_PATH,
          ...pick(config, 'previousSecrets', 'clock', 'maxExpiresIn', 'verifyGrace'),
          ...pick(settings, 'bodyIdleTimeoutMs'),
        })
      : undefined;
  const server = await startDemoServer({
    presigner,
    host,
    port,
    ...pick(settings, 'bodyIdleTimeoutMs', 'headersTimeoutMs', 'allowedHosts'),
    ...(config.provider === 'local' ? { publicUrl: config.baseUrl } : {}),
    ...(localHandler ? { localHandler } : {}),
    ...(maxUploadSize === undefined ? {} : { maxUploadSize }),
    ...(multipartThreshold === undefined ? {} : { multipartThreshold }),
  });
  console.log(`upgrant demo on ${server.url} (provider ${presigner.provider}, bucket ${presigner.bucket})`);
  if (config.provider === 'local') console.log(`local receiver at ${config.baseUrl}, files under ${config.root}`);
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(() => presigner.close()).then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

/** The named properties that are set (exactOptionalPropertyTypes wants no explicit undefined). */
function pick<T extends object, K extends keyof T>(from: T, ...names: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const name of names) if (from[name] !== undefined) out[name] = from[name];
  return out;
}

async function cors(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { origin: { type: 'string', multiple: true } } });
  const origins = values.origin ?? [];
  if (origins.length === 0) throw new InvalidRequestError('origin', 'give at least one --origin URL');
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) throw new InvalidRequestError('origin', `"${origin}" is not an origin such as https://app.example.com`);
  }
  const config = loadConfig();
  if (config.provider === 'local') {
    console.log('The local receiver answers CORS itself (any origin may upload with a valid grant); nothing to set.');
    return 0;
  }
  const { applyCors } = await importDriver(config.provider);
  console.log(JSON.stringify(await applyCors(config as never, origins), null, 2));
  return 0;
}

type CorsModule = { applyCors: (options: never, origins: readonly string[]) => Promise<unknown> };

function importDriver(provider: 's3' | 'gcs' | 'azure'): Promise<CorsModule> {
  switch (provider) {
    case 's3':
      return import('../../drivers/s3/index.js') as Promise<CorsModule>;
    case 'gcs':
      return import('../../drivers/gcs/index.js') as Promise<CorsModule>;
    case 'azure':
      return import('../../drivers/azure/index.js') as Promise<CorsModule>;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UpgrantError) {
      console.error(`upgrant: ${error.message}`);
      process.exitCode = error instanceof InvalidRequestError || error.code === 'config' ? 2 : 1;
    } else if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`upgrant: ${error.message}\n${USAGE}`);
      process.exitCode = 2;
    } else {
      console.error('upgrant: unexpected error:', error);
      process.exitCode = 1;
    }
  },
);
