import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.ts';
import { PlatformError } from '../src/errors.ts';
import { createCallTokens } from '../src/runs/call-tokens.ts';
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

const SECRET = 'call-token-test-secret-0123456789abcdef';

describe.each(TEST_DATABASE_KINDS)('call tokens and run file access (%s)', (kind) => {
  let db: Database;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase(kind));
    await insertRun(db, 'run_a');
    await insertRun(db, 'run_b');
  });
  afterAll(() => cleanup());

  const tokens = () => createCallTokens({ db, secretKey: SECRET, ttlMs: 60_000 });

  it('resolves a token to its run and node for its own plugin only', async () => {
    const token = tokens().mint({ runId: 'run_a', nodeId: 'n1', pluginId: 'acme' });
    await expect(tokens().resolve(token, 'acme')).resolves.toEqual({
      runId: 'run_a',
      nodeId: 'n1',
    });
    expect((await refusal(tokens().resolve(token, 'other'))).code).toBe('PLAT_UNAUTHORIZED');
    expect((await refusal(tokens().resolve(token, undefined))).code).toBe('PLAT_UNAUTHORIZED');
    expect((await refusal(tokens().resolve('nope', 'acme'))).status).toBe(401);
    expect((await refusal(tokens().resolve(undefined, 'acme'))).status).toBe(401);
  });

  it('refuses a token signed with another key, or with its claims changed', async () => {
    const token = tokens().mint({ runId: 'run_a', nodeId: 'n1', pluginId: 'acme' });
    const other = createCallTokens({ db, secretKey: `${SECRET}-other`, ttlMs: 60_000 });
    expect((await refusal(other.resolve(token, 'acme'))).code).toBe('PLAT_UNAUTHORIZED');
    const [payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as {
      r: string;
    };
    const forged = Buffer.from(JSON.stringify({ ...claims, r: 'run_b' })).toString('base64url');
    expect((await refusal(tokens().resolve(`${forged}.${signature ?? ''}`, 'acme'))).code).toBe(
      'PLAT_UNAUTHORIZED',
    );
  });

  it('honours tokens signed under a previous key, while it is listed', async () => {
    const old = tokens().mint({ runId: 'run_a', nodeId: 'n2', pluginId: 'acme' });
    const rotated = (previousKeys: string[]) =>
      createCallTokens({ db, secretKey: `${SECRET}-new`, previousKeys, ttlMs: 60_000 });
    await expect(rotated([SECRET]).resolve(old, 'acme')).resolves.toEqual({
      runId: 'run_a',
      nodeId: 'n2',
    });
    expect((await refusal(rotated([]).resolve(old, 'acme'))).code).toBe('PLAT_UNAUTHORIZED');
    // New tokens are signed under the new key only.
    const fresh = rotated([SECRET]).mint({ runId: 'run_a', nodeId: 'n2', pluginId: 'acme' });
    expect((await refusal(tokens().resolve(fresh, 'acme'))).code).toBe('PLAT_UNAUTHORIZED');
  });

  it('refuses an expired token', async () => {
    const token = tokens().mint({ runId: 'run_a', nodeId: 'n3', pluginId: 'acme', ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await refusal(tokens().resolve(token, 'acme'))).code).toBe('PLAT_UNAUTHORIZED');
  });

  it('ends every token of a run when the run ends, and no other', async () => {
    const mint = (runId: string) => tokens().mint({ runId, nodeId: 'n', pluginId: 'acme' });
    const [a, b] = [mint('run_a'), mint('run_b')];
    await db.query(`UPDATE runs SET status = 'succeeded' WHERE id = 'run_a'`);
    expect((await refusal(tokens().resolve(a, 'acme'))).code).toBe('PLAT_UNAUTHORIZED');
    await expect(tokens().resolve(b, 'acme')).resolves.toMatchObject({ runId: 'run_b' });
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
