import { cliIo, printedHelp, usageError, watchStdout, type CliDeps, type CliIo } from '../io.js';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayPath, formatDiagnostic, hasErrors } from '../../config/diagnostics.js';
import { codedMessage, isMedibusError } from '../../errors.js';
import { messageType, splitMessages, type Hl7Message } from '../../hl7/index.js';
import { isValidTimezone, loadMapping, loadMappings, type CompiledMapping } from '../../mapping/index.js';
import { isPayloadKind, kindOfFile } from '../../kinds/registry.js';
import { PAYLOAD_KINDS, type PayloadKind } from '../../kinds/types.js';
import { createFilter } from '../../pipeline/filter.js';
import { convertKindFile } from './convert-kind.js';
import { intakeCheck, transformStep, type TransformPlan } from '../../pipeline/transform-step.js';

const USAGE = `usage: medibus convert FILE|DIR [--kind KIND] [--mapping NAME] [--mappings DIR] [--no-validate] [--timezone TZ] [--bundles]

Converts each HL7 v2 message of FILE (one message, several, or a FHS/BHS batch) to a FHIR R4
transaction Bundle and prints it as JSON. No broker is involved. A message a channel would
refuse at intake (MSH-9, MSH-10, MSH-11 or MSH-12 empty) is reported with the AR it would get.
A .dcm file is read as a DICOM object (its metadata, as DICOM JSON) and a .csv file as one
message per row, each converted with a mapping whose input: is that kind; without one, the
payload is printed as a channel would queue it.

With DIR, every message file of it (*.hl7, *.txt, *.er7, *.msg, or no extension; not
recursive) is converted and one line per file is printed: ✓ or ✗, then what failed.

  --kind KIND      read FILE as hl7v2, dicom or csv whatever its name ends with
  --mapping NAME   the mapping to use: an id in DIR (adt) or a file (./my-adt.yaml); by
                   default the first mapping of DIR whose messageTypes accepts the message
  --mappings DIR   where mappings and their terminology/ tables are (default ./mappings,
                   else the mappings shipped with medibus)
  --no-validate    skip the FHIR R4 validation of the resources
  --timezone TZ    for times sent without an offset: an IANA zone or +07:00 (default UTC)
  --bundles        with DIR: print the bundles too (the report lines go to stderr then)

Warnings go to stderr. Exits 1 if a message could not be converted.
`;

export interface ConvertDeps extends CliDeps {
  readonly cwd?: string;
}

interface Args {
  readonly file: string;
  readonly kind: PayloadKind | undefined;
  readonly bundles: boolean;
  readonly mapping: string | undefined;
  readonly mappings: string | undefined;
  readonly validate: boolean;
  readonly timezone: string | undefined;
}

/** The mappings shipped with medibus (mappings/ at the package root, from src/ or dist/). */
export const SHIPPED_MAPPINGS_DIR = fileURLToPath(new URL('../../../mappings/', import.meta.url));

export async function run(argv: string[], deps: ConvertDeps = {}): Promise<number> {
  const stdout = deps.out === undefined ? watchStdout() : undefined;
  const io = cliIo(deps);
  const cwd = deps.cwd ?? process.cwd();
  if (printedHelp(argv, io, USAGE)) return 0;
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    return usageError(io, 'convert', args, USAGE);
  }
  const target = path.resolve(cwd, args.file);
  const isDir = await stat(target).then((s) => s.isDirectory(), () => false);
  const dir = args.mappings !== undefined ? path.resolve(cwd, args.mappings) : await defaultMappingsDir(cwd);
  const candidates = await loadCandidates(args.mapping, dir, cwd, io.err);
  if (candidates === undefined) return 1;
  const converter: Converter = { args, dir, candidates, plans: new Map(), closed: () => stdout?.closed() === true };
  return isDir ? convertDir(target, converter, io, cwd) : (await convertFile(target, args.file, converter, io)).failed > 0 ? 1 : 0;
}

interface Converter {
  readonly args: Args;
  readonly dir: string;
  readonly candidates: readonly CompiledMapping[];
  /** one plan per mapping, built on first use */
  readonly plans: Map<string, TransformPlan>;
  /** the reader of stdout went away (`| head`): stop quietly */
  readonly closed: () => boolean;
}

interface FileResult {
  readonly messages: number;
  readonly failed: number;
  readonly warnings: number;
  /** the first failure, for the one line of `convert DIR` */
  readonly firstFailure: string | undefined;
}

/** Each message of one file: its bundle on stdout (`out`), warnings and failures on stderr. */
async function convertFile(file: string, shown: string, c: Converter, io: CliIo, out: (text: string) => void = io.out): Promise<FileResult> {
  const kind = c.args.kind ?? kindOfFile(file) ?? 'hl7v2';
  if (kind !== 'hl7v2') return convertOtherKind(file, shown, kind, c, io, out);
  let messages: readonly Hl7Message[];
  try {
    const batch = splitMessages(await readFile(file));
    messages = batch.messages;
    for (const warning of batch.warnings) io.err(`${shown}: warning: ${warning}\n`);
  } catch (error) {
    const reason = describeError(error);
    io.err(`medibus convert: ${shown}: ${reason}\n`);
    return { messages: 0, failed: 1, warnings: 0, firstFailure: firstLine(reason) };
  }
  let failed = 0;
  let warnings = 0;
  let firstFailure: string | undefined;
  const fail = (text: string): void => {
    io.err(`medibus convert: ${shown}: ${text}\n`);
    failed++;
    firstFailure ??= firstLine(text);
  };
  for (let i = 0; i < messages.length && !c.closed(); i++) {
    const msg = messages[i];
    const type = messageType(msg);
    const label = messages.length > 1 ? `message ${i + 1} (${type || 'no type'}, MSH-10 ${msg.header.controlId || 'empty'})` : type === '' ? 'message' : `${type} message`;
    // what a channel would answer before any mapping is chosen: it never stores such a message
    const refused = intakeCheck(msg);
    if (refused !== undefined) {
      fail(`${label}: a channel would refuse it with ${refused.ackCode} (${refused.error.code}): ${refused.error.message}`);
      continue;
    }
    const hl7Mappings = c.candidates.filter((m) => m.input === 'hl7v2');
    const mapping = hl7Mappings.find((m) => m.accepts(type));
    if (mapping === undefined) {
      const known = hl7Mappings.map((m) => `${m.id} (${m.messageTypes.join(', ')})`).join('; ');
      fail(`no mapping accepts the ${label}; ${c.args.mapping !== undefined ? 'the mapping given is' : `the mappings in ${c.dir} are`} ${known || 'none'}`);
      continue;
    }
    const outcome = await transformStep(msg, planFor(mapping, c));
    switch (outcome.kind) {
      case 'converted':
        warnings += outcome.warnings.length;
        for (const warning of outcome.warnings) io.err(`${shown}: ${label}: warning: ${warning}\n`);
        out(`${JSON.stringify(outcome.bundle, null, 2)}\n`);
        break;
      case 'failed':
        fail(`${label} (mapping ${mapping.id}): ${describeError(outcome.error)}`);
        break;
      case 'refused':
      case 'filtered':
        // checked above (intakeCheck; accepts is the filter's only rule here): said all the same
        fail(`${label}: ${outcome.kind === 'refused' ? outcome.error.message : outcome.reason}`);
        break;
      default:
        outcome satisfies never;
    }
  }
  return { messages: messages.length, failed, warnings, firstFailure };
}

async function convertOtherKind(file: string, shown: string, kind: PayloadKind, c: Converter, io: CliIo, out: (text: string) => void): Promise<FileResult> {
  let failed = 0;
  let firstFailure: string | undefined;
  const result = await convertKindFile(file, kind, {
    candidates: c.candidates,
    planFor: (mapping) => planFor(mapping, c),
    fail: (text) => {
      io.err(`medibus convert: ${shown}: ${text}\n`);
      failed++;
      firstFailure ??= firstLine(text);
    },
    warn: (text) => io.err(`${shown}: ${text}\n`),
    out,
    describe: describeError,
    closed: c.closed,
  });
  return { ...result, failed, firstFailure };
}

/**
 * `convert DIR`: every message file, one ✓/✗ line each on stdout (on stderr with --bundles,
 * which prints the bundles on stdout); the mappings are compiled once for all of them.
 */
async function convertDir(root: string, c: Converter, io: CliIo, cwd: string): Promise<number> {
  let files: string[];
  try {
    files = (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && MESSAGE_FILE.test(e.name))
      .map((e) => path.join(root, e.name))
      .sort();
  } catch (error) {
    io.err(`medibus convert: ${displayPath(root, cwd)}: ${describeError(error)}\n`);
    return 1;
  }
  const report = c.args.bundles ? io.err : io.out;
  // each file's failures and warnings are summed up in its line
  const quiet: CliIo = { out: io.out, err: () => undefined };
  let failedFiles = 0;
  for (const file of files) {
    if (c.closed()) break;
    const shown = displayPath(file, cwd);
    const result = await convertFile(file, shown, c, quiet, c.args.bundles ? io.out : () => undefined);
    if (result.failed > 0) {
      failedFiles++;
      const more = result.failed > 1 ? ` (and ${result.failed - 1} more)` : '';
      report(`✗ ${shown}: ${result.firstFailure ?? 'failed'}${more}\n`);
    } else report(`✓ ${shown}: ${plural(result.messages, 'message')} converted${result.warnings > 0 ? `, ${plural(result.warnings, 'warning')}` : ''}\n`);
  }
  if (!c.closed()) report(`\n${plural(files.length, 'file')}: ${files.length - failedFiles} converted, ${failedFiles} failed\n`);
  return failedFiles > 0 ? 1 : 0;
}

const MESSAGE_FILE = /^[^.]+$|\.(hl7|txt|er7|msg|dcm|dicom|csv)$/i;

/** The plan a channel with this mapping and no filter of its own would run. */
function planFor(mapping: CompiledMapping, c: Converter): TransformPlan {
  let plan = c.plans.get(mapping.id);
  if (plan === undefined) {
    plan = {
      channelId: 'convert',
      file: mapping.file,
      kind: mapping.input,
      filter: createFilter({ ...(mapping.input === 'hl7v2' ? { messageTypes: mapping.messageTypes } : {}), where: mapping.file }),
      mapping,
      validate: c.args.validate,
      timezone: c.args.timezone,
      charset: 'UTF-8',
    };
    c.plans.set(mapping.id, plan);
  }
  return plan;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}

function parseArgs(argv: readonly string[]): Args | string {
  let file: string | undefined;
  let mapping: string | undefined;
  let mappings: string | undefined;
  let validate = true;
  let bundles = false;
  let timezone: string | undefined;
  let kind: PayloadKind | undefined;
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
      case '--kind': {
        const named = value();
        if (!isPayloadKind(named)) return `--kind needs one of ${PAYLOAD_KINDS.join(', ')}`;
        kind = named;
        break;
      }
      case '--no-validate':
        validate = false;
        break;
      case '--bundles':
        bundles = true;
        break;
      default:
        if (arg.startsWith('-')) return `unknown option "${arg}"`;
        if (file !== undefined) return `unexpected argument "${arg}" (one file at a time)`;
        file = arg;
    }
  }
  if (file === undefined) return 'which file? give an HL7 v2, DICOM (.dcm) or CSV file, or a folder of them, to convert';
  if (timezone !== undefined && !isValidTimezone(timezone)) return `--timezone "${timezone}" is neither an IANA zone (Asia/Ho_Chi_Minh) nor an offset (+07:00)`;
  return { file, kind, bundles, mapping, mappings, validate, timezone };
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
