// The drivers upgrant ships, as registrations: plain data from each driver's config.ts (no SDK,
// no driver code). An app adds its own through the container (driverModule in src/container.ts).
import type { DriverRegistration } from './driver.js';
import { azureDriver } from './azure/config.js';
import { gcsDriver } from './gcs/config.js';
import { localDriver } from './local/config.js';
import { s3Driver } from './s3/config.js';

/** Built-in drivers, in the order their names are listed: local is the default provider. */
export const BUILT_IN_DRIVERS: readonly DriverRegistration[] = [localDriver, s3Driver, gcsDriver, azureDriver];
