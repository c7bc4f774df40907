// The router the framework tests mount: three routes on a local receiver, an authorize that reads
// a bearer token, onUploaded recorded, and the presigner's grant calls counted (a refused request
// must grant nothing).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal } from '../../drivers/local/index.js';
import { createUploadRouter, refuse, uploadRoute, type UploadRouterOptions } from '../../src/index.js';
import type { Presigner, VerifiedObject } from '../../src/types.js';

export const SECRET = 'router-test-secret-0123456789abcdef0123';
export const MIB = 1024 * 1024;

export type UserContext = { userId: string };

// The tests upload deterministic noise, not real PNGs and MP4s: the routes turn the content check
// off (test/router/content-policy.test.ts and test/content/ test it with real bytes).
export function makeRoutes() {
  return {
    avatar: uploadRoute<UserContext>({ contentTypes: ['image/png', 'image/jpeg'], maxSize: MIB, contentCheck: 'off', key: 'avatars/{context.userId}/{id}/{filename}' }),
    video: uploadRoute<UserContext, { title: string }>({
      contentTypes: ['video/*'],
      contentCheck: 'off',
      maxSize: 64 * MIB,
      multipartThreshold: MIB,
      partSize: MIB,
      maxFiles: 3,
      metadata: (value) => {
        const title = (value as { title?: unknown } | undefined)?.title;
        if (typeof title !== 'string' || title.length > 100) throw new Error('title must be a short string');
        return { title };
      },
      key: ({ context, id, filename, metadata }) => `videos/${context.userId}/${id}/${metadata.title.length}-${filename}`,
    }),
    doc: uploadRoute<UserContext>({ contentTypes: ['application/pdf'], contentCheck: 'off', checksum: 'required', maxSize: MIB }),
    strict: uploadRoute<UserContext>({ contentTypes: ['image/png'], contentCheck: 'off', maxSize: MIB, strict: true }),
  };
}

export interface Fixture {
  /** The local driver's directory ('' elsewhere). */
  readonly root: string;
  readonly presigner: Presigner;
  readonly router: ReturnType<typeof makeRouter>;
  /** What the router was made from (to make the same router elsewhere, e.g. in a DI container). */
  readonly options: Options;
  readonly uploaded: { route: string; object: VerifiedObject; context: UserContext; metadata?: unknown }[];
  readonly grantCalls: () => number;
  read(key: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

type Options = UploadRouterOptions<ReturnType<typeof makeRoutes>, UserContext>;

function makeRouter(options: Options) {
  return createUploadRouter(options);
}

function makeOptions(presigner: Presigner, uploaded: Fixture['uploaded'], extra: Partial<Options>): Options {
  return {
    presigner,
    routes: makeRoutes(),
    authorize: (request) => {
      const auth = request.headers.get('authorization') ?? '';
      if (auth === 'Bearer banned') return false;
      if (auth === 'Bearer throw-403') throw refuse(403, 'this account cannot upload');
      const match = /^Bearer user-([a-z0-9]+)$/.exec(auth);
      return match ? { userId: match[1]! } : null;
    },
    onUploaded: (event) => {
      uploaded.push(event);
    },
    onError: () => undefined,
    ...extra,
  };
}

/** `storageOrigins`: pages that may send the bytes to the local receiver (CORS). */
export async function makeFixture(extra: Partial<Options> = {}, storageOrigins: readonly string[] = []): Promise<Fixture> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-router-'));
  const receiver = await listenLocal({ root, secret: SECRET, corsOrigins: storageOrigins });
  return fixtureOn(receiver.presigner, extra, {
    root,
    read: (key) => readFile(path.join(root, 'local', ...key.split('/'))).catch(() => undefined),
    close: async () => {
      await receiver.close();
      await rm(root, { recursive: true, force: true });
    },
  });
}

/** The same router on any presigner; `read` reads an object back from its storage. */
export function fixtureOn(presigner: Presigner, extra: Partial<Options>, storage: Pick<Fixture, 'read' | 'close' | 'root'>): Fixture {
  let calls = 0;
  const counted = new Proxy(presigner, {
    get(target, name, receiverProxy) {
      const value = Reflect.get(target, name, receiverProxy) as unknown;
      if (typeof value !== 'function') return value;
      if (name === 'createUploadGrant' || name === 'createMultipartUploadGrant') {
        return (...args: unknown[]) => {
          calls++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  const uploaded: Fixture['uploaded'] = [];
  const options = makeOptions(counted, uploaded, extra);
  return { ...storage, presigner: counted, router: makeRouter(options), options, uploaded, grantCalls: () => calls };
}

/** Deterministic bytes (not all zero, so a misplaced part shows). */
export function bytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
