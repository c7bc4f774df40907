// The three GCS signers end to end (service account key, HMAC key, keyless IAM signBlob), how the
// driver picks one from options and environment, STORAGE_EMULATOR_HOST, the CORS helper and the
// inversify module. Uploads go to the GCS stand-in (not GCS: see test/support/gcs-standin.ts);
// signBlob goes to the stand-in's loopback IAM endpoint through google-auth-library's own client.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { OAuth2Client } from 'google-auth-library';
import { Container } from 'inversify';
import { applyCors, createDriver, HmacKeySigner, signUrlV4, urlV4Parts } from '../../drivers/gcs/index.js';
import { gcsDriver, gcsOptionsFromEnv } from '../../drivers/gcs/config.js';
import { resolveCredentials } from '../../drivers/gcs/credentials.js';
import { inVariableTerms } from '../../src/config.js';
import { ConfigError, InvalidRequestError, ProviderError } from '../../src/errors.js';
import { DRIVER, PRESIGNER, presignerOnDriverModule } from '../../src/container.js';
import { PortablePresigner } from '../../src/presigner.js';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-standin.js';
import { uploadViaHttp } from '../support/http.js';
import { editSignedUrl, flipHex, throwawayAccount } from './helpers.js';

const SECRET = 'gcs-signer-tests-secret-0123456789abcdef';
const BUCKET = 'signers';
const HMAC = { accessId: 'GOOG1EXAMPLEACCESSID0123456789', secret: 'bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ' };
const IAM_TOKEN = 'ya29.standin-token';

function tokenClient(token: string): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3600_000 });
  return client;
}

describe('gcs signers', () => {
  let standIn: GcsStandIn;
  const account = throwawayAccount();
  const keyless = throwawayAccount('keyless@upgrant-test.iam.gserviceaccount.com');

  before(async () => {
    standIn = await startGcsStandIn({ buckets: [BUCKET, 'cors-bucket'], accounts: [account, keyless], hmacKeys: [HMAC], iamToken: IAM_TOKEN });
  });
  after(async () => {
    await standIn?.close();
  });

  async function putRoundTrip(presigner: PortablePresigner): Promise<{ url: string; status: number; tampered: number }> {
    const body = randomBytes(100);
    const grant = await presigner.createUploadGrant({ key: `s/${randomBytes(4).toString('hex')}`, contentType: 'image/png', size: 100 });
    const tampered = (await uploadViaHttp(editSignedUrl(grant, { signature: flipHex }), body)).status;
    const { status } = await uploadViaHttp(grant, body);
    return { url: grant.url, status, tampered };
  }

  describe('HMAC key (GOOG4-HMAC-SHA256)', () => {
    it('signs grants the stand-in accepts with the secret, and refuses when tampered', async () => {
      const driver = await createDriver({ bucket: BUCKET, hmacKey: HMAC, apiEndpoint: standIn.endpoint, projectId: 'p' });
      const result = await putRoundTrip(new PortablePresigner(driver, { secret: SECRET, staging: 'never' }));
      const url = new URL(result.url);
      expect(url.searchParams.get('X-Goog-Algorithm')).to.equal('GOOG4-HMAC-SHA256');
      expect(url.searchParams.get('X-Goog-Credential')).to.match(new RegExp(`^${HMAC.accessId}/\\d{8}/auto/storage/goog4_request$`));
      expect(result.tampered).to.equal(403);
      expect(result.status).to.equal(200);
    });

    it('refuses an HMAC grant signed with the wrong secret (403)', async () => {
      const driver = await createDriver({ bucket: BUCKET, hmacKey: { accessId: HMAC.accessId, secret: `${HMAC.secret}x` }, apiEndpoint: standIn.endpoint, projectId: 'p' });
      const result = await putRoundTrip(new PortablePresigner(driver, { secret: SECRET, staging: 'never' }));
      expect(result.status).to.equal(403);
    });

    it('derives the signing key once per day and uses it as GCS documents (key chain GOOG4+secret, date, auto, storage, goog4_request)', async () => {
      const signer = new HmacKeySigner(HMAC);
      const day1 = signer.signingKey('20240101');
      expect(signer.signingKey('20240101')).to.equal(day1);
      const day2 = signer.signingKey('20240102');
      expect(day2.equals(day1)).to.equal(false);
      const input = { signer, bucket: 'b', object: 'o', method: 'PUT', expiration: 60, timestamp: new Date('2024-01-02T03:04:05Z') };
      const { stringToSign } = urlV4Parts(input);
      expect(stringToSign.split('\n')[0]).to.equal('GOOG4-HMAC-SHA256');
      const { createHmac } = await import('node:crypto');
      const expected = createHmac('sha256', day2).update(stringToSign).digest('hex');
      expect(new URL(await signUrlV4(input)).searchParams.get('X-Goog-Signature')).to.equal(expected);
    });
  });

  describe('keyless IAM signBlob', () => {
    it('signs through the IAM Credentials API with google-auth-library, one call per grant, and the stand-in verifies with the public key', async () => {
      const driver = await createDriver({ bucket: BUCKET, signerEmail: keyless.client_email, iamEndpoint: standIn.iamEndpoint, authClient: tokenClient(IAM_TOKEN), apiEndpoint: standIn.endpoint, projectId: 'p' });
      const before = standIn.signBlobCalls;
      const result = await putRoundTrip(new PortablePresigner(driver, { secret: SECRET, staging: 'never' }));
      expect(standIn.signBlobCalls - before).to.equal(1);
      expect(new URL(result.url).searchParams.get('X-Goog-Credential')).to.match(/^keyless@upgrant-test\.iam\.gserviceaccount\.com\//);
      expect(result.status).to.equal(200);
      expect(result.tampered).to.equal(403);
    });

    it('gives the same URL as signing with the key itself (RSA PKCS#1 v1.5 is deterministic)', async () => {
      const now = new Date('2030-01-02T03:04:05Z');
      const viaIam = await createDriver({ bucket: BUCKET, signerEmail: keyless.client_email, iamEndpoint: standIn.iamEndpoint, authClient: tokenClient(IAM_TOKEN), apiEndpoint: standIn.endpoint });
      const viaKey = await createDriver({ bucket: BUCKET, credentials: keyless, apiEndpoint: standIn.endpoint });
      const request = { key: 'same.bin', method: 'PUT' as const, constraints: { contentType: 'image/png', minSize: 1, maxSize: 1, createOnly: true }, expiresIn: 60, now };
      expect((await viaIam.signUpload(request)).url).to.equal((await viaKey.signUpload(request)).url);
    });

    it('surfaces a refused signBlob (bad token) as a ProviderError, not a bad URL', async () => {
      const driver = await createDriver({ bucket: BUCKET, signerEmail: keyless.client_email, iamEndpoint: standIn.iamEndpoint, authClient: tokenClient('wrong'), apiEndpoint: standIn.endpoint });
      const presigner = new PortablePresigner(driver, { secret: SECRET, staging: 'never' });
      const error = await presigner.createUploadGrant({ key: 'x', contentType: 'image/png', size: 1 }).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(ProviderError);
      expect((error as Error).message).to.match(/401|invalid authentication/i);
    });
  });

  describe('choosing the signer', () => {
    // The variables reach the driver as options (gcsOptionsFromEnv); presignerFromEnv names the variable.
    const fromEnv = (env: Record<string, string>) => {
      try {
        return resolveCredentials({ bucket: BUCKET, ...gcsOptionsFromEnv(env) });
      } catch (error) {
        throw inVariableTerms(error, gcsDriver);
      }
    };

    it('reads a service account key file (GOOGLE_APPLICATION_CREDENTIALS) and names bad configuration', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'upgrant-gcs-'));
      try {
        const keyFile = path.join(dir, 'key.json');
        await writeFile(keyFile, JSON.stringify({ type: 'service_account', ...account }));
        const fromKeyFile = fromEnv({ GOOGLE_APPLICATION_CREDENTIALS: keyFile });
        expect(fromKeyFile.signer?.email).to.equal(account.client_email);
        expect(fromKeyFile.signer?.algorithm).to.equal('GOOG4-RSA-SHA256');

        const userFile = path.join(dir, 'user.json');
        await writeFile(userFile, JSON.stringify({ type: 'authorized_user', client_id: 'x', refresh_token: 'y' }));
        const cases: Array<[() => unknown, string]> = [
          [() => fromEnv({}), 'GOOGLE_APPLICATION_CREDENTIALS'],
          [() => fromEnv({ GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, 'missing.json') }), 'GOOGLE_APPLICATION_CREDENTIALS'],
          [() => fromEnv({ GOOGLE_APPLICATION_CREDENTIALS: userFile }), 'GOOGLE_APPLICATION_CREDENTIALS'],
          [() => resolveCredentials({ bucket: BUCKET, keyFilename: path.join(dir, 'missing.json') }), 'keyFilename'],
          [() => resolveCredentials({ bucket: BUCKET, credentials: { client_email: 'a@b.c', private_key: 'not a key' } }), 'credentials.private_key'],
          [() => fromEnv({ UPGRANT_GCS_HMAC_SECRET: 's' }), 'UPGRANT_GCS_HMAC_ACCESS_ID'],
          [() => fromEnv({ UPGRANT_GCS_HMAC_ACCESS_ID: 'a' }), 'UPGRANT_GCS_HMAC_SECRET'],
        ];
        for (const [attempt, variable] of cases) {
          let error: unknown;
          try {
            attempt();
          } catch (e) {
            error = e;
          }
          expect(error, variable).to.be.instanceOf(ConfigError);
          expect((error as ConfigError).variable).to.equal(variable);
        }
        expect(fromEnv({ UPGRANT_GCS_SIGNER_EMAIL: 'x@y.iam.gserviceaccount.com', GOOGLE_APPLICATION_CREDENTIALS: userFile })).to.deep.equal({ signerEmail: 'x@y.iam.gserviceaccount.com' });
        expect(fromEnv({ UPGRANT_GCS_HMAC_ACCESS_ID: 'a', UPGRANT_GCS_HMAC_SECRET: 's' }).signer?.algorithm).to.equal('GOOG4-HMAC-SHA256');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('refuses a bucket name GCS would refuse, naming UPGRANT_BUCKET', async () => {
      const error = await createDriver({ bucket: 'Bad_Bucket!', credentials: account }).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).variable).to.equal('UPGRANT_BUCKET');
    });
  });

  describe('JSON API, STORAGE_EMULATOR_HOST, CORS and the module', () => {
    it('honours STORAGE_EMULATOR_HOST (as apiEndpoint) for the JSON API and the signed URLs', async () => {
      {
        const driver = await createDriver({ bucket: BUCKET, credentials: account, ...gcsOptionsFromEnv({ STORAGE_EMULATOR_HOST: standIn.endpoint.replace(/^http:\/\//, '') }) });
        const presigner = new PortablePresigner(driver, { secret: SECRET, staging: 'never' });
        const grant = await presigner.createUploadGrant({ key: 'env/host.png', contentType: 'image/png', size: 10, overwrite: true });
        expect(grant.url.startsWith(`${standIn.endpoint}/${BUCKET}/env/host.png?`)).to.equal(true);
        expect((await uploadViaHttp(grant, randomBytes(10))).status).to.equal(200);
        expect(await driver.head('env/host.png')).to.deep.include({ size: 10, contentType: 'image/png' });
        await driver.delete('env/host.png');
        expect(await driver.head('env/host.png')).to.equal(undefined);
      }
    });

    it('head reports size, type and MD5; head/delete of a missing object are undefined / no error', async () => {
      const driver = await createDriver({ bucket: BUCKET, credentials: account, apiEndpoint: standIn.endpoint, projectId: 'p' });
      const body = randomBytes(77);
      const grant = await new PortablePresigner(driver, { secret: SECRET, staging: 'never' }).createUploadGrant({ key: 'head/x.txt', contentType: 'text/plain', size: 77 });
      expect((await uploadViaHttp(grant, body)).status).to.equal(200);
      const { createHash } = await import('node:crypto');
      expect(await driver.head('head/x.txt')).to.deep.include({ size: 77, contentType: 'text/plain', md5: createHash('md5').update(body).digest('base64') });
      const chunks: Uint8Array[] = [];
      for await (const chunk of await driver.read('head/x.txt')) chunks.push(chunk);
      expect(Buffer.concat(chunks).equals(body)).to.equal(true);
      expect(await driver.head('head/none')).to.equal(undefined);
      await driver.delete('head/none');
      await driver.delete('head/x.txt');
    });

    it('applyCors sets the rules browser uploads need on the bucket', async () => {
      const result = await applyCors({ bucket: 'cors-bucket', credentials: account, apiEndpoint: standIn.endpoint, projectId: 'p' }, ['https://app.example.com']);
      expect(result.provider).to.equal('gcs');
      const stored = standIn.bucketMetadata('cors-bucket').cors as Array<{ origin: string[]; method: string[]; responseHeader: string[] }>;
      expect(stored).to.deep.equal(result.rules);
      expect(stored[0]!.origin).to.deep.equal(['https://app.example.com']);
      expect(stored[0]!.method).to.include.members(['PUT', 'POST']);
      expect(stored[0]!.responseHeader).to.include.members(['content-type', 'content-md5', 'x-goog-content-length-range', 'x-goog-if-generation-match', 'content-range', 'range']);
      const error = await applyCors({ bucket: 'cors-bucket', credentials: account, apiEndpoint: standIn.endpoint }, ['app.example.com/path']).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidRequestError);
    });

    it('DRIVER bound once, and PRESIGNER builds on it', async () => {
      const container = new Container();
      container.bind(DRIVER).toResolvedValue(() => createDriver({ bucket: BUCKET, credentials: account, apiEndpoint: standIn.endpoint })).inSingletonScope();
      container.load(presignerOnDriverModule({ secret: SECRET }));
      const driver = await container.getAsync(DRIVER);
      expect(await container.getAsync(DRIVER)).to.equal(driver);
      expect(driver.name).to.equal('gcs');
      const presigner = await container.getAsync(PRESIGNER);
      const grant = await presigner.createUploadGrant({ key: 'di/x.bin', contentType: 'application/octet-stream', size: 3, overwrite: true });
      expect((await uploadViaHttp(grant, randomBytes(3))).status).to.equal(200);
    });
  });
});
