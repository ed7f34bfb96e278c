/** The state every hosting double keeps: pull requests, as the host would hold them. */
export interface StoredPull {
  number: number;
  head: string;
  base: string;
  state: 'open' | 'closed';
  merged: boolean;
  title: string;
  body: string;
  labels: string[];
  reviewers: string[];
  comments: string[];
  autoMerge?: string;
  updatedAt: number;
}

export class PullStore {
  readonly pulls: StoredPull[] = [];
  private clock = 0;
  /** Branches that exist in the repository (the double asks the real Git server). */
  branchExists: (branch: string) => boolean = () => true;

  open(head: string, base: string): StoredPull[] {
    return this.pulls.filter((p) => p.head === head && p.base === base && p.state === 'open');
  }

  allOpen(): StoredPull[] {
    return this.pulls.filter((p) => p.state === 'open');
  }

  create(fields: Pick<StoredPull, 'head' | 'base' | 'title' | 'body'> & { labels?: string[]; reviewers?: string[] }): StoredPull {
    const pull: StoredPull = { number: this.pulls.length + 1, state: 'open', merged: false, labels: [], reviewers: [], comments: [], updatedAt: ++this.clock, ...fields };
    this.pulls.push(pull);
    return pull;
  }

  get(number: number): StoredPull | undefined {
    return this.pulls.find((p) => p.number === number);
  }

  touch(pull: StoredPull): void {
    pull.updatedAt = ++this.clock;
  }

  /** Newest update first, as `sort=updated&direction=desc` lists them. */
  byRecent(list: readonly StoredPull[]): StoredPull[] {
    return [...list].sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** What a person does in the web UI. */
  closeByHuman(number: number): void {
    const pull = this.get(number)!;
    pull.state = 'closed';
    this.touch(pull);
  }

  mergeByHuman(number: number): void {
    const pull = this.get(number)!;
    pull.state = 'closed';
    pull.merged = true;
    this.touch(pull);
  }
}
