// upgrant/client: the browser (and Node >= 20) side of an upload grant. No Node built-ins and no
// runtime dependencies; hash-wasm is loaded only by md5Base64 and by sha256Base64 for big files.
export { backoff } from './retry.js';
export { uploadWithGrant, type ClientGrant, type UploadOptions, type UploadProgress, type UploadResult } from './upload.js';
export { uploadMultipart, isMultipartGrant, type MultipartClientGrant, type ClientPartGrant, type DonePart, type MultipartOptions, type MultipartUploadResult } from './multipart.js';
export { UploadError, type UploadErrorCode, type UploadErrorDetails } from './errors.js';
export { mapProviderError, isRetryableStatus, type ProviderAnswer, type MappedError, type MapContext } from './map-error.js';
export { sha256Base64, md5Base64, toBase64, type ChecksumOptions } from './checksum.js';
export { checkFileContent } from './check-content.js';
export { isActiveContentType, type ContentCheckMode, type ContentMismatch } from './content-sniff.js';
export { createUploadClient, UploadRouteError, type UploadClient, type UploadClientOptions, type RouteUploadOptions, type RouteUploadResult, type ResumeStore, type RouteNameOf, type RouteMetadataOf } from './route-client.js';
