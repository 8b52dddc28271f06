/**
 * @module defineNode: one step a workflow can run, with typed inputs, outputs and config.
 */
import { z } from 'zod';
import { componentNameSchema, type NodeConfigResponse } from '@plugboard/protocol';
import type { ExecutionContext } from './context.ts';
import type { Integration } from './define-integration.ts';
import { PluginDefinitionError } from './definition-error.ts';

/** The type of `z.object({})`, the config schema of a node or plugin that declares none. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- zod's own type for an object with no fields
export type EmptyObjectSchema = z.ZodObject<{}>;

/** `ctx.credentials` for a node: one typed entry per declared integration, keyed by its name. */
export type CredentialsOf<TIntegrations extends readonly Integration[]> = {
  readonly [I in TIntegrations[number] as I['name']]: z.output<I['credentials']>;
};

/** What the dynamic-config hook returns; every part is optional. */
export type DynamicConfigResult = Partial<NodeConfigResponse>;

/**
 * What defineNode takes: the node's name and labels, the schemas of its inputs, outputs and config,
 * the integrations it needs, and the function that runs it.
 */
export interface NodeOptions<
  TName extends string,
  TInputs extends z.ZodObject,
  TOutputs extends z.ZodObject,
  TConfig extends z.ZodObject,
  TIntegrations extends readonly Integration[],
  TPluginConfig extends z.ZodObject,
> {
  /**
   * Unique within the plugin, lower-case letters, digits and dashes, e.g. `change-case`; a workflow
   * names the node as `<plugin id>/<name>`.
   */
  readonly name: TName;
  /** The label people see, e.g. `Change case`. */
  readonly title: string;
  /** What the node does, in a sentence or two. @default '' */
  readonly description?: string;
  /** Groups nodes in the editor's palette. @default 'other' */
  readonly category?: string;
  /**
   * An image for it: an `https:` URL or a `data:` URI (an SVG, say). It goes into the manifest as
   * is; nothing fetches or checks it.
   */
  readonly icon?: string;
  /** The inputs `run` receives, parsed by this schema; use `file()` for a file input. */
  readonly inputs: TInputs;
  /** What `run` returns, checked against this schema before it is answered. */
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
  /**
   * Does the node's work: gets the execution context, the parsed inputs and config, and returns
   * the outputs. Throw a PluginError to fail with a code the caller can act on.
   */
  readonly run: (
    ctx: ExecutionContext<CredentialsOf<TIntegrations>, z.output<TPluginConfig>>,
    inputs: z.output<TInputs>,
    config: z.output<TConfig>,
  ) => z.input<TOutputs> | Promise<z.input<TOutputs>>;
}

/**
 * A declared node with its type parameters erased, as a plugin lists it and the runtime handles it.
 * Its fields are those of {@link NodeOptions}, with `config` and `integrations` defaulted.
 */
export interface AnyNode {
  /** Tells a node from the other declarations. */
  readonly kind: 'node';
  /** As in {@link NodeOptions.name}. */
  readonly name: string;
  /** As in {@link NodeOptions.title}. */
  readonly title: string;
  /** As in {@link NodeOptions.description}. */
  readonly description?: string;
  /** As in {@link NodeOptions.category}. */
  readonly category?: string;
  /** As in {@link NodeOptions.icon}. */
  readonly icon?: string;
  /** As in {@link NodeOptions.inputs}. */
  readonly inputs: z.ZodObject;
  /** As in {@link NodeOptions.outputs}. */
  readonly outputs: z.ZodObject;
  /** As in {@link NodeOptions.config}; `z.object({})` when none was given. */
  readonly config: z.ZodObject;
  /** As in {@link NodeOptions.integrations}; `[]` when none were given. */
  readonly integrations: readonly Integration[];
  /** As in {@link NodeOptions.pluginConfig}. */
  readonly pluginConfig?: z.ZodObject;
  /** As in {@link NodeOptions.dynamicConfig}. */
  readonly dynamicConfig?: (
    ctx: ExecutionContext<unknown, unknown>,
    config: unknown,
  ) => DynamicConfigResult | Promise<DynamicConfigResult>;
  /** As in {@link NodeOptions.run}. */
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
  TIntegrations extends readonly Integration[],
> extends AnyNode {
  /** As in {@link NodeOptions.name}. */
  readonly name: TName;
  /** As in {@link NodeOptions.inputs}. */
  readonly inputs: TInputs;
  /** As in {@link NodeOptions.outputs}. */
  readonly outputs: TOutputs;
  /** As in {@link NodeOptions.config}; `z.object({})` when none was given. */
  readonly config: TConfig;
  /** As in {@link NodeOptions.integrations}; `[]` when none were given. */
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
  const TIntegrations extends readonly Integration[] = [],
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
