// Multipart uploads with the Azure driver on Azurite (started by this file): Put Block per part
// under one SAS, Put Block List from the server. 24 MiB in parallel blocks read back byte for
// byte, resume after an interruption, abort leaving no blob and no uncommitted blocks (asserted
// with Get Block List and a listing that includes uncommitted blobs), and the measured facts the
// enforcement map rests on (Put Block needs `w`; `w` lets a holder commit by itself).
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { expect } from 'chai';
import { blockId } from '../../drivers/azure/multipart.js';
import { createDriver } from '../../drivers/azure/index.js';
import { InvalidRequestError } from '../../src/errors.js';
import { PortablePresigner } from '../../src/presigner.js';
import type { MultipartUploadGrant, Presigner } from '../../src/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteMissing, startAzurite, type Azurite } from '../support/azurite.js';
import { generated, sendPart, sendParts, sha256 } from './helpers.js';
import { makeMp4, stamp } from '../support/sample-files.js';
import { skipOrFail } from '../support/required.js';

const SECRET = 'multipart-azure-secret-0123456789abcdef';
const BUCKET = 'multipart';
const MIB = 1024 * 1024;

describe('multipart: azure driver on Azurite', function () {
  this.timeout(180_000);
  let azurite: Azurite | undefined;
  let container: ContainerClient;
  let presigner: Presigner;
  let n = 0;
  const newKey = () => `mp/${Date.now()}-${n++}.bin`;
  const fresh = async () => new PortablePresigner(await createDriver({ bucket: BUCKET, connectionString: azurite!.connectionString }), { secret: SECRET, staging: 'never' });
  const read = (key: string) =>
    container
      .getBlobClient(key)
      .downloadToBuffer()
      .then(
        (b) => new Uint8Array(b),
        (e: { statusCode?: number }) => {
          if (e.statusCode === 404) return undefined;
          throw e;
        },
      );

  /** Every block Azure holds for this key, committed or not; [] when it knows no such blob. */
  async function blocks(key: string): Promise<string[]> {
    try {
      const list = await container.getBlockBlobClient(key).getBlockList('all');
      return [...(list.committedBlocks ?? []), ...(list.uncommittedBlocks ?? [])].map((b) => b.name);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return [];
      throw error;
    }
  }

  async function listed(key: string): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: key, includeUncommitedBlobs: true })) names.push(blob.name);
    return names;
  }

  before(async function () {
    const missing = await azuriteMissing();
    if (missing) {
      skipOrFail(`Azurite`, missing, `the Azure multipart tests`);
      this.skip();
    }
    azurite = await startAzurite();
    const service = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
    container = service.getContainerClient(BUCKET);
    await container.create();
    presigner = await fresh();
  });

  after(async () => {
    await presigner?.close();
    await azurite?.stop();
  });

  it('uploads 24 MiB in 3 parallel blocks of the default size, completes, verifies and reads back byte for byte', async () => {
    // 3 parts of the default 8 MiB, all in flight at once, prove what 8 did at a third of the bytes.
    const data = stamp(generated(24 * MIB, 41), makeMp4());
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'video/mp4', size: data.length, checksum: { sha256: sha256(data) } });
    expect(grant.parts.map((p) => p.size)).to.deep.equal([8 * MIB, 8 * MIB, 8 * MIB]);
    expect(grant.enforcement).to.include({ createOnly: 'none', contentType: 'verify', size: 'verify', checksum: 'verify' });
    expect(grant.parts[0]!.url).to.match(/[?&]comp=block&blockid=/).and.match(/[?&]sp=w&/);
    const parts = await sendParts(grant, data, { concurrency: 3 });
    expect(await read(grant.key), 'nothing visible before completion').to.equal(undefined);
    await presigner.completeMultipartUpload(grant.token, parts);
    const object = await presigner.verifyUpload(grant.token);
    expect(object).to.include({ size: data.length, contentType: 'video/mp4' });
    expect(Buffer.from((await read(grant.key))!).equals(Buffer.from(data))).to.equal(true);
    expect(await blocks(grant.key), 'committed in order, nothing uncommitted').to.deep.equal(grant.parts.map((p) => blockId(JSON.parse(Buffer.from(grant.token.split('.')[1]!, 'base64url').toString()).multipart.uploadId, p.number)));
  });

  it('resumes after an interruption: blocks 1 and 3, a new presigner, block 2, complete', async () => {
    const data = generated(3 * MIB + 7, 42);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: MIB + 3 });
    const first = await sendParts(grant, data, { only: [1, 3] });
    expect(await blocks(grant.key)).to.have.length(2);
    const saved = JSON.parse(JSON.stringify(grant)) as MultipartUploadGrant;
    const rest = await sendParts(saved, data, { only: [2, 4] });
    await (await fresh()).completeMultipartUpload(saved.token, [...first, ...rest]);
    expect(Buffer.from((await read(grant.key))!).equals(Buffer.from(data))).to.equal(true);
  });

  it('abort leaves no blob and no uncommitted blocks', async () => {
    const data = generated(3 * MIB, 43);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: MIB });
    await sendParts(grant, data, { only: [1, 2] });
    expect(await blocks(grant.key), 'blocks pending').to.have.length(2);
    await presigner.abortMultipartUpload(grant.token);
    expect(await blocks(grant.key), 'Get Block List').to.deep.equal([]);
    expect(await listed(grant.key), 'listing with uncommitted blobs').to.deep.equal([]);
    const error = await presigner.completeMultipartUpload(grant.token, [1, 2, 3].map((number) => ({ number }))).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidRequestError).with.property('field', 'parts');
    await presigner.abortMultipartUpload(grant.token); // twice is fine
  });

  it('complete checks each block: a missing or wrong-sized block is refused before anything is visible', async () => {
    const data = generated(2 * MIB, 44);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length, partSize: MIB });
    const [p1, p2] = grant.parts;
    expect((await sendPart(p1!, data.subarray(0, MIB))).status).to.equal(201);
    const missing = await presigner.completeMultipartUpload(grant.token, [{ number: 1 }, { number: 2 }]).catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(InvalidRequestError).with.property('message').that.matches(/part 2 was never uploaded/);
    // A SAS cannot bind a block's length: Azure takes a short block, and complete refuses it.
    expect((await sendPart(p2!, data.subarray(MIB, 2 * MIB - 1))).status).to.equal(201);
    const short = await presigner.completeMultipartUpload(grant.token, [{ number: 1 }, { number: 2 }]).catch((e: unknown) => e);
    expect(short).to.be.instanceOf(InvalidRequestError).with.property('message').that.matches(/part 2 is 1048575 bytes/);
    expect(await read(grant.key)).to.equal(undefined);
    // Sent again, the block replaces the short one (last write wins) and the upload completes.
    expect((await sendPart(p2!, data.subarray(MIB))).status).to.equal(201);
    await presigner.completeMultipartUpload(grant.token, [{ number: 1 }, { number: 2 }]);
    expect(Buffer.from((await read(grant.key))!).equals(Buffer.from(data))).to.equal(true);
  });

  it('the server never replaces an existing blob: a second completion on one key is refused', async () => {
    const key = newKey();
    const a = generated(MIB, 45);
    const ga = await presigner.createMultipartUploadGrant({ key, contentType: 'text/plain', size: MIB });
    const gb = await presigner.createMultipartUploadGrant({ key, contentType: 'text/plain', size: MIB });
    await presigner.completeMultipartUpload(ga.token, await sendParts(ga, a));
    const pb = await sendParts(gb, generated(MIB, 46));
    const error = await presigner.completeMultipartUpload(gb.token, pb).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidRequestError).with.property('field', 'key');
    expect(Buffer.from((await read(key))!).equals(Buffer.from(a))).to.equal(true);
  });

  it('measured: a tampered block URL is refused (403), and the `w` SAS lets its holder commit a block list itself', async () => {
    const data = generated(MIB, 47);
    const grant = await presigner.createMultipartUploadGrant({ key: newKey(), contentType: 'text/plain', size: data.length });
    const part = grant.parts[0]!;
    const tampered = { ...part, url: part.url.replace(/([?&]sig=)([^&])/, (_m, p: string, c: string) => p + (c === 'A' ? 'B' : 'A')) };
    expect((await sendPart(tampered, data)).status).to.equal(403);
    expect((await sendPart(part, data)).status).to.equal(201);
    // Why createOnly, contentType and size are not 'storage' here: the holder commits on its own.
    const id = new URL(part.url).searchParams.get('blockid')!;
    const commitUrl = part.url.replace(/comp=block&blockid=[^&]*/, 'comp=blocklist');
    const response = await fetch(commitUrl, {
      method: 'PUT',
      headers: { 'x-ms-blob-content-type': 'text/html' },
      body: `<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>${id}</Latest></BlockList>`,
    });
    expect(response.status).to.equal(201);
    // ... which verifyUpload catches, deleting the blob.
    const error = await presigner.verifyUpload(grant.token).catch((e: unknown) => e);
    expect(error).to.have.property('code', 'upload-rejected');
    expect(await read(grant.key)).to.equal(undefined);
  });
});
