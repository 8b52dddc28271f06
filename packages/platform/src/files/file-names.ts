/**
 * @module File names and content types as they cross HTTP: names travel percent-encoded in
 * `x-plugboard-file-name` (any Unicode survives a header that way) and go back out in a
 * `content-disposition` both old and new clients understand.
 */
import { PlatformError } from '../errors.ts';

const MAX_NAME = 255;
const DEFAULT_NAME = 'untitled';
// Control characters would break the headers the name is echoed in.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The name a caller gave, percent-encoded (header) or plain (query); `untitled` when none. */
export function fileNameFrom(encoded: unknown, plain: unknown): string {
  let name: string | undefined;
  if (typeof encoded === 'string' && encoded !== '') {
    try {
      name = decodeURIComponent(encoded);
    } catch {
      throw new PlatformError(
        'PLAT_BAD_REQUEST',
        'x-plugboard-file-name must be percent-encoded (encodeURIComponent)',
      );
    }
  } else if (typeof plain === 'string' && plain !== '') {
    name = plain;
  }
  if (name === undefined) {
    return DEFAULT_NAME;
  }
  if (name.length > MAX_NAME || CONTROL.test(name)) {
    throw new PlatformError(
      'PLAT_BAD_REQUEST',
      `a file name is at most ${String(MAX_NAME)} characters, without control characters`,
    );
  }
  return name;
}

export function contentTypeFrom(header: unknown): string {
  if (typeof header !== 'string' || header.trim() === '') {
    return 'application/octet-stream';
  }
  if (header.length > MAX_NAME || CONTROL.test(header)) {
    throw new PlatformError('PLAT_BAD_REQUEST', 'the content-type header is not a media type');
  }
  return header.trim();
}

/** `attachment` with an ASCII fallback name and the exact one in RFC 5987 form. */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}
