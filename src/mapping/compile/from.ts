/**
 * `from:` rules: read a field in scope and convert each repetition with the v2-to-FHIR
 * datatype map chosen, at load, from the target's FHIR type and the field's v2 type:
 *  - `type:` when the author gives one (the only way to say XCN for a participant);
 *  - else the field's type from the IG's segment maps (ORC-3 is an EI, PID-3 a CX), falling
 *    back to the conversion's default for the FHIR type when that pairing is unknown;
 *  - a Reference takes XCN, XON or PL by what it may point to (Practitioner, Organization,
 *    Location) — asked for with `type:` when it could be more than one.
 * A list element takes every valued repetition (of every occurrence in scope); a single one
 * the first repetition that converts to something.
 */
import type { PathSegment } from '../../config/index.js';
import { isMedibusError, type MedibusError } from '../../errors.js';
import type { CompileContext } from './context.js';
import { compileMap } from './map.js';
import { describeTypes, NOTHING, type ElementTarget, type ValueFn } from '../run/compiled.js';
import { choiceSuffix } from '../fhir/model.js';
import type { Repetition, Segment } from '../../hl7/index.js';
import type { Run } from '../run/context.js';
import { compileReader } from '../hl7v2/read.js';
import type { RuleObjectDoc } from '../language/types.js';
import { fieldType } from '../hl7v2/fields.js';

/**
 * The v2 datatypes that become a resource and a Reference to it (IG XCN[Practitioner],
 * CNN[Practitioner], XON[Organization], PL[Location]). CNN is named with `type:` only: it is the
 * first component of an NDL (OBR-32), read as `OBR-32.1`.
 */
const REFERENCE_SOURCES: Readonly<Record<string, string>> = { XCN: 'Practitioner', CNN: 'Practitioner', XON: 'Organization', PL: 'Location' };

export function compileFrom(cx: CompileContext, doc: RuleObjectDoc, at: readonly PathSegment[], pathAt: readonly PathSegment[], target: ElementTarget): ValueFn {
  if (typeof doc.from !== 'string') {
    cx.error(pathAt, 'from: takes an HL7 path like PID-5');
    return NOTHING;
  }
  const path = cx.path(doc.from, pathAt);
  if (target.openChoice) {
    cx.error(at, `${target.fhirPath} is a choice of ${target.types.join(', ')}: name the type (e.g. ${target.choiceBase}${choiceSuffix(target.types[0])}: ${doc.from}), or use a conversion that picks it ({ convert: obx-value })`);
    return NOTHING;
  }
  if (doc.unmapped !== undefined && doc.map === undefined) cx.error([...at, 'unmapped'], 'unmapped: says what to do with codes a map: table lacks; add map:', { target: 'key' });
  if (path === undefined) return NOTHING;

  const fhirType = target.types[0];
  const fieldV2 = path.component === undefined ? fieldType(path.segment, path.field) : undefined;
  let v2 = doc.type ?? fieldV2;
  if (fhirType === 'Reference') {
    v2 = referenceSource(cx, doc.type, fieldV2, target, at);
    if (v2 === undefined) return NOTHING;
  }
  const lookup = cx.conversions.lookupConverter;
  const converter = lookup(fhirType, v2) ?? (doc.type === undefined && fhirType !== 'Reference' ? lookup(fhirType) : undefined);
  if (converter === undefined) {
    const source = doc.type ?? fieldV2;
    cx.error(
      doc.type === undefined ? pathAt : [...at, 'type'],
      `type mismatch: no conversion from ${source === undefined ? `${doc.from}` : `${source} (${doc.from})`} to ${fhirType} for ${target.fhirPath}` +
        (doc.type === undefined ? '; if the field holds another v2 type, say which with type:' : ''),
    );
    return NOTHING;
  }
  const mapper = doc.map === undefined ? undefined : compileMap(cx, doc.map, doc.unmapped, fhirType, target.fhirPath, [...at, 'map']);
  const reader = compileReader(path);
  const many = target.many;
  const field = path.field;
  // XCN/XON/PL derive a resource: the same text names the same one, which the run already
  // holds (30 OBX-23 naming one laboratory convert once per message, not 30 times)
  const derives = fhirType === 'Reference';
  // one visitor per rule, handed the run and the output: no closure is made per read
  const visit = (rep: Repetition, seg: Segment, _r: number, run: Run, out: unknown[]): boolean => {
    run.at(seg, field);
    let value: unknown;
    try {
      value = derives ? run.derivedReference(converter, rep) : converter(rep, run);
    } catch (error) {
      throw located(error, run);
    }
    if (value === undefined || value === null || value === '') return false;
    if (mapper !== undefined) {
      value = mapper(value, run);
      if (value === undefined) return false;
    }
    out.push(value);
    return !many;
  };
  return (scope, run, out) => reader.each(scope, visit, run, out);
}

/** A conversion's error, located at the segment and field being read. */
function located(error: unknown, run: Run): MedibusError {
  if (isMedibusError(error)) return error.location?.segment !== undefined ? error : run.error(error.code, error.message, error);
  return run.error('MEDIBUS_ERR_MAPPING_RUNTIME', `conversion failed: ${(error as Error).message}`, error);
}

/** XCN, XON or PL for a Reference element; undefined after reporting why none fits. */
function referenceSource(cx: CompileContext, explicit: string | undefined, fieldV2: string | undefined, target: ElementTarget, at: readonly PathSegment[]): string | undefined {
  const allowed = (v2: string): boolean => target.targets.length === 0 || target.targets.includes(REFERENCE_SOURCES[v2] as string);
  if (explicit !== undefined) {
    const resource = REFERENCE_SOURCES[explicit];
    if (resource === undefined) {
      cx.error([...at, 'type'], `type mismatch: a Reference is made from XCN or CNN (Practitioner), XON (Organization) or PL (Location), not ${explicit}`);
      return undefined;
    }
    if (!allowed(explicit)) {
      cx.error([...at, 'type'], `type mismatch: ${explicit} makes a ${resource}, but ${target.fhirPath} can reference ${target.targets.join(', ')}`);
      return undefined;
    }
    return explicit;
  }
  if (fieldV2 !== undefined && REFERENCE_SOURCES[fieldV2] !== undefined && allowed(fieldV2)) return fieldV2;
  // a field of unknown type is guessed from what the element may reference: XCN for a
  // Practitioner (CNN, a component of NDL, is only ever asked for by name)
  const guesses = Object.keys(REFERENCE_SOURCES).filter((v2) => v2 !== 'CNN');
  const candidates = guesses.filter((v2) => target.targets.length > 0 && allowed(v2));
  if (candidates.length === 1) return candidates[0];
  const options = (candidates.length > 0 ? candidates : guesses).map((v2) => `type: ${v2} (${REFERENCE_SOURCES[v2]})`);
  cx.error(at, `${target.fhirPath} is ${describeTypes(target)}: say what the field holds with ${options.join(' or ')}`);
  return undefined;
}
