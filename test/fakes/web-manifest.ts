/**
 * The shop's `web` Deployment as the in-memory tests write it: one automated container `web` on
 * `reg.local/shop/web`, its policy quoted (globs and braces are YAML too), extra annotations one
 * per line after it.
 */
export function webManifest(tag: string, annotations: readonly string[] = [], policy = 'semver:^1'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.web: "${policy}"
${annotations.map((a) => `    ${a}\n`).join('')}spec:
  template:
    spec:
      containers:
        - name: web
          image: reg.local/shop/web:${tag}
`;
}
