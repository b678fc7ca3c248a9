/**
 * Conformance driver for the dicom-folder source: each input is a small Secondary Capture (no
 * pixel data) whose Patient ID is the case's id (the channel's ordering key); ingress carries it in
 * the DICOM JSON. Oversize: the same object with Pixel Data past maxFileSize.
 */
import { dicomObject, patientIdOf, uidOf } from '../../support/dicom-object.js';
import { folderPeer, folderSetup } from './folder-peer.js';
import type { SourceDriver } from '../source.js';

export const dicomFolderSourceDriver: SourceDriver = {
  type: 'dicom-folder',
  orderingKey: 'PatientID',
  setup(limits) {
    const peer = folderPeer(limits, '.dcm');
    return folderSetup(peer, { type: 'dicom-folder', maxFileSize: limits.maxInputBytes });
  },
  input: (id) => dicomObject({ sopInstanceUid: uidOf(id), patientId: id }),
  oversize: (id, maxInputBytes) => dicomObject({ sopInstanceUid: uidOf(id), patientId: id, pixelBytes: maxInputBytes }),
  ingressId: patientIdOf,
};
