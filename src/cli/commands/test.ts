import { cliIo, printedHelp, usageError, type CliDeps } from '../io.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { displayPath, formatDiagnostic, hasErrors } from '../../config/diagnostics.js';
import { loadChannels } from '../../config/load.js';
import type { ChannelTest, LoadedChannel } from '../../config/types.js';
import { codedMessage } from '../../errors.js';
import { anyKindSpec } from '../../kinds/registry.js';
import type { Payload } from '../../kinds/types.js';
import { checkExpectation, type ExpectationResult } from '../../mapping/expectations.js';
import { planChannels } from '../../pipeline/transform-plan.js';
import { transformStep, type TransformPlan } from '../../pipeline/transform-step.js';
import { defaultMappingsDir } from './convert.js';

const USAGE = `usage: medibus test [--channels DIR] [--mappings DIR]

Runs the tests: blocks of every channel file of DIR (default ./channels): each input (a path
relative to the channel file, of the kind the channel's source hands on: HL7 v2 messages, a
DICOM object, a CSV file whose rows are each a message) goes through the channel's filter and
mapping, and each
expectation — a FHIRPath expression with equals, exists or count — is checked on the
resulting Bundle. An expression that starts with a resource type is evaluated on each
resource of that type. Prints one line per test, with a diff for failures; exits 1 if any
test fails.

  --channels DIR   channel files (default ./channels)
  --mappings DIR   mappings (default ./mappings, else the mappings shipped with medibus)
`;

export interface TestDeps extends CliDeps {
  readonly cwd?: string;
}

interface Outcome {
  readonly passed: boolean;
  /** indented detail lines for a failure */
  readonly details: readonly string[];
}

export async function run(argv: string[], deps: TestDeps = {}): Promise<number> {
  const io = cliIo(deps);
  const { out, err } = io;
  const cwd = deps.cwd ?? process.cwd();
  if (printedHelp(argv, io, USAGE)) return 0;
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if ((arg === '--channels' || arg === '--mappings') && i + 1 < argv.length) options[arg.slice(2)] = argv[++i];
    else {
      return usageError(io, 'test', arg.startsWith('-') ? `unknown option or missing value "${arg}"` : `unexpected argument "${arg}"`, USAGE);
    }
  }
  const channelsDir = path.resolve(cwd, options['channels'] ?? 'channels');
  const mappingsDir = options['mappings'] !== undefined ? path.resolve(cwd, options['mappings']) : await defaultMappingsDir(cwd);

  const { channels, diagnostics } = await loadChannels(channelsDir);
  for (const d of diagnostics) err(`${formatDiagnostic(d, cwd)}\n`);
  if (hasErrors(diagnostics)) return 1;

  // the plans `medibus start` would run: the same mappings, filters and settings
  const planned = await planChannels(channels.filter((c) => c.config.tests.length > 0), { mappingsDir });
  for (const d of planned.diagnostics) err(`${formatDiagnostic(d, cwd)}\n`);

  let passed = 0;
  let failed = 0;
  for (const channel of channels) {
    for (const test of channel.config.tests) {
      const name = `${channel.config.id} › ${test.name ?? path.basename(test.input)}`;
      const outcome = await runTest(channel, test, planned.plans.get(channel.config.id), cwd);
      if (outcome.passed) {
        passed++;
        out(`✓ ${name}\n`);
      } else {
        failed++;
        out(`✗ ${name}\n${outcome.details.map((line) => `    ${line}\n`).join('')}`);
      }
    }
  }
  const total = passed + failed;
  if (total === 0) out(`no tests in ${displayPath(channelsDir, cwd)} (a channel's tests: block lists them)\n`);
  else out(`\n${total} test${total === 1 ? '' : 's'}: ${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

async function runTest(channel: LoadedChannel, test: ChannelTest, plan: TransformPlan | undefined, cwd: string): Promise<Outcome> {
  const input = path.resolve(path.dirname(channel.file), test.input);
  const where = `input: ${displayPath(input, cwd)}`;
  if (channel.config.transform === undefined) return { passed: false, details: ['the channel has no transform.mapping to test', where] };
  if (plan?.mapping === undefined) return { passed: false, details: [`mapping ${channel.config.transform.mapping} could not be loaded (see above)`, where] };

  const bundles: Bundle[] = [];
  const notes: string[] = [];
  // the input is of the channel's kind: HL7 message(s), a DICOM object, a CSV file (a row a message)
  let payloads: readonly Payload[];
  try {
    const reading = await anyKindSpec(plan.kind).readFile(await readFile(input), path.basename(input));
    const unreadable = reading.failures[0];
    if (unreadable !== undefined) return { passed: false, details: [`cannot read ${unreadable.where}: ${codedMessage(unreadable.error)}`, where] };
    payloads = reading.payloads;
  } catch (error) {
    return { passed: false, details: [`cannot read the input: ${codedMessage(error)}`, where] };
  }
  for (const payload of payloads) {
    const outcome = await transformStep(payload, plan);
    switch (outcome.kind) {
      case 'refused':
        notes.push(`refused with ${outcome.ackCode} at intake: ${outcome.error.message}`);
        break;
      case 'filtered':
        notes.push(`filtered: ${outcome.reason}`);
        break;
      case 'failed':
        return { passed: false, details: [`conversion failed: ${outcome.error.code}: ${outcome.reason}`, where] };
      case 'converted':
        if (outcome.bundle !== undefined) bundles.push(outcome.bundle);
        break;
      default:
        outcome satisfies never;
    }
  }

  const failures = test.expect.map((e) => checkExpectation(bundles, e)).filter((r) => !r.passed);
  if (failures.length === 0) return { passed: true, details: [] };
  return { passed: false, details: [...failures.flatMap(describeFailure), ...notes, where] };
}

/** The expression, then expected against actual; multi-line values as a line diff. */
function describeFailure(result: ExpectationResult): string[] {
  const e = result.expectation;
  const lines = [e.path];
  switch (result.failed) {
    case 'expression':
      lines.push(`  cannot evaluate: ${result.error ?? 'unknown error'}`);
      break;
    case 'count':
      lines.push(`  expected count: ${e.count}`, `  actual count:   ${String(result.actual)}`);
      break;
    case 'exists':
      lines.push(`  expected: ${e.exists === true ? 'a value' : 'nothing'}`, `  actual:   ${show(result.actual)}`);
      break;
    case 'equals':
      lines.push(...compare(e.equals, result.actual));
      break;
    case undefined:
      break;
    default:
      result.failed satisfies never;
  }
  return lines;
}

function show(value: unknown): string {
  if (Array.isArray(value) && value.length === 0) return 'nothing';
  return JSON.stringify(value);
}

function compare(expected: unknown, actual: unknown): string[] {
  const a = JSON.stringify(expected, null, 2).split('\n');
  const b = (Array.isArray(actual) && actual.length === 0 ? 'nothing' : JSON.stringify(actual, null, 2)).split('\n');
  if (a.length === 1 && b.length === 1) return [`  expected: ${a[0]}`, `  actual:   ${b[0]}`];
  return ['  - expected', '  + actual', ...lineDiff(a, b).map((l) => `  ${l}`)];
}

/**
 * A line diff (longest common subsequence): `  ` same, `- ` only expected, `+ ` only actual.
 * Lines compare without their trailing comma, which only says whether a key is the last.
 */
function lineDiff(a: readonly string[], b: readonly string[]): string[] {
  const n = a.length;
  const m = b.length;
  const same = (i: number, j: number): boolean => a[i].replace(/,$/, '') === b[j].replace(/,$/, '');
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = same(i, j) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && same(i, j)) {
      out.push(`  ${b[j++]}`);
      i++;
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(`+ ${b[j++]}`);
    else out.push(`- ${a[i++]}`);
  }
  return out;
}
