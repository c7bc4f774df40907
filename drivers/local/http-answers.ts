// The receiver's answers to refused requests: a proper status and a short machine-readable body,
// `{ "error": { "code", "message" } }`, whose codes match upgrant/client's error codes.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type ReceiverErrorCode =
  | 'forbidden'
  | 'expired'
  | 'exists'
  | 'conflict'
  | 'too-large'
  | 'too-small'
  | 'type-mismatch'
  | 'checksum-mismatch'
  | 'bad-request'
  | 'aborted'
  | 'timeout'
  | 'not-found'
  | 'internal';

export class ReceiverError extends Error {
  constructor(
    readonly status: number,
    readonly code: ReceiverErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function sendError(req: IncomingMessage, res: ServerResponse, error: ReceiverError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  // The client may still be sending a body we refuse to read: close the connection after the
  // answer and drain what arrives meanwhile, so the client reads our status instead of a reset.
  const unread = !req.complete;
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...(unread ? { connection: 'close' } : {}),
  });
  res.end(body);
  if (unread) {
    req.resume();
    res.once('finish', () => req.socket.end());
  }
}
