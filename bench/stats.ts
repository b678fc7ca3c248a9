import path from 'node:path';

/** The middle value of a run of measurements (the upper one of an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** BENCH_PROF=DIR: node flags that write a CPU profile of a child process into DIR/<name>; none otherwise. */
export function profileArgs(name: string): string[] {
  const dir = process.env['BENCH_PROF'];
  return dir === undefined || dir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, name)}`];
}
