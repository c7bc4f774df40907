// The grant's enforcement map, from what the driver says its storage enforces. One place decides
// strict mode for single and multipart grants alike: a constraint the storage cannot enforce is
// refused in strict mode, and otherwise reported as the driver's 'verify' or 'none'.
import type { DriverEnforcement } from '../drivers/driver.js';
import { UnsupportedConstraintError } from './errors.js';
import type { ConstraintName, Enforcement, GrantConstraints, ProviderName } from './types.js';

export function resolveEnforcement(
  provider: ProviderName,
  byDriver: DriverEnforcement,
  constraints: GrantConstraints,
  strict: boolean,
  /** How the grant is described in a strict-mode error, e.g. "PUT grant". */
  grantKind: string,
): Enforcement {
  if (strict) {
    const asked: Exclude<ConstraintName, 'content'>[] = ['expiry', 'contentType', 'size'];
    if (constraints.createOnly) asked.push('createOnly');
    if (constraints.checksum) asked.push('checksum');
    for (const name of asked) {
      const by = byDriver[name] ?? 'storage';
      if (by !== 'storage') {
        throw new UnsupportedConstraintError(provider, name, `strict mode: the storage cannot enforce ${name} for a ${grantKind} here (it would be "${by}")`);
      }
    }
  }
  return {
    key: 'storage',
    bucket: 'storage',
    expiry: byDriver.expiry ?? 'storage',
    // An overwrite grant promises nothing about existing objects.
    createOnly: constraints.createOnly ? byDriver.createOnly : 'none',
    contentType: byDriver.contentType,
    size: byDriver.size,
    ...(constraints.checksum ? { checksum: byDriver.checksum } : {}),
    // No storage looks at the bytes: only verifyUpload's content check does. Strict mode does
    // not refuse it (it would refuse every grant); it is a check on top of the storage's.
    content: constraints.contentCheck ? 'verify' : 'none',
  };
}
