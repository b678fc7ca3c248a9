import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUTPUT, renderDictionary } from '../../scripts/build-dicom-dictionary.js';
import { entryOfKeyword, entryOfTag, resolveTag } from '../../src/dicom/index.js';

describe('DICOM dictionary', () => {
  it('the committed table is what the generator makes from the pinned dcmjs (not stale)', () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(renderDictionary());
  });
  it('keyword ↔ tag ↔ VR for the PACS→EMR attributes', () => {
    expect(entryOfKeyword('StudyInstanceUID')).toEqual({ tag: '0020000D', vr: 'UI', keyword: 'StudyInstanceUID' });
    expect(entryOfKeyword('IssuerOfPatientID')?.tag).toBe('00100021');
    expect(entryOfKeyword('RequestedProcedureID')?.tag).toBe('00401001');
    expect(entryOfTag('00080090')?.keyword).toBe('ReferringPhysicianName');
    expect(entryOfTag('60003000')?.keyword).toBe('OverlayData');
    expect(entryOfTag('60023000')?.keyword).toBe('OverlayData');
    expect(entryOfTag('00091001')).toBeUndefined();
  });
  it('resolves every spelling of a tag', () => {
    for (const name of ['(0020,000D)', '(0020,000d)', '0020000D', 'x0020000d', 'StudyInstanceUID']) expect(resolveTag(name)).toBe('0020000D');
    expect(resolveTag('NoSuchKeyword')).toBeUndefined();
  });
});
