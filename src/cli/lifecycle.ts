// `upgrant lifecycle [--days N] [--json]`: set the bucket rule that deletes staged objects older
// than N days and aborts multipart uploads left incomplete (S3, GCS); print the management policy
// to apply by hand (Azure); say that the sweep covers it (local).
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createPresigner } from '../create-presigner.js';
import { InvalidRequestError } from '../errors.js';

export const LIFECYCLE_USAGE = 'upgrant lifecycle [--days N] [--json]';

export async function lifecycle(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { days: { type: 'string' }, json: { type: 'boolean' } } });
  if (values.days !== undefined && !/^\d+$/.test(values.days)) throw new InvalidRequestError('days', `"${values.days}" is not a whole number`);
  const presigner = await createPresigner(loadConfig());
  try {
    const result = await presigner.applyLifecycleRules(values.days === undefined ? {} : { days: Number(values.days) });
    if (values.json) {
      console.log(JSON.stringify(result, null, 2));
      return 0;
    }
    switch (result.kind) {
      case 'applied':
        console.log(`Lifecycle rules of ${result.provider} bucket "${result.bucket}" now (upgrant's rule deletes staged uploads and aborts stale multipart uploads):`);
        console.log(JSON.stringify(result.rules, null, 2));
        break;
      case 'manual':
        console.log(result.instructions);
        console.log(JSON.stringify(result.policy, null, 2));
        break;
      case 'none':
        console.log(result.instructions);
        break;
    }
    return 0;
  } finally {
    await presigner.close();
  }
}
