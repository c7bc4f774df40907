// The provider name, in its own file so every module of the driver can use it without cycles.
export const DRIVER_NAME = 'azure' as const;
