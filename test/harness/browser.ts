import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, as scripts/provision.ts installs it. */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing: run \`npm run provision -- chromium\` (apt-get install chromium) to run the browser tests`;
}

/**
 * Headless Chromium with a fresh profile and nothing that calls home: the network here is closed,
 * and the page must not need it anyway.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps', '--no-first-run'],
  });
}

/** Where screenshots go (gitignored): `test-results/<suite>/`. */
export function artifactDir(suite: string): string {
  const dir = join(resolve(import.meta.dirname, '../..'), 'test-results', suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}
