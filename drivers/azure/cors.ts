// CORS for browser uploads: Blob service properties (account-wide on Azure; there are no
// per-container rules). Existing rules for other origins are kept; ours replace any rule with the
// same origins, so running it twice changes nothing.
import type { CorsRule } from '@azure/storage-blob';
import type { CorsApplier } from '../driver.js';
import { validateCorsOrigins } from '../../src/http-values.js';
import { connect } from './factory.js';
import { wrapDriverError } from '../../src/wrap-driver-error.js';
import { codeOf, configProblemOf } from './errors.js';
import { DRIVER_NAME } from './driver.js';
import type { AzureDriverOptions } from './options.js';

/** Headers a grant makes the browser send (PUT) and read (ETag for multi-step clients). */
const ALLOWED_HEADERS = ['content-type', 'content-md5', 'if-none-match', 'x-ms-blob-type', 'x-ms-blob-content-type', 'x-ms-version', 'x-ms-client-request-id', 'x-ms-meta-upgrant_record'];
const EXPOSED_HEADERS = ['etag', 'x-ms-request-id', 'x-ms-version', 'content-md5', 'x-ms-error-code'];

/** The rule upgrant sets for these origins (validated: validateCorsOrigins). */
export function corsRule(origins: readonly string[]): CorsRule {
  return {
    allowedOrigins: origins.join(','),
    allowedMethods: 'PUT,GET,HEAD,OPTIONS',
    allowedHeaders: ALLOWED_HEADERS.join(','),
    exposedHeaders: EXPOSED_HEADERS.join(','),
    maxAgeInSeconds: 3600,
  };
}

export const applyCors: CorsApplier<AzureDriverOptions> = async (options, origins) => {
  const ours = corsRule(validateCorsOrigins(origins));
  const { container, credentials, service: client } = await connect(options);
  const service = await client();
  try {
    const current = await service.getProperties();
    const kept = (current.cors ?? []).filter((rule) => rule.allowedOrigins !== ours.allowedOrigins);
    const rules = [...kept, ours];
    await service.setProperties({ cors: rules });
    return { provider: DRIVER_NAME, bucket: container, rules };
  } catch (error) {
    // applyCors runs outside a presigner (the CLI): wrap the SDK's error here, as src/ would.
    const userDelegation = credentials.kind === 'userDelegation';
    throw wrapDriverError({ name: 'azure', bucket: container, errorCode: codeOf, configProblem: (e) => configProblemOf(e, userDelegation) }, 'apply CORS', undefined, error);
  }
};
