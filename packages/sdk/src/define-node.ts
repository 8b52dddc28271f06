/**
 * @module defineNode: one step a workflow can run, with typed inputs, outputs and config.
 */
import { z } from 'zod';
import { componentNameSchema, type NodeConfigResponse } from '@plugboard/protocol';
import type { ExecutionContext } from './context.ts';
import type { Integration } from './define-integration.ts';
import { PluginDefinitionError } from './definition-error.ts';

type AnyIntegration = Integration;

/** The type of `z.object({})`, the default for config schemas. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- zod's own type for an object with no fields
export type EmptyObjectSchema = z.ZodObject<{}>;

/** `ctx.credentials` for a node: one typed entry per declared integration, keyed by its name. */
export type CredentialsOf<TIntegrations extends readonly AnyIntegration[]> = {
  readonly [I in TIntegrations[number] as I['name']]: z.output<I['credentials']>;
};

/** What the dynamic-config hook returns; every part is optional. */
export type DynamicConfigResult = Partial<NodeConfigResponse>;

export interface NodeOptions<
  TName extends string,
  TInputs extends z.ZodObject,
  TOutputs extends z.ZodObject,
  TConfig extends z.ZodObject,
  TIntegrations extends readonly AnyIntegration[],
  TPluginConfig extends z.ZodObject,
> {
  readonly name: TName;
  readonly title: string;
  readonly description?: string;
  /** Groups nodes in the editor's palette. @default 'other' */
  readonly category?: string;
  readonly icon?: string;
  readonly inputs: TInputs;
  readonly outputs: TOutputs;
  /** Settings chosen when the node is placed in a workflow. @default z.object({}) */
  readonly config?: TConfig;
  /** Integrations whose credentials this node needs; it receives only these. */
  readonly integrations?: TIntegrations;
  /** The plugin's own config schema, given here only to type `ctx.pluginConfig`. */
  readonly pluginConfig?: TPluginConfig;
  /** Computes config options at edit time, e.g. a select's choices fetched with the credentials. */
  readonly dynamicConfig?: (
    ctx: ExecutionContext<CredentialsOf<TIntegrations>, z.output<TPluginConfig>>,
    config: Partial<z.input<TConfig>>,
  ) => DynamicConfigResult | Promise<DynamicConfigResult>;
  readonly run: (
    ctx: ExecutionContext<CredentialsOf<TIntegrations>, z.output<TPluginConfig>>,
    inputs: z.output<TInputs>,
    config: z.output<TConfig>,
  ) => z.input<TOutputs> | Promise<z.input<TOutputs>>;
}

/** A declared node with its type parameters erased, as the runtime handles it. */
export interface AnyNode {
  readonly kind: 'node';
  readonly name: string;
  readonly title: string;
  readonly description?: string;
  readonly category?: string;
  readonly icon?: string;
  readonly inputs: z.ZodObject;
  readonly outputs: z.ZodObject;
  readonly config: z.ZodObject;
  readonly integrations: readonly AnyIntegration[];
  readonly pluginConfig?: z.ZodObject;
  readonly dynamicConfig?: (
    ctx: ExecutionContext<unknown, unknown>,
    config: unknown,
  ) => DynamicConfigResult | Promise<DynamicConfigResult>;
  readonly run: (
    ctx: ExecutionContext<unknown, unknown>,
    inputs: unknown,
    config: unknown,
  ) => unknown;
}

/** A declared node that keeps its schema types, so tools like the test harness can type calls. */
export interface Node<
  TName extends string,
  TInputs extends z.ZodObject,
  TOutputs extends z.ZodObject,
  TConfig extends z.ZodObject,
  TIntegrations extends readonly AnyIntegration[],
> extends AnyNode {
  readonly name: TName;
  readonly inputs: TInputs;
  readonly outputs: TOutputs;
  readonly config: TConfig;
  readonly integrations: TIntegrations;
}

const emptyConfig = z.object({});

/** Checks the schema's kind, not its class, so schemas from another zod copy are accepted too. */
function isObjectSchema(schema: unknown): boolean {
  return (
    (schema as { _zod?: { def?: { type?: string } } } | undefined)?._zod?.def?.type === 'object'
  );
}

/**
 * Declares a node. `run` gets its inputs and config parsed by the schemas given here, so their
 * types come from the schemas and are never written twice.
 *
 * @example
 * ```ts
 * export const shout = defineNode({
 *   name: 'shout',
 *   title: 'Shout',
 *   inputs: z.object({ text: z.string() }),
 *   outputs: z.object({ text: z.string() }),
 *   run: (_ctx, { text }) => ({ text: text.toUpperCase() }),
 * });
 * ```
 */
export function defineNode<
  const TName extends string,
  TInputs extends z.ZodObject,
  TOutputs extends z.ZodObject,
  TConfig extends z.ZodObject = EmptyObjectSchema,
  const TIntegrations extends readonly AnyIntegration[] = [],
  TPluginConfig extends z.ZodObject = EmptyObjectSchema,
>(
  options: NodeOptions<TName, TInputs, TOutputs, TConfig, TIntegrations, TPluginConfig>,
): Node<TName, TInputs, TOutputs, TConfig, TIntegrations> {
  const problems: string[] = [];
  const name = componentNameSchema.safeParse(options.name);
  if (!name.success) {
    problems.push(`name: ${name.error.issues.map((i) => i.message).join('; ')}`);
  }
  for (const [field, schema] of [
    ['inputs', options.inputs],
    ['outputs', options.outputs],
    ['config', options.config ?? emptyConfig],
  ] as const) {
    if (!isObjectSchema(schema)) {
      problems.push(`${field}: must be a z.object({...}) schema`);
    }
  }
  if (typeof options.run !== 'function') {
    problems.push('run: must be a function (ctx, inputs, config) => outputs');
  }
  const integrationNames = (options.integrations ?? []).map((i) => i.name);
  const duplicate = integrationNames.find((n, i) => integrationNames.indexOf(n) !== i);
  if (duplicate !== undefined) {
    problems.push(`integrations: ${JSON.stringify(duplicate)} is listed twice`);
  }
  if (problems.length > 0) {
    throw new PluginDefinitionError(`node ${JSON.stringify(options.name)}`, problems);
  }
  const node = {
    ...options,
    kind: 'node' as const,
    config: options.config ?? emptyConfig,
    integrations: options.integrations ?? [],
  };
  return Object.freeze(node) as unknown as Node<TName, TInputs, TOutputs, TConfig, TIntegrations>;
}
