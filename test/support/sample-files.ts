// Small but real files of the formats the content check knows, made in code so the tests carry no
// binary fixtures: a PNG with zlib-compressed pixels, a baseline JPEG, a hand-written PDF, an MP4
// (ftyp + moov), and a DOCX as a store-only zip. Plus what an attacker would upload instead:
// HTML, SVG, a plain ZIP, an ELF and a PE executable.
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** A 2x2 RGB PNG: signature, IHDR, one IDAT (zlib), IEND, every chunk with its CRC. */
export function makePng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    return Buffer.concat([u32be(data.length), body, u32be(crc32(body))]);
  };
  const ihdr = Buffer.concat([u32be(2), u32be(2), Buffer.from([8, 2, 0, 0, 0])]);
  // Each row: filter byte 0, then 2 RGB pixels.
  const pixels = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

/** A JPEG's opening segments (SOI, APP0 JFIF, DQT, SOF0) and EOI: what every JPEG starts with. */
export function makeJpeg(): Buffer {
  const app0 = Buffer.from('ffe000104a46494600010100000100010000', 'hex');
  const dqt = Buffer.concat([Buffer.from('ffdb004300', 'hex'), Buffer.alloc(64, 1)]);
  const sof0 = Buffer.from('ffc0000b080001000101011100', 'hex');
  return Buffer.concat([Buffer.from('ffd8', 'hex'), app0, dqt, sof0, Buffer.from('ffd9', 'hex')]);
}

/** A one-page PDF with a correct cross-reference table. */
export function makePdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) body += `${String(o).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

function box(type: string, ...content: Buffer[]): Buffer {
  const data = Buffer.concat(content);
  return Buffer.concat([u32be(8 + data.length), Buffer.from(type, 'latin1'), data]);
}

/** An MP4 (ISO BMFF): ftyp (isom brand, mp41/isom compatible) and a moov with its mvhd. */
export function makeMp4(): Buffer {
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), u32be(512), Buffer.from('isomiso2mp41', 'latin1'));
  const mvhd = box('mvhd', Buffer.alloc(4), u32be(0), u32be(0), u32be(1000), u32be(0), u32be(0x00010000), Buffer.from([1, 0]), Buffer.alloc(10), Buffer.alloc(36), Buffer.alloc(24), u32be(2));
  return Buffer.concat([ftyp, box('moov', mvhd)]);
}

/** A store-only zip (no compression) of the given entries, central directory and all. */
export function makeZip(entries: readonly (readonly [name: string, content: string | Buffer])[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(0, 8); // method: stored
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A minimal Word document: [Content_Types].xml, the package relationships, word/document.xml. */
export function makeDocx(): Buffer {
  const contentTypes =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
  const rels =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
  const document =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' +
    '<w:body><w:p><w:r><w:t>upgrant</w:t></w:r></w:p></w:body></w:document>';
  return makeZip([
    ['[Content_Types].xml', contentTypes],
    ['_rels/.rels', rels],
    ['word/document.xml', document],
  ]);
}

/** A plain zip archive (no office structure). */
export function makePlainZip(): Buffer {
  return makeZip([['notes.txt', 'hello from a zip\n']]);
}

/** About 400 bytes of HTML with a script: what an "avatar" that is really a page looks like. */
export function makeHtml(): Buffer {
  return Buffer.from(`<!DOCTYPE html>\n<html><head><title>avatar</title></head><body><script>document.title = document.cookie;</script>${'<p>x</p>'.repeat(36)}</body></html>\n`, 'utf8');
}

/** An SVG image carrying a script. */
export function makeSvg(): Buffer {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.domain)</script><rect width="10" height="10"/></svg>\n',
    'utf8',
  );
}

/** A 64-bit little-endian ELF header (x86-64 executable), padded like the start of a program. */
export function makeElf(): Buffer {
  const header = Buffer.alloc(128);
  Buffer.from('7f454c46020101000000000000000000', 'hex').copy(header, 0);
  header.writeUInt16LE(2, 16); // ET_EXEC
  header.writeUInt16LE(0x3e, 18); // EM_X86_64
  header.writeUInt32LE(1, 20); // EV_CURRENT
  header.writeUInt16LE(64, 52); // header size
  return header;
}

/** A PE/COFF executable's start: the MZ stub pointing at a "PE\0\0" header for x86-64. */
export function makePe(): Buffer {
  const file = Buffer.alloc(512);
  file.write('MZ', 0, 'latin1');
  file.writeUInt32LE(0x80, 0x3c); // e_lfanew
  file.write('PE\0\0', 0x80, 'latin1');
  file.writeUInt16LE(0x8664, 0x84); // Machine: AMD64
  file.writeUInt16LE(1, 0x86); // one section
  file.writeUInt16LE(0xf0, 0x94); // optional header size
  file.writeUInt16LE(0x22, 0x96); // characteristics: executable, large address aware
  file.writeUInt16LE(0x20b, 0x98); // PE32+
  return file;
}

/** Write a real file's first bytes over the start of `data` (in place), so random test data passes the content check. */
export function stamp<T extends Uint8Array>(data: T, header: Uint8Array): T {
  data.set(header.subarray(0, data.length), 0);
  return data;
}

/**
 * n bytes of random text (hex digits), the body for a text content type: random bytes now and then
 * begin like a known binary format (compress's 1F 9D, a PNG, ...), which the content check rightly
 * refuses, so a test sending them under text/* fails once in a while.
 */
export function textBytes(n: number): Uint8Array {
  return new Uint8Array(Buffer.from(randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n), 'latin1'));
}
