// The user delegation key behind user delegation SAS: fetched once, kept, and renewed in the
// background well before it expires, so signing a grant never waits on the network except for the
// very first grant (or after a failed renewal).
import type { KeyObject } from 'node:crypto';
import { sasKey, type DelegationKeyFields } from './sas.js';

/** What getUserDelegationKey returns, reduced to what signing needs. */
export interface FetchedDelegationKey extends DelegationKeyFields {
  /** base64 key value */
  readonly value: string;
}

export interface DelegationKey {
  readonly fields: DelegationKeyFields;
  readonly key: KeyObject;
}

/** A key lives at most 7 days (service limit). */
export const KEY_LIFETIME_S = 7 * 24 * 3600;
/** Grants from a user delegation key may last this long, so a kept key can serve them for a day. */
export const MAX_DELEGATED_GRANT_S = 6 * 24 * 3600;
const START_SKEW_MS = 5 * 60 * 1000;
/** Never hand out a key that ends less than this after the grant does. */
const MARGIN_MS = 60 * 1000;

export type FetchDelegationKey = (startsOn: Date, expiresOn: Date) => Promise<FetchedDelegationKey>;

export class DelegationKeyCache {
  readonly #fetch: FetchDelegationKey;
  readonly #now: () => number;
  #current: DelegationKey | undefined;
  #pending: Promise<DelegationKey> | undefined;
  /** How many keys were requested (tests assert it is not one per grant). */
  fetches = 0;

  constructor(fetch: FetchDelegationKey, now: () => number = Date.now) {
    this.#fetch = fetch;
    this.#now = now;
  }

  /** A key valid at least until `validUntil` (+1 min), fetching only when the kept one cannot serve. */
  async get(validUntil: Date): Promise<DelegationKey> {
    const current = this.#current;
    const needed = validUntil.getTime() + MARGIN_MS;
    if (current && current.fields.signedExpiresOn.getTime() >= needed) {
      // Renew ahead: once the kept key can no longer cover a longest grant, fetch its successor
      // in the background while it keeps signing.
      if (current.fields.signedExpiresOn.getTime() < this.#now() + MAX_DELEGATED_GRANT_S * 1000 + MARGIN_MS) {
        this.#renew().catch(() => undefined);
      }
      return current;
    }
    return this.#renew();
  }

  #renew(): Promise<DelegationKey> {
    this.#pending ??= (async () => {
      try {
        const now = this.#now();
        this.fetches += 1;
        const fetched = await this.#fetch(new Date(now - START_SKEW_MS), new Date(now + KEY_LIFETIME_S * 1000 - MARGIN_MS));
        const { value, ...fields } = fetched;
        const next: DelegationKey = { fields, key: sasKey(value) };
        this.#current = next;
        return next;
      } finally {
        this.#pending = undefined;
      }
    })();
    return this.#pending;
  }
}
