// The content rules on real files made in code: what fits its declared type, what an attacker
// uploads instead, the three modes, and the client's small table agreeing with the server's rules.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { checkContent, CONTENT_CHECK_WINDOW } from '../../src/content-check.js';
import { detectWithSmallTable, isActiveContentType, judgeContent, sniffMarkup } from '../../src/client/content-sniff.js';
import { makeDocx, makeElf, makeHtml, makeJpeg, makeMp4, makePdf, makePe, makePlainZip, makePng, makeSvg } from '../support/sample-files.js';

const valid: [string, () => Buffer][] = [
  ['image/png', makePng],
  ['image/jpeg', makeJpeg],
  ['image/jpg', makeJpeg],
  ['application/pdf', makePdf],
  ['video/mp4', makeMp4],
  ['video/quicktime', makeMp4],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', makeDocx],
  ['application/zip', makeDocx],
  ['application/zip', makePlainZip],
  ['image/svg+xml', makeSvg],
  ['text/html', makeHtml],
  ['text/plain', () => Buffer.from('just some words\n')],
  ['application/json', () => Buffer.from('{"a": 1}')],
  ['application/octet-stream', () => randomBytes(64).fill(1, 0, 1)],
];

const attacks: [string, string, () => Buffer, string][] = [
  ['HTML under image/png', 'image/png', makeHtml, 'text/html'],
  ['HTML under image/jpeg', 'image/jpeg', makeHtml, 'text/html'],
  ['SVG under image/png', 'image/png', makeSvg, 'image/svg+xml'],
  ['SVG under image/gif', 'image/gif', makeSvg, 'image/svg+xml'],
  ['a ZIP under application/pdf', 'application/pdf', makePlainZip, 'application/zip'],
  ['an ELF under image/jpeg', 'image/jpeg', makeElf, 'application/x-elf'],
  ['a PE under image/png', 'image/png', makePe, 'application/x-msdownload'],
  ['a PE under an image type no detector knows', 'image/x-made-up', makePe, 'application/x-msdownload'],
  ['an ELF under image/webp', 'image/webp', makeElf, 'application/x-elf'],
  ['a PNG under text/plain', 'text/plain', makePng, 'image/png'],
  ['a PDF under text/csv', 'text/csv', makePdf, 'application/pdf'],
  ['a JPEG under image/png', 'image/png', makeJpeg, 'image/jpeg'],
  ['HTML under application/octet-stream', 'application/octet-stream', makeHtml, 'text/html'],
  ['a docx under the xlsx type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', makeDocx, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['random bytes under image/png', 'image/png', () => randomBytes(256).fill(0, 0, 1), 'unrecognised bytes'],
  ['nothing under image/png', 'image/png', () => Buffer.alloc(0), 'empty'],
];

describe('content check (verifyUpload)', () => {
  it(`reads a window of ${CONTENT_CHECK_WINDOW} bytes, the detector's own`, () => {
    expect(CONTENT_CHECK_WINDOW).to.equal(4100);
  });

  for (const [type, make] of valid) {
    it(`accepts ${make.name ? `a real ${make.name.replace(/^make/, '')}` : 'fitting bytes'} under ${type}`, async () => {
      expect(await checkContent(type, make(), 'known')).to.equal(undefined);
    });
  }

  for (const [title, type, make, actual] of attacks) {
    it(`refuses ${title}`, async () => {
      expect(await checkContent(type, make(), 'known')).to.deep.equal({ constraint: 'content', expected: type, actual });
    });
  }

  it('finds markup after a byte order mark and whitespace, in UTF-8 and UTF-16', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('\r\n \t<HTML><body>x</body></HTML>')]);
    expect((await checkContent('image/png', bom, 'known'))?.actual).to.equal('text/html');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('  <svg xmlns="http://www.w3.org/2000/svg"/>', 'utf16le')]);
    expect((await checkContent('image/gif', utf16, 'known'))?.actual).to.equal('image/svg+xml');
  });

  it('follows the WHATWG tag rule: a tag name must end with a space or ">"', () => {
    expect(sniffMarkup(Buffer.from('<p>hi</p>'))).to.equal('text/html');
    expect(sniffMarkup(Buffer.from('<!-- a comment -->'))).to.equal('text/html');
    expect(sniffMarkup(Buffer.from('<pre>x</pre>'))).to.equal(undefined);
    expect(sniffMarkup(Buffer.from('<?xml version="1.0"?><!-- c --><svg xmlns="http://www.w3.org/2000/svg"/>'))).to.equal('image/svg+xml');
    expect(sniffMarkup(Buffer.from('<?xml version="1.0"?><feed/>'))).to.equal('application/xml');
    expect(sniffMarkup(makePng())).to.equal(undefined);
  });

  it('the parameters of the declared type do not matter', async () => {
    expect(await checkContent('image/png; name=a', makePng(), 'known')).to.equal(undefined);
    expect((await checkContent('text/plain; charset=utf-8', makePng(), 'known'))?.expected).to.equal('text/plain');
  });

  it('off checks nothing', async () => {
    expect(await checkContent('image/png', makeHtml(), 'off')).to.equal(undefined);
  });

  it('known lets a type the detector cannot recognise through; strict refuses it unless allowed', async () => {
    const data = Buffer.from('a custom binary format\0\x01\x02');
    expect(await checkContent('application/x-custom', data, 'known')).to.equal(undefined);
    expect(await checkContent('application/x-custom', data, 'strict')).to.deep.equal({
      constraint: 'content',
      expected: 'application/x-custom',
      actual: 'unverifiable (the content check does not recognise application/x-custom)',
    });
    expect(await checkContent('application/x-custom', data, 'strict', ['application/x-custom'])).to.equal(undefined);
    expect(await checkContent('application/x-custom', data, 'strict', ['application/*'])).to.equal(undefined);
    // Allowed, but still never markup.
    expect((await checkContent('application/x-custom', makeHtml(), 'strict', ['application/*']))?.actual).to.equal('text/html');
  });

  it('text that merely starts like a weak signature ("MZ", "BM", "ID3") is still text', async () => {
    for (const text of ['MZ,name,value\n1,2,3\n', 'BMW,320i,2019\n', 'ID3 tags, explained\n']) {
      expect(await checkContent('text/csv', Buffer.from(text), 'known'), text).to.equal(undefined);
    }
    // The same letters with the binary that follows them in a real file are not.
    expect((await checkContent('text/plain', makePe(), 'known'))?.actual).to.equal('application/x-msdownload');
  });

  it('strict wants text to look like text', async () => {
    expect(await checkContent('text/plain', Buffer.from('words'), 'strict')).to.equal(undefined);
    expect((await checkContent('text/plain', Buffer.from('ab\0cd'), 'strict'))?.actual).to.equal('binary data');
    expect(await checkContent('text/plain', Buffer.from('ab\0cd'), 'known')).to.equal(undefined);
  });

  it('names active content', () => {
    for (const t of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'application/xml', 'text/xml', 'application/atom+xml', 'text/javascript', 'application/javascript', 'application/ecmascript', 'Text/HTML; charset=utf-8']) {
      expect(isActiveContentType(t), t).to.equal(true);
    }
    for (const t of ['image/png', 'text/plain', 'application/json', 'application/pdf', 'text/csv']) expect(isActiveContentType(t), t).to.equal(false);
  });

  describe("the client's small table", () => {
    const small = (type: string, data: Buffer) => judgeContent(type, data, 'known', detectWithSmallTable(data));

    it('accepts the same real files', () => {
      for (const [type, make] of valid) expect(small(type, make()), `${make.name} as ${type}`).to.equal(undefined);
    });

    it('refuses the same attacks, but for the formats it does not know', () => {
      for (const [title, type, make, actual] of attacks) {
        const found = small(type, make());
        if (type.includes('spreadsheetml')) expect(found, title).to.equal(undefined); // a zip to the small table
        else expect(found, title).to.deep.equal({ constraint: 'content', expected: type, actual: actual === 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' ? 'application/zip' : actual });
      }
    });
  });
});
