/**
 * The page's stylesheet and script, inlined (an air-gapped cluster has nothing to fetch them
 * from, and one response paints at once). Both run under the page's CSP nonce.
 */

/** Light and dark (prefers-color-scheme), tables that become cards on a phone, visible focus. */
export const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1d21;--muted:#4d535c;--line:#d5d9de;--card:#f6f7f9;--link:#0b57d0;
--ok-bg:#e3f4e8;--ok-fg:#0b5c28;--pend-bg:#fff1cc;--pend-fg:#6b4300;--held-bg:#fde7e7;--held-fg:#8f1515;--none-bg:#eceef1;--none-fg:#3a3f47}
@media (prefers-color-scheme:dark){:root{--bg:#121418;--fg:#e7e9ec;--muted:#aab1ba;--line:#343a42;--card:#1b1f25;--link:#8ab4f8;
--ok-bg:#0f3320;--ok-fg:#9de5b5;--pend-bg:#3a2c05;--pend-fg:#ffd77a;--held-bg:#3d1515;--held-fg:#ffb3b3;--none-bg:#262b32;--none-fg:#d0d5db}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header,main,.filters{max-width:80rem;margin:0 auto;padding:0 1rem}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem 1rem;padding-top:1rem}
h1{font-size:1.4rem;margin:0}h2{font-size:1.15rem;margin:1.5rem 0 .25rem}h3{font-size:1rem;margin:1rem 0 .25rem}
a{color:var(--link)}a:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.muted,dt{color:var(--muted)}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin-top:.75rem}
.filters input,.filters select,.filters button{font:inherit;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.35rem .5rem}
.filters input{min-width:16rem}
dl{display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;margin:.25rem 0}dl div{display:flex;gap:.4rem}dd{margin:0}
table{width:100%;border-collapse:collapse;margin:.25rem 0 1rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:break-word}
th{font-size:.85rem;color:var(--muted);font-weight:600;white-space:nowrap}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.badge{display:inline-block;border-radius:999px;padding:0 .55rem;font-size:.8rem;font-weight:600;white-space:nowrap}
.s-up-to-date,.h-new,.t-none{background:var(--none-bg);color:var(--none-fg)}.s-updated,.h-ok,.t-ok{background:var(--ok-bg);color:var(--ok-fg)}
.s-pending,.h-running,.t-pending{background:var(--pend-bg);color:var(--pend-fg)}.s-held,.h-failing,.t-held{background:var(--held-bg);color:var(--held-fg)}
.reason{display:block;margin-top:.15rem}
.error{background:var(--held-bg);color:var(--held-fg);padding:.4rem .6rem;border-radius:6px}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
[hidden]{display:none!important}
@media (max-width:44rem){
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table,tbody,tr,td{display:block;width:100%}
tr{border:1px solid var(--line);border-radius:8px;margin:.5rem 0;padding:.25rem .5rem;background:var(--card)}
caption{display:block}
td{border:0;padding:.2rem 0;display:grid;grid-template-columns:6.5rem minmax(0,1fr);gap:.5rem;overflow-wrap:anywhere}
td::before{content:attr(data-label);color:var(--muted);font-size:.85rem}
.filters input{min-width:0;flex:1}
}`;

/**
 * Live updates: the server says "changed" over server-sent events, the page fetches the new
 * server-rendered <main> for its filter and swaps it in; typing in the filter does the same.
 * EventSource reconnects by itself; without it, the page polls. Without script, the filter form
 * is a plain GET.
 */
export const SCRIPT = `
(() => {
  const base = document.body.dataset.base;
  const form = document.querySelector('form.filters');
  const live = document.getElementById('live');
  const query = () => new URLSearchParams(new FormData(form)).toString();
  let busy = false;
  let again = false;
  const refresh = async () => {
    if (busy) return void (again = true);
    busy = true;
    try {
      const reply = await fetch(base + 'fragment?' + query(), { headers: { accept: 'text/html' } });
      if (!reply.ok) return;
      const next = document.createElement('template');
      next.innerHTML = await reply.text();
      const main = next.content.getElementById('status');
      if (main === null) return;
      document.getElementById('status').replaceWith(main);
      live.textContent = 'Updated ' + new Date().toLocaleTimeString();
    } finally {
      busy = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  };
  let typing;
  const filter = () => {
    history.replaceState(null, '', '?' + query());
    clearTimeout(typing);
    typing = setTimeout(refresh, 150);
  };
  form.addEventListener('input', filter);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    filter();
  });
  if ('EventSource' in window) new EventSource(base + 'events').addEventListener('change', refresh);
  else setInterval(refresh, 10000);
})();`;
