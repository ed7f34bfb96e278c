/**
 * Which automations this replica may run now (src/kube's Lease coordinator is one; without it,
 * every automation). It changes over time: `onChange` tells the supervisor, which starts or stops
 * the automation (a cycle in progress is cancelled when its lease is lost).
 */
export interface Leadership {
  holds(automation: string): boolean;
  onChange(listener: (automation: string, held: boolean) => void): () => void;
  /**
   * Resolves true once `holds(automation)` is true, false when `signal` fires first. What a runner
   * that is not holding waits on: `holds` is a matter of time (a hold lapses between rounds when a
   * renewal is late), `onChange` only of what was reported, so a runner that saw a lapse the
   * coordinator never reported would wait for a change that never comes.
   */
  whenHeld(automation: string, signal: AbortSignal): Promise<boolean>;
  /** The automations there are, at start and after each config reload. */
  setAutomations?(names: readonly string[]): void;
}

/** Every automation, always: one replica. */
export const EVERY_AUTOMATION: Leadership = {
  holds: () => true,
  onChange: () => () => undefined,
  whenHeld: () => Promise.resolve(true),
};

/** A commit a cycle pushed: what a sync loop is nudged with (src/kube). */
export interface Pushed {
  automation: string;
  /** The Git URL as configured. */
  repository: string;
  branch: string;
  before: string;
  after: string;
  /** Files the commit changed. */
  files: string[];
}

/** Called after a cycle pushed a commit, without waiting for it; it logs its own failures. */
export type AfterPush = (pushed: Pushed) => unknown;

/**
 * What a webhook receiver (src/server/webhooks) tells the controller. Every hint is only a hint:
 * the registry or the Git server is asked again, nothing from a payload is written anywhere.
 */
export interface ControllerHints {
  /**
   * An image repository was pushed (`registry.example.com/team/web`): it is listed again now, past
   * the cache, then the automations whose cycles use it cycle. Resolves with their names (empty
   * when none does: the caller must not reveal that to the sender).
   */
  imagePushed(image: string, reason: string): Promise<string[]>;
  /** A Git URL and branch were pushed: the automations that read it cycle now (a re-sync); their names. */
  gitPushed(url: string, branch: string, reason: string): string[];
  /** A cycle now for one automation; false when there is none of that name. */
  resync(automation: string, reason: string): boolean;
}
