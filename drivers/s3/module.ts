// Inversify: bind DRIVER to the S3 driver, built once, for presignerOnDriverModule to use.
import { ContainerModule } from 'inversify';
import { DRIVER } from '../../src/container.js';
import { createDriver } from './index.js';
import type { S3DriverOptions } from './options.js';

export function s3DriverModule(options: S3DriverOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(DRIVER).toDynamicValue(() => createDriver(options)).inSingletonScope();
  });
}
