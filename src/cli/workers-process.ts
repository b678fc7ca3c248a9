/**
 * The transform and delivery workers of `medibus start` in a child process of their own
 * (issue 13 part 2: the MLLP listener keeps its latency while the pipeline works). The parent
 * keeps the sources and intake, the ops API and dashboard, and the message store writer; the
 * child (`medibus start --role workers`) runs the workers. They meet only through RabbitMQ's
 * durable ingress queues.
 *
 * The child's status events and content records come back over its IPC channel, batched,
 * and are re-emitted on the parent's StatusBus (counters, dashboard SSE, store writer) and
 * handed to the store writer. A child that dies is started again with a growing delay
 * (0.5 s doubling to 30 s, back to 0.5 s after a minute of running), and each time is logged:
 * what it had not acked goes back to its queue and is delivered by the next one.
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../log.js';
import { MedibusError } from '../errors.js';
import type { StatusBus, StatusEvent } from '../status/events.js';
import type { ContentRecord } from '../store/types.js';
import { exitWithParent, hasExited, spawnMedibusChild, stderrTail, stopChild } from './child-process.js';

/** child → parent */
export type WorkersMessage =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'batch'; readonly events: readonly StatusEvent[]; readonly contents: readonly ContentRecord[] };

/** parent → child: an operator stopped or resumed a channel (the ops API acts on the parent's runtime) */
export interface WorkersCommand {
  readonly type: 'channel';
  readonly channel: string;
  readonly action: 'stop' | 'resume';
}

const START_TIMEOUT_MS = 60_000;
/** the child drains in-flight deliveries on SIGTERM (a FHIR timeout is seconds); then SIGKILL */
const STOP_TIMEOUT_MS = 30_000;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;

export interface WorkersProcessOptions {
  /** `medibus` arguments of the child, e.g. ['start', '--role', 'workers', '--channels', DIR] */
  readonly args: readonly string[];
  readonly status: StatusBus;
  /** the store writer's content(), when there is a store */
  readonly content?: (record: ContentRecord) => void;
  readonly log: Logger;
}

export class WorkersProcess {
  readonly #options: WorkersProcessOptions;
  readonly #log: Logger;
  #child: ChildProcess | undefined;
  #stopping = false;
  #delay = FIRST_DELAY_MS;
  #restarts = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  /** channels an operator stopped: a restarted child must not run their workers */
  readonly #stopped = new Set<string>();

  constructor(options: WorkersProcessOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: 'workers-process' });
  }

  /** the running child's pid */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Starts the child and waits until its workers run; a child that cannot start fails this loudly. */
  async start(): Promise<void> {
    await this.#spawn();
  }

  #spawn(): Promise<void> {
    const child = spawnMedibusChild(this.#options.args, { stdio: 'inherit', serialization: 'advanced' });
    this.#child = child;
    const stderr = stderrTail(child, 4096, true);
    const startedAt = Date.now();
    const status = this.#options.status;
    const content = this.#options.content;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new MedibusError('MEDIBUS_ERR_WORKERS_PROCESS', `the workers process did not start within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      child.on('message', (message: WorkersMessage) => {
        if (message.type === 'batch') {
          for (const event of message.events) status.emit(event);
          if (content) for (const record of message.contents) content(record);
        } else if (message.type === 'ready' && !ready) {
          ready = true;
          clearTimeout(timer);
          for (const channel of this.#stopped) this.#send({ type: 'channel', channel, action: 'stop' });
          this.#log.info({ event: 'workers-process', pid: child.pid, parent: process.pid, restarts: this.#restarts }, `workers run in process ${child.pid}`);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.#child === child) this.#child = undefined;
        if (!ready) {
          const said = stderr().trim().split('\n').at(-1) ?? '';
          const failure = new MedibusError('MEDIBUS_ERR_WORKERS_PROCESS', `the workers process stopped before it ran (${signal ?? `exit ${code}`})${said ? `: ${said}` : ''}`);
          if (this.#restarts === 0) {
            reject(failure);
            return;
          }
          resolve();
        }
        if (this.#stopping) return;
        if (Date.now() - startedAt > HEALTHY_AFTER_MS) this.#delay = FIRST_DELAY_MS;
        const delay = this.#delay;
        this.#delay = Math.min(this.#delay * 2, MAX_DELAY_MS);
        this.#log.error(
          { event: 'workers-exit', pid: child.pid, code, signal, restartInMs: delay },
          `the workers process ${child.pid} stopped (${signal ?? `exit ${code}`}); starting another in ${delay} ms (unacked messages wait in RabbitMQ)`,
        );
        this.#restartTimer = setTimeout(() => {
          this.#restartTimer = undefined;
          if (this.#stopping) return;
          this.#restarts += 1;
          this.#spawn().catch((error: unknown) => this.#log.error({ event: 'workers-restart-failed', reason: String(error) }, 'the workers process did not start again'));
        }, delay);
      });
    });
  }

  #send(command: WorkersCommand): void {
    const child = this.#child;
    if (child?.connected) child.send(command);
  }

  /** An operator stopped or resumed a channel: its workers stop or start in the child too. */
  channel(channel: string, action: 'stop' | 'resume'): void {
    if (action === 'stop') this.#stopped.add(channel);
    else this.#stopped.delete(channel);
    this.#send({ type: 'channel', channel, action });
  }

  /** SIGTERM: the child stops its workers (in-flight messages finish), sends its last events and exits. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child || hasExited(child)) return;
    // the last batch arrives before the IPC channel closes
    const disconnected = child.connected ? new Promise<void>((done) => child.once('disconnect', () => done())) : Promise.resolve();
    await stopChild(child, STOP_TIMEOUT_MS);
    await Promise.race([disconnected, new Promise((done) => setTimeout(done, 2000))]);
  }
}

/**
 * The child's half: forwards its StatusBus events and content records to the parent in
 * batches (one IPC message per 10 ms or 500 items, whichever first), answers `ready`, obeys
 * channel commands, and stops when the parent goes.
 */
export class WorkersChildLink {
  #events: StatusEvent[] = [];
  #contents: ContentRecord[] = [];
  #timer: NodeJS.Timeout | undefined;

  static get wanted(): boolean {
    return process.connected && typeof process.send === 'function';
  }

  constructor(status: StatusBus) {
    status.on((event) => {
      this.#events.push(event);
      this.#schedule();
    });
  }

  readonly content = (record: ContentRecord): void => {
    this.#contents.push(record);
    this.#schedule();
  };

  #schedule(): void {
    if (this.#events.length + this.#contents.length >= 500) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), 10);
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#events.length === 0 && this.#contents.length === 0) return;
    const message: WorkersMessage = { type: 'batch', events: this.#events, contents: this.#contents };
    this.#events = [];
    this.#contents = [];
    if (process.connected) process.send?.(message);
  }

  ready(): void {
    const message: WorkersMessage = { type: 'ready', pid: process.pid };
    process.send?.(message);
  }

  onCommand(handle: (command: WorkersCommand) => void): void {
    process.on('message', (message: WorkersCommand) => {
      if (message?.type === 'channel') handle(message);
    });
  }

  /** `stop` when the parent goes (IPC closed, even after its kill -9); exit after 30 s regardless */
  onParentGone(stop: () => void): void {
    exitWithParent(stop, STOP_TIMEOUT_MS);
  }

  /** sends what is left and closes the channel (the parent's stop waits for that) */
  async close(): Promise<void> {
    this.flush();
    if (!process.connected) return;
    await new Promise<void>((done) => process.send?.({ type: 'batch', events: [], contents: [] } satisfies WorkersMessage, () => done()));
    process.disconnect();
  }
}
