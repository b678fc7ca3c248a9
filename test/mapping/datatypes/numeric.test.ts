import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lookupConverter, ucumFor } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { parseNm } from '../../../src/mapping/hl7v2/datatypes/numeric.js';
import { context, fhirIssues, rep } from './support.js';

const decimal = lookupConverter('decimal')!;
const integer = lookupConverter('integer')!;
const positiveInt = lookupConverter('positiveInt')!;
const unsignedInt = lookupConverter('unsignedInt')!;
const nmQuantity = lookupConverter('Quantity')!;
const cq = lookupConverter('Quantity', 'CQ')!;
const snQuantity = lookupConverter('Quantity', 'SN')!;
const snRange = lookupConverter('Range')!;
const snRatio = lookupConverter('Ratio')!;
const nr = lookupConverter('Range', 'NR')!;

/** HL7 v2.5.1 §2.A.47 NM: optional sign, digits, optional decimal point. */
describe('NM → decimal / integer types', () => {
  it.each([
    ['13.5', 13.5],
    ['+1.5', 1.5],
    ['-.5', -0.5],
    ['007', 7],
    ['1.20', 1.2],
    ['-0', 0],
    [' 42 ', 42],
  ])('decimal %s → %s', (v2, n) => {
    expect(decimal(rep(v2), context())).toBe(n);
  });

  it.each(['1,5', '>5', 'neg', '1e3', '1.2.3', '.'])('refuses %s with a warning', (bad) => {
    const ctx = context();
    expect(decimal(rep(bad), ctx)).toBeUndefined();
    expect(ctx.warnings).toEqual([expect.stringMatching(/^NM: not a valid NM/)]);
  });

  it('checks the integer types (IG NM[positiveInt]: negative is an error, here a warning)', () => {
    const ctx = context();
    expect(integer(rep('-3'), ctx)).toBe(-3);
    expect(integer(rep('3.0'), ctx)).toBe(3);
    expect(integer(rep('3.5'), ctx)).toBeUndefined();
    expect(positiveInt(rep('1'), ctx)).toBe(1);
    expect(positiveInt(rep('0'), ctx)).toBeUndefined();
    expect(positiveInt(rep('-2'), ctx)).toBeUndefined();
    expect(unsignedInt(rep('0'), ctx)).toBe(0);
    expect(integer(rep('2147483648'), ctx)).toBeUndefined();
    expect(ctx.warnings).toHaveLength(4);
  });

  it('NM → Quantity has the value only (units come from another field)', () => {
    expect(nmQuantity(rep('5.4'), context())).toEqual({ value: 5.4 });
  });
});

/** IG CQ[Quantity] with CWE[Quantity] for the units. */
describe('CQ → Quantity', () => {
  it('uses UCUM when CQ.2 names it', () => {
    expect(cq(rep('2^mg&milligram&UCUM'), context())).toEqual({ value: 2, unit: 'milligram', system: 'http://unitsofmeasure.org', code: 'mg' });
  });

  it('finds common lab spellings in the built-in table when no system is sent', () => {
    expect(cq(rep('5^mg/dl'), context())).toEqual({ value: 5, unit: 'mg/dl', system: 'http://unitsofmeasure.org', code: 'mg/dL' });
    expect(cq(rep('5^µmol/L'), context())).toEqual({ value: 5, unit: 'µmol/L', system: 'http://unitsofmeasure.org', code: 'umol/L' });
  });

  it('keeps an unknown unit as text only', () => {
    expect(cq(rep('3^ERU'), context())).toEqual({ value: 3, unit: 'ERU' });
  });

  it('prefers UCUM for a unit the table knows, whatever system the sender named', () => {
    expect(cq(rep('60^beats/min&&ISO+'), context())).toEqual({ value: 60, unit: 'beats/min', system: 'http://unitsofmeasure.org', code: '/min' });
  });

  it('keeps another system for a unit the table does not know, as the IG row says (code + system)', () => {
    expect(cq(rep('20^gtt/min&drops per minute&L'), context())).toEqual({ value: 20, unit: 'drops per minute', system: 'urn:medibus:local:L', code: 'gtt/min' });
  });
});

describe('unit table', () => {
  it.each([
    ['10^9/L', '10*9/L'],
    ['giga.l-1', '10*9/L'],
    ['tera.l-1', '10*12/L'],
    ['x10^3/uL', '10*3/uL'],
    ['mmHg', 'mm[Hg]'],
    ['%', '%'],
    ['mEq/L', 'meq/L'],
    ['IU/L', '[IU]/L'],
    ['mIU/L', 'm[IU]/L'],
    ['°C', 'Cel'],
    ['years', 'a'],
  ])('%s → %s', (spelling, ucum) => {
    expect(ucumFor(spelling)).toBe(ucum);
  });

  it('leaves out spellings whose case carries meaning', () => {
    expect(ucumFor('G/L')).toBe('g/L'); // matched as grams: giga per litre must be sent as 10^9/L or giga.l-1
    expect(ucumFor('M')).toBeUndefined();
  });
});

/** IG SN[Quantity], SN[Range], SN[Ratio]; HL7 v2.5.1 §2.A.72. */
describe('SN', () => {
  it.each([
    ['<^5', { comparator: '<', value: 5 }],
    ['>=^10', { comparator: '>=', value: 10 }],
    ['<=^0.5', { comparator: '<=', value: 0.5 }],
    ['>^100', { comparator: '>', value: 100 }],
    ['=^7', { value: 7 }],
    ['^7', { value: 7 }],
  ])('%s → Quantity', (v2, q) => {
    const value = snQuantity(rep(v2), context());
    expect(value).toEqual(q);
    expect(fhirIssues({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: value })).toEqual([]);
  });

  it('^1^-^5 → Range with the original text', () => {
    const value = snRange(rep('^1^-^5'), context());
    expect(value).toEqual({ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/originalText', valueString: '1 - 5' }], low: { value: 1 }, high: { value: 5 } });
    expect(fhirIssues({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueRange: value })).toEqual([]);
  });

  it('^1^:^128 and ^1^/^2 → Ratio', () => {
    expect(snRatio(rep('^1^:^128'), context())).toEqual({
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/originalText', valueString: '1 : 128' }],
      numerator: { value: 1 },
      denominator: { value: 128 },
    });
    expect(snRatio(rep('<^1^/^2'), context())).toMatchObject({ numerator: { comparator: '<', value: 1 }, denominator: { value: 2 } });
  });

  it('refuses the wrong shape for the target with a warning', () => {
    const ctx = context();
    expect(snQuantity(rep('^1^-^5'), ctx)).toBeUndefined();
    expect(snRange(rep('<^5'), ctx)).toBeUndefined();
    expect(snRatio(rep('<>^5'), ctx)).toBeUndefined();
    expect(ctx.warnings).toHaveLength(3);
  });
});

describe('NR → Range (IG NR[Range])', () => {
  it('maps NR.1 low and NR.2 high', () => {
    expect(nr(rep('3.5^5.0'), context())).toEqual({ low: { value: 3.5 }, high: { value: 5 } });
    expect(nr(rep('^5'), context())).toEqual({ high: { value: 5 } });
  });
});

describe('NM and code syntax checks', () => {
  // the definitions the loops in numeric.ts and coded.ts stand for
  const NM = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
  const CODE = /^[^\s]+( [^\s]+)*$/;
  const code = lookupConverter('code')!;

  it('parseNm accepts exactly the NM syntax', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ +\-.0-9a-e]{0,8}$/), (text) => {
        const s = text.trim();
        expect(parseNm(text), JSON.stringify(text)).toBe(NM.test(s) ? (Number(s) === 0 ? 0 : Number(s)) : undefined);
      }),
    );
  });

  it('parseNm gives the double Number() gives, for any length and any place of the point', () => {
    // its own digit loop covers up to 15 significant digits and 22 decimals; past that, Number()
    const decimals = fc
      .tuple(fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{0,26}$/), fc.stringMatching(/^[0-9]{0,26}$/), fc.boolean())
      .filter(([, whole, fraction]) => whole !== '' || fraction !== '')
      .map(([sign, whole, fraction, point]) => `${sign}${whole}${point || whole === '' ? `.${fraction}` : fraction}`);
    fc.assert(
      fc.property(decimals, (text) => {
        const n = Number(text);
        expect(parseNm(text), text).toBe(n === 0 ? 0 : n);
      }),
      { numRuns: 5000 },
    );
    for (const text of ['0.1', '0.3', '123456789012345', '1234567890123456', '9007199254740993', '0.0000000000000000000001', '4.35', '1.005', '00000000000000000001.5']) {
      expect(parseNm(text), text).toBe(Number(text));
    }
  });

  it('a code is kept exactly when it has no leading, trailing or repeated white space', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ a-zA-Z\t\u00a0é-]{1,8}$/), (text) => {
        const ctx = context();
        const trimmed = text.trim();
        expect(code(rep(text), ctx), JSON.stringify(text)).toBe(trimmed !== '' && CODE.test(trimmed) ? trimmed : undefined);
      }),
    );
  });
});
