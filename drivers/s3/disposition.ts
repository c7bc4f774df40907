// Content-Disposition for download grants (RFC 6266 / RFC 8187): an ASCII fallback name for old
// clients plus the exact UTF-8 name in filename*.
import { uriEncode } from './sigv4.js';

export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${uriEncode(filename)}`;
}
