/**
 * `node scripts/provision.ts [demo|test|<component>]...`: makes sure the system programs the demo
 * and the tests run for real are installed (`predemo` and `pretest` run it; so does `.ci/run`,
 * through `npm test`). What it checks: scripts/provision/components.ts.
 *
 * It is TypeScript on the project's Node 24, not a shell script, because every caller runs after
 * `npm ci`, which needs only Node and npm; so the decisions are unit-tested like the rest.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { provision, type ProvisionEnv } from './provision/provision.ts';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function readOsRelease(): string | undefined {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      // os-release(5): the second is the fallback.
    }
  }
  return undefined;
}

const system: ProvisionEnv = {
  onPath: (name) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && isExecutable(join(dir, name))),
  isExecutable,
  uid: process.getuid?.(),
  osRelease: readOsRelease(),
  run(command, args, options) {
    const result = spawnSync(command, args, { env: { ...process.env, ...options.env }, timeout: options.timeoutMs, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const error = result.error === undefined ? undefined : ((result.error as NodeJS.ErrnoException).code ?? result.error.message);
    return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', ...(error === undefined ? {} : { error }) };
  },
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

try {
  process.exitCode = provision(process.argv.slice(2), system);
} catch (error) {
  // A bug or an odd machine: one line, not a stack trace.
  process.stderr.write(`provision: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
