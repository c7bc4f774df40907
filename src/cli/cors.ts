// `upgrant cors`: set the bucket's CORS rules so browsers may upload with grants.
import type { DriverEntry } from '../../drivers/driver.js';
import { BUILT_IN_DRIVERS } from '../../drivers/built-in.js';
import { loadConfig } from '../config.js';
import { findDriver } from '../create-presigner.js';
import { validateOrigin } from '../http-values.js';
import { CliError, type Command } from './command.js';
import { commandEnv } from './environment.js';

export const cors: Command = {
  name: 'cors',
  summary: "Set the bucket's CORS rules (S3, GCS) or the account's (Azure) so pages on these origins can upload; print what was set.",
  usage: '--origin URL [--origin URL ...]',
  flags: [{ name: 'origin', value: 'URL', multiple: true, fields: ['origins'], help: 'an origin such as https://app.example.com (no path), or *' }],
  notes: 'The provider comes from the environment (UPGRANT_PROVIDER, UPGRANT_BUCKET and its credentials); UPGRANT_SECRET is not needed. The local receiver answers CORS itself.',

  async run({ values }, io) {
    const origins = (values['origin'] as readonly string[] | undefined) ?? [];
    if (origins.length === 0) throw new CliError('give at least one --origin URL, e.g. --origin https://app.example.com');
    for (const origin of origins) {
      if (origin !== '*' && !isOrigin(origin)) throw new CliError(`--origin: "${origin}" is not an origin such as https://app.example.com (scheme://host[:port], no path)`);
    }
    // Nothing is sealed here: no secret needed, and no development-secret warning.
    const config = loadConfig(commandEnv(io.env, false).env);
    let entry: DriverEntry<never>;
    try {
      entry = await findDriver(BUILT_IN_DRIVERS, config.provider).load();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
      throw new CliError(`UPGRANT_PROVIDER: provider ${config.provider} needs its SDK installed beside upgrant (${(error as Error).message.split('\n')[0]})`);
    }
    if (entry.applyCors === undefined) {
      io.stdout('The local receiver answers CORS itself (any origin may upload with a valid grant); nothing to set.');
      return 0;
    }
    io.stdout(JSON.stringify(await entry.applyCors(config as never, origins), null, 2));
    return 0;
  },
};

function isOrigin(origin: string): boolean {
  try {
    return validateOrigin(origin, 'origin') !== undefined;
  } catch {
    return false;
  }
}
