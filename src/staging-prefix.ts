// The reserved key prefix staged uploads go to (DESIGN section 1): never a key keyFor or an app
// makes, so a listing of it is exactly the uploads still waiting for verification.
export const DEFAULT_STAGING_PREFIX = '.upgrant-staging/';
