// S3 driver specifics on OpenStack Swift's s3api (started by this file): the exact grant shape,
// why conditional writes must be switchable off (Swift answers 501), the honest enforcement maps,
// head/read/delete against a real store, download overrides, and configuration errors.
import { CreateBucketCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { Container } from 'inversify';
import { createHash, randomBytes } from 'node:crypto';
import { createDriver } from '../../drivers/s3/index.js';
import type { Driver } from '../../drivers/driver.js';
import { DRIVER, PRESIGNER, presignerOnDriverModule } from '../../src/container.js';
import { ConfigError, UnsupportedConstraintError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { GrantConstraints } from '../../src/types.js';
import { uploadViaHttp } from '../support/http.js';
import { startSwift, swiftMissing, type Swift } from '../support/swift.js';
import { SWIFT_CREDENTIALS, readObject, s3Client, swiftOptions } from './helpers.js';
import { contentDisposition } from '../../src/content-disposition.js';
import { textBytes } from '../support/sample-files.js';
import { skipOrFail } from '../support/required.js';

const BUCKET = 'upgrant-driver';
const SECRET = 'driver-test-secret-0123456789abcdefgh';
const exact = (size: number, extra: Partial<GrantConstraints> = {}): GrantConstraints => ({ contentType: 'image/png', minSize: size, maxSize: size, createOnly: true, ...extra });
const signedHeaders = (url: string) => new URL(url).searchParams.get('X-Amz-SignedHeaders');

describe('s3 driver: enforcement maps (no network)', function () {
  const aws = { bucket: 'b-aws', region: 'eu-west-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } };

  it('AWS defaults: PUT enforces everything in storage; POST cannot refuse an overwrite', async function () {
    const driver = await createDriver(aws);
    const md5 = { algorithm: 'md5' as const, value: '1B2M2Y8AsgTpgAmY7PhCfg==' };
    const sha256 = { algorithm: 'sha256' as const, value: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' };
    expect(driver.enforcement('PUT', exact(1, { checksum: sha256 }))).to.deep.equal({ createOnly: 'storage', contentType: 'storage', size: 'storage', checksum: 'storage' });
    expect(driver.enforcement('POST', exact(1, { checksum: md5 }))).to.deep.equal({ createOnly: 'none', contentType: 'storage', size: 'storage', checksum: 'storage' });
    expect(driver.enforcement('POST', exact(1, { checksum: sha256 })).checksum).to.equal('verify');
    expect(driver.uploadMethods(exact(5))).to.deep.equal(['PUT', 'POST']);
    expect(driver.uploadMethods({ ...exact(5), minSize: 0 })).to.deep.equal(['POST']);
    expect(driver.limits).to.deep.equal({ maxObjectSize: 5 * 1024 ** 3, maxExpiresIn: 604800 });
    await driver.close();
  });

  it('a store without conditional writes, checksum validation or POST: none / verify / PUT only', async function () {
    const driver = await createDriver({ ...aws, conditionalWrites: false, sha256Checksums: false, postUploads: false });
    const sha256 = { algorithm: 'sha256' as const, value: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' };
    expect(driver.enforcement('PUT', exact(1, { checksum: sha256 }))).to.deep.equal({ createOnly: 'none', contentType: 'storage', size: 'storage', checksum: 'verify' });
    expect(driver.uploadMethods(exact(5))).to.deep.equal(['PUT']);
    expect(driver.uploadMethods({ ...exact(5), minSize: 0 })).to.deep.equal([]);
    const strict = new PortablePresigner(driver, { secret: SECRET, strict: true });
    const error = await strict.createUploadGrant({ key: 'a.png', contentType: 'image/png', size: 1 }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(UnsupportedConstraintError);
    expect((error as UnsupportedConstraintError).constraint).to.equal('createOnly');
    const overwrite = await strict.createUploadGrant({ key: 'a.png', contentType: 'image/png', size: 1, overwrite: true });
    expect(overwrite.enforcement.createOnly).to.equal('none');
    await strict.close();
  });

  it('signing never touches the network: 1000 grants with a client whose every send fails', async function () {
    const client = new S3Client({ region: 'eu-west-1', credentials: aws.credentials, endpoint: 'http://127.0.0.1:9' });
    let sends = 0;
    client.middlewareStack.add(() => async () => {
      sends += 1;
      throw new Error('no network in signing');
    }, { step: 'initialize', name: 'countSends' });
    const driver = await createDriver({ ...aws, client });
    for (let i = 0; i < 1000; i++) await driver.signUpload({ key: `k/${i}`, method: i % 2 ? 'PUT' : 'POST', constraints: exact(10), expiresIn: 60, now: new Date() });
    expect(sends).to.equal(0);
    client.destroy();
  });
});

describe('s3 driver: configuration errors', function () {
  const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
  const cases: Array<[string, Parameters<typeof createDriver>[0], string]> = [
    ['a missing bucket', { bucket: '', credentials }, 'UPGRANT_BUCKET'],
    ['an invalid bucket name', { bucket: 'a/b', credentials }, 'UPGRANT_BUCKET'],
    ['an empty access key id', { bucket: 'bkt', credentials: { accessKeyId: '', secretAccessKey: 's' } }, 'AWS_ACCESS_KEY_ID'],
    ['an empty secret', { bucket: 'bkt', credentials: { accessKeyId: 'a', secretAccessKey: '' } }, 'AWS_SECRET_ACCESS_KEY'],
    ['an endpoint that is not a URL', { bucket: 'bkt', credentials, endpoint: 'localhost:9000' }, 'AWS_ENDPOINT_URL_S3'],
    ['an endpoint with a query', { bucket: 'bkt', credentials, endpoint: 'http://127.0.0.1:9000/?x=1' }, 'AWS_ENDPOINT_URL_S3'],
    ['a malformed region', { bucket: 'bkt', credentials, region: 'EU West' }, 'AWS_REGION'],
  ];
  for (const [title, options, variable] of cases) {
    it(`names ${variable} for ${title}`, async function () {
      const error = await createDriver(options).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).variable).to.equal(variable);
    });
  }

  it('names AWS_ACCESS_KEY_ID when the default credential chain finds nothing (cause kept)', async function () {
    const failure = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    const client = new S3Client({ region: 'us-east-1', credentials: () => Promise.reject(failure) });
    const error = await createDriver({ bucket: 'bkt', client }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).variable).to.equal('AWS_ACCESS_KEY_ID');
    expect((error as Error).cause).to.equal(failure);
    client.destroy();
  });
});

describe('s3 driver on OpenStack Swift', function () {
  this.timeout(60_000);
  let swift: Swift | undefined;
  let client: S3Client;
  let driver: Driver;

  before(async function () {
    const missing = swiftMissing();
    if (missing) {
      skipOrFail(`Swift`, missing, `the S3 driver tests on Swift`);
      this.skip();
    }
    swift = await startSwift();
    client = s3Client(swift.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    driver = await createDriver(swiftOptions(swift.endpoint, BUCKET));
  });
  after(async function () {
    await driver?.close();
    client?.destroy();
    await swift?.stop();
  });

  it('a PUT grant signs host, content-type, content-length and content-md5, and lists exactly those headers', async function () {
    const body = new Uint8Array(randomBytes(32));
    const md5 = createHash('md5').update(body).digest('base64');
    const signed = await driver.signUpload({ key: 'shape/a.png', method: 'PUT', constraints: exact(32, { checksum: { algorithm: 'md5', value: md5 } }), expiresIn: 60, now: new Date() });
    expect(signedHeaders(signed.url)).to.equal('content-length;content-md5;content-type;host');
    expect(signed.headers).to.deep.equal({ 'content-type': 'image/png', 'content-length': '32', 'content-md5': md5 });
    expect(signed.url).to.match(new RegExp(`^${swift?.endpoint}/${BUCKET}/shape/a\\.png\\?`));
    expect(signed.url).to.not.match(/checksum|x-id=|X-Amz-Content-Sha256/i);
  });

  it('Swift answers 501 to a signed If-None-Match: why UPGRANT_S3_CONDITIONAL_WRITES=0 exists', async function () {
    const aws = await createDriver({ ...swiftOptions(swift?.endpoint ?? '', BUCKET), conditionalWrites: true });
    const presigner = new PortablePresigner(aws, { secret: SECRET });
    const grant = await presigner.createUploadGrant({ key: 'cw/a.bin', contentType: 'application/octet-stream', size: 8 });
    expect(grant.headers['if-none-match']).to.equal('*');
    // The grant's record travels in signed x-amz-meta-upgrant-record-N pieces (Swift: 256 bytes a value).
    expect(signedHeaders(grant.url)).to.match(/^content-length;content-type;host;if-none-match(;x-amz-meta-upgrant-record-\d+)+$/);
    const result = await uploadViaHttp(grant, new Uint8Array(8));
    expect(result.status, result.body).to.equal(501);
    expect(await readObject(client, BUCKET, grant.key)).to.equal(undefined);
    // A client that drops the signed header is refused by the signature check.
    expect((await uploadViaHttp(grant, new Uint8Array(8), { headers: { 'if-none-match': undefined } })).status).to.equal(403);
    await presigner.close();
  });

  it('head reports size, type and the ETag as MD5; missing objects are undefined; delete is idempotent', async function () {
    const body = textBytes(100);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'head/x.txt', Body: body, ContentType: 'text/plain' }));
    const info = await driver.head('head/x.txt');
    expect(info).to.deep.include({ size: 100, contentType: 'text/plain', md5: createHash('md5').update(body).digest('base64') });
    expect(info?.sha256, 'Swift stores no SHA-256: verify must hash the bytes').to.equal(undefined);
    const chunks: Uint8Array[] = [];
    for await (const chunk of await driver.read('head/x.txt')) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(Buffer.from(body))).to.equal(true);
    await driver.delete('head/x.txt');
    expect(await driver.head('head/x.txt')).to.equal(undefined);
    await driver.delete('head/x.txt');
  });

  it('a download grant serves the bytes with the overridden type and disposition', async function () {
    const body = new Uint8Array(randomBytes(10));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dl/report.bin', Body: body, ContentType: 'application/octet-stream' }));
    const signed = await driver.signDownload({ key: 'dl/report.bin', expiresIn: 60, now: new Date(), contentDisposition: contentDisposition('attachment', 'rapport é.pdf'), contentType: 'application/pdf' });
    const response = await fetch(signed.url);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('application/pdf');
    expect(response.headers.get('content-disposition')).to.equal(`attachment; filename="rapport _.pdf"; filename*=UTF-8''rapport%20%C3%A9.pdf`);
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(body))).to.equal(true);
    const tampered = signed.url.replace('response-content-type=application%2Fpdf', 'response-content-type=text%2Fhtml');
    expect((await fetch(tampered)).status, 'the override is signed').to.equal(403);
  });

  it('store-reported configuration mistakes: the driver codes them, the presigner makes a ConfigError naming the variable', async function () {
    // The driver throws the SDK's error as it came (its errorCode/configProblem say what it means);
    // the portable layer wraps it once.
    const wrongSecret = await createDriver({ ...swiftOptions(swift?.endpoint ?? '', BUCKET), credentials: { ...SWIFT_CREDENTIALS, secretAccessKey: 'wrong' } });
    const e1 = await wrongSecret.read('any').then(() => undefined, (e: unknown) => e);
    expect(e1).to.be.instanceOf(S3ServiceException);
    expect(wrongSecret.errorCode?.(e1)).to.equal('unauthenticated');
    expect(wrongSecret.configProblem?.(e1)?.variable).to.equal('AWS_SECRET_ACCESS_KEY');
    await wrongSecret.close();
    const noBucket = await createDriver(swiftOptions(swift?.endpoint ?? '', 'upgrant-no-such-bucket'));
    const e2 = await noBucket.read('any').then(() => undefined, (e: unknown) => e);
    expect(noBucket.errorCode?.(e2)).to.equal('bucket-not-found');
    const wrapped = await new PortablePresigner(noBucket, { secret: SECRET }).createDownloadGrant({ key: 'any', expiresIn: 60, disposition: 'inline' }).then(() => undefined, (e: unknown) => e);
    expect(wrapped).to.be.instanceOf(ConfigError);
    expect((wrapped as ConfigError).variable).to.equal('UPGRANT_BUCKET');
    await noBucket.close();
  });

  it('DRIVER bound by the app serves presignerOnDriverModule', async function () {
    const container = new Container();
    container.bind(DRIVER).toResolvedValue(() => createDriver(swiftOptions(swift?.endpoint ?? '', BUCKET))).inSingletonScope();
    container.load(presignerOnDriverModule({ secret: SECRET }));
    const presigner = await container.getAsync(PRESIGNER);
    expect(presigner.provider).to.equal('s3');
    const body = new Uint8Array(randomBytes(20));
    const grant = await presigner.createUploadGrant({ key: 'di/a.bin', contentType: 'application/octet-stream', size: 20, checksum: { sha256: createHash('sha256').update(body).digest('base64') } });
    expect((await uploadViaHttp(grant, body)).status).to.equal(200);
    expect((await presigner.verifyUpload(grant.token)).size).to.equal(20);
    await presigner.close();
  });
});
