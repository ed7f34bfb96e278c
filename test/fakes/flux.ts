/**
 * Flux's image automation objects as Flux users write them: an ImageRepository and the
 * ImagePolicy that follows it, in `flux-system`, and the `$imagepolicy` marker comments that
 * point at the policy.
 */

export interface FluxPolicy {
  /** The objects' name (and the marker's policy name). */
  name: string;
  /** The ImageRepository's `spec.image`. */
  image: string;
  /** The ImagePolicy's spec after `imageRepositoryRef` (default: semver 6.x). */
  spec?: string;
}

export function fluxPolicy({ name, image, spec = 'policy: {semver: {range: 6.x}}' }: FluxPolicy): string {
  return `apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata: {name: ${name}, namespace: flux-system}
spec: {image: ${image}}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata: {name: ${name}, namespace: flux-system}
spec:
  imageRepositoryRef: {name: ${name}}
${spec.replace(/^/gm, '  ')}
`;
}

/** The marker of policy `flux-system:NAME`, of the whole image or one part (`:tag`, `:name`, `:digest`). */
export const imagePolicyMarker = (name: string, part = '') => `# {"$imagepolicy": "flux-system:${name}${part}"}`;
