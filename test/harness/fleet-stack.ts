import { after, afterEach, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from './registry.ts';
import { startGitServer, type GitServer, type GitServerOptions } from './git-server.ts';
import { seedTags, versionTags } from './images.ts';
import { createBareRepo } from './git-repos.ts';
import { FLEET_TAGS, fleetFiles, writeConfig } from './fleet.ts';

/** A fresh copy of the fleet on the Git server, and a config that points at it. */
export interface Fleet {
  bare: string;
  config: string;
  /** The files it was created with. */
  initial: Record<string, string>;
}

/** The fleet's images on a real registry and a real Git server, shared by the tests of one suite. */
export class FleetStack {
  // Set in the suite's `before`, so before any test reads them.
  registry!: TestRegistry;
  server!: GitServer;
  /** Sees each request before it reaches git http-backend; cleared after every test. */
  onRequest: GitServerOptions['beforeRequest'];
  private readonly name: string;
  private work = '';
  private counter = 0;

  /** `name` names its repositories and its scratch directory. */
  constructor(name: string) {
    this.name = name;
  }

  /** A new repository holding the fleet; `gitLines` go into the config's `git:` block (indented). */
  fleet(gitLines = ''): Fleet {
    const repo = `${this.name}-${++this.counter}`;
    const initial = fleetFiles(this.registry.host);
    const bare = createBareRepo(this.server.root, repo, initial);
    const dir = mkdtempSync(join(this.work, 'cfg-'));
    const config = writeConfig(dir, `git:\n  url: ${this.server.repoUrl(repo)}\n  paths: [apps]\n  author: { name: tagpilot-bot, email: bot@example.com }\n${gitLines}registries:\n  - host: ${this.registry.host}\n    insecure: true\ncacheDir: cache\n`);
    return { bare, config, initial };
  }

  async start(): Promise<void> {
    [this.registry, this.server] = await Promise.all([startRegistry(), startGitServer({ beforeRequest: (r) => this.onRequest?.(r) })]);
    for (const [repository, tags] of Object.entries(FLEET_TAGS)) await seedTags(this.registry.url, repository, versionTags(tags));
    this.work = mkdtempSync(join(tmpdir(), `tagpilot-${this.name}-`));
  }

  async stop(): Promise<void> {
    await Promise.all([this.registry.stop(), this.server.stop()]);
    rmSync(this.work, { recursive: true, force: true });
  }
}

/**
 * A FleetStack for the suite (the `describe`) it is called in: started before its tests,
 * `onRequest` cleared after each, stopped after the last.
 */
export function useFleetStack(name: string): FleetStack {
  const stack = new FleetStack(name);
  before(() => stack.start());
  afterEach(() => {
    stack.onRequest = undefined;
  });
  after(() => stack.stop());
  return stack;
}
