// createDriver: options -> a LocalDriver (checked in its constructor), and the entry the registry
// uses when this driver's module was imported (bundled apps).
import type { DriverFactory } from '../driver.js';
import { recordDriverEntry } from '../../src/driver-registry.js';
import { DRIVER_NAME, LocalDriver } from './driver.js';
import type { LocalDriverOptions } from './options.js';

export const createDriver: DriverFactory<LocalDriverOptions> = async (options) => new LocalDriver(options);

recordDriverEntry<LocalDriverOptions>(DRIVER_NAME, { createDriver });
