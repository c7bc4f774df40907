// upgrant: typed, expiring, single-use upload grants for S3, GCS, Azure Blob and a local directory.
export { createPresigner, type PresignerConfig, type LocalPresignerConfig, type S3PresignerConfig, type GcsPresignerConfig, type AzurePresignerConfig, type RegisteredPresignerConfig } from './create-presigner.js';
export { loadConfig, presignerFromEnv, type Env } from './config.js';
export {
  PRESIGNER,
  DRIVER,
  POLICY,
  UPLOAD_ROUTER,
  DRIVER_REGISTRATION,
  PRESIGNER_CONFIG,
  driverModule,
  presignerModule,
  presignerFromEnvModule,
  presignerOnDriverModule,
  uploadRouterModule,
} from './container.js';
export { keyFor, safeFileName } from './key-for.js';
export { PortablePresigner } from './presigner.js';
export { checkContent, CONTENT_CHECK_WINDOW, DEFAULT_CONTENT_CHECK, isActiveContentType } from './content-check.js';
export { DEFAULT_GRANT_EXPIRY, MAX_GRANT_EXPIRY, MAX_KEY_BYTES } from './validate.js';
export { DEFAULT_STAGING_PREFIX } from './staging-prefix.js';
export { parseStorageEvent, eventGridValidationResponse, MAX_EVENT_BYTES, type StorageObjectEvent, type LocalUploadEvent } from './storage-events.js';
export {
  UpgrantError,
  InvalidRequestError,
  ConfigError,
  UnsupportedConstraintError,
  UploadRejectedError,
  GrantExpiredError,
  ObjectNotFoundError,
  ProviderError,
  errorAs,
  DRIVER_ERROR_CODES,
  type UpgrantErrorCode,
  type DriverErrorCode,
  type ErrorClass,
} from './errors.js';
export { DriverError } from '../drivers/error-codes.js';
export type * from './types.js';
export type { Driver, ConfigProblem, DriverEnforcement, DriverLimits, HeadOptions, ObjectInfo, SignUploadRequest, SignedUpload, SignDownloadRequest, SignedDownload, CorsResult, LifecycleResult, LifecycleRule, StagingDriver, ListedPage, DriverRegistration, DriverEntry, DriverFactory, BucketNameRule } from '../drivers/driver.js';
export { DEFAULT_LIFECYCLE_DAYS, type LifecycleOptions } from './lifecycle.js';
export * from './router/index.js';
