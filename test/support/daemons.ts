// Daemons the tests start (Azurite, Swift, Ceph) keep their PIDs in <dir>/run/*.pid. This module
// makes sure they are ended by those PIDs whatever happens to the start or to mocha: a failed or
// abandoned start (a hook that timed out, mocha's --exit), a normal exit (synchronously, the only
// kind of work an exit handler may do) and a killed process (a watchdog outlives it).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

/** Directories whose daemons are still ours to end. */
const guarded = new Map<string, number | undefined>();
let exitHookInstalled = false;

function pidsInSync(dir: string): number[] {
  const run = path.join(dir, 'run');
  let names: string[] = [];
  try {
    names = readdirSync(run).filter((n) => n.endsWith('.pid'));
  } catch {
    return [];
  }
  return names.map((n) => Number.parseInt(readFileSync(path.join(run, n), 'utf8'), 10)).filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** The PIDs written so far under <dir>/run. */
export async function pidsIn(dir: string): Promise<number[]> {
  const run = path.join(dir, 'run');
  const names = (await readdir(run).catch(() => [] as string[])).filter((n) => n.endsWith('.pid'));
  const texts = await Promise.all(names.map((n) => readFile(path.join(run, n), 'utf8').catch(() => '')));
  return texts.map((t) => Number.parseInt(t, 10)).filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Running, not a zombie (daemons are reparented, so a killed one may wait to be reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true;
  }
}

/** End one PID: `signal` first, SIGKILL if it is still there after ~2 s; resolves once it is gone. */
export async function endPid(pid: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  // Polls the PID (a real condition), no fixed wait.
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  }
}

function killSync(dir: string): void {
  for (const pid of pidsInSync(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * From now until release(dir), whatever daemon writes a PID file under <dir>/run dies with this
 * process: at exit, or through a watchdog if this process is killed. Call it before starting them.
 */
export function guardDir(dir: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const d of guarded.keys()) killSync(d);
    });
  }
  // `tail --pid` returns when this process is gone (it polls once a second; no test waits on it).
  const script = 'tail --pid="$1" -f /dev/null; for f in "$2"/run/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null; done; rm -rf "$2"';
  const watchdog = spawn('bash', ['-c', script, 'upgrant-watchdog', String(process.pid), dir], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  guarded.set(dir, watchdog.pid);
}

/** End the daemons of <dir> by their PIDs (`signal` first), delete <dir>, and stand its watchdog down. */
export async function endDir(dir: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  await Promise.all((await pidsIn(dir)).map((pid) => endPid(pid, signal)));
  await rm(dir, { recursive: true, force: true });
  const watchdog = guarded.get(dir);
  guarded.delete(dir);
  if (watchdog !== undefined) {
    try {
      process.kill(watchdog, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Whether a failed start's output says a port was taken (the caller retries on fresh ports). */
export function portTaken(text: string): boolean {
  return /EADDRINUSE|Address already in use|address in use|errno 98|bind.*(failed|error)|unable to bind/i.test(text);
}

/** Run `start` again on fresh ports (it picks them) when a port turned out to be taken, up to 3 times. */
export async function retryOnPortClash<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !portTaken(String((error as Error).message))) throw error;
    }
  }
}
