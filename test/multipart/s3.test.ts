// Multipart uploads with the S3 driver on Ceph RGW (the run's shared cluster) and on OpenStack
// Swift's s3api (the run's shared instance): real SigV4 verifiers with multipart support. 24 MiB in parallel
// presigned UploadPart requests, resume after an interruption, abort leaving no object and no
// parts (asserted with ListMultipartUploads and ListParts), and the part attacks each store must
// refuse itself. Create-only at Complete follows the profile: Ceph ignores If-None-Match there
// ('none'), Swift honours it ('storage').
import { CreateBucketCommand, ListMultipartUploadsCommand, ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createDriver } from '../../drivers/s3/index.js';
import { InvalidRequestError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { Enforcer, MultipartUploadGrant, Presigner } from '../../src/types.js';
import { cephStore, listKeys, readObject, swiftStore, type S3Store } from '../s3/helpers.js';
import { generated, sendPart, sendParts, sha256 } from './helpers.js';
import { makeMp4, stamp } from '../support/sample-files.js';

const SECRET = 'multipart-s3-secret-0123456789abcdef';
const MIB = 1024 * 1024;

function multipartOn(name: string, createOnly: Enforcer, start: () => Promise<S3Store | undefined>): void {
describe(`multipart: s3 driver on ${name}`, function () {
  this.timeout(180_000);
  let store: S3Store | undefined;
  let client: S3Client;
  let presigner: Presigner;
  let n = 0;
  const BUCKET = `upgrant-multipart-${randomBytes(4).toString('hex')}`;
  const newKey = () => `mp/${Date.now()}-${n++}.bin`;
  const fresh = async () => new PortablePresigner(await createDriver(store!.options(store!.endpoint, BUCKET)), { secret: SECRET, staging: 'never' });

  /** Upload ids S3 still holds for this key (pending multipart uploads). */
  async function pending(key: string): Promise<string[]> {
    const out = await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: key }));
    return (out.Uploads ?? []).filter((u) => u.Key === key).map((u) => u.UploadId ?? '');
  }

  async function partsOf(key: string, uploadId: string): Promise<number[]> {
    const out = await client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    return (out.Parts ?? []).map((p) => p.PartNumber ?? 0);
  }

  before(async function () {
    store = await start();
    if (!store) return this.skip();
    client = store.client;
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    presigner = await fresh();
  });

  after(async () => {
    await presigner?.close();
    await store?.stop();
  });

  it('uploads 24 MiB in 3 parallel parts of the default size, completes, verifies (streaming the SHA-256) and reads back byte for byte', async () => {
    // 3 parts of the default 8 MiB, all in flight at once, prove what 8 did at a third of the bytes.
    const data = stamp(generated(24 * MIB, 31), makeMp4());
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'video/mp4', size: data.length, checksum: { sha256: sha256(data) } });
    expect(grant.parts.map((p) => p.size)).to.deep.equal([8 * MIB, 8 * MIB, 8 * MIB]);
    expect(grant.enforcement).to.include({ contentType: 'storage', size: 'storage', checksum: 'verify', createOnly });
    expect(grant.parts[0]!.url).to.match(/[?&]partNumber=1&/).and.match(/uploadId=/).and.match(/X-Amz-SignedHeaders=content-length%3Bhost/);
    const parts = await sendParts(grant, data, { concurrency: 3 });
    expect(await readObject(client, BUCKET, grant.key), 'nothing visible before completion').to.equal(undefined);
    const done = await presigner.completeMultipartUpload(grant.token, parts);
    // Ceph's Complete answer carries an empty ETag (HeadObject has it); Swift's is the MD5 of the part MD5s, "-<count>".
    if (done.etag !== undefined) expect(done.etag).to.match(/-3$/);
    const object = await presigner.verifyUpload(grant.token);
    expect(object).to.include({ size: data.length, contentType: 'video/mp4' });
    expect(Buffer.from((await readObject(client, BUCKET, grant.key))!).equals(Buffer.from(data))).to.equal(true);
    expect(await pending(grant.key), 'no upload left pending').to.deep.equal([]);
  });

  it('resumes after an interruption: parts 1 and 3, a new presigner, part 2, complete', async () => {
    const data = generated(11 * MIB, 32);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: 5 * MIB });
    expect(grant.parts.map((p) => p.size)).to.deep.equal([5 * MIB, 5 * MIB, MIB]);
    const first = await sendParts(grant, data, { only: [1, 3] });
    const [uploadId] = await pending(grant.key);
    expect(await partsOf(grant.key, uploadId!)).to.deep.equal([1, 3]);
    const saved = JSON.parse(JSON.stringify(grant)) as MultipartUploadGrant;
    // After a reload the client knows nothing: ListParts says what S3 has, with the ETags complete needs.
    const listed = await (await fresh()).listMultipartParts(saved.token);
    expect(listed.map((p) => [p.number, p.size])).to.deep.equal([[1, 5 * MIB], [3, MIB]]);
    expect(listed.map((p) => p.etag?.replace(/"/g, ''))).to.deep.equal(first.map((p) => p.etag?.replace(/"/g, '')));
    const rest = await sendParts(saved, data, { only: [2] });
    await (await fresh()).completeMultipartUpload(saved.token, [...listed, ...rest]);
    expect(Buffer.from((await readObject(client, BUCKET, grant.key))!).equals(Buffer.from(data))).to.equal(true);
  });

  it('abort leaves no object and no parts; later parts are refused', async () => {
    const data = generated(11 * MIB, 33);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: 5 * MIB });
    await sendParts(grant, data, { only: [1, 2] });
    const [uploadId] = await pending(grant.key);
    expect(await partsOf(grant.key, uploadId!)).to.deep.equal([1, 2]);
    await presigner.abortMultipartUpload(grant.token);
    expect(await pending(grant.key), 'ListMultipartUploads').to.deep.equal([]);
    expect((await listKeys(client, BUCKET)).filter((k) => k === grant.key), 'ListObjects').to.deep.equal([]);
    const late = await sendPart(grant.parts[2]!, data.subarray(10 * MIB));
    expect(late.status, `part after abort: ${late.body}`).to.equal(404);
    await presigner.abortMultipartUpload(grant.token); // twice is fine
  });

  it('the store refuses tampered part URLs and wrong part sizes (403: the length is signed); complete refuses wrong ETags', async () => {
    const data = generated(6 * MIB, 34);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: 5 * MIB });
    const [p1] = grant.parts;
    const tampered = { ...p1!, url: p1!.url.replace(/(X-Amz-Signature=[0-9a-f]{63})([0-9a-f])/, (_m, h: string, l: string) => h + (l === '0' ? '1' : '0')) };
    expect((await sendPart(tampered, data.subarray(0, 5 * MIB))).status, 'tampered').to.equal(403);
    const renumbered = { ...p1!, url: p1!.url.replace('partNumber=1&', 'partNumber=2&') };
    expect((await sendPart(renumbered, data.subarray(0, 5 * MIB))).status, 'other part number').to.equal(403);
    expect((await sendPart(p1!, data.subarray(0, 5 * MIB + 1))).status, 'too large').to.equal(403);
    expect((await sendPart(p1!, data.subarray(0, 5 * MIB - 1))).status, 'too small').to.equal(403);
    const parts = await sendParts(grant, data);
    const wrong = await presigner.completeMultipartUpload(grant.token, [parts[0]!, { number: 2, etag: '"00000000000000000000000000000000"' }]).catch((e: unknown) => e);
    expect(wrong).to.be.instanceOf(InvalidRequestError).with.property('field', 'parts');
    await presigner.completeMultipartUpload(grant.token, parts);
    expect(Buffer.from((await readObject(client, BUCKET, grant.key))!).equals(Buffer.from(data))).to.equal(true);
  });

  it('verifyUpload catches a declared SHA-256 the parts do not match, and deletes the object', async () => {
    const data = generated(6 * MIB, 35);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: 5 * MIB, checksum: { sha256: sha256(generated(6 * MIB, 36)) } });
    await presigner.completeMultipartUpload(grant.token, await sendParts(grant, data));
    const error = await presigner.verifyUpload(grant.token).catch((e: unknown) => e);
    expect(error).to.have.property('code', 'upload-rejected');
    expect(await readObject(client, BUCKET, grant.key)).to.equal(undefined);
  });
});
}

multipartOn('Ceph RGW (UPGRANT_S3_COMPAT=ceph)', 'none', () => cephStore('the S3 multipart tests on Ceph'));

multipartOn('OpenStack Swift s3api (UPGRANT_S3_COMPAT=swift)', 'storage', () => swiftStore('the S3 multipart tests on Swift'));
