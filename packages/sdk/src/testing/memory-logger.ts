/**
 * @module A Logger that records entries so tests can assert what a node logged.
 */
import type { LogFields, Logger } from '../logger.ts';

/** One line a node or hook logged, as `harness.logs` keeps it. */
export interface LogEntry {
  /** The Logger method that wrote it. */
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  /** The message as given. */
  readonly message: string;
  /** The fields given, with the node or hook that logged (`node`, `hook` or `integration`). */
  readonly fields: LogFields;
}

export function createMemoryLogger(entries: LogEntry[], bindings: LogFields): Logger {
  const write =
    (level: LogEntry['level']) =>
    (message: string, fields?: LogFields): void => {
      entries.push({ level, message, fields: { ...bindings, ...fields } });
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
