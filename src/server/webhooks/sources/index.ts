import type { ReceiverKind } from '../types.ts';
import type { Source } from './context.ts';
import { distribution } from './distribution.ts';
import { dockerhub } from './dockerhub.ts';
import { generic } from './generic.ts';
import { gitea, github, gitlab } from './git-hosts.ts';
import { githubPackages } from './github-packages.ts';
import { harbor } from './harbor.ts';
import { quay } from './quay.ts';

export type { Source, SourceContext } from './context.ts';

/** Each kind's reader; GitLab's container registry sends Distribution's notifications. */
export const SOURCES: Readonly<Record<ReceiverKind, Source>> = {
  distribution,
  'gitlab-registry': distribution,
  harbor,
  dockerhub,
  quay,
  'github-packages': githubPackages,
  generic,
  github,
  gitlab,
  gitea,
};
