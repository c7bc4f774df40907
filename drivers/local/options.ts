// Options of the local driver: files under a directory, served by the embedded receiver.

export interface LocalDriverOptions {
  /** Directory that holds one sub-directory per bucket. */
  root: string;
  /** URL clients use to reach the receiver, e.g. http://127.0.0.1:8787/storage. */
  baseUrl: string;
  /** Secret for URL signatures (at least 32 bytes); the same secret the receiver checks with. */
  secret: string;
  /** Secrets of before a rotation: URLs they signed still verify (UPGRANT_PREVIOUS_SECRETS). */
  previousSecrets?: readonly string[];
  /** Bucket directory under `root`; default "local". */
  bucket?: string;
  clock?: () => Date;
}
