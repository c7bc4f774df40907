// Content-Disposition for download grants (RFC 6266 / RFC 8187), decided once here for every
// provider: drivers sign the value they are given (S3/GCS response-content-disposition, Azure rscd,
// the local receiver's signed disposition). An ASCII fallback name for old clients and the exact
// UTF-8 name in filename*, with nothing a header could be split on.
export type DispositionType = 'attachment' | 'inline';

export function contentDisposition(type: DispositionType, filename?: string): string {
  if (filename === undefined) return type;
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
