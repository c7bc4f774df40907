// Our blob SAS signer (drivers/azure/sas.ts) against published values and Microsoft's own SDK:
// (a) the legacy azure-storage-node vectors with a literal `sig` (blob service SAS, sv 2018-03-28),
// (b) byte-equality with @azure/storage-blob's generateBlobSASQueryParameters for the same inputs,
// (c) every exact string-to-sign of azure-sdk-for-java's SasTestData (sv >= 2020-12-06 layout).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
  BlobSASPermissions,
  ContainerSASPermissions,
  SASProtocol,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type BlobSASSignatureValues,
  type UserDelegationKey,
} from '@azure/storage-blob';
import { createDriver } from '../../drivers/azure/index.js';
import {
  BlobSasTemplate,
  SAS_VERSION,
  blobSasStringToSign,
  sasKey,
  sasSignature,
  signBlobSas,
  type BlobSasFields,
} from '../../drivers/azure/sas.js';

const VECTORS = '/work/shared/vectors/azure';
const load = <T>(name: string): T => JSON.parse(readFileSync(`${VECTORS}/${name}`, 'utf8')) as T;
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

interface LegacyCase {
  id: string;
  kind: string;
  service?: string;
  input: Record<string, string | null>;
  expected: { sig: string };
}

describe('conformance: Azure blob SAS', () => {
  describe('(a) azure-storage-node vectors with a literal sig (sv 2018-03-28)', () => {
    const cases = load<{ cases: LegacyCase[] }>('azure-storage-node_sas_2018-03-28.json').cases;
    const blobCases = cases.filter((c) => c.kind === 'service-sas' && c.service === 'blob');

    it('the file holds 2 blob service SAS cases (the file/queue/table/account ones use other layouts)', () => {
      expect(cases).to.have.length(7);
      expect(blobCases.map((c) => c.id)).to.deep.equal(['node-blob-sas-no-permissions-https', 'node-blob-sas-devstore-read']);
    });

    for (const c of blobCases) {
      it(`${c.id}: sig ${c.expected.sig}`, () => {
        const i = c.input;
        const fields: BlobSasFields = {
          version: i.signedVersion as string,
          accountName: i.account_name as string,
          containerName: i.container as string,
          blobName: i.blob as string,
          ...(i.signedPermissions ? { permissions: i.signedPermissions } : {}),
          ...(i.signedStart ? { startsOn: new Date(i.signedStart) } : {}),
          ...(i.signedExpiry ? { expiresOn: new Date(i.signedExpiry) } : {}),
          ...(i.signedProtocol ? { protocol: i.signedProtocol } : {}),
        };
        const sig = sasSignature(sasKey(i.account_key as string), blobSasStringToSign(fields));
        expect(sig).to.equal(c.expected.sig);
        // A one-character change of any signed field changes the signature.
        const other = sasSignature(sasKey(i.account_key as string), blobSasStringToSign({ ...fields, containerName: `${fields.containerName}x` }));
        expect(other).to.not.equal(c.expected.sig);
      });
    }
  });

  describe('(b) byte-equality with @azure/storage-blob generateBlobSASQueryParameters', () => {
    const account = 'devstoreaccount1';
    const credential = new StorageSharedKeyCredential(account, DEV_KEY);
    const key = sasKey(DEV_KEY);
    const t0 = new Date('2026-03-04T05:06:07.890Z');
    const cases: Array<{ name: string; fields: Omit<BlobSasFields, 'version' | 'accountName'> }> = [
      { name: 'create-only upload, https, 5 min', fields: { containerName: 'uploads', blobName: 'a/b.png', permissions: 'c', startsOn: new Date(t0.getTime() - 300_000), expiresOn: new Date(t0.getTime() + 300_000), protocol: 'https' } },
      { name: 'overwrite upload, no protocol, 7 days', fields: { containerName: 'uploads', blobName: 'x.bin', permissions: 'cw', startsOn: t0, expiresOn: new Date(t0.getTime() + 7 * 86400_000) } },
      { name: 'download with rscd and rsct', fields: { containerName: 'media', blobName: 'reports/2026 é+%.pdf', permissions: 'r', expiresOn: new Date(t0.getTime() + 60_000), contentDisposition: `attachment; filename="r_.pdf"; filename*=UTF-8''r%C3%A9.pdf`, contentType: 'application/pdf' } },
      { name: 'all response overrides, ip range, 1 s', fields: { containerName: 'c0', blobName: 'k', permissions: 'racwd', startsOn: t0, expiresOn: new Date(t0.getTime() + 1000), ipRange: '10.0.0.1-10.0.0.9', protocol: 'https,http', cacheControl: 'no-store', contentEncoding: 'gzip', contentLanguage: 'fr', contentType: 'text/plain; charset=utf-8' } },
      { name: 'container SAS (sr=c)', fields: { containerName: 'uploads', permissions: 'rl', expiresOn: new Date(t0.getTime() + 3600_000) } },
    ];
    for (const version of [SAS_VERSION, '2020-12-06', '2019-12-12']) {
      for (const c of cases) {
        it(`sv ${version}: ${c.name}`, () => {
          const fields: BlobSasFields = { version, accountName: account, ...c.fields };
          const values: BlobSASSignatureValues = {
            version,
            containerName: c.fields.containerName,
            ...(c.fields.blobName !== undefined ? { blobName: c.fields.blobName } : {}),
            permissions:
              c.fields.blobName === undefined
                ? ContainerSASPermissions.parse(c.fields.permissions ?? '')
                : BlobSASPermissions.parse(c.fields.permissions ?? ''),
            ...(c.fields.startsOn ? { startsOn: c.fields.startsOn } : {}),
            ...(c.fields.expiresOn ? { expiresOn: c.fields.expiresOn } : {}),
            ...(c.fields.protocol ? { protocol: c.fields.protocol as SASProtocol } : {}),
            ...(c.fields.ipRange ? { ipRange: { start: c.fields.ipRange.split('-')[0] as string, end: c.fields.ipRange.split('-')[1] as string } } : {}),
            ...(c.fields.cacheControl ? { cacheControl: c.fields.cacheControl } : {}),
            ...(c.fields.contentDisposition ? { contentDisposition: c.fields.contentDisposition } : {}),
            ...(c.fields.contentEncoding ? { contentEncoding: c.fields.contentEncoding } : {}),
            ...(c.fields.contentLanguage ? { contentLanguage: c.fields.contentLanguage } : {}),
            ...(c.fields.contentType ? { contentType: c.fields.contentType } : {}),
          };
          const expected = generateBlobSASQueryParameters(values, credential).toString();
          expect(signBlobSas(fields, key)).to.equal(expected);
        });
      }
    }

    const udk: UserDelegationKey = {
      signedObjectId: '11111111-2222-3333-4444-555555555555',
      signedTenantId: '66666666-7777-8888-9999-000000000000',
      signedStartsOn: new Date('2026-03-04T00:00:00Z'),
      signedExpiresOn: new Date('2026-03-10T00:00:00Z'),
      signedService: 'b',
      signedVersion: '2025-11-05',
      value: Buffer.from('a user delegation key value, 32b').toString('base64'),
    };
    for (const version of [SAS_VERSION, '2025-07-05', '2025-05-05', '2020-12-06']) {
      for (const c of cases.filter((x) => x.fields.blobName !== undefined)) {
        it(`user delegation, sv ${version}: ${c.name}`, () => {
          const { value, ...delegation } = udk;
          const fields: BlobSasFields = { version, accountName: account, ...c.fields, delegation };
          const values: BlobSASSignatureValues = {
            version,
            containerName: c.fields.containerName,
            blobName: c.fields.blobName as string,
            permissions: BlobSASPermissions.parse(c.fields.permissions ?? ''),
            ...(c.fields.startsOn ? { startsOn: c.fields.startsOn } : {}),
            expiresOn: c.fields.expiresOn as Date,
            ...(c.fields.protocol ? { protocol: c.fields.protocol as SASProtocol } : {}),
            ...(c.fields.ipRange ? { ipRange: { start: c.fields.ipRange.split('-')[0] as string, end: c.fields.ipRange.split('-')[1] as string } } : {}),
            ...(c.fields.cacheControl ? { cacheControl: c.fields.cacheControl } : {}),
            ...(c.fields.contentDisposition ? { contentDisposition: c.fields.contentDisposition } : {}),
            ...(c.fields.contentEncoding ? { contentEncoding: c.fields.contentEncoding } : {}),
            ...(c.fields.contentLanguage ? { contentLanguage: c.fields.contentLanguage } : {}),
            ...(c.fields.contentType ? { contentType: c.fields.contentType } : {}),
          };
          const expected = generateBlobSASQueryParameters(values, udk, account).toString();
          expect(signBlobSas(fields, sasKey(value))).to.equal(expected);
        });
      }
    }
  });

  describe('(b2) the driver hot path equals the SDK and the generic signer', () => {
    const account = 'devstoreaccount1';
    const t0 = new Date('2026-03-04T05:06:07.890Z');
    const udk: UserDelegationKey = {
      signedObjectId: '11111111-2222-3333-4444-555555555555',
      signedTenantId: '66666666-7777-8888-9999-000000000000',
      signedStartsOn: new Date('2026-03-04T00:00:00Z'),
      signedExpiresOn: new Date('2026-03-10T00:00:00Z'),
      signedService: 'b',
      signedVersion: '2025-11-05',
      value: Buffer.from('another user delegation key val').toString('base64'),
    };
    const grants = [
      { blob: 'a/b.png', sp: 'c', overrides: {} },
      { blob: 'x y/ü+%.bin', sp: 'cw', overrides: {} },
      { blob: 'r.pdf', sp: 'r', overrides: { contentDisposition: 'attachment; filename="r.pdf"', contentType: 'application/pdf' } },
    ];
    for (const version of [SAS_VERSION, '2025-05-05', '2020-12-06']) {
      for (const protocol of [undefined, 'https']) {
        for (const g of grants) {
          it(`sv ${version}, spr ${protocol ?? '-'}: ${g.blob} sp=${g.sp}`, () => {
            const template = new BlobSasTemplate({ version, accountName: account, containerName: 'uploads', ...(protocol ? { protocol } : {}) });
            const base: BlobSasFields = {
              version, accountName: account, containerName: 'uploads', blobName: g.blob, permissions: g.sp,
              startsOn: t0, expiresOn: new Date(t0.getTime() + 600_000), ...(protocol ? { protocol } : {}), ...g.overrides,
            };
            const shared = template.sign(sasKey(DEV_KEY), g.blob, g.sp, t0, new Date(t0.getTime() + 600_000), g.overrides);
            expect(shared).to.equal(signBlobSas(base, sasKey(DEV_KEY)));
            const { value, ...delegation } = udk;
            const delegated = template.sign(sasKey(value), g.blob, g.sp, t0, new Date(t0.getTime() + 600_000), g.overrides, template.prepare(delegation));
            expect(delegated).to.equal(signBlobSas({ ...base, delegation }, sasKey(value)));
          });
        }
      }
    }

    it('a driver upload URL is byte-identical to the SDK blob URL + generateBlobSASQueryParameters', async () => {
      const endpoint = 'https://devstoreaccount1.blob.core.windows.net';
      const driver = await createDriver({ bucket: 'uploads', accountName: account, accountKey: DEV_KEY, endpoint });
      const key = 'photos/2026/ünïcode name+(1).png';
      const signed = await driver.signUpload({ key, method: 'PUT', constraints: { contentType: 'image/png', minSize: 1, maxSize: 1, createOnly: true }, expiresIn: 300, now: t0 });
      const { BlobServiceClient } = await import('@azure/storage-blob');
      const credential = new StorageSharedKeyCredential(account, DEV_KEY);
      const blobUrl = new BlobServiceClient(endpoint, credential).getContainerClient('uploads').getBlobClient(key).url;
      const query = generateBlobSASQueryParameters(
        {
          version: SAS_VERSION, containerName: 'uploads', blobName: key, permissions: BlobSASPermissions.parse('c'),
          startsOn: new Date(t0.getTime() - 300_000), expiresOn: new Date(Math.floor(t0.getTime() / 1000) * 1000 + 300_000), protocol: SASProtocol.Https,
        },
        credential,
      ).toString();
      expect(signed.url).to.equal(`${blobUrl}?${query}`);
    });
  });

  describe('(c) azure-sdk-for-java SasTestData exact strings-to-sign (sv >= 2020-12-06)', () => {
    interface JavaCase {
      name: string;
      set: Record<string, string>;
      expected_string_to_sign: string;
    }
    const file = load<{ blob_cases: JavaCase[]; datalake_cases: JavaCase[] }>('azure-sdk-for-java_blob_sas_string_to_sign.json');
    const run = (c: JavaCase, container: string, blob: string) => {
      const s = c.set;
      const fields: BlobSasFields = {
        version: SAS_VERSION,
        accountName: 'account',
        containerName: container,
        blobName: blob,
        permissions: 'r',
        expiresOn: new Date('2017-01-01T00:00:00Z'),
        ...(s.startTime ? { startsOn: new Date(s.startTime) } : {}),
        ...(s.identifier ? { identifier: s.identifier } : {}),
        ...(s.ip ? { ipRange: s.ip } : {}),
        ...(s.protocol ? { protocol: s.protocol } : {}),
        ...(s.snapshot ? { snapshotTime: s.snapshot } : {}),
        ...(s.versionId ? { versionId: s.versionId } : {}),
        ...(s.encryptionScope ? { encryptionScope: s.encryptionScope } : {}),
        ...(s.rscc ? { cacheControl: s.rscc } : {}),
        ...(s.rscd ? { contentDisposition: s.rscd } : {}),
        ...(s.rsce ? { contentEncoding: s.rsce } : {}),
        ...(s.rscl ? { contentLanguage: s.rscl } : {}),
        ...(s.rsct ? { contentType: s.rsct } : {}),
      };
      const expected = c.expected_string_to_sign.replace('{account}', 'account').replace('{SAS_SERVICE_VERSION}', SAS_VERSION);
      expect(blobSasStringToSign(fields)).to.equal(expected);
    };
    it('has 12 blob and 9 DataLake cases', () => {
      expect(file.blob_cases).to.have.length(12);
      expect(file.datalake_cases).to.have.length(9);
    });
    for (const c of file.blob_cases) it(`blob: ${c.name}`, () => run(c, 'containerName', 'blobName'));
    // DataLake paths sign the same /blob/ resource layout.
    for (const c of file.datalake_cases) it(`datalake: ${c.name}`, () => run(c, 'fileSystemName', 'pathName'));
  });
});
