import { applyEdits, findSlots, type FindOptions, type ImageSlot } from '../../src/manifests/index.ts';

/** Finds the slots of one file; the tests below read as "this text has these slots". */
export function slotsOf(text: string, path = 'app.yaml', options?: FindOptions) {
  return findSlots([{ path, text }], options);
}

export function onlySlot(text: string, path = 'app.yaml', options?: FindOptions): ImageSlot {
  const { slots, problems } = slotsOf(text, path, options);
  if (slots.length !== 1) throw new Error(`expected one slot, found ${slots.length}: ${JSON.stringify(problems)}`);
  return slots[0]!;
}

/** Sets the only slot of `text` to `image` and returns the new text. */
export function setImage(text: string, image: string, path = 'app.yaml'): string {
  return applyEdits(path, text, [{ slot: onlySlot(text, path), image }]);
}

/** A Deployment with one container, annotations and body adjustable. */
export function deployment(image: string, extra = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
${extra}spec:
  template:
    spec:
      containers:
        - name: web
          image: ${image}
`;
}
