/**
 * The DICOM dialect of the mapping language (`input: dicom`): paths are keywords and tags
 * (path.ts), values convert by VR (values.ts), a `forEach:` iterates over a sequence's items,
 * and the payload is a DICOM JSON data set (PS3.18 Annex F) as the DICOM kind hands it on.
 */
import type { DicomJson } from '../../dicom/index.js';
import { MedibusError } from '../../errors.js';
import type { Dialect, RecordScope } from '../record/types.js';
import { compileDicomPath, parseDicomPath, readItems } from './path.js';
import { DICOM_UID_SYSTEM, dicomConverter } from './values.js';

const TAG = { sopInstanceUid: '00080018', institution: '00080080', station: '00081010', offset: '00080201' } as const;

function first(dataset: DicomJson, tag: string): string {
  const v = dataset[tag]?.Value?.[0];
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
}

export const dicomDialect: Dialect = {
  kind: 'dicom',
  describe: 'a DICOM keyword or tag like StudyInstanceUID, (0020,000D) or ReferencedSeriesSequence[1].SeriesInstanceUID',
  asTypes: ['authority'],
  compilePath: compileDicomPath,
  compileForEach(text) {
    const path = parseDicomPath(text);
    const last = path.steps[path.steps.length - 1];
    if (path.component !== undefined || (last.vr !== undefined && last.vr !== 'SQ')) {
      throw new MedibusError('MEDIBUS_ERR_KIND_PATH', `forEach: ${text} — ${last.name} is ${path.component !== undefined ? 'a name component' : `${last.vr}, not a sequence`}; forEach iterates over the items of a sequence (SQ)`, { location: { column: last.column } });
    }
    return (scope) => readItems(path, scope).map((item, i): RecordScope => ({ parent: scope, node: item, label: `${text}[${i + 1}]`, key: `${scope.key}/${text}[${i + 1}]` }));
  },
  converter: dicomConverter,
  root(payload) {
    if (payload.kind !== 'dicom') throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `a dicom mapping reads dicom payloads, not ${payload.kind}`);
    const dataset = payload.dataset;
    const sop = first(dataset, TAG.sopInstanceUid);
    // PS3.3 C.12.1.1.8: Timezone Offset From UTC, "+0700", applies to the object's dates and times
    const offset = /^[+-]\d{4}$/.test(first(dataset, TAG.offset)) ? `${first(dataset, TAG.offset).slice(0, 3)}:${first(dataset, TAG.offset).slice(3)}` : undefined;
    return {
      scope: { parent: undefined, node: dataset, label: 'the data set', key: '' },
      facility: first(dataset, TAG.institution) || first(dataset, TAG.station) || 'dicom',
      identifier: sop === '' ? undefined : { system: DICOM_UID_SYSTEM, value: `urn:oid:${sop}` },
      offset,
    };
  },
};
