/**
 * @module The plugin process's log: JSON lines on stderr (stdout belongs to the handshake).
 *
 * Written here rather than taken from pino on purpose: a plugin process starts once per installed
 * plugin, and pino (CommonJS, loaded through Node's CJS lexer, with transports we never use) cost
 * ~25 ms of start and several MB per process in bench/. Lines follow pino's shape (`level` as
 * pino's numbers, `time`, `msg`, bindings), so the Plugin Server can read either.
 */
import { writeSync } from 'node:fs';
import type { LogFields, Logger } from '../logger.ts';

export const LOG_LEVELS = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
} as const;
export type LogLevel = keyof typeof LOG_LEVELS;

export interface ProcessLog extends Logger {
  child(bindings: LogFields): ProcessLog;
  isEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
}

export function createProcessLog(options: { level: LogLevel; bindings: LogFields }): ProcessLog {
  const threshold = LOG_LEVELS[options.level];
  const make = (bindings: LogFields): ProcessLog => {
    const write =
      (level: Exclude<LogLevel, 'silent'>) =>
      (msg: string, fields?: LogFields): void => {
        if (LOG_LEVELS[level] < threshold) {
          return;
        }
        const line = {
          level: LOG_LEVELS[level],
          time: new Date().toISOString(),
          ...bindings,
          ...serialise(fields),
          msg,
        };
        // Synchronous so a line logged just before a crash or exit is never lost.
        writeSync(2, `${safeStringify(line)}\n`);
      };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (more) => make({ ...bindings, ...more }),
      isEnabled: (level) => LOG_LEVELS[level] >= threshold,
    };
  };
  return make({ pid: process.pid, ...options.bindings });
}

/** Errors become { type, message, stack } instead of `{}`. */
function serialise(fields: LogFields | undefined): LogFields {
  if (fields === undefined) {
    return {};
  }
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] =
      value instanceof Error
        ? { type: value.name, message: value.message, stack: value.stack }
        : value;
  }
  return out;
}

/** Plugin code may log anything, including cycles and bigints; a log call must never throw. */
function safeStringify(value: unknown): string {
  const seen = new WeakSet();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') {
      return v.toString();
    }
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) {
        return '[Circular]';
      }
      seen.add(v);
    }
    return v;
  });
}
