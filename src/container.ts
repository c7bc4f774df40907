// Dependency injection: the one place the tokens live. Drivers are selected through the container:
// every DriverRegistration bound to DRIVER_REGISTRATION (the built-in ones, and any an app binds
// with driverModule) is a provider UPGRANT_PROVIDER can name. The container builds the DRIVER from
// the configuration and the PRESIGNER from DRIVER and POLICY; unbinding PRESIGNER
// (container.unbindAsync, unbindAllAsync: closing is asynchronous) closes it. Drivers never build
// a Presigner.
//
// DRIVER, and so PRESIGNER, resolve with `container.getAsync`: a driver's code is loaded on first
// use (import(), so an app never loads the SDKs it does not use) and S3 resolves its credentials
// when it is created. An app that binds DRIVER to a driver it built itself (toConstantValue) and
// loads presignerOnDriverModule resolves PRESIGNER with a plain `container.get`.
import { ContainerModule, type ContainerModuleLoadOptions, type ServiceIdentifier } from 'inversify';
import type { Driver, DriverRegistration } from '../drivers/driver.js';
import { BUILT_IN_DRIVERS } from '../drivers/built-in.js';
import { inVariableTerms, loadConfig, type Env } from './config.js';
import { createDriver, findDriver, policyOf, type PresignerConfig, type RegisteredPresignerConfig } from './create-presigner.js';
import { PortablePresigner } from './presigner.js';
import { createUploadRouter, type RouteMap, type UploadRouter, type UploadRouterOptions } from './router/router.js';
import type { UploadContext } from './router/route.js';
import type { PolicyOptions, Presigner } from './types.js';

export const PRESIGNER: ServiceIdentifier<Presigner> = Symbol.for('upgrant.Presigner');
export const DRIVER: ServiceIdentifier<Driver> = Symbol.for('upgrant.Driver');
/** The policy part of the configuration (no driver options, no credentials). */
export const POLICY: ServiceIdentifier<PolicyOptions> = Symbol.for('upgrant.Policy');
export const UPLOAD_ROUTER: ServiceIdentifier<UploadRouter> = Symbol.for('upgrant.UploadRouter');
/** Every driver a configuration may select: bound once per driver (multi-injected). */
export const DRIVER_REGISTRATION: ServiceIdentifier<DriverRegistration> = Symbol.for('upgrant.DriverRegistration');
/** The whole configuration the DRIVER is built from: given (presignerModule) or read from the environment (presignerFromEnvModule). */
export const PRESIGNER_CONFIG: ServiceIdentifier<PresignerConfig | RegisteredPresignerConfig> = Symbol.for('upgrant.PresignerConfig');

const ALL_DRIVERS = { serviceIdentifier: DRIVER_REGISTRATION, isMultiple: true } as const;

/**
 * Register a driver with the container: presignerFromEnvModule selects it when UPGRANT_PROVIDER
 * is its name (its optionsFromEnv reads the rest), presignerModule when config.provider is.
 */
export function driverModule<Options extends object>(registration: DriverRegistration<Options>): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(DRIVER_REGISTRATION).toConstantValue(registration);
  });
}

/** Bind PRESIGNER (and the DRIVER and POLICY it is built from) for this configuration. */
export function presignerModule(config: PresignerConfig | RegisteredPresignerConfig): ContainerModule {
  return new ContainerModule((options) => {
    options.bind(PRESIGNER_CONFIG).toConstantValue(config);
    bindPresigner(options, (error) => error);
  });
}

/**
 * Bind PRESIGNER for the configuration in `env` (loadConfig's variables), among every driver
 * bound to DRIVER_REGISTRATION: an app's own driver (driverModule) is selected like a built-in one.
 */
export function presignerFromEnvModule(env: Env): ContainerModule {
  return new ContainerModule((options) => {
    options.bind(PRESIGNER_CONFIG).toResolvedValue((drivers: DriverRegistration[]) => loadConfig(env, drivers), [ALL_DRIVERS]).inSingletonScope();
    bindPresigner(options, (error, config, drivers) => inVariableTerms(error, findDriver(drivers, config.provider)));
  });
}

/** Bind PRESIGNER on top of a DRIVER bound elsewhere (a driver the app built, or a test double). */
export function presignerOnDriverModule(policy: PolicyOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(POLICY).toConstantValue(policyOf(policy));
    bindPortable(bind);
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

type Rename = (error: unknown, config: PresignerConfig | RegisteredPresignerConfig, drivers: readonly DriverRegistration[]) => unknown;

function bindPresigner({ bind }: ContainerModuleLoadOptions, rename: Rename): void {
  // The built-in drivers, beside any an app bound (an app's wins under the same name: findDriver).
  for (const registration of BUILT_IN_DRIVERS) bind(DRIVER_REGISTRATION).toConstantValue(registration);
  bind(POLICY).toResolvedValue((config: PolicyOptions) => policyOf(config), [PRESIGNER_CONFIG]).inSingletonScope();
  bind(DRIVER)
    .toResolvedValue(async (config: PresignerConfig | RegisteredPresignerConfig, drivers: DriverRegistration[]) => {
      try {
        return await createDriver(config, drivers);
      } catch (error) {
        throw rename(error, config, drivers);
      }
    }, [PRESIGNER_CONFIG, ALL_DRIVERS])
    .inSingletonScope();
  bindPortable(bind);
}

function bindPortable(bind: ContainerModuleLoadOptions['bind']): void {
  bind(PRESIGNER)
    .toResolvedValue((driver: Driver, policy: PolicyOptions) => new PortablePresigner(driver, policy), [DRIVER, POLICY])
    .inSingletonScope()
    .onDeactivation((presigner) => presigner.close());
}
