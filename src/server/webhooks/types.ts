/**
 * The receivers' shapes. A receiver is one URL a registry or a Git host posts its events to; what
 * it hands on is a hint (this repository, this branch was pushed), never data to act on: the
 * registry or the Git server is asked again, and nothing from a payload is written to Git.
 */

/** Registries whose push notifications a receiver reads (docs/webhooks.md). */
export const REGISTRY_KINDS = ['distribution', 'gitlab-registry', 'harbor', 'dockerhub', 'quay', 'github-packages', 'generic'] as const;
/** Git hosts whose push webhooks a receiver reads. */
export const GIT_KINDS = ['github', 'gitlab', 'gitea'] as const;

export type RegistryKind = (typeof REGISTRY_KINDS)[number];
export type GitKind = (typeof GIT_KINDS)[number];
export type ReceiverKind = RegistryKind | GitKind;

/**
 * One receiver, its secrets already read (the config names where they are; the controller reads
 * them). The field names are those of the config's `webhooks:` entries.
 */
export interface Receiver {
  /** The last path segment it answers at: `<prefix>/<name>`. */
  name: string;
  kind: ReceiverKind;
  /** The HMAC-SHA256 key the sender signs the body with (github, gitea, github-packages; generic). */
  secret?: string;
  /** The token the sender presents (every other kind; generic). */
  token?: string;
  /** Registry receivers: the registry host as image references write it; default: the host the payload names. */
  registry?: string;
  /** A larger body is refused with 413; default 1 MiB. */
  maxBodyBytes?: number;
}

/** "Repository `repository` on `host` was pushed", canonical as `canonicalHost` and `canonicalPath` of src/image write them. */
export interface RepositoryPush {
  /** `ghcr.io`, `registry.example.com:5000`, `docker.io`. */
  host: string;
  /** `team/app`, `library/nginx`. */
  repository: string;
}

/** "Branch `branch` of the repository at these URLs was pushed". */
export interface GitPush {
  /** The URLs the host gives for the repository (https clone URL, SSH URL): match any with `gitRepositoryKey`. */
  urls: readonly string[];
  /** `main`, not `refs/heads/main`. */
  branch: string;
}

/** What the receivers tell: called after the sender has had its answer, once per burst and key. */
export interface WebhookSink {
  repositoryPushed(push: RepositoryPush): void | Promise<void>;
  gitPushed(push: GitPush): void | Promise<void>;
}

/** What one payload says, once read and authenticated. */
export type Hint = ({ kind: 'repository' } & RepositoryPush) | ({ kind: 'git' } & GitPush);

/** One request as the pure parts see it: no sockets, no streams. */
export interface WebhookRequest {
  /** Header names lower-case, as node:http gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The path segment after the receiver's name (Docker Hub and Quay carry the token there). */
  pathToken?: string;
  body: Buffer;
}
