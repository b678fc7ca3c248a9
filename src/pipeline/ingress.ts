/**
 * The publish both intakes end with (HL7 over MLLP: intake.ts; every other kind:
 * intake-kind.ts): one persistent message on the channel's ingress exchange, waiting for the
 * broker's confirm. Its headers are the message's routing facts, never its content: the
 * ordering key travels hashed (a patient identifier must not sit readable in a queue
 * listing), and the partition is chosen from the key so one patient's messages stay in order.
 */
import type { Publisher } from '../broker/publisher.js';
import { keyHash, partitionOf, PARTITION_HEADER, type ChannelTopology } from '../broker/topology.js';
import { MedibusError, errorMessage } from '../errors.js';
import type { PayloadKind } from '../kinds/types.js';
import type { Logger } from '../log.js';
import type { StatusBus } from '../status/events.js';

export interface IngressMessage {
  readonly kind: PayloadKind;
  readonly contentType: string;
  readonly body: Buffer;
  readonly messageId: string;
  readonly receivedAt: Date;
  /** MSH-10 / SOPInstanceUID / rowId */
  readonly sourceId: string;
  readonly type: string;
  readonly sender: string;
  /** the ordering key in clear ('' = none); hashed before it goes out */
  readonly key: string;
  /** kind-specific headers (HL7: control id and charset) */
  readonly extra?: Readonly<Record<string, string | number>>;
}

/** What both intakes are made with. */
export interface IntakeBase {
  readonly channelId: string;
  readonly topology: ChannelTopology;
  readonly publisher: Publisher;
  readonly status: StatusBus;
  /** bound to the channel already (the runtime's child logger) */
  readonly log: Logger;
  /** only when the channel set `log.debug: true`: may carry message bodies */
  readonly debugLog?: Logger;
  /** in the paths of the channel's kind (`PID-3[1]`, `PatientID + IssuerOfPatientID`); '' = no key */
  readonly orderingKey: string;
}

export interface IngressTarget {
  readonly channelId: string;
  readonly topology: ChannelTopology;
  readonly publisher: Publisher;
  /** ms to wait for the broker's confirm */
  readonly timeoutMs: number;
}

/**
 * The partition of a message: by its key, or — with no patient key, nothing to keep in order
 * with — spread by who sent it and its own id.
 */
export function ingressPartition(message: Pick<IngressMessage, 'key' | 'sender' | 'sourceId'>, partitions: number): number {
  return partitionOf(message.key !== '' ? message.key : `${message.sender}|${message.sourceId}`, partitions);
}

/** Publishes and waits for the confirm; rejects with the broker's MedibusError. Returns the partition. */
export async function publishIngress(target: IngressTarget, message: IngressMessage): Promise<number> {
  const partition = ingressPartition(message, target.topology.partitions);
  await target.publisher.publish(
    target.topology.ingress.exchange,
    '',
    message.body,
    {
      messageId: message.messageId,
      timestamp: Math.floor(message.receivedAt.getTime() / 1000),
      contentType: message.contentType,
      headers: {
        [PARTITION_HEADER]: partition,
        'medibus-channel': target.channelId,
        'medibus-kind': message.kind,
        'medibus-source-id': message.sourceId,
        'medibus-type': message.type,
        'medibus-sender': message.sender,
        'medibus-key': message.key === '' ? '' : keyHash(message.key),
        'medibus-received-at': message.receivedAt.toISOString(),
        ...message.extra,
      },
    },
    { timeoutMs: target.timeoutMs },
  );
  return partition;
}

export function asMedibusError(error: unknown): MedibusError {
  if (error instanceof MedibusError) return error;
  return new MedibusError('MEDIBUS_ERR_INTERNAL', errorMessage(error), { cause: error });
}
