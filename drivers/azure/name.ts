// The provider name, in its own file so every module of the driver can use it without cycles.
export const DRIVER_NAME = 'azure' as const;

/**
 * The metadata name of the grant record (x-ms-meta-upgrant_record). A SAS cannot bind metadata, so
 * a client may change it: the portable layer accepts a record only when it names this very blob.
 */
export const RECORD_METADATA = 'upgrant_record';
