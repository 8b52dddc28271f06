/**
 * @module One host uid per plugin id, kept in the data folder so a plugin keeps its uid across
 * restarts and versions, and no two plugins ever share one.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

export interface PluginUids {
  uidFor(pluginId: string): Promise<number>;
}

export function createPluginUids(file: string, base: number): PluginUids {
  let table: Promise<Map<string, number>> | undefined;
  let writes: Promise<unknown> = Promise.resolve();
  const load = async (): Promise<Map<string, number>> => {
    const text = await readFile(file, 'utf8').catch(() => '{}');
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return new Map(
      Object.entries(parsed).filter((entry): entry is [string, number] =>
        Number.isInteger(entry[1]),
      ),
    );
  };
  return {
    async uidFor(pluginId) {
      const uids = await (table ??= load());
      const known = uids.get(pluginId);
      if (known !== undefined) {
        return known;
      }
      const uid = Math.max(base - 1, ...uids.values()) + 1;
      uids.set(pluginId, uid);
      const snapshot = JSON.stringify(Object.fromEntries(uids), null, 2);
      // Written whole then renamed, in order, so a crash never leaves a table that reuses a uid.
      writes = writes.then(async () => {
        await writeFile(`${file}.tmp`, snapshot, { mode: 0o600 });
        await rename(`${file}.tmp`, file);
      });
      await writes;
      return uid;
    },
  };
}
