import { cliIo, printedHelp, usageError, type CliDeps } from '../io.js';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic, hasErrors } from '../../config/diagnostics.js';
import { codedMessage, isMedibusError } from '../../errors.js';
import { splitMessages, type Hl7Message } from '../../hl7/index.js';
import { isValidTimezone, loadMapping, loadMappings, type CompiledMapping } from '../../mapping/index.js';

const USAGE = `usage: medibus convert FILE [--mapping NAME] [--mappings DIR] [--no-validate] [--timezone TZ]

Converts each HL7 v2 message of FILE (one message, several, or a FHS/BHS batch) to a FHIR R4
transaction Bundle and prints it as JSON. No broker is involved.

  --mapping NAME   the mapping to use: an id in DIR (adt) or a file (./my-adt.yaml); by
                   default the first mapping of DIR whose messageTypes accepts the message
  --mappings DIR   where mappings and their terminology/ tables are (default ./mappings,
                   else the mappings shipped with medibus)
  --no-validate    skip the FHIR R4 validation of the resources
  --timezone TZ    for times sent without an offset: an IANA zone or +07:00 (default UTC)

Warnings go to stderr. Exits 1 if a message could not be converted.
`;

export interface ConvertDeps extends CliDeps {
  readonly cwd?: string;
}

interface Args {
  readonly file: string;
  readonly mapping: string | undefined;
  readonly mappings: string | undefined;
  readonly validate: boolean;
  readonly timezone: string | undefined;
}

/** The mappings shipped with medibus (mappings/ at the package root, from src/ or dist/). */
export const SHIPPED_MAPPINGS_DIR = fileURLToPath(new URL('../../../mappings/', import.meta.url));

export async function run(argv: string[], deps: ConvertDeps = {}): Promise<number> {
  const io = cliIo(deps);
  const { out, err } = io;
  const cwd = deps.cwd ?? process.cwd();
  if (printedHelp(argv, io, USAGE)) return 0;
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    return usageError(io, 'convert', args, USAGE);
  }

  let messages: readonly Hl7Message[];
  const file = path.resolve(cwd, args.file);
  try {
    const batch = splitMessages(await readFile(file));
    messages = batch.messages;
    for (const warning of batch.warnings) err(`${args.file}: warning: ${warning}\n`);
  } catch (error) {
    err(`medibus convert: ${args.file}: ${describeError(error)}\n`);
    return 1;
  }

  const dir = args.mappings !== undefined ? path.resolve(cwd, args.mappings) : await defaultMappingsDir(cwd);
  const candidates = await loadCandidates(args.mapping, dir, cwd, err);
  if (candidates === undefined) return 1;

  let failed = 0;
  for (let i = 0; i < messages.length; i++) {
    const msg = messages[i];
    const type = `${msg.header.messageType}^${msg.header.triggerEvent}`;
    const label = messages.length > 1 ? `message ${i + 1} (${type}, MSH-10 ${msg.header.controlId || 'empty'})` : `${type} message`;
    const mapping = candidates.find((m) => m.accepts(type));
    if (mapping === undefined) {
      const known = candidates.map((m) => `${m.id} (${m.messageTypes.join(', ')})`).join('; ');
      err(`medibus convert: ${args.file}: no mapping accepts the ${label}; ${args.mapping !== undefined ? 'the mapping given is' : `the mappings in ${dir} are`} ${known || 'none'}\n`);
      failed++;
      continue;
    }
    try {
      const { bundle, warnings } = await mapping.convert(msg, { validate: args.validate, ...(args.timezone === undefined ? {} : { timezone: args.timezone }) });
      for (const warning of warnings) err(`${args.file}: ${label}: warning: ${warning}\n`);
      out(`${JSON.stringify(bundle, null, 2)}\n`);
    } catch (error) {
      err(`medibus convert: ${args.file}: ${label} (mapping ${mapping.id}): ${describeError(error)}\n`);
      failed++;
    }
  }
  return failed > 0 ? 1 : 0;
}

function parseArgs(argv: readonly string[]): Args | string {
  let file: string | undefined;
  let mapping: string | undefined;
  let mappings: string | undefined;
  let validate = true;
  let timezone: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string | undefined => (i + 1 < argv.length ? argv[++i] : undefined);
    switch (arg) {
      case '--mapping':
        if ((mapping = value()) === undefined) return '--mapping needs a name or file';
        break;
      case '--mappings':
        if ((mappings = value()) === undefined) return '--mappings needs a directory';
        break;
      case '--timezone':
        if ((timezone = value()) === undefined) return '--timezone needs a zone, e.g. Asia/Ho_Chi_Minh or +07:00';
        break;
      case '--no-validate':
        validate = false;
        break;
      default:
        if (arg.startsWith('-')) return `unknown option "${arg}"`;
        if (file !== undefined) return `unexpected argument "${arg}" (one file at a time)`;
        file = arg;
    }
  }
  if (file === undefined) return 'which file? give an HL7 v2 file to convert';
  if (timezone !== undefined && !isValidTimezone(timezone)) return `--timezone "${timezone}" is neither an IANA zone (Asia/Ho_Chi_Minh) nor an offset (+07:00)`;
  return { file, mapping, mappings, validate, timezone };
}

/** ./mappings when the working directory has one, else the mappings shipped with medibus */
export async function defaultMappingsDir(cwd: string): Promise<string> {
  const local = path.join(cwd, 'mappings');
  try {
    await access(local);
    return local;
  } catch {
    return SHIPPED_MAPPINGS_DIR;
  }
}

/** The mapping named (by id in dir, or as a file), or every mapping of dir; undefined after printing why not. */
async function loadCandidates(name: string | undefined, dir: string, cwd: string, err: (text: string) => void): Promise<CompiledMapping[] | undefined> {
  if (name !== undefined) {
    const isFile = name.includes('/') || name.includes(path.sep) || /\.ya?ml$/.test(name);
    const file = isFile ? path.resolve(cwd, name) : path.join(dir, `${name}.yaml`);
    const { mapping, diagnostics } = await loadMapping(file, { mappingsDir: isFile ? path.dirname(file) : dir });
    for (const d of diagnostics) err(`${formatDiagnostic(d, cwd)}\n`);
    if (mapping === undefined) {
      if (!hasErrors(diagnostics)) err(`medibus convert: mapping ${name} could not be loaded\n`);
      return undefined;
    }
    return [mapping];
  }
  const { mappings, diagnostics } = await loadMappings(dir);
  for (const d of diagnostics) err(`${formatDiagnostic(d, cwd)}\n`);
  if (hasErrors(diagnostics)) return undefined;
  return [...mappings.values()];
}

function describeError(error: unknown): string {
  return isMedibusError(error) ? `${codedMessage(error)}\n  hint: ${error.hint}` : codedMessage(error);
}
