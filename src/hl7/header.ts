/**
 * The MSH fields every part of medibus needs (routing, ACKs, envelope headers), read once.
 * Field meanings: HL7 v2.5.1 §2.14.9 (MSH).
 */
import type { Segment } from './segment.js';

export interface Hl7Header {
  /** MSH-9.1, e.g. `ADT` (table 0076) */
  readonly messageType: string;
  /** MSH-9.2, e.g. `A01` (table 0003) */
  readonly triggerEvent: string;
  /** MSH-9.3, e.g. `ADT_A01` (table 0354; absent before v2.3.1) */
  readonly structure: string;
  /** MSH-10 message control ID */
  readonly controlId: string;
  /** MSH-11.1 processing ID: P production, D debugging, T training (table 0103) */
  readonly processingId: string;
  /** MSH-12.1 version ID, e.g. `2.5.1` */
  readonly version: string;
  /**
   * MSH-3…MSH-6 (HD: namespace^universal ID^ID type), unescaped and joined with `^` whatever
   * the message's own component separator, trailing empty components dropped.
   */
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly receivingApplication: string;
  readonly receivingFacility: string;
  /** MSH-7.1 date/time of message (DTM, as sent) */
  readonly dateTime: string;
  /** MSH-15 accept acknowledgment type (table 0155: AL, NE, ER, SU); '' in original mode */
  readonly acceptAckType: string;
  /** MSH-16 application acknowledgment type (table 0155) */
  readonly applicationAckType: string;
  /** MSH-18 first repetition as declared, e.g. `UNICODE UTF-8`; '' when empty */
  readonly charset: string;
}

export function readHeader(msh: Segment): Hl7Header {
  const type = msh.field(9);
  return Object.freeze({
    messageType: type.component(1),
    triggerEvent: type.component(2),
    structure: type.component(3),
    controlId: msh.field(10).value,
    processingId: msh.field(11).value,
    version: msh.field(12).value,
    sendingApplication: hdText(msh, 3),
    sendingFacility: hdText(msh, 4),
    receivingApplication: hdText(msh, 5),
    receivingFacility: hdText(msh, 6),
    dateTime: msh.field(7).value,
    acceptAckType: msh.field(15).value.trim().toUpperCase(),
    applicationAckType: msh.field(16).value.trim().toUpperCase(),
    charset: msh.field(18).repetition(1).raw.trim(),
  });
}

/**
 * An HD field of the segment (MSH-3…6) as `namespace^universal id^type`, unescaped, joined
 * with `^` whatever the message's component separator, trailing empty components dropped.
 */
export function hdText(msh: Segment, n: number): string {
  const comps = msh.field(n).repetition(1).components();
  let end = comps.length;
  while (end > 0 && comps[end - 1] === '') end--;
  return comps.slice(0, end).join('^');
}

/**
 * `ADT^A01`: MSH-9.1^MSH-9.2 (the structure, MSH-9.3, is not part of routing); `ACK` alone when
 * MSH-9.2 is empty. The one message type of medibus: intake's header, the filter, the mapping
 * choice of `convert` and the transform step all read it here, so `test`, `convert` and a
 * running channel never disagree on a message (issue 14).
 */
export function messageType(msg: { readonly header: Hl7Header }): string {
  const h = msg.header;
  return h.triggerEvent === '' ? h.messageType : `${h.messageType}^${h.triggerEvent}`;
}
