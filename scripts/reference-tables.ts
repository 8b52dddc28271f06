// Markdown tables the operator pages share: a process's configuration (from its config schema
// and environment table) and its error codes.
import { z } from 'zod';

/**
 * @param defaults The configuration parsed from nothing but its required settings (those left
 * out): the real default of every setting, also where JSON Schema cannot carry one (a list read
 * from a comma-separated variable, a yes/no flag).
 */
export function configTable(
  schema: z.ZodType,
  env: Readonly<Record<string, readonly string[]>>,
  defaults: Readonly<Record<string, unknown>>,
): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const fieldAt = (path: readonly string[]) => {
    let node: Record<string, unknown> | undefined = json;
    for (const key of path) {
      node = (node?.['properties'] as Record<string, Record<string, unknown>> | undefined)?.[key];
    }
    let parsed: unknown = defaults;
    for (const key of path) {
      parsed = (parsed as Record<string, unknown> | undefined)?.[key];
    }
    const fallback = node?.['default'] ?? parsed;
    return {
      description: typeof node?.['description'] === 'string' ? node['description'] : '',
      fallback: fallback === undefined ? '—' : `\`${JSON.stringify(fallback)}\``,
    };
  };
  const rows = Object.entries(env).map(([name, path]) => {
    const info = fieldAt(path);
    return `| \`${name}\` | \`${path.join('.')}\` | ${info.fallback} | ${info.description} |`;
  });
  return ['| variable | setting | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export function errorCodeTable(
  codes: Readonly<Record<string, { status: number; kind: string; retryable: boolean }>>,
): string {
  const rows = Object.entries(codes).map(
    ([code, spec]) =>
      `| \`${code}\` | ${String(spec.status)} | ${spec.kind} | ${spec.retryable ? 'yes' : 'no'} |`,
  );
  return ['| code | status | kind | retryable |', '|---|---|---|---|', ...rows].join('\n');
}
