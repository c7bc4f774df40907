// Request bodies: JSON only, read up to a limit per endpoint (a grant asks for little; a
// completion lists up to 10,000 parts), refused with 413 as soon as the limit is passed, so a
// client can never make the server buffer more than that.
import { InvalidRequestError } from '../errors.js';
import { RouterError } from './wire.js';

export const BODY_LIMITS = {
  grant: 64 * 1024,
  complete: 1024 * 1024,
  other: 16 * 1024,
} as const;

export type Json = Record<string, unknown>;

/** Reads at most `limit` bytes of the body (throws 413 past it). */
export type BodyReader = (limit: number) => Promise<Uint8Array>;

export function checkJsonType(contentType: string | null | undefined): void {
  if (!/^application\/json\s*(;|$)/i.test(contentType ?? '')) throw new RouterError(415, 'unsupported-media-type', 'send JSON with Content-Type: application/json', 'content-type');
}

// Not streaming, so one decoder serves every request (it keeps no state between decode calls).
const UTF8 = new TextDecoder();

export function parseJsonObject(bytes: Uint8Array): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(UTF8.decode(bytes));
  } catch {
    throw new InvalidRequestError('body', 'is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidRequestError('body', 'must be a JSON object');
  return parsed as Json;
}

export function tooLarge(limit: number): RouterError {
  return new RouterError(413, 'payload-too-large', `the body is over ${limit} bytes`, 'body');
}

/** Collect chunks from any async iterable of bytes (a Fetch body stream, a node request). */
export async function collect(chunks: AsyncIterable<Uint8Array>, limit: number, declared: number | undefined): Promise<Uint8Array> {
  if (declared !== undefined && declared > limit) throw tooLarge(limit);
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge(limit);
    parts.push(chunk);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** The members of node's IncomingMessage readNodeBody uses (no node:http in the router's types: node-types.ts). */
export interface NodeBodyStream {
  readonly readableEnded: boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  pause(): unknown;
}

/**
 * The same as collect() for a node request, on its events: an async iterator per request (and its
 * end-of-stream machinery) costs more than reading a grant's few hundred bytes. Past the limit the
 * request is left paused, unread: the 413 goes out with Connection: close (node.ts), which ends it.
 */
export function readNodeBody(req: NodeBodyStream, limit: number, declared: number | undefined): Promise<Uint8Array> {
  if (declared !== undefined && declared > limit) return Promise.reject(tooLarge(limit));
  if (req.readableEnded) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Uint8Array) => {
      size += chunk.byteLength;
      if (size > limit) {
        done();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      parts.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => {
      done();
      reject(new Error('the request closed before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
