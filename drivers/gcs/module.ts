// Inversify: bind DRIVER to this driver, built once; PRESIGNER comes from presignerOnDriverModule.
import { ContainerModule } from 'inversify';
import { DRIVER } from '../../src/container.js';
import { createDriver } from './factory.js';
import type { GcsDriverOptions } from './options.js';

export function gcsDriverModule(options: GcsDriverOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(DRIVER).toDynamicValue(() => createDriver(options)).inSingletonScope();
  });
}
