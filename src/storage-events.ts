// Parsing the storage services' own "object created" notifications into one shape.
//
// An event is a hint, never a proof: it only says which object to look at. The presigner's
// handleStorageEvent verifies that object from the storage itself (its grant, size, type,
// checksum), so a forged or replayed event can at most make it look at an object again.
// That is why nothing here checks signatures (SNS, Pub/Sub push tokens, Event Grid keys are the
// transport's business) and why a replay parses to the same result.
//
// What each accepted shape yields:
// - an object-created event: one StorageObjectEvent per object it names;
// - a recognised notification that creates nothing (deletes, S3 test events, SNS subscription
//   confirmations, Event Grid subscription validation, GCS OBJECT_DELETE / OBJECT_ARCHIVE /
//   OBJECT_METADATA_UPDATE, Azure BlobDeleted ...): [] (answer Event Grid's validation with
//   eventGridValidationResponse);
// - anything malformed or of no known shape: InvalidRequestError('event', ...), and nothing else.
import { azureEvent, eventGridValidationCode, isAzureEvent } from './storage-events/azure.js';
import { GCS_RESOURCE_KIND, gcsCloudEvent, gcsObjectResource, isGcsCloudEvent, isPubSubMessage, pubSubMessage } from './storage-events/gcs.js';
import { eventBridgeEvent, isEventBridgeEvent, isS3TestEvent, isSnsEnvelope, s3Record, snsMessage } from './storage-events/s3.js';
import { fail, isObject, parseJson, type Json, type JsonObject } from './storage-events/json.js';

export interface StorageObjectEvent {
  readonly source: 's3' | 'eventbridge' | 'gcs-pubsub' | 'gcs-cloudevent' | 'azure-eventgrid' | 'azure-cloudevent' | 'local';
  /** Bucket (S3, GCS), container (Azure) or the local receiver's bucket directory. */
  readonly bucket: string;
  /** The object key, decoded (S3 keys arrive URL-encoded, Azure keys inside a URL). */
  readonly key: string;
  readonly size?: number;
  readonly etag?: string;
  /** The notification's own id (for logs and de-duplication), when it has one. */
  readonly id?: string;
}

/** What the local receiver's onUpload hook emits (listenLocal): the same shape, always. */
export interface LocalUploadEvent {
  readonly source: 'upgrant-local';
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag?: string;
}

/** Largest body accepted as a string or Buffer: an SQS batch is at most 10 x 256 KiB. */
export const MAX_EVENT_BYTES = 4 * 1024 * 1024;

/** Envelopes nest (S3 -> SNS -> SQS); deeper than this is not a provider's shape. */
const MAX_DEPTH = 4;

/**
 * Parse a storage notification body: a parsed JSON value, or the raw JSON as a string or Buffer.
 * Throws InvalidRequestError('event') for a malformed or unknown body.
 */
export function parseStorageEvent(body: unknown): StorageObjectEvent[] {
  return parseValue(decodeBody(body), 0);
}

/**
 * Event Grid's webhook handshake: for a body holding a Microsoft.EventGrid.SubscriptionValidationEvent,
 * the JSON answer to send back with 200 (`{ validationResponse }`); undefined for any other body.
 * The CloudEvents schema validates with an HTTP OPTIONS request instead (answer it with a
 * `WebHook-Allowed-Origin` header echoing `WebHook-Request-Origin`); no body is involved.
 */
export function eventGridValidationResponse(body: unknown): { readonly validationResponse: string } | undefined {
  let value: Json;
  try {
    value = decodeBody(body);
  } catch {
    return undefined;
  }
  const events = Array.isArray(value) ? value : [value];
  for (const event of events) {
    const code = isObject(event) ? eventGridValidationCode(event) : undefined;
    if (code !== undefined) return { validationResponse: code };
  }
  return undefined;
}

function decodeBody(body: unknown): Json {
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    if (Buffer.byteLength(text) > MAX_EVENT_BYTES) fail(`is larger than ${MAX_EVENT_BYTES} bytes`);
    return parseJson(text, 'body');
  }
  if (body === null || body === undefined) fail('is empty');
  if (typeof body !== 'object') fail('must be a JSON object or array');
  return body as Json;
}

function parseValue(value: Json, depth: number): StorageObjectEvent[] {
  if (depth > MAX_DEPTH) fail('nests envelopes deeper than any provider does');
  if (Array.isArray(value)) {
    // Event Grid (both schemas, batched) and CloudEvents batches are arrays of events.
    if (value.length === 0) fail('is an empty array');
    return value.flatMap((item) => {
      if (!isObject(item) || !isAzureEvent(item)) fail('is an array, but not of Event Grid or CloudEvents events');
      return azureEvent(item);
    });
  }
  if (!isObject(value)) fail('must be a JSON object or array');
  return parseObject(value, depth);
}

function parseObject(event: JsonObject, depth: number): StorageObjectEvent[] {
  if (Array.isArray(event.Records)) return parseRecords(event.Records, depth);
  if (isS3TestEvent(event)) return [];
  if (isSnsEnvelope(event)) {
    const message = snsMessage(event);
    return message === undefined ? [] : parseValue(parseJson(message, 'Message'), depth + 1);
  }
  if (isEventBridgeEvent(event)) return eventBridgeEvent(event);
  if (isObject(event.message) && isPubSubMessage(event.message)) return pubSubMessage(event.message);
  if (Array.isArray(event.receivedMessages)) {
    return event.receivedMessages.flatMap((received) => {
      if (!isObject(received) || !isObject(received.message) || !isPubSubMessage(received.message)) fail('receivedMessages[] must hold Pub/Sub messages');
      return pubSubMessage(received.message);
    });
  }
  if (isPubSubMessage(event)) return pubSubMessage(event);
  if (isGcsCloudEvent(event)) return gcsCloudEvent(event);
  if (event.kind === GCS_RESOURCE_KIND) return [gcsObjectResource(event, 'gcs-cloudevent')];
  if (isAzureEvent(event)) return azureEvent(event);
  if (event.source === 'upgrant-local') return [localEvent(event)];
  fail('is not a storage notification upgrant knows (S3, EventBridge, GCS Pub/Sub or CloudEvent, Azure Event Grid, local)');
}

/** `Records[]`: S3 notifications (Lambda, SNS raw, SQS raw) or SQS messages whose body is one. */
function parseRecords(records: Json[], depth: number): StorageObjectEvent[] {
  return records.flatMap((record, index) => {
    if (!isObject(record)) fail(`Records[${index}] must be an object`);
    if (record.eventSource === 'aws:sqs' || (typeof record.body === 'string' && typeof record.receiptHandle === 'string')) {
      if (typeof record.body !== 'string') fail(`Records[${index}].body must be a string`);
      return parseValue(parseJson(record.body, `Records[${index}].body`), depth + 1);
    }
    if (isObject(record.Sns)) {
      // SNS -> Lambda wraps each message as Records[].Sns.
      const message = snsMessage(record.Sns);
      return message === undefined ? [] : parseValue(parseJson(message, `Records[${index}].Sns.Message`), depth + 1);
    }
    return s3Record(record, index);
  });
}

function localEvent(event: JsonObject): StorageObjectEvent {
  const { bucket, key, size, etag } = event;
  if (typeof bucket !== 'string' || bucket === '') fail('local event: bucket must be a non-empty string');
  if (typeof key !== 'string' || key === '') fail('local event: key must be a non-empty string');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) fail('local event: size must be a whole number of bytes');
  if (etag !== undefined && typeof etag !== 'string') fail('local event: etag must be a string');
  return { source: 'local', bucket, key, size, ...(etag !== undefined ? { etag } : {}) };
}
