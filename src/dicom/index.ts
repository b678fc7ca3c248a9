/** DICOM reading: pure header parsing into DICOM JSON, the data dictionary, and the stream-to-disk reader. */
export { readDicom, type DicomObject, type DicomReadOptions, type PixelDataRef } from './read.js';
export type { DicomJson, DicomJsonAttribute } from './json.js';
export { dictionaryKeywords, entryOfKeyword, entryOfTag, isPrivateTag, resolveTag, type DictionaryEntry } from './dictionary.js';
export { TRANSFER_SYNTAX, encodingOf } from './transfer-syntax.js';
export { streamDicomToFile, type StoredDicom, type StreamToFileOptions } from './stream.js';
export { pnAlphabetic } from './person-name.js';
