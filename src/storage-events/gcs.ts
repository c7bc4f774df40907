// Cloud Storage notifications: Pub/Sub messages (push envelope, pulled message, pull response) and
// Eventarc CloudEvents (structured, or the data-only body of the binary mode).
import type { StorageObjectEvent } from '../storage-events.js';
import { extras, fail, isObject, optionalSize, optionalText, parseJson, text, type JsonObject } from './json.js';

export const GCS_RESOURCE_KIND = 'storage#object';
const CLOUDEVENT_PREFIX = 'google.cloud.storage.object.v1.';
const PUBSUB_CLOUDEVENT = 'google.cloud.pubsub.topic.v1.messagePublished';
/** Pub/Sub notification event types that create nothing. */
const NOT_CREATED = new Set(['OBJECT_DELETE', 'OBJECT_ARCHIVE', 'OBJECT_METADATA_UPDATE']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A Pub/Sub message: attributes and/or base64 data, with the id Pub/Sub gives it. */
export function isPubSubMessage(value: JsonObject): boolean {
  return isObject(value.attributes) && ('messageId' in value || 'message_id' in value || 'data' in value);
}

/** A Pub/Sub message carrying a Cloud Storage notification (eventType, bucketId, objectId attributes). */
export function pubSubMessage(message: JsonObject): StorageObjectEvent[] {
  const attributes = message.attributes;
  if (!isObject(attributes) || typeof attributes.bucketId !== 'string' || typeof attributes.eventType !== 'string') {
    fail('Pub/Sub message is not a Cloud Storage notification (no eventType and bucketId attributes)');
  }
  const eventType = attributes.eventType;
  const bucket = text(attributes, 'bucketId', 'message.attributes');
  // objectId is the object name itself, not encoded.
  const key = text(attributes, 'objectId', 'message.attributes');
  if (NOT_CREATED.has(eventType)) return [];
  if (eventType !== 'OBJECT_FINALIZE') fail(`Cloud Storage event type "${eventType}" is unknown`);
  const id = optionalText(message, 'messageId', 'message') ?? optionalText(message, 'message_id', 'message');
  const data = optionalText(message, 'data', 'message');
  if (data === undefined || attributes.payloadFormat === 'NONE') return [{ source: 'gcs-pubsub', bucket, key, ...extras({ id }) }];
  if (!BASE64.test(data)) fail('message.data must be base64');
  const resource = parseJson(Buffer.from(data, 'base64').toString('utf8'), 'message.data');
  if (!isObject(resource)) fail('message.data must hold the object resource');
  const object = gcsObjectResource(resource, 'gcs-pubsub');
  if (object.bucket !== bucket || object.key !== key) fail('message.data names another object than its bucketId/objectId attributes');
  return [{ ...object, ...extras({ id }) }];
}

export function isGcsCloudEvent(event: JsonObject): boolean {
  return typeof event.specversion === 'string' && typeof event.type === 'string' && (event.type.startsWith(CLOUDEVENT_PREFIX) || event.type === PUBSUB_CLOUDEVENT);
}

/** An Eventarc CloudEvent in the structured mode: `google.cloud.storage.object.v1.finalized` with the object as data. */
export function gcsCloudEvent(event: JsonObject): StorageObjectEvent[] {
  const type = event.type as string;
  const data = event.data;
  if (!isObject(data)) fail(`CloudEvent ${type} must carry its data as a JSON object`);
  // Eventarc's Pub/Sub trigger wraps the notification message: { message, subscription }.
  if (type === PUBSUB_CLOUDEVENT) {
    if (!isObject(data.message)) fail('CloudEvent data.message must be a Pub/Sub message');
    return pubSubMessage(data.message);
  }
  const object = gcsObjectResource(data, 'gcs-cloudevent');
  if (type !== `${CLOUDEVENT_PREFIX}finalized`) return [];
  return [{ ...object, ...extras({ id: optionalText(event, 'id', 'CloudEvent') ?? object.id }) }];
}

/**
 * The object resource (JSON API `storage#object`), as Pub/Sub's data and as a CloudEvent's data.
 * Alone (the binary mode's body, its type in ce-* headers) it can only mean "look at this object":
 * verification reads the storage, so a non-creation event read this way finds nothing to promote.
 */
export function gcsObjectResource(resource: JsonObject, source: 'gcs-pubsub' | 'gcs-cloudevent'): StorageObjectEvent {
  if (resource.kind !== undefined && resource.kind !== GCS_RESOURCE_KIND) fail(`object resource kind must be "${GCS_RESOURCE_KIND}"`);
  return {
    source,
    bucket: text(resource, 'bucket', 'object'),
    key: text(resource, 'name', 'object'),
    ...extras({ size: optionalSize(resource, 'size', 'object', true), etag: optionalText(resource, 'etag', 'object'), id: optionalText(resource, 'id', 'object') }),
  };
}
