/**
 * @module `plugboard server`: runs the Plugin Server until SIGTERM/SIGINT, then stops every plugin.
 */
import { fileURLToPath } from 'node:url';
import type { Output } from '../output.ts';
import { stopSignal } from '../stop-signal.ts';

export interface ServerFlags {
  readonly host?: string;
  readonly port?: string;
  readonly dataDir?: string;
  readonly dev?: boolean;
}

export async function runServer(
  flags: ServerFlags,
  deps: { env: Readonly<Record<string, string | undefined>>; output: Output },
): Promise<number> {
  const { createPluginServer, loadServerConfig } = await import('@plugboard/plugin-server');
  const config = loadServerConfig(deps.env, {
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.port === undefined ? {} : { port: flags.port }),
    ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
    ...(flags.dev === true ? { devMode: true } : {}),
  });
  const server = await createPluginServer({
    config,
    serveBin: fileURLToPath(new URL('../../bin/plugboard.js', import.meta.url)),
    hostEnv: deps.env,
  });
  const url = await server.listen();
  deps.output.info(
    `Plugin Server listening on ${url} (API reference at ${url}/docs; data in ${config.dataDir})`,
  );
  const signal = await stopSignal(deps.output);
  deps.output.info(`received ${signal}; stopping plugins`);
  await server.close();
  return 0;
}
