/**
 * Types the pipeline's stages share, here so that channel.ts, which runs them, and the stages
 * (transform.ts, delivery.ts) do not import each other for them.
 */
/** A stage that consumes from the broker (transform, delivery); stopped after the sources. */
export interface Worker {
  start(): void;
  stop(): Promise<void>;
}
