import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitMessages } from '../../../src/hl7/index.js';
import { convertibleFhirTypes, lookupConverter, lookupSegmentConversion, SEGMENT_CONVERSIONS, v2TypesFor } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { context, fhirIssues, rep } from './support.js';

describe('lookupConverter', () => {
  it('has the documented defaults', () => {
    const defaults: Record<string, string> = {
      HumanName: 'XPN',
      Identifier: 'CX',
      CodeableConcept: 'CWE',
      Coding: 'CWE',
      code: 'CWE',
      Address: 'XAD',
      ContactPoint: 'XTN',
      dateTime: 'DTM',
      instant: 'DTM',
      date: 'DT',
      Quantity: 'NM',
      Range: 'SN',
      Period: 'DR',
      Attachment: 'ED',
      Annotation: 'FT',
      Reference: 'XCN',
      boolean: 'ID',
      integer: 'NM',
      decimal: 'NM',
      positiveInt: 'NM',
      unsignedInt: 'NM',
      string: 'ST',
      markdown: 'ST',
      uri: 'ST',
      id: 'ST',
    };
    for (const [fhir, v2] of Object.entries(defaults)) {
      expect(v2TypesFor(fhir)[0], fhir).toBe(v2);
      expect(lookupConverter(fhir), fhir).toBe(lookupConverter(fhir, v2));
    }
  });

  it('accepts the alternative v2 types, case-insensitively', () => {
    expect(lookupConverter('HumanName', 'XCN')).toBeDefined();
    expect(lookupConverter('HumanName', 'cnn')).toBeDefined();
    expect(lookupConverter('CodeableConcept', 'CE')).toBe(lookupConverter('CodeableConcept', 'CNE'));
    expect(lookupConverter('Reference', 'XON')).toBeDefined();
    expect(lookupConverter('Reference', 'PL')).toBeDefined();
    expect(lookupConverter('Quantity', 'SN')).toBeDefined();
    expect(lookupConverter('Quantity', 'CQ')).toBeDefined();
    expect(lookupConverter('Attachment', 'RP')).toBeDefined();
  });

  it('returns undefined for what it cannot convert', () => {
    expect(lookupConverter('HumanName', 'CWE')).toBeUndefined();
    expect(lookupConverter('Timing')).toBeUndefined();
    expect(lookupConverter('toString')).toBeUndefined();
    expect(lookupConverter('string', 'constructor')).toBeUndefined();
    expect(v2TypesFor('Timing')).toEqual([]);
  });

  it('lists the segment conversions', () => {
    expect([...SEGMENT_CONVERSIONS.keys()]).toEqual(['obx-value', 'obx-components', 'obx-attachment', 'obx-reference-range']);
    expect(lookupSegmentConversion('obx-value')).toMatchObject({ segment: 'OBX', result: 'choice', target: 'Observation.value[x]' });
    expect(lookupSegmentConversion('pid-magic')).toBeUndefined();
  });
});

describe('robustness', () => {
  const all = convertibleFhirTypes().flatMap((fhir) => v2TypesFor(fhir).map((v2) => [fhir, v2, lookupConverter(fhir, v2)!] as const));

  it('never throws on arbitrary field text, and warnings never repeat the input', () => {
    const text = fc.stringMatching(/^[A-Za-z0-9 ^&~\\.+\-<>=:/"áễ]{0,40}$/).filter((s) => !s.includes('|'));
    fc.assert(
      fc.property(text, (t) => {
        const r = rep(t);
        for (const [, , convert] of all) {
          const ctx = context({ defaultTimezone: 'Europe/Paris' });
          convert(r, ctx);
          for (const w of ctx.warnings) if (t.length >= 6 && !/^[\s^&~]*$/.test(t)) expect(w).not.toContain(t);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('converts every OBX of the corpus fixtures to a valid Observation', () => {
    const dir = fileURLToPath(new URL('../../../fixtures/hl7/corpus/', import.meta.url));
    let count = 0;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.hl7'))) {
      let messages;
      try {
        messages = splitMessages(readFileSync(dir + name)).messages;
      } catch {
        continue; // the corpus holds deliberately broken messages; parsing is tested elsewhere
      }
      for (const msg of messages) {
        for (const obx of msg.segmentsNamed('OBX')) {
          const ctx = context({ defaultTimezone: 'America/New_York' });
          const value = lookupSegmentConversion('obx-value')!.convert(obx, ctx) as { type: string; value: unknown } | undefined;
          const component = lookupSegmentConversion('obx-components')!.convert(obx, ctx);
          const ext = lookupSegmentConversion('obx-attachment')!.convert(obx, ctx);
          const resource: Record<string, unknown> = { resourceType: 'Observation', status: 'final', code: { text: 'x' } };
          if (ext) resource.extension = [ext];
          if (value) resource[`value${value.type[0].toUpperCase()}${value.type.slice(1)}`] = value.value;
          if (component) resource.component = component;
          expect(fhirIssues(resource), `${name} OBX ${obx.field(1).value}`).toEqual([]);
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(500);
  });
});
