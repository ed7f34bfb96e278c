export * from './types.ts';
export * from './find.ts';
export * from './edit.ts';
export { applyAnnotationEdit } from './annotate.ts';
export * from './files.ts';
export * from './walk.ts';
export { commitSubject, fluxSubject, type FluxAutomation } from './named.ts';
export * from './edit-files.ts';
export type { ParsedFile } from './yaml.ts';
