/**
 * Conformance driver for the dicom-folder source: each input is a small CT object (no pixel
 * data) whose Patient ID is the case's id (the channel's ordering key); ingress carries it in
 * the DICOM JSON. Oversize: the same object with Pixel Data past maxFileSize.
 */
import { smallDicom } from '../../support/dicom-file.js';
import { folderPeer, folderSetup } from './folder-peer.js';
import type { SourceDriver } from '../source.js';

const PATIENT_ID = '00100020';

export const dicomFolderSourceDriver: SourceDriver = {
  type: 'dicom-folder',
  orderingKey: 'PatientID',
  setup(limits) {
    const peer = folderPeer(limits, '.dcm');
    return folderSetup(peer, { type: 'dicom-folder', maxFileSize: limits.maxInputBytes });
  },
  input: (id) => smallDicom({ patientId: id }),
  oversize: (id, maxInputBytes) => smallDicom({ patientId: id, pixelBytes: maxInputBytes }),
  ingressId: (message) => {
    const body = JSON.parse(message.content.toString('utf8')) as Record<string, { Value?: string[] }>;
    return body[PATIENT_ID]?.Value?.[0] ?? '';
  },
};
