// Bucket lifecycle for the staging prefix: expire staged objects after N days and abort multipart
// uploads left incomplete. PutBucketLifecycleConfiguration replaces the whole configuration, so
// the current rules are read first and every rule but upgrant's own (by ID) is kept.
import {
  GetBucketLifecycleConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  type LifecycleRule as S3LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { LifecycleDriver, LifecycleResult, LifecycleRule } from '../driver.js';
import { DriverError } from '../error-codes.js';
import { errorCode } from './errors.js';

/** The ID of the one rule upgrant owns in a bucket's lifecycle configuration. */
export const LIFECYCLE_RULE_ID = 'upgrant-staging';

export function s3LifecycleRule(rule: LifecycleRule): S3LifecycleRule {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: 'Enabled',
    Filter: { Prefix: rule.prefix },
    Expiration: { Days: rule.days },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: rule.abortIncompleteMultipartDays },
  };
}

/**
 * Stores without lifecycle rules say so in their own ways. Measured: OpenStack Swift's s3api has
 * no lifecycle controller, so `PUT ?lifecycle` is taken for CreateBucket and its body refused as
 * 400 MalformedXML (and `GET ?lifecycle` answers a bucket listing).
 */
function unsupported(error: unknown): DriverError | undefined {
  const code = errorCode(error);
  if (code !== 'NotImplemented' && code !== 'MalformedXML') return undefined;
  return new DriverError('unimplemented', `this store does not support bucket lifecycle rules (it answered ${code}); run \`upgrant sweep\` on a schedule instead`, { cause: error });
}

export class S3Lifecycle implements LifecycleDriver {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(client: S3Client, bucket: string) {
    this.#client = client;
    this.#bucket = bucket;
  }

  /** Implements LifecycleDriver.apply. */
  async apply(rule: LifecycleRule): Promise<LifecycleResult> {
    try {
      const others = (await this.#rules()).filter((existing) => existing.ID !== LIFECYCLE_RULE_ID);
      await this.#client.send(
        new PutBucketLifecycleConfigurationCommand({ Bucket: this.#bucket, LifecycleConfiguration: { Rules: [...others, s3LifecycleRule(rule)] } }),
      );
      return { kind: 'applied', provider: 's3', bucket: this.#bucket, rules: { Rules: await this.#rules() } };
    } catch (error) {
      throw unsupported(error) ?? error;
    }
  }

  async #rules(): Promise<S3LifecycleRule[]> {
    try {
      const out = await this.#client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: this.#bucket }));
      return out.Rules ?? [];
    } catch (error) {
      if (errorCode(error) === 'NoSuchLifecycleConfiguration') return [];
      throw error;
    }
  }
}
