import { describe, expect, it } from 'vitest';
import type { Segment } from '../../../src/hl7/index.js';
import { choiceElement, lookupSegmentConversion, type ChoiceValue } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { context, fhirIssues, fixture, segment } from './support.js';

const obxValue = lookupSegmentConversion('obx-value')!.convert as (s: Segment, c: ReturnType<typeof context>) => ChoiceValue | undefined;
const obxComponents = lookupSegmentConversion('obx-components')!.convert as (s: Segment, c: ReturnType<typeof context>) => Record<string, unknown>[] | undefined;
const obxAttachment = lookupSegmentConversion('obx-attachment')!.convert;

const oru = fixture('oru-r01-values.hl7');
/** OBX with set ID n (OBX-1) */
const obx = (n: number): Segment => oru.segmentsNamed('OBX')[n - 1];

/** A minimal Observation around a value, as the mapping would build it. */
function observation(value: ChoiceValue | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { resourceType: 'Observation', status: 'final', code: { text: 'x' }, ...(value ? { [choiceElement(value.type)]: value.value } : {}), ...extra };
}

/** The IG's OBX[Observation] OBX-5 / OBX-6 rows, by OBX-2. */
describe('obx-value', () => {
  it('NM + UCUM units → Quantity (OBX-6 by CWE[Quantity])', () => {
    expect(obxValue(obx(1), context())).toEqual({ type: 'Quantity', value: { value: 13.5, unit: 'grams per deciliter', system: 'http://unitsofmeasure.org', code: 'g/dL' } });
  });

  it('NM with a bare unit → UCUM from the built-in table', () => {
    expect(obxValue(obx(2), context())).toEqual({ type: 'Quantity', value: { value: 5.4, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' } });
  });

  it('SN <^5 and >=^10 → Quantity with comparator and units', () => {
    expect(obxValue(obx(3), context())).toEqual({ type: 'Quantity', value: { comparator: '<', value: 5, unit: 'U/L', system: 'http://unitsofmeasure.org', code: 'U/L' } });
    expect(obxValue(obx(4), context())).toMatchObject({ type: 'Quantity', value: { comparator: '>=', value: 10, code: '{titer}' } });
    expect(obxValue(obx(24), context())).toMatchObject({ type: 'Quantity', value: { value: 7 } });
  });

  it('SN ^1^:^128 → Ratio; ^1^-^5 → Range with units on low and high', () => {
    expect(obxValue(obx(5), context())).toMatchObject({ type: 'Ratio', value: { numerator: { value: 1 }, denominator: { value: 128 } } });
    expect(obxValue(obx(6), context())).toEqual({
      type: 'Range',
      value: {
        extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/originalText', valueString: '1 - 5' }],
        low: { value: 1, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
        high: { value: 5, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      },
    });
  });

  it('SN <> and + → string with the unit (IG rows for OBX-5.1 "<>" and OBX-5.3 "+")', () => {
    expect(obxValue(obx(18), context())).toEqual({ type: 'string', value: '<> 5' });
    expect(obxValue(obx(19), context())).toEqual({ type: 'string', value: '2 + mg/dL' });
  });

  it('CWE → CodeableConcept', () => {
    expect(obxValue(obx(7), context())).toEqual({
      type: 'CodeableConcept',
      value: {
        coding: [
          { system: 'http://snomed.info/sct', code: '260373001', display: 'Detected' },
          { system: 'http://terminology.hl7.org/CodeSystem/v2-0078', code: 'DET', display: 'Detected' },
        ],
        text: 'Phát hiện',
      },
    });
  });

  it('ST → string; TX repetitions → lines of one string; FT unescaped', () => {
    expect(obxValue(obx(8), context())).toEqual({ type: 'string', value: 'Mẫu bệnh phẩm đạt' });
    expect(obxValue(obx(9), context())).toEqual({ type: 'string', value: 'Line one\nLine two\nLine three' });
    expect(obxValue(obx(17), context())).toEqual({ type: 'string', value: 'Nhận xét:\nBình thường' });
  });

  it('DTM / DT → dateTime, TM → time', () => {
    expect(obxValue(obx(10), context())).toEqual({ type: 'dateTime', value: '2024-03-05T14:30:00+07:00' });
    expect(obxValue(obx(20), context())).toEqual({ type: 'dateTime', value: '2024-03-05' });
    expect(obxValue(obx(11), context())).toEqual({ type: 'time', value: '14:30:00' });
  });

  it('ED / RP give no value[x] (R4 has no valueAttachment; see obx-attachment)', () => {
    const ctx = context();
    expect(obxValue(obx(12), ctx)).toBeUndefined();
    expect(obxValue(obx(15), ctx)).toBeUndefined();
    expect(ctx.warnings).toEqual([]);
  });

  it('NA gives nothing, with a warning', () => {
    const ctx = context();
    expect(obxValue(obx(14), ctx)).toBeUndefined();
    expect(ctx.warnings).toHaveLength(1);
  });

  it('an NM that is not a number, or a type without an IG row, is kept as text with a warning', () => {
    const ctx = context();
    expect(obxValue(obx(16), ctx)).toEqual({ type: 'string', value: 'neg' });
    expect(obxValue(obx(22), ctx)).toEqual({ type: 'string', value: '12 Lý Thường Kiệt Quận 10' });
    expect(ctx.warnings).toHaveLength(2);
    expect(ctx.warnings.join()).not.toContain('neg');
  });

  it('repeated NM or CWE → no value (they are components)', () => {
    expect(obxValue(obx(13), context())).toBeUndefined();
    expect(obxValue(obx(21), context())).toBeUndefined();
  });

  it('empty OBX-5 → nothing', () => {
    expect(obxValue(obx(23), context())).toBeUndefined();
    expect(obxValue(segment('OBX|1|NM|X^X^L||""'), context())).toBeUndefined();
  });

  it('every value makes a valid Observation', () => {
    for (const seg of oru.segmentsNamed('OBX')) {
      const ctx = context();
      const resource = observation(obxValue(seg, ctx), { component: obxComponents(seg, ctx) });
      if (resource.component === undefined) delete resource.component;
      expect(fhirIssues(resource), `OBX ${seg.field(1).value}`).toEqual([]);
    }
  });
});

/** IG OBX[Observation-Component]: one component per OBX-5 repetition, code OBX-3. */
describe('obx-components', () => {
  it('repeated NM → components with the OBX-3 code and OBX-6 units', () => {
    const code = { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] };
    const unit = { unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' };
    expect(obxComponents(obx(13), context())).toEqual([
      { code, valueQuantity: { value: 60, ...unit } },
      { code, valueQuantity: { value: 120, ...unit } },
    ]);
  });

  it('repeated CWE → components with valueCodeableConcept', () => {
    expect(obxComponents(obx(21), context())).toHaveLength(2);
    expect(obxComponents(obx(21), context())![1]).toMatchObject({ valueCodeableConcept: { coding: [{ code: 'ORG2', display: 'K. pneumoniae' }] } });
  });

  it('gives nothing for one repetition, text lines or NA', () => {
    expect(obxComponents(obx(1), context())).toBeUndefined();
    expect(obxComponents(obx(9), context())).toBeUndefined();
    expect(obxComponents(obx(14), context())).toBeUndefined();
  });
});

describe('obx-attachment', () => {
  it('ED → the R5 cross-version value extension with an Attachment', () => {
    const ext = obxAttachment(obx(12), context());
    expect(ext).toEqual({
      url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.value',
      valueAttachment: { contentType: 'application/pdf', data: 'JVBERi0xLjQK' },
    });
    expect(fhirIssues(observation(undefined, { extension: [ext] }))).toEqual([]);
  });

  it('RP → url attachment; other types → nothing', () => {
    expect(obxAttachment(obx(15), context())).toMatchObject({ valueAttachment: { url: 'https://pacs.example.vn/study/1', contentType: 'image/jpeg' } });
    expect(obxAttachment(obx(1), context())).toBeUndefined();
  });
});
