// Type-checked by `npm run typecheck` (never run): an app's view of the built package, resolved
// through the exports map to dist/*.d.ts. A broken or missing declaration fails the typecheck.
import { Container } from 'inversify';
import {
  createPresigner,
  InvalidRequestError,
  keyFor,
  PRESIGNER,
  presignerFromEnv,
  presignerModule,
  loadConfig,
  UploadRejectedError,
  type MultipartUploadGrant,
  type Presigner,
  type UploadGrant,
  type VerifiedObject,
} from 'upgrant';
import { listenLocal, type LocalReceiver } from 'upgrant/local';

export async function app(): Promise<void> {
  const container = new Container();
  container.load(presignerModule(loadConfig(process.env)));
  const fromContainer: Presigner = await container.getAsync(PRESIGNER);
  const fromEnv: Presigner = await presignerFromEnv(process.env);
  const explicit = await createPresigner({ provider: 'local', root: './uploads', baseUrl: 'http://127.0.0.1:8787/storage', secret: 'x'.repeat(32) });
  const grant: UploadGrant = await explicit.createUploadGrant({ key: keyFor('avatars', 'me.png'), contentType: 'image/png', size: 1 });
  const method: 'PUT' | 'POST' = grant.method;
  try {
    const object: VerifiedObject = await fromEnv.verifyUpload(grant.token);
    void object.size;
  } catch (error) {
    if (error instanceof UploadRejectedError) void error.violations.map((v) => v.constraint);
    if (error instanceof InvalidRequestError) void error.field;
  }
  const large: MultipartUploadGrant = await fromEnv.createMultipartUploadGrant({ filename: 'big.mp4', contentType: 'video/mp4', size: 1 << 30, origin: 'https://app.example' });
  const inOrder: boolean = large.sequential;
  await fromEnv.completeMultipartUpload(large.token, large.parts.map((p) => ({ number: p.number, etag: '' })));
  const receiver: LocalReceiver = await listenLocal({ root: './uploads', secret: 'x'.repeat(32) });
  void [fromContainer, method, receiver.baseUrl, inOrder];
}
