/** What varies between the tests' copies of the shop's `web` Deployment; each value is written as it is. */
export interface WebDeployment {
  /** Container `web`'s image (a comment after it too, if wanted). */
  image: string;
  /** The `tagpilot.io/tag.web` scalar: quote it where YAML needs it (default `semver:^1`, plain). */
  policy?: string;
  /** More annotations, one a line, after the policy. */
  annotations?: readonly string[];
  /** Lines of the spec before its template (`replicas: 2`). */
  spec?: readonly string[];
  /** Lines of container `web` after its image (`ports:`); an empty one is a blank line. */
  web?: readonly string[];
  /** Containers after `web`. */
  sidecars?: readonly { name: string; image: string }[];
  /** A comment line before the document (without `# `). */
  comment?: string;
}

/**
 * The shop's `web` Deployment, automated by tagpilot, as the tests write it: namespace `shop`,
 * container `web` first (its image on line 14 when `spec` is empty), each value as given.
 */
export function webDeployment({ image, policy = 'semver:^1', annotations = [], spec = [], web = [], sidecars = [], comment }: WebDeployment): string {
  return `${comment === undefined ? '' : `# ${comment}\n`}apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.web: ${policy}
${annotations.map((a) => `    ${a}\n`).join('')}spec:
${spec.map((l) => `  ${l}\n`).join('')}  template:
    spec:
      containers:
        - name: web
          image: ${image}
${web.map((l) => (l === '' ? '\n' : `          ${l}\n`)).join('')}${sidecars.map((c) => `        - name: ${c.name}\n          image: ${c.image}\n`).join('')}`;
}

/**
 * The in-memory tests' `web`: on `reg.local/shop/web`, its policy quoted (globs and braces are
 * YAML too), extra annotations one per line after it.
 */
export function webManifest(tag: string, annotations: readonly string[] = [], policy = 'semver:^1'): string {
  return webDeployment({ image: `reg.local/shop/web:${tag}`, policy: `"${policy}"`, annotations });
}
