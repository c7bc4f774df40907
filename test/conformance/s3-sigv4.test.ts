// Known-answer tests for the S3 driver's own SigV4 signer, from published vectors in
// ../shared/vectors/s3 (read at run time; these values are AWS's, never computed by us):
// - s3_doc_examples.json: the S3 API Reference's presigned GET URL (reproduced byte for byte by
//   the driver itself) and its browser POST policy signature;
// - aws-c-auth_sigv4_suite.json: the query (presigned) variant of every case whose rules are S3's.
//   S3 encodes the path once and never normalises it. A case applies when it is `normalize: false`,
//   or `normalize: true` with a path that normalisation leaves unchanged (no "." / ".." / empty
//   segments); and not when it signs without the session token (`omit_session_token`), since S3
//   requires X-Amz-Security-Token inside the signed query. The others are asserted to DIFFER
//   from our output, which shows the exclusion is the rule difference and not a bug hidden.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDriver, SigV4Signer, encodePath } from '../../drivers/s3/index.js';

const VECTORS = fileURLToPath(new URL('../../../shared/vectors/s3/', import.meta.url));
const required = process.env.CI === 'true' || process.env.UPGRANT_REQUIRE_EMULATORS === '1';

interface DocCase {
  id: string;
  input: Record<string, unknown> & { access_key_id: string; secret_access_key: string; region: string };
  expected: Record<string, string>;
}
interface SuiteCase {
  name: string;
  context: {
    credentials: { access_key_id: string; secret_access_key: string; token?: string };
    expiration_in_seconds: number;
    normalize: boolean;
    region: string;
    service: string;
    timestamp: string;
    omit_session_token?: boolean;
  };
  files: Record<string, string>;
}

function load<T>(file: string): T | undefined {
  const path = VECTORS + file;
  if (!existsSync(path)) {
    if (required) throw new Error(`${path} is missing: the S3 known-answer vectors must run under CI`);
    console.log(`  (skipping: ${path} not found; the vectors live in ../shared beside the project)`);
    return undefined;
  }
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

describe('S3 SigV4: AWS S3 API Reference examples (s3_doc_examples.json)', function () {
  const doc = load<{ cases: DocCase[] }>('s3_doc_examples.json');
  const byId = (id: string): DocCase => {
    const found = doc?.cases.find((c) => c.id === id);
    if (!found) throw new Error(`vector ${id} not in s3_doc_examples.json`);
    return found;
  };
  before(function () {
    if (!doc) this.skip();
  });

  it('s3-doc-presign-get-object: the driver reproduces the published URL byte for byte', async function () {
    const c = byId('s3-doc-presign-get-object');
    const now = new Date('2013-05-24T00:00:00Z');
    const driver = await createDriver({
      bucket: String(c.input.bucket),
      region: c.input.region,
      endpoint: 'https://s3.amazonaws.com',
      forcePathStyle: false,
      credentials: { accessKeyId: c.input.access_key_id, secretAccessKey: c.input.secret_access_key },
      clock: () => now,
    });
    try {
      const signed = await driver.signDownload({ key: String(c.input.key), expiresIn: Number(c.input.expires_seconds), now });
      expect(signed.url).to.equal(c.expected.url);
    } finally {
      await driver.close();
    }
  });

  it('s3-doc-presign-get-object: canonical request, string to sign and signature', function () {
    const c = byId('s3-doc-presign-get-object');
    const out = new SigV4Signer(c.input.region).presign({
      method: 'GET',
      host: String(c.input.host),
      path: '/' + encodePath(String(c.input.key)),
      expiresIn: Number(c.input.expires_seconds),
      now: new Date('2013-05-24T00:00:00Z'),
      credentials: { accessKeyId: c.input.access_key_id, secretAccessKey: c.input.secret_access_key },
    });
    expect(out.canonicalRequest).to.equal(c.expected.canonical_request);
    expect(out.stringToSign).to.equal(c.expected.string_to_sign);
    expect(out.signature).to.equal(c.expected.signature);
  });

  it('s3-doc-post-policy-browser-upload: the published policy and signature', function () {
    const c = byId('s3-doc-post-policy-browser-upload');
    const lines = c.input.policy_json_as_printed_lines as string[];
    // The doc states the policy file has CRLF line ends; its base64 is the string to sign.
    const policy = Buffer.from(lines.join('\r\n'), 'utf8').toString('base64');
    expect(policy).to.equal(c.expected.policy_base64);
    const signature = new SigV4Signer(c.input.region).signPolicy(
      policy,
      { accessKeyId: c.input.access_key_id, secretAccessKey: c.input.secret_access_key },
      new Date('2015-12-29T00:00:00Z'),
    );
    expect(signature).to.equal(c.expected.signature);
  });

  it('a wrong secret does not reproduce the published signature (the test can fail)', function () {
    const c = byId('s3-doc-post-policy-browser-upload');
    const signature = new SigV4Signer(c.input.region).signPolicy(
      c.expected.policy_base64 ?? '',
      { accessKeyId: c.input.access_key_id, secretAccessKey: `${c.input.secret_access_key}x` },
      new Date('2015-12-29T00:00:00Z'),
    );
    expect(signature).to.not.equal(c.expected.signature);
  });
});

describe('S3 SigV4: aws-c-auth suite, query (presigned) variants', function () {
  const suite = load<{ cases: SuiteCase[] }>('aws-c-auth_sigv4_suite.json');
  const cases = suite?.cases ?? [];
  const applies = (c: SuiteCase): boolean => !c.context.omit_session_token && (!c.context.normalize || !needsNormalising(parse(c).rawPath));

  before(function () {
    if (!suite) this.skip();
  });

  it('runs 31 applicable cases and excludes 7 (the path-normalising and token-omitting ones)', function () {
    expect(cases).to.have.length(38);
    const excluded = cases.filter((c) => !applies(c)).map((c) => c.name);
    expect(excluded).to.have.members([
      'get-relative-normalized',
      'get-relative-relative-normalized',
      'get-slash-dot-slash-normalized',
      'get-slash-normalized',
      'get-slash-pointless-dot-normalized',
      'get-slashes-normalized',
      'post-sts-header-after',
    ]);
  });

  for (const c of cases) {
    if (applies(c)) {
      it(`${c.name}: canonical request, string to sign, signature and query`, function () {
        const out = sign(c);
        expect(out.canonicalRequest).to.equal(c.files['query-canonical-request.txt']);
        expect(out.stringToSign).to.equal(c.files['query-string-to-sign.txt']);
        expect(out.signature).to.equal(c.files['query-signature.txt']);
        expect(sortedParams(out.query)).to.deep.equal(sortedParams(signedRequestQuery(c)));
      });
    } else {
      it(`${c.name}: not S3's rules, and indeed our S3 signature differs`, function () {
        expect(sign(c).signature).to.not.equal(c.files['query-signature.txt']);
      });
    }
  }
});

interface ParsedRequest {
  method: string;
  rawPath: string;
  query: [string, string][];
  host: string;
  headers: Record<string, string[]>;
  body: string;
}

function parse(c: SuiteCase): ParsedRequest {
  const text = c.files['request.txt'] ?? '';
  const blank = text.indexOf('\n\n');
  const head = blank === -1 ? text : text.slice(0, blank);
  const body = blank === -1 ? '' : text.slice(blank + 2);
  const [requestLine = '', ...lines] = head.split('\n').filter((l, i) => i === 0 || l !== '');
  const method = requestLine.slice(0, requestLine.indexOf(' '));
  const target = requestLine.slice(method.length + 1, requestLine.lastIndexOf(' HTTP/'));
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query: [string, string][] = q === -1 ? [] : target.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return eq === -1 ? [decodeURIComponent(pair), ''] : [decodeURIComponent(pair.slice(0, eq)), decodeURIComponent(pair.slice(eq + 1))];
  });
  const headers: Record<string, string[]> = {};
  let last: string[] | undefined;
  for (const line of lines) {
    if (/^\s/.test(line) && last) {
      // Obsolete line folding: the continuation belongs to the previous value.
      last[last.length - 1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    last = headers[name] ??= [];
    last.push(line.slice(colon + 1));
  }
  const host = headers.host?.[0] ?? '';
  delete headers.host;
  return { method, rawPath, query, host, headers, body };
}

function needsNormalising(path: string): boolean {
  return path.split('/').slice(1, -1).some((s) => s === '' || s === '.' || s === '..') || /\/\.\.?$/.test(path);
}

function sign(c: SuiteCase) {
  const r = parse(c);
  const { credentials } = c.context;
  return new SigV4Signer(c.context.region, c.context.service).presign({
    method: r.method,
    host: r.host,
    path: encodePath(r.rawPath),
    query: r.query,
    headers: r.headers,
    expiresIn: c.context.expiration_in_seconds,
    now: new Date(c.context.timestamp),
    credentials: {
      accessKeyId: credentials.access_key_id,
      secretAccessKey: credentials.secret_access_key,
      ...(credentials.token ? { sessionToken: credentials.token } : {}),
    },
    // The suite's query variants sign the body's hash (empty body: e3b0...), not UNSIGNED-PAYLOAD.
    payloadHash: createHash('sha256').update(r.body, 'utf8').digest('hex'),
  });
}

function signedRequestQuery(c: SuiteCase): string {
  const line = (c.files['query-signed-request.txt'] ?? '').split('\n')[0] ?? '';
  const target = line.slice(line.indexOf(' ') + 1, line.lastIndexOf(' HTTP/'));
  return target.slice(target.indexOf('?') + 1);
}

/** Query parameters decoded and sorted, so order and encoding choices of the printout do not matter. */
function sortedParams(query: string): string[] {
  return query
    .split('&')
    .map((pair) => pair.split('=').map((p) => decodeURIComponent(p)).join('='))
    .sort();
}
