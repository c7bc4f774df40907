// npm run bench [-- --json FILE] [--quick] [--only grants,receiver,endpoint,router]
// Grant cost per driver against the SDK call and the crypto floor, the local receiver against a
// raw fs copy, and the demo grant endpoint against a bare node:http server; one table with the
// ratios and the goals of issue 7, and (with --json) the numbers in a file. Not part of npm test.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { keyFor } from '../src/key-for.js';
import { benchEndpoint, type EndpointPlan, type EndpointResult } from './endpoint.js';
import { DRIVERS, benchGrant, type GrantResult } from './grants.js';
import { measureAll, type Plan } from './measure.js';
import { benchReceiver, type ReceiverResult } from './receiver.js';
import { printReport, toJson } from './report.js';

const SECTIONS = ['grants', 'receiver', 'endpoint', 'router'] as const;
type Section = (typeof SECTIONS)[number];

const FULL = {
  grants: { warmupMs: 500, rounds: 5, roundMs: 1000 } satisfies Plan,
  receiver: { bytes: 1024 ** 3, rounds: 5 },
  endpoint: { connections: 10, warmupSeconds: 1, seconds: 5, rounds: 3 } satisfies EndpointPlan,
  router: { connections: 10, warmupSeconds: 1, seconds: 5, rounds: 3 } satisfies EndpointPlan,
};
const QUICK = {
  grants: { warmupMs: 200, rounds: 3, roundMs: 300 } satisfies Plan,
  receiver: { bytes: 64 * 1024 ** 2, rounds: 1 },
  endpoint: { connections: 10, warmupSeconds: 1, seconds: 2, rounds: 1 } satisfies EndpointPlan,
  router: { connections: 10, warmupSeconds: 1, seconds: 2, rounds: 1 } satisfies EndpointPlan,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: 'string' }, quick: { type: 'boolean', default: false }, only: { type: 'string' } },
  });
  const only = (values.only?.split(',') ?? [...SECTIONS]) as Section[];
  for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section "${s}" (${SECTIONS.join(', ')})`);
  const plan = values.quick ? QUICK : FULL;
  if (!(globalThis as { gc?: unknown }).gc) console.warn('(run with node --expose-gc, as npm run bench does, to collect garbage between rounds)');
  console.log(`upgrant bench: node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${os.platform()} ${os.arch()}${values.quick ? ' (quick: not for the record)' : ''}`);

  const grants: GrantResult[] = [];
  let keyForUs: number | undefined;
  if (only.includes('grants')) {
    for (const driver of DRIVERS) {
      process.stdout.write(`grants: ${driver}...`);
      grants.push(await benchGrant(driver, plan.grants));
      process.stdout.write(' done\n');
    }
    const m = await measureAll({ keyFor: () => keyFor('uploads', 'holiday photo.jpg') }, plan.grants);
    keyForUs = 1e6 / m.keyFor.opsPerSec;
  }
  let receiver: ReceiverResult | undefined;
  if (only.includes('receiver')) {
    process.stdout.write(`receiver: ${plan.receiver.rounds} x ${plan.receiver.bytes / 1024 ** 2} MiB upload and fs copy...`);
    receiver = await benchReceiver(plan.receiver);
    process.stdout.write(' done\n');
  }
  let endpoint: EndpointResult | undefined;
  if (only.includes('endpoint')) {
    process.stdout.write(`endpoint: ${plan.endpoint.rounds} x ${plan.endpoint.seconds} s per server, ${plan.endpoint.connections} connections...`);
    endpoint = await benchEndpoint(plan.endpoint);
    process.stdout.write(' done\n');
  }

  let router: EndpointResult | undefined;
  if (only.includes('router')) {
    process.stdout.write(`router: ${plan.router.rounds} x ${plan.router.seconds} s per server, ${plan.router.connections} connections...`);
    router = await benchEndpoint(plan.router, 'router');
    process.stdout.write(' done\n');
  }

  const failed = printReport({ grants, receiver, endpoint, router, keyForUs });
  if (values.json) {
    await writeFile(values.json, `${JSON.stringify(toJson({ grants, receiver, endpoint, router }), null, 2)}\n`);
    console.log(`\nwrote ${values.json}`);
  }
  // A missed goal is a finding, not a crash: the exit code stays 0 so the numbers are kept.
  if (failed > 0) console.log(`\n${failed} goal(s) not met: see docs/performance.md for what stands in the way.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
