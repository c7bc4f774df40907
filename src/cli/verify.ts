// `upgrant verify`: check an uploaded object against its grant's token (deletes it when it broke a promise).
import { presignerFromEnv } from '../config.js';
import { InvalidRequestError } from '../errors.js';
import { CliError, type Command } from './command.js';
import { commandEnv } from './environment.js';

export const verify: Command = {
  name: 'verify',
  summary: "Check the object a grant's token names against the grant; print it (JSON), or say why it was rejected and deleted.",
  usage: '<token>',
  positionals: [{ name: 'token', fields: ['token'], help: 'the `token` of the grant (from `upgrant grant` or the demo upload route)' }],
  flags: [],
  notes: 'Needs the same UPGRANT_SECRET (and provider settings) as the process that made the grant.',

  async run({ positionals }, io) {
    const token = positionals[0];
    if (token === undefined) throw new CliError('give the grant <token> to verify');
    const { env, devSecret } = commandEnv(io.env);
    const presigner = await presignerFromEnv(env);
    try {
      io.stdout(JSON.stringify(await presigner.verifyUpload(token), null, 2));
      return 0;
    } catch (error) {
      // A secret made up for this process cannot open a token made by another one.
      if (devSecret && error instanceof InvalidRequestError && error.field === 'token') {
        throw new CliError('<token>: cannot be opened: UPGRANT_SECRET is not set, so this process has a random secret; set the secret the grant was made with');
      }
      throw error;
    } finally {
      await presigner.close();
    }
  },
};
