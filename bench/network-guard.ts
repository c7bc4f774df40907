// Counts outgoing TCP connections while grants are signed. Signing must never touch the network
// (credentials and keys are resolved when the driver is built); a count above zero is a bug to
// report, not a number to average. Every client in node (http, https, fetch/undici, the SDKs)
// ends in net.Socket#connect, so watching that one method is enough.
import net from 'node:net';

export interface NetworkGuard {
  /** Connections attempted since the guard was installed (or last reset). */
  readonly connections: number;
  /** "host:port" of each attempt, for the report. */
  readonly targets: readonly string[];
  reset(): void;
  uninstall(): void;
}

type Connect = (this: net.Socket, ...args: unknown[]) => net.Socket;

export function installNetworkGuard(): NetworkGuard {
  const proto = net.Socket.prototype as unknown as { connect: Connect };
  const original = proto.connect;
  const targets: string[] = [];
  proto.connect = function guardedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
    targets.push(describe(args[0], args[1]));
    return original.apply(this, args);
  };
  return {
    get connections() {
      return targets.length;
    },
    targets,
    reset() {
      targets.length = 0;
    },
    uninstall() {
      proto.connect = original;
    },
  };
}

function describe(first: unknown, second: unknown): string {
  if (Array.isArray(first)) return describe(first[0], first[1]);
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: unknown; port?: unknown; path?: unknown };
    return o.path !== undefined ? String(o.path) : `${String(o.host ?? 'localhost')}:${String(o.port)}`;
  }
  return typeof second === 'string' ? `${second}:${String(first)}` : String(first);
}
