// `upgrant grant`: print one upload grant as JSON, for scripts and for trying a provider out.
import { presignerFromEnv } from '../config.js';
import type { ChecksumInput, UploadGrantRequest } from '../types.js';
import { CliError, stringValue, wholeNumber, type Command } from './command.js';
import { commandEnv, DEV_SECRET_WARNING } from './environment.js';

export const grant: Command = {
  name: 'grant',
  summary: 'Print an upload grant (JSON) for one file, from the provider the environment configures.',
  usage: '<key | --filename NAME> --type TYPE (--size N | --max-size N [--min-size N]) [--sha256 B64 | --md5 B64] [--expires SECONDS] [--method PUT|POST]',
  positionals: [{ name: 'key', fields: ['key'], help: 'the object key, e.g. avatars/9f2c.png (or --filename)', optional: true }],
  flags: [
    { name: 'filename', value: 'NAME', fields: ['filename'], help: 'make a unique key uploads/<random>/<safe NAME> instead of giving <key>' },
    { name: 'type', value: 'TYPE', fields: ['contentType'], help: 'content type the upload must have, e.g. image/png' },
    { name: 'size', value: 'N', fields: ['size'], help: 'exact size in bytes' },
    { name: 'max-size', value: 'N', fields: ['maxSize'], help: 'largest size in bytes (a range grant)' },
    { name: 'min-size', value: 'N', fields: ['minSize'], help: 'smallest size in bytes, with --max-size (default 0)' },
    { name: 'sha256', value: 'B64', fields: ['checksum.sha256', 'checksum'], help: 'base64 SHA-256 of the file' },
    { name: 'md5', value: 'B64', fields: ['checksum.md5'], help: 'base64 MD5 of the file' },
    { name: 'expires', value: 'SECONDS', fields: ['expiresIn'], help: 'lifetime of the grant (default 300; at most UPGRANT_MAX_EXPIRES)' },
    { name: 'method', value: 'PUT|POST', fields: ['method'], help: 'PUT (default for exact sizes) or POST (a form policy)' },
  ],
  notes: 'The provider and its settings come from the environment: UPGRANT_PROVIDER, UPGRANT_BUCKET, UPGRANT_SECRET, ... (docs/configuration.md).',

  async run({ values, positionals }, io) {
    const type = stringValue(values, 'type');
    if (type === undefined) throw new CliError('--type is required, e.g. --type image/png');
    const key = positionals[0];
    const filename = stringValue(values, 'filename');
    if (key === undefined && filename === undefined) throw new CliError('give the object <key>, or --filename NAME to make one');
    const sha256 = stringValue(values, 'sha256');
    const md5 = stringValue(values, 'md5');
    if (sha256 !== undefined && md5 !== undefined) throw new CliError('give --sha256 or --md5, not both');
    const checksum: ChecksumInput | undefined = sha256 !== undefined ? { sha256 } : md5 !== undefined ? { md5 } : undefined;
    const method = stringValue(values, 'method')?.toUpperCase();
    if (method !== undefined && method !== 'PUT' && method !== 'POST') throw new CliError(`--method: "${stringValue(values, 'method')}" is not PUT or POST`);
    const request: UploadGrantRequest = {
      contentType: type,
      ...(key !== undefined ? { key } : {}),
      ...(filename !== undefined ? { filename } : {}),
      ...numberField('size', wholeNumber(values, 'size', 'a size in bytes')),
      ...numberField('maxSize', wholeNumber(values, 'max-size', 'a size in bytes')),
      ...numberField('minSize', wholeNumber(values, 'min-size', 'a size in bytes')),
      ...numberField('expiresIn', wholeNumber(values, 'expires', 'whole seconds')),
      ...(method !== undefined ? { method } : {}),
      ...(checksum ? { checksum } : {}),
    } as UploadGrantRequest;
    const { env, devSecret } = commandEnv(io.env);
    const presigner = await presignerFromEnv(env);
    try {
      const made = await presigner.createUploadGrant(request);
      if (devSecret) io.stderr(DEV_SECRET_WARNING);
      io.stdout(JSON.stringify(made, null, 2));
    } finally {
      await presigner.close();
    }
    return 0;
  },
};

function numberField(name: string, value: number | undefined): Record<string, number> {
  return value === undefined ? {} : { [name]: value };
}
