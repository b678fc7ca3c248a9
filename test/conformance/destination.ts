/**
 * The contract every destination connector passes against a real peer (docs/architecture.md,
 * "Connector conformance"; the rules are src/destinations/types.ts and delivery-error.ts).
 * The destination is built through src/destinations/registry.ts with a config that went
 * through the real channel loader. A driver (drivers/*-destination.ts) starts the peer (the
 * FHIR server of src/fhir-server, an MLLP listener, the broker, an HTTP server, a directory)
 * and knows how to make it fail. The cases:
 *   - opens and closes cleanly: no connection or file handle left to the peer;
 *   - delivers a message, and the peer holds it;
 *   - a transient failure of the peer (down, 5xx, AE) is retryable, and a later attempt
 *     gets through by itself; a permanent one (4xx, AR, a message it cannot send) is not;
 *   - a second delivery of one message (a retry) is applied once, or carries the same key so
 *     the receiver can drop it;
 *   - close while a delivery is in flight: the aborted attempt is retryable, nothing hangs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findDestinationSpec } from '../../src/destinations/registry.js';
import type { Destination, OutboundMessage } from '../../src/destinations/types.js';
import { ERRORS, type ErrorCode } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { waitFor } from '../broker/helpers.js';
import { destinationConfig, outbound, outcome, sleep } from '../destinations/support.js';

/** Undoes a failure a case arranged at the peer. */
export type Undo = () => Promise<void> | void;

export interface DestinationPeer {
  /** the destination's own keys as a channel file says them (the loader applies schema, defaults, units) */
  readonly config: Record<string, unknown>;
  /** the key each copy of `message` the peer holds carries (message id, MSH-10, resource id …) */
  held(message: OutboundMessage): string[] | Promise<string[]>;
  /** connections (or file handles) open from this process to the peer */
  openHandles(): number | Promise<number>;
  /** ways the peer fails so that a later attempt may pass (down, 5xx, AE); each returns its undo */
  readonly transient: Readonly<Record<string, () => Undo | Promise<Undo>>>;
  /** ways a delivery is refused for good (4xx, AR, a message this destination cannot send) */
  readonly permanent: Readonly<Record<string, () => Refusal | Promise<Refusal>>>;
  /** makes the peer take a request and not answer, where the protocol has such a state */
  hold?(): Undo | Promise<Undo>;
  stop(): Promise<void>;
}

/** A delivery the peer (or the destination itself) refuses for good. */
export interface Refusal {
  readonly message: OutboundMessage;
  /** keys of the destination's config that make this a refusal (payload: bundle for a message without one) */
  readonly config?: Record<string, unknown>;
  readonly undo?: Undo;
}

export interface DestinationDriver {
  /** `destinations[].type`, as in the registry */
  readonly type: string;
  /**
   * true when the peer applies a second delivery of one message once (FHIR conditional
   * updates); false when it keeps both copies, each with the same key for it to deduplicate.
   */
  readonly appliesOnce: boolean;
  start(): Promise<DestinationPeer>;
}

const signal = (): AbortSignal => new AbortController().signal;

/** resolves with `promise`, or fails the case when it does not settle within `ms` */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function destinationConformance(driver: DestinationDriver): void {
  describe(`destination ${driver.type}: conformance`, () => {
    const spec = findDestinationSpec(driver.type);
    const stops: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
    });

    /** destinations created by the case and not closed by it; closed after it */
    const unclosed = new Set<Destination>();
    afterEach(async () => {
      for (const destination of [...unclosed]) await destination.close();
      unclosed.clear();
    });

    async function setup(): Promise<{ peer: DestinationPeer; create(overrides?: Record<string, unknown>): Destination }> {
      if (spec === undefined) throw new Error(`no destination type "${driver.type}" in src/destinations/registry.ts`);
      const peer = await driver.start();
      stops.push(() => peer.stop());
      return {
        peer,
        create(overrides = {}) {
          const config = destinationConfig<never>({ type: driver.type, ...peer.config, ...overrides });
          const destination = spec.create(config, { channelId: 'conformance', name: 'd', log: silentLogger });
          unclosed.add(destination);
          return destination;
        },
      };
    }

    async function closeDestination(destination: Destination): Promise<void> {
      unclosed.delete(destination);
      await within(destination.close(), 5000, "close()");
    }

    /** a later attempt gets through once the peer is back (bounded, as the worker's retries are) */
    async function deliverEventually(destination: Destination, message: OutboundMessage): Promise<void> {
      const deadline = Date.now() + 15_000;
      let last: Awaited<ReturnType<typeof outcome>> = 'delivered';
      for (let attempt = 2; Date.now() < deadline; attempt++) {
        last = await outcome(destination.deliver({ ...message, attempt }, signal()));
        if (last === 'delivered') return;
        expect(last.retryable, last.message).toBe(true);
        await sleep(100);
      }
      throw new Error(`still failing after the peer came back: ${last === 'delivered' ? '' : last.message}`);
    }

    it('opens and closes cleanly: no connection or file handle is left to the peer', async () => {
      const { peer, create } = await setup();
      await closeDestination(create());
      const destination = create();
      expect(await outcome(destination.deliver(outbound(), signal()))).toBe('delivered');
      await closeDestination(destination);
      await waitFor(async () => (await peer.openHandles()) === 0, 5000, 'no connection left to the peer');
    });

    it('delivers a message, and the peer holds it', async () => {
      const { peer, create } = await setup();
      const message = outbound();
      expect(await outcome(create().deliver(message, signal()))).toBe('delivered');
      expect(await peer.held(message)).toHaveLength(1);
    });

    it('reports a transient failure of the peer as retryable, and a later attempt gets through', async () => {
      const { peer, create } = await setup();
      const destination = create();
      expect(Object.keys(peer.transient).length).toBeGreaterThan(0);
      for (const [name, fail] of Object.entries(peer.transient)) {
        const message = outbound({ messageId: `transient-${name}` });
        const restore = await fail();
        const failure = await within(outcome(destination.deliver(message, signal())), 10_000, `delivery while ${name}`);
        expect(failure, name).not.toBe('delivered');
        if (failure === 'delivered') continue;
        expect(ERRORS[failure.code as ErrorCode]?.retryable, `${name}: ${failure.code} is a catalogue code marked retryable`).toBe(true);
        expect({ name, retryable: failure.retryable }).toEqual({ name, retryable: true });
        expect(failure.message, name).not.toBe('');
        await restore();
        await deliverEventually(destination, message);
      }
    });

    it('reports a permanent refusal as not retryable, saying what was refused', async () => {
      const { peer, create } = await setup();
      expect(Object.keys(peer.permanent).length).toBeGreaterThan(0);
      for (const [name, refuse] of Object.entries(peer.permanent)) {
        const { message, config, undo: restore } = await refuse();
        const destination = create(config);
        const failure = await within(outcome(destination.deliver(message, signal())), 10_000, `delivery refused by ${name}`);
        expect(failure, name).not.toBe('delivered');
        if (failure === 'delivered') continue;
        expect({ name, code: failure.code, retryable: failure.retryable }).toEqual({ name, code: 'MEDIBUS_ERR_DELIVERY_REJECTED', retryable: false });
        expect(failure.message, name).not.toBe('');
        await restore?.();
        await closeDestination(destination);
      }
    });

    it(driver.appliesOnce ? 'applies a second delivery of one message once' : 'sends a second delivery of one message with the same key, for the receiver to drop', async () => {
      const { peer, create } = await setup();
      const destination = create();
      const message = outbound();
      await destination.deliver(message, signal());
      const once = await peer.held(message);
      expect(once).toHaveLength(1);
      expect(once[0]).not.toBe('');
      // a retry: the same message, a later attempt
      await destination.deliver({ ...message, attempt: 2 }, signal());
      const twice = await peer.held(message);
      expect(twice).toEqual(driver.appliesOnce ? once : [...once, ...once]);
    });

    it('closes while a delivery is in flight: the aborted attempt is retryable and nothing hangs', async () => {
      const { peer, create } = await setup();
      const destination = create();
      // connected first, so the held request is on an open connection
      await destination.deliver(outbound({ messageId: 'before' }), signal());
      const release = peer.hold ? await peer.hold() : undefined;
      const abort = new AbortController();
      const inFlight = outcome(destination.deliver(outbound({ messageId: 'in-flight' }), abort.signal));
      if (release) await sleep(100);
      // the delivery worker aborts its attempts, then closes (types.ts: Destination.close)
      abort.abort();
      await closeDestination(destination);
      const result = await within(inFlight, 5000, 'the in-flight delivery');
      if (result !== 'delivered') expect({ code: result.code, retryable: result.retryable }).toMatchObject({ retryable: true });
      await release?.();
      await waitFor(async () => (await peer.openHandles()) === 0, 5000, 'no connection left to the peer');
    });
  });
}
