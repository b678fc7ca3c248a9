/** The input dialects of the mapping language besides hl7v2: one line per payload kind. */
import type { PayloadKind } from '../kinds/types.js';
import { csvDialect } from './csv/index.js';
import { dicomDialect } from './dicom/index.js';
import type { Dialect } from './record/types.js';

export const DIALECTS: Readonly<Record<Exclude<PayloadKind, 'hl7v2'>, Dialect>> = {
  dicom: dicomDialect,
  csv: csvDialect,
};
