/**
 * @module `plugboard platform` and `plugboard worker`: run the platform (API, and the worker
 * unless it runs apart) or a worker alone, until SIGTERM/SIGINT.
 */
import { randomBytes } from 'node:crypto';
import type { Output } from '../output.ts';
import { stopSignal } from '../stop-signal.ts';

export interface PlatformFlags {
  readonly host?: string;
  readonly port?: string;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly worker?: boolean;
}

interface Deps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly output: Output;
}

export async function runPlatform(flags: PlatformFlags, deps: Deps): Promise<number> {
  const { createPlatform, loadPlatformConfig } = await import('@plugboard/platform');
  const config = loadPlatformConfig(deps.env, {
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.port === undefined ? {} : { port: flags.port }),
    ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
    ...(flags.databaseUrl === undefined ? {} : { databaseUrl: flags.databaseUrl }),
    ...(flags.worker === false ? { embeddedWorker: false } : {}),
  });
  const platform = await createPlatform({ config });
  const url = await platform.listen();
  deps.output.info(
    `Platform listening on ${url} (API reference at ${url}/docs; ${config.databaseUrl === undefined ? `embedded database in ${config.dataDir}` : 'PostgreSQL'}; worker ${config.embeddedWorker ? 'inside' : 'apart'})`,
  );
  const signal = await stopSignal(deps.output);
  deps.output.info(`received ${signal}; stopping`);
  await platform.close();
  return 0;
}

export async function runWorker(flags: PlatformFlags, deps: Deps): Promise<number> {
  const { createWorkerProcess, loadPlatformConfig } = await import('@plugboard/platform');
  // A worker serves no HTTP: the user tokens, the keys Plugin Servers present and the webhook
  // secret are not its business, so it runs without them (stand-ins no request can ever meet).
  const unused = `unused-by-a-worker-${randomBytes(16).toString('hex')}`;
  const config = loadPlatformConfig(deps.env, {
    ...(deps.env['PLUGBOARD_API_TOKENS'] === undefined ? { apiTokens: [unused] } : {}),
    ...(deps.env['PLUGBOARD_PLATFORM_API_KEY'] === undefined ? { platformApiKeys: [unused] } : {}),
    ...(deps.env['PLUGBOARD_WEBHOOK_SECRET'] === undefined ? { webhookSecret: unused } : {}),
    ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
    ...(flags.databaseUrl === undefined ? {} : { databaseUrl: flags.databaseUrl }),
    embeddedWorker: false,
  });
  const worker = await createWorkerProcess({ config });
  deps.output.info(`Worker ${worker.id} taking runs from PostgreSQL`);
  const signal = await stopSignal(deps.output);
  deps.output.info(`received ${signal}; stopping`);
  await worker.stop();
  return 0;
}
