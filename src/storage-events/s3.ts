// S3 Event Notifications (the Records[] body S3 sends to SQS, SNS and Lambda), the SNS envelope
// around them, S3's test event, and EventBridge "Object Created".
import type { StorageObjectEvent } from '../storage-events.js';
import { extras, fail, isObject, optionalSize, optionalText, percentDecode, text, type JsonObject } from './json.js';

/**
 * Event sources that send keys as-is instead of form-URL-encoded. Measured: Ceph RGW 16.2.15
 * ("ceph:s3") pushes `a b+c.txt` for the key "a b+c.txt", where AWS sends `a+b%2Bc.txt`.
 */
const RAW_KEY_SOURCES = new Set(['ceph:s3']);

/** One `Records[]` entry of an S3 notification. */
export function s3Record(record: JsonObject, index: number): StorageObjectEvent[] {
  const where = `Records[${index}]`;
  const source = optionalText(record, 'eventSource', where);
  if (source === undefined || !source.endsWith(':s3') || !isObject(record.s3)) fail(`${where} is not an S3 event record`);
  // Ceph before Pacific and MinIO write "s3:ObjectCreated:Put"; AWS writes "ObjectCreated:Put".
  const name = text(record, 'eventName', where).replace(/^s3:/, '');
  const s3 = record.s3;
  if (!isObject(s3.bucket) || !isObject(s3.object)) fail(`${where}.s3 must hold bucket and object`);
  const bucket = text(s3.bucket, 'name', `${where}.s3.bucket`);
  const rawKey = text(s3.object, 'key', `${where}.s3.object`);
  if (!name.startsWith('ObjectCreated:')) return [];
  // AWS: "The object key name value is URL encoded" (form encoding: "+" is a space).
  const key = RAW_KEY_SOURCES.has(source) ? rawKey : percentDecode(rawKey.replace(/\+/g, ' '), `${where}.s3.object.key`);
  const response = isObject(record.responseElements) ? record.responseElements : {};
  const id = optionalText(record, 'eventId', where) ?? optionalText(response, 'x-amz-request-id', `${where}.responseElements`);
  return [
    {
      source: 's3',
      bucket,
      key,
      ...extras({ size: optionalSize(s3.object, 'size', `${where}.s3.object`), etag: optionalText(s3.object, 'eTag', `${where}.s3.object`), id }),
    },
  ];
}

/** What S3 sends once when a notification configuration is saved: no object. */
export function isS3TestEvent(event: JsonObject): boolean {
  return event.Event === 's3:TestEvent' && typeof event.Service === 'string';
}

/** An SNS message as delivered to HTTP(S) endpoints and (without raw delivery) to SQS. */
export function isSnsEnvelope(event: JsonObject): boolean {
  return typeof event.Type === 'string' && typeof event.TopicArn === 'string' && 'Message' in event;
}

/** The notification's Message (a JSON string), or undefined for SNS's own (un)subscribe confirmations. */
export function snsMessage(envelope: JsonObject): string | undefined {
  const type = envelope.Type;
  if (type === 'SubscriptionConfirmation' || type === 'UnsubscribeConfirmation') return undefined;
  if (type !== 'Notification') fail(`SNS message type "${String(type)}" is not a notification`);
  return text(envelope, 'Message', 'SNS');
}

export function isEventBridgeEvent(event: JsonObject): boolean {
  return event.source === 'aws.s3' && typeof event['detail-type'] === 'string' && 'detail' in event;
}

/** EventBridge's S3 events: only "Object Created" names an object to promote. */
export function eventBridgeEvent(event: JsonObject): StorageObjectEvent[] {
  const detail = event.detail;
  if (!isObject(detail) || !isObject(detail.bucket) || !isObject(detail.object)) fail('EventBridge detail must hold bucket and object');
  const bucket = text(detail.bucket, 'name', 'detail.bucket');
  // Keys in EventBridge events are the key itself (the page shows no encoding, unlike Records[]).
  const key = text(detail.object, 'key', 'detail.object');
  if (event['detail-type'] !== 'Object Created') return [];
  return [
    {
      source: 'eventbridge',
      bucket,
      key,
      ...extras({ size: optionalSize(detail.object, 'size', 'detail.object'), etag: optionalText(detail.object, 'etag', 'detail.object'), id: optionalText(event, 'id', 'EventBridge') }),
    },
  ];
}
