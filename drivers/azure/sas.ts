// Blob service SAS, signed here with node:crypto instead of the SDK's generateBlobSASQueryParameters:
// the grant hot path then costs one HMAC-SHA256 and a string join, with the key decoded once.
// Layouts (Microsoft "Create a service SAS" / "Create a user delegation SAS"; the string-to-sign
// fields are the URL-decoded values joined by "\n", no trailing newline):
// - account key, sv 2015-04-05..2018-11-08: sp st se cr si sip spr sv rscc rscd rsce rscl rsct
// - account key, sv 2018-11-09..2020-12-05: ... sv sr snapshot rscc ... rsct
// - account key, sv >= 2020-12-06:          ... sv sr snapshot ses rscc ... rsct
// - user delegation, sv 2020-12-06..2025-07-04: sp st se cr skoid sktid skt ske sks skv saoid suoid
//   scid sip spr sv sr snapshot ses rscc rscd rsce rscl rsct
// - user delegation, sv >= 2025-07-05: as above with skdutid and sduoid after scid
// where cr is the canonicalized resource "/blob/<account>/<container>[/<blob>]".
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** The `sv` upgrant signs with: the newest version both @azure/storage-blob 12.29 and Azurite 3.35 know. */
export const SAS_VERSION = '2025-11-05';

/** The user delegation key as the service returned it (getUserDelegationKey). */
export interface DelegationKeyFields {
  /** skoid */
  readonly signedObjectId: string;
  /** sktid */
  readonly signedTenantId: string;
  /** skt */
  readonly signedStartsOn: Date;
  /** ske */
  readonly signedExpiresOn: Date;
  /** sks, "b" */
  readonly signedService: string;
  /** skv */
  readonly signedVersion: string;
}

/** The fields of one blob (or container) SAS, unencoded. */
export interface BlobSasFields {
  /** sv */
  readonly version: string;
  readonly accountName: string;
  readonly containerName: string;
  /** Omit for a container SAS (sr=c). */
  readonly blobName?: string;
  /** sp, already in the service's canonical order ("racwd..."). */
  readonly permissions?: string;
  /** st */
  readonly startsOn?: Date;
  /** se */
  readonly expiresOn?: Date;
  /** si (account key only) */
  readonly identifier?: string;
  /** sip */
  readonly ipRange?: string;
  /** spr: "https" or "https,http" */
  readonly protocol?: string;
  /** snapshot time (sr=bs) */
  readonly snapshotTime?: string;
  /** version id (sr=bv) */
  readonly versionId?: string;
  /** ses */
  readonly encryptionScope?: string;
  readonly cacheControl?: string;
  readonly contentDisposition?: string;
  readonly contentEncoding?: string;
  readonly contentLanguage?: string;
  readonly contentType?: string;
  /** User delegation SAS: the key's fields (then sign with the key's `value`). */
  readonly delegation?: DelegationKeyFields;
}

/** "2011-10-12T11:53:40Z": what Azure signs and sends, whole seconds, UTC. */
export function sasTime(date: Date): string {
  return date.toISOString().slice(0, 19) + 'Z';
}

function resourceOf(fields: BlobSasFields): string {
  if (fields.blobName === undefined) return 'c';
  if (fields.snapshotTime) return 'bs';
  if (fields.versionId) return 'bv';
  return 'b';
}

/** The exact string Azure recomputes and compares with `sig`. */
export function blobSasStringToSign(fields: BlobSasFields): string {
  const v = fields.version;
  if (v < '2015-04-05') throw new RangeError(`SAS version ${v} is not supported (2015-04-05 or later)`);
  const canonical = `/blob/${fields.accountName}/${fields.containerName}${fields.blobName === undefined ? '' : `/${fields.blobName}`}`;
  const head = [
    fields.permissions ?? '',
    fields.startsOn ? sasTime(fields.startsOn) : '',
    fields.expiresOn ? sasTime(fields.expiresOn) : '',
    canonical,
  ];
  const tail = [
    fields.cacheControl ?? '',
    fields.contentDisposition ?? '',
    fields.contentEncoding ?? '',
    fields.contentLanguage ?? '',
    fields.contentType ?? '',
  ];
  const resource = resourceOf(fields);
  const timestamp = resource === 'bv' ? (fields.versionId ?? '') : (fields.snapshotTime ?? '');
  const protocol = [fields.ipRange ?? '', fields.protocol ?? '', v];
  const d = fields.delegation;
  if (d) {
    if (v < '2020-12-06') throw new RangeError(`user delegation SAS version ${v} is not supported (2020-12-06 or later)`);
    const key = [d.signedObjectId, d.signedTenantId, sasTime(d.signedStartsOn), sasTime(d.signedExpiresOn), d.signedService, d.signedVersion];
    // saoid, suoid, scid (and from 2025-07-05 skdutid, sduoid): upgrant never sets them.
    const agents = v >= '2025-07-05' ? ['', '', '', '', ''] : ['', '', ''];
    return [...head, ...key, ...agents, ...protocol, resource, timestamp, fields.encryptionScope ?? '', ...tail].join('\n');
  }
  const middle = [fields.identifier ?? '', ...protocol];
  if (v < '2018-11-09') return [...head, ...middle, ...tail].join('\n');
  if (v < '2020-12-06') return [...head, ...middle, resource, timestamp, ...tail].join('\n');
  return [...head, ...middle, resource, timestamp, fields.encryptionScope ?? '', ...tail].join('\n');
}

/** Decode a base64 account key or user delegation key value once, for every later signature. */
export function sasKey(base64Key: string): KeyObject {
  return createSecretKey(Buffer.from(base64Key, 'base64'));
}

/** base64(HMAC-SHA256(key, stringToSign)). */
export function sasSignature(key: KeyObject, stringToSign: string): string {
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('base64');
}

function append(out: string[], name: string, value: string | undefined): void {
  if (value) out.push(`${name}=${encodeURIComponent(value)}`);
}

/**
 * The SAS query string (without "?"), parameters in the order @azure/storage-blob writes them,
 * so a URL from here is byte-identical to one from generateBlobSASQueryParameters.
 */
export function blobSasQuery(fields: BlobSasFields, signature: string): string {
  const out: string[] = [];
  const d = fields.delegation;
  append(out, 'sv', fields.version);
  append(out, 'spr', fields.protocol);
  append(out, 'st', fields.startsOn && sasTime(fields.startsOn));
  append(out, 'se', fields.expiresOn && sasTime(fields.expiresOn));
  append(out, 'sip', fields.ipRange);
  append(out, 'si', d ? undefined : fields.identifier);
  append(out, 'ses', fields.encryptionScope);
  if (d) {
    append(out, 'skoid', d.signedObjectId);
    append(out, 'sktid', d.signedTenantId);
    append(out, 'skt', sasTime(d.signedStartsOn));
    append(out, 'ske', sasTime(d.signedExpiresOn));
    append(out, 'sks', d.signedService);
    append(out, 'skv', d.signedVersion);
  }
  append(out, 'sr', resourceOf(fields));
  append(out, 'sp', fields.permissions);
  append(out, 'sig', signature);
  append(out, 'rscc', fields.cacheControl);
  append(out, 'rscd', fields.contentDisposition);
  append(out, 'rsce', fields.contentEncoding);
  append(out, 'rscl', fields.contentLanguage);
  append(out, 'rsct', fields.contentType);
  return out.join('&');
}

/** Sign a blob SAS and return its query string (without "?"). */
export function signBlobSas(fields: BlobSasFields, key: KeyObject): string {
  return blobSasQuery(fields, sasSignature(key, blobSasStringToSign(fields)));
}

/** The parts of a user delegation SAS that come from the key: computed once per key, not per grant. */
export interface PreparedDelegation {
  readonly fields: DelegationKeyFields;
  /** "\n"-joined key fields and the empty agent fields, as they sit in the string-to-sign. */
  readonly signed: string;
  /** "&skoid=...&skv=..." */
  readonly query: string;
}

/**
 * The grant hot path: everything that does not change between grants of one driver (version,
 * canonical prefix, protocol, encoded constant parameters) is computed once; a grant then costs
 * two time strings, one string-to-sign and one HMAC. Produces exactly what signBlobSas produces
 * for a blob SAS (tests hold the two equal), for sv >= 2020-12-06.
 *
 * A second implementation, kept because the bench justifies it: side by side, signBlobSas (even
 * rewritten without arrays and with cached times) cost 3-5x this per SAS, and a whole Azure grant
 * about twice as many floors (docs/performance.md, "Issue 13: each second implementation").
 */
export class BlobSasTemplate {
  readonly #version: string;
  readonly #canonicalPrefix: string;
  readonly #protocol: string;
  readonly #queryHead: string;
  // Grants signed in the same second share st and se: format and encode each once per second.
  readonly #st = new SecondFormatter();
  readonly #se = new SecondFormatter();

  constructor(options: { version: string; accountName: string; containerName: string; protocol?: string }) {
    if (options.version < '2020-12-06') throw new RangeError(`the template signs sv 2020-12-06 or later, not ${options.version}`);
    this.#version = options.version;
    this.#canonicalPrefix = `/blob/${options.accountName}/${options.containerName}/`;
    this.#protocol = options.protocol ?? '';
    this.#queryHead = `sv=${encodeURIComponent(options.version)}${options.protocol ? `&spr=${encodeURIComponent(options.protocol)}` : ''}`;
  }

  prepare(fields: DelegationKeyFields): PreparedDelegation {
    const agents = this.#version >= '2025-07-05' ? '\n\n\n\n\n' : '\n\n\n';
    const key = [fields.signedObjectId, fields.signedTenantId, sasTime(fields.signedStartsOn), sasTime(fields.signedExpiresOn), fields.signedService, fields.signedVersion];
    const names = ['skoid', 'sktid', 'skt', 'ske', 'sks', 'skv'];
    const query = key.map((value, i) => (value ? `&${names[i]}=${encodeURIComponent(value)}` : '')).join('');
    return { fields, signed: `${key.join('\n')}${agents}`, query };
  }

  /** The query string (without "?") of a blob SAS for `blobName`. */
  sign(
    key: KeyObject,
    blobName: string,
    permissions: string,
    startsOn: Date,
    expiresOn: Date,
    overrides?: { readonly contentDisposition?: string; readonly contentType?: string },
    delegation?: PreparedDelegation,
  ): string {
    const st = this.#st.format(startsOn);
    const se = this.#se.format(expiresOn);
    const rscd = overrides?.contentDisposition ?? '';
    const rsct = overrides?.contentType ?? '';
    // Between the resource and spr: si and sip (account key), or the key fields, agents and sip.
    const middle = delegation ? `\n${delegation.signed}\n` : '\n\n';
    const stringToSign = `${permissions}\n${st}\n${se}\n${this.#canonicalPrefix}${blobName}${middle}\n${this.#protocol}\n${this.#version}\nb\n\n\n\n${rscd}\n\n\n${rsct}`;
    const sig = sasSignature(key, stringToSign);
    let query = `${this.#queryHead}&st=${this.#st.encoded}&se=${this.#se.encoded}${delegation ? delegation.query : ''}&sr=b&sp=${encodeURIComponent(permissions)}&sig=${encodeURIComponent(sig)}`;
    if (rscd) query += `&rscd=${encodeURIComponent(rscd)}`;
    if (rsct) query += `&rsct=${encodeURIComponent(rsct)}`;
    return query;
  }
}

/** sasTime of the last second seen, and its query encoding (Date#toISOString is costly per grant). */
class SecondFormatter {
  #second = NaN;
  #text = '';
  encoded = '';

  format(date: Date): string {
    const second = Math.floor(date.getTime() / 1000);
    if (second !== this.#second) {
      this.#text = sasTime(date);
      this.encoded = encodeURIComponent(this.#text);
      this.#second = second;
    }
    return this.#text;
  }
}
