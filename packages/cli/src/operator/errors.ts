/**
 * @module OperatorError: what an operator command (one that talks to the platform) reports as
 * `<code>: <message>`, with optional lines under it (validation issues, a log tail, hints). API
 * errors keep the platform's own code (`PLAT_*`); problems found on this side use `CLI_*` codes.
 */

/** The codes of problems found on this side, each with what it means. */
type OperatorErrorCode =
  // The command line is wrong (conflicting or missing options, a bad key=value).
  | 'CLI_USAGE'
  // No platform URL or token: none given by flag, environment or connection.json.
  | 'CLI_NOT_CONNECTED'
  // The platform could not be reached at the URL.
  | 'CLI_UNREACHABLE'
  // The platform answered something that is not its JSON or error envelope.
  | 'CLI_BAD_ANSWER'
  // A file named on the command line cannot be read or is not valid JSON.
  | 'CLI_BAD_FILE'
  // The file a download would write already exists.
  | 'CLI_TARGET_EXISTS'
  // No workflow has that id or name.
  | 'CLI_WORKFLOW_NOT_FOUND'
  // Several workflows have that name.
  | 'CLI_WORKFLOW_AMBIGUOUS'
  // The plugin ended in `error` (or was dropped) while the CLI waited, or a version it was to
  // stage or make current did not get there (the Plugin Server rolled it back, saying why).
  | 'CLI_PLUGIN_FAILED'
  // Making the updated version current would break saved workflow nodes; it stays staged.
  | 'CLI_UPDATE_BREAKS'
  // The run failed or was cancelled.
  | 'CLI_RUN_FAILED'
  // The awaited status did not come within --timeout.
  | 'CLI_TIMEOUT';

/** A code another party chose (the platform's error envelope, a run's error), passed on as is. */
interface PassedOnCode {
  readonly passedOn: string;
}

export class OperatorError extends Error {
  /** A `CLI_*` code (OperatorErrorCode), or the platform's code for an API error. */
  readonly code: string;
  readonly exitCode: number;
  /** Printed under the message, one per line (issues, log tail, hints). */
  readonly lines: readonly string[];

  constructor(
    code: OperatorErrorCode | PassedOnCode,
    message: string,
    options: { lines?: readonly string[]; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'OperatorError';
    this.code = typeof code === 'string' ? code : code.passedOn;
    this.exitCode = options.exitCode ?? 1;
    this.lines = options.lines ?? [];
  }
}

/** An error envelope the platform answered: its code, message, HTTP status and details. */
export class ApiError extends OperatorError {
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** The platform says the same request may succeed later. */
  readonly retryable: boolean;

  constructor(
    envelope: {
      code: string;
      message: string;
      details?: Record<string, unknown>;
      retryable?: boolean;
    },
    status: number,
    lines: readonly string[] = [],
  ) {
    super({ passedOn: envelope.code }, envelope.message, {
      lines: [...issueLines(envelope.details), ...lines],
    });
    this.name = 'ApiError';
    this.status = status;
    this.details = envelope.details;
    this.retryable = envelope.retryable === true;
  }
}

/** Every validation issue in an envelope's `details.issues`, one line each: where, then what. */
function issueLines(details: Record<string, unknown> | undefined): string[] {
  const issues = details?.['issues'];
  if (!Array.isArray(issues)) {
    return [];
  }
  return issues.map((raw: unknown) => {
    const issue = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const message = typeof issue['message'] === 'string' ? issue['message'] : JSON.stringify(raw);
    const where: string[] = [];
    if (typeof issue['nodeId'] === 'string') {
      where.push(`node ${issue['nodeId']}`);
    }
    if (typeof issue['edgeIndex'] === 'number') {
      where.push(`edge #${String(issue['edgeIndex'])}`);
    }
    if (where.length === 0 && Array.isArray(issue['path']) && issue['path'].length > 0) {
      where.push(issue['path'].map(String).join('.'));
    }
    return `  - ${where.length === 0 ? '' : `${where.join(', ')}: `}${message}`;
  });
}
