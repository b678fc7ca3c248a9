/**
 * SIGINT/SIGTERM for a long-running command, caught from the moment it begins to start.
 * Without a handler, a signal that arrives while medibus is still starting (its workers child
 * loading, the dashboard binding) ends the process at once by the default action: no drain,
 * no exit code (the split mode's SIGTERM proofs saw exactly that: exit code null). With the
 * latch the start finishes or is cut short, then everything stops in order and the command
 * exits 0.
 *
 * Only the first signal is caught: a second one, while the first is being handled, takes the
 * default action (an operator pressing Ctrl-C twice means it).
 */
export class StopSignal {
  #received: string | undefined;
  readonly #waiters: ((signal: string) => void)[] = [];
  readonly #handle = (signal: string): void => {
    if (this.#received !== undefined) return;
    this.dispose();
    this.#received = signal;
    for (const waiter of this.#waiters.splice(0)) waiter(signal);
  };

  constructor() {
    process.once('SIGINT', this.#handle);
    process.once('SIGTERM', this.#handle);
  }

  /** acts as if `reason` were a signal (a workers child whose parent went) */
  raise(reason: string): void {
    this.#handle(reason);
  }

  /** the signal received so far, if any */
  get received(): string | undefined {
    return this.#received;
  }

  /** calls `handle` when the signal comes (at once if it came already) */
  onSignal(handle: (signal: string) => void): void {
    if (this.#received !== undefined) handle(this.#received);
    else this.#waiters.push(handle);
  }

  /** resolves with the signal's name */
  wait(): Promise<string> {
    return new Promise((resolve) => this.onSignal(resolve));
  }

  /** stops catching (a command that ends by itself) */
  dispose(): void {
    process.off('SIGINT', this.#handle);
    process.off('SIGTERM', this.#handle);
  }
}
