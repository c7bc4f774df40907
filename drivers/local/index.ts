// upgrant/local: the local driver, its embedded receiver, and listenLocal.
// Its types are Node's (node:http, node:fs): the reference keeps them in the published d.ts, so a
// consumer on TypeScript 7's default `types` (none) still compiles, given @types/node installed.
/// <reference types="node" preserve="true" />
export { DRIVER_NAME, LocalDriver } from './driver.js';
export { DEFAULT_LOCAL_BUCKET, localBucketName, localDriver } from './config.js';
export { createDriver } from './factory.js';
export { listenLocal, type ListenLocalOptions, type LocalReceiver } from './listen.js';
export { localRequestHandler, type LocalReceiverOptions, type LocalRequestHandler } from './receiver.js';
export type { ReceiverErrorCode } from './http-answers.js';
export type { LocalDriverOptions } from './options.js';
