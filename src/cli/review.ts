import type { Logger } from 'pino';
import { ConfigError, type LoadedConfig } from '../config/index.ts';
import { GiteaHost, GitLabHost, gitHubHost, reviewBranch, type ReviewHost, type ReviewSettings } from '../hosting/index.ts';

interface Reader {
  secret(secret: NonNullable<LoadedConfig['dockerConfig']>, what: string): Promise<string>;
  file(path: string, what: string): Promise<string>;
}

/** The review flow `review:` asks for, secrets read; undefined without one (push to the branch). */
export async function reviewSettings(config: LoadedConfig, read: Reader, log: Logger): Promise<ReviewSettings | undefined> {
  const r = config.review;
  if (r === undefined) return undefined;
  const settings: ReviewSettings = { branch: r.branch, labels: r.labels, reviewers: r.reviewers, autoMerge: r.autoMerge };
  if (r.host === 'agit') return { ...settings, agit: { topic: r.topic ?? reviewBranch(r.branch, config.git.branch) } };
  const ca = r.caFile === undefined ? undefined : await read.file(r.caFile, 'review.caFile');
  const token = r.token === undefined ? undefined : await read.secret(r.token, 'review.token');
  return { ...settings, host: await host(r, token, ca, read, (message) => log.warn({ host: r.host }, message)) };
}

async function host(r: NonNullable<LoadedConfig['review']>, token: string | undefined, ca: string | undefined, read: Reader, onWarning: (m: string) => void): Promise<ReviewHost> {
  // The schema checked repository and url for the API hosts.
  const [owner, ...rest] = r.repository!.split('/');
  const url = r.url!;
  switch (r.host) {
    case 'github': {
      const auth = r.app === undefined ? { token: token! } : { appId: r.app.id, installationId: r.app.installationId, privateKey: await read.secret(r.app.privateKey, 'review.app.privateKey') };
      return gitHubHost({ apiUrl: r.url ?? 'https://api.github.com', owner: owner!, repo: rest.join('/'), auth, ca });
    }
    case 'gitlab':
      return new GitLabHost({ url, project: r.repository!, token: token!, ca, onWarning });
    case 'gitea':
      if (rest.length !== 1) throw new ConfigError('review.repository: gitea needs owner/repo');
      return new GiteaHost({ url, owner: owner!, repo: rest[0]!, token: token!, ca, onWarning });
    default:
      throw new ConfigError(`review.host: ${r.host} has no API`);
  }
}
