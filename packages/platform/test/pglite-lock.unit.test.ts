// The embedded database's folder belongs to one process at a time: a second open is refused
// with PLAT_DATABASE_IN_USE (PGlite itself would let it in and both would corrupt the folder),
// the folder is free again once closed, and the lock of a process that is gone is taken over.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformError } from '../src/errors.ts';
import { openPgliteDatabase } from '../src/db/pglite-database.ts';

describe('the embedded database lock', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plugboard-pglite-lock-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second open while the first is open, and lets one in after it closes', async () => {
    const folder = join(dir, 'db');
    const first = await openPgliteDatabase(folder);
    try {
      expect(await readFile(`${folder}.lock`, 'utf8')).toBe(String(process.pid));
      const refused = await openPgliteDatabase(folder).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(PlatformError);
      expect((refused as PlatformError).code).toBe('PLAT_DATABASE_IN_USE');
      expect((refused as PlatformError).message).toContain(`pid ${String(process.pid)}`);
    } finally {
      await first.close();
    }
    const second = await openPgliteDatabase(folder);
    await second.close();
  });

  it('takes over the lock of a process that is gone', async () => {
    const folder = join(dir, 'crashed');
    // A pid above the kernel's limit: no such process.
    await writeFile(`${folder}.lock`, '4194305');
    const db = await openPgliteDatabase(folder);
    try {
      expect(await readFile(`${folder}.lock`, 'utf8')).toBe(String(process.pid));
    } finally {
      await db.close();
    }
  });
});
