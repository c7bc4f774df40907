// Storage "object created" notifications, parsed into one shape. A stand-in with the S3 Records[]
// and local shapes only; the full parser (EventBridge, GCS Pub/Sub and CloudEvents, Azure Event
// Grid) replaces this file, with the same exports.
import { InvalidRequestError } from './errors.js';

export interface StorageObjectEvent {
  readonly source: 's3' | 'eventbridge' | 'gcs-pubsub' | 'gcs-cloudevent' | 'azure-eventgrid' | 'azure-cloudevent' | 'local';
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
  readonly etag?: string;
  readonly id?: string;
}

/** The objects an event body names; InvalidRequestError('event') for anything malformed or unknown. */
export function parseStorageEvent(body: unknown): StorageObjectEvent[] {
  const value = typeof body === 'string' ? parseJson(body) : body;
  if (typeof value !== 'object' || value === null) throw new InvalidRequestError('event', 'must be a JSON object');
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['Records'])) return v['Records'].map((record, i) => s3Record(record, i));
  if (v['source'] === 'local') return [localEvent(v)];
  throw new InvalidRequestError('event', 'is not a storage notification upgrant knows');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidRequestError('event', 'is not JSON');
  }
}

function s3Record(record: unknown, i: number): StorageObjectEvent {
  const r = record as { eventSource?: unknown; eventName?: unknown; s3?: { bucket?: { name?: unknown }; object?: { key?: unknown; size?: unknown; eTag?: unknown } } };
  const bucket = r?.s3?.bucket?.name;
  const key = r?.s3?.object?.key;
  if (r?.eventSource !== 'aws:s3' || typeof r.eventName !== 'string' || typeof bucket !== 'string' || typeof key !== 'string') {
    throw new InvalidRequestError(`event.Records[${i}]`, 'is not an S3 event record');
  }
  // S3 event keys are URL-encoded with "+" for spaces.
  let decoded: string;
  try {
    decoded = decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw new InvalidRequestError(`event.Records[${i}].s3.object.key`, 'is not URL-encoded');
  }
  const size = r.s3?.object?.size;
  const etag = r.s3?.object?.eTag;
  return { source: 's3', bucket, key: decoded, ...(typeof size === 'number' ? { size } : {}), ...(typeof etag === 'string' ? { etag } : {}) };
}

function localEvent(v: Record<string, unknown>): StorageObjectEvent {
  const { bucket, key, size, etag } = v;
  if (typeof bucket !== 'string' || typeof key !== 'string') throw new InvalidRequestError('event', 'a local event needs bucket and key');
  return { source: 'local', bucket, key, ...(typeof size === 'number' ? { size } : {}), ...(typeof etag === 'string' ? { etag } : {}) };
}
