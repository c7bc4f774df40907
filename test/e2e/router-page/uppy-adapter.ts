import type { Uppy } from '@uppy/core';
import AwsS3 from '@uppy/aws-s3';

export function useUploadRoute(uppy: Uppy, url: string, route: string, headers: Record<string, string> = {}): void {
  const tokens = new Map<string, string>();
  const call = (action: string, body: unknown) => fetch(`${url}/${route}${action}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    .then(async (response) => (response.ok ? response.json() : Promise.reject(new Error((await response.json()).error.code))));
  uppy.use(AwsS3, {
    shouldUseMultipart: false, generateObjectKey: (file) => file.id,
    signRequest: async ({ key }) => {
      const { name, type, size } = uppy.getFile(key);
      const { grant } = await call('', { name, type, size });
      tokens.set(key, grant.token);
      return { url: grant.url, headers: grant.headers, key: grant.key };
    },
  });
  uppy.addPostProcessor((ids) => Promise.all(ids.filter((id) => tokens.has(id)).map((id) => call('/verify', { token: tokens.get(id) }))));
}
