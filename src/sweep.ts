// Finding uploads nobody reported: a sweep lists the staging prefix (paginated, bounded), verifies
// and promotes every complete upload that passes, deletes every one that breaks its grant, and
// removes the leftovers of grants that expired more than a grace ago. A storage event does the same
// for the one object it names. Both go through Staging.verify, so they are safe from any number
// of instances at once: a promotion is create-only or finds its grant's object already at the key.
import type { Driver } from '../drivers/driver.js';
import { eachAtMost } from './each-at-most.js';
import { InvalidRequestError, ObjectNotFoundError, UploadRejectedError } from './errors.js';
import { parseStagingName, type Staging } from './staging.js';
import { parseStorageEvent, type StorageObjectEvent } from './storage-events.js';
import type { StorageEventResult, SweepOptions, SweepReport, VerifiedObject, Violation } from './types.js';

const DEFAULT_GRACE_S = 3600;
const DEFAULT_LIMIT = 10_000;
const PAGE_SIZE = 1000;
/** Staged objects a sweep verifies at once (each is a few requests, mostly waiting). */
const IN_FLIGHT = 16;

type Rejected = SweepReport['rejected'][number];
type Outcome = { readonly expired: string } | { readonly result: StorageEventResult; readonly stagingKey: string } | undefined;

export async function sweepStaging(staging: Staging, driver: Driver, options: SweepOptions, clock: () => Date): Promise<SweepReport> {
  const olderThan = seconds(options.olderThan, 'olderThan', 0);
  const grace = seconds(options.grace, 'grace', DEFAULT_GRACE_S);
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new InvalidRequestError('limit', 'must be a whole number of objects, at least 1');
  const dryRun = options.dryRun === true;
  const stagingDriver = staging.driver;
  const report = { scanned: 0, promoted: [] as VerifiedObject[], rejected: [] as Rejected[], expired: [] as string[], aborted: 0, truncated: false, dryRun };
  if (!stagingDriver) return report;

  const now = clock();
  const nowS = now.getTime() / 1000;
  let cursor: string | undefined;
  do {
    const page = await staging.list({ limit: Math.min(PAGE_SIZE, limit - report.scanned), ...(cursor ? { cursor } : {}) });
    report.scanned += page.objects.length;
    // Each object is a verification's few round trips of waiting: IN_FLIGHT of them at once, and
    // the report in listing order, as if one after the other.
    const results = await eachAtMost(IN_FLIGHT, page.objects, async (object): Promise<Outcome> => {
      const name = parseStagingName(staging.prefix, object.key);
      if (!name) return undefined; // not ours: never touched
      if (name.marker) {
        if (name.expiresAt + grace >= nowS) return undefined;
        if (!dryRun) await staging.delete(object.key);
        return { expired: object.key };
      }
      if (olderThan > 0 && object.lastModified && object.lastModified.getTime() > now.getTime() - olderThan * 1000) return undefined;
      return { result: await verifyStaged(staging, driver, object.key, dryRun, true), stagingKey: object.key };
    });
    for (const outcome of results) {
      if (!outcome) continue;
      if ('expired' in outcome) report.expired.push(outcome.expired);
      else if (outcome.result.outcome === 'promoted' && outcome.result.object) report.promoted.push(outcome.result.object);
      else if (outcome.result.outcome === 'rejected') report.rejected.push({ key: outcome.result.key, stagingKey: outcome.stagingKey, violations: outcome.result.violations ?? [] });
    }
    cursor = page.cursor;
    if (cursor && report.scanned >= limit) {
      report.truncated = true;
      break;
    }
  } while (cursor);

  if (stagingDriver.abortStaleMultipart && !dryRun) {
    // A multipart upload whose grant expired more than a grace ago can never be completed by its
    // client; the staging key says when that is.
    report.aborted = await stagingDriver.abortStaleMultipart(staging.prefix, (key) => {
      const name = parseStagingName(staging.prefix, key);
      return name !== undefined && !name.marker && name.expiresAt + grace < nowS;
    });
  }
  return report;
}

export async function handleStorageEvent(staging: Staging, driver: Driver, body: unknown): Promise<StorageEventResult[]> {
  const events = parseStorageEvent(body);
  const results: StorageEventResult[] = [];
  for (const event of events) results.push(await handleOne(staging, driver, event));
  return results;
}

async function handleOne(staging: Staging, driver: Driver, event: StorageObjectEvent): Promise<StorageEventResult> {
  const ignored = (reason: string): StorageEventResult => ({ bucket: event.bucket, key: event.key, outcome: 'ignored', reason });
  if (event.bucket !== driver.bucket) return ignored(`bucket "${event.bucket}" is not this presigner's`);
  const name = parseStagingName(staging.prefix, event.key);
  if (!name || name.marker) return ignored('not a staged upload');
  if (!staging.driver) return ignored('this driver does not stage uploads');
  return verifyStaged(staging, driver, event.key, false);
}

/** Verify the staged object at `stagingKey` from the record it carries (`listed`: a listing of the bucket just named it). */
async function verifyStaged(staging: Staging, driver: Driver, stagingKey: string, dryRun: boolean, listed = false): Promise<StorageEventResult> {
  const info = await staging.head(stagingKey, listed);
  if (!info) return { bucket: driver.bucket, key: stagingKey, outcome: 'missing', reason: 'no staged object (already promoted or removed)' };
  const grant = staging.grantOf(info, stagingKey);
  if (!grant) {
    // Nothing names its grant: it can never be verified, so it broke its grant.
    const violations: Violation[] = [{ constraint: 'grant', expected: 'the grant record in the object metadata', actual: info.record === undefined ? 'none' : 'a record of no grant of this presigner for this key' }];
    if (!dryRun) await staging.reject({ staging: stagingKey }, violations);
    return { bucket: driver.bucket, key: stagingKey, outcome: 'rejected', violations };
  }
  try {
    const object = await staging.verify(grant, { dryRun, staged: info });
    return { bucket: driver.bucket, key: grant.key, outcome: 'promoted', object };
  } catch (error) {
    if (error instanceof UploadRejectedError) return { bucket: driver.bucket, key: grant.key, outcome: 'rejected', violations: error.violations };
    if (error instanceof ObjectNotFoundError) return { bucket: driver.bucket, key: grant.key, outcome: 'missing', reason: 'the staged object went away meanwhile' };
    throw error;
  }
}

function seconds(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new InvalidRequestError(field, 'must be a whole number of seconds, 0 or more');
  return value;
}
