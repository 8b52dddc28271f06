// Runs in vitest's main process: afterwards, removes the fixture folders its test workers made
// (test helpers name them after this process, their parent).
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function teardown(): Promise<void> {
  await rm(join(tmpdir(), `plugboard-fixtures-${String(process.pid)}`), {
    recursive: true,
    force: true,
  });
}
