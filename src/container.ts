// Dependency injection: the one place the tokens live. Apps bind PRESIGNER through
// presignerModule(config) and resolve it with `await container.getAsync(PRESIGNER)`.
// Drivers never build a Presigner; the container builds it from the configured DRIVER.
import 'reflect-metadata';
import { ContainerModule, type ServiceIdentifier } from 'inversify';
import type { Driver } from '../drivers/driver.js';
import { createDriver, type PresignerConfig } from './create-presigner.js';
import { PortablePresigner } from './presigner.js';
import type { PolicyOptions, Presigner } from './types.js';

export const PRESIGNER: ServiceIdentifier<Presigner> = Symbol.for('upgrant.Presigner');
export const DRIVER: ServiceIdentifier<Driver> = Symbol.for('upgrant.Driver');
export const POLICY: ServiceIdentifier<PolicyOptions> = Symbol.for('upgrant.Policy');

/** Bind PRESIGNER (and the DRIVER and POLICY it is built from) for this configuration. */
export function presignerModule(config: PresignerConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(POLICY).toConstantValue(config);
    bind(DRIVER).toDynamicValue(() => createDriver(config)).inSingletonScope();
    bind(PRESIGNER).toResolvedValue((driver: Driver, policy: PolicyOptions) => new PortablePresigner(driver, policy), [DRIVER, POLICY]).inSingletonScope();
  });
}

/** Bind PRESIGNER on top of a DRIVER bound elsewhere (a driver's own module, or a test double). */
export function presignerOnDriverModule(policy: PolicyOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(POLICY).toConstantValue(policy);
    bind(PRESIGNER).toResolvedValue((driver: Driver, p: PolicyOptions) => new PortablePresigner(driver, p), [DRIVER, POLICY]).inSingletonScope();
  });
}
