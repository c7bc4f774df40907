// upgrant/local: the local driver, its embedded receiver, and listenLocal.
// Its types are Node's (node:http, node:fs): the reference keeps them in the published d.ts, so a
// consumer on TypeScript 7's default `types` (none) still compiles, given @types/node installed.
/// <reference types="node" preserve="true" />
import { registerDriver } from '../../src/driver-registry.js';
import type { DriverFactory } from '../driver.js';
import { LocalDriver } from './driver.js';
import type { LocalDriverOptions } from './options.js';

export { DRIVER_NAME, DEFAULT_LOCAL_BUCKET, LocalDriver } from './driver.js';
export { listenLocal, type ListenLocalOptions, type LocalReceiver } from './listen.js';
export { localRequestHandler, type LocalReceiverOptions, type LocalRequestHandler } from './receiver.js';
export { localDriverModule } from './module.js';
export type { ReceiverErrorCode } from './http-answers.js';
export type { LocalDriverOptions } from './options.js';

export const createDriver: DriverFactory<LocalDriverOptions> = async (options) => new LocalDriver(options);

registerDriver('local', createDriver);
