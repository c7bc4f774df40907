// The page of the router browser tests, bundled with esbuild: the typed client from upgrant/client
// (the sources, bundled as an app would bundle the package), on a page whose origin differs from
// the API's and the storage's. The test calls window.routerTest.* through Playwright.
import { createUploadClient, UploadRouteError } from '../../../src/client/index.js';
import type { Fixture } from '../../router/fixture.js';

declare global {
  interface Window {
    routerTest: typeof api;
  }
}

const params = new URLSearchParams(location.search);
const apiUrl = params.get('api') ?? '';
const auth = { authorization: 'Bearer user-page' };

/** The same bytes on every page load, so the file after a reload is the same file. */
function fileOf(name: string, type: string, size: number, seed: number): File {
  const data = new Uint8Array(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  return new File([data], name, { type, lastModified: 1_700_000_000_000 + seed });
}

const api = {
  async upload(route: 'avatar' | 'video', name: string, type: string, size: number, seed: number) {
    const client = createUploadClient<Fixture['router']>({ url: apiUrl, headers: auth });
    const file = fileOf(name, type, size, seed);
    let fraction = 0;
    try {
      const options = { onProgress: (p: { fraction: number }) => void (fraction = p.fraction), concurrency: 1 };
      const result = route === 'video' ? await client.upload('video', file, { ...options, metadata: { title: 'page' } }) : await client.upload('avatar', file, options);
      return { ok: true as const, key: result.key, size: result.object.size, resumed: result.resumed, fraction };
    } catch (error) {
      if (error instanceof UploadRouteError) return { ok: false as const, status: error.status, code: error.code, field: error.field ?? null };
      return { ok: false as const, status: 0, code: String((error as Error).name), field: String((error as Error).message) };
    }
  },

  /** Entries the client keeps to resume after a reload: the number of parts each has done. */
  savedParts(): number[] {
    return Object.keys(localStorage)
      .filter((k) => k.startsWith('upgrant:'))
      .map((k) => (JSON.parse(localStorage.getItem(k)!) as { done: unknown[] }).done.length);
  },

  /** A generic client: grant, PUT each part, report each part's ETag header as it came (null on Azure), complete. */
  async generic(name: string, size: number, seed: number) {
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${apiUrl}/video${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, json: (await response.json()) as Record<string, unknown>, code: response.headers.get('x-upgrant-error') };
    };
    const file = fileOf(name, 'video/mp4', size, seed);
    const granted = await post('', { name, type: file.type, size, metadata: { title: 'generic' } });
    const grant = granted.json['grant'] as { token: string; parts: { number: number; url: string; headers: Record<string, string>; offset: number; size: number }[] };
    const parts = [];
    for (const part of grant.parts) {
      const answer = await fetch(part.url, { method: 'PUT', headers: part.headers, body: file.slice(part.offset, part.offset + part.size) });
      if (!answer.ok) return { status: answer.status, parts: [], completed: null };
      parts.push({ number: part.number, etag: answer.headers.get('etag') });
    }
    const done = await post('/complete', { token: grant.token, parts });
    return { status: done.status, parts, completed: done.json };
  },

  /** A refusal read cross-origin: the code from the JSON body and the X-Upgrant-Error header. */
  async refused() {
    const response = await fetch(`${apiUrl}/avatar`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a.gif', type: 'image/gif', size: 1 }) });
    return { status: response.status, header: response.headers.get('x-upgrant-error'), body: (await response.json()) as unknown };
  },
};

window.routerTest = api;
document.body.dataset['ready'] = '1';
