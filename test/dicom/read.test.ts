import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDicom } from '../../src/dicom/index.js';
import { type ErrorCode, MedibusError } from '../../src/errors.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/dicom/${name}`, import.meta.url));

/** Every corpus file: what it becomes, or why it is refused. */
const CORPUS: Record<string, { ts: string } | { refused: ErrorCode; reason: RegExp }> = {
  'pydicom__CT_small.dcm': { ts: '1.2.840.10008.1.2.1' },
  'pydicom__ExplVR_LitEndNoMeta.dcm': { ts: '1.2.840.10008.1.2.1' },
  'pydicom__JPEG2000.dcm': { ts: '1.2.840.10008.1.2.4.91' },
  'pydicom__MR_small.dcm': { ts: '1.2.840.10008.1.2.1' },
  'pydicom__MR_small_bigendian.dcm': { ts: '1.2.840.10008.1.2.2' },
  'pydicom__MR_small_implicit.dcm': { ts: '1.2.840.10008.1.2' },
  'pydicom__MR_truncated.dcm': { refused: 'MEDIBUS_ERR_DICOM_TRUNCATED', reason: /Pixel Data \(7FE0,0010\) declares 8192 bytes but the object ends 8130/ },
  'pydicom__SC_rgb_rle_2frame.dcm': { ts: '1.2.840.10008.1.2.5' },
  'pydicom__UN_sequence.dcm': { refused: 'MEDIBUS_ERR_DICOM_MISSING_UID', reason: /no SOP Class UID \(0008,0016\) and SOP Instance UID/ },
  'pydicom__badVR.dcm': { refused: 'MEDIBUS_ERR_DICOM_BAD_VR', reason: /\(0028,0008\) is IS but holds "1A"/ },
  'pydicom__chrFrenMulti.dcm': { ts: '1.2.840.10008.1.2.1' },
  'pydicom__chrH31.dcm': { ts: '1.2.840.10008.1.2.1' },
  'pydicom__chrRuss.dcm': { ts: '1.2.840.10008.1.2.1' },
  'pydicom__chrX1.dcm': { ts: '1.2.840.10008.1.2.1' },
  'pydicom__image_dfl.dcm': { ts: '1.2.840.10008.1.2.1.99' },
  'pydicom__meta_missing_tsyntax.dcm': { refused: 'MEDIBUS_ERR_DICOM_TRANSFER_SYNTAX', reason: /no Transfer Syntax UID \(0002,0010\)/ },
  'pydicom__no_meta.dcm': { refused: 'MEDIBUS_ERR_DICOM_NOT_DICOM', reason: /no data element at byte 0 .*stray byte/ },
  'pydicom__rtdose.dcm': { ts: '1.2.840.10008.1.2' },
  'pydicom__rtplan.dcm': { ts: '1.2.840.10008.1.2' },
  'pydicom__rtstruct.dcm': { ts: '1.2.840.10008.1.2' },
  'pydicom__test-SR.dcm': { ts: '1.2.840.10008.1.2.1' },
  'pydicom__waveform_ecg.dcm': { ts: '1.2.840.10008.1.2.1' },
};

function refusal(run: () => unknown): MedibusError {
  try {
    run();
  } catch (error) {
    if (error instanceof MedibusError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('readDicom on the pydicom corpus', () => {
  for (const [name, expected] of Object.entries(CORPUS)) {
    it(`${name}: ${'ts' in expected ? 'converts' : `refused (${expected.refused})`}`, () => {
      const bytes = fixture(name);
      if ('ts' in expected) {
        const object = readDicom(bytes, { source: name });
        expect(object.transferSyntaxUid).toBe(expected.ts);
        expect(object.dataset['00080018']?.Value?.[0]).toBe(object.sopInstanceUid);
        expect(object.dataset['7FE00010']).toBeUndefined();
        expect(JSON.parse(JSON.stringify(object.dataset))).toEqual(object.dataset);
      } else {
        const error = refusal(() => readDicom(bytes, { source: name }));
        expect(error.code).toBe(expected.refused);
        expect(error.retryable).toBe(false);
        expect(error.message).toMatch(expected.reason);
        expect(error.message.startsWith(name)).toBe(true);
      }
    });
  }
});

describe('character sets (names as pydicom test_charset expects them)', () => {
  const name = (file: string): unknown => readDicom(fixture(file)).dataset['00100010']?.Value?.[0];
  it('ISO_IR 192 with ideographic group', () => expect(name('pydicom__chrX1.dcm')).toEqual({ Alphabetic: 'Wang^XiaoDong', Ideographic: '王^小東' }));
  it('ISO 2022 IR 87 escapes, three groups', () => expect(name('pydicom__chrH31.dcm')).toEqual({ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }));
  it('ISO_IR 144 Cyrillic', () => expect(name('pydicom__chrRuss.dcm')).toEqual({ Alphabetic: 'Люкceмбypг' }));
  it('ISO_IR 100 Latin-1', () => expect(name('pydicom__chrFrenMulti.dcm')).toEqual({ Alphabetic: 'Buc^Jérôme' }));
  it('Vietnamese in ISO_IR 192 (PN, LO), padding trimmed', () => {
    const { dataset } = readDicom(fixture('vi-isoir192-patient.dcm'));
    expect(dataset['00100010']?.Value?.[0]).toEqual({ Alphabetic: 'Nguyễn^Thị Ánh Tuyết' });
    expect(dataset['00080090']?.Value?.[0]).toEqual({ Alphabetic: 'Trần^Văn Minh^^BS.' });
    expect(dataset['00081030']?.Value).toEqual(['Chụp X-quang ngực thẳng']);
    expect(dataset['00100021']?.Value).toEqual(['BV Chợ Rẫy']);
  });
});

describe('DICOM JSON shape (PS3.18 Annex F)', () => {
  it('same attributes from explicit LE, implicit LE and big endian encodings of one data set', () => {
    const explicit = readDicom(fixture('pydicom__MR_small.dcm')).dataset;
    const implicit = readDicom(fixture('pydicom__MR_small_implicit.dcm')).dataset;
    const big = readDicom(fixture('pydicom__MR_small_bigendian.dcm')).dataset;
    for (const tag of ['00100010', '00280010', '00280030', '00200032', '00180050', '0020000D']) {
      expect(implicit[tag], tag).toEqual(explicit[tag]);
      expect(big[tag], tag).toEqual(explicit[tag]);
    }
    expect(explicit['00280010']).toEqual({ vr: 'US', Value: [64] });
    expect(explicit['00280030']?.Value?.every((v) => typeof v === 'number')).toBe(true);
  });
  it('sequences are nested items, with their own VRs in implicit VR (dictionary)', () => {
    const { dataset } = readDicom(fixture('pydicom__rtplan.dcm'));
    const beams = dataset['300A00B0'];
    expect(beams?.vr).toBe('SQ');
    const first = beams?.Value?.[0] as Record<string, { vr: string }>;
    expect(first['300A00C0']?.vr).toBe('IS');
  });
  it('the deflated data set is inflated (zlib, not dicom-parser inflater)', () => {
    const object = readDicom(fixture('pydicom__image_dfl.dcm'));
    expect(object.meta['00020010']?.Value).toEqual(['1.2.840.10008.1.2.1.99']);
    expect(object.pixelData).toEqual({ offset: expect.any(Number), length: 262144, encapsulated: false });
  });
  it('binary values: small inline as base64, large as a BulkDataURI', () => {
    const { dataset } = readDicom(fixture('pydicom__waveform_ecg.dcm'), { inlineBinaryLimit: 16 });
    const waveform = dataset['54000100']?.Value?.[0] as Record<string, { vr: string; BulkDataURI?: string }>;
    expect(waveform['54001010']?.BulkDataURI).toMatch(/^bulk\?offset=\d+&length=\d+$/);
  });
  it('a bare data set (no preamble, no meta) is read', () => {
    const object = readDicom(fixture('pydicom__rtstruct.dcm'));
    expect(object.hasFileMeta).toBe(false);
    expect(object.meta).toEqual({});
  });
});

describe('refusals built from good files', () => {
  it('an unknown transfer syntax', () => {
    const bytes = Buffer.from(fixture('pydicom__MR_small.dcm'));
    const at = bytes.indexOf('1.2.840.10008.1.2.1\0');
    bytes.write('1.2.840.10008.1.2.9', at, 'latin1');
    expect(refusal(() => readDicom(bytes)).code).toBe('MEDIBUS_ERR_DICOM_TRANSFER_SYNTAX');
  });
  it('a header cut short', () => {
    const bytes = fixture('pydicom__CT_small.dcm').subarray(0, 3000);
    expect(refusal(() => readDicom(bytes, { source: 'cut.dcm' })).code).toBe('MEDIBUS_ERR_DICOM_TRUNCATED');
  });
  it('encapsulated pixel data cut short', () => {
    const bytes = fixture('pydicom__JPEG2000.dcm');
    const error = refusal(() => readDicom(bytes.subarray(0, bytes.length - 100)));
    expect(error.code).toBe('MEDIBUS_ERR_DICOM_TRUNCATED');
  });
  it('an explicit VR that PS3.5 does not define', () => {
    const bytes = Buffer.from(fixture('pydicom__MR_small.dcm'));
    // (0008,0060) CS → "QQ"
    const at = bytes.indexOf(Buffer.from([0x08, 0x00, 0x60, 0x00, 0x43, 0x53]));
    bytes.write('QQ', at + 4, 'latin1');
    const error = refusal(() => readDicom(bytes));
    expect(error.code).toBe('MEDIBUS_ERR_DICOM_BAD_VR');
    expect(error.message).toMatch(/\(0008,0060\) has VR "QQ"/);
  });
  it('text that is not DICOM', () => {
    expect(refusal(() => readDicom(Buffer.from('MSH|^~\\&|hello, this is HL7 and not DICOM at all'))).code).toBe('MEDIBUS_ERR_DICOM_NOT_DICOM');
  });
});
