/** Time, behind an interface so tests can move it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export const epochSeconds = (clock: Clock) => Math.floor(clock.now() / 1000);
