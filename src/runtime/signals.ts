/** The part of `process` shutdown handling needs: tests pass an EventEmitter. */
export interface SignalSource {
  on(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  off(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

export interface Shutdown {
  /** The first SIGTERM or SIGINT: finish the cycle in progress, start no other. */
  stop: AbortSignal;
  /** A second one: cancel the cycle in progress too. */
  cancel: AbortSignal;
  /** Stops listening. */
  dispose(): void;
}

/**
 * Graceful shutdown as Kubernetes expects it: SIGTERM lets the cycle in progress end (so a push
 * in flight is never cut off), and the process exits when it has; a second signal (an impatient
 * Ctrl-C) cancels that cycle at its next step.
 */
export function shutdownSignals(source: SignalSource = process): Shutdown {
  const stop = new AbortController();
  const cancel = new AbortController();
  const onSignal = () => (stop.signal.aborted ? cancel.abort() : stop.abort());
  source.on('SIGTERM', onSignal);
  source.on('SIGINT', onSignal);
  return {
    stop: stop.signal,
    cancel: cancel.signal,
    dispose() {
      source.off('SIGTERM', onSignal);
      source.off('SIGINT', onSignal);
    },
  };
}
