/**
 * @module What every operator command action gets: the API client, where to print, whether the
 * user asked for JSON, and how to set the exit code.
 */
import type { Command } from 'commander';
import type { Output } from '../output.ts';
import type { ApiClient } from './api-client.ts';

export interface OperatorContext {
  readonly client: ApiClient;
  readonly output: Output;
  /** `--json`: print the API's JSON answer on stdout instead of text for people. */
  readonly json: boolean;
  readonly cwd: string;
  setExitCode(code: number): void;
}

/**
 * Runs a command's body with the context its connection flags resolve to, reporting an
 * OperatorError as `<code>: <message>` and its exit code.
 */
export type WithContext = (
  command: Command,
  body: (ctx: OperatorContext) => Promise<void>,
) => Promise<void>;
