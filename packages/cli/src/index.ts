/**
 * @module plugboard — the command's building blocks, for tools that drive it in-process.
 */
export { buildProgram } from './program.ts';
export type { ProgramDeps } from './program.ts';
export { CLI_ERROR_CODES, CliError } from './cli-error.ts';
export type { CliErrorCode } from './cli-error.ts';
