import { createRequire } from 'node:module';
import type Ssh2 from 'ssh2';

const require = createRequire(import.meta.url);

/**
 * ssh2, loaded on first use: only SSH remotes and SSH commit signing need it, and loading it costs
 * every other run ~0.7 MB of JavaScript and its crypto self-checks. It is CommonJS, so a require
 * here is synchronous and the callers stay as they are.
 */
export function ssh2(): typeof Ssh2 {
  return require('ssh2') as typeof Ssh2;
}
