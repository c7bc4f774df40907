// The driver registry: provider name -> the factory that builds its driver. Each driver's entry
// module (upgrant/s3, upgrant/gcs, upgrant/azure, upgrant/local) registers its factory when
// imported, so a bundled app carries exactly the drivers it imports. A provider nobody imported
// is loaded from the installed package through unbundledImport, so on Node
// createPresigner({ provider }) still works with no import of the driver, and still loads only
// that driver's SDK. Issue 13 turns this map into inversify bindings; keep it this small.
import type { Driver, DriverFactory } from '../drivers/driver.js';
import type { PresignerConfig } from './create-presigner.js';
import type { ProviderName } from './types.js';
import { unbundledImport } from './unbundled-import.js';

type ConfigOf<P extends ProviderName> = Extract<PresignerConfig, { provider: P }>;
type AnyFactory = (config: PresignerConfig) => Promise<Driver>;

/** Where each built-in driver's entry module is, relative to src/unbundled-import.ts. */
const BUILT_IN: Readonly<Record<ProviderName, string>> = {
  local: '../drivers/local/index.js',
  s3: '../drivers/s3/index.js',
  gcs: '../drivers/gcs/index.js',
  azure: '../drivers/azure/index.js',
};

const registry = new Map<ProviderName, AnyFactory>();

/** Called by each driver's entry module on import. */
export function registerDriver<P extends ProviderName>(provider: P, factory: DriverFactory<ConfigOf<P>>): void {
  // The map is keyed by provider and createDriver passes each factory only its own provider's config.
  registry.set(provider, factory as AnyFactory);
}

/** The factory for `provider`: the registered one, else the built-in driver, loaded now. */
export async function driverFactory(provider: ProviderName): Promise<AnyFactory> {
  const registered = registry.get(provider);
  if (registered) return registered;
  // Use the module's own export rather than the registration it made: under a loader that keeps
  // two instances of this file (tsx's CommonJS and ESM), the registration may land in the other.
  const entry = (await unbundledImport(BUILT_IN[provider])) as { createDriver: AnyFactory };
  registry.set(provider, entry.createDriver);
  return entry.createDriver;
}
