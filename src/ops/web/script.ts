/**
 * The dashboard's script, served as /assets/app.js: plain browser JavaScript (ES2020, no
 * build step, no library). Data goes into the page with textContent only, never innerHTML,
 * so message content cannot inject markup. Kept as a string here so tsc ships it in dist/.
 */
export const SCRIPT = String.raw`'use strict';
(function () {
  const $ = (s) => document.querySelector(s);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
  const api = async (path, init) => {
    const res = await fetch(path, Object.assign({ credentials: 'same-origin', headers: { 'content-type': 'application/json' } }, init || {}));
    const body = res.headers.get('content-type') && res.headers.get('content-type').includes('json') ? await res.json() : await res.text();
    if (!res.ok) throw new Error((body && body.detail) || res.statusText);
    return body;
  };
  const login = $('#login');
  if (login) {
    login.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(login);
      try { await api('/api/login', { method: 'POST', body: JSON.stringify({ name: f.get('name'), password: f.get('password') }) }); location.href = '/'; }
      catch (e) { $('#login-error').textContent = e.message; }
    });
    return;
  }
  const role = $('#who') ? $('#who').dataset.role : 'viewer';
  $('#logout').addEventListener('click', async () => { await api('/api/logout', { method: 'POST', body: '{}' }); location.href = '/login'; });

  const age = (ms) => { if (ms === null || ms === undefined) return '–'; const s = Math.round(ms / 1000); return s < 60 ? s + 's' : s < 3600 ? Math.floor(s / 60) + 'm' + (s % 60) + 's' : Math.floor(s / 3600) + 'h' + Math.floor((s % 3600) / 60) + 'm'; };
  const spark = (h) => {
    const ns = 'http://www.w3.org/2000/svg', w = 120, hh = 24, max = Math.max(1, ...h.messages, ...h.errors);
    const svg = document.createElementNS(ns, 'svg'); svg.setAttribute('class', 'spark'); svg.setAttribute('viewBox', '0 0 ' + w + ' ' + hh); svg.setAttribute('width', w); svg.setAttribute('height', hh);
    for (const [cls, values] of [['m', h.messages], ['e', h.errors]]) {
      const p = document.createElementNS(ns, 'polyline'); p.setAttribute('class', cls);
      p.setAttribute('points', values.map((v, i) => ((i / Math.max(1, values.length - 1)) * w).toFixed(1) + ',' + (hh - 1 - (v / max) * (hh - 2)).toFixed(1)).join(' '));
      svg.appendChild(p);
    }
    return svg;
  };
  const renderChannels = (channels) => {
    const body = $('#channel-rows'); body.replaceChildren();
    for (const c of channels) {
      const tr = el('tr'); tr.dataset.channel = c.id;
      const name = el('td'); name.appendChild(el('b', c.id)); name.appendChild(el('br')); name.appendChild(el('small', c.description || '')); tr.appendChild(name);
      const st = el('td', c.state, 'state state-' + c.state); if (c.listen) { st.appendChild(el('br')); st.appendChild(el('small', c.listen)); } tr.appendChild(st);
      for (const k of ['received', 'filtered', 'transformed', 'errored']) { const td = el('td', c.counts[k], 'n'); td.dataset.k = k; tr.appendChild(td); }
      const chart = el('td'); chart.appendChild(spark(c.history)); tr.appendChild(chart);
      const dests = el('ul', undefined, 'dest');
      for (const [d, n] of Object.entries(c.counts.destinations)) {
        const q = c.queues ? c.queues.destinations.find((x) => x.name === d) : undefined;
        const li = el('li'); li.dataset.destination = d;
        li.appendChild(el('b', d));
        li.appendChild(document.createTextNode(' sent ' + n.sent + ' · retrying ' + n.retrying + ' · dead ' + n.dead + ' · queued ' + (q ? q.waiting + q.retrying : '–') + ' · dead queue ' + (q ? q.dead : '–') + ' · oldest ' + age(c.oldestWaitingMs[d])));
        dests.appendChild(li);
      }
      const dt = el('td'); dt.appendChild(dests); tr.appendChild(dt);
      if (role === 'admin') {
        const td = el('td', undefined, 'actions');
        for (const a of ['start', 'pause', 'stop']) { const b = el('button', a); b.dataset.action = a; b.dataset.channel = c.id; td.appendChild(b); }
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
  };
  const source = new EventSource('/api/live');
  source.addEventListener('channels', (ev) => { $('#live').textContent = '● live'; renderChannels(JSON.parse(ev.data).channels); });
  source.onerror = () => { $('#live').textContent = '○ reconnecting'; };
  document.addEventListener('click', async (ev) => {
    const b = ev.target.closest ? ev.target.closest('button[data-action]') : null;
    if (!b) return;
    try { await api('/api/channels/' + encodeURIComponent(b.dataset.channel) + '/' + b.dataset.action, { method: 'POST', body: '{}' }); } catch (e) { alert(e.message); }
  });
  if (role === 'viewer') return;

  const filters = $('#filters');
  const search = async () => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(filters)) if (String(v).trim() !== '') q.set(k, String(v).trim());
    const { messages } = await api('/api/messages?' + q);
    const body = $('#message-rows'); body.replaceChildren();
    for (const m of messages) {
      const tr = el('tr'); tr.dataset.id = m.messageId; tr.className = 'clickable';
      for (const v of [new Date(m.receivedAt).toLocaleString(), m.channel, m.messageType || '', m.sourceId || '', m.status, Object.entries(m.destinations || {}).map(([d, s]) => d + ': ' + s).join(', ')]) tr.appendChild(el('td', v));
      tr.addEventListener('click', () => { void open(m.messageId); });
      body.appendChild(tr);
    }
  };
  const open = async (id) => {
    const m = await api('/api/messages/' + encodeURIComponent(id));
    $('#detail').hidden = false; $('#detail-id').textContent = (m.sourceId || '') + ' · ' + m.messageId;
    const tl = $('#timeline'); tl.replaceChildren();
    for (const e of m.timeline) { const tr = el('tr'); for (const v of [new Date(e.at).toLocaleString(), e.status, e.destination || '', e.attempt || '', e.code || '', e.reason || '']) tr.appendChild(el('td', v)); tl.appendChild(tr); }
    $('#input').textContent = m.payload !== undefined ? m.payload.split(/\r\n|\r|\n/).join('\n') : '(content not stored for this channel)';
    $('#bundle').textContent = m.bundle !== undefined ? JSON.stringify(JSON.parse(m.bundle), null, 2) : '(no Bundle stored)';
  };
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); void search(); });
  let pending; source.addEventListener('channels', () => { if (!pending) pending = setTimeout(() => { pending = undefined; void search(); }, 300); });
  void search();

  const deadForm = $('#dead-form');
  const deadTarget = () => { const f = new FormData(deadForm); return { channel: String(f.get('channel')), queue: String(f.get('queue')).trim() }; };
  const listDead = async () => {
    const t = deadTarget();
    const { messages, total } = await api('/api/channels/' + encodeURIComponent(t.channel) + '/dead/' + encodeURIComponent(t.queue));
    const body = $('#dead-rows'); body.replaceChildren();
    for (const m of messages) {
      const tr = el('tr'); tr.dataset.id = m.id;
      const box = el('input'); box.type = 'checkbox'; box.value = m.id; const td = el('td'); td.appendChild(box); tr.appendChild(td);
      for (const v of [m.id, m.controlId, m.messageType, m.attempts, (m.code ? m.code + ': ' : '') + m.reason]) tr.appendChild(el('td', v));
      body.appendChild(tr);
    }
    $('#replay-result').textContent = total + ' in the queue';
  };
  deadForm.addEventListener('submit', (ev) => { ev.preventDefault(); void listDead().catch((e) => { $('#replay-result').textContent = e.message; }); });
  const replay = async (which, dryRun) => {
    const t = deadTarget();
    const ids = [...document.querySelectorAll('#dead-rows input:checked')].map((b) => b.value);
    const body = Object.assign({ queue: t.queue, dryRun, reason: new FormData($('#replay-form')).get('reason') }, which === 'all' ? { all: true } : { ids });
    try {
      const r = await api('/api/channels/' + encodeURIComponent(t.channel) + '/replay', { method: 'POST', body: JSON.stringify(body) });
      // the list is refreshed first, so its count does not overwrite what the replay did
      if (!dryRun) await listDead();
      $('#replay-result').textContent = dryRun ? 'would replay ' + r.wouldReplay + ' of ' + r.inQueue : 'replayed ' + r.replayed.length;
    } catch (e) { $('#replay-result').textContent = e.message; }
  };
  $('#dry-run').addEventListener('click', () => { const any = document.querySelector('#dead-rows input:checked'); void replay(any ? 'selected' : 'all', true); });
  $('#replay-selected').addEventListener('click', () => void replay('selected', false));
  $('#replay-all').addEventListener('click', () => void replay('all', false));

  if (role !== 'admin') return;
  const audit = async () => {
    const { entries } = await api('/api/audit?limit=50');
    const body = $('#audit-rows'); body.replaceChildren();
    for (const e of entries) { const tr = el('tr'); for (const v of [new Date(e.at).toLocaleString(), e.actor, e.action, e.target || '', e.outcome, JSON.stringify(e.detail || {})]) tr.appendChild(el('td', v)); body.appendChild(tr); }
  };
  void audit(); setInterval(() => void audit(), 5000);
})();
`;

export const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222}
header{display:flex;gap:1em;align-items:center;padding:.5em 1em;background:#16425b;color:#fff}header h1{font-size:1.2em;margin:0}
main{padding:1em}section{margin-bottom:2em}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
td.n,.n{font-variant-numeric:tabular-nums}.state-running{color:#1a7f37}.state-paused{color:#9a6700}.state-stopped,.state-down{color:#cf222e}
ul.dest{margin:0;padding-left:1em}.spark polyline{fill:none;stroke-width:1.5}.spark .m{stroke:#16425b}.spark .e{stroke:#cf222e}
.side{display:grid;grid-template-columns:1fr 1fr;gap:1em}pre{background:#f6f8fa;padding:.5em;overflow:auto;max-height:30em;white-space:pre-wrap;word-break:break-all}
.clickable{cursor:pointer}.clickable:hover{background:#eef}.error{color:#cf222e}.login{max-width:20em;margin:4em auto}.login label{display:block;margin:.5em 0}.hint{color:#555}
form{margin:.5em 0;display:flex;gap:.5em;flex-wrap:wrap}.live{margin-left:auto}`;
