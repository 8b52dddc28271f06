import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import { PlatformError } from '../src/errors.ts';
import { mintCallToken, resolveCallToken, revokeCallTokens } from '../src/runs/call-tokens.ts';
import { grantRunFile, runMayRead } from '../src/files/run-file-access.ts';
import { insertRun, openTestDatabase, TEST_DATABASE_KINDS } from './helpers/test-database.ts';

async function refusal(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe.each(TEST_DATABASE_KINDS)('call tokens and run file access (%s)', (kind) => {
  let db: Database;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase(kind));
    await insertRun(db, 'run_a');
    await insertRun(db, 'run_b');
  });
  afterAll(() => cleanup());

  it('resolves a token to its run and node for its own plugin only', async () => {
    const token = await mintCallToken(db, {
      runId: 'run_a',
      nodeId: 'n1',
      pluginId: 'acme',
      ttlMs: 60_000,
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(resolveCallToken(db, token, 'acme')).resolves.toEqual({
      runId: 'run_a',
      nodeId: 'n1',
    });
    expect((await refusal(resolveCallToken(db, token, 'other'))).code).toBe('PLAT_UNAUTHORIZED');
    expect((await refusal(resolveCallToken(db, token, undefined))).code).toBe('PLAT_UNAUTHORIZED');
    expect((await refusal(resolveCallToken(db, 'nope', 'acme'))).status).toBe(401);
    expect((await refusal(resolveCallToken(db, undefined, 'acme'))).status).toBe(401);
  });

  it('stores only a hash of the token', async () => {
    const token = await mintCallToken(db, {
      runId: 'run_a',
      nodeId: 'n2',
      pluginId: 'acme',
      ttlMs: 60_000,
    });
    const rows = await db.query('SELECT * FROM call_tokens');
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('refuses an expired token', async () => {
    const token = await mintCallToken(db, {
      runId: 'run_a',
      nodeId: 'n3',
      pluginId: 'acme',
      ttlMs: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await refusal(resolveCallToken(db, token, 'acme'))).code).toBe('PLAT_UNAUTHORIZED');
  });

  it('revokes every token of a run and no other', async () => {
    const mint = (runId: string) =>
      mintCallToken(db, { runId, nodeId: 'n', pluginId: 'acme', ttlMs: 60_000 });
    const [a, b] = [await mint('run_a'), await mint('run_b')];
    await revokeCallTokens(db, 'run_a');
    expect((await refusal(resolveCallToken(db, a, 'acme'))).code).toBe('PLAT_UNAUTHORIZED');
    await expect(resolveCallToken(db, b, 'acme')).resolves.toMatchObject({ runId: 'run_b' });
  });

  it('grants files to runs, idempotently', async () => {
    await db.query(
      `INSERT INTO files (id, name, content_type, size, sha256, created_by)
       VALUES ('file_x', 'x', 'text/plain', 1, 'h', 'user')`,
    );
    expect(await runMayRead(db, 'run_a', 'file_x')).toBe(false);
    await grantRunFile(db, 'run_a', 'file_x');
    await grantRunFile(db, 'run_a', 'file_x');
    expect(await runMayRead(db, 'run_a', 'file_x')).toBe(true);
    expect(await runMayRead(db, 'run_b', 'file_x')).toBe(false);
  });
});
