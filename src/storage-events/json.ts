// Small helpers shared by the event parsers: JSON values, typed field reads, one error.
import { InvalidRequestError } from '../errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every rejection of an event body is this one error, naming the field `event`. */
export function fail(message: string): never {
  throw new InvalidRequestError('event', message);
}

export function parseJson(text: string, where: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    fail(`${where} is not valid JSON`);
  }
}

/** A required non-empty string at `value[name]`. */
export function text(value: JsonObject, name: string, where: string): string {
  const field = value[name];
  if (typeof field !== 'string' || field === '') fail(`${where}.${name} must be a non-empty string`);
  return field;
}

/** An optional string; a present non-string is malformed. */
export function optionalText(value: JsonObject, name: string, where: string): string | undefined {
  const field = value[name];
  if (field === undefined || field === null || field === '') return undefined;
  if (typeof field !== 'string') fail(`${where}.${name} must be a string`);
  return field;
}

/** An optional byte count: a JSON number, or with `int64` (GCS's JSON API) a decimal string. */
export function optionalSize(value: JsonObject, name: string, where: string, int64 = false): number | undefined {
  const field = value[name];
  if (field === undefined || field === null) return undefined;
  const size = int64 && typeof field === 'string' && /^\d{1,16}$/.test(field) ? Number(field) : field;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) fail(`${where}.${name} must be a whole number of bytes`);
  return size;
}

/** Percent-decoding that reports bad escapes as a malformed event instead of a URIError. */
export function percentDecode(value: string, where: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    fail(`${where} has an invalid percent-escape`);
  }
}

/** `{ etag, size, id }` without the absent ones (exactOptionalPropertyTypes-friendly). */
export function extras(fields: { size?: number | undefined; etag?: string | undefined; id?: string | undefined }): { size?: number; etag?: string; id?: string } {
  return {
    ...(fields.size !== undefined ? { size: fields.size } : {}),
    ...(fields.etag !== undefined ? { etag: fields.etag } : {}),
    ...(fields.id !== undefined ? { id: fields.id } : {}),
  };
}
