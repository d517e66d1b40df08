/**
 * The only source of time for the engine, the store and the API. Production uses the system clock;
 * tests and `simulate` use a virtual clock that moves only when told to.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class VirtualClock implements Clock {
  #ms: number;
  constructor(start: Date | string | number) {
    this.#ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  set(at: Date | string | number): void {
    this.#ms = new Date(at).getTime();
  }
  advance(ms: number): Date {
    this.#ms += ms;
    return this.now();
  }
}
