import { EventEmitter } from 'node:events';
import type { PayloadKind } from '../kinds/types.js';

/**
 * Every transition of a message, in one vocabulary for logs, counters, the message store
 * and the dashboard. A message is `received` once (intake, after the broker confirmed),
 * then `filtered` or `transformed` (or `errored`), then per destination `sent`,
 * `retrying` (a retry is scheduled) or `dead-lettered`. `refused` is a message the intake
 * answered negatively (nothing was stored; the sender still has it).
 */
export const MESSAGE_STATUSES = [
  'received',
  'refused',
  'filtered',
  'duplicate',
  'transformed',
  'errored',
  'sent',
  'retrying',
  'dead-lettered',
  'replayed',
] as const;

export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface StatusEvent {
  readonly status: MessageStatus;
  readonly channel: string;
  /** medibus message id; absent for a refused message that was never stored */
  readonly messageId?: string;
  /** the payload's kind; absent on events of HL7 code paths that predate kinds (= hl7v2) */
  readonly kind?: PayloadKind;
  /** the payload's own id: MSH-10 / SOPInstanceUID / CSV rowId (`sha256:line`) */
  readonly sourceId?: string;
  /** MSH-10 of the original message (HL7 only; = sourceId) */
  readonly controlId?: string;
  /** progress of a source that reads many messages from one input (CSV: rows done of total) */
  readonly progress?: { readonly done: number; readonly total?: number; readonly file?: string };
  /** e.g. ADT^A01 */
  readonly messageType?: string;
  readonly destination?: string;
  /** attempt number for sent/retrying/dead-lettered */
  readonly attempt?: number;
  /** MEDIBUS_ERR_* code for errors, retries and dead letters */
  readonly code?: string;
  /** human-readable reason; never message content */
  readonly reason?: string;
  readonly at: Date;
}

export type StatusCounters = Record<string, Record<MessageStatus, number>>;

function emptyCounts(): Record<MessageStatus, number> {
  return Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
}

/**
 * The one internal interface through which every part reports message transitions.
 * Listeners (logger, counters, later the message store) must not throw; one that does is
 * removed from the path of the message by catching here.
 */
export class StatusBus {
  readonly #emitter = new EventEmitter();
  readonly #counts: StatusCounters = {};

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  emit(event: Omit<StatusEvent, 'at'> & { at?: Date }): void {
    const full: StatusEvent = { ...event, at: event.at ?? new Date() };
    const perChannel = (this.#counts[full.channel] ??= emptyCounts());
    perChannel[full.status] += 1;
    try {
      this.#emitter.emit('status', full);
    } catch {
      // A failing listener must not fail the message; listeners log their own errors.
    }
  }

  on(listener: (event: StatusEvent) => void): () => void {
    this.#emitter.on('status', listener);
    return () => this.#emitter.off('status', listener);
  }

  /** counts per channel and status since start */
  counters(): StatusCounters {
    return structuredClone(this.#counts);
  }
}
