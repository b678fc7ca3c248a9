/**
 * DICOM as a payload kind: the ingress body is the object's metadata as DICOM JSON (PS3.18
 * Annex F, UTF-8 by definition, §F.2), never its pixel data. Where the channel keeps objects,
 * the stored file's path travels as the BulkDataURI of Pixel Data (7FE0,0010), the place
 * Annex F gives to "the bulk data is elsewhere" (§F.2.6); decode takes it back out, so the
 * dataset a mapping reads is exactly the one the reader produced.
 *
 * Identity: SOP Instance UID (one message per stored object); type: Modality, else the SOP
 * Class UID. The ordering key is keywords or tags joined by `+` (PS3.6 dictionary, src/dicom).
 */
import { readDicom, type DicomJson } from '../../dicom/index.js';
import { MedibusError, errorMessage } from '../../errors.js';
import { joinKey, splitKey } from '../key-parts.js';
import type { DicomPayload, KindSpec } from '../types.js';
import { firstValue, keyTag, TAGS } from './values.js';

export const dicomKind = {
  kind: 'dicom',
  contentType: 'application/dicom+json',
  // PS3.3 C.7.1.1: Patient ID is unique only within its issuer
  defaultKey: 'PatientID + IssuerOfPatientID',
  extensions: ['.dcm', '.dicom'],
  async readFile(bytes, name) {
    // the header only: parsing stops at Pixel Data (src/dicom/read.ts)
    const object = readDicom(bytes, { source: name });
    return { payloads: [{ kind: 'dicom', dataset: object.dataset }], warnings: object.warnings, failures: [] };
  },
  encode(payload) {
    const dataset: DicomJson = payload.objectRef === undefined ? payload.dataset : { ...payload.dataset, [TAGS.pixelData]: { vr: 'OB', BulkDataURI: payload.objectRef } };
    return Buffer.from(JSON.stringify(dataset), 'utf8');
  },
  decode(body) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new MedibusError('MEDIBUS_ERR_KIND_BODY', `dicom body is not DICOM JSON: ${errorMessage(error)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new MedibusError('MEDIBUS_ERR_KIND_BODY', 'dicom body is not one DICOM JSON data set (an object keyed by tags)');
    const { [TAGS.pixelData]: pixel, ...dataset } = parsed as DicomJson;
    const objectRef = pixel?.BulkDataURI;
    return { kind: 'dicom', dataset: pixel === undefined || objectRef === undefined ? (parsed as DicomJson) : dataset, ...(objectRef === undefined ? {} : { objectRef }) };
  },
  identity({ dataset }) {
    const sourceId = firstValue(dataset, TAGS.sopInstanceUid);
    const type = firstValue(dataset, TAGS.modality) || firstValue(dataset, TAGS.sopClassUid);
    const sender = firstValue(dataset, TAGS.stationName) || firstValue(dataset, TAGS.institutionName);
    return { sourceId, type, sender };
  },
  compileKey(expression) {
    const tags = splitKey(expression).map(keyTag);
    return (payload) => joinKey(tags.map((tag) => firstValue(payload.dataset, tag)));
  },
} as const satisfies KindSpec<DicomPayload>;
