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

/**
 * Semantic Versioning 2.0.0 exactly as semver.org writes it: no "v" prefix or spaces, no leading
 * zero in a numeric identifier, no empty identifier; pre-release after "-", build after "+".
 */
const SEMVER_2 =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** The longest version the `semver` package parses. */
const SEMVER_MAX_LENGTH = 256;

/** A semantic version (1.0.0, 2.0.0-rc.1, 1.0.1+build.5). */
export const semverSchema = z
  .string()
  .regex(SEMVER_2, { message: 'use a semantic version such as 1.0.0 or 2.0.0-rc.1' })
  // The spec sets no limits, but every comparison goes through the `semver` package, which refuses
  // a major, minor or patch past 2^53 and versions past 256 characters: a version it cannot order
  // is refused here. Checked by hand rather than with semver.valid: this package loads in every
  // plugin process, and semver's modules would add to each start.
  .refine(withinSemverLimits, {
    message: 'keep each number below 2^53 and the version within 256 characters',
  });

function withinSemverLimits(version: string): boolean {
  const core = version.split(/[-+]/, 1)[0] ?? '';
  return (
    version.length <= SEMVER_MAX_LENGTH &&
    core.split('.').every((part) => Number(part) <= Number.MAX_SAFE_INTEGER)
  );
}
