/**
 * @module Where things live in the Plugin Server's data folder.
 */
import { join } from 'node:path';

export interface DataLayout {
  /** `<id>/<version>-<suffix>/{package,scratch}` per installed version, `<id>/current.json`. */
  readonly plugins: string;
  readonly logs: string;
  /** Fresh folders for fetches in progress; emptied at every start. */
  readonly staging: string;
  readonly uploads: string;
  readonly installCache: string;
  /** One file per plugin: the last sequence number and the status still to deliver. */
  readonly webhooks: string;
}

export function dataLayout(dataDir: string): DataLayout {
  return {
    plugins: join(dataDir, 'plugins'),
    logs: join(dataDir, 'logs'),
    staging: join(dataDir, 'staging'),
    uploads: join(dataDir, 'uploads'),
    installCache: join(dataDir, 'cache', 'packages'),
    webhooks: join(dataDir, 'webhooks'),
  };
}
