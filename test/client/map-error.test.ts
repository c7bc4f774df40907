// Error mapping against the answers real storage gave (captured by test/client/capture-bodies.ts
// from the local receiver, Swift's s3api, Azurite and the GCS stand-in), then the documented
// provider codes no emulator here produces (AWS and Azure themselves).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { isRetryableStatus, mapProviderError, type MapContext, type UploadErrorCode } from '../../src/client/index.js';

interface Captured {
  provider: string;
  case: string;
  status: number;
  errorCodeHeader?: string;
  body: string;
}

const captured = JSON.parse(readFileSync(new URL('./fixtures/provider-bodies.json', import.meta.url), 'utf8')) as Captured[];
const PAST = '2000-01-01T00:00:00.000Z';
const FUTURE = '2999-01-01T00:00:00.000Z';

// provider/case -> [expected code, context the client has at that point, provider code]
const EXPECTED: Record<string, [UploadErrorCode, MapContext, string]> = {
  'local/tampered-signature': ['forbidden', { expiresAt: FUTURE }, 'forbidden'],
  'local/expired': ['expired', {}, 'expired'],
  'local/exists': ['exists', {}, 'exists'],
  'local/wrong-type': ['type-mismatch', {}, 'type-mismatch'],
  'local/too-large': ['too-large', {}, 'too-large'],
  'local/too-large-range': ['too-large', {}, 'too-large'],
  'local/wrong-md5': ['checksum-mismatch', {}, 'checksum-mismatch'],
  'local/wrong-sha256': ['checksum-mismatch', {}, 'checksum-mismatch'],
  's3-swift/tampered-signature': ['forbidden', { expiresAt: FUTURE, size: 1000, minSize: 1000, maxSize: 1000 }, 'SignatureDoesNotMatch'],
  's3-swift/expired': ['expired', {}, 'AccessDenied'],
  // Swift signs content-type and content-length: a wrong type is only a bad signature...
  's3-swift/wrong-type': ['forbidden', { expiresAt: FUTURE, size: 1000, minSize: 1000, maxSize: 1000 }, 'SignatureDoesNotMatch'],
  // ...but a wrong size is explained by the size the client sent.
  's3-swift/too-large': ['too-large', { expiresAt: FUTURE, size: 1500, minSize: 1000, maxSize: 1000 }, 'SignatureDoesNotMatch'],
  's3-swift/wrong-md5': ['checksum-mismatch', {}, 'BadDigest'],
  'azure-azurite/tampered-signature': ['forbidden', { expiresAt: FUTURE }, 'AuthorizationFailure'],
  // Azurite answers an expired SAS like a tampered one; the grant's expiry tells them apart.
  'azure-azurite/expired': ['expired', { expiresAt: PAST }, 'AuthorizationFailure'],
  'azure-azurite/exists': ['exists', { createOnly: true }, 'AuthorizationPermissionMismatch'],
  'azure-azurite/wrong-md5': ['checksum-mismatch', {}, 'InvalidOperation'],
  'gcs-standin/tampered-signature': ['forbidden', { expiresAt: FUTURE }, 'SignatureDoesNotMatch'],
  'gcs-standin/expired': ['expired', {}, 'ExpiredToken'],
  'gcs-standin/exists': ['exists', {}, 'PreconditionFailed'],
  'gcs-standin/wrong-type': ['forbidden', { expiresAt: FUTURE }, 'SignatureDoesNotMatch'],
  'gcs-standin/too-large': ['too-large', {}, 'EntityTooLarge'],
  'gcs-standin/too-large-range': ['too-large', {}, 'EntityTooLarge'],
  'gcs-standin/wrong-md5': ['checksum-mismatch', {}, 'BadDigest'],
};

describe('client: provider error bodies -> UploadError codes', () => {
  it('has a captured answer for every expected case, and an expectation for every captured answer', () => {
    const keys = captured.map((c) => `${c.provider}/${c.case}`);
    expect(keys.sort()).to.deep.equal(Object.keys(EXPECTED).sort());
  });

  for (const answer of captured) {
    const key = `${answer.provider}/${answer.case}`;
    it(`${key} (${answer.status}) -> ${EXPECTED[key]?.[0]}`, () => {
      const [code, context, providerCode] = EXPECTED[key]!;
      const mapped = mapProviderError({ status: answer.status, body: answer.body, errorCodeHeader: answer.errorCodeHeader }, context);
      expect(mapped.code).to.equal(code);
      expect(mapped.providerCode).to.equal(providerCode);
      expect(mapped.providerMessage ?? '').to.not.include('<');
    });
  }

  it('Azurite: the same AuthorizationPermissionMismatch on a grant that is not create-only stays forbidden', () => {
    const exists = captured.find((c) => c.provider === 'azure-azurite' && c.case === 'exists')!;
    expect(mapProviderError({ status: exists.status, body: exists.body }).code).to.equal('forbidden');
  });

  it('Azure and S3 codes no emulator here produces, from the providers\' documentation', () => {
    const xml = (code: string, message: string, detail = '') =>
      `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message>${detail ? `<AuthenticationErrorDetail>${detail}</AuthenticationErrorDetail>` : ''}</Error>`;
    const cases: [number, string, UploadErrorCode][] = [
      [403, xml('AuthenticationFailed', 'Server failed to authenticate the request.', 'Signed expiry time [Tue, 01 Jan 2030 00:00:00 GMT] must be after signed start time [Wed, 02 Jan 2030 00:00:00 GMT]'), 'expired'],
      [403, xml('AuthenticationFailed', 'Server failed to authenticate the request.', 'Signature did not match. String to sign used was c'), 'forbidden'],
      [409, xml('BlobAlreadyExists', 'The specified blob already exists.'), 'exists'],
      [412, xml('ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.'), 'exists'],
      [400, xml('Md5Mismatch', 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.'), 'checksum-mismatch'],
      [413, xml('RequestBodyTooLarge', 'The request body is too large.'), 'too-large'],
      [412, xml('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'), 'exists'],
      [409, xml('ConditionalRequestConflict', 'A conflicting conditional operation is currently in progress'), 'exists'],
      [400, xml('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.'), 'too-small'],
      [400, xml('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size'), 'too-large'],
      [400, xml('XAmzContentChecksumMismatch', 'The provided x-amz-checksum header does not match what was computed.'), 'checksum-mismatch'],
      [400, xml('InvalidDigest', 'The Content-MD5 you specified is not valid.'), 'checksum-mismatch'],
      [403, xml('AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]'), 'type-mismatch'],
      [403, xml('AccessDenied', 'Invalid according to Policy: Policy expired.'), 'expired'],
      [403, xml('AccessDenied', 'Access Denied'), 'forbidden'],
      [400, xml('ExpiredToken', 'The provided token has expired.'), 'expired'],
      [501, xml('NotImplemented', 'A header you provided implies functionality that is not implemented.'), 'unknown'],
      [403, 'not xml at all', 'forbidden'],
      [409, '', 'exists'],
      [413, '<html>too big</html>', 'too-large'],
      [500, '', 'unknown'],
    ];
    for (const [status, body, code] of cases) expect(mapProviderError({ status, body }).code, body).to.equal(code);
  });

  it('GCS upload sessions (JSON API error bodies), from GCS\'s documentation', () => {
    const json = (code: number, message: string, reason?: string) => JSON.stringify({ error: { code, message, errors: [{ domain: 'global', message, ...(reason ? { reason } : {}) }] } });
    const cases: [number, string, UploadErrorCode, string | undefined][] = [
      [412, json(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet'), 'exists', 'conditionNotMet'],
      [400, json(400, 'Provided MD5 hash "Q2hlY2sgSW50ZWdyaXR5IQ==" doesn\'t match calculated MD5 hash "1B2M2Y8AsgTpgAmY7PhCfg==".', 'invalid'), 'checksum-mismatch', 'invalid'],
      [404, json(404, 'No such upload session'), 'expired', undefined],
      [410, json(410, 'The upload session has expired.'), 'expired', undefined],
      [400, json(400, 'Failed to parse Content-Range header.'), 'unknown', undefined],
      [403, json(403, 'Access denied.', 'forbidden'), 'forbidden', 'forbidden'],
    ];
    for (const [status, body, code, providerCode] of cases) {
      const mapped = mapProviderError({ status, body });
      expect(mapped.code, body).to.equal(code);
      expect(mapped.providerCode, body).to.equal(providerCode);
      expect(mapped.providerMessage, body).to.equal((JSON.parse(body) as { error: { message: string } }).error.message);
    }
  });

  it('takes the code from x-ms-error-code when the body has none (HEAD-like answers)', () => {
    expect(mapProviderError({ status: 409, body: '', errorCodeHeader: 'BlobAlreadyExists' })).to.deep.include({ code: 'exists', providerCode: 'BlobAlreadyExists' });
  });

  it('retries server trouble and throttling, never a refusal', () => {
    expect(isRetryableStatus(503, 'SlowDown')).to.equal(true);
    expect(isRetryableStatus(500)).to.equal(true);
    expect(isRetryableStatus(502)).to.equal(true);
    expect(isRetryableStatus(429)).to.equal(true);
    for (const status of [400, 401, 403, 404, 409, 412, 413, 415]) expect(isRetryableStatus(status), String(status)).to.equal(false);
  });
});
