// Streaming a request body through a meter (counting, hashing, enforcing a limit) into a file.
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Pipe the request through the meter into the file. Unlike pipeline(req, ...), a failure does not
 * destroy the request's socket, so a 413 still reaches the client; a client that goes away
 * mid-body fails the write instead of leaving a truncated file that looks complete.
 */
export async function streamBody(req: IncomingMessage, meter: Transform, file: NodeJS.WritableStream): Promise<void> {
  const written = pipeline(meter, file);
  const onClose = () => {
    if (!req.complete) meter.destroy(Object.assign(new Error('client went away mid-upload'), { code: 'ECONNRESET' }));
  };
  req.on('close', onClose);
  req.on('error', (error) => meter.destroy(error));
  req.pipe(meter);
  try {
    await written;
  } finally {
    req.off('close', onClose);
    req.unpipe(meter);
  }
}
