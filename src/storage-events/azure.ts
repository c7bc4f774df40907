// Azure Blob Storage events through Event Grid, in the Event Grid schema (eventType, subject,
// data.url) and in the CloudEvents 1.0 schema (type, subject, data.url), single or batched.
import type { StorageObjectEvent } from '../storage-events.js';
import { extras, fail, isObject, optionalSize, optionalText, percentDecode, text, type JsonObject } from './json.js';

const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';
const VALIDATION = 'Microsoft.EventGrid.SubscriptionValidationEvent';
const SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/s;

export function isAzureEvent(event: JsonObject): boolean {
  const eventGrid = typeof event.eventType === 'string' && typeof event.subject === 'string';
  const cloudEvent = typeof event.specversion === 'string' && typeof event.type === 'string' && event.type.startsWith('Microsoft.');
  return eventGrid || cloudEvent;
}

/** The validation code of a SubscriptionValidationEvent (Event Grid schema), else undefined. */
export function eventGridValidationCode(event: JsonObject): string | undefined {
  if (event.eventType !== VALIDATION || !isObject(event.data)) return undefined;
  const code = event.data.validationCode;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

export function azureEvent(event: JsonObject): StorageObjectEvent[] {
  const eventGrid = typeof event.eventType === 'string';
  const type = text(event, eventGrid ? 'eventType' : 'type', 'event');
  if (type === VALIDATION) return [];
  if (!type.startsWith('Microsoft.Storage.')) fail(`Event Grid event type "${type}" is not a storage event`);
  if (type !== BLOB_CREATED) return [];
  const subject = text(event, 'subject', 'event');
  const match = SUBJECT.exec(subject);
  if (!match) fail('event.subject must be /blobServices/default/containers/<container>/blobs/<name>');
  const container = match[1]!;
  const data = event.data;
  if (!isObject(data)) fail('event.data must be an object');
  return [
    {
      source: eventGrid ? 'azure-eventgrid' : 'azure-cloudevent',
      bucket: container,
      key: blobName(container, match[2]!, optionalText(data, 'url', 'event.data')),
      ...extras({ size: optionalSize(data, 'contentLength', 'event.data'), etag: optionalText(data, 'eTag', 'event.data'), id: optionalText(event, 'id', 'event') }),
    },
  ];
}

/**
 * The blob name, agreed between the subject and data.url. The URL is percent-encoded; the subject
 * is taken as written, or percent-decoded when that is what makes it agree with the URL. A URL
 * naming another blob than the subject is a malformed event.
 */
function blobName(container: string, subjectName: string, url: string | undefined): string {
  if (url === undefined) return subjectName;
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    fail('event.data.url is not a URL');
  }
  const decodedPath = percentDecode(path, 'event.data.url');
  if (decodedPath.endsWith(`/${container}/${subjectName}`)) return subjectName;
  const decodedSubject = percentDecode(subjectName, 'event.subject');
  if (decodedPath.endsWith(`/${container}/${decodedSubject}`)) return decodedSubject;
  fail('event.data.url names another blob than event.subject');
}
