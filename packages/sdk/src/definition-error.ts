/**
 * @module The error thrown when a plugin's declarations are inconsistent, listing every problem.
 */

const DEFINITION_ERROR_CODE = 'SDK_DEFINITION_INVALID';

/** Thrown by definePlugin/defineNode/defineIntegration with all problems found, not just the first. */
export class PluginDefinitionError extends Error {
  /** Always `SDK_DEFINITION_INVALID`. */
  readonly code = DEFINITION_ERROR_CODE;
  /** Every problem found, one line each, e.g. `nodes: two nodes are named "shout"`. */
  readonly problems: readonly string[];

  /** @internal Thrown by the define functions; plugin code only catches it. */
  constructor(subject: string, problems: readonly string[]) {
    super(`${subject} is not a valid declaration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PluginDefinitionError';
    this.problems = problems;
  }
}
