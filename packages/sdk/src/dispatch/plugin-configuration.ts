/**
 * @module The plugin's configuration inside its process. The Plugin Server applies it with
 * `POST /config` (at start, before any call reaches the process, and on each change); it is
 * parsed once and every call that starts after gets it, so no call carries it. Also the plugin's
 * verdict on a configuration: its schema, then its validateConfig hook.
 */
import { z } from 'zod';
import {
  issueSchema,
  validateConfigRequestSchema,
  type ConfigureResponse,
  type Issue,
  type ValidateConfigResponse,
} from '@plugboard/protocol';
import type { Plugin } from '../define-plugin.ts';
import type { Logger } from '../logger.ts';
import type { ConcurrencyLimit } from './concurrency-limit.ts';
import { describeIssues, toIssues } from './issues.ts';
import { PluginFailure } from './plugin-failure.ts';
import { runGuarded } from './run-guarded.ts';
import { toFailure } from './to-failure.ts';

const hookIssuesSchema = z.array(issueSchema).default([]);

export interface PluginConfigurationDeps {
  readonly limit: ConcurrencyLimit;
  readonly timeoutMs: number;
  readonly logger: (bindings: Record<string, unknown>) => Logger;
  readonly parseRequest: <T extends z.ZodType>(schema: T, value: unknown) => z.output<T>;
}

/** The parsed configuration, or why there is none. */
type ConfigOutcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly issues: Issue[] };

export interface PluginConfiguration {
  /** What calls get now: the applied configuration, or the empty one if the schema takes it. */
  current(): ConfigOutcome;
  /** `raw` parsed as calls would get it (the test harness gives a configuration per call). */
  parse(raw: unknown): ConfigOutcome;
  validate(body: unknown, signal: AbortSignal): Promise<ValidateConfigResponse>;
  apply(body: unknown, signal: AbortSignal): Promise<ConfigureResponse>;
}

export function createPluginConfiguration(
  plugin: Plugin,
  deps: PluginConfigurationDeps,
): PluginConfiguration {
  const parse = (raw: unknown): ConfigOutcome => {
    const parsed = plugin.config.safeParse(raw);
    return parsed.success
      ? { ok: true, value: parsed.data }
      : { ok: false, issues: toIssues(parsed.error, []) };
  };
  // Before the Plugin Server applies one (only a process run by hand sees this), calls get the
  // empty configuration when the schema takes it; otherwise they say what is missing.
  let applied: ConfigOutcome | undefined;

  /** The validateConfig hook's issues, or a failure if it failed or answered something else. */
  const hookVerdict = async (config: unknown, signal: AbortSignal): Promise<Issue[]> => {
    const hook = plugin.validateConfig;
    if (hook === undefined) {
      return [];
    }
    const problems = await runGuarded(
      async (guardSignal) => {
        try {
          return await hook(config, {
            log: deps.logger({ hook: 'validateConfig' }),
            signal: guardSignal,
          });
        } catch (error) {
          throw toFailure(error);
        }
      },
      { limit: deps.limit, timeoutMs: deps.timeoutMs, signal },
    );
    // Checked because plugins written in JavaScript can return anything, including nothing.
    const checked = hookIssuesSchema.safeParse(problems);
    if (!checked.success) {
      throw PluginFailure.of(
        'PLUGIN_OUTPUT_INVALID',
        `validateConfig returned something other than a list of { path, message } issues: ${describeIssues(toIssues(checked.error, []))}`,
      );
    }
    return checked.data;
  };

  return {
    current: () => (applied ??= parse({})),
    parse,
    async validate(body, signal) {
      const request = deps.parseRequest(validateConfigRequestSchema, body);
      const parsed = parse(request.config);
      if (!parsed.ok) {
        return { valid: false, issues: parsed.issues };
      }
      const issues = await hookVerdict(parsed.value, signal);
      return { valid: issues.length === 0, issues };
    },
    async apply(body, signal) {
      const request = deps.parseRequest(validateConfigRequestSchema, body);
      const parsed = parse(request.config);
      if (!parsed.ok) {
        return { valid: false, issues: parsed.issues, applied: false };
      }
      // Applied before the hook runs: a hook that cannot decide (its own service is down) must
      // not leave the process without the configuration it was given.
      applied = parsed;
      try {
        const issues = await hookVerdict(parsed.value, signal);
        return { valid: issues.length === 0, issues, applied: true };
      } catch (error) {
        return {
          valid: true,
          issues: [],
          applied: true,
          unchecked: `validateConfig failed: ${toFailure(error).message}`,
        };
      }
    },
  };
}
