/**
 * `npm run fuzz` — random and mutated inputs built from the corpus, fed to every reader of
 * untrusted input (targets.ts), in worker processes (one per core by default):
 *
 *   npm run fuzz                              # 1,000,000 inputs, 2 workers, seed 1
 *   npm run fuzz -- --inputs 20000 --seed 7   # a short run
 *   npm run fuzz -- --target "hl7 parser"     # one target
 *
 * Prints, per target, the inputs tried, refusals (MedibusError), crashes, contract breaches,
 * inputs over 100 ms and the slowest, and the peak RSS of each worker. Crashing, breaching and
 * slow inputs are written to fuzz-findings/ (replay: `--replay FILE`). Exit 1 on any crash or
 * breach.
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyStats, runTarget, SLOW_MS, targetNamed, type TargetStats } from './run.js';
import { ROOT, TARGETS } from './targets.js';

interface Slice {
  readonly target: string;
  readonly from: number;
  readonly to: number;
}

interface WorkerReport {
  readonly stats: TargetStats[];
  readonly maxRssBytes: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

async function worker(): Promise<void> {
  const slices = JSON.parse(process.env['MEDIBUS_FUZZ_SLICES'] ?? '[]') as Slice[];
  const seed = Number(process.env['MEDIBUS_FUZZ_SEED'] ?? 1);
  const stats: TargetStats[] = [];
  for (const s of slices) stats.push(await runTarget(targetNamed(s.target), seed, s.from, s.to));
  const report: WorkerReport = { stats, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
  process.send!(report);
}

function merge(all: readonly TargetStats[]): TargetStats {
  const out = emptyStats(all[0]!.name);
  for (const s of all) {
    for (const k of ['tried', 'refused', 'crashes', 'breaches', 'unlocated', 'slow'] as const) out[k] += s[k];
    if (s.slowestMs > out.slowestMs) Object.assign(out, { slowestMs: s.slowestMs, slowestIndex: s.slowestIndex, slowestBytes: s.slowestBytes });
    for (const [code, n] of Object.entries(s.refusals)) out.refusals[code] = (out.refusals[code] ?? 0) + n;
    out.findings.push(...s.findings);
  }
  return out;
}

async function main(): Promise<number> {
  const replay = arg('replay');
  if (replay !== undefined) {
    const [name, index] = path.basename(replay).replace(/\.bin$/, '').split('@') as [string, string];
    const target = TARGETS.find((t) => t.name.replace(/ /g, '-') === name)!;
    await target.run(readFileSync(replay), Number(index));
    console.log('no crash');
    return 0;
  }
  const inputs = Number(arg('inputs') ?? 1_000_000);
  const workers = Number(arg('workers') ?? 2);
  const seed = Number(arg('seed') ?? 1);
  const only = arg('target');
  const targets = TARGETS.filter((t) => only === undefined || t.name === only);
  const total = targets.reduce((a, t) => a + t.weight, 0);
  const perWorker: Slice[][] = Array.from({ length: workers }, () => []);
  for (const t of targets) {
    const n = Math.round((inputs * t.weight) / total);
    for (let w = 0; w < workers; w++) perWorker[w]!.push({ target: t.name, from: Math.floor((n * w) / workers), to: Math.floor((n * (w + 1)) / workers) });
  }
  const started = Date.now();
  const self = fileURLToPath(import.meta.url);
  const reports = await Promise.all(
    perWorker.map(
      (slices) =>
        new Promise<WorkerReport>((resolve, reject) => {
          const child = fork(self, ['--worker'], { execArgv: ['--import', 'tsx'], env: { ...process.env, MEDIBUS_FUZZ_SLICES: JSON.stringify(slices), MEDIBUS_FUZZ_SEED: String(seed) } });
          let report: WorkerReport | undefined;
          child.on('message', (m) => (report = m as WorkerReport));
          child.on('exit', (code) => (report ? resolve(report) : reject(new Error(`fuzz worker exited ${code} without a report (a crash of the process itself)`))));
        }),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  const merged = targets.map((t) => merge(reports.flatMap((r) => r.stats.filter((s) => s.name === t.name))));
  const dir = path.join(ROOT, 'fuzz-findings');
  let written = 0;
  console.log(`medibus fuzz: seed ${seed}, ${workers} workers, ${seconds.toFixed(0)} s`);
  console.log('target            inputs    refused  crashes  breaches  >100ms  slowest (bytes)        unlocated refusals');
  for (const s of merged) {
    console.log(
      `${s.name.padEnd(16)} ${String(s.tried).padStart(8)} ${String(s.refused).padStart(9)} ${String(s.crashes).padStart(8)} ${String(s.breaches).padStart(9)} ${String(s.slow).padStart(7)}  ${s.slowestMs.toFixed(1).padStart(6)} ms (${String(s.slowestBytes).padStart(6)} B)  ${String(s.unlocated).padStart(9)}`,
    );
    for (const f of s.findings.filter((x) => x.kind !== 'unlocated')) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${s.name.replace(/ /g, '-')}@${f.index}.bin`), Buffer.from(f.input, 'base64'));
      written++;
      if (f.kind !== 'slow') console.log(`  ${f.kind} #${f.index}: ${f.what.split('\n').join('\n    ')}`);
    }
    const unlocated = [...new Set(s.findings.filter((x) => x.kind === 'unlocated').map((x) => x.what.split(':')[0]))];
    if (unlocated.length > 0) console.log(`  refusals without a location: ${unlocated.join(', ')}`);
  }
  const sum = (k: 'tried' | 'crashes' | 'breaches' | 'slow') => merged.reduce((a, s) => a + s[k], 0);
  console.log(`total: ${sum('tried')} inputs, ${sum('crashes')} crashes, ${sum('breaches')} breaches, ${sum('slow')} over ${SLOW_MS} ms; peak RSS per worker ${reports.map((r) => `${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB`).join(', ')}`);
  if (written > 0) console.log(`${written} inputs written to fuzz-findings/ (replay one: npm run fuzz -- --replay FILE)`);
  return sum('crashes') + sum('breaches') > 0 ? 1 : 0;
}

if (process.argv.includes('--worker')) await worker();
else process.exitCode = await main();
