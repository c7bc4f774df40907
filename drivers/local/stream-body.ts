// Owning a request body from its first byte, and streaming it through a meter (counting, hashing,
// enforcing a limit) into a file.
//
// The guard is made synchronously when the request arrives, before any await: a client that
// closes the connection, errs or stays silent past the idle timeout while the receiver is still
// checking the grant or preparing the file is recorded, and fails the upload the moment it would
// start (or at once, when it is already streaming). A body that never ends can therefore never
// leave a write stream, a file handle or a temporary file behind.
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReceiverError } from './http-answers.js';

/** Default milliseconds a request body may stay silent (as nginx's client_body_timeout). */
export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 60_000;

export class BodyGuard {
  readonly #req: IncomingMessage;
  #failure: Error | undefined;
  #sink: Transform | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, idleMs: number) {
    this.#req = req;
    const socket = req.socket;
    // Fixed before any await: the timeout the server gave this socket, restored after the upload.
    const fail = (error: Error) => {
      this.#failure ??= error;
      this.#sink?.destroy(this.#failure);
    };
    req.once('close', () => {
      if (!req.complete) fail(Object.assign(new Error('client went away mid-upload'), { code: 'ECONNRESET' }));
    });
    req.on('error', fail);
    const previous = socket.timeout ?? 0;
    const onTimeout = () => {
      fail(new ReceiverError(408, 'timeout', `no body bytes for ${Math.round(idleMs / 1000)} s: the upload was cut`));
      // Whatever the answer, a silent client loses its connection once the answer is out.
      if (res.writableFinished || res.destroyed) socket.destroy();
      else res.once('finish', () => socket.destroy());
    };
    // node:http emits a socket's timeout on the request whose body is still coming; with our
    // listener there it answers 408 instead of destroying the socket at once.
    socket.setTimeout(idleMs);
    req.on('timeout', onTimeout);
    res.once('close', () => {
      req.off('timeout', onTimeout);
      // A body left unread (a refused upload) keeps the idle limit: node:http then destroys the
      // socket, since nothing listens any more.
      if (req.complete) socket.setTimeout(previous);
    });
  }

  /** Throw what ended the request already (client gone, silent too long), if anything did. */
  check(): void {
    if (this.#failure) throw this.#failure;
  }

  /**
   * Pipe the request through the meter into the file handle, which is closed on every path.
   * Unlike pipeline(req, ...), a failure does not destroy the request's socket, so a 413 still
   * reaches the client; a client that goes away mid-body fails the write instead of leaving a
   * truncated file that looks complete.
   */
  async streamTo(meter: Transform, handle: FileHandle): Promise<void> {
    const file = handle.createWriteStream();
    const written = pipeline(meter, file);
    this.#sink = meter;
    const req = this.#req;
    try {
      if (this.#failure) meter.destroy(this.#failure);
      else req.pipe(meter);
      await written;
    } finally {
      this.#sink = undefined;
      req.unpipe(meter);
      // Waits for the stream's own close when it is closing already.
      await handle.close().catch(() => undefined);
    }
  }
}
