import pg from 'pg';
import { expect, it } from 'vitest';
import { openPostgres } from '../../src/store/pg-db.js';
import { migrate, MIGRATIONS } from '../../src/store/schema.js';
import { conformance } from './conformance.js';
import { dropSchema, openTestStore, PG_URL, uniqueSchema } from './support.js';

/** every row of every table of the schema as text; bytea through encode(…, 'escape') so clear text shows */
async function rawText(schema: string): Promise<string> {
  const client = new pg.Client(PG_URL);
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const sql = table_name === 'message_content'
        ? `SELECT message_id || coalesce(encode(payload, 'escape'), '') || coalesce(encode(bundle, 'escape'), '') AS t FROM ${schema}.message_content`
        : `SELECT row_to_json(x)::text AS t FROM ${schema}.${table_name} x`;
      parts.push(...(await client.query<{ t: string }>(sql)).rows.map((r) => r.t));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

conformance('postgres', async (sealer) => {
  const t = await openTestStore('postgres', sealer);
  const schema = t.settings.location.backend === 'postgres' ? t.settings.location.schema! : '';
  return { ...t, rawText: () => rawText(schema) };
});

it('postgres: two instances migrating at once apply the schema once', async () => {
  const schema = uniqueSchema();
  const [a, b] = await Promise.all([openPostgres({ url: PG_URL, schema }), openPostgres({ url: PG_URL, schema })]);
  try {
    const applied = await Promise.all([migrate(a), migrate(b)]);
    expect(applied.flat()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await a.all('SELECT version FROM medibus_schema ORDER BY version')).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
  } finally {
    await Promise.all([a.close(), b.close()]);
    await dropSchema(schema);
  }
});
