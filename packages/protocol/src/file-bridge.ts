/**
 * @module The file bridge contract: how a plugin process reads and writes files through the
 * Plugin Server, which streams them to and from the platform's storage.
 *
 * Bytes travel as raw HTTP bodies, never base64 inside JSON, so neither side holds a whole file.
 */
import { z } from 'zod';

/** A reference to a stored file: what node inputs and outputs of file type carry. */
export const fileRefSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    contentType: z.string().min(1),
    size: z.number().int().nonnegative().optional(),
  })
  .meta({ title: 'File', 'x-plugboard-type': 'file' });
/**
 * A reference to a stored file (`id`, `name`, `contentType`, `size` when known): what node inputs
 * and outputs of file type carry.
 *
 * @interface
 */
export type FileRef = z.infer<typeof fileRefSchema>;

export const FILE_BRIDGE_HEADERS = {
  /** The per-call token the platform minted for one node execution; it scopes file access to that run. */
  callToken: 'x-plugboard-call-token',
  /** Name of an uploaded file, percent-encoded (`encodeURIComponent`). */
  fileName: 'x-plugboard-file-name',
} as const;

export const FILE_BRIDGE_ROUTES = {
  /** `GET` → the file's bytes; `Content-Type` and `x-plugboard-file-name` describe it. */
  download: (id: string): string => `/files/${encodeURIComponent(id)}`,
  /** `POST` with the bytes as body → `FileRef` as JSON. */
  upload: '/files',
} as const;
