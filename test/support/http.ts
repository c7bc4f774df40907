// Sends an upload the way a client following a grant does, over real HTTP, and never throws on
// an error status: the contract suite asserts the status the storage answered.
import type { UploadGrant } from '../../src/types.js';
import type { UploadResult } from '../contract/harness.js';

export interface UploadOptions {
  /** Added to or replacing grant headers; undefined removes one. */
  headers?: Record<string, string | undefined>;
  /** Send this content type wherever the grant carries its own (headers, form fields, the file part). */
  contentType?: string;
}

export async function uploadViaHttp(grant: UploadGrant, body: Uint8Array, options: UploadOptions = {}): Promise<UploadResult> {
  const granted = grant.constraints.contentType;
  const swapType = (value: string) => (options.contentType !== undefined && value === granted ? options.contentType : value);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(grant.headers)) {
    // fetch computes Content-Length from the body; a lying one is a raw-socket test's job.
    if (name.toLowerCase() !== 'content-length') headers[name] = swapType(value);
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  // A copy on a plain ArrayBuffer: what Blob and fetch accept whatever buffer the caller used.
  const payload = new Uint8Array(body);
  let request: RequestInit;
  if (grant.method === 'POST') {
    const form = new FormData();
    for (const [name, value] of Object.entries(grant.fields ?? {})) form.append(name, swapType(value));
    form.append('file', new Blob([payload], { type: options.contentType ?? granted }), 'upload.bin');
    delete headers['content-type'];
    request = { method: 'POST', headers, body: form };
  } else {
    request = { method: 'PUT', headers, body: payload };
  }
  try {
    const response = await fetch(grant.url, request);
    return { status: response.status, body: await response.text() };
  } catch (error) {
    // The storage closed the connection instead of answering: report it as status 0.
    return { status: 0, body: `network error: ${(error as Error).message} ${String((error as { cause?: unknown }).cause ?? '')}` };
  }
}
