/**
 * @module `plugboard worker`: runs workflows apart from the platform, taking them from the same
 * PostgreSQL database. The embedded PGlite belongs to one process, so this needs PostgreSQL.
 */
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import type { PlatformConfig } from './config.ts';
import { PlatformError } from './errors.ts';
import { createServices } from './services.ts';

export interface WorkerProcess {
  readonly id: string;
  stop(): Promise<void>;
}

export async function createWorkerProcess(options: {
  readonly config: PlatformConfig;
  readonly logger?: FastifyBaseLogger;
}): Promise<WorkerProcess> {
  const { config } = options;
  if (config.databaseUrl === undefined) {
    throw new PlatformError(
      'PLAT_CONFIG_INVALID',
      'a separate worker needs the platform’s PostgreSQL: set PLUGBOARD_DATABASE_URL (the embedded database can only be opened by the platform itself, whose worker runs inside it by default)',
    );
  }
  const logger = options.logger ?? pino({ level: config.logLevel });
  const services = await createServices(config, logger);
  const worker = services.createWorker();
  worker.start();
  return {
    id: worker.id,
    async stop() {
      await worker.stop();
      await services.close();
    },
  };
}
