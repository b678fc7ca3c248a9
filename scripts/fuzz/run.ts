/**
 * One worker's share of a fuzz run: inputs `from` … `to` of each target, each timed, every
 * escape classified. Used by main.ts (in worker processes) and by the CI test in process.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { input } from './mutate.js';
import { ContractBreach, isMedibusError, ROOT, TARGETS, Unlocated, type Target } from './targets.js';

export const SLOW_MS = 100;

export interface Finding {
  readonly index: number;
  readonly kind: 'crash' | 'breach' | 'unlocated' | 'slow';
  readonly what: string;
  /** base64 of the input, to replay it */
  readonly input: string;
}

export interface TargetStats {
  readonly name: string;
  tried: number;
  refused: number;
  crashes: number;
  breaches: number;
  unlocated: number;
  slow: number;
  slowestMs: number;
  slowestIndex: number;
  slowestBytes: number;
  readonly refusals: Record<string, number>;
  readonly findings: Finding[];
}

/** `dir/*.ext`, `dir/**\/*.ext`, `dir/**\/*` → the files, sorted */
function files(pattern: string): string[] {
  const star = pattern.indexOf('/*');
  const dir = pattern.slice(0, star);
  const rest = pattern.slice(star + 1);
  const recursive = rest.startsWith('**/');
  const ext = rest.replace(/^(\*\*\/)?\*/, '');
  const out: string[] = [];
  const visit = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const full = path.join(d, name);
      const stat = statSync(full);
      if (stat.isDirectory()) {
        if (recursive) visit(full);
      } else if (name.endsWith(ext) && !name.endsWith('.md')) out.push(full);
    }
  };
  visit(path.join(ROOT, dir));
  return out;
}

const corpora = new Map<string, Buffer[]>();
export function corpusOf(target: Target): Buffer[] {
  let corpus = corpora.get(target.name);
  if (corpus === undefined) {
    corpus = target.corpus.flatMap(files).map((f) => readFileSync(f));
    if (corpus.length === 0) throw new Error(`no corpus for ${target.name}`);
    corpora.set(target.name, corpus);
  }
  return corpus;
}

export function emptyStats(name: string): TargetStats {
  return { name, tried: 0, refused: 0, crashes: 0, breaches: 0, unlocated: 0, slow: 0, slowestMs: 0, slowestIndex: -1, slowestBytes: 0, refusals: {}, findings: [] };
}

async function once(target: Target, bytes: Buffer, index: number): Promise<{ ms: number; error: unknown }> {
  const start = performance.now();
  try {
    await target.run(bytes, index);
    return { ms: performance.now() - start, error: undefined };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

/** At most this many findings of a kind are kept per target (their count is exact). */
const KEEP = 20;

/** The corpus itself, untimed and uncounted: the first inputs should not pay for the JIT. */
async function warmUp(target: Target, corpus: readonly Buffer[]): Promise<void> {
  for (let round = 0; round < 3; round++) for (let i = 0; i < corpus.length; i++) await once(target, corpus[i]!, i);
}

export async function runTarget(target: Target, seed: number, from: number, to: number, stats = emptyStats(target.name)): Promise<TargetStats> {
  const corpus = corpusOf(target);
  await warmUp(target, corpus);
  const note = (kind: Finding['kind'], index: number, bytes: Buffer, what: string): void => {
    if (stats.findings.filter((f) => f.kind === kind).length < KEEP) stats.findings.push({ index, kind, what, input: bytes.toString('base64') });
  };
  for (let i = from; i < to; i++) {
    const bytes = input(seed, i, corpus);
    let { ms, error } = await once(target, bytes, i);
    // a pause of the collector or of a neighbour on a shared machine is not the input's cost: time it again
    if (ms > SLOW_MS) ms = Math.min(ms, (await once(target, bytes, i)).ms);
    stats.tried++;
    if (ms > stats.slowestMs) Object.assign(stats, { slowestMs: ms, slowestIndex: i, slowestBytes: bytes.length });
    if (ms > SLOW_MS) {
      stats.slow++;
      note('slow', i, bytes, `${ms.toFixed(1)} ms for ${bytes.length} bytes`);
    }
    if (error === undefined) continue;
    if (error instanceof Unlocated) {
      stats.refused++;
      stats.unlocated++;
      stats.refusals[error.error.code] = (stats.refusals[error.error.code] ?? 0) + 1;
      note('unlocated', i, bytes, error.message);
    } else if (error instanceof ContractBreach) {
      stats.breaches++;
      note('breach', i, bytes, error.message);
    } else if (isMedibusError(error)) {
      stats.refused++;
      stats.refusals[error.code] = (stats.refusals[error.code] ?? 0) + 1;
      if (error.location === undefined || Object.keys(error.location).length === 0) {
        stats.unlocated++;
        note('unlocated', i, bytes, `${error.code}: ${error.message}`);
      }
    } else {
      stats.crashes++;
      note('crash', i, bytes, error instanceof Error ? (error.stack ?? error.message).split('\n').slice(0, 6).join('\n') : inspect(error));
    }
  }
  return stats;
}

export function targetNamed(name: string): Target {
  const t = TARGETS.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no fuzz target ${name}`);
  return t;
}
