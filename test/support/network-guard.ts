// Proves code does no network I/O: while `task` runs, every outgoing TCP connection (http, https,
// fetch and every SDK end in net.Socket#connect) and every DNS lookup is refused and counted.
import dns from 'node:dns';
import net from 'node:net';

export interface NetworkUse {
  /** Connections attempted, as host:port (or a socket path). */
  readonly connections: string[];
  /** Host names looked up. */
  readonly lookups: string[];
}

type Connect = (...args: unknown[]) => net.Socket;
type Lookup = (...args: unknown[]) => unknown;

function describeTarget(args: unknown[]): string {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: string; port?: number; path?: string };
    return o.path ?? `${o.host ?? 'localhost'}:${o.port ?? '?'}`;
  }
  return typeof args[1] === 'string' ? `${args[1]}:${String(first)}` : String(first);
}

/** Run `task` with the network refused; returns what it tried. */
export async function withoutNetwork(task: () => Promise<unknown>): Promise<NetworkUse> {
  const use = { connections: [] as string[], lookups: [] as string[] };
  const proto = net.Socket.prototype as unknown as { connect: Connect };
  const connect = proto.connect;
  const lookup = dns.lookup as unknown as Lookup;
  const promisesLookup = dns.promises.lookup as unknown as Lookup;
  proto.connect = function (this: net.Socket, ...args: unknown[]) {
    use.connections.push(describeTarget(args));
    // Fail the way a refused connection does: later, through the socket's 'error' event.
    process.nextTick(() => this.destroy(Object.assign(new Error('network refused by the test (withoutNetwork)'), { code: 'ECONNREFUSED' })));
    return this;
  };
  const refused = (hostname: unknown) => {
    use.lookups.push(String(hostname));
    return Object.assign(new Error(`DNS refused by the test (withoutNetwork): ${String(hostname)}`), { code: 'ENOTFOUND' });
  };
  (dns as unknown as { lookup: Lookup }).lookup = (hostname: unknown, ...rest: unknown[]) => {
    const callback = rest.at(-1) as (error: Error) => void;
    const error = refused(hostname);
    process.nextTick(() => callback(error));
  };
  (dns.promises as unknown as { lookup: Lookup }).lookup = (hostname: unknown) => Promise.reject(refused(hostname));
  try {
    await task();
  } finally {
    proto.connect = connect;
    (dns as unknown as { lookup: Lookup }).lookup = lookup;
    (dns.promises as unknown as { lookup: Lookup }).lookup = promisesLookup;
  }
  return use;
}
