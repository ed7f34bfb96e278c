export * from './types.ts';
export * from './lock.ts';
export * from './policy.ts';
export * from './annotations.ts';
