/**
 * Helpers for the tests of the shipped mappings (mappings/*.yaml): the mappings loaded as a
 * channel would load them, corpus and edge messages by file name, bundles read the way a
 * clinician or a FHIR server reads them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { formatDiagnostic } from '../../src/config/index.js';
import { splitMessages, type Hl7Message } from '../../src/hl7/index.js';
import { loadMappings, type CompiledMapping, type ConvertResult } from '../../src/mapping/index.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAPPINGS = path.join(ROOT, 'mappings');
export const CORPUS = path.join(ROOT, 'fixtures/hl7/corpus');
export const EDGE = path.join(ROOT, 'fixtures/hl7/edge');
export const GOLDEN = path.join(ROOT, 'fixtures/mapping/golden');
export const EXPECTED = path.join(ROOT, 'fixtures/fhir-expected');

/** The timezone of the example channels: HL7 times without offset are Vietnamese local time. */
export const TIMEZONE = 'Asia/Ho_Chi_Minh';

/** The ids of the shipped mappings (one file each). */
export const SHIPPED = ['adt', 'dicom-imagingstudy', 'mdm-t02', 'oml-o21', 'orm-o01', 'oru-r01', 'rde-o11', 'siu', 'synthea-allergies', 'synthea-imaging-studies', 'synthea-patients', 'vxu-v04'] as const;

let loaded: Promise<Map<string, CompiledMapping>> | undefined;

/** Every shipped mapping, by id (loaded once per test file; a diagnostic fails the load). */
export function shippedMappings(): Promise<Map<string, CompiledMapping>> {
  loaded ??= loadMappings(MAPPINGS).then(({ mappings, diagnostics }) => {
    if (diagnostics.length > 0) throw new Error(`mappings/ has diagnostics:\n${diagnostics.map((d) => formatDiagnostic(d, ROOT)).join('\n')}`);
    return mappings;
  });
  return loaded;
}

export async function shipped(id: string): Promise<CompiledMapping> {
  const mapping = (await shippedMappings()).get(id);
  if (mapping === undefined) throw new Error(`no shipped mapping ${id}`);
  return mapping;
}

/** The shipped mapping that accepts the message, as `medibus convert` picks it (undefined: none). */
export async function mappingFor(msg: Hl7Message): Promise<CompiledMapping | undefined> {
  const type = `${msg.header.messageType}^${msg.header.triggerEvent}`;
  return [...(await shippedMappings()).values()].find((m) => m.input === 'hl7v2' && m.accepts(type));
}

/** The messages of a file (one, several, or a FHS/BHS batch). */
export function messagesOf(file: string): Hl7Message[] {
  return [...splitMessages(readFileSync(file)).messages];
}

export function corpusFiles(): string[] {
  return readdirSync(CORPUS).filter((f) => f.endsWith('.hl7')).sort();
}

export function edgeFiles(): string[] {
  return readdirSync(EDGE).filter((f) => f.endsWith('.hl7')).sort();
}

/** The messages of an edge fixture (fixtures/hl7/edge/<name>.hl7). */
export function edge(name: string): Hl7Message[] {
  return messagesOf(path.join(EDGE, `${name}.hl7`));
}

/** Converts with the shipped mapping that accepts the message, validated, in the channels' timezone. */
export async function convert(msg: Hl7Message): Promise<ConvertResult> {
  const mapping = await mappingFor(msg);
  if (mapping === undefined) throw new Error(`no shipped mapping accepts ${msg.header.messageType}^${msg.header.triggerEvent}`);
  return mapping.convert(msg, { timezone: TIMEZONE, validate: true });
}

export { only, resources } from '../mapping/support.js';

/** The entry a reference (urn:uuid:…) points to. */
export function target<T extends Resource = Resource>(bundle: Bundle, reference: string | undefined): T | undefined {
  return bundle.entry?.find((e) => e.fullUrl === reference)?.resource as T | undefined;
}

export function entryOf(bundle: Bundle, resource: Resource): BundleEntry {
  const entry = bundle.entry?.find((e) => e.resource === resource);
  if (entry === undefined) throw new Error('resource not in bundle');
  return entry;
}

/** `identifier=<system>|<value>` of a conditional request, unescaped (FHIR R4 §3.1.1.4). */
export function conditionalIdentifier(entry: BundleEntry): { system: string; value: string } | undefined {
  const query = entry.request?.method === 'PUT' ? entry.request.url.split('?')[1] : entry.request?.ifNoneExist;
  const match = /^identifier=(.*)$/.exec(query ?? '');
  if (match === null) return undefined;
  // the separator is the first | not escaped with \
  const raw = decodeURIComponent(match[1]);
  let i = 0;
  for (; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === '|') break;
  }
  const unescape = (s: string): string => s.replace(/\\([\\|,$])/g, '$1');
  return { system: unescape(raw.slice(0, i)), value: unescape(raw.slice(i + 1)) };
}
