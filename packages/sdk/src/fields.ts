/**
 * @module Schema helpers for fields the platform treats specially: secrets and files.
 */
import { z } from 'zod';
import { fileRefSchema } from '@plugboard/protocol';

/**
 * A string the platform stores encrypted and never shows back (JSON Schema `writeOnly`).
 * Use it for API keys in plugin config and credentials.
 */
export function secret(): z.ZodString {
  return z.string().min(1).meta({ writeOnly: true, format: 'password' });
}

/**
 * A file input or output. Values are references (`{ id, name, contentType, size? }`); read the
 * bytes with `ctx.files.open(ref)` and create files with `ctx.files.create(...)`.
 */
export function file(): typeof fileRefSchema {
  return fileRefSchema;
}
