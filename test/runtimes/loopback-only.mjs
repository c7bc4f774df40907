// Preloaded (--import) into wrangler and the Miniflare runner: any TCP connection to a host other
// than loopback throws, so a test run proves that nothing (metrics, update checks) leaves the machine.
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function loopbackOnly(...args) {
  const options = typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: args[0], host: args[1] };
  if (options.path === undefined && !LOOPBACK.has(options.host ?? 'localhost')) {
    throw new Error(`network guard: refused a connection to ${options.host}:${options.port}`);
  }
  return connect.apply(this, args);
};
