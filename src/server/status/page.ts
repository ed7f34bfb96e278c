/**
 * The status page as server-rendered HTML: the whole page, and the <main> part alone (what live
 * updates swap in). Every value is escaped by `html`; the only links are commit links that
 * commitLink checked.
 */
import { SCRIPT, STYLE } from './assets.ts';
import { html, trusted, type Html } from './html.ts';
import type { AutomationView, HistoryView, RegistryView, SlotView, StatusView } from './view.ts';

export interface PageOptions {
  /** The prefix the handler is mounted on, with its trailing slash: where the page fetches from. */
  base: string;
  /** The CSP nonce of this response. */
  nonce: string;
  /** Who the authenticating proxy says is reading. */
  who?: string;
}

const SHOW: readonly [string, string][] = [
  ['', 'all slots'],
  ['pending', 'pending'],
  ['held', 'held'],
  ['updated', 'updated'],
  ['up-to-date', 'up to date'],
];

/** `main`: the view's renderMain, when the caller has it already (a cached render). */
export function renderPage(view: StatusView, options: PageOptions, main: Html = renderMain(view)): string {
  const t = view.totals;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">
<title>tagpilot status</title><style nonce="${options.nonce}">${trusted(STYLE)}</style></head>
<body data-base="${options.base}">
<header><h1>tagpilot</h1><p class="muted">${t.automations} automation${t.automations === 1 ? '' : 's'}</p>${options.who === undefined ? '' : html`<p class="muted">Signed in as ${options.who}</p>`}</header>
<form class="filters" role="search" aria-label="Filter slots" method="get" action="${options.base}">
<label for="q">Search</label><input id="q" name="q" type="search" placeholder="workload, image, tag, reason" autocomplete="off" maxlength="200" value="${view.filter.q ?? ''}">
<label for="show">Show</label><select id="show" name="show">${SHOW.map(([value, label]) => html`<option value="${value}"${view.filter.show === value || (value === '' && view.filter.show === undefined) ? trusted(' selected') : ''}>${label}</option>`)}</select>
<button type="submit">Filter</button>
<p id="live" class="muted" role="status" aria-live="polite"></p>
</form>
${main}
<script nonce="${options.nonce}">${trusted(SCRIPT)}</script>
</body></html>
`.text;
}

/** The part that changes: what `fragment` serves and live updates swap in. */
export function renderMain(view: StatusView): Html {
  const t = view.totals;
  return html`<main id="status" data-at="${view.at}">
<p class="muted">As of <time datetime="${view.at}">${view.at.slice(11, 19)} UTC</time>: ${t.pending} pending, ${t.held} held, ${t.updated} updated, ${t['up-to-date']} up to date${t.failing > 0 ? html`; <strong>${t.failing} failing</strong>` : ''}.</p>
${recordedNotice(view.recorded)}
${view.automations.length === 0 ? html`<p>No automation has been configured.</p>` : view.automations.map(automation)}
${registries(view.registries)}
</main>`;
}

function recordedNotice(r: StatusView['recorded']): Html | string {
  if (r === undefined) return '';
  return r.state === 'reading' ? html`<p class="muted" data-recorded="reading">${r.text}</p>` : html`<p class="error" role="alert" data-recorded="unreadable">${r.text}</p>`;
}

function automation(a: AutomationView): Html {
  return html`<section aria-labelledby="${a.id}">
<h2 id="${a.id}">${a.name} <span class="badge h-${a.health}">${a.health}</span></h2>
<dl>
${a.repository === undefined ? '' : html`<div><dt>Repository</dt><dd><code>${a.repository}</code>${a.branch === undefined ? '' : html` (<code>${a.branch}</code>)`}</dd></div>`}
${lastCycle(a)}
${a.next === undefined ? '' : html`<div><dt>Next cycle</dt><dd><time datetime="${a.next.when}">${a.next.in}</time></dd></div>`}
${a.leaseHolder === undefined ? '' : html`<div><dt>Lease</dt><dd>${a.leaseHolder}</dd></div>`}
</dl>
${a.last?.error === undefined ? '' : html`<p class="error" role="alert">${a.last.error}</p>`}
${slotTable(a)}
${historyTable(a)}
</section>`;
}

function lastCycle(a: AutomationView): Html | string {
  const last = a.last;
  if (last === undefined) return html`<div><dt>Last cycle</dt><dd>none yet</dd></div>`;
  const commit = last.commit === undefined ? '' : html`, commit ${commitRef(last.commit.slice(0, 12), last.commitUrl)}`;
  const problems = last.problems === 0 ? '' : html`, ${last.problems} problem${last.problems === 1 ? '' : 's'}`;
  return html`<div><dt>Last cycle</dt><dd><time datetime="${last.when}">${last.ago}</time>: ${last.result} in ${last.ms} ms${commit}${problems}</dd></div>`;
}

function slotTable(a: AutomationView): Html {
  if (a.slots.length === 0) return html`<p class="muted">${a.filtered > 0 ? `None of its ${a.filtered} slots match the filter.` : 'No automated slots seen yet.'}</p>`;
  const c = a.counts;
  return html`<table>
<caption>Workloads and slots: ${c.pending} pending, ${c.held} held, ${c.updated} updated, ${c['up-to-date']} up to date</caption>
<thead><tr><th scope="col">Workload</th><th scope="col">Image</th><th scope="col">Current</th><th scope="col">Candidate</th><th scope="col">Policy</th><th scope="col">State</th></tr></thead>
<tbody>${a.slots.map(slotRow)}</tbody>
</table>${a.filtered > 0 ? html`<p class="muted">${a.filtered} slots do not match the filter.</p>` : ''}${a.hidden > 0 ? html`<p class="muted">${a.hidden} more slots match but are not shown: search narrows the list; the JSON API lists them all.</p>` : ''}`;
}

function slotRow(s: SlotView): Html {
  return html`<tr data-status="${s.status}">
<td data-label="Workload"><div>${s.workload}${s.container === '-' ? '' : html` <span class="muted">${s.container}</span>`}<br><code class="muted">${s.where}</code></div></td>
<td data-label="Image"><div><code>${s.repository}</code></div></td>
<td data-label="Current"><div><code>${s.current}</code></div></td>
<td data-label="Candidate"><div>${s.candidate === undefined ? html`<span class="muted">-</span>` : html`<code>${s.candidate}</code>`}</div></td>
<td data-label="Policy"><div><code>${s.policy}</code></div></td>
<td data-label="State"><div><span class="badge s-${s.status}">${s.hold === undefined ? s.status : html`${s.status}: ${s.hold.label}`}</span>${s.hold === undefined ? '' : hold(s.hold)}</div></td>
</tr>`;
}

function hold(h: NonNullable<SlotView['hold']>): Html {
  const by = h.by === undefined ? '' : html` by ${h.by}`;
  const since = h.since === undefined ? '' : html` since ${moment(h.since)}`;
  const until = h.until === undefined ? '' : html` until ${moment(h.until)}`;
  return html`<span class="reason">${h.reason}<span class="muted">${by}${since}${until}</span></span>`;
}

/** A time as people read it (`2026-12-01 12:31 UTC`), machine-readable in `datetime`; text that is no time stays as written. */
function moment(text: string): Html {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return html`${text}`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

function historyTable(a: AutomationView): Html | string {
  if (a.history.length === 0) return '';
  return html`<table>
<caption>History: tagpilot's changes, operations, rejected tags and verifications</caption>
<thead><tr><th scope="col">When</th><th scope="col">Commit</th><th scope="col">Event</th><th scope="col">Workload</th><th scope="col">What</th><th scope="col">Who, why</th></tr></thead>
<tbody>${a.history.map(historyRow)}</tbody>
</table>`;
}

function historyRow(h: HistoryView): Html {
  const when = h.when === '' ? html`<span class="muted">-</span>` : html`<time datetime="${h.when}">${h.when.slice(0, 16).replace('T', ' ')}</time>`;
  const commit = h.short === undefined ? html`<span class="muted">-</span>` : commitRef(h.short, h.url);
  const why = h.why === undefined ? '' : html`<span class="reason">${h.why}</span>`;
  return html`<tr data-kind="${h.kind}">
<td data-label="When"><div>${when}</div></td>
<td data-label="Commit"><div>${commit}${h.reverted === undefined ? '' : html` <span class="badge s-held">reverted by ${h.reverted}</span>`}</div></td>
<td data-label="Event"><div><span class="badge t-${h.tone}">${h.label}</span></div></td>
<td data-label="Workload"><div>${h.workload}</div></td>
<td data-label="What"><div>${h.what === '' ? html`<span class="muted">-</span>` : html`<code>${h.what}</code>`}</div></td>
<td data-label="Who, why"><div>${h.who ?? ''}${why}</div></td>
</tr>`;
}

function commitRef(short: string, url: string | undefined): Html {
  return url === undefined ? html`<code>${short}</code>` : html`<a href="${url}" rel="noreferrer"><code>${short}</code></a>`;
}

function registries(list: readonly RegistryView[]): Html | string {
  if (list.length === 0) return '';
  return html`<section aria-labelledby="registries"><h2 id="registries">Registries</h2>
<table><caption class="sr-only">Requests per registry host</caption>
<thead><tr><th scope="col">Host</th><th scope="col">Requests</th><th scope="col">Errors</th><th scope="col">429s</th><th scope="col">Rate limit</th></tr></thead>
<tbody>${list.map((r) => html`<tr><td data-label="Host"><div><code>${r.host}</code></div></td><td data-label="Requests"><div>${r.requests}</div></td><td data-label="Errors"><div>${r.errors}</div></td><td data-label="429s"><div>${r.rateLimited}</div></td><td data-label="Rate limit"><div>${r.state}</div></td></tr>`)}</tbody>
</table></section>`;
}
