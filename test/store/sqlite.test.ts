import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { openSqlite } from '../../src/store/sqlite-db.js';
import { migrate, MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import { conformance } from './conformance.js';
import { openTestStore, tempDir } from './support.js';

conformance('sqlite', async (sealer) => {
  const t = await openTestStore('sqlite', sealer);
  const file = t.settings.location.backend === 'sqlite' ? t.settings.location.file : '';
  return {
    ...t,
    // the bytes on disk, WAL included: what someone who copies the file can read
    async rawText() {
      const parts = await Promise.all([file, `${file}-wal`].map((f) => readFile(f).catch(() => Buffer.alloc(0))));
      return Buffer.concat(parts).toString('latin1') + Buffer.concat(parts).toString('utf8');
    },
  };
});

it('sqlite: runs in WAL mode, migrates once, and refuses a schema newer than it knows', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'store.db');
  const db = openSqlite(file);
  expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
  expect(await migrate(db)).toEqual([]);
  expect(await db.all('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
  await db.close();
  const raw = new Database(file);
  raw.prepare('INSERT INTO medibus_schema (version, what, applied_at) VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'from the future', Date.now());
  raw.close();
  const again = openSqlite(file);
  await expect(migrate(again)).rejects.toMatchObject({ code: 'MEDIBUS_ERR_STORE_SCHEMA' });
  await again.close();
});
