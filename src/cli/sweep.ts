// `upgrant sweep [--older-than S] [--dry-run] [--json]`: promote the staged uploads nobody
// reported, delete the ones that broke their grant, remove expired leftovers. Safe to run from
// cron on several machines at once (each upload is promoted once; see src/sweep.ts).
import { presignerFromEnv } from '../config.js';
import { withDemoDefaults } from './serve-settings.js';
import type { SweepReport } from '../types.js';
import { CliError, wholeNumber, type Command } from './command.js';

export const sweep: Command = {
  name: 'sweep',
  summary: 'Promote the staged uploads nobody reported that pass their grant, delete the ones that broke it, remove expired leftovers.',
  usage: '[--older-than SECONDS] [--grace SECONDS] [--limit N] [--dry-run] [--json]',
  flags: [
    { name: 'older-than', value: 'SECONDS', fields: ['olderThan'], help: "leave staged uploads younger than this to their clients' own verify (default 0)" },
    { name: 'grace', value: 'SECONDS', fields: ['grace'], help: "seconds after a grant's expiry before its leftovers are deleted (default 3600)" },
    { name: 'limit', value: 'N', fields: ['limit'], help: 'most staging objects to look at (default 10000); the report says when more were left' },
    { name: 'dry-run', help: 'report what would happen; change nothing' },
    { name: 'json', help: 'print the report as JSON' },
  ],
  notes: [
    'Needs the same UPGRANT_SECRET (and provider settings) as the processes that made the grants: the sweep',
    'opens the grant each staged upload carries. Run it on a schedule (e.g. hourly from cron); several at once are safe.',
  ].join('\n'),

  async run({ values }, io) {
    // A secret made up for this process opens no grant: every staged upload would look foreign
    // and be deleted. So, unlike verify, no development secret here.
    if (!io.env['UPGRANT_SECRET']?.trim()) {
      throw new CliError('UPGRANT_SECRET is not set: the sweep opens the grant each staged upload carries, so it needs the secret the grants were made with');
    }
    const olderThan = wholeNumber(values, 'older-than', 'a whole number of seconds');
    const grace = wholeNumber(values, 'grace', 'a whole number of seconds');
    const limit = wholeNumber(values, 'limit');
    const presigner = await presignerFromEnv(withDemoDefaults(io.env));
    try {
      const report = await presigner.sweep({
        ...(olderThan === undefined ? {} : { olderThan }),
        ...(grace === undefined ? {} : { grace }),
        ...(limit === undefined ? {} : { limit }),
        ...(values['dry-run'] === true ? { dryRun: true } : {}),
      });
      io.stdout(values['json'] === true ? JSON.stringify(report, null, 2) : summary(report, presigner.provider, presigner.bucket));
      return 0;
    } finally {
      await presigner.close();
    }
  },
};

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
