/**
 * The dashboard's HTML, rendered on the server: the channel table is filled here (a page
 * that works before the script runs, and for a viewer is all there is), the script
 * (script.ts) keeps it live and drives the operator's views. Everything is UTF-8 and every
 * value goes through `escapeHtml`.
 */
import type { ChannelSnapshot } from '../core/context.js';
import type { Role } from '../core/types.js';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/assets/style.css"></head>
<body>${body}<script src="/assets/app.js" defer></script></body></html>`;
}

export function loginPage(): string {
  return layout(
    'medibus — log in',
    `<main class="login"><h1>medibus</h1>
<form id="login"><label>User <input name="name" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button><p id="login-error" class="error" role="alert"></p></form>
<p class="hint">No user yet? On the medibus machine run <code>medibus user add NAME --role admin</code>.</p></main>`,
  );
}

/** 60 per-minute points as one small SVG: messages (line) and errors (red line) */
export function sparkline(history: { messages: readonly number[]; errors: readonly number[] }): string {
  const w = 120;
  const h = 24;
  const max = Math.max(1, ...history.messages, ...history.errors);
  const points = (values: readonly number[]): string =>
    values.map((v, i) => `${((i / Math.max(1, values.length - 1)) * w).toFixed(1)},${(h - 1 - (v / max) * (h - 2)).toFixed(1)}`).join(' ');
  return `<svg class="spark" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="messages and errors per minute, last hour"><polyline class="m" points="${points(history.messages)}"/><polyline class="e" points="${points(history.errors)}"/></svg>`;
}

function age(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${s % 60}s` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export function channelRows(channels: readonly ChannelSnapshot[], role: Role): string {
  return channels
    .map((c) => {
      const k = c.counts;
      const dests = Object.entries(k.destinations)
        .map(([name, d]) => {
          const q = c.queues?.destinations.find((x) => x.name === name);
          return `<li data-destination="${escapeHtml(name)}"><b>${escapeHtml(name)}</b> sent <span class="n">${d.sent}</span> · retrying <span class="n">${d.retrying}</span> · dead <span class="n">${d.dead}</span> · queued <span class="n">${q ? q.waiting + q.retrying : '–'}</span> · dead queue <span class="n">${q ? q.dead : '–'}</span> · oldest <span>${age(c.oldestWaitingMs[name])}</span></li>`;
        })
        .join('');
      const actions =
        role === 'admin'
          ? `<td class="actions">${['start', 'pause', 'stop'].map((a) => `<button data-action="${a}" data-channel="${escapeHtml(c.id)}">${a}</button>`).join('')}</td>`
          : '';
      return `<tr data-channel="${escapeHtml(c.id)}"><td><b>${escapeHtml(c.id)}</b><br><small>${escapeHtml(c.description ?? '')}</small></td>
<td class="state state-${escapeHtml(c.state)}">${escapeHtml(c.state)}${c.listen ? `<br><small>${escapeHtml(c.listen)}</small>` : ''}</td>
<td class="n" data-k="received">${k.received}</td><td class="n" data-k="filtered">${k.filtered}</td><td class="n" data-k="transformed">${k.transformed}</td><td class="n" data-k="errored">${k.errored}</td>
<td>${sparkline(c.history)}</td><td><ul class="dest">${dests}</ul></td>${actions}</tr>`;
    })
    .join('\n');
}

export function dashboardPage(user: string, role: Role, channels: readonly ChannelSnapshot[]): string {
  const operator = role === 'operator' || role === 'admin';
  return layout(
    'medibus — dashboard',
    `<header><h1>medibus</h1><span id="who" data-role="${role}">${escapeHtml(user)} (${role})</span> <button id="logout">Log out</button> <span id="live" class="live">○ live</span></header>
<main>
<section id="channels"><h2>Channels</h2>
<table><thead><tr><th>channel</th><th>state</th><th>received</th><th>filtered</th><th>transformed</th><th>errored</th><th>last hour</th><th>destinations</th>${role === 'admin' ? '<th></th>' : ''}</tr></thead>
<tbody id="channel-rows">${channelRows(channels, role)}</tbody></table></section>
${
  operator
    ? `<section id="browser"><h2>Messages</h2>
<form id="filters"><select name="channel"><option value="">every channel</option>${channels.map((c) => `<option>${escapeHtml(c.id)}</option>`).join('')}</select>
<select name="status"><option value="">any status</option>${['received', 'filtered', 'transformed', 'errored', 'sent', 'retrying', 'dead-lettered', 'replayed'].map((s) => `<option>${s}</option>`).join('')}</select>
<input name="controlId" placeholder="control ID (MSH-10)"><input name="messageType" placeholder="type, e.g. ADT^A01"><input name="patientId" placeholder="patient identifier">
<button type="submit">Search</button></form>
<table><thead><tr><th>received</th><th>channel</th><th>type</th><th>control ID</th><th>status</th><th>destinations</th></tr></thead><tbody id="message-rows"></tbody></table></section>
<section id="detail" hidden><h2>Message <span id="detail-id"></span></h2>
<table><thead><tr><th>time</th><th>status</th><th>destination</th><th>attempt</th><th>code</th><th>reason</th></tr></thead><tbody id="timeline"></tbody></table>
<div class="side"><div><h3>Input (HL7 v2)</h3><pre id="input"></pre></div><div><h3>FHIR output (Bundle)</h3><pre id="bundle"></pre></div></div></section>
<section id="dead"><h2>Dead letters and failed transforms</h2>
<form id="dead-form"><select name="channel">${channels.map((c) => `<option>${escapeHtml(c.id)}</option>`).join('')}</select>
<input name="queue" placeholder="destination, or failed" required><button type="submit">List</button></form>
<table><thead><tr><th></th><th>message</th><th>control ID</th><th>type</th><th>attempts</th><th>reason</th></tr></thead><tbody id="dead-rows"></tbody></table>
<form id="replay-form"><input name="reason" placeholder="reason (required, audited)"><button type="button" id="dry-run">Count (dry run)</button>
<button type="button" id="replay-selected">Replay selected</button><button type="button" id="replay-all">Replay all</button> <span id="replay-result" role="status"></span></form></section>`
    : '<p class="hint">Your role (viewer) shows counters and states; messages and their content need the operator role.</p>'
}
${role === 'admin' ? '<section id="audit"><h2>Audit log</h2><p><a href="/api/audit.ndjson">Export as NDJSON</a></p><table><tbody id="audit-rows"></tbody></table></section>' : ''}
</main>`,
  );
}
