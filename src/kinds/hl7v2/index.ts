/**
 * HL7 v2 as a payload kind: the ingress body is the message as the sender encoded it (MSH-18,
 * else the channel's charset), the identity its MSH header, the ordering key an HL7 path.
 * The reading itself is src/hl7; the MLLP intake (pipeline/intake.ts) keeps its own fast path
 * and its ACKs, and uses the same key paths.
 */
import { compilePath, encodeText, messageType, parseMessage, splitMessages } from '../../hl7/index.js';
import type { Hl7Payload, KindSpec } from '../types.js';

export const hl7v2Kind = {
  kind: 'hl7v2',
  contentType: 'application/hl7-v2',
  // the first patient identifier (PID-3, HL7 v2.5.1 §3.4.2.3)
  defaultKey: 'PID-3[1]',
  extensions: ['.hl7', '.txt', '.er7', '.msg'],
  async readFile(bytes) {
    const batch = splitMessages(bytes);
    return { payloads: batch.messages.map((message) => ({ kind: 'hl7v2', message })), warnings: batch.warnings, failures: [] };
  },
  encode(payload) {
    return encodeText(payload.message.toString(), payload.message.charset);
  },
  decode(body, charset) {
    return { kind: 'hl7v2', message: parseMessage(body, { charset: charset || 'UTF-8' }) };
  },
  identity({ message }) {
    const header = message.header;
    return { sourceId: header.controlId, type: messageType(message), sender: `${header.sendingApplication}^${header.sendingFacility}` };
  },
  compileKey(expression) {
    // throws MEDIBUS_ERR_HL7_PATH with the 1-based column of the offending character
    const path = compilePath(expression);
    return (payload) => path.get(payload.message);
  },
} as const satisfies KindSpec<Hl7Payload>;
