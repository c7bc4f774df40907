import { expect } from 'chai';
import { keyFor, safeFileName } from '../../src/key-for.js';
import { TokenSealer } from '../../src/token.js';
import { normalizeContentType, validateKey, validateOrigin } from '../../src/validate.js';
import { ConfigError, InvalidRequestError } from '../../src/errors.js';
import { contentDisposition } from '../../src/content-disposition.js';
import { validateCorsOrigins, validateEndpointUrl, validateSecret } from '../../src/http-values.js';

describe('validation rules', () => {
  it('normalises keys to NFC', () => {
    expect(validateKey('cafe\u0301.txt')).to.equal('caf\u00e9.txt');
  });

  it('refuses lone surrogates and bidi/line separators in keys', () => {
    for (const key of ['a\ud800b', 'a\u2028b', 'a\u0085b']) expect(() => validateKey(key)).to.throw(InvalidRequestError, /^key: /);
  });

  it('canonicalises content types so the signed and the sent form agree', () => {
    expect(normalizeContentType('Text/Plain ;Charset=UTF-8')).to.equal('text/plain; charset=UTF-8');
    expect(() => normalizeContentType('text/plain; charset')).to.throw(InvalidRequestError);
    expect(() => normalizeContentType('text/ plain')).to.throw(InvalidRequestError);
  });

  describe('keyFor', () => {
    const hostile: Array<[string, RegExp]> = [
      ['../../etc/passwd', /^passwd$/],
      ['C:\\fakepath\\Cat Photo (1).PNG', /^Cat-Photo-1\.png$/],
      ['\u0000\u202e.exe', /^exe$/],
      ['..', /^file$/],
      ['<script>alert(1)</script>.html', /^script\.html$/],
      ['é'.repeat(300) + '.jpg', /^é{96}\.jpg$/],
    ];
    for (const [name, expected] of hostile) {
      it(`makes a safe last segment of ${JSON.stringify(name).slice(0, 40)}`, () => {
        const safe = safeFileName(name);
        expect(() => validateKey(safe)).to.not.throw();
        expect(safe).to.not.match(/[/\\]/);
        expect(safe).to.match(expected);
      });
    }

    it('puts a 128-bit random segment under the prefix', () => {
      const keys = new Set(Array.from({ length: 1000 }, () => keyFor('avatars/2026', 'me.png')));
      expect(keys.size).to.equal(1000);
      for (const key of keys) expect(key).to.match(/^avatars\/2026\/[0-9a-f]{32}\/me\.png$/);
    });

    it('refuses an unsafe prefix', () => {
      expect(() => keyFor('../x', 'a.png')).to.throw(InvalidRequestError, /^prefix: /);
    });
  });

  describe('grant tokens', () => {
    const grant = { provider: 'local' as const, bucket: 'b', key: 'k', expiresAt: 1, constraints: { contentType: 'a/b', minSize: 1, maxSize: 1, createOnly: true } };

    it('round-trips and refuses another secret', () => {
      const token = new TokenSealer('s'.repeat(32)).seal(grant);
      expect(new TokenSealer('s'.repeat(32)).open(token)).to.deep.equal(grant);
      expect(() => new TokenSealer('t'.repeat(32)).open(token)).to.throw(InvalidRequestError, /^token: /);
    });

    it('refuses a secret under 32 bytes', () => {
      expect(() => new TokenSealer('s'.repeat(31))).to.throw(ConfigError, /^secret: /);
    });
  });

  it('takes an origin exactly as a browser sends it, and refuses anything else naming origin', () => {
    expect(validateOrigin(undefined)).to.equal(undefined);
    for (const ok of ['https://app.example', 'http://127.0.0.1:5173', 'https://xn--bcher-kva.example:8443']) expect(validateOrigin(ok)).to.equal(ok);
    for (const bad of ['https://app.example/', 'https://app.example/page', 'null', 'ftp://x.example', 'https://APP.example', 'app.example', 42, 'https://a.example?x=1']) {
      expect(() => validateOrigin(bad), String(bad)).to.throw(InvalidRequestError).with.property('field', 'origin');
    }
  });
});

describe('HTTP values (src/http-values.ts, the one place drivers rely on)', () => {
  it('CORS origins: exact origins or *, nothing after the port, at least one', () => {
    expect(validateCorsOrigins(['https://app.example.com', '*', 'http://127.0.0.1:8080'])).to.deep.equal(['https://app.example.com', '*', 'http://127.0.0.1:8080']);
    for (const bad of ['https://app.example.com/', 'https://app.example.com?x=1', 'https://app.example.com/path', 'app.example.com', 'ftp://x.example', '', 'https://a.example#f']) {
      expect(() => validateCorsOrigins([bad]), bad).to.throw(InvalidRequestError, /^origins\[0\]: /);
    }
    expect(() => validateCorsOrigins([])).to.throw(InvalidRequestError, /^origins: /);
  });

  it('endpoint URLs: http(s), no query, fragment or user info; trailing slashes dropped; host:port gets http:// where asked', () => {
    expect(validateEndpointUrl('http://127.0.0.1:9000/', 'AWS_ENDPOINT_URL_S3')).to.equal('http://127.0.0.1:9000');
    expect(validateEndpointUrl('http://127.0.0.1:10000/devstoreaccount1/', 'endpoint')).to.equal('http://127.0.0.1:10000/devstoreaccount1');
    expect(validateEndpointUrl('127.0.0.1:4443', 'STORAGE_EMULATOR_HOST', { defaultScheme: true, keepPath: false })).to.equal('http://127.0.0.1:4443');
    for (const bad of ['localhost:9000', 'ftp://x', 'http://x/?a=1', 'http://x/#f', 'http://u:p@x', '']) {
      expect(() => validateEndpointUrl(bad, 'AWS_ENDPOINT_URL_S3'), bad).to.throw(ConfigError).with.property('variable', 'AWS_ENDPOINT_URL_S3');
    }
  });

  it('the secret: a configuration fault, a ConfigError naming the variable', () => {
    expect(validateSecret('s'.repeat(32))).to.equal('s'.repeat(32));
    expect(() => validateSecret('é'.repeat(15) + 'a')).to.throw(ConfigError).with.property('variable', 'UPGRANT_SECRET');
    expect(() => new TokenSealer('s'.repeat(32), ['short'])).to.throw(ConfigError).with.property('variable', 'previousSecrets[0]');
  });
});

describe('Content-Disposition (RFC 6266 / RFC 8187)', () => {
  it('escapes % (and quote, backslash, non-ASCII) in the fallback name; filename* carries the exact name', () => {
    expect(contentDisposition('attachment', '100% "ok"\\.txt')).to.equal(`attachment; filename="100_ _ok__.txt"; filename*=UTF-8''100%25%20%22ok%22%5C.txt`);
    expect(contentDisposition('inline', 'résumé (1).pdf')).to.equal(`inline; filename="r_sum_ (1).pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.pdf`);
    expect(contentDisposition('attachment')).to.equal('attachment');
  });

  it('leaves nothing a header could be split on', () => {
    const value = contentDisposition('attachment', 'a\r\nSet-Cookie: x=1');
    expect(value).to.not.match(/[\r\n]/);
  });
});
