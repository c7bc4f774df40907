// A STAND-IN for Google Cloud Storage, for tests only. It is NOT Google's service and not an
// emulator: no GCS emulator that accepts V4 signed-URL uploads is installable here (fake-gcs-server
// is not on npm or Debian and checks no signatures; the Firebase Storage emulator needs Java 21 and
// answers 501 to signed PUTs; see ../shared/emulators/README.md). The proof that upgrant's GCS
// signatures are right is Google's own conformance vectors (test/conformance/gcs-v4.test.ts); this
// stand-in only lets the contract suite exercise the grant-level promises end to end, enforcing
// them the way GCS documents:
// - XML API PUT/GET with V4 query signatures: rebuilds the canonical request from the INCOMING
//   request (its own encoding code, not the driver's), checks GOOG4-RSA-SHA256 with the service
//   account's PUBLIC key or GOOG4-HMAC-SHA256 with the HMAC secret, the expiry (400 ExpiredToken),
//   that every signed header is present (403 SignatureDoesNotMatch otherwise);
//   x-goog-content-length-range against the body length (400), x-goog-if-generation-match against
//   the stored generation (412), Content-MD5 against the body (400 BadDigest).
// - XML API POST policy (HTML form): signature over the base64 policy, expiry, every condition
//   (exact match, starts-with, content-length-range) and every form field covered by the policy.
// - JSON API (what @google-cloud/storage calls): object metadata, alt=media, DELETE, bucket PATCH
//   (CORS), with or without the /storage/v1 prefix (STORAGE_EMULATOR_HOST drops it); custom
//   metadata (x-goog-meta-* on XML uploads, `metadata` in JSON); objects.list by prefix with page
//   tokens; objects.rewrite (copy) with ifGenerationMatch on the destination, done in one call or,
//   for objects over `rewriteChunk` bytes, over several calls with a rewriteToken as GCS does;
//   multipart (uploadType=multipart) inserts with ifGenerationMatch.
// - JSON API resumable upload sessions (test/support/gcs-resumable.ts).
// - IAM Credentials signBlob (keyless signing), with a fixed bearer token.
// Traffic is loopback only; the server listens on an OS-assigned port.
import { createHash, createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resumableSessions } from './gcs-resumable.js';

export interface StandInAccount {
  readonly client_email: string;
  readonly private_key: string;
}

export interface StoredObject {
  readonly data: Buffer;
  readonly contentType: string;
  readonly generation: number;
  readonly md5: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Unix milliseconds. */
  readonly updated: number;
}

export interface GcsStandInOptions {
  buckets: readonly string[];
  /** Accounts whose signatures verify (public key) and for which signBlob signs (private key). */
  accounts?: readonly StandInAccount[];
  hmacKeys?: readonly { accessId: string; secret: string }[];
  /** Bearer token signBlob requires. */
  iamToken?: string;
  clock?: () => Date;
  /** Bytes a rewrite copies per call before answering done=false with a rewriteToken (default 1 MiB). */
  rewriteChunk?: number;
}

export interface GcsStandIn {
  /** http://127.0.0.1:PORT: the JSON API and XML API endpoint. */
  readonly endpoint: string;
  /** The signBlob base URL (ends with "/"). */
  readonly iamEndpoint: string;
  read(bucket: string, key: string): StoredObject | undefined;
  list(bucket: string): string[];
  /** Resumable sessions neither finished nor cancelled: GCS's pending uploads. */
  openSessions(bucket: string): { name: string; persisted: number }[];
  bucketMetadata(bucket: string): Record<string, unknown>;
  /** How many signBlob calls were answered. */
  readonly signBlobCalls: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024 * 1024;
const IAM_PREFIX = '/iam/v1/projects/-/serviceAccounts/';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startGcsStandIn(options: GcsStandInOptions): Promise<GcsStandIn> {
  const clock = options.clock ?? (() => new Date());
  const buckets = new Map<string, Map<string, StoredObject>>(options.buckets.map((b) => [b, new Map()]));
  const bucketMeta = new Map<string, Record<string, unknown>>(options.buckets.map((b) => [b, { kind: 'storage#bucket', name: b, id: b }]));
  const publicKeys = new Map<string, KeyObject>();
  const privateKeys = new Map<string, KeyObject>();
  for (const account of options.accounts ?? []) {
    const key = createPrivateKey(account.private_key);
    privateKeys.set(account.client_email, key);
    publicKeys.set(account.client_email, createPublicKey(key));
  }
  const hmacSecrets = new Map((options.hmacKeys ?? []).map((k) => [k.accessId, k.secret]));
  let generation = 1000;
  let signBlobCalls = 0;

  function verifySignature(algorithm: string, credential: string, stringToSign: string, signatureHex: string): void {
    const [who, datestamp] = credential.split('/');
    const signature = Buffer.from(signatureHex, 'hex');
    if (algorithm === 'GOOG4-RSA-SHA256') {
      const key = publicKeys.get(who ?? '');
      if (!key) throw new HttpError(403, 'AccessDenied', `unknown service account ${who}`);
      if (!verify('sha256', Buffer.from(stringToSign, 'utf8'), key, signature)) throw signatureMismatch(stringToSign);
      return;
    }
    if (algorithm === 'GOOG4-HMAC-SHA256') {
      const secret = hmacSecrets.get(who ?? '');
      if (secret === undefined) throw new HttpError(403, 'InvalidAccessKeyId', `unknown HMAC access id ${who}`);
      let key = hmacOf(`GOOG4${secret}`, datestamp ?? '');
      for (const part of ['auto', 'storage', 'goog4_request']) key = hmacOf(key, part);
      const expected = hmacOf(key, stringToSign);
      if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw signatureMismatch(stringToSign);
      return;
    }
    throw new HttpError(400, 'InvalidArgument', `unsupported X-Goog-Algorithm ${algorithm}`);
  }

  /** Rebuild the canonical request from what arrived, then check the signature and the expiry. */
  function checkSignedUrl(req: IncomingMessage, url: URL): void {
    const q = url.searchParams;
    const need = (name: string) => {
      const value = q.get(name);
      if (value === null || value === '') throw new HttpError(400, 'MissingSecurityHeader', `missing ${name}`);
      return value;
    };
    const algorithm = need('X-Goog-Algorithm');
    const credential = need('X-Goog-Credential');
    const date = need('X-Goog-Date');
    const expires = Number(need('X-Goog-Expires'));
    const signedHeaders = need('X-Goog-SignedHeaders');
    const signature = need('X-Goog-Signature');
    const scope = credential.split('/');
    if (!/^\d{8}T\d{6}Z$/.test(date) || scope.length !== 5 || scope[1] !== date.slice(0, 8) || scope.slice(2).join('/') !== 'auto/storage/goog4_request') {
      throw new HttpError(400, 'AuthorizationQueryParametersError', 'malformed X-Goog-Date or X-Goog-Credential');
    }
    if (!Number.isInteger(expires) || expires < 1 || expires > 604800) throw new HttpError(400, 'AuthorizationQueryParametersError', 'bad X-Goog-Expires');
    const start = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
    if (clock().getTime() > start + expires * 1000) throw new HttpError(400, 'ExpiredToken', 'Invalid argument: the signed URL has expired');

    const names = signedHeaders.split(';');
    if (!names.includes('host')) throw new HttpError(400, 'AuthorizationQueryParametersError', 'host must be signed');
    const lines = names.map((name) => {
      const raw = name === 'host' ? (req.headers.host ?? '').replace(/:\d+$/, '') : req.headers[name];
      if (raw === undefined) throw new HttpError(403, 'SignatureDoesNotMatch', `signed header ${name} is missing from the request`);
      const value = (Array.isArray(raw) ? raw.join(',') : raw).trim().replace(/\s{2,}/g, ' ');
      return `${name}:${value}\n`;
    });
    const query = [...q.entries()]
      .filter(([k]) => k !== 'X-Goog-Signature')
      .map(([k, v]) => [pct(k), pct(v)] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const path = url.pathname.split('/').map((s) => pct(decodeURIComponent(s))).join('/');
    const payload = typeof req.headers['x-goog-content-sha256'] === 'string' ? req.headers['x-goog-content-sha256'] : 'UNSIGNED-PAYLOAD';
    const canonical = [req.method, path, query, lines.join(''), signedHeaders, payload].join('\n');
    const stringToSign = [algorithm, date, scope.slice(1).join('/'), createHash('sha256').update(canonical).digest('hex')].join('\n');
    verifySignature(algorithm, credential, stringToSign, signature);
  }

  function bucketOf(name: string): Map<string, StoredObject> {
    const bucket = buckets.get(name);
    if (!bucket) throw new HttpError(404, 'NoSuchBucket', `no bucket ${name}`);
    return bucket;
  }

  /** Create or replace an object; the generation check and the write happen in one synchronous step. */
  function store(bucketName: string, key: string, data: Buffer, contentType: string, ifGenerationMatch: string | undefined, metadata?: Readonly<Record<string, string>>): StoredObject {
    const bucket = bucketOf(bucketName);
    if (ifGenerationMatch !== undefined) {
      const current = bucket.get(key)?.generation ?? 0;
      if (String(current) !== ifGenerationMatch.trim()) throw new HttpError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.');
    }
    const object = {
      data,
      contentType,
      generation: ++generation,
      md5: md5Of(data),
      ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
      updated: clock().getTime(),
    };
    bucket.set(key, object);
    return object;
  }

  async function xmlPut(req: IncomingMessage, bucketName: string, key: string, body: Buffer): Promise<[number, Record<string, string>, Buffer | string]> {
    const range = header(req, 'x-goog-content-length-range');
    if (range !== undefined) {
      const [min, max] = range.split(',').map((n) => Number(n.trim()));
      if (min === undefined || max === undefined || !Number.isInteger(min) || !Number.isInteger(max)) throw new HttpError(400, 'InvalidArgument', 'bad x-goog-content-length-range');
      if (body.length > max) throw new HttpError(400, 'EntityTooLarge', `body of ${body.length} bytes is over ${max}`);
      if (body.length < min) throw new HttpError(400, 'EntityTooSmall', `body of ${body.length} bytes is under ${min}`);
    }
    const md5 = header(req, 'content-md5');
    if (md5 !== undefined && md5 !== createHash('md5').update(body).digest('base64')) throw new HttpError(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
    const object = store(bucketName, key, body, header(req, 'content-type') ?? 'application/octet-stream', header(req, 'x-goog-if-generation-match'), metaHeaders(req));
    return [200, { 'x-goog-generation': String(object.generation), etag: `"${Buffer.from(object.md5, 'base64').toString('hex')}"` }, ''];
  }

  function xmlGet(url: URL, bucketName: string, key: string): [number, Record<string, string>, Buffer | string] {
    const object = bucketOf(bucketName).get(key);
    if (!object) throw new HttpError(404, 'NoSuchKey', 'The specified key does not exist.');
    const headers: Record<string, string> = { 'content-type': url.searchParams.get('response-content-type') ?? object.contentType };
    const disposition = url.searchParams.get('response-content-disposition');
    if (disposition !== null) headers['content-disposition'] = disposition;
    return [200, headers, object.data];
  }

  async function postPolicy(req: IncomingMessage, bucketName: string, body: Buffer): Promise<[number, Record<string, string>, Buffer | string]> {
    const form = await new Request(`http://standin${req.url ?? '/'}`, { method: 'POST', headers: req.headers as Record<string, string>, body: new Uint8Array(body) }).formData();
    const fields = new Map<string, string>();
    let file: File | undefined;
    for (const [name, value] of form.entries()) {
      if (name === 'file') file = value as File;
      else if (typeof value === 'string') fields.set(name.toLowerCase(), value);
    }
    const need = (name: string) => {
      const value = fields.get(name);
      if (value === undefined) throw new HttpError(400, 'InvalidArgument', `missing form field ${name}`);
      return value;
    };
    const policy = need('policy');
    const credential = need('x-goog-credential');
    const date = need('x-goog-date');
    if (credential.split('/')[1] !== date.slice(0, 8)) throw new HttpError(400, 'InvalidArgument', 'credential date differs from x-goog-date');
    verifySignature(need('x-goog-algorithm'), credential, policy, need('x-goog-signature'));
    if (!file) throw new HttpError(400, 'InvalidArgument', 'missing file');
    const data = Buffer.from(await file.arrayBuffer());
    const document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] };
    if (clock().getTime() > Date.parse(document.expiration)) throw new HttpError(400, 'ExpiredToken', 'Invalid argument: policy expired');
    const covered = new Set<string>();
    const valueOf = (name: string) => (name === 'bucket' ? bucketName : fields.get(name));
    const refuse = (why: string) => new HttpError(403, 'AccessDenied', `Invalid according to Policy: ${why}`);
    for (const condition of document.conditions) {
      if (Array.isArray(condition)) {
        const [op, rawName, operand] = condition as [string, unknown, unknown];
        if (op === 'content-length-range') {
          if (data.length > Number(operand)) throw new HttpError(400, 'EntityTooLarge', `file of ${data.length} bytes is over ${String(operand)}`);
          if (data.length < Number(rawName)) throw new HttpError(400, 'EntityTooSmall', `file of ${data.length} bytes is under ${String(rawName)}`);
          continue;
        }
        const name = String(rawName).replace(/^\$/, '').toLowerCase();
        covered.add(name);
        const actual = valueOf(name) ?? '';
        if (op === 'eq' ? actual !== operand : op === 'starts-with' ? !actual.startsWith(String(operand)) : true) throw refuse(`${op} ${name}`);
      } else {
        for (const [rawName, expected] of Object.entries(condition as Record<string, string>)) {
          const name = rawName.toLowerCase();
          covered.add(name);
          if (valueOf(name) !== expected) throw refuse(`${name} must be ${expected}`);
        }
      }
    }
    for (const name of fields.keys()) {
      if (!['policy', 'x-goog-signature'].includes(name) && !name.startsWith('x-ignore-') && !covered.has(name)) throw refuse(`extra form field ${name}`);
    }
    const meta = Object.fromEntries([...fields].filter(([name]) => name.startsWith('x-goog-meta-')).map(([name, value]) => [name.slice('x-goog-meta-'.length), value]));
    const object = store(bucketName, need('key'), data, fields.get('content-type') ?? (file.type || 'application/octet-stream'), undefined, meta);
    return [204, { 'x-goog-generation': String(object.generation) }, ''];
  }

  const resource = (bucketName: string, name: string, object: StoredObject) => ({
    kind: 'storage#object',
    name,
    bucket: bucketName,
    size: String(object.data.length),
    contentType: object.contentType,
    md5Hash: object.md5,
    crc32c: crc32c(object.data),
    generation: String(object.generation),
    etag: `standin-${object.generation}`,
    updated: new Date(object.updated).toISOString(),
    ...(object.metadata ? { metadata: object.metadata } : {}),
  });
  /** Rewrites under way: token -> bytes copied so far (the source generation is part of the token). */
  const rewrites = new Map<string, number>();

  function jsonApi(req: IncomingMessage, url: URL, body: Buffer): [number, Record<string, string>, Buffer | string] {
    const path = url.pathname.replace(/^\/download/, '').replace(/^\/upload/, '').replace(/^\/storage\/v1/, '');
    const json = (status: number, value: unknown): [number, Record<string, string>, string] => [status, { 'content-type': 'application/json' }, JSON.stringify(value)];
    const notFound = (what: string) => json(404, { error: { code: 404, message: `No such ${what}`, errors: [{ domain: 'global', reason: 'notFound', message: `No such ${what}` }] } });
    const failed = (e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      return json(status, { error: { code: status, message: (e as Error).message } });
    };
    let match = /^\/b\/([^/]+)\/o\/(.+)\/rewriteTo\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    if (match && req.method === 'POST') {
      const source = buckets.get(decodeURIComponent(match[1]!))?.get(decodeURIComponent(match[2]!));
      if (!source) return notFound(`object: ${decodeURIComponent(match[2]!)}`);
      const chunk = options.rewriteChunk ?? 1024 * 1024;
      const token = url.searchParams.get('rewriteToken') ?? `${source.generation}.${randomId()}`;
      const done = (rewrites.get(token) ?? 0) + chunk;
      if (!token.startsWith(`${source.generation}.`)) return json(400, { error: { code: 400, message: 'the source changed during the rewrite' } });
      if (done < source.data.length) {
        rewrites.set(token, done);
        return json(200, { kind: 'storage#rewriteResponse', totalBytesRewritten: String(done), objectSize: String(source.data.length), done: false, rewriteToken: token });
      }
      rewrites.delete(token);
      const target = decodeURIComponent(match[4]!);
      try {
        const copy = store(decodeURIComponent(match[3]!), target, source.data, source.contentType, url.searchParams.get('ifGenerationMatch') ?? undefined, source.metadata);
        return json(200, { kind: 'storage#rewriteResponse', totalBytesRewritten: String(source.data.length), objectSize: String(source.data.length), done: true, resource: resource(decodeURIComponent(match[3]!), target, copy) });
      } catch (e) {
        return failed(e);
      }
    }
    match = /^\/b\/([^/]+)\/o$/.exec(path);
    if (match) {
      const bucketName = decodeURIComponent(match[1]!);
      const bucket = buckets.get(bucketName);
      if (!bucket) return notFound('bucket');
      if (req.method === 'POST' && url.searchParams.get('uploadType') === 'multipart') {
        const { metadata, media } = multipartRelated(header(req, 'content-type') ?? '', body);
        const name = String(metadata['name'] ?? url.searchParams.get('name') ?? '');
        try {
          const object = store(bucketName, name, media, String(metadata['contentType'] ?? 'application/octet-stream'), url.searchParams.get('ifGenerationMatch') ?? undefined, metadata['metadata'] as Record<string, string> | undefined);
          return json(200, resource(bucketName, name, object));
        } catch (e) {
          return failed(e);
        }
      }
      const prefix = url.searchParams.get('prefix') ?? '';
      const max = Number(url.searchParams.get('maxResults') ?? 1000);
      const after = url.searchParams.get('pageToken') ?? '';
      const names = [...bucket.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
      const page = names.slice(0, max);
      return json(200, { kind: 'storage#objects', items: page.map((n) => resource(bucketName, n, bucket.get(n)!)), ...(names.length > max ? { nextPageToken: page[page.length - 1] } : {}) });
    }
    match = /^\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    if (match) {
      const bucket = buckets.get(decodeURIComponent(match[1]!));
      const name = decodeURIComponent(match[2]!);
      const object = bucket?.get(name);
      if (!bucket || !object) return notFound(`object: ${name}`);
      if (req.method === 'DELETE') {
        bucket.delete(name);
        return [204, {}, ''];
      }
      if (url.searchParams.get('alt') === 'media') {
        const range = /^bytes=(\d+)-(\d*)$/.exec(header(req, 'range') ?? '');
        if (!range) return [200, { 'content-type': object.contentType }, object.data];
        const start = Number(range[1]);
        const end = range[2] === '' ? object.data.length - 1 : Math.min(Number(range[2]), object.data.length - 1);
        if (start >= object.data.length) return json(416, { error: { code: 416, message: 'The requested range cannot be satisfied.' } });
        return [206, { 'content-type': object.contentType, 'content-range': `bytes ${start}-${end}/${object.data.length}` }, object.data.subarray(start, end + 1)];
      }
      return json(200, resource(match[1]!, name, object));
    }
    match = /^\/b\/([^/]+)$/.exec(path);
    if (match) {
      const meta = bucketMeta.get(decodeURIComponent(match[1]!));
      if (!meta) return notFound('bucket');
      if (req.method === 'PATCH' || req.method === 'PUT') Object.assign(meta, JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>);
      return json(200, meta);
    }
    return json(400, { error: { code: 400, message: `stand-in: unsupported JSON API call ${req.method} ${url.pathname}` } });
  }

  function signBlob(req: IncomingMessage, url: URL, body: Buffer): [number, Record<string, string>, string] {
    const json = (status: number, value: unknown): [number, Record<string, string>, string] => [status, { 'content-type': 'application/json' }, JSON.stringify(value)];
    if (req.method !== 'POST' || !url.pathname.endsWith(':signBlob')) return json(404, { error: { code: 404, message: 'not found' } });
    if (!options.iamToken || req.headers.authorization !== `Bearer ${options.iamToken}`) return json(401, { error: { code: 401, message: 'Request had invalid authentication credentials.' } });
    const email = decodeURIComponent(url.pathname.slice(IAM_PREFIX.length, -':signBlob'.length));
    const key = privateKeys.get(email);
    if (!key) return json(403, { error: { code: 403, message: `Permission 'iam.serviceAccounts.signBlob' denied on ${email}` } });
    const { payload } = JSON.parse(body.toString('utf8')) as { payload: string };
    signBlobCalls += 1;
    return json(200, { keyId: 'standin-key', signedBlob: sign('sha256', Buffer.from(payload, 'base64'), key).toString('base64') });
  }

  async function handle(req: IncomingMessage): Promise<[number, Record<string, string>, Buffer | string]> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const body = await readBody(req);
    if (url.pathname.startsWith(IAM_PREFIX)) return signBlob(req, url, body);
    const signed = url.searchParams.has('X-Goog-Signature') || url.searchParams.has('X-Goog-Algorithm');
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const key = rest.map((s) => decodeURIComponent(s)).join('/');
    if (signed) {
      checkSignedUrl(req, url);
      if (req.method === 'PUT') return xmlPut(req, bucketName, key, body);
      if (req.method === 'GET') return xmlGet(url, bucketName, key);
      throw new HttpError(405, 'MethodNotAllowed', `stand-in: signed ${req.method} is not supported`);
    }
    if (req.method === 'POST' && (header(req, 'content-type') ?? '').startsWith('multipart/form-data') && key === '') return postPolicy(req, bucketName, body);
    return jsonApi(req, url, body);
  }

  let endpoint = '';
  const resumable = resumableSessions({ store, hasBucket: (name) => buckets.has(name), endpoint: () => endpoint });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (resumable.handle(req, res, new URL(req.url ?? '/', 'http://standin'))) return;
    handle(req).then(
      ([status, headers, body]) => {
        res.writeHead(status, headers).end(body);
      },
      (error: unknown) => {
        const e = error instanceof HttpError ? error : new HttpError(500, 'InternalError', String(error));
        const xml = `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error>`;
        res.writeHead(e.status, { 'content-type': 'application/xml; charset=UTF-8' }).end(xml);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    iamEndpoint: `${endpoint}${IAM_PREFIX}`,
    read: (bucket, key) => buckets.get(bucket)?.get(key),
    list: (bucket) => [...(buckets.get(bucket)?.keys() ?? [])],
    openSessions: (bucket) => resumable.open(bucket),
    bucketMetadata: (bucket) => ({ ...bucketMeta.get(bucket) }),
    get signBlobCalls() {
      return signBlobCalls;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** x-goog-meta-* request headers, as custom metadata. */
function metaHeaders(req: IncomingMessage): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (name.startsWith('x-goog-meta-') && typeof value === 'string') meta[name.slice('x-goog-meta-'.length)] = value;
  return meta;
}

/** The two parts of a multipart/related insert: the JSON resource, then the media. */
function multipartRelated(contentType: string, body: Buffer): { metadata: Record<string, unknown>; media: Buffer } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new HttpError(400, 'InvalidArgument', 'multipart upload without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    parts.push(body.subarray(start + delimiter.length, next));
    start = next;
  }
  const bodyOf = (part: Buffer) => {
    const split = part.indexOf('\r\n\r\n');
    const content = part.subarray(split + 4);
    return content.subarray(0, content.length - 2); // the CRLF before the next delimiter
  };
  if (parts.length < 2) throw new HttpError(400, 'InvalidArgument', 'multipart upload needs metadata and media');
  return { metadata: JSON.parse(bodyOf(parts[0]!).toString('utf8')) as Record<string, unknown>, media: Buffer.from(bodyOf(parts[1]!)) };
}

/** CRC32C (Castagnoli) tables for slicing by 8: table t maps a byte to its CRC t bytes further on. */
const CRC32C_TABLES = (() => {
  const tables = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    tables[n] = c >>> 0;
  }
  for (let i = 256; i < tables.length; i++) tables[i] = (tables[tables[i - 256]! & 0xff]! ^ (tables[i - 256]! >>> 8)) >>> 0;
  return tables;
})();

/** Stored bytes never change: a rewrite's copy shares its source's Buffer, and its MD5 (once per 40 MiB, not twice). */
const md5s = new WeakMap<Buffer, string>();

function md5Of(data: Buffer): string {
  let value = md5s.get(data);
  if (value === undefined) md5s.set(data, (value = createHash('md5').update(data).digest('base64')));
  return value;
}

/** Stored objects never change: each one's CRC32C is computed once (every metadata answer carries it). */
const crc32cOf = new WeakMap<Buffer, string>();

/** CRC32C (Castagnoli) as GCS reports it: base64 of the big-endian 32-bit value. */
function crc32c(data: Buffer): string {
  const known = crc32cOf.get(data);
  if (known !== undefined) return known;
  const t = CRC32C_TABLES;
  let crc = 0xffffffff;
  let i = 0;
  // Eight bytes per step (slicing by 8): a third of the CPU of a byte at a time on the 40 MiB uploads.
  for (const end = data.length - (data.length % 8); i < end; i += 8) {
    const low = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    crc = t[1792 + (low & 0xff)]! ^ t[1536 + ((low >>> 8) & 0xff)]! ^ t[1280 + ((low >>> 16) & 0xff)]! ^ t[1024 + (low >>> 24)]!
      ^ t[768 + data[i + 4]!]! ^ t[512 + data[i + 5]!]! ^ t[256 + data[i + 6]!]! ^ t[data[i + 7]!]!;
  }
  for (; i < data.length; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  const value = out.toString('base64');
  crc32cOf.set(data, value);
  return value;
}

function randomId(): string {
  return createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16);
}

function signatureMismatch(stringToSign: string): HttpError {
  return new HttpError(403, 'SignatureDoesNotMatch', `Access denied. The request signature we calculated does not match the signature you provided. String to sign: ${JSON.stringify(stringToSign)}`);
}

function hmacOf(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 percent-encoding (written separately from the driver's on purpose). */
function pct(value: string): string {
  return Array.from(Buffer.from(value, 'utf8'))
    .map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'EntityTooLarge', 'stand-in body limit');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
