// What staged uploads need from GCS: objects.rewrite to promote (the SDK's File#copy repeats the
// call with the rewriteToken until GCS says done; `ifGenerationMatch=0` makes it create-only at
// the destination; custom metadata, the grant record, is copied with the object), a multipart
// insert for markers, and objects.list by prefix for the sweep.
import type { Bucket } from '@google-cloud/storage';
import type { ListedPage, StagingDriver } from '../driver.js';
import { isNotFound } from './errors.js';

/** The custom metadata name of the grant record (x-goog-meta-upgrant-record). */
export const RECORD_METADATA = 'upgrant-record';

export class GcsStaging implements StagingDriver {
  readonly createOnlyPromotion = true;
  readonly #objects: Bucket;

  constructor(objects: Bucket) {
    this.#objects = objects;
  }

  /** Implements StagingDriver.promote. */
  async promote(from: string, to: string, options: { readonly createOnly: boolean }): Promise<'promoted' | 'exists' | 'missing'> {
    try {
      await this.#objects.file(from).copy(this.#objects.file(to), options.createOnly ? { preconditionOpts: { ifGenerationMatch: 0 } } : {});
      return 'promoted';
    } catch (error) {
      if (statusOf(error) === 412) return 'exists';
      if (isNotFound(error)) return 'missing';
      throw error;
    }
  }

  /** Implements StagingDriver.put. */
  async put(key: string, body: Uint8Array, options: { readonly createOnly: boolean; readonly contentType: string }): Promise<'written' | 'exists'> {
    try {
      await this.#objects.file(key).save(Buffer.from(body), {
        resumable: false,
        contentType: options.contentType,
        ...(options.createOnly ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
      });
      return 'written';
    } catch (error) {
      if (options.createOnly && statusOf(error) === 412) return 'exists';
      throw error;
    }
  }

  /** Implements StagingDriver.list. */
  async list(prefix: string, options: { readonly cursor?: string; readonly limit: number }): Promise<ListedPage> {
    const [files, next] = await this.#objects.getFiles({ prefix, maxResults: options.limit, autoPaginate: false, ...(options.cursor ? { pageToken: options.cursor } : {}) });
    const objects = files.map((file) => {
      const updated = file.metadata.updated;
      return { key: file.name, ...(updated ? { lastModified: new Date(updated) } : {}) };
    });
    const cursor = (next as { pageToken?: string } | null | undefined)?.pageToken;
    return { objects, ...(cursor ? { cursor } : {}) };
  }
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as { code?: number }).code : undefined;
}
