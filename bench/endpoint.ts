// The demo server's POST /api/uploads (its upload route's grant endpoint) under a bounded load (autocannon, loopback, N connections
// for D seconds after a warm-up run), against a bare node:http server that answers every request
// with a JSON body of the same size; an upload route's grant endpoint against the same bare server
// and against @better-upload/server's handler for the same request (the peer). Each server runs in
// a child process of its own; the runs alternate (subject, bare[, peer], subject, ...) so a busy
// stretch of the machine hits all of them, and the median of each is reported.
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
  /** The peer's handler (router subject only). */
  readonly peer?: { readonly reqPerSec: number; readonly latencyP50ms: number; readonly latencyP99ms: number; readonly responseBytes: number };
  readonly rounds: { readonly reqPerSec: readonly number[]; readonly bareReqPerSec: readonly number[]; readonly peerReqPerSec?: readonly number[] };
  readonly plan: EndpointPlan;
}

/** The server under load: the demo's POST /api/uploads, or an upload route's grant endpoint. */
export type EndpointSubject = 'demo' | 'router';

/** The same request to each: a grant for one 1 MiB photo (the peer's in its own wire shape). */
const REQUESTS: Record<EndpointSubject | 'peer', { path: string; body: string; headers: Record<string, string> }> = {
  peer: { path: '/api/upload', body: JSON.stringify({ route: 'image', files: [{ name: 'holiday photo.jpg', type: 'image/jpeg', size: 1_048_576 }] }), headers: { authorization: 'Bearer bench' } },
  demo: { path: '/api/uploads', body: JSON.stringify({ name: 'holiday photo.jpg', type: 'image/jpeg', size: 1_048_576 }), headers: {} },
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

/** Stops a server child; answers the outgoing connections it saw (its network guard). */
async function stop(child: ChildProcess): Promise<{ connections: number; targets: string[] } | undefined> {
  if (child.exitCode !== null) return undefined;
  let report: { connections: number; targets: string[] } | undefined;
  child.on('message', (m: { connections?: number; targets?: string[] }) => {
    if (typeof m.connections === 'number') report = { connections: m.connections, targets: m.targets ?? [] };
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.send({ stop: true });
  const timer = setTimeout(() => child.kill(), 5000);
  await exited;
  clearTimeout(timer);
  return report;
}

async function load(url: string, connections: number, seconds: number, subject: EndpointSubject | 'peer' = 'demo'): Promise<AutocannonResult> {
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

async function probe(url: string, subject: EndpointSubject | 'peer', status: number): Promise<number> {
  const request = REQUESTS[subject];
  const answer = await fetch(`${url}${request.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
  const sample = await answer.text();
  if (answer.status !== status) throw new Error(`POST ${request.path} (${subject}) answered ${answer.status}: ${sample}`);
  return Buffer.byteLength(sample);
}

export async function benchEndpoint(plan: EndpointPlan, subject: EndpointSubject = 'demo'): Promise<EndpointResult> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-bench-endpoint-'));
  const children: ChildProcess[] = [];
  let peerChild: ChildProcess | undefined;
  try {
    const demo = await start([subject, root]);
    children.push(demo.child);
    // One grant first: it must work, and its size sets the bare server's answer.
    const responseBytes = await probe(demo.url, subject, 201);
    const bare = await start(['bare', String(responseBytes)]);
    children.push(bare.child);
    const peer = subject === 'router' ? await start(['peer', '-']) : undefined;
    peerChild = peer?.child;
    const peerBytes = peer ? await probe(peer.url, 'peer', 200) : 0;

    await load(demo.url, plan.connections, plan.warmupSeconds, subject);
    await load(bare.url, plan.connections, plan.warmupSeconds);
    if (peer) await load(peer.url, plan.connections, plan.warmupSeconds, 'peer');
    const demoRuns: AutocannonResult[] = [];
    const bareRuns: AutocannonResult[] = [];
    const peerRuns: AutocannonResult[] = [];
    for (let round = 0; round < plan.rounds; round++) {
      demoRuns.push(await load(demo.url, plan.connections, plan.seconds, subject));
      bareRuns.push(await load(bare.url, plan.connections, plan.seconds));
      if (peer) peerRuns.push(await load(peer.url, plan.connections, plan.seconds, 'peer'));
    }
    if (peerChild) {
      const seen = await stop(peerChild);
      peerChild = undefined;
      // The peer must only sign: a connection would mean it talked to "S3" and the figure is void.
      if (!seen || seen.connections > 0) throw new Error(`the peer opened ${seen?.connections ?? 'an unknown number of'} outgoing connections (${seen?.targets.join(', ') ?? ''}) while granting`);
    }
    const rate = (r: AutocannonResult) => r.requests.total / r.duration;
    const mid = (runs: AutocannonResult[]) => [...runs].sort((a, b) => rate(a) - rate(b))[runs.length >> 1]!;
    const grants = mid(demoRuns);
    const bareResult = mid(bareRuns);
    const peerResult = peerRuns.length > 0 ? mid(peerRuns) : undefined;
    return {
      reqPerSec: rate(grants),
      bareReqPerSec: rate(bareResult),
      responseBytes,
      latencyP50ms: grants.latency.p50,
      latencyP99ms: grants.latency.p99,
      bareLatencyP50ms: bareResult.latency.p50,
      bareLatencyP99ms: bareResult.latency.p99,
      ...(peerResult ? { peer: { reqPerSec: rate(peerResult), latencyP50ms: peerResult.latency.p50, latencyP99ms: peerResult.latency.p99, responseBytes: peerBytes } } : {}),
      rounds: { reqPerSec: demoRuns.map(rate), bareReqPerSec: bareRuns.map(rate), ...(peerResult ? { peerReqPerSec: peerRuns.map(rate) } : {}) },
      plan,
    };
  } finally {
    if (peerChild) await stop(peerChild);
    for (const child of children) await stop(child);
    await rm(root, { recursive: true, force: true });
  }
}
