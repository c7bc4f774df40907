// Where a route's object goes. A function gets the authorized context, the client's metadata and
// a safe file name (src/key-for.ts); a template string names the same things in braces:
//   'avatars/{context.userId}/{id}/{filename}'
// Values from the context are trusted app data but still go through safeFileName, so a context
// value can never add a path segment. The result is validated as a key (field "key").
import { InvalidRequestError } from '../errors.js';
import type { GrantContext } from '../types.js';
import { randomId, safeFileName } from '../key-for.js';
import { validateKey } from '../validate.js';

export interface KeyInput<TContext, TMetadata> {
  /** The route's name. */
  readonly route: string;
  readonly context: TContext;
  readonly metadata: TMetadata;
  /** The client's file name made safe: one segment, no path, no control or URL-special characters. */
  readonly filename: string;
  /** 128 fresh random bits as 32 hex digits: keeps keys unique, hence create-only grants single-use. */
  readonly id: string;
}

export type KeyTemplate<TContext, TMetadata> = string | ((input: KeyInput<TContext, TMetadata>) => string);

const DEFAULT_TEMPLATE = '{route}/{id}/{filename}';

export function routeKey<TContext, TMetadata>(template: KeyTemplate<TContext, TMetadata> | undefined, route: string, context: TContext, metadata: TMetadata, name: string): string {
  const input: KeyInput<TContext, TMetadata> = { route, context, metadata, filename: safeFileName(name), id: randomId() };
  const key = typeof template === 'function' ? template(input) : fill(template ?? DEFAULT_TEMPLATE, input);
  return validateKey(key, 'key');
}

function fill(template: string, input: KeyInput<unknown, unknown>): string {
  return template.replace(/\{([A-Za-z0-9_.]+)\}/g, (_, path: string) => {
    if (path === 'route') return input.route;
    if (path === 'id') return input.id;
    if (path === 'filename') return input.filename;
    const [root, ...rest] = path.split('.');
    if ((root !== 'context' && root !== 'metadata') || rest.length === 0) throw new InvalidRequestError('key', `template names {${path}}: use {route}, {id}, {filename}, {context.x} or {metadata.x}`);
    let value: unknown = root === 'context' ? input.context : input.metadata;
    for (const part of rest) value = typeof value === 'object' && value !== null ? (value as Record<string, GrantContext>)[part] : undefined;
    if (typeof value !== 'string' && typeof value !== 'number') throw new InvalidRequestError('key', `template value {${path}} is not a string or number`);
    return safeFileName(String(value));
  });
}
