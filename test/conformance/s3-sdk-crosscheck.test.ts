// Cross-check: the driver's own presigner against the AWS SDK's, configured so that they sign the
// same request: `signableHeaders` {content-type} (the SDK never signs it otherwise),
// `unhoistableHeaders` {x-amz-checksum-sha256, x-amz-content-sha256} (the SDK would move them into
// the query), `unsignableHeaders` {x-amz-content-sha256}, `requestChecksumCalculation:
// 'WHEN_REQUIRED'` (no empty-body CRC32), `responseChecksumValidation: 'WHEN_REQUIRED'` (no
// x-amz-checksum-mode on GETs), a fixed `signingDate`, and a build-step middleware that
// drops the SDK's `x-id=PutObject` query parameter (the SDK's operation marker, which S3 does not
// need). The signatures are then identical. The URLs differ only in parameter ORDER: the SDK sorts
// X-Amz-Signature among the others, the driver appends it last as AWS's published example does
// (see s3-sigv4.test.ts), so the comparison is on origin, path and the sorted parameter list.
// No request leaves the process: signing is local.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { expect } from 'chai';
import { createDriver, SigV4Signer, decodePostPolicy } from '../../drivers/s3/index.js';
import type { Driver } from '../../drivers/driver.js';
import type { GrantConstraints } from '../../src/types.js';
import { contentDisposition } from '../../src/content-disposition.js';

const ENDPOINT = 'http://127.0.0.1:9000';
const NOW = new Date('2026-01-02T03:04:05Z');
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session/token+with=chars' };
const KEY = 'avatars/a b+ç(1).png';

function sdkClient(): S3Client {
  const client = new S3Client({
    region: 'eu-west-3',
    endpoint: ENDPOINT,
    forcePathStyle: true,
    credentials: CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    // Otherwise GetObject presigns carry x-amz-checksum-mode=ENABLED.
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { query?: Record<string, unknown> };
      if (request.query) delete request.query['x-id'];
      return next(args);
    },
    { step: 'build', name: 'dropOperationMarker' },
  );
  return client;
}

function split(url: string): { base: string; params: string[] } {
  const [base = '', query = ''] = url.split('?');
  return { base, params: query.split('&').sort() };
}

const constraints = (extra: Partial<GrantConstraints> = {}): GrantConstraints => ({
  contentType: 'image/png',
  minSize: 11,
  maxSize: 11,
  createOnly: true,
  ...extra,
});

describe('S3 presigner vs @aws-sdk/s3-request-presigner (same input, same signature)', function () {
  let driver: Driver;
  let client: S3Client;
  before(async function () {
    driver = await createDriver({ bucket: 'upgrant-bkt', region: 'eu-west-3', endpoint: ENDPOINT, forcePathStyle: true, credentials: CREDENTIALS });
    client = sdkClient();
  });
  after(async function () {
    await driver?.close();
    client?.destroy();
  });

  const sdkPut = (input: ConstructorParameters<typeof PutObjectCommand>[0]): Promise<string> =>
    getSignedUrl(client, new PutObjectCommand(input), {
      expiresIn: 600,
      signingDate: NOW,
      signableHeaders: new Set(['content-type']),
      unhoistableHeaders: new Set(['x-amz-checksum-sha256', 'x-amz-content-sha256']),
      unsignableHeaders: new Set(['x-amz-content-sha256']),
    });

  it('PUT, create-only, SHA-256 checksum, session token', async function () {
    const sha256 = 'uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=';
    const ours = await driver.signUpload({ key: KEY, method: 'PUT', constraints: constraints({ checksum: { algorithm: 'sha256', value: sha256 } }), expiresIn: 600, now: NOW });
    const theirs = await sdkPut({ Bucket: 'upgrant-bkt', Key: KEY, ContentType: 'image/png', ContentLength: 11, ChecksumSHA256: sha256, IfNoneMatch: '*' });
    expect(split(ours.url)).to.deep.equal(split(theirs));
    expect(ours.url).to.match(/X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match%3Bx-amz-checksum-sha256&X-Amz-Signature=[0-9a-f]{64}$/);
    expect(ours.url).to.not.match(/x-amz-checksum-crc32|x-amz-sdk-checksum|x-id=/i);
    expect(ours.headers).to.deep.equal({ 'content-type': 'image/png', 'content-length': '11', 'x-amz-checksum-sha256': sha256, 'if-none-match': '*' });
  });

  it('PUT, overwrite allowed, Content-MD5', async function () {
    const md5 = 'XrY7u+Ae7tCTyyK7j1rNww==';
    const ours = await driver.signUpload({ key: KEY, method: 'PUT', constraints: constraints({ createOnly: false, checksum: { algorithm: 'md5', value: md5 } }), expiresIn: 600, now: NOW });
    const theirs = await sdkPut({ Bucket: 'upgrant-bkt', Key: KEY, ContentType: 'image/png', ContentLength: 11, ContentMD5: md5 });
    expect(split(ours.url)).to.deep.equal(split(theirs));
    expect(ours.headers).to.deep.equal({ 'content-type': 'image/png', 'content-length': '11', 'content-md5': md5 });
  });

  it('a different content type gives a different signature (the comparison can fail)', async function () {
    const ours = await driver.signUpload({ key: KEY, method: 'PUT', constraints: constraints(), expiresIn: 600, now: NOW });
    const theirs = await sdkPut({ Bucket: 'upgrant-bkt', Key: KEY, ContentType: 'image/jpeg', ContentLength: 11, IfNoneMatch: '*' });
    expect(split(ours.url)).to.not.deep.equal(split(theirs));
  });

  it('GET download grant with response-content-disposition and response-content-type', async function () {
    const ours = await driver.signDownload({ key: KEY, expiresIn: 60, now: NOW, contentDisposition: contentDisposition('attachment', 'résumé "v2".pdf'), contentType: 'application/pdf' });
    const disposition = new URL(ours.url).searchParams.get('response-content-disposition') ?? '';
    expect(disposition).to.equal(`attachment; filename="r_sum_ _v2_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.pdf`);
    const theirs = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: 'upgrant-bkt', Key: KEY, ResponseContentDisposition: disposition, ResponseContentType: 'application/pdf' }),
      { expiresIn: 60, signingDate: NOW, unhoistableHeaders: new Set(['x-amz-content-sha256']), unsignableHeaders: new Set(['x-amz-content-sha256']) },
    );
    expect(split(ours.url)).to.deep.equal(split(theirs));
  });
});

describe('S3 POST policy vs @aws-sdk/s3-presigned-post', function () {
  it('our signer reproduces the SDK signature over the SDK policy', async function () {
    const client = sdkClient();
    try {
      const post = await createPresignedPost(client, {
        Bucket: 'upgrant-bkt',
        Key: KEY,
        Conditions: [['eq', '$Content-Type', 'image/png'], ['content-length-range', 1, 1000]],
        Fields: { 'Content-Type': 'image/png' },
        Expires: 300,
      });
      const date = post.fields['X-Amz-Date'] ?? '';
      const signingTime = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T12:00:00Z`);
      const ours = new SigV4Signer('eu-west-3').signPolicy(post.fields.Policy ?? '', CREDENTIALS, signingTime);
      expect(ours).to.equal(post.fields['X-Amz-Signature']);
      expect(post.url).to.equal(`${ENDPOINT}/upgrant-bkt`);
    } finally {
      client.destroy();
    }
  });

  it("the driver's POST grant: exact key, eq Content-Type, size range, Content-MD5, credential fields", async function () {
    const driver = await createDriver({ bucket: 'upgrant-bkt', region: 'eu-west-3', endpoint: ENDPOINT, credentials: CREDENTIALS });
    try {
      const md5 = 'XrY7u+Ae7tCTyyK7j1rNww==';
      const signed = await driver.signUpload({ key: KEY, method: 'POST', constraints: constraints({ checksum: { algorithm: 'md5', value: md5 } }), expiresIn: 300, now: NOW });
      expect(signed.url).to.equal(`${ENDPOINT}/upgrant-bkt`);
      const fields = signed.fields ?? {};
      expect(Object.keys(fields)).to.deep.equal([
        'key', 'Content-Type', 'Content-MD5', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Security-Token', 'Policy', 'X-Amz-Signature',
      ]);
      const policy = decodePostPolicy(fields.Policy ?? '');
      expect(policy.expiration).to.equal('2026-01-02T03:09:05Z');
      expect(policy.conditions).to.deep.equal([
        { bucket: 'upgrant-bkt' },
        { key: KEY },
        ['eq', '$Content-Type', 'image/png'],
        ['content-length-range', 11, 11],
        { 'Content-MD5': md5 },
        { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
        { 'x-amz-credential': 'AKIDEXAMPLE/20260102/eu-west-3/s3/aws4_request' },
        { 'x-amz-date': '20260102T030405Z' },
        { 'x-amz-security-token': CREDENTIALS.sessionToken },
      ]);
      expect(fields['X-Amz-Signature']).to.equal(new SigV4Signer('eu-west-3').signPolicy(fields.Policy ?? '', CREDENTIALS, NOW));
    } finally {
      await driver.close();
    }
  });
});
