/**
 * Recognises a sender's resend after a lost ACK: same sending application and facility, same
 * MSH-10 and the same content after the MSH segment (some senders stamp MSH-7 anew when they
 * resend; a sender that reuses a control id for another message is not mistaken for one). Resends land in the same partition as the original (same
 * patient key), and a partition has one active consumer, so a bounded in-memory memory of
 * recent messages per worker sees them. After a restart the memory is empty and a resend is
 * processed again — harmless, since every FHIR request is conditional on business ids.
 */
import { createHash } from 'node:crypto';

export class RecentMessages {
  readonly #seen = new Map<string, string>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  /** `content`: what a resend repeats (HL7: after MSH; other kinds: the ingress body) */
  static key(sender: string, sourceId: string, messageType: string, content: string | Buffer): string {
    const digest = createHash('sha1').update(messageType).update('\r').update(content).digest('base64');
    return `${sender}\u0000${sourceId}\u0000${digest}`;
  }

  /** the message id already processed with this key, if any */
  get(key: string): string | undefined {
    return this.#seen.get(key);
  }

  remember(key: string, messageId: string): void {
    this.#seen.delete(key);
    this.#seen.set(key, messageId);
    if (this.#seen.size > this.#capacity) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }
}
