// The portable half of multipart grants: the part plan, part-size rules per driver limits, the
// part list a client hands back, strict mode, and drivers without multipart.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Driver, MultipartDriver } from '../../drivers/driver.js';
import { LocalDriver } from '../../drivers/local/driver.js';
import { InvalidRequestError, UnsupportedConstraintError } from '../../src/errors.js';
import { checkParts, choosePartSize, DEFAULT_PART_SIZE, planParts } from '../../src/multipart.js';
import { PortablePresigner } from '../../src/presigner.js';

const MIB = 1024 * 1024;
const S3_LIMITS = { minPartSize: 5 * MIB, maxPartSize: 5 * 1024 * MIB, maxParts: 10_000, maxObjectSize: 5 * 1024 ** 4 };
const SECRET = 'multipart-portable-secret-0123456789abcdef';

describe('multipart: portable layer', () => {
  let root: string;
  let local: LocalDriver;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-mp-portable-'));
    local = new LocalDriver({ root, secret: SECRET, baseUrl: 'http://127.0.0.1:9/storage' });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('plans parts that cover the file exactly, the remainder last', () => {
    expect(planParts(10, 4)).to.deep.equal([4, 4, 2]);
    expect(planParts(8, 4)).to.deep.equal([4, 4]);
    expect(planParts(3, 4)).to.deep.equal([3]);
  });

  it('chooses 8 MiB by default, raised in whole MiB to fit the part count', () => {
    expect(choosePartSize(64 * MIB, undefined, S3_LIMITS)).to.equal(DEFAULT_PART_SIZE);
    const huge = 5 * 1024 ** 4; // 5 TiB in at most 10000 parts
    const size = choosePartSize(huge, undefined, S3_LIMITS);
    expect(size % MIB).to.equal(0);
    expect(Math.ceil(huge / size)).to.be.at.most(10_000);
  });

  it('refuses part sizes outside the driver limits, naming partSize', () => {
    const refuse = (size: number, partSize: unknown) => {
      expect(() => choosePartSize(size, partSize, S3_LIMITS)).to.throw(InvalidRequestError).with.property('field', 'partSize');
    };
    refuse(64 * MIB, MIB); // under S3's 5 MiB minimum
    refuse(64 * MIB, 6 * 1024 * MIB); // over 5 GiB
    refuse(200_000 * MIB, 5 * MIB); // 40000 parts
    refuse(64 * MIB, 1.5);
    refuse(64 * MIB, '8');
    expect(choosePartSize(MIB, MIB, S3_LIMITS), 'one small part is the last part').to.equal(MIB);
  });

  it('keeps parts a multiple of the driver\'s part multiple (GCS chunks: 256 KiB), but for the last', () => {
    const gcs = { minPartSize: 256 * 1024, partSizeMultiple: 256 * 1024, maxPartSize: 5 * 1024 * MIB, maxParts: 10_000, maxObjectSize: 5 * 1024 ** 4 };
    expect(choosePartSize(64 * MIB, undefined, gcs) % (256 * 1024)).to.equal(0);
    expect(choosePartSize(5 * 1024 ** 4, undefined, gcs) % (256 * 1024), 'raised to fit 5 TiB').to.equal(0);
    expect(choosePartSize(64 * MIB, 768 * 1024, gcs)).to.equal(768 * 1024);
    expect(() => choosePartSize(64 * MIB, MIB + 1, gcs)).to.throw(InvalidRequestError, /multiple of 262144/).with.property('field', 'partSize');
    expect(choosePartSize(1000, 1001, gcs), 'one part is the last part: any size').to.equal(1001);
  });

  it('checks the part list: every part once, numbers in range, sane ETags; returns them in order', () => {
    expect(checkParts([{ number: 2, etag: '"b"' }, { number: 1, etag: '"a"' }], 2)).to.deep.equal([
      { number: 1, etag: '"a"' },
      { number: 2, etag: '"b"' },
    ]);
    expect(checkParts([{ number: 1 }], 1)).to.deep.equal([{ number: 1, etag: '' }]);
    const refuse = (parts: unknown, field: string) => expect(() => checkParts(parts, 2)).to.throw(InvalidRequestError).with.property('field', field);
    refuse('x', 'parts');
    refuse([{ number: 1, etag: 'a' }], 'parts');
    refuse([{ number: 1 }, { number: 1 }], 'parts[1].number');
    refuse([{ number: 1 }, { number: 3 }], 'parts[1].number');
    refuse([{ number: 1 }, { number: 2, etag: 'a\nb' }], 'parts[1].etag');
    refuse([null, { number: 2 }], 'parts[0]');
  });

  it('validates the request like single grants (exact size only, at least one byte)', async () => {
    const presigner = new PortablePresigner(local, { secret: SECRET });
    const refuse = async (request: Record<string, unknown>, field: string) => {
      const error = await presigner.createMultipartUploadGrant(request as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(request)).to.be.instanceOf(InvalidRequestError).with.property('field', field);
    };
    await refuse({ key: 'a.bin', contentType: 'text/plain', maxSize: 10 }, 'maxSize');
    await refuse({ key: 'a.bin', contentType: 'text/plain', size: 0 }, 'size');
    await refuse({ key: '../a.bin', contentType: 'text/plain', size: 10 }, 'key');
    await refuse({ key: 'a.bin', contentType: 'nope', size: 10 }, 'contentType');
    await refuse({ key: 'a.bin', filename: 'a.bin', contentType: 'text/plain', size: 10 }, 'key');
    await refuse({ key: 'a.bin', contentType: 'text/plain', size: 10, expiresIn: 0 }, 'expiresIn');
    await refuse({ key: 'a.bin', contentType: 'text/plain', size: 10, checksum: { sha256: 'x' } }, 'checksum.sha256');
  });

  it('a grant from a filename gets a fresh key and parts with offsets', async () => {
    const presigner = new PortablePresigner(local, { secret: SECRET });
    const grant = await presigner.createMultipartUploadGrant({ filename: 'Big Video.mp4', contentType: 'video/mp4', size: 20 * MIB + 1, partSize: 10 * MIB });
    expect(grant.key).to.match(/^uploads\/[0-9a-f]{32}\/Big-Video\.mp4$/);
    expect(grant.parts.map((p) => [p.number, p.offset, p.size])).to.deep.equal([
      [1, 0, 10 * MIB],
      [2, 10 * MIB, 10 * MIB],
      [3, 20 * MIB, 1],
    ]);
    await presigner.abortMultipartUpload(grant.token);
  });

  it('a driver without multipart refuses with UnsupportedConstraintError naming "multipart"', async () => {
    const plain: Driver = new Proxy(local, { get: (target, name) => (name === 'multipart' ? undefined : Reflect.get(target, name, target)) });
    const presigner = new PortablePresigner(plain, { secret: SECRET });
    const error = await presigner.createMultipartUploadGrant({ key: 'a.bin', contentType: 'text/plain', size: 10 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UnsupportedConstraintError).with.property('constraint', 'multipart');
  });

  it('strict mode refuses what the driver says is not storage-enforced for multipart', async () => {
    const fake: MultipartDriver = {
      limits: S3_LIMITS,
      enforcement: () => ({ createOnly: 'none', contentType: 'storage', size: 'storage', checksum: 'verify' }),
      start: () => Promise.reject(new Error('must not be reached')),
      complete: () => Promise.reject(new Error('unused')),
      abort: () => Promise.resolve(),
    };
    const driver = new Proxy(local, { get: (target, name) => (name === 'multipart' ? fake : Reflect.get(target, name, target)) });
    const strict = new PortablePresigner(driver, { secret: SECRET, strict: true, staging: 'never' });
    const error = await strict.createMultipartUploadGrant({ key: 'a.bin', contentType: 'text/plain', size: 10 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UnsupportedConstraintError).with.property('constraint', 'createOnly');
    const overwrite = await strict.createMultipartUploadGrant({ key: 'a.bin', contentType: 'text/plain', size: 10, overwrite: true, checksum: { md5: '1B2M2Y8AsgTpgAmY7PhCfg==' } }).catch((e: unknown) => e);
    expect(overwrite).to.be.instanceOf(UnsupportedConstraintError).with.property('constraint', 'checksum');
  });
});
