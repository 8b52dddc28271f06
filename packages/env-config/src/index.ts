/**
 * @module One way for every Plugboard process to read its configuration: environment variables
 * (and `<NAME>_FILE` for secrets kept in files) mapped onto a zod schema, flags or a test's
 * settings laid on top, parsed once, and every problem returned together.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Environment variable → path in the config object. */
export type EnvTable = Readonly<Record<string, readonly string[]>>;

export type EnvConfigResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly string[] };

export function readEnvConfig<S extends z.ZodType>(
  schema: S,
  table: EnvTable,
  input: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly overrides?: Record<string, unknown>;
  },
): EnvConfigResult<z.output<S>> {
  const fromEnv: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, path] of Object.entries(table)) {
    let value = input.env[name];
    const file = input.env[`${name}_FILE`];
    if (file !== undefined && file !== '') {
      try {
        value = readFileSync(file, 'utf8').trim();
      } catch (error) {
        problems.push(`${name}_FILE: cannot read ${file} (${(error as Error).message})`);
      }
    }
    if (value !== undefined && value !== '') {
      setPath(fromEnv, path, value);
    }
  }
  const parsed = schema.safeParse(deepMerge(fromEnv, input.overrides ?? {}));
  if (!parsed.success) {
    problems.push(
      ...parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return problems.length > 0 || !parsed.success
    ? { ok: false, problems }
    : { ok: true, value: parsed.data };
}

/** The environment variable that sets a config path, for messages that say what to change. */
export function envNameFor(table: EnvTable, path: string): string | undefined {
  return Object.entries(table).find(([, p]) => p.join('.') === path)?.[0];
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    node = (node[key] ??= {}) as Record<string, unknown>;
  }
  node[path.at(-1) ?? ''] = value;
}

function deepMerge(
  base: Record<string, unknown>,
  top: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const existing = out[key];
    out[key] = isPlainObject(value) && isPlainObject(existing) ? deepMerge(existing, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A flag: a boolean, or one of the strings an environment variable would hold. */
export const envBoolean = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

/** A duration in milliseconds, from 1 ms to a day. */
export const envMilliseconds = (fallback: number) =>
  z.coerce.number().int().min(1).max(86_400_000).default(fallback);

/** A list: an array, or a comma-separated string. */
export const envList = z.union([
  z.array(z.string()),
  z.string().transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
]);
