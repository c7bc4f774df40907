// Timing: run an operation back to back for a fixed time, several rounds, and keep every per-op
// latency. Rounds of competing operations are interleaved (A B C, A B C, ...) so a slow stretch of
// the machine (another process, a frequency change) hits all of them alike, not one.

/** An operation to time; sync or async (an async one is awaited, a sync one is not). */
export type Operation = () => unknown;

export interface Plan {
  /** Time spent running each operation before any round counts (JIT and caches warm). */
  readonly warmupMs: number;
  readonly rounds: number;
  readonly roundMs: number;
}

export interface Measurement {
  /** Median over the rounds of ops / wall time of the round. */
  readonly opsPerSec: number;
  /** Per-op latency percentiles over every op of every counted round, in microseconds. */
  readonly p50us: number;
  readonly p99us: number;
  readonly ops: number;
  readonly roundOpsPerSec: readonly number[];
  /**
   * Median over the rounds of ops / CPU time of this process (process.cpuUsage). On a machine
   * shared with other jobs, wall time also counts the time spent waiting for a core; CPU time
   * moves much less between runs there (docs/performance.md, "Issue 16").
   */
  readonly cpuOpsPerSec: number;
}

/** A growable list of per-op nanoseconds that does not allocate per sample. */
class Samples {
  #data = new Float64Array(1 << 16);
  length = 0;

  push(value: number): void {
    if (this.length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.length++] = value;
  }

  sorted(): Float64Array {
    return this.#data.slice(0, this.length).sort();
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Run `op` until `ms` have passed; record each op's duration into `samples` when given. */
async function runFor(op: Operation, ms: number, samples?: Samples): Promise<{ ops: number; ns: number; cpuUs: number }> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(ms * 1e6));
  let ops = 0;
  let now = start;
  while (now < end) {
    const t0 = now;
    const result = op();
    if (isPromise(result)) await result;
    now = process.hrtime.bigint();
    samples?.push(Number(now - t0));
    ops++;
  }
  const used = process.cpuUsage(cpu);
  return { ops, ns: Number(now - start), cpuUs: used.user + used.system };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Collect garbage between rounds when node runs with --expose-gc, so one op's debt is not billed to the next. */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Measure several operations with interleaved rounds; the result keeps the input's names. */
export async function measureAll<K extends string>(ops: Readonly<Record<K, Operation>>, plan: Plan): Promise<Record<K, Measurement>> {
  const names = Object.keys(ops) as K[];
  for (const name of names) {
    await runFor(ops[name], plan.warmupMs);
    collect();
  }
  const samples = new Map<K, Samples>(names.map((n) => [n, new Samples()]));
  const rates = new Map<K, number[]>(names.map((n) => [n, []]));
  const totals = new Map<K, number>(names.map((n) => [n, 0]));
  const cpuRates = new Map<K, number[]>(names.map((n) => [n, []]));
  for (let round = 0; round < plan.rounds; round++) {
    for (const name of names) {
      const { ops: count, ns, cpuUs } = await runFor(ops[name], plan.roundMs, samples.get(name));
      rates.get(name)!.push((count * 1e9) / ns);
      cpuRates.get(name)!.push((count * 1e6) / cpuUs);
      totals.set(name, totals.get(name)! + count);
      collect();
    }
  }
  const result = {} as Record<K, Measurement>;
  for (const name of names) {
    const sorted = samples.get(name)!.sorted();
    result[name] = {
      opsPerSec: median(rates.get(name)!),
      p50us: percentile(sorted, 50) / 1000,
      p99us: percentile(sorted, 99) / 1000,
      ops: totals.get(name)!,
      roundOpsPerSec: rates.get(name)!,
      cpuOpsPerSec: median(cpuRates.get(name)!),
    };
  }
  return result;
}
