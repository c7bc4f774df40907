// Azure multipart uploads: one Put Block per part, all under one SAS for the blob, and Put Block
// List from the server at completion, which sets the content type and, for a create-only grant,
// `If-None-Match: *`. Block ids are base64 of a fixed-width "<upload id>-<part number>" (Azure
// wants every id of a blob the same length), so the server knows each part's id without the
// client's help and checks each uncommitted block's size before committing.
//
// Enforcement, measured on Azurite 3.35: Put Block needs SAS permission `w` (`c` alone answers
// 403 AuthorizationPermissionMismatch), and `w` also lets the holder commit a block list or put a
// whole blob itself, skipping the server's checks and replacing an existing blob. So create-only
// is 'none' (a leaked grant can overwrite its key until it expires; keyFor keys are unique), and
// content type, size and checksum are 'verify'. The server's own completion path still refuses
// wrong part sizes before anything is visible, and never replaces an existing blob.
//
// Abort: Azure cannot delete uncommitted blocks directly (they expire after 7 days; Delete Blob
// answers 404 on a blob that has only uncommitted blocks). Committing an empty block list discards
// them, so abort commits an empty list with `If-None-Match: *` and deletes that empty blob. When
// a blob already exists at the key the abort leaves it alone and the blocks expire on their own.
import type { ContainerClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { DriverError } from '../error-codes.js';
import { isConflict, statusOf } from './errors.js';
import { RECORD_METADATA } from './driver.js';
import type { GrantConstraints } from '../../src/types.js';
import type {
  CompleteMultipartRequest,
  DriverEnforcement,
  MultipartDriver,
  MultipartLimits,
  MultipartSession,
  StartedMultipart,
  StartMultipartRequest,
  StoredPart,
} from '../driver.js';

const MIB = 1024 * 1024;
/** Put Block takes up to 4000 MiB (service version 2019-12-12 and later); a blob has at most 50,000 blocks. */
const MAX_BLOCK = 4000 * MIB;
const MAX_BLOCKS = 50_000;
const UPLOAD_ID = /^[0-9a-f]{16}$/;

export interface AzureMultipartDeps {
  /** The container's client, made on first use (sdk.ts). */
  readonly container: () => Promise<ContainerClient>;
  /** The blob's URL without a query. */
  readonly blobUrl: (key: string) => string;
  /** A blob SAS query string (without "?"). */
  readonly sas: (key: string, permissions: string, now: Date, expiresIn: number) => Promise<string>;
}

/** The block id of a part: the same length for every part of every upload. */
export function blockId(uploadId: string, part: number): string {
  return Buffer.from(`${uploadId}-${String(part).padStart(5, '0')}`).toString('base64');
}

export class AzureMultipart implements MultipartDriver {
  readonly limits: MultipartLimits = { minPartSize: 1, maxPartSize: MAX_BLOCK, maxParts: MAX_BLOCKS, maxObjectSize: MAX_BLOCK * MAX_BLOCKS };
  readonly #azure: AzureMultipartDeps;

  constructor(deps: AzureMultipartDeps) {
    this.#azure = deps;
  }

  /** Implements MultipartDriver.enforcement (see the header: `w` lets the holder commit itself). */
  enforcement(_constraints: GrantConstraints): DriverEnforcement {
    return { createOnly: 'none', contentType: 'verify', size: 'verify', checksum: 'verify' };
  }

  /** Implements MultipartDriver.start: nothing to create on the service; one SAS, one URL per block. */
  async start(request: StartMultipartRequest): Promise<StartedMultipart> {
    const uploadId = randomBytes(8).toString('hex');
    const sas = await this.#azure.sas(request.key, 'w', request.now, request.expiresIn);
    const url = this.#azure.blobUrl(request.key);
    const parts = request.partSizes.map((size, i) => ({
      url: `${url}?comp=block&blockid=${encodeURIComponent(blockId(uploadId, i + 1))}&${sas}`,
      headers: { 'content-length': String(size) },
    }));
    return { uploadId, parts };
  }

  /** Implements MultipartDriver.complete: check every block's size, then Put Block List. */
  async complete(request: CompleteMultipartRequest): Promise<{ etag?: string }> {
    const blob = (await this.#azure.container()).getBlockBlobClient(request.key);
    const uploadId = checkUploadId(request.uploadId);
    let uploaded: Map<string, number>;
    try {
      const list = await blob.getBlockList('uncommitted');
      uploaded = new Map((list.uncommittedBlocks ?? []).map((b) => [b.name, b.size]));
    } catch (error) {
      if (statusOf(error) === 404) throw new DriverError('invalid-parts', 'no part of this upload is on Azure: none was sent, or it was completed or aborted', { field: 'parts', cause: error });
      throw error;
    }
    const ids = request.parts.map((part, i) => {
      const id = blockId(uploadId, part.number);
      const size = uploaded.get(id);
      if (size === undefined) throw new DriverError('invalid-parts', `part ${part.number} was never uploaded (or the upload was completed or aborted)`, { field: 'parts' });
      if (size !== request.partSizes[i]) throw new DriverError('invalid-parts', `part ${part.number} is ${size} bytes, granted ${request.partSizes[i]}`, { field: 'parts' });
      return id;
    });
    try {
      const out = await blob.commitBlockList(ids, {
        blobHTTPHeaders: { blobContentType: request.constraints.contentType },
        ...(request.record !== undefined ? { metadata: { [RECORD_METADATA]: request.record } } : {}),
        ...(request.constraints.createOnly ? { conditions: { ifNoneMatch: '*' } } : {}),
      });
      return out.etag ? { etag: out.etag } : {};
    } catch (error) {
      if (isConflict(error)) throw new DriverError('precondition-failed', `a blob already exists at "${request.key}" (create-only grant)`, { field: 'key', cause: error });
      if (statusOf(error) === 400) throw new DriverError('invalid-parts', `Azure refused the block list: ${(error as Error).message.split('\n')[0]}`, { field: 'parts', cause: error });
      throw error;
    }
  }

  /** Implements MultipartDriver.listParts: this upload's uncommitted blocks (Azure keeps no ETag for a block). */
  async listParts(session: MultipartSession): Promise<readonly StoredPart[]> {
    const uploadId = checkUploadId(session.uploadId);
    const byId = new Map(session.partSizes.map((_, i) => [blockId(uploadId, i + 1), i + 1]));
    let blocks: { name: string; size: number }[];
    try {
      blocks = (await (await this.#azure.container()).getBlockBlobClient(session.key).getBlockList('uncommitted')).uncommittedBlocks ?? [];
    } catch (error) {
      if (statusOf(error) === 404) return []; // no block sent yet
      throw error;
    }
    return blocks.flatMap((b) => {
      const number = byId.get(b.name);
      return number === undefined ? [] : [{ number, size: b.size }];
    });
  }

  /** Implements MultipartDriver.abort (see the header for what Azure lets an abort discard). */
  async abort(session: MultipartSession): Promise<void> {
    checkUploadId(session.uploadId);
    const blob = (await this.#azure.container()).getBlockBlobClient(session.key);
    try {
      await blob.commitBlockList([], { conditions: { ifNoneMatch: '*' } });
    } catch (error) {
      if (isConflict(error)) return; // a blob exists there: not ours to touch
      throw error;
    }
    await blob.deleteIfExists();
  }
}

function checkUploadId(uploadId: string): string {
  if (!UPLOAD_ID.test(uploadId)) throw new DriverError('invalid-argument', 'carries a malformed Azure upload id', { field: 'token' });
  return uploadId;
}
