/**
 * Retry schedule and dead letters for a destination.
 *
 * Vocabulary follows Temporal's retry policy (maxAttempts, initialDelay, maxDelay,
 * backoffCoefficient): after failed attempt n (1-based) the message waits
 * min(maxDelay, initialDelay × coefficient^(n-1)); after failed attempt maxAttempts, or at
 * once for a non-retryable error, it is dead-lettered.
 *
 * `ordering: none` waits in broker TTL queues, one per distinct delay ("levels"), so nothing
 * holds a partition. Each message's own `expiration` is jittered *below* its level's
 * `x-message-ttl`: RabbitMQ expires messages only at the head of a queue (docs, "Time-To-Live
 * and Expiration"), so a message can wait behind another by at most the jitter window, and
 * never longer than the level's TTL. `ordering: patient` uses `retryDelay` in process.
 */
import type { Message } from 'amqplib';
import { errorCodeOf, errorMessage, isMedibusError, MedibusError } from '../errors.js';
import type { PublishProps, Publisher } from './publisher.js';
import type { DestinationTopology } from './topology.js';

export const HEADERS = {
  attempts: 'medibus-attempts',
  errorCode: 'medibus-error-code',
  error: 'medibus-error',
  destination: 'medibus-destination',
  deadAt: 'medibus-dead-at',
  replayedAt: 'medibus-replayed-at',
} as const;

/** Broker-written dead-letter history; medibus-attempts is our source of truth instead. */
const BROKER_DEATH_HEADERS = ['x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason'];

/** Long reasons (an OperationOutcome) are cut: headers share a 64 KiB frame with the rest. */
const MAX_ERROR_TEXT = 1000;

export interface RetrySettings {
  readonly maxAttempts: number;
  /** ms */
  readonly initialDelay: number;
  /** ms */
  readonly maxDelay: number;
  readonly backoffCoefficient: number;
  /** fraction of each delay that is randomised, 0 ≤ jitter < 1; default 0.2 */
  readonly jitter?: number;
}

/** Checks the settings and says precisely what is inconsistent (all problems at once). */
export function validateRetrySettings(s: RetrySettings): RetrySettings {
  const problems: string[] = [];
  if (!Number.isInteger(s.maxAttempts) || s.maxAttempts < 1) problems.push(`retry.maxAttempts must be an integer ≥ 1, got ${s.maxAttempts}`);
  if (!Number.isInteger(s.initialDelay) || s.initialDelay < 1) problems.push(`retry.initialDelay must be ≥ 1 ms, got ${s.initialDelay}`);
  if (!Number.isInteger(s.maxDelay) || s.maxDelay < s.initialDelay) problems.push(`retry.maxDelay (${s.maxDelay} ms) must be ≥ retry.initialDelay (${s.initialDelay} ms)`);
  if (!(s.backoffCoefficient >= 1)) problems.push(`retry.backoffCoefficient must be ≥ 1, got ${s.backoffCoefficient}`);
  const jitter = s.jitter ?? 0.2;
  if (!(jitter >= 0 && jitter < 1)) problems.push(`retry.jitter must be in [0, 1), got ${jitter}`);
  if (problems.length > 0) throw new MedibusError('MEDIBUS_ERR_CONFIG_SCHEMA', problems.join('; '));
  return s;
}

/** The nominal wait after failed attempt `attempt` (1-based), before jitter. */
export function retryDelay(s: RetrySettings, attempt: number): number {
  const raw = s.initialDelay * s.backoffCoefficient ** Math.max(0, attempt - 1);
  return Math.round(Math.min(s.maxDelay, raw));
}

/** The distinct delays used by attempts 1 … maxAttempts-1, ascending: one TTL queue each. */
export function retryLevels(s: RetrySettings): number[] {
  validateRetrySettings(s);
  const levels: number[] = [];
  for (let attempt = 1; attempt < s.maxAttempts; attempt++) {
    const delay = retryDelay(s, attempt);
    if (levels[levels.length - 1] !== delay) levels.push(delay);
    if (delay >= s.maxDelay) break; // every later attempt uses the same, last level
  }
  return levels;
}

/** The level index (0-based, into retryLevels and DestinationTopology.retry) for the wait after `attempt`. */
export function levelForAttempt(s: RetrySettings, attempt: number, levels: readonly number[] = retryLevels(s)): number {
  const index = levels.indexOf(retryDelay(s, attempt));
  if (index < 0) throw new MedibusError('MEDIBUS_ERR_INTERNAL', `no retry level after attempt ${attempt} (maxAttempts ${s.maxAttempts})`);
  return index;
}

/** A wait in [delay × (1 - jitter), delay]: jitter only ever shortens, never exceeds the TTL. */
export function jittered(delay: number, jitter: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(delay - delay * jitter * random()));
}

export type RetryDecision =
  | { readonly kind: 'retry'; readonly delay: number }
  | { readonly kind: 'dead'; readonly reason: 'exhausted' | 'not-retryable' };

/** After failed attempt `attempt`: wait and retry, or dead-letter. */
export function decide(s: RetrySettings, attempt: number, error: unknown): RetryDecision {
  if (isMedibusError(error) && !error.retryable) return { kind: 'dead', reason: 'not-retryable' };
  if (attempt >= s.maxAttempts) return { kind: 'dead', reason: 'exhausted' };
  return { kind: 'retry', delay: retryDelay(s, attempt) };
}

/** Attempts recorded on a message (0 for a first delivery). */
export function attemptsOf(msg: Message): number {
  const value: unknown = msg.properties.headers?.[HEADERS.attempts];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

export interface RetrySchedulerOptions {
  readonly publisher: Publisher;
  readonly destination: DestinationTopology;
  readonly settings: RetrySettings;
  /** confirm timeout for the republish */
  readonly timeoutMs: number;
  readonly random?: () => number;
  readonly now?: () => Date;
}

/**
 * Republishes a failed message to its retry level or to the dead-letter queue, with a
 * confirm. The caller acks the original only after this resolves: between the two, the
 * message exists twice at worst (a duplicate, absorbed downstream), never zero times.
 */
export class RetryScheduler {
  readonly #o: RetrySchedulerOptions;
  /** retryLevels of the settings, worked out once */
  readonly #levels: readonly number[];

  constructor(options: RetrySchedulerOptions) {
    validateRetrySettings(options.settings);
    this.#o = options;
    this.#levels = retryLevels(options.settings);
  }

  /**
   * `attempt` = the failed attempt's number (1-based); the level follows from it, or, when the
   * destination asked for a longer wait (`minWaitMs`, from HTTP Retry-After), the first level
   * at least that long — the longest level at most. Resolves with the wait set, in ms.
   */
  async scheduleRetry(msg: Message, attempt: number, error: unknown, minWaitMs = 0): Promise<number> {
    const { settings, destination } = this.#o;
    let index = levelForAttempt(settings, attempt, this.#levels);
    while (index < this.#levels.length - 1 && (this.#levels[index] as number) < minWaitMs) index++;
    const level = destination.retry[index];
    if (!level) {
      throw new MedibusError('MEDIBUS_ERR_INTERNAL', `destination ${destination.name} has no retry queue for attempt ${attempt}: its topology was declared with other retry levels`);
    }
    // jitter only shortens, and never below the wait asked for (the level's TTL still bounds it)
    const expiration = Math.max(jittered(level.delay, settings.jitter ?? 0.2, this.#o.random), Math.min(minWaitMs, level.delay));
    const props: PublishProps = { ...copyProps(msg), expiration: String(expiration), headers: failureHeaders(msg, attempt, error, destination.name) };
    // Default exchange, routing key = queue name: straight into the level queue.
    await this.#o.publisher.publish('', level.queue, msg.content, props, { timeoutMs: this.#o.timeoutMs });
    return expiration;
  }

  async deadLetter(msg: Message, attempts: number, error: unknown): Promise<void> {
    const now = this.#o.now?.() ?? new Date();
    const headers = { ...failureHeaders(msg, attempts, error, this.#o.destination.name), [HEADERS.deadAt]: now.toISOString() };
    const props: PublishProps = { ...copyProps(msg), headers };
    await this.#o.publisher.publish('', this.#o.destination.dead, msg.content, props, { timeoutMs: this.#o.timeoutMs });
  }
}

/** The properties to carry over when republishing (expiration and delivery mode are reset). */
export function copyProps(msg: Message): PublishProps {
  const p = msg.properties;
  const props: PublishProps = {};
  const keep = ['contentType', 'contentEncoding', 'correlationId', 'messageId', 'timestamp', 'type', 'appId', 'priority'] as const;
  for (const key of keep) {
    if (p[key] !== undefined) Object.assign(props, { [key]: p[key] });
  }
  return props;
}

/** The message's headers without broker death history and without our failure headers. */
export function cleanHeaders(msg: Message): Record<string, unknown> {
  const headers: Record<string, unknown> = { ...(msg.properties.headers ?? {}) };
  for (const name of [...BROKER_DEATH_HEADERS, HEADERS.attempts, HEADERS.errorCode, HEADERS.error, HEADERS.deadAt]) delete headers[name];
  return headers;
}

function failureHeaders(msg: Message, attempts: number, error: unknown, destination: string): Record<string, unknown> {
  return { ...cleanHeaders(msg), [HEADERS.attempts]: attempts, ...errorHeaders(error), [HEADERS.destination]: destination };
}

/**
 * The error code and text a failed message carries (retry and dead-letter queues, the
 * channel's failed queue); `text` defaults to the error's message and is cut to 1,000 characters.
 */
export function errorHeaders(error: unknown, text = errorMessage(error)): Record<string, string> {
  return { [HEADERS.errorCode]: errorCodeOf(error), [HEADERS.error]: text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text };
}
