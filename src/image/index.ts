export * from './ref.ts';
