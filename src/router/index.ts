// Upload routes: the server side an app mounts instead of writing its own upload endpoints.
export { createUploadRouter, refuse, type UploadRouter, type UploadRouterOptions, type RouteMap, type RouteAction, type AuthorizeInfo, type NativeRequest, type UploadedEvent, type RejectedEvent } from './router.js';
export { uploadRoute, type UploadRoute, type UploadRouteOptions, type UploadContext } from './route.js';
export type { KeyInput, KeyTemplate } from './key.js';
export type { CorsOptions } from './cors.js';
export { RouterError, type RouterErrorCode, type WireFile, type WireGrantRequest, type WireGrant, type WireSingleGrant, type WireMultipartGrant, type WireGrantAnswer, type WireBatchAnswer, type WireObjectAnswer, type WirePartsAnswer, type WireError } from './wire.js';
