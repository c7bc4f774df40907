// The content check of verifyUpload: do the first bytes of the object fit its granted type? The
// rules live in src/client/content-sniff.ts (shared with upgrant/client); here they get the full
// detector, file-type's core (pure JS on a Uint8Array, no streams), loaded on the first check so
// that a presigner that never verifies with a check never loads it.
import { judgeContent, type ContentCheckMode, type Detection } from './client/content-sniff.js';
import type { Violation } from './types.js';

export { CONTENT_MODES, isActiveContentType, isTextType, type ContentCheckMode } from './client/content-sniff.js';

/**
 * Bytes the check reads from the start of an object: file-type's own detection window
 * (`reasonableDetectionSizeInBytes`), which covers every format it recognises from the head.
 */
export const CONTENT_CHECK_WINDOW = 4100;

/** The policy when a presigner says nothing: types the detector recognises must match. */
export const DEFAULT_CONTENT_CHECK: ContentCheckMode = 'known';

type FileTypeCore = typeof import('file-type/core');
let detector: Promise<FileTypeCore> | undefined;

/**
 * Check `head` (the object's first CONTENT_CHECK_WINDOW bytes, or all of it when shorter)
 * against `declaredType`. Returns the violation, or undefined when the bytes fit.
 * `allowed`: type patterns strict mode accepts although the detector cannot recognise them.
 */
export async function checkContent(declaredType: string, head: Uint8Array, mode: ContentCheckMode, allowed?: readonly string[]): Promise<Violation | undefined> {
  if (mode === 'off') return undefined;
  const fileType = await (detector ??= import('file-type/core'));
  const found = await fileType.fileTypeFromBuffer(head.subarray(0, CONTENT_CHECK_WINDOW));
  const detection: Detection = { detected: found?.mime, recognises: (type) => fileType.supportedMimeTypes.has(type as never) };
  return judgeContent(declaredType, head, mode, detection, allowed);
}
