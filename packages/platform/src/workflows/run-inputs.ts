/**
 * @module What a run of a workflow must be given (one input per `core/input` node), and the check
 * of a run's inputs against it.
 */
import {
  INPUT_NODE_TYPE,
  acceptsValue,
  inputConfigSchema,
  type WorkflowInputType,
} from '../nodes/builtin/input.ts';
import type { WorkflowGraph } from '@plugboard/platform-api';
import { quoted, type GraphIssue } from './validate-graph.ts';

export interface WorkflowInput {
  readonly nodeId: string;
  readonly name: string;
  readonly type: WorkflowInputType;
  readonly required: boolean;
  readonly default?: unknown;
  readonly description?: string;
}

/** The inputs a run of this graph takes, one per `core/input` node with a readable config. */
export function workflowInputsOf(graph: WorkflowGraph): WorkflowInput[] {
  return graph.nodes.flatMap((node) => {
    const config =
      node.type === INPUT_NODE_TYPE ? inputConfigSchema.safeParse(node.config) : undefined;
    if (config?.success !== true) {
      return [];
    }
    const { name, type, required, default: fallback, description } = config.data;
    return [
      {
        nodeId: node.id,
        name,
        type,
        required,
        ...(fallback === undefined ? {} : { default: fallback }),
        ...(description === undefined ? {} : { description }),
      },
    ];
  });
}

/** Problems with the inputs given to a run: missing required ones, wrong types, unknown names. */
export function checkRunInputs(
  graph: WorkflowGraph,
  inputs: Readonly<Record<string, unknown>>,
): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const declared = workflowInputsOf(graph);
  for (const input of declared) {
    const value = inputs[input.name];
    if (value === undefined) {
      if (input.required && input.default === undefined) {
        issues.push({
          code: 'missing_run_input',
          message: `input "${input.name}" (${input.type}) is required; pass a value for it`,
          path: ['inputs', input.name],
          nodeId: input.nodeId,
        });
      }
    } else if (!acceptsValue(input.type, value)) {
      issues.push({
        code: 'invalid_run_input',
        message:
          input.type === 'file'
            ? `input "${input.name}" must be a file reference ({ id, name, contentType }); upload the file first and pass what the upload returned`
            : `input "${input.name}" must be of type ${input.type}`,
        path: ['inputs', input.name],
        nodeId: input.nodeId,
      });
    }
  }
  const names = new Set(declared.map((i) => i.name));
  for (const name of Object.keys(inputs)) {
    if (!names.has(name)) {
      issues.push({
        code: 'unknown_run_input',
        message:
          names.size === 0
            ? `input "${name}" is not one of the workflow's inputs; it takes none`
            : `input "${name}" is not one of the workflow's inputs (${quoted([...names])}); remove it or fix its name`,
        path: ['inputs', name],
      });
    }
  }
  return issues;
}
