/**
 * @module A Logger that records entries so tests can assert what a node logged.
 */
import type { LogFields, Logger } from '../logger.ts';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
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
