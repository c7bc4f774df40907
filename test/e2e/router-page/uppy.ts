// The Uppy page of the router browser tests: Uppy 6 with @uppy/aws-s3 through the documented
// adapter (uppy-adapter.ts, the code docs/routes.md shows).
import Uppy from '@uppy/core';
import { useUploadRoute } from './uppy-adapter.js';

declare global {
  interface Window {
    uppyTest: { upload(name: string, type: string, size: number, seed: number): Promise<unknown> };
  }
}

const apiUrl = new URLSearchParams(location.search).get('api') ?? '';

function bytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  return data;
}

window.uppyTest = {
  async upload(name, type, size, seed) {
    const uppy = new Uppy();
    useUploadRoute(uppy, apiUrl, 'avatar', { authorization: 'Bearer user-uppy' });
    uppy.addFile({ name, type, data: new Blob([bytes(size, seed)], { type }) });
    const result = await uppy.upload();
    return {
      successful: (result?.successful ?? []).map((f) => f.name),
      failed: (result?.failed ?? []).map((f) => `${f.name}: ${String(f.error)}`),
    };
  },
};
document.body.dataset['ready'] = '1';
