/** A per-workload lock: the bot never touches a locked workload. */
export interface Lock {
  locked: boolean;
  by?: string;
  reason?: string;
  at?: string;
}

export const UNLOCKED: Lock = Object.freeze({ locked: false });
