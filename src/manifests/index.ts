export * from './types.ts';
export * from './find.ts';
export * from './edit.ts';
