// inversify: bind DRIVER to a local driver; PRESIGNER comes from src/container.ts.
import { ContainerModule } from 'inversify';
import { DRIVER } from '../../src/container.js';
import { createDriver } from './index.js';
import type { LocalDriverOptions } from './options.js';

export function localDriverModule(options: LocalDriverOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(DRIVER).toDynamicValue(() => createDriver(options)).inSingletonScope();
  });
}
