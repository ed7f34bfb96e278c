/**
 * A cheap look at a file's text before the full YAML parse: a file that names none of the words
 * a slot (or a problem worth reporting) needs cannot hold one, and is never parsed. `image`: a
 * container's `image:`, a kustomization's `images:`, a Helm `image:`, a `$imagepolicy` marker.
 * `tagpilot`: `# tagpilot:` markers, and `tagpilot.io/` annotations, whose mistakes are reported
 * even on a workload without images. `fluxcd.io`: Helm values mapped by `repository.fluxcd.io/…`
 * annotations to any key. A backslash lets a double-quoted key spell any word by escapes
 * (`"\x69mage"`), so such files are parsed too.
 */
const WORDS = ['image', 'tagpilot', 'fluxcd.io', '\\'];

export function mayHoldSlots(text: string): boolean {
  return WORDS.some((word) => text.includes(word));
}
