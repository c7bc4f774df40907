import { expect } from 'chai';
import { keyFor, safeFileName } from '../../src/key-for.js';
import { TokenSealer } from '../../src/token.js';
import { normalizeContentType, validateKey, validateOrigin } from '../../src/validate.js';
import { InvalidRequestError } from '../../src/errors.js';

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
      expect(() => new TokenSealer('s'.repeat(31))).to.throw(InvalidRequestError, /^secret: /);
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
