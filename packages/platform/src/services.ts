/**
 * @module The platform's parts wired together from its config: database, sealed secrets, the
 * Plugin Server client, repositories, the node registry and the remote-node caller. Both process
 * roots (the platform, and a worker on its own) start from here, so they build the same things.
 */
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { PlatformConfig } from './config.ts';
import { credentialsForExecution } from './credentials/credentials-for-execution.ts';
import { CredentialsRepository } from './credentials/credentials-repository.ts';
import type { Database } from './db/database.ts';
import { openDatabase } from './db/open-database.ts';
import { createFileStore, type FileStore } from './files/file-store.ts';
import type { NodeRegistry } from './nodes/node-registry.ts';
import { NodeRegistryCache } from './nodes/node-registry-cache.ts';
import {
  createPluginServerClient,
  type PluginServerClient,
} from './plugin-server/plugin-server-client.ts';
import { PluginRepository } from './plugins/plugin-repository.ts';
import { PluginService } from './plugins/plugin-service.ts';
import { createCallTokens, type CallTokens } from './runs/call-tokens.ts';
import { createRemoteNodeCaller, type RemoteCallDeps } from './runs/remote-node-caller.ts';
import { RunBus } from './runs/run-bus.ts';
import { linkRunBus } from './runs/run-bus-link.ts';
import { RunRepository } from './runs/run-repository.ts';
import { RunClaims } from './runs/run-claims.ts';
import { RunWorker } from './runs/run-worker.ts';
import { createSecretBox, type SecretBox } from './secrets/secret-box.ts';
import { WorkflowRepository } from './workflows/workflow-repository.ts';

export interface PlatformServices {
  readonly config: PlatformConfig;
  readonly log: FastifyBaseLogger;
  readonly db: Database;
  readonly box: SecretBox;
  readonly pluginServer: PluginServerClient;
  readonly pluginRepo: PluginRepository;
  readonly plugins: PluginService;
  readonly workflows: WorkflowRepository;
  readonly runs: RunRepository;
  readonly credentials: CredentialsRepository;
  readonly files: FileStore;
  readonly bus: RunBus;
  readonly callTokens: CallTokens;
  /** The registry as of now: built-ins plus the nodes of every plugin record with a manifest. */
  registry(): Promise<NodeRegistry>;
  createWorker(): RunWorker;
  close(): Promise<void>;
}

export async function createServices(
  config: PlatformConfig,
  log: FastifyBaseLogger,
): Promise<PlatformServices> {
  const db = await openDatabase(config);
  const box = createSecretBox(config.secretKey, config.secretKeyPrevious);
  const pluginServer = createPluginServerClient({
    url: config.pluginServerUrl,
    apiKey: config.pluginServerApiKey,
  });
  const pluginRepo = new PluginRepository(db, box);
  const files = createFileStore({
    db,
    dir: join(config.dataDir, 'files'),
    maxBytes: config.limits.maxUploadBytes,
  });
  const plugins = new PluginService({
    repo: pluginRepo,
    server: pluginServer,
    log,
    fileExists: async (id) => (await files.get(id)) !== undefined,
  });
  const runs = new RunRepository(db);
  const credentials = new CredentialsRepository(db, box);
  const callTokens = createCallTokens({
    db,
    secretKey: config.secretKey,
    previousKeys: config.secretKeyPrevious,
    ttlMs: config.limits.callTokenTtlMs,
  });
  const callerDeps: RemoteCallDeps = {
    pluginServer,
    credentials: ({ pluginId, integrations, chosen }) =>
      credentialsForExecution(credentials, { pluginId, integrations, chosen }),
    // A token outlives its node's deadline, so file access never stops mid-node.
    mintCallToken: (scope) =>
      callTokens.mint({
        ...scope,
        ttlMs: Math.max(config.limits.callTokenTtlMs, scope.timeoutMs + 60_000),
      }),
  };
  const registries = new NodeRegistryCache(pluginRepo);
  const registry = () => registries.current();
  const bus = new RunBus();
  // On PostgreSQL the API, separate workers and replicas wake each other; the embedded database
  // has one process, whose bus already reaches everyone.
  const link =
    config.databaseUrl === undefined
      ? undefined
      : linkRunBus(bus, { url: config.databaseUrl, db, log });
  return {
    config,
    log,
    db,
    box,
    pluginServer,
    pluginRepo,
    plugins,
    workflows: new WorkflowRepository(db),
    runs,
    credentials,
    files,
    bus,
    callTokens,
    registry,
    createWorker: () =>
      new RunWorker({
        runs,
        claims: new RunClaims(db),
        registry,
        remote: () => createRemoteNodeCaller(callerDeps),
        bus,
        log,
        limits: config.limits,
        ready: () => pluginServer.ready(),
      }),
    close: async () => {
      await link?.close();
      await pluginServer.close();
      await db.close();
    },
  };
}
