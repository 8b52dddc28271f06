/**
 * @module Checks a fetched package before anything of it runs: its generated manifest is present
 * and valid, names the plugin and version that were asked for, speaks a supported protocol, and
 * its package.json declares an entry that exists.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { manifestSchema, type Manifest } from '@plugboard/protocol';
import { ServerError } from '../errors.ts';

/** Written by `plugboard plugin pack` (and `plugboard plugin manifest --out`). */
const MANIFEST_FILE = 'plugboard.manifest.json';

export interface ExpectedPackage {
  readonly id: string;
  /** Absent when the source decides the version (a git branch, "latest" in a marketplace). */
  readonly version?: string | undefined;
}

export async function validatePackage(dir: string, expected: ExpectedPackage): Promise<Manifest> {
  const manifestText = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch(() => undefined);
  if (manifestText === undefined) {
    throw invalid(
      `the package has no ${MANIFEST_FILE}; create packages with \`plugboard plugin pack\`, or commit the output of \`plugboard plugin manifest --out ${MANIFEST_FILE}\``,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(manifestText);
  } catch {
    throw invalid(`${MANIFEST_FILE} is not valid JSON`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw invalid(`${MANIFEST_FILE} is invalid: ${problems.join('; ')}`, { problems });
  }
  const manifest = parsed.data;
  if (manifest.id !== expected.id) {
    throw invalid(`the package is plugin "${manifest.id}", but "${expected.id}" was asked for`);
  }
  if (expected.version !== undefined && manifest.version !== expected.version) {
    throw invalid(
      `the package is version ${manifest.version}, but ${expected.version} was asked for`,
    );
  }
  const packageJson = await readFile(join(dir, 'package.json'), 'utf8')
    .then((text) => JSON.parse(text) as { version?: unknown; plugboard?: { entry?: unknown } })
    .catch(() => undefined);
  if (packageJson === undefined) {
    throw invalid('the package has no readable package.json');
  }
  if (packageJson.version !== manifest.version) {
    throw invalid(
      `package.json says version ${String(packageJson.version)} but the manifest says ${manifest.version}; re-pack the plugin`,
    );
  }
  const entry = packageJson.plugboard?.entry;
  if (typeof entry !== 'string') {
    throw invalid('package.json declares no "plugboard": { "entry": "…" }');
  }
  const entryPath = resolve(dir, entry);
  const inside = relative(dir, entryPath);
  if (
    inside.startsWith('..') ||
    isAbsolute(inside) ||
    !(await stat(entryPath).then(
      (s) => s.isFile(),
      () => false,
    ))
  ) {
    throw invalid(`the plugin entry ${JSON.stringify(entry)} is not a file inside the package`);
  }
  return manifest;
}

function invalid(message: string, details?: Record<string, unknown>): ServerError {
  return new ServerError('PSRV_PACKAGE_INVALID', message, details === undefined ? {} : { details });
}
