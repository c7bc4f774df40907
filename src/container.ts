// Dependency injection: the one place the tokens live. Apps bind PRESIGNER through
// presignerModule(config) and resolve it with `await container.getAsync(PRESIGNER)`.
// Drivers never build a Presigner; the container builds it from the configured DRIVER.
import 'reflect-metadata';
import { ContainerModule, type ServiceIdentifier } from 'inversify';
import type { Driver } from '../drivers/driver.js';
import { createDriver, type PresignerConfig } from './create-presigner.js';
import { PortablePresigner } from './presigner.js';
import { createUploadRouter, type RouteMap, type UploadRouter, type UploadRouterOptions } from './router/router.js';
import type { UploadContext } from './router/route.js';
import type { PolicyOptions, Presigner } from './types.js';

export const PRESIGNER: ServiceIdentifier<Presigner> = Symbol.for('upgrant.Presigner');
export const DRIVER: ServiceIdentifier<Driver> = Symbol.for('upgrant.Driver');
export const POLICY: ServiceIdentifier<PolicyOptions> = Symbol.for('upgrant.Policy');
export const UPLOAD_ROUTER: ServiceIdentifier<UploadRouter> = Symbol.for('upgrant.UploadRouter');

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

/** Bind UPLOAD_ROUTER: upload routes on the PRESIGNER bound elsewhere (presignerModule). */
export function uploadRouterModule<TRoutes extends RouteMap, TContext extends UploadContext>(options: Omit<UploadRouterOptions<TRoutes, TContext>, 'presigner'>): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(UPLOAD_ROUTER)
      .toResolvedValue((presigner: Presigner) => createUploadRouter({ ...options, presigner }) as unknown as UploadRouter, [PRESIGNER])
      .inSingletonScope();
  });
}
