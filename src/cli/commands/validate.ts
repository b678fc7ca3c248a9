import { cliIo, parseOptions, printedHelp, usageError, type CliDeps } from '../io.js';
import path from 'node:path';
import type { Diagnostic } from '../../config/diagnostics.js';
import { formatDiagnostic, sortDiagnostics } from '../../config/diagnostics.js';
import type { Env } from '../../config/env.js';
import { checkChannelFiles, listChannelFiles } from '../../config/load.js';
import { checkTestInputs } from '../../config/references.js';
import type { ConnectorSpecs } from '../../config/schema.js';
import { planChannels } from '../../pipeline/transform-plan.js';
import { defaultMappingsDir } from './convert.js';

const USAGE = `usage: medibus validate [PATH ...] [--mappings DIR]

Checks channel files — each PATH a channel file or a directory of them (*.yaml, *.yml;
default ./channels) — against the channel schema, the environment (\${VAR}), the rules across
channels (unique ids and ports) and what they refer to: the mapping of transform.mapping
(compiled from DIR, with the code tables it names) and the inputs of tests:.
Prints every problem as file:line:column; exits 1 if any is an error.

  --mappings DIR   where the mappings are (default ./mappings, else the mappings shipped
                   with medibus)
`;

/** `out` gets the report */
export interface ValidateDeps extends CliDeps {
  readonly env?: Env;
  readonly specs?: ConnectorSpecs;
  readonly cwd?: string;
}

export async function run(argv: string[], deps: ValidateDeps = {}): Promise<number> {
  const io = cliIo(deps);
  const { out } = io;
  const cwd = deps.cwd ?? process.cwd();
  if (printedHelp(argv, io, USAGE)) return 0;
  const parsed = parseOptions({ args: argv, allowPositionals: true, strict: true, options: { mappings: { type: 'string' } } });
  if (typeof parsed === 'string') return usageError(io, 'validate', parsed, USAGE);
  const paths = parsed.positionals.length > 0 ? parsed.positionals : ['./channels'];

  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  for (const target of paths) {
    const listed = await listChannelFiles(path.resolve(cwd, target));
    diagnostics.push(...listed.diagnostics);
    files.push(...listed.files);
  }
  const checked = await checkChannelFiles(files, { ...(deps.env ? { env: deps.env } : {}), ...(deps.specs ? { specs: deps.specs } : {}) });
  diagnostics.push(...checked.diagnostics);
  // references, on every channel that is valid on its own, whatever the others
  const mappingsDir = parsed.values.mappings !== undefined ? path.resolve(cwd, parsed.values.mappings) : await defaultMappingsDir(cwd);
  const planned = await planChannels(checked.channels, { mappingsDir, ...(deps.env ? { env: deps.env } : {}) });
  diagnostics.push(...planned.diagnostics);
  for (const channel of checked.channels) diagnostics.push(...(await checkTestInputs(channel)));

  const sorted = sortDiagnostics(diagnostics);
  for (const diagnostic of sorted) out(`${formatDiagnostic(diagnostic, cwd)}\n`);
  out(`${summary(checked.channels.length, sorted)}\n`);
  return sorted.some((d) => d.severity === 'error') ? 1 : 0;
}

/** `2 channels OK`, `3 errors in 2 files`, each with `, 1 warning` when there are warnings. */
function summary(loaded: number, diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const warnings = diagnostics.length - errors.length;
  const tail = warnings > 0 ? `, ${plural(warnings, 'warning')}` : '';
  if (errors.length === 0) return `${plural(loaded, 'channel')} OK${tail}`;
  const files = new Set(errors.map((d) => d.file)).size;
  return `${plural(errors.length, 'error')} in ${plural(files, 'file')}${tail}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
