export { SignatureChecker, SignatureCheckError, type SignatureCheckerOptions, type SignatureRegistry } from './checker.ts';
export { signatureTag, SIMPLE_SIGNING } from './cosign.ts';
export type { SignaturePolicy, SignatureVerdict } from './types.ts';
