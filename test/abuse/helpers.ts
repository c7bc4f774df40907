// Tools of the abuse suite: raw sockets that misbehave on purpose, the process's open file count,
// and waiting for a condition without a long sleep or a timing assertion.
import { readdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';

/** Open file descriptors of this process (server and clients run in it). */
export async function openFds(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

/** Connections the server holds open (accepted and not yet closed). */
export function serverConnections(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

/**
 * Poll `check` every 20 ms until it holds or `tries` run out (30 s by default: only a failing test
 * waits that long, and a loaded machine may need many seconds); returns its last value.
 */
export async function eventually<T>(check: () => Promise<T>, holds: (value: T) => boolean, tries = 1500): Promise<T> {
  let value = await check();
  for (let i = 0; i < tries && !holds(value); i++) {
    await new Promise((r) => setTimeout(r, 20));
    value = await check();
  }
  return value;
}

/** Path and query of a URL, for a raw request line. */
export function target(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

export interface RawAnswer {
  /** The status code answered, 0 if none came. */
  status: number;
  /** The whole answer as text. */
  text: string;
}

/**
 * Write `head` (request line and headers, without the blank line) and `body`; then either drop
 * the connection as soon as the bytes are written (`drop`) or wait for the answer and the close.
 */
export function rawRequest(url: string, head: string, body: Buffer | string = '', drop = false): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let text = '';
    const socket: Socket = connect(Number(port), hostname, () => {
      socket.write(`${head}\r\n\r\n`);
      socket.write(body, () => {
        if (drop) socket.destroy();
      });
    });
    socket.on('data', (d) => {
      text += d.toString('latin1');
    });
    const finish = () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    socket.on('close', finish);
    socket.on('error', () => undefined);
  });
}

/** Run `task` for 0..count-1, `width` at a time. */
export async function inBatches(count: number, width: number, task: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += width) {
    await Promise.all(Array.from({ length: Math.min(width, count - start) }, (_, j) => task(start + j)));
  }
}
