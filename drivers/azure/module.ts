// Inversify: bind DRIVER to an Azure driver built once from these options.
import { ContainerModule } from 'inversify';
import { DRIVER } from '../../src/container.js';
import { createDriver } from './factory.js';
import type { AzureDriverOptions } from './options.js';

export function azureDriverModule(options: AzureDriverOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(DRIVER).toDynamicValue(() => createDriver(options)).inSingletonScope();
  });
}
