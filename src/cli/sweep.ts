// `upgrant sweep [--older-than S] [--dry-run] [--json]`: promote the staged uploads nobody
// reported, delete the ones that broke their grant, remove expired leftovers. Safe to run from
// cron on several machines at once (each upload is promoted once; see src/sweep.ts).
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createPresigner } from '../create-presigner.js';
import { InvalidRequestError } from '../errors.js';
import type { SweepReport } from '../types.js';

export const SWEEP_USAGE = '  upgrant sweep [--older-than SECONDS] [--grace SECONDS] [--limit N] [--dry-run] [--json]';

export async function sweepCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'older-than': { type: 'string' },
      grace: { type: 'string' },
      limit: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new InvalidRequestError('sweep', `takes no arguments (got "${positionals[0]}")`);
  const olderThan = whole(values['older-than'], '--older-than');
  const grace = whole(values.grace, '--grace');
  const limit = whole(values.limit, '--limit');
  const presigner = await createPresigner(loadConfig());
  try {
    const report = await presigner.sweep({
      ...(olderThan === undefined ? {} : { olderThan }),
      ...(grace === undefined ? {} : { grace }),
      ...(limit === undefined ? {} : { limit }),
      ...(values['dry-run'] ? { dryRun: true } : {}),
    });
    console.log(values.json ? JSON.stringify(report, null, 2) : summary(report, presigner.provider, presigner.bucket));
    return 0;
  } finally {
    await presigner.close();
  }
}

function whole(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new InvalidRequestError(flag, `"${value}" is not a whole number`);
  return Number(value);
}

function summary(report: SweepReport, provider: string, bucket: string): string {
  const would = report.dryRun ? ' (dry run: nothing changed)' : '';
  const lines = [
    `swept ${provider} bucket ${bucket}${would}: ${report.scanned} staging objects looked at`,
    `  promoted ${report.promoted.length}${report.promoted.length ? `: ${report.promoted.map((o) => o.key).join(', ')}` : ''}`,
    `  rejected ${report.rejected.length}${report.rejected.length ? `: ${report.rejected.map((r) => `${r.key || r.stagingKey} (${r.violations.map((v) => v.constraint).join(', ')})`).join(', ')}` : ''}`,
    `  expired leftovers removed ${report.expired.length}, stale multipart uploads aborted ${report.aborted}`,
  ];
  if (report.truncated) lines.push('  stopped at --limit: run again for the rest');
  return lines.join('\n');
}
