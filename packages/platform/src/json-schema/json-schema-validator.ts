/**
 * @module Values checked against the JSON Schemas plugins declare (plugin config, credential
 * forms, node config), as zod and the SDK generate them: draft 2020-12, so ajv's 2020 dialect —
 * ajv because the schemas arrive as JSON Schema from another process. Validators are compiled
 * once per schema document: looked up by object first (registry definitions live as long as the
 * registry), then by content, because a rebuilt registry brings fresh objects for the same
 * manifests; the by-content cache keeps the most recently used schemas only.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import type { Issue, JsonSchema } from '@plugboard/protocol';

type Check = (value: unknown) => Issue[];

// ajv ships CommonJS; under Node's ESM loader its class is the default export.
const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const byObject = new WeakMap<JsonSchema, Check>();
/** Least recently used first; bounded, so schemas of versions long gone do not pile up. */
const byContent = new Map<string, Check>();
const MAX_BY_CONTENT = 2_000;

/** Every way `value` misses `schema`, with paths and messages that say what to change. */
export function checkAgainstSchema(schema: JsonSchema, value: unknown): Issue[] {
  let check = byObject.get(schema);
  if (check === undefined) {
    const key = JSON.stringify(schema);
    check = byContent.get(key) ?? compile(schema);
    byContent.delete(key);
    byContent.set(key, check);
    if (byContent.size > MAX_BY_CONTENT) {
      const oldest = byContent.keys().next().value;
      if (oldest !== undefined) {
        byContent.delete(oldest);
      }
    }
    byObject.set(schema, check);
  }
  return check(value);
}

/** Top-level property names the schema marks `writeOnly` (the SDK's `secret()` fields). */
export function secretFields(schema: JsonSchema | undefined): string[] {
  const properties = (schema?.['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(properties)
    .filter(([, field]) => field['writeOnly'] === true)
    .map(([name]) => name);
}

function pathOf(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
}

function compile(schema: JsonSchema): Check {
  // `$schema` names a meta-schema ajv may not have loaded (draft-07 from older tools); the
  // keywords are what matter here.
  const body = Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema'));
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile(body);
    // ajv keeps every compiled schema (and its $id) on the instance; the cache here owns them.
    ajv.removeSchema(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return () => [
      { path: [], message: `the plugin's schema cannot be used: ${reason}`, code: 'schema' },
    ];
  }
  return (value) => {
    if (validate(value)) {
      return [];
    }
    return (validate.errors ?? []).map((e) => {
      const path = pathOf(e.instancePath);
      const params = e.params as {
        missingProperty?: string;
        additionalProperty?: string;
        allowedValues?: unknown[];
      };
      if (params.missingProperty !== undefined) {
        return { path: [...path, params.missingProperty], message: 'is required', code: e.keyword };
      }
      if (params.additionalProperty !== undefined) {
        return {
          path: [...path, params.additionalProperty],
          message: 'is not a known field; remove it',
          code: e.keyword,
        };
      }
      return {
        path,
        message:
          params.allowedValues === undefined
            ? (e.message ?? 'is invalid')
            : `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
        code: e.keyword,
      };
    });
  };
}
