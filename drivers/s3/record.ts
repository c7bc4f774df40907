// The grant record as S3 user metadata. OpenStack Swift's s3api refuses a metadata value over 256
// bytes (measured: 500 "Metadata value longer than 256"), and a record is a sealed token of a few
// hundred bytes, so it travels in numbered pieces: x-amz-meta-upgrant-record-0, -1, ... Each piece
// is a signed header (PUT) or an exact policy condition (POST), like any other.
const PIECE = 'upgrant-record-';
const PIECE_CHARS = 240;

/** The metadata entries (names without "x-amz-meta-") that carry `record`. */
export function recordMetadata(record: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (let i = 0, n = 0; i < record.length; i += PIECE_CHARS, n++) entries[`${PIECE}${n}`] = record.slice(i, i + PIECE_CHARS);
  return entries;
}

/** The record back from an object's user metadata (names lower-cased by the SDK), or undefined. */
export function recordFrom(metadata: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!metadata) return undefined;
  let record = '';
  for (let n = 0; metadata[`${PIECE}${n}`] !== undefined; n++) record += metadata[`${PIECE}${n}`];
  return record === '' ? undefined : record;
}
