import type { Logger } from 'pino';
import { ConfigError, type AutomationConfig, type ReviewConfig, type Secret } from '../config/index.ts';
import { GiteaHost, GitLabHost, gitHubHost, reviewBranch, type ReviewHost, type ReviewSettings } from '../hosting/index.ts';

interface Reader {
  secret(secret: Secret, what: string): Promise<string>;
  file(path: string, what: string): Promise<string>;
}

/** The review flow `review:` asks for, secrets read; undefined without one (push to the branch). */
export async function reviewSettings(automation: Pick<AutomationConfig, 'git' | 'review'>, field: string, read: Reader, log: Logger): Promise<ReviewSettings | undefined> {
  const r = automation.review;
  if (r === undefined) return undefined;
  const settings: ReviewSettings = { branch: r.branch, branchPer: r.branchPer, groups: r.groups, maxBranches: r.maxBranches, labels: r.labels, reviewers: r.reviewers, autoMerge: r.autoMerge };
  if (r.host === 'agit') return { ...settings, agit: { topic: r.topic ?? reviewBranch(r.branch, automation.git.branch) } };
  const ca = r.caFile === undefined ? undefined : await read.file(r.caFile, `${field}.caFile`);
  const token = r.token === undefined ? undefined : await read.secret(r.token, `${field}.token`);
  return { ...settings, host: await host(r, field, token, ca, read, (message) => log.warn({ host: r.host }, message)) };
}

async function host(r: ReviewConfig, field: string, token: string | undefined, ca: string | undefined, read: Reader, onWarning: (m: string) => void): Promise<ReviewHost> {
  // The schema checked repository and url for the API hosts.
  const [owner, ...rest] = r.repository!.split('/');
  const url = r.url!;
  switch (r.host) {
    case 'github': {
      const auth = r.app === undefined ? { token: token! } : { appId: r.app.id, installationId: r.app.installationId, privateKey: await read.secret(r.app.privateKey, `${field}.app.privateKey`) };
      return gitHubHost({ apiUrl: r.url ?? 'https://api.github.com', owner: owner!, repo: rest.join('/'), auth, ca });
    }
    case 'gitlab':
      return new GitLabHost({ url, project: r.repository!, token: token!, ca, onWarning });
    case 'gitea':
      if (rest.length !== 1) throw new ConfigError(`${field}.repository: gitea needs owner/repo`);
      return new GiteaHost({ url, owner: owner!, repo: rest[0]!, token: token!, ca, onWarning });
    default:
      throw new ConfigError(`${field}.host: ${r.host} has no API`);
  }
}
