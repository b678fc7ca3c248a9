/**
 * `medibus convert … | head`: the reader closes the pipe before convert has written
 * everything. convert stops quietly (no EPIPE stack trace) with its usual exit code.
 * A real child process and a real pipe: the EPIPE only happens on a file descriptor.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../mapping/support.js';

function convertWithClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return withClosedStdout(['convert', ...args]);
}

function withClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // the reader is gone before the first byte: every write of convert fails with EPIPE
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('medibus convert into a closed pipe', () => {
  it('a file: no stack trace, exit 0', async () => {
    const { code, stderr } = await convertWithClosedStdout(['fixtures/mapping/adt-a01.hl7']);
    expect(stderr).not.toMatch(/EPIPE|Error:|at /);
    expect(code).toBe(0);
  });

  it('a folder with --bundles: stops at the first write, no stack trace', async () => {
    const { code, stderr } = await convertWithClosedStdout(['fixtures/convert', '--bundles']);
    expect(stderr).not.toMatch(/EPIPE|Error:|\n\s+at /);
    // adt-a01-no-control-id.hl7 (a failure) comes first in name order, before the first bundle
    expect(code).toBe(1);
  });
});

describe('any medibus command into a closed pipe (the writer all commands share, src/cli/io.ts)', () => {
  it('schema (a large output): no stack trace, exit 0', async () => {
    const { code, stderr } = await withClosedStdout(['schema']);
    expect(stderr).not.toMatch(/EPIPE|Error:|\n\s+at /);
    expect(code).toBe(0);
  });

  it('validate: no stack trace, exit 0', async () => {
    const { code, stderr } = await withClosedStdout(['validate', 'channels']);
    expect(stderr).not.toMatch(/EPIPE|Error:|\n\s+at /);
    expect(code).toBe(0);
  });
});
