// What staged uploads need from GCS: objects.rewrite to promote (repeated with the rewriteToken
// until GCS says done, `ifGenerationMatch=0` on every call makes it create-only at the
// destination; custom metadata, the grant record, is copied with the object), a multipart
// insert for markers, and objects.list by prefix for the sweep.
import type { Bucket } from '@google-cloud/storage';
import type { ListedPage, StagingDriver } from '../driver.js';
import { isNotFound, statusOf } from './errors.js';

/** Rewrite calls one promotion may take: GCS copies at least 1 MiB per call (5 GiB: well under this). */
const MAX_REWRITE_CALLS = 10_000;

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
      // The rewrite loop is ours, not File#copy's: the SDK drops ifGenerationMatch from the calls
      // after the first (those carrying the rewriteToken), and the last call is the one that
      // writes the destination, so a large copy would overwrite (seen on the stand-in with small
      // rewrite chunks: two grants for one key both promoted).
      const source = this.#objects.file(from);
      const uri = `/rewriteTo/b/${encodeURIComponent(this.#objects.name)}/o/${encodeURIComponent(to)}`;
      let token: string | undefined;
      for (let call = 0; call < MAX_REWRITE_CALLS; call++) {
        const qs = { ...(options.createOnly ? { ifGenerationMatch: 0 } : {}), ...(token ? { rewriteToken: token } : {}) };
        const [body] = (await source.request({ method: 'POST', uri, qs, json: {} })) as unknown as [{ done?: boolean; rewriteToken?: string }];
        if (body.done) return 'promoted';
        if (!body.rewriteToken) throw new Error('objects.rewrite answered neither done nor a rewriteToken');
        token = body.rewriteToken;
      }
      throw new Error(`objects.rewrite not done after ${MAX_REWRITE_CALLS} calls`);
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
