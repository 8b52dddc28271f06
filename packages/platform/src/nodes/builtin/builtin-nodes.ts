/**
 * @module The built-in node types, available in every workflow without a plugin.
 */
import type { ExecutableNode } from '../node-definition.ts';
import { conditionNode } from './condition.ts';
import { inputNode } from './input.ts';
import { jsonPickNode } from './json-pick.ts';
import { outputNode } from './output.ts';
import { templateNode } from './template.ts';

const BUILTINS: readonly ExecutableNode[] = [
  inputNode,
  outputNode,
  templateNode,
  jsonPickNode,
  conditionNode,
];

export function builtinNodes(): readonly ExecutableNode[] {
  return BUILTINS;
}
