// The driver registry's loaded half: the built-in drivers' registrations are data
// (drivers/built-in.ts, each from the driver's plain config.ts, chosen by findDriver in
// create-presigner.ts); their code loads on first use, here. A driver's entry module (upgrant/s3,
// ...) records its loaded entry when imported, so a bundled app carries exactly the drivers it imports; a built-in driver nobody
// imported is loaded from the installed package through unbundledImport, so on Node
// createPresigner({ provider }) works with no import of the driver and loads only that driver's SDK.
// Nothing but unbundled-import.ts is imported here: a driver's config.ts imports this file.
import type { DriverEntry } from '../drivers/driver.js';
import { unbundledImport } from './unbundled-import.js';

const recorded = new Map<string, DriverEntry<never>>();

/** Called by each built-in driver's entry module on import. */
export function recordDriverEntry<Options>(name: string, entry: DriverEntry<Options>): void {
  // Keyed by name; loadBuiltIn hands each entry back only to its own driver's registration.
  recorded.set(name, entry as DriverEntry<never>);
}

/**
 * A built-in registration's load(): the entry its module recorded, else the module loaded now.
 * The specifier is relative to src/unbundled-import.ts. The module's own exports are used rather
 * than its recording: under a loader that keeps two instances of this file (tsx's CommonJS and
 * ESM), the recording may land in the other.
 */
export async function loadBuiltIn<Options>(name: string, specifier: string): Promise<DriverEntry<Options>> {
  const entry = recorded.get(name) ?? ((await unbundledImport(specifier)) as DriverEntry<never>);
  recorded.set(name, entry);
  return entry as DriverEntry<Options>;
}
