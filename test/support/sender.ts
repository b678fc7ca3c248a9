/**
 * An HL7 sender that behaves like a real one: it sends a message, waits for the ACK, and on
 * AE, on a broken connection or on a timeout it keeps the message and sends it again (to
 * the next of its targets, as behind a load balancer) until it gets AA/CA, within a deadline.
 */
import { parseAck, parseMessage } from '../../src/hl7/index.js';
import { MllpClient } from '../../src/mllp/client.js';

export interface SendOutcome {
  readonly code: string;
  /** how many times the message was sent before it was accepted */
  readonly tries: number;
  /** negative ACK codes seen before acceptance */
  readonly negatives: readonly string[];
}

export class ResilientSender {
  #client: MllpClient | undefined;
  #target = 0;
  readonly #ports: () => readonly number[];

  constructor(ports: () => readonly number[]) {
    this.#ports = ports;
  }

  async send(message: string, deadlineMs = 120_000): Promise<SendOutcome> {
    const deadline = Date.now() + deadlineMs;
    const negatives: string[] = [];
    for (let tries = 1; ; tries++) {
      if (Date.now() > deadline) throw new Error(`message not accepted within ${deadlineMs} ms (negatives: ${negatives.join(',')})`);
      try {
        this.#client ??= this.#connect();
        const reply = await this.#client.send(Buffer.from(message, 'utf8'), { timeoutMs: 10_000 });
        const ack = parseAck(parseMessage(reply));
        if (ack.code === 'AA' || ack.code === 'CA') return { code: ack.code, tries, negatives };
        negatives.push(ack.code);
      } catch {
        negatives.push('connection');
        await this.#drop();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async close(): Promise<void> {
    await this.#drop();
  }

  #connect(): MllpClient {
    const ports = this.#ports();
    const port = ports[this.#target % ports.length]!;
    return new MllpClient({ host: '127.0.0.1', port, connectTimeoutMs: 2000 });
  }

  async #drop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#target += 1;
    await client?.close().catch(() => undefined);
  }
}
