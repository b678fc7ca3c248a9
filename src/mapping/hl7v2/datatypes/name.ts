/**
 * XPN / XCN / CNN → HumanName (IG XPN[HumanName], FN[HumanName], XCN[Practitioner] name rows,
 * CNN[Practitioner]; HL7 v2.5.1 §2.A.88 XPN, §2.A.30 FN, §2.A.89 XCN, §2.A.8 CNN).
 *
 * The three types carry the same name parts at different component numbers, so one builder
 * reads a layout. Choices the IG leaves open:
 * - XPN.3 ("second and further given names") is one `given` entry as sent, not split at
 *   spaces (the IG's own comment asks whether "Mary Anne" is one name or two; Vietnamese
 *   "Thị Ánh" in XPN.2 is likewise kept whole).
 * - A name type with no FHIR `use` in the IG's NameType map (A, B, C …) leaves `use` unset.
 * - XPN.15 (called by) would need a second HumanName; a conversion makes one, so it is skipped.
 * - XPN.11 / XCN.18 (assembly order) becomes the R4 `humanname-assembly-order` extension on
 *   the HumanName (the extension's context), for the XCN row too, which names a different URL.
 */
import type { Extension, HumanName } from '@medplum/fhirtypes';
import type { Repetition } from '../../../hl7/index.js';
import { NAME_ASSEMBLY_ORDER, NAME_USE } from './ig-codes.js';
import { componentPeriod } from './datetime.js';
import type { Converter, ConvertContext } from './types.js';

/** Component numbers of the name parts (0: the type has none). */
export interface NameLayout {
  readonly type: string;
  readonly family: number;
  /** where the FN parts are: subcomponents of `family` (XPN.1, XCN.2), components (a field of type FN), or none (CNN.2 is an ST) */
  readonly fn: 'subcomponents' | 'components' | 'none';
  readonly given: number;
  readonly middle: number;
  /** in the IG's suffix order: suffix, degree, professional suffix */
  readonly suffixes: readonly number[];
  readonly prefix: number;
  readonly use: number;
  readonly validity: number;
  readonly assembly: number;
  readonly start: number;
  readonly end: number;
}

export const XPN_LAYOUT: NameLayout = { type: 'XPN', family: 1, fn: 'subcomponents', given: 2, middle: 3, suffixes: [4, 6, 14], prefix: 5, use: 7, validity: 10, assembly: 11, start: 12, end: 13 };
/** XCN.7 (degree) is not a name part for a Practitioner: it becomes qualification (practitioner.ts). */
export const XCN_LAYOUT: NameLayout = { type: 'XCN', family: 2, fn: 'subcomponents', given: 3, middle: 4, suffixes: [5, 21], prefix: 6, use: 10, validity: 17, assembly: 18, start: 19, end: 20 };
/** CNN.7 (degree) is name.suffix[2] in the IG's CNN[Practitioner] map. */
export const CNN_LAYOUT: NameLayout = { type: 'CNN', family: 2, fn: 'none', given: 3, middle: 4, suffixes: [5, 7], prefix: 6, use: 0, validity: 0, assembly: 0, start: 0, end: 0 };
/** A field of type FN: its parts are components. */
export const FN_LAYOUT: NameLayout = { type: 'FN', family: 1, fn: 'components', given: 0, middle: 0, suffixes: [], prefix: 0, use: 0, validity: 0, assembly: 0, start: 0, end: 0 };

const FN_EXTENSIONS = [
  [2, 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix'],
  [3, 'http://hl7.org/fhir/StructureDefinition/humanname-own-name'],
  [4, 'http://hl7.org/fhir/StructureDefinition/humanname-partner-prefix'],
  [5, 'http://hl7.org/fhir/StructureDefinition/humanname-partner-name'],
] as const;
const ASSEMBLY_ORDER_URL = 'http://hl7.org/fhir/StructureDefinition/humanname-assembly-order';

/** HumanName with the `_family` primitive extension holder, which @medplum/fhirtypes does not declare. */
export type HumanNameJson = HumanName & { _family?: { extension: Extension[] } };

export function buildName(rep: Repetition, layout: NameLayout, ctx: ConvertContext): HumanNameJson | undefined {
  const name: HumanNameJson = {};
  if (layout.assembly > 0) {
    const order = NAME_ASSEMBLY_ORDER.get(rep.component(layout.assembly));
    if (order) name.extension = [{ url: ASSEMBLY_ORDER_URL, valueCode: order.code }];
  }
  if (layout.use > 0) {
    const use = NAME_USE.get(rep.component(layout.use));
    if (use) name.use = use.code as HumanName['use'];
  }
  const family = rep.component(layout.family, 1);
  if (family !== '') name.family = family;
  if (layout.fn !== 'none') {
    // IG FN[HumanName]: FN.2–FN.5 → extensions on `family` (the IG's sheet reuses extension[3] for FN.5; each gets its own here)
    let extension: Extension[] | undefined;
    for (const [sub, url] of FN_EXTENSIONS) {
      const part = layout.fn === 'components' ? rep.component(sub) : rep.component(layout.family, sub);
      if (part !== '') (extension ??= []).push({ url, valueString: part });
    }
    if (extension) name._family = { extension };
  }
  const given = rep.component(layout.given);
  const middle = rep.component(layout.middle);
  if (given !== '' || middle !== '') name.given = given === '' ? [middle] : middle === '' ? [given] : [given, middle];
  const prefix = rep.component(layout.prefix);
  if (prefix !== '') name.prefix = [prefix];
  for (const c of layout.suffixes) {
    const suffix = rep.component(c);
    if (suffix !== '') (name.suffix ??= []).push(suffix);
  }
  if (name.family === undefined && name._family === undefined && name.given === undefined && name.prefix === undefined && name.suffix === undefined) return undefined;
  const period = layout.start === 0 ? undefined : componentPeriod(rep, layout.type, layout.start, layout.end, layout.validity, ctx);
  if (period) name.period = period;
  return name;
}

/** The name as one line for Reference.display: in the order XPN.11 says (F: family first, as in Vietnamese), else given-first. */
export function nameText(name: HumanNameJson): string {
  const familyFirst = name.extension?.[0]?.valueCode === 'F';
  const parts: string[] = [];
  if (name.prefix) parts.push(...name.prefix);
  if (familyFirst && name.family) parts.push(name.family);
  if (name.given) parts.push(...name.given);
  if (!familyFirst && name.family) parts.push(name.family);
  if (name.suffix) parts.push(...name.suffix);
  return parts.join(' ');
}

export const humanName: Converter = (rep, ctx) => buildName(rep, XPN_LAYOUT, ctx);
export const humanNameFromXcn: Converter = (rep, ctx) => buildName(rep, XCN_LAYOUT, ctx);
export const humanNameFromCnn: Converter = (rep, ctx) => buildName(rep, CNN_LAYOUT, ctx);

/** FN alone (a field of type FN) → HumanName with family and its extensions. */
export const humanNameFromFn: Converter = (rep, ctx) => buildName(rep, FN_LAYOUT, ctx);
