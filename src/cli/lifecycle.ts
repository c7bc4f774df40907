// `upgrant lifecycle [--days N] [--json]`: set the bucket rule that deletes staged objects older
// than N days and aborts multipart uploads left incomplete (S3, GCS); print the management policy
// to apply by hand (Azure); say that the sweep covers it (local).
import { presignerFromEnv } from '../config.js';
import { stringValue, wholeNumber, type Command } from './command.js';
import { commandEnv } from './environment.js';

export const lifecycle: Command = {
  name: 'lifecycle',
  summary: "Set the bucket's rule that deletes staged uploads older than N days and aborts stale multipart uploads (S3, GCS); print the policy to apply (Azure).",
  usage: '[--days N] [--json]',
  flags: [
    { name: 'days', value: 'N', fields: ['days'], help: 'age in whole days after which staged uploads are deleted (never shorter than the longest grant)' },
    { name: 'json', help: 'print the result as JSON' },
  ],
  notes: 'The provider comes from the environment (UPGRANT_PROVIDER, UPGRANT_BUCKET and its credentials); on local the sweep covers it.',

  async run({ values }, io) {
    // --days=-3 reaches here as "-3": say it cannot be negative rather than that it is not a number.
    const days = stringValue(values, 'days') === undefined ? undefined : wholeNumber(values, 'days', 'a whole number of days');
    // Nothing is sealed: no secret needed, and no development-secret warning.
    const presigner = await presignerFromEnv(commandEnv(io.env, false).env);
    try {
      const result = await presigner.applyLifecycleRules(days === undefined ? {} : { days });
      if (values['json']) {
        io.stdout(JSON.stringify(result, null, 2));
        return 0;
      }
      switch (result.kind) {
        case 'applied':
          io.stdout(`Lifecycle rules of ${result.provider} bucket "${result.bucket}" now (upgrant's rule deletes staged uploads and aborts stale multipart uploads):`);
          io.stdout(JSON.stringify(result.rules, null, 2));
          break;
        case 'manual':
          io.stdout(result.instructions);
          io.stdout(JSON.stringify(result.policy, null, 2));
          break;
        case 'none':
          io.stdout(result.instructions);
          break;
      }
      return 0;
    } finally {
      await presigner.close();
    }
  },
};
