import { cliIo, printedHelp, usageError, type CliDeps } from '../io.js';
import type { Diagnostic } from '../../config/diagnostics.js';
import { formatDiagnostic } from '../../config/diagnostics.js';
import type { Env } from '../../config/env.js';
import { loadChannels } from '../../config/load.js';
import type { ConnectorSpecs } from '../../config/schema.js';

const USAGE = `usage: medibus validate [DIR]

Checks every channel file (*.yaml, *.yml) of DIR (default ./channels) against the channel
schema, the environment (\${VAR}) and the rules across channels (unique ids and ports).
Prints every problem as file:line:column; exits 1 if any is an error.
`;

/** `out` gets the report */
export interface ValidateDeps extends CliDeps {
  readonly env?: Env;
  readonly specs?: ConnectorSpecs;
}

export async function run(argv: string[], deps: ValidateDeps = {}): Promise<number> {
  const io = cliIo(deps);
  const { out } = io;
  if (printedHelp(argv, io, USAGE)) return 0;
  const unexpected = argv.find((arg) => arg.startsWith('-')) ?? argv[1];
  if (unexpected !== undefined) {
    return usageError(io, 'validate', `unexpected argument "${unexpected}"`, USAGE);
  }
  const { channels, diagnostics } = await loadChannels(argv[0] ?? './channels', { env: deps.env, specs: deps.specs });
  for (const diagnostic of diagnostics) out(`${formatDiagnostic(diagnostic)}\n`);
  out(`${summary(channels.length, diagnostics)}\n`);
  return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
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
