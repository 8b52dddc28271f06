// A fresh PostgreSQL database per test file on the machine's server (trust auth on loopback),
// dropped afterwards. PLUGBOARD_TEST_POSTGRES_URL points elsewhere.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL =
  process.env['PLUGBOARD_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function createTestPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `plugboard_e2e_${String(process.pid)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
