/**
 * medibus HL7 v2 core: pure functions and classes, no I/O.
 *
 * Parse:      parseMessage(text | bytes, { charset }) → Hl7Message
 *             splitMessages(text | bytes) / splitBatch(text) for files and FHS/BHS batches
 * Read:       msg.header.controlId, msg.get('PID-5.1'), msg.getAll('OBX-5'),
 *             msg.segmentsNamed('OBX'), seg.field(5).repetitions()…
 *             compilePath('OBX-5') once, then path.get(msg | segment) per message
 * Write:      new Hl7Builder().set('MSH-9.1', 'ACK')…build(); escapeText / unescapeText
 * Acknowledge: checkRequired(msg) → AckError[] (assertRequired throws instead); ackMode, shouldSendAcceptAck, ackCode,
 *             buildAck(original | undefined, { code, controlId, errors }); parseAck(ack)
 * Bytes:      charsetFromMsh(buf), decodeText(buf, label), encodeText(text, label)
 *
 * Errors are MedibusError with MEDIBUS_ERR_HL7_* codes and an ErrorLocation.
 * Design and measurements: docs/hl7-parser.md.
 */
export { DEFAULT_DELIMITERS, encodingCharacters, readDelimiters, type Delimiters, type DelimiterReading } from './delimiters.js';
export { charsetFromMsh, decodeText, encodeText, resolveCharset, type Charset } from './charset.js';
export { escapeText, unescapeText } from './escape.js';
export { parseMessage, decodeInput, type ParseOptions, type DecodedInput } from './parse.js';
export { Hl7Message } from './message.js';
export { Segment } from './segment.js';
export { Field, Repetition, HL7_NULL } from './field.js';
export type { Hl7Header } from './header.js';
export { messageType } from './header.js';
export { compilePath, type Hl7Path, type PathTarget, type Presence, type SegmentSource } from './path.js';
export { splitBatch, splitMessages, type Hl7Batch, type Hl7BatchText } from './batch.js';
export { Hl7Builder, SegmentBuilder } from './builder.js';
export {
  ackCode,
  ackMode,
  buildAck,
  buildAckText,
  shouldSendAcceptAck,
  versionAtLeast,
  DEFAULT_ACK_VERSION,
  type AckMode,
  type AckOptions,
  type AckOutcome,
} from './ack.js';
export { parseAck, toAckError, type ParsedAck } from './ack-read.js';
export { assertRequired, checkRequired } from './required-fields.js';
export {
  ACK_CODES,
  ACK_CONDITIONS,
  HL7_ERROR_CODES,
  SEVERITIES,
  isAckCode,
  type AckCode,
  type AckCondition,
  type AckError,
  type AckErrorLocation,
  type AckSeverity,
  type Hl7ErrorCode,
} from './ack-codes.js';
