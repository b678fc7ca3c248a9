/** A fixed-window limit per key (user): `take` is false once `limit` were taken in the window. */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, { start: number; used: number }>();

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  take(key: string, now = Date.now()): boolean {
    let w = this.#windows.get(key);
    if (!w || now - w.start >= this.#windowMs) this.#windows.set(key, (w = { start: now, used: 0 }));
    if (w.used >= this.#limit) return false;
    w.used += 1;
    return true;
  }
}
