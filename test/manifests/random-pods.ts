import fc from 'fast-check';
import type { EditedFiles } from '../../src/manifests/index.ts';

/** Random Pods for the edit's property tests. */

/** Pods whose containers are written in every style the cycle meets, some sharing values. */
const container = fc.record({
  style: fc.constantFrom('plain', 'double', 'single', 'flow', 'tagged', 'commented'),
  anchored: fc.boolean(),
  alias: fc.option(fc.nat(4), { nil: undefined }),
  tag: fc.constantFrom('1.0.0', '1.1.0', '2.0.0', '1.10', 'latest'),
});
export const podInput = fc.record({ containers: fc.array(container, { minLength: 1, maxLength: 5 }), merge: fc.boolean(), docs: fc.integer({ min: 1, max: 2 }) });
export type PodInput = typeof podInput extends fc.Arbitrary<infer T> ? T : never;

export function pod(input: PodInput, doc: number): string {
  const lines = ['apiVersion: v1', 'kind: Pod', `metadata: {name: p${doc}}`, 'spec:', '  containers:'];
  const anchors: string[] = [];
  for (const [i, c] of input.containers.entries()) {
    const image = `ghcr.io/acme/c${i}:${c.tag}`;
    const anchor = c.anchored ? `a${doc}x${i}` : undefined;
    const aliased = c.alias !== undefined && anchors.length > 0 ? `*${anchors[c.alias % anchors.length]}` : undefined;
    const props = anchor === undefined ? '' : `&${anchor} `;
    if (anchor !== undefined) anchors.push(anchor);
    const value = aliased ?? `${props}${c.style === 'double' ? `"${image}"` : c.style === 'single' ? `'${image}'` : c.style === 'tagged' ? `!!str ${image}` : image}`;
    if (c.style === 'flow') lines.push(`  - {name: c${i}, image: ${value}}`);
    else lines.push(`  - name: c${i}`, `    image: ${value}${c.style === 'commented' ? ' # pinned by hand' : ''}`);
  }
  if (input.merge) lines.push('  base: &base {image: ghcr.io/acme/base:1.0.0}', '  initContainers:', '  - name: init', '    <<: *base');
  return `${lines.join('\n')}\n`;
}

export function summary(result: EditedFiles) {
  return { files: [...result.files], refused: result.refused.map((p) => [p.code, p.subject, p.message]), applied: [...result.applied] };
}
