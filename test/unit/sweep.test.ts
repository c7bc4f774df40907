// The sweep's and a staged verification's own pace, on the in-memory fake driver: the waiting
// they do is overlapped (a sweep verifies several staged objects at once, bounded; a verification
// reads the staged object, then the marker and the key together, telling the driver that the
// bucket is there when it has just seen it), and nothing else changes: every upload promoted
// exactly once, the report in listing order, a failure thrown with nothing left running.
import { expect } from 'chai';
import type { HeadOptions, ObjectInfo } from '../../drivers/driver.js';
import { ProviderError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import { FakeDriver } from './fake-driver.js';

const SECRET = 'unit-sweep-secret-0123456789abcdef0123';

/** A fake whose heads take a few turns of the event loop, counting how many are pending at once. */
class PacedDriver extends FakeDriver {
  pending = 0;
  mostPending = 0;
  heads = 0;
  /** Keys headed with `bucketSeen` (a miss needs no question to the bucket). */
  bucketSeen: string[] = [];
  promotions = new Map<string, number>();
  failOn: string | undefined;

  constructor() {
    super({ staging: true });
    const staging = this.staging!;
    const promote = staging.promote.bind(staging);
    staging.promote = async (from, to, options) => {
      const outcome = await promote(from, to, options);
      if (outcome === 'promoted') this.promotions.set(to, (this.promotions.get(to) ?? 0) + 1);
      return outcome;
    };
  }

  override async head(key: string, options?: HeadOptions): Promise<ObjectInfo | undefined> {
    this.heads += 1;
    if (options?.bucketSeen) this.bucketSeen.push(key);
    this.pending += 1;
    this.mostPending = Math.max(this.mostPending, this.pending);
    try {
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      if (this.failOn !== undefined && key === this.failOn) throw new Error('the storage failed');
      return await super.head(key);
    } finally {
      this.pending -= 1;
    }
  }
}

async function stagedUploads(driver: PacedDriver, presigner: PortablePresigner, count: number): Promise<{ key: string; staging: string }[]> {
  const made: { key: string; staging: string }[] = [];
  for (let i = 0; i < count; i++) {
    const key = `swept/${String(i).padStart(3, '0')}.bin`;
    const grant = await presigner.createUploadGrant({ key, contentType: 'application/octet-stream', size: 4 });
    const staging = driver.signed.at(-1)!.request.key;
    driver.put(staging, new Uint8Array([1, 2, 3, 4]));
    expect(grant.staged).to.equal(true);
    made.push({ key, staging });
  }
  return made;
}

describe('unit: the sweep and staged verification overlap their waiting', () => {
  it('a sweep verifies several staged objects at once, at most 16, and promotes each exactly once, reported in listing order', async () => {
    const driver = new PacedDriver();
    const presigner = new PortablePresigner(driver, { secret: SECRET, staging: 'always' });
    const made = await stagedUploads(driver, presigner, 40);
    const report = await presigner.sweep();
    expect(report.scanned).to.equal(40);
    // One verification has at most two heads pending (marker and key): more means several
    // verifications at once; 16 verifications at most.
    expect(driver.mostPending, 'heads pending at once').to.be.within(3, 16 * 2);
    const byStaging = [...made].sort((a, b) => (a.staging < b.staging ? -1 : 1));
    expect(report.promoted.map((o) => o.key)).to.deep.equal(byStaging.map((m) => m.key));
    for (const { key } of made) expect(driver.promotions.get(key), key).to.equal(1);
    expect([...driver.objects.keys()].filter((k) => k.startsWith('.upgrant-staging/'))).to.deep.equal([]);
    // A second sweep finds nothing left to do.
    const again = await presigner.sweep();
    expect(again.scanned).to.equal(0);
  });

  it('a verification found by the sweep is not asked for its staged object twice', async () => {
    const driver = new PacedDriver();
    const presigner = new PortablePresigner(driver, { secret: SECRET, staging: 'always' });
    const [only] = await stagedUploads(driver, presigner, 1);
    driver.heads = 0;
    await presigner.sweep();
    // The sweep's head of the staged object (for its record), the marker, the key, and the key after the copy.
    expect(driver.heads).to.equal(4);
    // The listing named the staged object: its bucket is there, so no miss needs the bucket asked.
    expect(driver.bucketSeen).to.deep.equal([only!.staging, `${only!.staging}.rejected`, only!.key]);
    expect(driver.promotions.get(only!.key)).to.equal(1);
  });

  it('a staged verification reads the staged object, then the marker and the key together, saying the bucket was seen', async () => {
    const driver = new PacedDriver();
    const presigner = new PortablePresigner(driver, { secret: SECRET, staging: 'always' });
    const grant = await presigner.createUploadGrant({ key: 'one/a.bin', contentType: 'application/octet-stream', size: 4 });
    const staging = driver.signed.at(-1)!.request.key;
    driver.put(staging, new Uint8Array([1, 2, 3, 4]));
    driver.mostPending = 0;
    const object = await presigner.verifyUpload(grant.token);
    expect(object.key).to.equal('one/a.bin');
    expect(driver.mostPending).to.equal(2);
    expect(driver.bucketSeen).to.deep.equal([`${staging}.rejected`, 'one/a.bin']);
    // Idempotent still: the second call finds the grant's object at the key and copies nothing.
    expect(await presigner.verifyUpload(grant.token)).to.deep.equal(object);
    expect(driver.promotions.get('one/a.bin')).to.equal(1);
    // Where the staged object is not there, nothing says the bucket is: the driver asks it.
    driver.bucketSeen = [];
    const never = await presigner.createUploadGrant({ key: 'one/b.bin', contentType: 'application/octet-stream', size: 4 });
    expect(await presigner.verifyUpload(never.token).catch((e: unknown) => e)).to.have.property('name', 'ObjectNotFoundError');
    expect(driver.bucketSeen).to.deep.equal([]);
  });

  it('a failing verification fails the sweep once every verification already started has settled', async () => {
    const driver = new PacedDriver();
    const presigner = new PortablePresigner(driver, { secret: SECRET, staging: 'always' });
    const made = await stagedUploads(driver, presigner, 30);
    driver.failOn = made[5]!.key;
    const error = await presigner.sweep().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderError);
    expect(driver.pending, 'nothing still running').to.equal(0);
    // What was not promoted is still staged, for the next sweep.
    driver.failOn = undefined;
    const report = await presigner.sweep();
    expect(report.promoted.map((o) => o.key)).to.include(made[5]!.key);
    for (const { key } of made) expect(driver.promotions.get(key), key).to.equal(1);
  });
});
