/**
 * @module The logger interface nodes receive; plugin authors never depend on a logging library.
 */

/** Facts logged with a message, as JSON (`{ attempt: 2, status: 429 }`). */
export type LogFields = Record<string, unknown>;

/** `ctx.log`: one JSON line per call, at the call's level, with the fields beside the message. */
export interface Logger {
  /** Detail for whoever debugs the plugin; hidden at the default level. */
  debug(message: string, fields?: LogFields): void;
  /** Something worth knowing happened. */
  info(message: string, fields?: LogFields): void;
  /** Something looks wrong but the work goes on. */
  warn(message: string, fields?: LogFields): void;
  /** Something failed. */
  error(message: string, fields?: LogFields): void;
}
