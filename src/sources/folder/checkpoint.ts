/**
 * A file's checkpoint: `.medibus/<name>.ckpt` in the watched folder, JSON of the file's size,
 * mtime, SHA-256, row count, and `line`: every row up to that line is durable in the broker.
 * It is written only after the confirms it claims, by rename (never half-written), so after a
 * crash it can be behind (rows re-sent: the same row id, so the same effect) but never ahead.
 * Not fsynced: a lost checkpoint costs re-sent rows, never lost ones.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDir } from './watch.js';

export interface Checkpoint {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
  /** data rows plus bad rows, from the validating pass */
  readonly total: number;
  /** every input up to this physical line is durable (0: none) */
  readonly line: number;
}

export function checkpointPath(dir: string, name: string): string {
  return join(stateDir(dir), `${name}.ckpt`);
}

/** The checkpoint of this very file (same size and mtime), else undefined. */
export async function readCheckpoint(dir: string, name: string, size: number, mtimeMs: number): Promise<Checkpoint | undefined> {
  try {
    const parsed = JSON.parse(await readFile(checkpointPath(dir, name), 'utf8')) as Partial<Checkpoint>;
    if (parsed.size !== size || parsed.mtimeMs !== mtimeMs || typeof parsed.sha256 !== 'string' || typeof parsed.line !== 'number' || typeof parsed.total !== 'number') return undefined;
    return parsed as Checkpoint;
  } catch {
    return undefined;
  }
}

export async function writeCheckpoint(dir: string, name: string, checkpoint: Checkpoint): Promise<void> {
  const path = checkpointPath(dir, name);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(checkpoint), 'utf8');
  await rename(temporary, path);
}

export async function removeCheckpoint(dir: string, name: string): Promise<void> {
  await rm(checkpointPath(dir, name), { force: true });
}
