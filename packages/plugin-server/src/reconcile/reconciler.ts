/**
 * @module Reconciliation, level-triggered: every pass reads the whole actual state and
 * compares it with the whole desired list, so running it twice does nothing the second time.
 *
 *   not on server, status ≠ uninstalling → install      not on server, uninstalling → mark uninstalled
 *   on server, running/installing        → nothing      on server, uninstalling     → uninstall
 *   on server, error                     → restart      on server, not desired      → stop and remove
 *
 * Plus: a different grant → grant (first: what waits for it may start); a plugin waiting for a
 * grant → wait; a different desired version → update; a different config → configure. Operations run one at
 * a time per plugin (the manager's queue) and installs are capped globally; a plugin that keeps
 * failing is retried with its own backoff so it never holds the others up.
 */
import type { PluginManager } from '../plugins/plugin-manager.ts';
import { backoffDelay, canonicalJson, PLUGIN_STATUS_RULES } from '@plugboard/protocol';
import type { DesiredPlugin, ReconcileAction, ReconcileReport } from '@plugboard/server-api';

export interface ReconcilerOptions {
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly now?: () => number;
}

interface Attempts {
  failures: number;
  notBefore: number;
}

export class Reconciler {
  readonly #manager: PluginManager;
  readonly #options: Required<ReconcilerOptions>;
  readonly #attempts = new Map<string, Attempts>();

  constructor(manager: PluginManager, options: ReconcilerOptions = {}) {
    this.#manager = manager;
    this.#options = {
      baseBackoffMs: options.baseBackoffMs ?? 5_000,
      maxBackoffMs: options.maxBackoffMs ?? 300_000,
      now: options.now ?? (() => performance.now()),
    };
  }

  reconcile(desired: readonly DesiredPlugin[]): ReconcileReport {
    const started = performance.now();
    const actions: ReconcileAction[] = [];
    const wanted = new Set<string>();
    for (const plugin of desired) {
      wanted.add(plugin.id);
      try {
        actions.push({ id: plugin.id, ...this.#decide(plugin) });
      } catch (error) {
        // One bad entry must not stop the pass for the others.
        actions.push({ id: plugin.id, action: 'failed', reason: (error as Error).message });
      }
    }
    for (const actual of this.#manager.list()) {
      if (!wanted.has(actual.id) && actual.status !== 'uninstalling') {
        this.#manager.uninstall(actual.id);
        actions.push({ id: actual.id, action: 'remove', reason: 'on this server but not desired' });
      }
    }
    return { durationMs: performance.now() - started, actions };
  }

  #decide(desired: DesiredPlugin): Omit<ReconcileAction, 'id'> {
    const actual = this.#manager.get(desired.id);
    const removal = PLUGIN_STATUS_RULES[desired.status].gone;
    if (actual === undefined) {
      if (desired.status === 'uninstalling') {
        this.#manager.reportUninstalled(desired.id);
        return { action: 'mark-uninstalled', reason: 'not on this server and being uninstalled' };
      }
      if (desired.status === 'uninstalled') {
        return { action: 'none', reason: 'not on this server and uninstalled' };
      }
      return this.#guarded(desired.id, { action: 'install', reason: 'not on this server' }, () => {
        this.#install(desired);
      });
    }
    if (removal) {
      if (actual.status === 'uninstalling') {
        return { action: 'none', reason: 'already being uninstalled' };
      }
      this.#manager.uninstall(desired.id);
      return { action: 'uninstall', reason: `desired status is ${desired.status}` };
    }
    if (actual.broken !== undefined) {
      return { action: 'wait', reason: actual.broken };
    }
    if (
      desired.grant !== undefined &&
      canonicalJson(desired.grant) !== canonicalJson(actual.grant)
    ) {
      this.#manager.grant(desired.id, desired.grant);
      return { action: 'grant', reason: 'the grant changed' };
    }
    if (actual.status === 'installing' || actual.status === 'uninstalling') {
      return { action: 'none', reason: `an operation is in progress (${actual.status})` };
    }
    if (actual.onGrant !== undefined) {
      return { action: 'wait', reason: 'it waits for the operator to grant what it asks for' };
    }
    if (actual.status === 'running' || actual.status === 'missing_config') {
      this.#attempts.delete(desired.id);
    }
    if (actual.status === 'error') {
      return actual.version === undefined
        ? this.#guarded(
            desired.id,
            { action: 'install', reason: 'the last install failed' },
            () => {
              this.#install(desired);
            },
          )
        : this.#guarded(desired.id, { action: 'restart', reason: 'it is in error' }, () => {
            this.#manager.restart(desired.id);
          });
    }
    const installed = actual.versions.find((v) => v.version === desired.version);
    if (desired.version !== undefined && desired.version !== actual.version && installed) {
      if (installed.state === 'rolled_back') {
        return {
          action: 'wait',
          reason: `version ${desired.version} was rolled back (${installed.reason ?? 'no reason recorded'}); make it current to use it again`,
        };
      }
      return this.#guarded(
        desired.id,
        {
          action: 'update',
          reason: `version ${String(actual.version)} → ${desired.version} (installed)`,
        },
        () => {
          this.#manager.activate(desired.id, installed.version);
        },
      );
    }
    if (desired.version !== undefined && desired.version !== actual.version) {
      return this.#guarded(
        desired.id,
        { action: 'update', reason: `version ${String(actual.version)} → ${desired.version}` },
        () => {
          this.#install(desired);
        },
      );
    }
    if (
      desired.config !== undefined &&
      canonicalJson(desired.config) !== canonicalJson(actual.config ?? {})
    ) {
      this.#manager.configure(desired.id, desired.config);
      return { action: 'configure', reason: 'the configuration changed' };
    }
    return { action: 'none', reason: actual.status };
  }

  #install(desired: DesiredPlugin): void {
    this.#manager.install(desired.id, {
      version: desired.version,
      source: desired.source,
      config: desired.config,
      grant: desired.grant,
    });
  }

  /** Runs `act` unless this plugin is backing off after earlier failed attempts. */
  #guarded(
    id: string,
    intent: { action: 'install' | 'update' | 'restart'; reason: string },
    act: () => void,
  ): Omit<ReconcileAction, 'id'> {
    const { action, reason } = intent;
    const now = this.#options.now();
    const attempts = this.#attempts.get(id) ?? { failures: 0, notBefore: 0 };
    if (now < attempts.notBefore) {
      return {
        action: 'wait',
        reason: `${reason}; retrying in ${String(Math.ceil((attempts.notBefore - now) / 1000))} s`,
      };
    }
    act();
    // The first retry after an attempt is immediate; repeated failures then wait longer and longer.
    const delay =
      attempts.failures === 0
        ? 0
        : backoffDelay(attempts.failures, {
            baseMs: this.#options.baseBackoffMs,
            maxMs: this.#options.maxBackoffMs,
          });
    this.#attempts.set(id, { failures: attempts.failures + 1, notBefore: now + delay });
    return { action, reason };
  }
}
