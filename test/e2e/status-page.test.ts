/**
 * The status page in a real browser (Debian's Chromium through playwright-core), fed by real
 * cycles: runOnce on the runtime's Automation against the real Distribution registry and
 * git http-backend, its outcomes recorded on a StatusBoard, served by the status handler.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import type { Browser, Locator, Page } from 'playwright-core';
import { GitRepo } from '../../src/git/index.ts';
import { RegistryClient } from '../../src/registry/index.ts';
import { automationOf, ControllerState, newStatus, runOnce, type Automation, type AutomationStatus } from '../../src/runtime/index.ts';
import { StatusBoard, statusHandler, type StatusHandler } from '../../src/server/index.ts';
import { artifactDir, chromiumMissing, launchChromium } from '../harness/browser.ts';
import { runCli } from '../harness/cli.ts';
import { createBareRepo } from '../harness/git-repos.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { automated, deployment } from '../harness/manifests.ts';
import { closeServer, listenLocal } from '../harness/ports.ts';
import { startStack, type Stack } from '../harness/stack.ts';

// The page's own code runs in the browser: what it is asked there is written as expressions (no DOM types here).

/** Markup in a lock reason (annotations are free text): it must show as text and never run. */
const HOSTILE = '<img src=x onerror=window.__pwned=1> incident #42 & </td></table><script>window.__pwned=2</script>';

describe('the status page in Chromium, on real cycles', { skip: chromiumMissing() }, () => {
  let stack: Stack;
  let client: RegistryClient;
  let repo: GitRepo;
  let board: StatusBoard;
  let status: AutomationStatus;
  let automation: Automation;
  let handler: StatusHandler;
  let server: Server;
  let url: string;
  let browser: Browser;
  let page: Page;
  const artifacts = artifactDir('status-page');
  const cycle = () => runOnce(automation, { reporter: board.reporter(), status });

  before(async () => {
    stack = await startStack();
    const host = stack.registry.host;
    const fresh = new Date(Date.now() - 60_000);
    await Promise.all([seedTags(stack.registry.url, 'shop/web', versionTags(['1.0.0', '1.1.0'])), seedTags(stack.registry.url, 'shop/api', [...versionTags(['1.0.0']), { tag: '1.1.0', created: fresh }]), seedTags(stack.registry.url, 'shop/db', versionTags(['1.0.0', '1.1.0']))]);
    createBareRepo(stack.server.root, 'fleet', {
      'apps/web.yaml': automated('web', `${host}/shop/web:1.0.0`, 'semver:^1'),
      'apps/api.yaml': deployment('api', `${host}/shop/api:1.0.0`, { 'tagpilot.io/automated': 'true', 'tagpilot.io/tag.api': 'semver:^1', 'tagpilot.io/min-age.api': '1h' }),
      'apps/db.yaml': deployment('db', `${host}/shop/db:1.0.0`, {
        'tagpilot.io/automated': 'true',
        'tagpilot.io/tag.db': 'semver:^1',
        'tagpilot.io/locked': 'true',
        'tagpilot.io/locked-by': 'ana',
        'tagpilot.io/locked-reason': HOSTILE,
        'tagpilot.io/locked-at': '2026-11-30T08:00:00Z',
      }),
    });
    // No tag-list cache: the live-update test pushes a tag and expects the next cycle to see it.
    const state = new ControllerState('tagpilot.yaml');
    client = new RegistryClient({ registries: [{ host, insecure: true }], cacheDir: join(stack.work, 'cache'), tagCacheTtlMs: 0, observer: state.registryObserver() });
    repo = GitRepo.forRemote(join(stack.work, 'cache'), { url: stack.server.repoUrl('fleet'), branch: 'main' });
    const author = { name: 'tagpilot-bot', email: 'bot@example.com' };
    automation = automationOf('fleet', { repo, tags: client, branch: 'main', paths: ['apps'], author, log: pino({ level: 'silent' }) }, 60_000);
    board = new StatusBoard({ registries: () => state.registries.values() });
    status = newStatus();
    board.track({ name: 'fleet', intervalMs: 60_000, repository: repo.description, branch: 'main', author: author.name, commitUrl: 'https://git.example/fleet/commit/{commit}', readHistory: (head, max) => repo.firstParents(head, max) }, status);
    const first = await cycle();
    assert.ok('report' in first && first.report.commit !== undefined, 'the first cycle commits web 1.1.0');

    handler = statusHandler({ source: board, prefix: '/status' });
    server = createServer(handler);
    url = `http://127.0.0.1:${await listenLocal(server)}/status/`;
    browser = await launchChromium();
    page = await browser.newPage();
    // A request to anywhere but the page's own server would fail here; none may be made.
    page.on('request', (r) => assert.ok(r.url().startsWith(url), `the page asked for ${r.url()}`));
    await page.goto(url);
  });

  after(async () => {
    await browser?.close();
    handler?.close();
    if (server !== undefined) await closeServer(server);
    await client?.close();
    await repo?.close();
    await stack?.stop();
  });

  const row = (workload: string) => page.locator('tr[data-status]', { hasText: workload });
  const cell = (workload: string, label: string) => row(workload).locator(`td[data-label="${label}"]`);

  test('the page shows the automation, its last cycle and the registry it asked', async () => {
    assert.equal(await page.title(), 'tagpilot status');
    assert.match(await text(page.locator('h2#a-fleet')), /fleet\s+ok/);
    assert.match(await text(page.locator('main')), /Last cycle\s*\d+ s ago: committed in \d+ ms, commit [0-9a-f]{12}/);
    assert.equal(await text(page.locator('#registries ~ table td[data-label="Host"]')), stack.registry.host);
    await page.screenshot({ path: join(artifacts, 'desktop.png'), fullPage: true });
  });

  test('a tag younger than its minimum age shows as a pending update, soaking until it is old enough', async () => {
    assert.equal(await row('deployment/api').getAttribute('data-status'), 'pending');
    assert.equal(await text(cell('deployment/api', 'Current')), '1.0.0');
    assert.equal(await text(cell('deployment/api', 'Candidate')), '1.1.0');
    assert.match(await text(cell('deployment/api', 'State')), /pending: soaking\s*1\.1\.0 is younger than the minimum age \(1h\) until 20\d\d-\d\d-\d\d \d\d:\d\d UTC/);
  });

  test('the update the cycle committed shows as updated, and in the history with a link to the Git host', async () => {
    assert.equal(await row('deployment/web').getAttribute('data-status'), 'updated');
    assert.equal(await text(cell('deployment/web', 'Candidate')), '1.1.0');
    const link = page.locator('td[data-label="Commit"] a').first();
    assert.match((await link.getAttribute('href')) ?? '', /^https:\/\/git\.example\/fleet\/commit\/[0-9a-f]{40}$/);
  });

  test('the locked workload shows who locked it, why and since when, the reason as text that never runs', async () => {
    assert.equal(await row('deployment/db').getAttribute('data-status'), 'held');
    const state = await text(cell('deployment/db', 'State'));
    assert.ok(state.includes(`held: locked${HOSTILE} by ana since 2026-11-30 08:00 UTC`), state);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.equal(await page.locator('main img, main script').count(), 0, 'no element made from the reason');
    assert.equal(await page.locator('main table').count(), 3, 'the reason closed no table');
  });

  test('search and the state filter narrow the rows, asked of the server as you type', async () => {
    await page.fill('#q', 'ana');
    await row('deployment/api').waitFor({ state: 'detached' });
    assert.deepEqual(await workloads(page), ['default:deployment/db']);
    assert.match(page.url(), /\?q=ana&show=$/, 'the filter is in the address, so it can be shared');
    await page.fill('#q', '');
    await page.selectOption('#show', 'pending');
    await row('deployment/db').waitFor({ state: 'detached' });
    assert.deepEqual(await workloads(page), ['default:deployment/api']);
    await page.selectOption('#show', '');
    await row('deployment/db').waitFor();
    assert.equal((await workloads(page)).length, 3);
  });

  test('a new tag pushed to the registry shows up without a reload once the next cycle ends', async () => {
    await page.evaluate('window.__same = true');
    await seedTags(stack.registry.url, 'shop/web', versionTags(['1.2.0'], new Date('2024-02-01T00:00:00Z')));
    const second = await cycle();
    assert.ok('report' in second && second.report.commit !== undefined, 'the second cycle commits web 1.2.0');
    await row('deployment/web').locator('td[data-label="Candidate"]', { hasText: '1.2.0' }).waitFor({ timeout: 15_000 });
    assert.equal(await text(cell('deployment/web', 'Current')), '1.1.0');
    assert.equal(await page.evaluate('window.__same'), true, 'the same page, not a reload');
    assert.match(await text(page.locator('#live')), /^Updated /);
    await page.screenshot({ path: join(artifacts, 'after-live-update.png'), fullPage: true });
  });

  test('on a phone in dark mode the rows become cards that still name each field', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', deviceScaleFactor: 2 });
    try {
      await phone.goto(url);
      const background = await phone.evaluate('getComputedStyle(document.body).backgroundColor');
      assert.equal(background, 'rgb(18, 20, 24)');
      const width = await phone.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(width <= 390, `no sideways scrolling: ${width}px wide`);
      assert.equal(await phone.evaluate(`getComputedStyle(document.querySelector('tr[data-status] td[data-label="State"]'), '::before').content`), '"State"');
      await phone.screenshot({ path: join(artifacts, 'phone-dark.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });

  test('every form field has a label, and the keyboard reaches them in order', async () => {
    const fresh = await browser.newPage();
    try {
      await fresh.goto(url);
      for (const id of ['q', 'show']) assert.equal(await fresh.locator(`label[for="${id}"]`).count(), 1, id);
      const focused: string[] = [];
      for (let i = 0; i < 2; i++) {
        await fresh.keyboard.press('Tab');
        focused.push(await fresh.evaluate<string>("document.activeElement?.id ?? ''"));
      }
      assert.deepEqual(focused, ['q', 'show']);
    } finally {
      await fresh.close();
    }
  });

  test('an operation made with the CLI (a lock, with who and why) joins the history from Git, its reason as text', async () => {
    const locked = await runCli(['lock', 'default:deployment/api', '--reason', `soak ${HOSTILE}`, '--user', 'Bo <bo@example.com>', '--config', stack.config('fleet')]);
    assert.equal(locked.code, 0, locked.err);
    await cycle();
    const operation = page.locator('tr[data-kind="operation"]', { hasText: 'deployment/api' });
    await operation.waitFor({ timeout: 15_000 });
    assert.equal(await text(operation.locator('td[data-label="Event"]')), 'lock');
    assert.ok((await text(operation.locator('td[data-label="Who, why"]'))).includes(`soak ${HOSTILE}`));
    assert.match((await operation.locator('td[data-label="Commit"] a').getAttribute('href')) ?? '', /^https:\/\/git\.example\/fleet\/commit\/[0-9a-f]{40}$/);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.equal(await page.locator('main img, main script').count(), 0, 'no element made from the reason');
    await page.screenshot({ path: join(artifacts, 'history.png'), fullPage: true });
  });
});

/** An element's text as the DOM holds it (what the page wrote, after the browser parsed it). */
async function text(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? '';
}

async function workloads(page: Page): Promise<string[]> {
  return page.locator('tr[data-status] td[data-label="Workload"]').evaluateAll((cells) => cells.map((c) => c.querySelector('div')?.firstChild?.textContent?.trim() ?? ''));
}
