/**
 * The lazy reads of src/hl7 (segment.ts indexes a line only as far as reads need; field.ts
 * reads the components of a text without subcomponents or escapes as they are) against the
 * plain definition: split on the delimiters, then unescape the leaf.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMessage, unescapeText, DEFAULT_DELIMITERS, HL7_NULL } from '../../src/hl7/index.js';

const MSH = 'MSH|^~\\&|LAB|HOSP|EMR|HOSP|20240305101500||ORU^R01|C1|P|2.5.1';

/** Field texts: delimiters, escapes and the HL7 null among ordinary characters. */
const text = fc.stringMatching(/^[A-Za-z0-9 ^&~\\"]{0,12}$/);

describe('fields of a segment, read in any order', () => {
  it('equal the pieces of the line split on the field separator', () => {
    fc.assert(
      fc.property(fc.array(text.map((t) => t.replace(/~/g, '')), { maxLength: 30 }), fc.array(fc.integer({ min: 0, max: 35 }), { maxLength: 40 }), (fields, reads) => {
        const line = ['OBX', ...fields].join('|');
        const seg = parseMessage(`${MSH}\r${line}`).segments[1]!;
        const pieces = line.split('|');
        for (const n of reads) expect(seg.fieldRaw(n), `OBX-${n} of ${line}`).toBe(n >= 1 && n < pieces.length ? pieces[n] : '');
        expect(seg.fieldCount).toBe(pieces.length - 1);
        for (const n of reads) expect(seg.fieldRaw(n)).toBe(n >= 1 && n < pieces.length ? pieces[n] : '');
      }),
    );
  });

  it('of MSH count MSH-1 as the separator itself', () => {
    const msh = parseMessage(MSH).msh;
    expect([1, 2, 3, 9, 12, 13].map((n) => msh.fieldRaw(n))).toEqual(['|', '^~\\&', 'LAB', 'ORU^R01', '2.5.1', '']);
    expect(msh.fieldCount).toBe(12);
  });
});

describe('components of a repetition', () => {
  it('equal the pieces of the text split on ^ then &, unescaped, HL7 null read as empty', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 6 }), (parts) => {
        const raw = parts.join('^').replace(/~/g, '');
        const rep = parseMessage(`${MSH}\rZZZ|${raw}`).segments[1]!.field(1).repetition(1);
        const comps = raw === '' ? [] : raw.split('^');
        for (let c = 1; c <= comps.length + 1; c++) {
          const subs = (comps[c - 1] ?? '').split('&');
          for (let s = 1; s <= subs.length + 1; s++) {
            const leaf = subs[s - 1] ?? '';
            const expected = leaf === HL7_NULL ? '' : unescapeText(leaf, DEFAULT_DELIMITERS);
            expect(rep.component(c, s), `${raw} .${c}.${s}`).toBe(expected);
          }
        }
        expect(rep.componentCount).toBe(comps.length);
      }),
    );
  });
});
