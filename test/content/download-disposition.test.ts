// Download grants decide their Content-Disposition in the portable layer: attachment unless inline
// is asked for, never inline for active content. Asserted on the signed URL's own parameters for
// S3, GCS and Azure (signing needs no network), and on the local receiver's real response, which
// also carries nosniff and a sandboxing CSP on every download.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listenLocal, type LocalReceiver } from '../../drivers/local/index.js';
import { createPresigner } from '../../src/create-presigner.js';
import { InvalidRequestError } from '../../src/errors.js';
import type { Presigner } from '../../src/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../support/azurite.js';
import { uploadViaHttp } from '../support/http.js';
import { makeHtml, makePng, makeSvg } from '../support/sample-files.js';
import { throwawayAccount } from '../gcs/helpers.js';

const secret = randomBytes(32).toString('hex');
const ACTIVE = ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'application/xml', 'text/javascript'];

/** The disposition a signed URL makes its storage answer with (each provider's own parameter). */
const signedDisposition: Record<string, (url: URL) => string | null> = {
  s3: (url) => url.searchParams.get('response-content-disposition'),
  gcs: (url) => url.searchParams.get('response-content-disposition'),
  azure: (url) => url.searchParams.get('rscd'),
};

async function signingOnly(provider: 's3' | 'gcs' | 'azure'): Promise<Presigner> {
  switch (provider) {
    case 's3':
      return createPresigner({ provider, secret, bucket: 'b-1', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } });
    case 'gcs':
      return createPresigner({ provider, secret, bucket: 'b-1', credentials: throwawayAccount(), apiEndpoint: 'http://127.0.0.1:9', projectId: 'upgrant-test' });
    case 'azure':
      return createPresigner({
        provider,
        secret,
        bucket: 'c-1',
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=http://127.0.0.1:9/${AZURITE_ACCOUNT};`,
      });
  }
}

describe('download grants: Content-Disposition decided once, for every provider', () => {
  for (const provider of ['s3', 'gcs', 'azure'] as const) {
    describe(provider, () => {
      let presigner: Presigner;
      before(async () => (presigner = await signingOnly(provider)));
      after(() => presigner?.close());

      it('signs attachment by default, with and without a file name', async () => {
        const named = new URL((await presigner.createDownloadGrant({ key: 'u/page.html', filename: 'page.html' })).url);
        expect(signedDisposition[provider]!(named)).to.equal(`attachment; filename="page.html"; filename*=UTF-8''page.html`);
        const bare = new URL((await presigner.createDownloadGrant({ key: 'u/page.html' })).url);
        expect(signedDisposition[provider]!(bare)).to.equal('attachment');
      });

      for (const type of ACTIVE) {
        it(`refuses inline for active content served as ${type}, and signs attachment for it`, async () => {
          const error = await presigner.createDownloadGrant({ key: 'u/x', contentType: type, disposition: 'inline' }).catch((e: unknown) => e);
          expect(error).to.be.instanceOf(InvalidRequestError);
          expect((error as InvalidRequestError).field).to.equal('disposition');
          const url = new URL((await presigner.createDownloadGrant({ key: 'u/x', contentType: type, filename: 'x' })).url);
          expect(signedDisposition[provider]!(url)).to.match(/^attachment;/);
        });
      }

      it('signs inline, with the type pinned, for a passive type', async () => {
        const url = new URL((await presigner.createDownloadGrant({ key: 'u/a.png', contentType: 'image/png', disposition: 'inline' })).url);
        expect(signedDisposition[provider]!(url)).to.equal('inline');
        expect(url.searchParams.get(provider === 'azure' ? 'rsct' : 'response-content-type')).to.equal('image/png');
      });

      it('names the field for a bad disposition', async () => {
        const error = await presigner.createDownloadGrant({ key: 'u/a.png', disposition: 'window' as 'inline' }).catch((e: unknown) => e);
        expect((error as InvalidRequestError).field).to.equal('disposition');
      });
    });
  }

  describe('local (the receiver answers)', () => {
    let root: string;
    let receiver: LocalReceiver;
    before(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'upgrant-disposition-'));
      receiver = await listenLocal({ root, secret });
    });
    after(async () => {
      await receiver?.close();
      await rm(root, { recursive: true, force: true });
    });

    async function stored(contentType: string, body: Buffer): Promise<string> {
      const grant = await receiver.presigner.createUploadGrant({ key: `dl/${randomBytes(4).toString('hex')}`, contentType, size: body.length });
      expect((await uploadViaHttp(grant, body)).status).to.equal(201);
      await receiver.presigner.verifyUpload(grant.token);
      return grant.key;
    }

    for (const [type, body] of [
      ['text/html', makeHtml()],
      ['image/svg+xml', makeSvg()],
    ] as const) {
      it(`serves stored ${type} as an attachment with nosniff and a sandboxing CSP; inline is refused`, async () => {
        const key = await stored(type, body);
        const response = await fetch((await receiver.presigner.createDownloadGrant({ key })).url);
        expect(response.status).to.equal(200);
        expect(response.headers.get('content-type')).to.equal(type);
        expect(response.headers.get('content-disposition')).to.equal('attachment');
        expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
        expect(response.headers.get('content-security-policy')).to.equal("sandbox; default-src 'none'");
        const error = await receiver.presigner.createDownloadGrant({ key, disposition: 'inline' }).catch((e: unknown) => e);
        expect((error as InvalidRequestError).field, 'the stored type decides').to.equal('disposition');
        // A signed URL cannot be edited into an inline one.
        const url = (await receiver.presigner.createDownloadGrant({ key })).url.replace('X-Upgrant-Disposition=attachment', 'X-Upgrant-Disposition=inline');
        expect((await fetch(url)).status).to.equal(403);
      });
    }

    it('serves a passive type inline when asked, still with nosniff and the CSP', async () => {
      const key = await stored('image/png', makePng());
      const response = await fetch((await receiver.presigner.createDownloadGrant({ key, disposition: 'inline' })).url);
      expect(response.headers.get('content-disposition')).to.equal('inline');
      expect(response.headers.get('content-type')).to.equal('image/png');
      expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(response.headers.get('content-security-policy')).to.equal("sandbox; default-src 'none'");
    });
  });
});
