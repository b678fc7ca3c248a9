import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JsonSchema } from '../util/json-schema.js';
import { deepFreeze } from '../util/objects.js';
import { checkAcrossChannels, checkChannel, identityOf, type ChannelIdentity, type CheckedChannel } from './checks.js';
import type { Diagnostic } from './diagnostics.js';
import { formatPath, hasErrors, sortDiagnostics } from './diagnostics.js';
import { interpolate, type Env } from './env.js';
import { kindSpec } from '../kinds/registry.js';
import { buildChannelSchema, DEFAULT_SPECS, sourceKind, type ConnectorSpecs } from './schema.js';
import type { ChannelConfig, LoadedChannel } from './types.js';
import { convertUnits } from './units.js';
import { compileSchema, schemaDiagnostics } from './validate.js';
import { parseYaml, type YamlSource } from './yaml.js';

export interface LoadYamlOptions {
  /** where `${VAR}` reads from; process.env by default (tests pass their own) */
  readonly env?: Env;
  /**
   * Keeps only the diagnostics this returns true for (the others do not stop the load), and
   * converts units even when dropped problems remain: for readers that need part of a file,
   * such as `replay`, which needs a channel's topology and not its secrets (load-topology.ts).
   */
  readonly keep?: (diagnostic: Diagnostic) => boolean;
}

export interface YamlFileResult<T> {
  /** absolute path */
  readonly file: string;
  /** validated, defaults applied, units converted, deep-frozen; undefined if any diagnostic is an error */
  readonly value: T | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** the parsed file, for positions in later checks; undefined when it could not be read */
  readonly source: YamlSource | undefined;
  /** the document as parsed, also when the schema refused it (checks that need a few keys); undefined after a YAML error */
  readonly data?: unknown;
}

/**
 * The one pipeline every medibus YAML file goes through (channels, mappings, terminology
 * tables, each with its own schema): parse with positions → `${VAR}` → JSON Schema with
 * defaults → durations and sizes to numbers → freeze. Stops after YAML syntax errors
 * (a broken document would only produce misleading schema errors); otherwise reports
 * everything. `T` is what `schema` describes; the caller vouches for that pairing.
 */
export function loadYamlText<T>(text: string, file: string, schema: JsonSchema, options: LoadYamlOptions = {}): YamlFileResult<T> {
  const absolute = path.resolve(file);
  const { source, diagnostics } = parseYaml(text, absolute);
  if (hasErrors(diagnostics)) return { file: absolute, value: undefined, diagnostics, source };

  const keep = options.keep ?? ((): boolean => true);
  const env = interpolate(source, options.env ?? process.env);
  diagnostics.push(...env.diagnostics.filter(keep));
  let data: unknown;
  try {
    data = source.doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // only alias bombs get here: the syntax was checked above
    diagnostics.push({ file: absolute, line: 1, column: 1, severity: 'error', code: 'MEDIBUS_ERR_CONFIG_YAML', path: '', message: (error as Error).message });
    return { file: absolute, value: undefined, diagnostics, source };
  }

  const validate = compileSchema(schema);
  const valid = validate(data);
  if (!valid) diagnostics.push(...schemaDiagnostics(validate.errors ?? [], data, source, env).filter(keep));
  if (valid || (options.keep && !hasErrors(diagnostics))) {
    for (const problem of convertUnits(schema, data)) {
      const { position } = source.locate(problem.path);
      const diagnostic: Diagnostic = { file: absolute, ...position, severity: 'error', code: 'MEDIBUS_ERR_CONFIG_SCHEMA', path: formatPath(problem.path), message: problem.message };
      if (keep(diagnostic)) diagnostics.push(diagnostic);
    }
  }
  const value = hasErrors(diagnostics) ? undefined : (deepFreeze(data) as T);
  return { file: absolute, value, diagnostics: sortDiagnostics(diagnostics), source, data };
}

export async function loadYamlFile<T>(file: string, schema: JsonSchema, options: LoadYamlOptions = {}): Promise<YamlFileResult<T>> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    return { file: absolute, value: undefined, diagnostics: [ioDiagnostic(absolute, error)], source: undefined };
  }
  return loadYamlText<T>(text, absolute, schema, options);
}

export interface LoadChannelsOptions extends LoadYamlOptions {
  /** the connectors the schema is built from; the registries by default (tests inject stubs) */
  readonly specs?: ConnectorSpecs;
}

const schemas = new WeakMap<ConnectorSpecs, JsonSchema>();
let defaultSchema: JsonSchema | undefined;

/** Built once per set of connectors, so ajv compiles it once. */
export function channelSchema(specs?: ConnectorSpecs): JsonSchema {
  if (!specs) return (defaultSchema ??= buildChannelSchema());
  let schema = schemas.get(specs);
  if (!schema) schemas.set(specs, (schema = buildChannelSchema(specs)));
  return schema;
}

/** One channel file with its own checks, without the cross-file ones; no channel if any is an error. */
export async function loadChannelFile(file: string, options: LoadChannelsOptions = {}): Promise<{ channel: LoadedChannel | undefined; diagnostics: Diagnostic[] }> {
  const { channel, diagnostics } = await loadChecked(file, options);
  return { channel: channel && !hasErrors(diagnostics) ? Object.freeze({ file: channel.file, config: channel.config }) : undefined, diagnostics };
}

interface Checked {
  /** schema-valid (its own checks may still have failed) */
  readonly channel: CheckedChannel | undefined;
  /** for the checks across files: any file whose YAML parsed */
  readonly identity: ChannelIdentity | undefined;
  readonly diagnostics: Diagnostic[];
}

/** Schema-valid channels stay in play for the cross-file checks even if their own checks failed. */
async function loadChecked(file: string, options: LoadChannelsOptions): Promise<Checked> {
  const result = await loadYamlFile<ChannelConfig>(file, channelSchema(options.specs), options);
  const diagnostics = [...result.diagnostics];
  const identity = result.source !== undefined && result.data !== undefined ? identityOf(result.file, result.source, result.data) : undefined;
  if (result.value === undefined || result.source === undefined) return { channel: undefined, identity, diagnostics };
  const specs = options.specs ?? DEFAULT_SPECS;
  const channel: CheckedChannel = { file: result.file, config: withKindDefaults(result.value, specs), source: result.source };
  diagnostics.push(...checkChannel(channel, specs));
  return { channel, identity, diagnostics: sortDiagnostics(diagnostics) };
}

/**
 * The ordering key a channel did not write is its source kind's default (src/kinds/<kind>
 * defaultKey): `PID-3[1]` for HL7, `PatientID + IssuerOfPatientID` for DICOM, none for CSV.
 */
function withKindDefaults(config: ChannelConfig, specs: ConnectorSpecs): ChannelConfig {
  if (typeof config.ordering.key === 'string') return config;
  const key = kindSpec(sourceKind(config.source.type, specs.sources)).defaultKey;
  return deepFreeze({ ...config, ordering: { ...config.ordering, key } }) as ChannelConfig;
}

/**
 * Every `*.yaml` / `*.yml` of `dir` (not recursive, in name order; hidden files such as
 * editor lock files skipped). All files are validated and every diagnostic returned; if any
 * is an error, no channel is returned, so a deploy with one broken file changes nothing.
 */
export async function loadChannels(dir: string, options: LoadChannelsOptions = {}): Promise<{ channels: LoadedChannel[]; diagnostics: Diagnostic[] }> {
  const listed = await listChannelFiles(dir);
  if (listed.files.length === 0) return { channels: [], diagnostics: listed.diagnostics };
  const { channels, diagnostics } = await checkChannelFiles(listed.files, options);
  if (hasErrors(diagnostics)) return { channels: [], diagnostics };
  return { channels, diagnostics };
}

/**
 * The channel files a path names: the file itself, or the `*.yaml` / `*.yml` of a directory
 * (not recursive, in name order, hidden files such as editor lock files skipped).
 */
export async function listChannelFiles(target: string): Promise<{ files: string[]; diagnostics: Diagnostic[] }> {
  const root = path.resolve(target);
  let files: string[];
  try {
    if (!(await stat(root)).isDirectory()) return { files: [root], diagnostics: [] };
    const entries = await readdir(root, { withFileTypes: true });
    files = entries
      .filter((e) => !e.isDirectory() && !e.name.startsWith('.') && /\.ya?ml$/.test(e.name))
      .map((e) => path.join(root, e.name))
      .sort();
  } catch (error) {
    return { files: [], diagnostics: [ioDiagnostic(root, error)] };
  }
  if (files.length === 0) {
    const message = 'no channel files (*.yaml, *.yml) in this directory';
    return { files: [], diagnostics: [{ file: root, line: 0, column: 0, severity: 'warning', code: 'MEDIBUS_ERR_CONFIG_IO', path: '', message }] };
  }
  return { files, diagnostics: [] };
}

/**
 * Validates the files, each on its own and then across them (on every file whose YAML parsed,
 * so a duplicate port shows beside a schema error). `channels`: those without an error of
 * their own, for the checks that come after (references to mappings, test inputs); the caller
 * decides what an error elsewhere means.
 */
export async function checkChannelFiles(files: readonly string[], options: LoadChannelsOptions = {}): Promise<{ channels: LoadedChannel[]; diagnostics: Diagnostic[] }> {
  const results = await Promise.all(files.map((file) => loadChecked(file, options)));
  const identities = results.flatMap((r) => (r.identity ? [r.identity] : []));
  const diagnostics = sortDiagnostics([...results.flatMap((r) => r.diagnostics), ...checkAcrossChannels(identities)]);
  const channels = results.flatMap((r) => (r.channel && !hasErrors(r.diagnostics) ? [Object.freeze({ file: r.channel.file, config: r.channel.config })] : []));
  return { channels, diagnostics };
}

function ioDiagnostic(file: string, error: unknown): Diagnostic {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'not a directory' : (error as Error).message;
  return { file, line: 0, column: 0, severity: 'error', code: 'MEDIBUS_ERR_CONFIG_IO', path: '', message: `cannot read: ${reason}` };
}
