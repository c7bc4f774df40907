// One emulator of each kind per mocha run, started when the first test file asks for it.
// The process that owns them is the one mocha's global setup ran in (test/support/global-setup.ts):
// it serves their descriptions on a loopback port named in UPGRANT_SHARED_EMULATORS, so that under
// `mocha --parallel` every worker gets the same instances; test files in the owning process (a
// serial run) are served directly. Without the global setup (a script run with tsx) the calling
// process starts and owns its own, as each worker does for a per-process kind. Instances are
// stopped by stopShared() at the end of the run, or when their process exits (test/support/daemons.ts).
import { appendFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SHARED_URL_VARIABLE = 'UPGRANT_SHARED_EMULATORS';
const OWNER_VARIABLE = 'UPGRANT_SHARED_EMULATORS_OWNER';

/** A started emulator: what a test needs (plain data, so it can cross processes) and how to end it. */
export interface Started<W> {
  readonly wire: W;
  stop(): Promise<void>;
}

type Starter = (options: Record<string, string>) => Promise<Started<unknown>>;

const starters = new Map<string, Starter>();
const running = new Map<string, Promise<Started<unknown>>>();

/** Called by each emulator's module when it is loaded. */
export function registerShared(kind: string, start: Starter): void {
  starters.set(kind, start);
}

/**
 * With UPGRANT_TEST_TIMES=<file>, each start is one line in <file>.boots (whatever process made it),
 * which test/support/reporter.cjs adds to the times file: the proof that each runs once per run
 * (a failed start is noted too, with its error).
 */
function noteBoot(kind: string, options: Record<string, string>, ms: number, failed?: unknown): void {
  const out = process.env.UPGRANT_TEST_TIMES;
  const error = failed === undefined ? {} : { failed: failed instanceof Error ? failed.message.slice(0, 300) : String(failed) };
  if (out) appendFileSync(`${out}.boots`, `${JSON.stringify({ kind, options, pid: process.pid, ms, ...error })}\n`);
}

function startHere(kind: string, options: Record<string, string>): Promise<Started<unknown>> {
  const start = starters.get(kind);
  if (!start) return Promise.reject(new Error(`no shared emulator named ${kind} is registered in this process`));
  const id = `${kind} ${JSON.stringify(options)}`;
  let started = running.get(id);
  if (!started) {
    const t0 = Date.now();
    // A failed start is forgotten, so the next file tries again.
    started = start(options).then(
      (s) => (noteBoot(kind, options, Date.now() - t0), s),
      (error: unknown) => {
        noteBoot(kind, options, Date.now() - t0, error);
        running.delete(id);
        throw error;
      },
    );
    running.set(id, started);
  }
  return started;
}

/**
 * The run's instance of `kind` with `options` (another options set is another instance). With
 * `perProcess`, each parallel worker starts its own instead: for an emulator whose account-wide
 * state (fixed container names, service CORS rules) test files would otherwise race on, so that
 * each worker sees the files it runs in order, as a serial run does.
 */
export async function useShared<W>(kind: string, options: Record<string, string> = {}, perProcess = false): Promise<W> {
  const url = process.env[SHARED_URL_VARIABLE];
  if (url === undefined || perProcess || process.env[OWNER_VARIABLE] === String(process.pid)) return (await startHere(kind, options)).wire as W;
  const { status, text } = await postStart(url, JSON.stringify({ kind, options }));
  const body = JSON.parse(text) as { wire?: W; error?: string };
  if (status !== 200 || body.wire === undefined) throw new Error(body.error ?? `the shared emulator owner answered ${status}`);
  return body.wire;
}

/**
 * POST /start to the owner with node:http, not fetch: fetch gives up on an answer after 300 s,
 * and a start on a loaded machine may take longer (the caller's hook timeout is the limit).
 */
function postStart(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/start`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Stop every instance this process started (the run is over). */
export async function stopShared(): Promise<void> {
  const all = [...running.values()];
  running.clear();
  await Promise.all(all.map((p) => p.then((s) => s.stop(), () => undefined)));
}

/** Serve this process's instances to other processes (mocha's parallel workers); see the header. */
export async function serveShared(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method !== 'POST' || req.url !== '/start') return reply(404, { error: 'POST /start only' });
      let request: { kind?: unknown; options?: unknown };
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof request;
      } catch {
        return reply(400, { error: 'not JSON' });
      }
      startHere(String(request.kind), (request.options ?? {}) as Record<string, string>).then(
        (started) => reply(200, { wire: started.wire }),
        (error: unknown) => reply(500, { error: error instanceof Error ? error.message : String(error) }),
      );
    });
  });
  // A start can take minutes on a loaded machine (Ceph): no server-side timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  process.env[SHARED_URL_VARIABLE] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env[OWNER_VARIABLE] = String(process.pid);
  return server;
}
