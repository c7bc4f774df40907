// upgrant/client's own look at the first bytes: a person learns at once that the "photo" is a web
// page or a program, before a byte is sent. The server checks again in verifyUpload regardless.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkFileContent, uploadWithGrant, UploadError } from '../../src/client/index.js';
import { makeDocx, makeElf, makeHtml, makeJpeg, makeMp4, makePdf, makePng, makeSvg } from '../support/sample-files.js';

const blob = (bytes: Buffer) => new Blob([new Uint8Array(bytes)]);

describe('client: checkFileContent', () => {
  it('passes real files under their types', async () => {
    for (const [type, bytes] of [
      ['image/png', makePng()],
      ['image/jpeg', makeJpeg()],
      ['application/pdf', makePdf()],
      ['video/mp4', makeMp4()],
      ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', makeDocx()],
    ] as const) {
      expect(await checkFileContent(blob(bytes), type), type).to.equal(undefined);
    }
  });

  it('names what the bytes are instead', async () => {
    expect(await checkFileContent(blob(makeHtml()), 'image/png')).to.deep.equal({ constraint: 'content', expected: 'image/png', actual: 'text/html' });
    expect(await checkFileContent(blob(makeSvg()), 'image/jpeg')).to.deep.include({ actual: 'image/svg+xml' });
    expect(await checkFileContent(blob(makeElf()), 'image/gif')).to.deep.include({ actual: 'application/x-elf' });
    expect(await checkFileContent(blob(makePng()), 'text/plain')).to.deep.include({ actual: 'image/png' });
  });

  it('reads only the first KiB of a large file', async () => {
    const big = new Blob([new Uint8Array(makePng()), new Uint8Array(8 * 1024 * 1024)]);
    let asked = 0;
    const sliced = Object.assign(Object.create(big) as Blob, {
      slice: (start?: number, end?: number) => {
        asked = (end ?? big.size) - (start ?? 0);
        return big.slice(start, end);
      },
    });
    expect(await checkFileContent(sliced, 'image/png')).to.equal(undefined);
    expect(asked).to.equal(1024);
  });

  describe('uploadWithGrant({ checkContent: true })', () => {
    let server: Server;
    let url: string;
    let requests = 0;
    before(async () => {
      server = createServer((req, res) => {
        requests += 1;
        req.resume();
        req.on('end', () => res.writeHead(200).end());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/up`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('refuses before sending anything when the bytes are not the granted type', async () => {
      requests = 0;
      const grant = { method: 'PUT' as const, url, headers: { 'content-type': 'image/png' }, constraints: { contentType: 'image/png' } };
      const error = await uploadWithGrant(grant, blob(makeHtml()), { checkContent: true, transport: 'fetch' }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UploadError);
      expect((error as UploadError).code).to.equal('content-mismatch');
      expect((error as UploadError).providerMessage).to.include('text/html');
      expect(requests).to.equal(0);
    });

    it('sends a file that fits, and without the option sends anything (the server decides)', async () => {
      requests = 0;
      const grant = { method: 'PUT' as const, url, headers: { 'content-type': 'image/png' } };
      expect((await uploadWithGrant(grant, blob(makePng()), { checkContent: true, transport: 'fetch' })).status).to.equal(200);
      expect((await uploadWithGrant(grant, blob(makeHtml()), { transport: 'fetch' })).status).to.equal(200);
      expect(requests).to.equal(2);
    });
  });
});
