// Browser POST policy (S3 "POST Object" with a SigV4-signed policy document), built directly
// rather than through @aws-sdk/s3-presigned-post: the SDK reads its own clock (so known-answer
// tests cannot pin it) and awaits its credential and endpoint providers per call. The signature
// is the same: hex HMAC-SHA256 of the base64 policy with the day's derived key (proven by the
// published `s3-doc-post-policy-browser-upload` vector, and cross-checked against the SDK).
import type { SigV4Credentials, SigV4Signer } from './sigv4.js';
import { ALGORITHM, amzDate } from './sigv4.js';

export interface PostPolicyInput {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly minSize: number;
  readonly maxSize: number;
  /** Base64 MD5 of the file: S3 checks the Content-MD5 form field against the body. */
  readonly contentMd5?: string;
  /** x-amz-meta-* fields, each bound by an exact-match condition. */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly expiresIn: number;
  readonly now: Date;
  readonly credentials: SigV4Credentials;
}

/** The decoded policy document (what S3 checks the form against). */
export interface PostPolicyDocument {
  readonly expiration: string;
  readonly conditions: readonly unknown[];
}

/**
 * Form fields in the order the form needs them (S3 ignores field order except that `file` comes
 * last). Every field is named in the policy, so S3 refuses a form that adds or changes one.
 */
export function signPostPolicy(signer: SigV4Signer, input: PostPolicyInput): Record<string, string> {
  const stamp = amzDate(input.now);
  const credential = `${input.credentials.accessKeyId}/${signer.scope(stamp.slice(0, 8))}`;
  const token = input.credentials.sessionToken;
  const expiration = new Date(input.now.getTime() + input.expiresIn * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

  const conditions: unknown[] = [
    { bucket: input.bucket },
    { key: input.key },
    ['eq', '$Content-Type', input.contentType],
    ['content-length-range', input.minSize, input.maxSize],
  ];
  const fields: Record<string, string> = { key: input.key, 'Content-Type': input.contentType };
  if (input.contentMd5 !== undefined) {
    conditions.push({ 'Content-MD5': input.contentMd5 });
    fields['Content-MD5'] = input.contentMd5;
  }
  for (const [name, value] of Object.entries(input.metadata ?? {})) {
    conditions.push({ [`x-amz-meta-${name}`]: value });
    fields[`x-amz-meta-${name}`] = value;
  }
  conditions.push({ 'x-amz-algorithm': ALGORITHM }, { 'x-amz-credential': credential }, { 'x-amz-date': stamp });
  fields['X-Amz-Algorithm'] = ALGORITHM;
  fields['X-Amz-Credential'] = credential;
  fields['X-Amz-Date'] = stamp;
  if (token) {
    conditions.push({ 'x-amz-security-token': token });
    fields['X-Amz-Security-Token'] = token;
  }
  const document: PostPolicyDocument = { expiration, conditions };
  const policy = Buffer.from(JSON.stringify(document), 'utf8').toString('base64');
  fields.Policy = policy;
  fields['X-Amz-Signature'] = signer.signPolicy(policy, input.credentials, input.now);
  return fields;
}

/** Decode a base64 policy (for tests and for apps that want to show what a grant allows). */
export function decodePostPolicy(policy: string): PostPolicyDocument {
  return JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as PostPolicyDocument;
}
