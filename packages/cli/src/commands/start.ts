/**
 * @module `plugboard start` (`npm start`): the whole system in one process on embedded defaults —
 * the platform with its worker and embedded database, the Plugin Server, and the marketplace built
 * from the official plugins — with its state, logs and generated keys in one data folder, so a
 * second start finds every plugin, workflow and run as they were. Plugin processes are the Plugin
 * Server's children, as always. Ctrl-C stops everything, plugins first drained.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { PLUGIN_STATUS_RULES } from '@plugboard/protocol';
import { CliError } from '../cli-error.ts';
import type { Output } from '../output.ts';
import { stopSignal, stopWithin } from '../stop-signal.ts';
import { lockDataDir } from './start-lock.ts';
import { buildMarketplace } from './marketplace-build.ts';
import { loadOrCreateKeys, writeConnection } from './start-keys.ts';

export interface StartFlags {
  readonly dataDir?: string;
  readonly host?: string;
  readonly port?: string;
  readonly serverPort?: string;
  readonly marketplace?: string;
  readonly marketplaceUrl?: string;
  readonly dev?: boolean;
}

const OFFICIAL_PLUGINS = fileURLToPath(new URL('../../../../plugins/', import.meta.url));
/** Past this, a stop that hangs (a plugin that will not die) ends the process anyway. */
const STOP_LIMIT_MS = 60_000;
const SERVE_BIN = fileURLToPath(new URL('../../bin/plugboard.js', import.meta.url));
/** The web UI as `npm run build:web` (run by `npm start` first) leaves it. */
const WEB_UI = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

export async function runStart(
  flags: StartFlags,
  deps: { env: Readonly<Record<string, string | undefined>>; output: Output; cwd: string },
): Promise<number> {
  const { output } = deps;
  const began = performance.now();
  const dataDir = resolve(deps.cwd, flags.dataDir ?? '.plugboard');
  const host = flags.host ?? '127.0.0.1';
  // One start per data folder: the embedded database must never be opened twice.
  const lock = await lockDataDir(dataDir);
  const { keys, created } = await loadOrCreateKeys(dataDir);
  output.info(`${created ? 'Created' : 'Using'} ${dataDir} (keys, databases, plugins, logs)`);

  let marketplaceDir: string | undefined;
  if (flags.marketplaceUrl === undefined) {
    const source = resolve(deps.cwd, flags.marketplace ?? OFFICIAL_PLUGINS);
    marketplaceDir = join(dataDir, 'marketplace');
    output.info(`Building the marketplace from ${source}`);
    // Derived from the folder at every start, so editing a plugin there never blocks a start.
    await rm(marketplaceDir, { recursive: true, force: true });
    await buildMarketplace(source, marketplaceDir, {
      onProgress: (line) => {
        output.info(`  ${line}`);
      },
    });
  }

  const platformPort = await portFor(flags.port ?? '4000', host);
  const serverPort = await portFor(flags.serverPort ?? '4010', host);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const platformUrl = `http://${urlHost}:${String(platformPort)}`;
  const serverUrl = `http://${urlHost}:${String(serverPort)}`;
  const marketplaceUrl = flags.marketplaceUrl ?? `${platformUrl}/marketplace/index.json`;
  const logs = join(dataDir, 'logs');
  const webDir = existsSync(join(WEB_UI, 'index.html')) ? WEB_UI : undefined;

  const { createPluginServer, loadServerConfig } = await import('@plugboard/plugin-server');
  const { createPlatform, loadPlatformConfig } = await import('@plugboard/platform');
  const server = await createPluginServer({
    config: loadServerConfig(deps.env, {
      host,
      port: serverPort,
      dataDir: join(dataDir, 'plugin-server'),
      apiKeys: [keys.serverApiKey],
      platformUrl,
      platformApiKey: keys.platformApiKey,
      webhookSecret: keys.webhookSecret,
      marketplaceUrl,
      // The official http-request plugin exists to call other hosts: this one-command system
      // grants it the network (public addresses only, through the egress proxy) unless the
      // environment says otherwise.
      ...(deps.env['PLUGBOARD_SERVER_ALLOW_NETWORK'] === undefined
        ? { allowNetwork: ['http-request'] }
        : {}),
      ...(flags.dev === true ? { devMode: true } : {}),
    }),
    serveBin: SERVE_BIN,
    hostEnv: deps.env,
    logger: fileLogger(join(logs, 'plugin-server.log')),
  });
  const platform = await createPlatform({
    config: loadPlatformConfig(deps.env, {
      host,
      port: platformPort,
      dataDir: join(dataDir, 'platform'),
      apiTokens: [keys.apiToken],
      secretKey: keys.secretKey,
      secretKeyPrevious: keys.previousSecretKeys,
      pluginServerUrl: serverUrl,
      pluginServerApiKey: keys.serverApiKey,
      platformApiKeys: [keys.platformApiKey],
      webhookSecret: keys.webhookSecret,
      ...(marketplaceDir === undefined ? {} : { marketplaceDir }),
      ...(webDir === undefined ? {} : { webDir }),
      marketplaceUrl,
    }),
    logger: fileLogger(join(logs, 'platform.log')),
  });

  // Long steps (dependency installs, first starts) show as they happen.
  // Said loudly: what the host cannot confine plugins with (install bubblewrap, run as root…).
  output.info(server.sandboxSummary);
  const since = new Map<string, number>();
  server.manager.on('status', (change) => {
    const now = performance.now();
    if (PLUGIN_STATUS_RULES[change.status].passing) {
      since.set(change.id, now);
    }
    const started = since.get(change.id);
    const took =
      change.status === 'running' && started !== undefined
        ? ` (${((now - started) / 1000).toFixed(1)} s)`
        : '';
    output.info(
      `  plugin ${change.id}: ${change.status}${took}${change.reason === undefined ? '' : ` — ${change.reason}`}`,
    );
  });

  try {
    await platform.listen();
    await server.listen();
  } catch (error) {
    // Nothing half-started stays behind: the database is closed, no plugin keeps running.
    await platform.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    await lock.release();
    const code = (error as { code?: unknown }).code;
    throw new CliError(
      'CLI_START_FAILED',
      code === 'EADDRINUSE'
        ? `a port is already in use (${(error as Error).message}); stop what uses it, or pick others with --port and --server-port (0 picks free ones)`
        : `cannot start: ${(error as Error).message}`,
    );
  }
  await writeConnection(dataDir, { url: platformUrl, token: keys.apiToken });
  output.result(
    [
      '',
      `Plugboard is running (${((performance.now() - began) / 1000).toFixed(1)} s)`,
      `  web UI         ${webDir === undefined ? 'not built (npm run build:web)' : `${platformUrl}/`}`,
      `  platform API   ${platformUrl}/api   (reference: ${platformUrl}/docs)`,
      `  admin token    ${keys.apiToken}`,
      `  Plugin Server  ${serverUrl}`,
      `  marketplace    ${marketplaceUrl}`,
      `  data and logs  ${dataDir}`,
      '',
      'In another terminal, in this folder of the Plugboard checkout:',
      '  export PATH="$PWD/node_modules/.bin:$PATH"',
      '  plugboard plugins install text-tools',
      '  plugboard plugins list',
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );

  const signal = await stopSignal(deps.output);
  output.info(`received ${signal}; stopping the platform, then the plugins`);
  await stopWithin(
    STOP_LIMIT_MS,
    async () => {
      try {
        await platform.close();
      } finally {
        await server.close();
        await lock.release();
      }
    },
    output,
  );
  output.info('stopped');
  return 0;
}

function fileLogger(file: string) {
  return pino({ level: 'info' }, pino.destination({ dest: file, mkdir: true, sync: false }));
}

/** A fixed port as given; for 0, a free one now, since each side must know the other's URL. */
async function portFor(value: string, host: string): Promise<number> {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return Number.NaN;
  }
  if (port !== 0) {
    return port;
  }
  const probe = createServer();
  probe.listen(0, host);
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  return typeof address === 'object' && address !== null ? address.port : 0;
}
