/** One piece of work in progress, shared by every caller that asked for it while it ran. */
interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  /** Callers still waiting for it; when the last one gives up, the work is cancelled. */
  waiters: number;
}

export interface FlightOptions {
  /** This caller's cancellation: it stops waiting at once; the work stops when no caller waits any more. */
  signal?: AbortSignal;
  /** Start anew rather than join work already in progress (it may have begun before what the caller knows of). */
  fresh?: boolean;
}

/**
 * Concurrent asks for the same key run the work once: twenty automations that list one image at
 * the same moment make one listing. The work gets its own signal, cancelled only when every
 * caller has given up, so one caller's deadline never fails the others.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  async run(key: string, work: (signal: AbortSignal) => Promise<T>, options: FlightOptions = {}): Promise<{ value: T; shared: boolean }> {
    options.signal?.throwIfAborted();
    let flight = options.fresh === true ? undefined : this.flights.get(key);
    const shared = flight !== undefined;
    if (flight === undefined) flight = this.start(key, work);
    flight.waiters++;
    return { value: await this.wait(flight, options.signal), shared };
  }

  /** Keys with work in progress. */
  get size(): number {
    return this.flights.size;
  }

  private start(key: string, work: (signal: AbortSignal) => Promise<T>): Flight<T> {
    const controller = new AbortController();
    const flight: Flight<T> = { controller, waiters: 0, promise: Promise.resolve().then(() => work(controller.signal)) };
    this.flights.set(key, flight);
    const done = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    flight.promise.then(done, done);
    return flight;
  }

  private wait(flight: Flight<T>, signal: AbortSignal | undefined): Promise<T> {
    if (signal === undefined) return flight.promise;
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        if (--flight.waiters === 0) flight.controller.abort(signal.reason);
        reject(signal.reason);
      };
      signal.addEventListener('abort', leave, { once: true });
      flight.promise.then(
        (value) => {
          signal.removeEventListener('abort', leave);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', leave);
          reject(error);
        },
      );
    });
  }
}
