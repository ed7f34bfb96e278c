/**
 * Argo CD Image Updater's annotations on an Argo CD Application (`argocd-image-updater.argoproj.io/…`),
 * read into tagpilot policies so an Image Updater user migrates without editing: which images,
 * each one's update strategy, tag filters, platforms, and where its reference lives (Helm
 * parameters, a kustomize image). docs/annotations.md has the mapping.
 */
import { compileRegex } from './pattern.ts';
import { parseFilters, type FilterTexts } from './filters.ts';
import { parsePolicy, withFilters, type Policy } from './policy.ts';

export const IMAGE_UPDATER = 'argocd-image-updater.argoproj.io/';

/** One image of `image-list`, with where its reference lives in the Application. */
export interface UpdaterImage {
  /** The alias, or the image path when none is given: the slot's container name. */
  name: string;
  /** The image path as listed, without the version constraint. */
  image: string;
  /** Undefined when a setting could not be read (see problems): the image is then not automated. */
  policy?: Policy;
  /** Helm parameter names: the whole reference (`image-spec`), or name and tag. */
  helm: { spec?: string; name: string; tag: string };
  /** The kustomize image name to set (`kustomize.image-name`), default the image path. */
  kustomizeName: string;
}

export interface UpdaterAnnotations {
  images: UpdaterImage[];
  problems: string[];
}

export function hasImageUpdater(annotations: Readonly<Record<string, string>>): boolean {
  return annotations[`${IMAGE_UPDATER}image-list`] !== undefined;
}

/** `[<alias>=]<image>[:<constraint>]`, comma separated. */
export function readImageUpdater(annotations: Readonly<Record<string, string>>): UpdaterAnnotations {
  const list = annotations[`${IMAGE_UPDATER}image-list`] ?? '';
  const problems: string[] = [];
  const images = list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => readImage(annotations, item, problems));
  if (images.length === 0) problems.push(`${IMAGE_UPDATER}image-list: no image in "${list}"`);
  return { images, problems };
}

function readImage(annotations: Readonly<Record<string, string>>, item: string, problems: string[]): UpdaterImage {
  const equals = item.indexOf('=');
  const alias = equals < 0 ? undefined : item.slice(0, equals).trim();
  const spec = equals < 0 ? item : item.slice(equals + 1).trim();
  // The constraint follows the last ":" after the last "/": `registry.local:5000/app:1.x`.
  const colon = spec.lastIndexOf(':');
  const hasConstraint = colon > spec.lastIndexOf('/');
  const image = hasConstraint ? spec.slice(0, colon) : spec;
  const constraint = hasConstraint ? spec.slice(colon + 1) : undefined;
  const name = alias ?? image;
  const key = (setting: string) => `${IMAGE_UPDATER}${name}.${setting}`;
  const value = (setting: string) => annotations[key(setting)]?.trim();
  const found: UpdaterImage = {
    name,
    image,
    helm: { name: value('helm.image-name') ?? 'image.name', tag: value('helm.image-tag') ?? 'image.tag' },
    kustomizeName: value('kustomize.image-name') ?? image,
  };
  const imageSpec = value('helm.image-spec');
  if (imageSpec !== undefined) found.helm.spec = imageSpec;
  try {
    const policy = strategyPolicy(value('update-strategy') ?? 'semver', constraint, value('allow-tags'));
    const filters: FilterTexts = { ignore: value('ignore-tags'), platforms: value('platforms') };
    found.policy = filters.ignore === undefined && filters.platforms === undefined ? policy : withFilters(policy, parseFilters(filters));
  } catch (error) {
    problems.push(`${IMAGE_UPDATER}image-list: ${name}: ${(error as Error).message}; not automated until this is fixed`);
  }
  return found;
}

/**
 * The strategies: `semver` (the default; the constraint is the range), `newest-build` (and its old
 * name `latest`), `alphabetical` (and its old name `name`), `digest` (the constraint is the tag to
 * follow). `allow-tags: regexp:<re>` keeps only matching tags; `any` keeps all.
 */
function strategyPolicy(strategy: string, constraint: string | undefined, allowTags: string | undefined): Policy {
  const allow = readAllowTags(allowTags);
  switch (strategy) {
    case 'semver': {
      const policy = parsePolicy(`semver:${constraint ?? '*'}`);
      if (policy.kind !== 'semver' || allow === undefined) return policy;
      return { ...policy, source: `${policy.source} (allow-tags regexp:${allow})`, extract: { regex: compileRegex(allow) } };
    }
    case 'newest-build':
    case 'latest':
      return allow === undefined ? parsePolicy('glob:*') : parsePolicy(`regexp:${allow}`);
    case 'alphabetical':
    case 'name': {
      const policy = parsePolicy('alphabetical:asc');
      if (policy.kind !== 'alphabetical' || allow === undefined) return policy;
      // Image Updater sorts whole tags: a named group in the filter does not pick what is ordered.
      return { ...policy, source: `alphabetical:asc (allow-tags regexp:${allow})`, regex: compileRegex(allow) };
    }
    case 'digest':
      if (constraint === undefined) throw new Error('update-strategy digest needs the tag to follow in image-list (image:tag)');
      return parsePolicy(`digest:${constraint}`);
    default:
      throw new Error(`unknown update-strategy "${strategy}" (expected semver, newest-build, latest, alphabetical, name or digest)`);
  }
}

function readAllowTags(text: string | undefined): string | undefined {
  if (text === undefined || text === 'any') return undefined;
  if (!text.startsWith('regexp:')) throw new Error(`allow-tags "${text}": expected regexp:<expression> or any`);
  return text.slice('regexp:'.length);
}
