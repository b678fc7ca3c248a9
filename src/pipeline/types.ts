/**
 * The outcome of handing a received message to the pipeline. `ack` is the protocol answer
 * the source sends back (for HL7 v2: the encoded ACK message, without MLLP framing).
 */
export interface IngestResult {
  /** accepted means the broker confirmed it: the sender may forget the message */
  readonly accepted: boolean;
  /** the answer to send, already encoded in the message's character set */
  readonly ack: Buffer;
  /** AA/AE/AR or CA/CE/CR, for logs and counters */
  readonly ackCode: string;
  /** the medibus message id when accepted */
  readonly messageId?: string;
}
