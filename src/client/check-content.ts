// checkFileContent: look at the first bytes of a File before uploading it, so a person sees at once
// that "photo.png" is really a web page or a program. A courtesy, never the check: the bytes can be
// changed after this runs, and verifyUpload checks them again with the full detector.
import { detectWithSmallTable, judgeContent, SNIFF_WINDOW, type ContentMismatch } from './content-sniff.js';

/**
 * The mismatch between `contentType` and the file's first bytes, or undefined when they fit (or
 * the small table cannot tell). Reads SNIFF_WINDOW bytes, never the whole file.
 */
export async function checkFileContent(file: Blob, contentType: string): Promise<ContentMismatch | undefined> {
  const head = new Uint8Array(await file.slice(0, SNIFF_WINDOW).arrayBuffer());
  // Always `known`: what strict mode refuses depends on the server's full detector.
  return judgeContent(contentType, head, 'known', detectWithSmallTable(head));
}
