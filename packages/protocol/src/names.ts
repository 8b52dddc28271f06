/**
 * @module Shapes of the identifiers that appear in URLs and records: plugin ids, node and
 * integration names, versions.
 */
import { z } from 'zod';

/** Lower-case, URL-safe, 2–64 characters; dots allow a publisher prefix (`acme.text-tools`). */
export const pluginIdSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])$/, {
  message:
    'use 2–64 characters: lower-case letters, digits, ".", "_" or "-", starting and ending with a letter or digit',
});

/** Node and integration names: they become path segments (`/nodes/{name}/execute`). */
export const componentNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, {
  message: 'use 1–64 characters: lower-case letters, digits, "_" or "-", starting with a letter',
});

/** Semantic version (2.0.0), with optional pre-release and build parts. */
export const semverSchema = z
  .string()
  .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, {
    message: 'use a semantic version such as 1.0.0',
  });
