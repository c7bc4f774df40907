// Content-Disposition for downloads (RFC 6266 / RFC 8187): an ASCII fallback name for old
// clients and the exact UTF-8 name in filename*, with nothing a header could be split on.
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
