/**
 * Every text-bearing datatype conversion × every escape sequence (HL7 v2.5.1 §2.7), read the
 * way a mapping reads a field: through the compiled path reader (src/mapping/hl7v2/read.ts),
 * whose views of a field or of one component split on fewer separators than the message
 * declares. An escape stands for the message's delimiter at every level: `\T\` is `&` in an
 * NTE-3 read as one flat text as much as in a CWE read component by component (issue 12: NTE-3
 * "lại \T\ xác nhận" lost its `&` in Observation.note.text).
 */
import { describe, expect, it } from 'vitest';
import { compilePath, parseMessage, type Repetition } from '../../../src/hl7/index.js';
import { compileReader } from '../../../src/mapping/hl7v2/read.js';
import { buildGroups } from '../../../src/mapping/hl7v2/groups.js';
import { Scope } from '../../../src/mapping/hl7v2/scope.js';
import { lookupConverter } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { context, type TestContext } from './support.js';

/**
 * The message's delimiters: the usual ones, and those of a sender that declares others
 * (`MSH#$*?@`, as fixtures/hl7/custom-delimiters-adt-a08.hl7), where `?T?` must read `@`.
 */
const DIALECTS = [
  { name: 'MSH|^~\\&', header: 'MSH|^~\\&|LIS|BV|EMR|BV|20261207120000||ORU^R01|1|P|2.5.1|||||||UNICODE UTF-8\r', map: {} as Record<string, string> },
  { name: 'MSH#$*?@', header: 'MSH#$*?@#LIS#BV#EMR#BV#20261207120000##ORU$R01#1#P#2.5.1#######UNICODE UTF-8\r', map: { '|': '#', '^': '$', '~': '*', '\\': '?', '&': '@' } as Record<string, string> },
] as const;

/** A text written with the usual delimiters, in a dialect's. */
function inDialect(text: string, map: Readonly<Record<string, string>>): string {
  return text.replace(/[|^~\\&]/g, (c) => map[c] ?? c);
}

/** [as sent, as read, whether what is read is a delimiter] around x and y: `x\T\y` must read `x&y` */
const ESCAPES: readonly (readonly [string, string, boolean])[] = [
  ['\\F\\', '|', true],
  ['\\S\\', '^', true],
  ['\\T\\', '&', true],
  ['\\R\\', '~', true],
  ['\\E\\', '\\', true],
  ['\\X26\\', '&', false],
  ['\\XC3A1\\', 'á', false],
  ['\\H\\lại\\N\\', 'lại', false],
];
/** formatting commands (§2.7.6), for the formatted text types */
const FT_ESCAPES: readonly (readonly [string, string, boolean])[] = [...ESCAPES, ['\\.br\\', '\n', false]];

interface Case {
  readonly target: string;
  readonly v2: string;
  /** the field as sent, `{}` where the text goes */
  readonly field: string;
  readonly escapes?: readonly (readonly [string, string, boolean])[];
  /** also read as a datatype nested in component 2 (`ZZZ-1.2`, components sent as subcomponents) */
  readonly nested?: boolean;
}

const CASES: readonly Case[] = [
  { target: 'string', v2: 'ST', field: '{}' },
  { target: 'string', v2: 'TX', field: '{}', escapes: FT_ESCAPES },
  { target: 'string', v2: 'FT', field: '{}', escapes: FT_ESCAPES },
  { target: 'markdown', v2: 'FT', field: '{}', escapes: FT_ESCAPES },
  { target: 'Annotation', v2: 'FT', field: 'Mẫu {} lại', escapes: FT_ESCAPES },
  { target: 'Annotation', v2: 'TX', field: '{}', escapes: FT_ESCAPES },
  { target: 'Annotation', v2: 'ST', field: '{}' },
  { target: 'string', v2: 'ID', field: '{}' },
  { target: 'string', v2: 'IS', field: '{}' },
  { target: 'string', v2: 'CWE', field: 'C1^{}^L', nested: true },
  { target: 'string', v2: 'CX', field: '{}^^^BV', nested: true },
  { target: 'code', v2: 'ST', field: '{}' },
  { target: 'code', v2: 'CWE', field: '{}^Text^L', nested: true },
  { target: 'CodeableConcept', v2: 'CWE', field: 'C1^{}^L', nested: true },
  { target: 'CodeableConcept', v2: 'CWE', field: '{}^Text^L', nested: true },
  { target: 'CodeableConcept', v2: 'CWE', field: '^^^^^^^^{}', nested: true },
  { target: 'CodeableConcept', v2: 'CE', field: 'C1^{}^L^C2^Alt^L', nested: true },
  { target: 'CodeableConcept', v2: 'CNE', field: 'C1^Text^L^C2^{}^L' },
  { target: 'CodeableConcept', v2: 'CF', field: 'C1^{}^L' },
  { target: 'CodeableConcept', v2: 'ID', field: '{}' },
  { target: 'CodeableConcept', v2: 'IS', field: '{}' },
  { target: 'Coding', v2: 'CWE', field: 'C1^{}^L', nested: true },
  { target: 'Coding', v2: 'IS', field: '{}' },
  { target: 'HumanName', v2: 'XPN', field: '{}^Văn An^^^^^L', nested: true },
  { target: 'HumanName', v2: 'XPN', field: 'Nguyễn^{}^Thị', nested: true },
  { target: 'HumanName', v2: 'XPN', field: 'Nguyễn^An^{}^^TS' },
  { target: 'HumanName', v2: 'XCN', field: '123^{}^An', nested: true },
  { target: 'HumanName', v2: 'CNN', field: '123^Trần^{}' },
  { target: 'HumanName', v2: 'FN', field: '{}' },
  { target: 'Identifier', v2: 'CX', field: '{}^^^BV^MR', nested: true },
  { target: 'Identifier', v2: 'EI', field: '{}^BV', nested: true },
  { target: 'Identifier', v2: 'HD', field: '{}' },
  { target: 'Identifier', v2: 'ST', field: '{}' },
  { target: 'Address', v2: 'XAD', field: '{}^^Hà Nội^^100000^VN', nested: true },
  { target: 'Address', v2: 'XAD', field: '12 Lý Thường Kiệt^{}^Hà Nội' },
  { target: 'Address', v2: 'XAD', field: 'Phố Huế^^{}^^^VN' },
  { target: 'ContactPoint', v2: 'XTN', field: '{}^PRN^PH' },
  { target: 'ContactPoint', v2: 'XTN', field: '^NET^Internet^{}' },
  { target: 'Reference', v2: 'XCN', field: '123^{}^An', nested: true },
  { target: 'Reference', v2: 'CNN', field: '123^{}^An' },
  { target: 'Reference', v2: 'XON', field: '{}^^^^^BV^XX^^^1', nested: true },
  { target: 'Reference', v2: 'PL', field: 'W1^{}^B1^BV', nested: true },
  { target: 'Attachment', v2: 'ED', field: '^TEXT^^A^{}' },
];

/** every string in a value (and in the resources a conversion emitted), depth first */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

/** ED.5 with encoding A (text) is carried as base64: decode it back to compare */
function texts(value: unknown, ctx: TestContext, v2: string): string[] {
  const found = strings([value, ctx.emitted.map((e) => e.resource)]);
  return v2 === 'ED' ? found.map((s) => Buffer.from(s, 'base64').toString('utf8')) : found;
}

/** The repetitions the mapping's reader hands a conversion for `path` in a message holding `field`. */
function read(header: string, fieldSeparator: string, field: string, path: string): Repetition[] {
  const message = parseMessage(`${header}ZZZ${fieldSeparator}${field}\r`);
  const out: Repetition[] = [];
  compileReader(compilePath(path)).each(Scope.root(buildGroups(message, undefined)), (rep, _seg, _i, acc: Repetition[]) => (acc.push(rep), false), out, undefined);
  return out;
}

describe('escape sequences survive every text-bearing conversion, at every level a mapping reads', () => {
  for (const dialect of DIALECTS) {
    const d = (text: string) => inDialect(text, dialect.map);
    for (const c of CASES) {
      const convert = lookupConverter(c.target, c.v2);
      for (const [sent, meant, delimiter] of c.escapes ?? ESCAPES) {
        const text = `x${d(sent)}y`;
        const expected = `x${delimiter ? d(meant) : meant}y`;
        it(`${dialect.name} ${c.v2} → ${c.target}, ${c.field}: ${JSON.stringify(text)} reads ${JSON.stringify(expected)}`, () => {
          expect(convert, `${c.v2} → ${c.target} is a conversion`).toBeDefined();
          const field = d(c.field).replace('{}', text);
          const layouts: [string, string][] = [[field, 'ZZZ-1']];
          // a datatype inside a component: its components are subcomponents (OBR-32.1, PID-11.9 …)
          if (c.nested) layouts.push([d(`P^${c.field.replaceAll('^', '&')}`).replace('{}', text), 'ZZZ-1.2']);
          for (const [raw, path] of layouts) {
            const reps = read(dialect.header, d('|'), raw, path);
            expect(reps, `${path} of ${raw}`).toHaveLength(1);
            const ctx = context();
            const value = convert!(reps[0], ctx);
            expect(texts(value, ctx, c.v2).filter((s) => s.includes(expected)), `${path} of ${raw} → ${JSON.stringify(value)}`).not.toEqual([]);
          }
        });
      }
    }
  }
});
