/**
 * @module The plugin lifecycle as the platform drives it: the
 * record changes first, then the Plugin Server is asked; its status webhooks move the record on.
 * A Plugin Server that cannot be reached loses nothing: the record keeps the desired state, which
 * the Plugin Server pulls at its next start or interval (the platform never pushes it).
 */
import { describeRequests, PLUGIN_STATUS_RULES, pluginIdSchema } from '@plugboard/protocol';
import { type DesiredState, type PluginGrant, type PluginSource } from '@plugboard/server-api';
import type { FastifyBaseLogger } from 'fastify';
import { PlatformError } from '../errors.ts';
import { checkAgainstSchema, secretFields } from '../json-schema/json-schema-validator.ts';
import type { PluginServerClient } from '../plugin-server/plugin-server-client.ts';
import { MASKED, type PluginRecordView } from '@plugboard/platform-api';
import type { PluginRecord } from './plugin-record.ts';
import { redactSource } from '@plugboard/server-api';
import type { PluginRepository } from './plugin-repository.ts';
import { activateVersion, rollbackVersion, type VersionMoves } from './version-moves.ts';

/** Node types of built-in nodes start with this; no plugin may take the id. */
const RESERVED_PLUGIN_IDS = new Set(['core']);

export interface InstallInput {
  readonly id?: string | undefined;
  readonly source: PluginSource;
  readonly version?: string | undefined;
  readonly config?: Record<string, unknown> | undefined;
  readonly grant?: PluginGrant | undefined;
}

export class PluginService {
  readonly #repo: PluginRepository;
  readonly #server: PluginServerClient;
  readonly #log: FastifyBaseLogger;
  readonly #fileExists: (id: string) => Promise<boolean>;
  readonly #moves: VersionMoves;

  constructor(deps: {
    repo: PluginRepository;
    server: PluginServerClient;
    log: FastifyBaseLogger;
    /** Whether an uploaded package named by an upload source is stored. */
    fileExists: (id: string) => Promise<boolean>;
  }) {
    this.#repo = deps.repo;
    this.#server = deps.server;
    this.#log = deps.log;
    this.#fileExists = deps.fileExists;
    this.#moves = { repo: deps.repo, server: deps.server };
  }

  async list(): Promise<PluginRecordView[]> {
    return Promise.all((await this.#repo.list()).map((r) => this.view(r)));
  }

  async get(id: string): Promise<PluginRecord> {
    const record = await this.#repo.get(id);
    if (record === undefined) {
      const known = (await this.#repo.list()).map((r) => r.id);
      throw new PlatformError('PLAT_PLUGIN_NOT_FOUND', `no plugin "${id.slice(0, 80)}"`, {
        details: { known },
      });
    }
    return record;
  }

  async install(input: InstallInput): Promise<PluginRecord> {
    const id = input.id ?? (input.source.type === 'marketplace' ? input.source.name : undefined);
    if (id === undefined) {
      throw new PlatformError(
        'PLAT_BAD_REQUEST',
        'give the plugin an "id" (the id in its manifest); only marketplace installs default it to the name',
      );
    }
    const parsed = pluginIdSchema.safeParse(id);
    if (!parsed.success || RESERVED_PLUGIN_IDS.has(id)) {
      throw new PlatformError(
        'PLAT_BAD_REQUEST',
        `"${id.slice(0, 80)}" is not a usable plugin id: ${parsed.success ? 'it is reserved for built-in nodes' : (parsed.error.issues[0]?.message ?? 'invalid')}`,
      );
    }
    await this.#requireUpload(input.source);
    const created = await this.#repo.create({
      id,
      source: input.source,
      version: input.version,
      config: input.config ?? {},
      grant: input.grant ?? {},
    });
    if (created === undefined) {
      throw new PlatformError(
        'PLAT_CONFLICT',
        `plugin "${id}" is already installed; update it (POST /api/plugins/${id}/update) or uninstall it first`,
      );
    }
    try {
      await this.#server.install(id, {
        source: input.source,
        ...(input.version === undefined ? {} : { version: input.version }),
        ...(input.config === undefined ? {} : { config: input.config }),
        grant: input.grant ?? {},
      });
    } catch (error) {
      if (isRefusal(error)) {
        // The Plugin Server refused the request itself (a bad source): nothing may remain.
        if (created === 'created') {
          await this.#repo.delete(id);
        } else {
          await this.#repo.setStatus(id, 'uninstalled', (error as Error).message);
        }
        throw error;
      }
      this.#deferred('install', id, error);
    }
    return this.get(id);
  }

  async uninstall(id: string): Promise<PluginRecord> {
    const record = await this.get(id);
    if (record.status === 'uninstalled') {
      return record;
    }
    await this.#repo.setStatus(id, 'uninstalling');
    try {
      const answer = await this.#server.uninstall(id);
      if (answer === 'uninstalled') {
        await this.#repo.setStatus(id, 'uninstalled');
      }
    } catch (error) {
      this.#deferred('uninstall', id, error);
    }
    return this.get(id);
  }

  async restart(id: string): Promise<PluginRecord> {
    const record = await this.#active(id);
    await this.#server.restart(record.id);
    return this.get(id);
  }

  /**
   * Installs another version beside the current one. Made current once it runs (`activate`), it
   * becomes the desired version; staged, the desired version stays what it was. The source given
   * last is what a Plugin Server that lost its data folder installs from again.
   */
  async update(
    id: string,
    change: { source?: PluginSource | undefined; version?: string | undefined; activate: boolean },
  ): Promise<PluginRecord> {
    const record = await this.#active(id);
    const source = change.source ?? (await this.#repo.fullSource(id)) ?? record.source;
    await this.#requireUpload(source);
    // Its package may be fetched from now on, before the source is the desired one (if ever).
    await this.#repo.setStagedSource(id, source);
    await this.#server.install(id, {
      source,
      ...(change.version === undefined ? {} : { version: change.version }),
      config: await this.#repo.config(id),
      grant: record.grant,
      activate: change.activate,
    });
    // Staged, it is not wanted current yet: the desired state stays the version it names and
    // the source that version came from; making it current records its source.
    if (change.activate) {
      await this.#repo.setSource(id, source, change.version ?? record.version);
    }
    return this.get(id);
  }

  /** Makes an installed version current: the desired version from now on. */
  async activate(id: string, version: string): Promise<PluginRecord> {
    await activateVersion(this.#moves, await this.#active(id), version);
    return this.get(id);
  }

  /** Makes the previous installed version (or `to`) current at once. */
  async rollback(id: string, to: string | undefined): Promise<PluginRecord> {
    await rollbackVersion(this.#moves, await this.#active(id), to);
    return this.get(id);
  }

  /** Checks the config against the plugin's schema (when its manifest is known), stores it sealed. */
  async configure(id: string, config: Record<string, unknown>): Promise<PluginRecord> {
    const record = await this.#active(id);
    // Secret fields sent back masked keep their stored value, so a form can be resubmitted.
    const stored = await this.#storedConfig(id, config);
    const merged = Object.fromEntries(
      Object.entries(config).map(([k, v]) => [k, v === MASKED ? stored[k] : v]),
    );
    if (record.manifest !== undefined) {
      const issues = checkAgainstSchema(record.manifest.config, merged);
      if (issues.length > 0) {
        throw new PlatformError(
          'PLAT_CONFIG_REJECTED',
          `the configuration does not fit plugin "${id}": ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
          { details: { issues } },
        );
      }
    }
    await this.#repo.setConfig(id, merged);
    try {
      await this.#server.configure(id, merged);
    } catch (error) {
      this.#deferred('configure', id, error);
    }
    return this.get(id);
  }

  /**
   * Sets what the operator grants the plugin. An install or start that waited for it goes on; a
   * process that asks for more than the new grant is stopped by the Plugin Server.
   */
  async grant(id: string, grant: PluginGrant): Promise<PluginRecord> {
    await this.#active(id);
    await this.#repo.setGrant(id, grant);
    try {
      await this.#server.grant(id, grant);
    } catch (error) {
      this.#deferred('grant', id, error);
    }
    return this.get(id);
  }

  async view(record: PluginRecord): Promise<PluginRecordView> {
    const config: Record<string, unknown> = await this.#repo
      .config(record.id)
      .catch((error: unknown) => {
        // A config no known key opens is shown empty, so it can be entered again (see configure).
        if (!isUnreadable(error)) {
          throw error;
        }
        this.#log.warn(
          { err: error },
          `plugin ${record.id}'s stored configuration cannot be opened`,
        );
        return {};
      });
    for (const field of secretFields(record.manifest?.config)) {
      if (config[field] !== undefined) {
        config[field] = MASKED;
      }
    }
    return {
      id: record.id,
      status: record.status,
      ...(record.version === undefined ? {} : { version: record.version }),
      source: redactSource(record.source, record.hasSourceToken),
      config: record.manifest === undefined ? maskAll(config) : config,
      ...(record.reason === undefined ? {} : { reason: record.reason }),
      ...(record.logTail === undefined ? {} : { logTail: record.logTail }),
      restarts: record.restarts,
      nodes: (record.manifest?.nodes ?? []).map((n) => `${record.id}/${n.name}`),
      ...(record.manifest === undefined ? {} : { manifest: record.manifest }),
      asks: record.manifest === undefined ? [] : describeRequests(record.manifest),
      grant: record.grant,
      ...(record.sandbox === undefined ? {} : { sandbox: record.sandbox }),
      versions: record.versions.map((v) => ({
        version: v.version,
        state: v.state,
        running: v.running,
        installedAt: v.installedAt,
        ...(v.reason === undefined ? {} : { reason: v.reason }),
        nodes: v.manifest.nodes.map((n) => `${record.id}/${n.name}`),
      })),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  }

  /** What the Plugin Server reconciles against: every record not yet fully removed. */
  async desiredState(): Promise<DesiredState> {
    return {
      plugins: (await this.#repo.desired()).map(({ record, source, config }) => ({
        id: record.id,
        ...(record.version === undefined ? {} : { version: record.version }),
        source,
        config,
        grant: record.grant,
        status: record.status,
      })),
    };
  }

  /** Asks the Plugin Server to pull the desired state now (at start, for what changed meanwhile). */
  async nudge(): Promise<void> {
    const report = await this.#server.reconcile();
    const acted = report.actions.filter((a) => a.action !== 'none' && a.action !== 'wait');
    if (acted.length > 0) {
      this.#log.info({ actions: acted }, 'Plugin Server reconciled');
    }
  }

  /**
   * The stored config, to fill in masked fields from. One no known key opens (its key was lost)
   * is replaced whole by a config with every field; a masked field cannot keep what nobody reads.
   */
  async #storedConfig(
    id: string,
    config: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    try {
      return await this.#repo.config(id);
    } catch (error) {
      if (!isUnreadable(error)) {
        throw error;
      }
      if (Object.values(config).includes(MASKED)) {
        throw new PlatformError(
          'PLAT_SECRET_UNREADABLE',
          `plugin "${id}"'s stored configuration cannot be opened, so a masked field cannot keep its value (${error.message}); send every field again, secrets included, to replace it`,
          { details: error.details ?? {} },
        );
      }
      return {};
    }
  }

  async #active(id: string): Promise<PluginRecord> {
    const record = await this.get(id);
    if (PLUGIN_STATUS_RULES[record.status].gone) {
      throw new PlatformError(
        'PLAT_CONFLICT',
        `plugin "${id}" is ${record.status}; install it again first`,
      );
    }
    return record;
  }

  /** An upload source must name a stored file, or nothing is asked of the Plugin Server. */
  async #requireUpload(source: PluginSource): Promise<void> {
    if (source.type === 'upload' && !(await this.#fileExists(source.fileId))) {
      throw new PlatformError(
        'PLAT_FILE_NOT_FOUND',
        `no uploaded file "${source.fileId.slice(0, 80)}"; upload the .tar.gz with POST /api/files and use the id it answers`,
      );
    }
  }

  #deferred(what: string, id: string, error: unknown): void {
    this.#log.warn(
      { pluginId: id, err: error },
      `the Plugin Server did not take the ${what}; it does at its next pull of the desired state`,
    );
  }
}

function isRefusal(error: unknown): boolean {
  const remote = (error as PlatformError).details?.['pluginServer'] as
    { status?: number } | undefined;
  return (
    remote?.status !== undefined &&
    remote.status >= 400 &&
    remote.status < 500 &&
    remote.status !== 401 &&
    remote.status !== 403
  );
}

function maskAll(config: Record<string, unknown>): Record<string, unknown> {
  // Before the manifest says which fields are secret, none is shown.
  return Object.fromEntries(Object.keys(config).map((k) => [k, MASKED]));
}

function isUnreadable(error: unknown): error is PlatformError {
  return error instanceof PlatformError && error.code === 'PLAT_SECRET_UNREADABLE';
}
