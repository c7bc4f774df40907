// The demo server's POST /api/grants under a bounded load (autocannon, loopback, N connections
// for D seconds after a warm-up run), against a bare node:http server that answers every request
// with a JSON body of the same size. Each server runs in a child process of its own; the runs
// alternate (demo, bare, demo, bare, ...) so a busy stretch of the machine hits both, and the
// median of each is reported.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type AutocannonResult } from 'autocannon';

export interface EndpointPlan {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly rounds: number;
}

export interface EndpointResult {
  readonly reqPerSec: number;
  readonly bareReqPerSec: number;
  readonly responseBytes: number;
  readonly latencyP50ms: number;
  readonly latencyP99ms: number;
  readonly bareLatencyP50ms: number;
  readonly bareLatencyP99ms: number;
  readonly rounds: { readonly reqPerSec: readonly number[]; readonly bareReqPerSec: readonly number[] };
  readonly plan: EndpointPlan;
}

/** The server under load: the demo's POST /api/grants, or an upload route's grant endpoint. */
export type EndpointSubject = 'demo' | 'router';

/** The same request to each: a grant for one 1 MiB photo. */
const REQUESTS: Record<EndpointSubject, { path: string; body: string; headers: Record<string, string> }> = {
  demo: { path: '/api/grants', body: JSON.stringify({ filename: 'holiday photo.jpg', contentType: 'image/jpeg', size: 1_048_576 }), headers: {} },
  router: { path: '/api/upload/image', body: JSON.stringify({ name: 'holiday photo.jpg', type: 'image/jpeg', size: 1_048_576 }), headers: { authorization: 'Bearer bench' } },
};

async function start(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(new URL('./endpoint-child.ts', import.meta.url)), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`server child (${args[0]}) exited (${code}) before listening`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.send({ stop: true });
  const timer = setTimeout(() => child.kill(), 5000);
  await exited;
  clearTimeout(timer);
}

async function load(url: string, connections: number, seconds: number, subject: EndpointSubject = 'demo'): Promise<AutocannonResult> {
  const request = REQUESTS[subject];
  const result = await autocannon({
    url: `${url}${request.path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...request.headers },
    body: request.body,
    connections,
    duration: seconds,
  });
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(`load on ${url}: ${result.errors} errors, ${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodeStats)})`);
  }
  return result;
}

export async function benchEndpoint(plan: EndpointPlan, subject: EndpointSubject = 'demo'): Promise<EndpointResult> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-bench-endpoint-'));
  const children: ChildProcess[] = [];
  const request = REQUESTS[subject];
  try {
    const demo = await start([subject, root]);
    children.push(demo.child);
    // One grant first: it must work, and its size sets the bare server's answer.
    const probe = await fetch(`${demo.url}${request.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
    const sample = await probe.text();
    if (probe.status !== 201) throw new Error(`POST ${request.path} answered ${probe.status}: ${sample}`);
    const responseBytes = Buffer.byteLength(sample);
    const bare = await start(['bare', String(responseBytes)]);
    children.push(bare.child);

    await load(demo.url, plan.connections, plan.warmupSeconds, subject);
    await load(bare.url, plan.connections, plan.warmupSeconds);
    const demoRuns: AutocannonResult[] = [];
    const bareRuns: AutocannonResult[] = [];
    for (let round = 0; round < plan.rounds; round++) {
      demoRuns.push(await load(demo.url, plan.connections, plan.seconds, subject));
      bareRuns.push(await load(bare.url, plan.connections, plan.seconds));
    }
    const rate = (r: AutocannonResult) => r.requests.total / r.duration;
    const mid = (runs: AutocannonResult[]) => [...runs].sort((a, b) => rate(a) - rate(b))[runs.length >> 1]!;
    const grants = mid(demoRuns);
    const bareResult = mid(bareRuns);
    return {
      reqPerSec: rate(grants),
      bareReqPerSec: rate(bareResult),
      responseBytes,
      latencyP50ms: grants.latency.p50,
      latencyP99ms: grants.latency.p99,
      bareLatencyP50ms: bareResult.latency.p50,
      bareLatencyP99ms: bareResult.latency.p99,
      rounds: { reqPerSec: demoRuns.map(rate), bareReqPerSec: bareRuns.map(rate) },
      plan,
    };
  } finally {
    for (const child of children) await stop(child);
    await rm(root, { recursive: true, force: true });
  }
}
