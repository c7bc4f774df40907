// Bucket lifecycle for the staging prefix: a Delete rule (age N days, matchesPrefix) and an
// AbortIncompleteMultipartUpload rule (XML API multipart uploads; resumable sessions, which the
// multipart grants use, expire on their own after a week). GCS rules have no IDs: upgrant's are
// the ones of these two actions whose only condition besides age is matchesPrefix [prefix].
// The bucket metadata PATCH replaces the whole rule list, so every other rule is read and kept.
import type { Bucket, BucketMetadata, LifecycleRule as GcsLifecycleRule } from '@google-cloud/storage';
import type { LifecycleDriver, LifecycleResult, LifecycleRule } from '../driver.js';

const OURS = new Set<string>(['Delete', 'AbortIncompleteMultipartUpload']);

export function gcsLifecycleRules(rule: LifecycleRule): GcsLifecycleRule[] {
  return [
    { action: { type: 'Delete' }, condition: { age: rule.days, matchesPrefix: [rule.prefix] } },
    { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: rule.abortIncompleteMultipartDays, matchesPrefix: [rule.prefix] } },
  ];
}

function isOurs(existing: GcsLifecycleRule, prefix: string): boolean {
  const { age, matchesPrefix, ...rest } = (existing.condition ?? {}) as Record<string, unknown>;
  return (
    OURS.has(existing.action?.type) &&
    typeof age === 'number' &&
    Array.isArray(matchesPrefix) &&
    matchesPrefix.length === 1 &&
    matchesPrefix[0] === prefix &&
    Object.keys(rest).length === 0
  );
}

export class GcsLifecycle implements LifecycleDriver {
  readonly #bucket: Bucket;

  constructor(bucket: Bucket) {
    this.#bucket = bucket;
  }

  /** Implements LifecycleDriver.apply. */
  async apply(rule: LifecycleRule): Promise<LifecycleResult> {
    const [metadata] = await this.#bucket.getMetadata();
    const current = (metadata.lifecycle?.rule ?? []).filter((existing) => !isOurs(existing, rule.prefix));
    const [stored] = (await this.#bucket.setMetadata({ lifecycle: { rule: [...current, ...gcsLifecycleRules(rule)] } })) as unknown as [BucketMetadata];
    return { kind: 'applied', provider: 'gcs', bucket: this.#bucket.name, rules: stored.lifecycle ?? { rule: [] } };
  }
}
