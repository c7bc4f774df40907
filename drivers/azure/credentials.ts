// Which credentials sign: a connection string, an account name + key, or an account name alone
// (Entra ID, user delegation SAS). Errors name the environment variable to fix.
import { ConfigError } from '../../src/errors.js';
import { validateEndpointUrl } from '../../src/http-values.js';
import type { AzureDriverOptions } from './options.js';

/** Azurite's well-known development account (published in Microsoft's Azurite docs). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export const ENV_CONNECTION_STRING = 'AZURE_STORAGE_CONNECTION_STRING';
export const ENV_ACCOUNT = 'AZURE_STORAGE_ACCOUNT';
export const ENV_KEY = 'AZURE_STORAGE_KEY';

export type ResolvedCredentials =
  | { readonly kind: 'sharedKey'; readonly accountName: string; readonly accountKey: string; readonly endpoint: string }
  | { readonly kind: 'userDelegation'; readonly accountName: string; readonly endpoint: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Storage account names: 3-24 lower-case letters and digits.
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

/** Resolve the options to one signing mode, or throw ConfigError naming what to set. */
export function resolveCredentials(options: AzureDriverOptions): ResolvedCredentials {
  if (options.connectionString !== undefined) {
    if (options.accountKey !== undefined) {
      throw new ConfigError(ENV_KEY, `give either ${ENV_CONNECTION_STRING} or ${ENV_ACCOUNT} + ${ENV_KEY}, not both`);
    }
    return fromConnectionString(options.connectionString, options.endpoint);
  }
  const accountName = options.accountName;
  if (accountName === undefined || accountName === '') {
    throw new ConfigError(ENV_CONNECTION_STRING, `set ${ENV_CONNECTION_STRING}, or ${ENV_ACCOUNT} (with ${ENV_KEY}, or alone for Entra ID user delegation SAS)`);
  }
  checkAccountName(accountName, ENV_ACCOUNT);
  const endpoint = validateEndpointUrl(options.endpoint ?? `https://${accountName}.blob.core.windows.net`, 'endpoint');
  if (options.accountKey === undefined) return { kind: 'userDelegation', accountName, endpoint };
  checkKey(options.accountKey, ENV_KEY);
  return { kind: 'sharedKey', accountName, accountKey: options.accountKey, endpoint };
}

/** Parse "Key=Value;..." (values may contain "=", as base64 keys do). */
export function parseConnectionString(connectionString: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new ConfigError(ENV_CONNECTION_STRING, `"${trimmed.slice(0, 40)}" is not Key=Value`);
    parts.set(trimmed.slice(0, eq).toLowerCase(), trimmed.slice(eq + 1));
  }
  return parts;
}

function fromConnectionString(connectionString: string, endpointOverride: string | undefined): ResolvedCredentials {
  const parts = parseConnectionString(connectionString);
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
    // Azurite's documented default; the proxy URI, when given, replaces host and port.
    const proxy = parts.get('developmentstorageproxyuri') ?? 'http://127.0.0.1';
    const base = new URL(proxy);
    const endpoint = endpointOverride ?? `${base.protocol}//${base.hostname}:10000/${DEV_ACCOUNT}`;
    return { kind: 'sharedKey', accountName: DEV_ACCOUNT, accountKey: DEV_ACCOUNT_KEY, endpoint: validateEndpointUrl(endpoint, 'endpoint') };
  }
  const accountName = parts.get('accountname');
  const accountKey = parts.get('accountkey');
  if (!accountName || !accountKey) {
    const what = parts.has('sharedaccesssignature') ? 'a SAS connection string cannot sign new grants; ' : '';
    throw new ConfigError(ENV_CONNECTION_STRING, `${what}it needs AccountName and AccountKey (or UseDevelopmentStorage=true)`);
  }
  checkAccountName(accountName, ENV_CONNECTION_STRING);
  checkKey(accountKey, ENV_CONNECTION_STRING);
  const protocol = parts.get('defaultendpointsprotocol') ?? 'https';
  const suffix = parts.get('endpointsuffix') ?? 'core.windows.net';
  const endpoint = endpointOverride ?? parts.get('blobendpoint') ?? `${protocol}://${accountName}.blob.${suffix}`;
  return { kind: 'sharedKey', accountName, accountKey, endpoint: validateEndpointUrl(endpoint, ENV_CONNECTION_STRING) };
}

function checkAccountName(name: string, variable: string): void {
  if (!ACCOUNT_NAME.test(name)) {
    throw new ConfigError(variable, `"${name}" is not a storage account name (3-24 lower-case letters and digits)`);
  }
}

function checkKey(key: string, variable: string): void {
  if (key === '' || !BASE64.test(key)) throw new ConfigError(variable, 'the account key must be the base64 key shown in the portal');
}

/** Local development: Azurite on loopback, or plain http. */
export function isLocalEndpoint(endpoint: string): boolean {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return url.protocol === 'http:' || host === 'localhost' || host === '::1' || /^127\./.test(host);
}
