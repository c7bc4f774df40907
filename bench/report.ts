// The console table (with the ratios and each goal of issue 7 marked met / NOT MET) and the JSON
// file's exact shape.
import type { EndpointResult } from './endpoint.js';
import type { DriverCase, GrantResult } from './grants.js';
import type { ReceiverResult } from './receiver.js';

export interface BenchResults {
  readonly grants: readonly GrantResult[];
  readonly receiver: ReceiverResult | undefined;
  readonly endpoint: EndpointResult | undefined;
  /** An upload route's grant endpoint (src/router/) against the same bare server. */
  readonly router?: EndpointResult | undefined;
}

/** The file `--json` writes: the shape issue 7 fixes (a section not run is null). */
export interface BenchJson {
  grants: { driver: DriverCase; opsPerSec: number; p50us: number; p99us: number; sdkOpsPerSec: number; floorOpsPerSec: number }[];
  receiver: { bytes: number; throughputMiBs: number; rawFsMiBs: number; rssGrowthMiB: number } | null;
  endpoint: { reqPerSec: number; bareReqPerSec: number } | null;
  /** peerReqPerSec: @better-upload/server's handler for the same request, in the same run. */
  router: { reqPerSec: number; bareReqPerSec: number; peerReqPerSec: number | null } | null;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

export function toJson(results: BenchResults): BenchJson {
  const { receiver, endpoint, router } = results;
  return {
    grants: results.grants.map((g) => ({
      driver: g.driver,
      opsPerSec: Math.round(g.upgrant.opsPerSec),
      p50us: round(g.upgrant.p50us, 2),
      p99us: round(g.upgrant.p99us, 2),
      sdkOpsPerSec: Math.round(g.sdk.opsPerSec),
      floorOpsPerSec: Math.round(g.floor.opsPerSec),
    })),
    receiver: receiver
      ? { bytes: receiver.bytes, throughputMiBs: round(receiver.throughputMiBs, 1), rawFsMiBs: round(receiver.rawFsMiBs, 1), rssGrowthMiB: round(receiver.rssGrowthMiB, 1) }
      : null,
    endpoint: endpoint ? { reqPerSec: Math.round(endpoint.reqPerSec), bareReqPerSec: Math.round(endpoint.bareReqPerSec) } : null,
    router: router ? { reqPerSec: Math.round(router.reqPerSec), bareReqPerSec: Math.round(router.bareReqPerSec), peerReqPerSec: router.peer ? Math.round(router.peer.reqPerSec) : null } : null,
  };
}

interface Goal {
  readonly text: string;
  readonly met: boolean;
}

/** The goals of issues 7 and 16 for one driver, from its ratios. */
function grantGoals(g: GrantResult): Goal[] {
  const vsSdk = g.upgrant.opsPerSec / g.sdk.opsPerSec;
  const floors = g.floor.opsPerSec / g.upgrant.opsPerSec;
  const goals: Goal[] = [];
  if (g.driver === 's3-put') goals.push({ text: '>= 20x SDK', met: vsSdk >= 20 });
  // Issue 16: an Azure grant at least 1.5x the SDK call a peer makes.
  if (g.driver === 'azure') goals.push({ text: '>= 1.5x SDK', met: vsSdk >= 1.5 });
  const limit = { local: 3, 's3-put': 3, 'gcs-rsa': 1.5, azure: 2 }[g.driver as string];
  if (limit !== undefined) goals.push({ text: `<= ${limit}x floor`, met: floors <= limit });
  if (g.connections.upgrant > 0) goals.push({ text: `no network while signing (saw ${g.connections.upgrant} connections)`, met: false });
  return goals;
}

const n = (value: number, digits = 0): string => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mark = (goal: Goal): string => `${goal.text}: ${goal.met ? 'met' : 'NOT MET'}`;

function table(rows: string[][], rightAligned: (i: number) => boolean): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (rightAligned(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** Print everything; returns the number of goals not met. */
export function printReport(results: BenchResults & { keyForUs?: number | undefined }): number {
  let failed = 0;
  const { grants, receiver, endpoint } = results;
  if (grants.length > 0) {
    console.log('\ncreateUploadGrant per driver (ops/s: median of the rounds; p50/p99 over every op), SDK call and crypto floor in the same rounds');
    const rows = [['driver', 'upgrant/s', 'p50 us', 'p99 us', 'SDK/s', 'floor/s', 'x SDK', 'floors', 'CPU: x SDK', 'floors', 'goals']];
    for (const g of grants) {
      const goals = grantGoals(g);
      failed += goals.filter((goal) => !goal.met).length;
      rows.push([
        g.driver,
        n(g.upgrant.opsPerSec),
        n(g.upgrant.p50us, 1),
        n(g.upgrant.p99us, 1),
        n(g.sdk.opsPerSec),
        n(g.floor.opsPerSec),
        `${n(g.upgrant.opsPerSec / g.sdk.opsPerSec, 1)}x`,
        `${n(g.floor.opsPerSec / g.upgrant.opsPerSec, 2)}`,
        `${n(g.upgrant.cpuOpsPerSec / g.sdk.cpuOpsPerSec, 1)}x`,
        `${n(g.floor.cpuOpsPerSec / g.upgrant.cpuOpsPerSec, 2)}`,
        goals.map(mark).join('; ') || '-',
      ]);
    }
    console.log(table(rows, (i) => i > 0 && i < 10));
    console.log('x SDK: upgrant grants per SDK call (higher is better); floors: how many crypto floors one grant costs (1.00 = nothing but the signature crypto).');
    console.log('CPU: the same two ratios from the CPU time of each round instead of its wall time (steadier on a shared machine; the goals use wall time).');
    if (results.keyForUs !== undefined) console.log(`Making the key from an untrusted file name (keyFor), not in the rows above: ${n(results.keyForUs, 2)} us per grant.`);
    const sdkNet = grants.filter((g) => g.connections.sdk > 0);
    for (const g of sdkNet) console.log(`note: the ${g.driver} SDK baseline opened ${g.connections.sdk} connections while signing.`);
    for (const g of grants) console.log(`  ${g.driver}: SDK = ${g.sdkCall}; floor = ${g.floorOp}`);
  }
  if (receiver) {
    const ratio = receiver.throughputMiBs / receiver.rawFsMiBs;
    const goals = [
      { text: '>= 80% of raw fs', met: ratio >= 0.8 },
      { text: 'RSS growth <= 64 MiB', met: receiver.rssGrowthMiB <= 64 && receiver.bytes >= 1024 ** 3 },
    ];
    failed += goals.filter((goal) => !goal.met).length;
    console.log(`\nlocal receiver, ${n(receiver.bytes / 1024 ** 2)} MiB PUT over loopback (median of ${receiver.rounds})`);
    console.log(
      table(
        [
          ['upload MiB/s', 'fs copy MiB/s', 'ratio', 'receiver RSS growth', 'goals'],
          [n(receiver.throughputMiBs), n(receiver.rawFsMiBs), `${n(100 * ratio)}%`, `${n(receiver.rssGrowthMiB, 1)} MiB`, goals.map(mark).join('; ')],
        ],
        (i) => i < 4,
      ),
    );
    console.log(`  rounds: upload ${receiver.uploadMiBs.map((v) => n(v)).join(', ')} MiB/s; copy ${receiver.copyMiBs.map((v) => n(v)).join(', ')} MiB/s`);
  }
  if (endpoint) {
    const ratio = endpoint.reqPerSec / endpoint.bareReqPerSec;
    const goal = { text: '>= 70% of bare', met: ratio >= 0.7 };
    if (!goal.met) failed++;
    console.log(
      `\ndemo POST /api/uploads, ${endpoint.plan.connections} connections, median of ${endpoint.plan.rounds} alternating runs of ${endpoint.plan.seconds} s after ${endpoint.plan.warmupSeconds} s warm-up (answers of ${endpoint.responseBytes} bytes)`,
    );
    console.log(
      table(
        [
          ['grants req/s', 'bare req/s', 'ratio', 'p50/p99 ms', 'bare p50/p99 ms', 'goals'],
          [
            n(endpoint.reqPerSec),
            n(endpoint.bareReqPerSec),
            `${n(100 * ratio)}%`,
            `${endpoint.latencyP50ms}/${endpoint.latencyP99ms}`,
            `${endpoint.bareLatencyP50ms}/${endpoint.bareLatencyP99ms}`,
            mark(goal),
          ],
        ],
        (i) => i < 5,
      ),
    );
    console.log(`  rounds: grants ${endpoint.rounds.reqPerSec.map((v) => n(v)).join(', ')} req/s; bare ${endpoint.rounds.bareReqPerSec.map((v) => n(v)).join(', ')} req/s`);
  }
  const { router } = results;
  if (router) {
    const ratio = router.reqPerSec / router.bareReqPerSec;
    const vsPeer = router.peer ? router.reqPerSec / router.peer.reqPerSec : undefined;
    const goals = [{ text: '>= 50% of bare', met: ratio >= 0.5 }, ...(vsPeer !== undefined ? [{ text: '>= 2x peer', met: vsPeer >= 2 }] : [])];
    failed += goals.filter((goal) => !goal.met).length;
    console.log(
      `\nupload route POST /api/upload/image (authorize + route checks + grant), ${router.plan.connections} connections, median of ${router.plan.rounds} alternating runs of ${router.plan.seconds} s (answers of ${router.responseBytes} bytes${router.peer ? `; the peer, @better-upload/server, ${router.peer.responseBytes}` : ''})`,
    );
    console.log(
      table(
        [
          ['router req/s', 'bare req/s', 'peer req/s', 'of bare', 'x peer', 'p50/p99 ms', 'bare p50/p99 ms', 'peer p50/p99 ms', 'goals'],
          [
            n(router.reqPerSec),
            n(router.bareReqPerSec),
            router.peer ? n(router.peer.reqPerSec) : '-',
            `${n(100 * ratio)}%`,
            vsPeer !== undefined ? `${n(vsPeer, 2)}x` : '-',
            `${router.latencyP50ms}/${router.latencyP99ms}`,
            `${router.bareLatencyP50ms}/${router.bareLatencyP99ms}`,
            router.peer ? `${router.peer.latencyP50ms}/${router.peer.latencyP99ms}` : '-',
            goals.map(mark).join('; '),
          ],
        ],
        (i) => i < 8,
      ),
    );
    const peerRounds = router.rounds.peerReqPerSec ? `; peer ${router.rounds.peerReqPerSec.map((v) => n(v)).join(', ')}` : '';
    console.log(`  rounds: router ${router.rounds.reqPerSec.map((v) => n(v)).join(', ')} req/s; bare ${router.rounds.bareReqPerSec.map((v) => n(v)).join(', ')}${peerRounds} req/s`);
  }
  return failed;
}
