// The log, seen by operators: a live stream of the newest events
// (filterable by type and stream), and the audit view of one aggregate
// (its state as of a version, and the events that built it).
//
// The live stream reads the events themselves from GET /api/admin/events
// (types, streams and data as stored); the WebSocket (scope=all) only says
// when there is something new, and a slow poll covers a dropped socket.
import {get, query} from './api.js';
import {h, append, clear, loading, empty, errorBox, heading, throttle, formMessage} from './dom.js';
import {time, dateTime} from './format.js';
import {adminTabs, followAllEvents} from './admin_nav.js';
import {go} from './router.js';

const KEEP = 300;  // events kept on the page
const FIRST = 60;  // events shown when the page opens

function summary(data) {
  const text = JSON.stringify(data || {});
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

function eventRow(ev) {
  return h('li', {class: 'event', dataset: {type: ev.type, stream: ev.stream}},
    h('details', {},
      h('summary', {},
        h('span', {class: 'event-pos'}, `#${ev.position}`),
        h('time', {datetime: ev.time, class: 'event-time'}, time(ev.time)),
        h('span', {class: `event-type type-${ev.type.split('.')[0]}`}, ev.type),
        h('span', {class: 'event-stream'}, ev.stream),
        h('span', {class: 'event-data'}, summary(ev.data))),
      h('div', {class: 'event-detail'},
        h('p', {}, h('a', {href: `#/admin/audit?stream=${encodeURIComponent(ev.stream)}`}, `Audit ${ev.stream}`), ` · version ${ev.version} · ${dateTime(ev.time)}`),
        h('pre', {}, JSON.stringify(ev.data, null, 2)))));
}

// #/admin/events?type=
export async function eventsView(main, {query: params}) {
  const events = [];  // newest first
  let next = 1;
  let paused = false;
  const typeFilter = h('select', {id: 'ev-type'}, h('option', {value: ''}, 'All types'));
  const streamFilter = h('input', {id: 'ev-stream', type: 'search', placeholder: 'order-, product-…'});
  const pause = h('button', {class: 'btn btn-ghost', type: 'button', 'aria-pressed': 'false'}, 'Pause');
  const status = h('span', {class: 'muted small', role: 'status'}, 'Connecting…');
  const list = h('ol', {class: 'event-list', 'aria-label': 'Events, newest first', 'aria-live': 'off'});
  const body = h('div', {}, loading('Loading the newest events…'));
  clear(main).append(h('div', {class: 'view-head'}, heading('Live events'), status), adminTabs('/admin/events'),
    h('div', {class: 'filters'},
      h('div', {class: 'field'}, h('label', {for: 'ev-type'}, 'Type'), typeFilter),
      h('div', {class: 'field grow'}, h('label', {for: 'ev-stream'}, 'Stream starts with'), streamFilter),
      h('div', {class: 'field'}, h('span', {class: 'label-spacer', 'aria-hidden': 'true'}, ' '), pause)),
    body);
  const wanted = params.get('type') || '';

  const known = new Set();
  const noteType = (t) => {
    if (known.has(t)) return;
    known.add(t);
    const options = [...known].sort();
    const keep = typeFilter.value || wanted;
    append(clear(typeFilter), [h('option', {value: ''}, 'All types'), options.map((o) => h('option', {value: o, selected: o === keep}, o))]);
  };
  const visible = (ev) => (!typeFilter.value || ev.type === typeFilter.value) && (!streamFilter.value.trim() || ev.stream.startsWith(streamFilter.value.trim()));
  const render = () => {
    const shown = events.filter(visible);
    clear(body);
    if (!shown.length) body.append(empty(events.length ? 'No events match the filter yet.' : 'No events yet.'));
    append(clear(list), shown.map(eventRow));
    body.append(list);
  };

  let fetching = false;
  const fetchNew = async () => {
    if (fetching || paused) return;
    fetching = true;
    try {
      for (;;) {
        const page = await get(`/api/admin/events${query({from_position: next, limit: 200})}`);
        for (const ev of page.items) {
          events.unshift(ev);
          noteType(ev.type);
        }
        if (events.length > KEEP) events.length = KEEP;
        const moved = page.next_position > next;
        next = Math.max(next, page.next_position || next);
        if (!moved || page.items.length < 200) break;
      }
      render();
    } catch (err) {
      status.textContent = `Could not load events: ${err.message}`;
    } finally {
      fetching = false;
    }
  };

  try {
    const health = await get('/health', {auth: false});
    next = Math.max(1, health.log_position - FIRST + 1);
    await fetchNew();
  } catch (err) {
    clear(body).append(errorBox(err, () => eventsView(main, {query: params})));
    return undefined;
  }
  typeFilter.addEventListener('change', render);
  streamFilter.addEventListener('input', render);
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) fetchNew();
  });
  const pull = throttle(fetchNew, 250);
  const poll = setInterval(fetchNew, 5000);
  const close = followAllEvents(() => pull(), (state) => {
    status.textContent = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting… (polling meanwhile)';
  });
  return () => {
    clearInterval(poll);
    close();
  };
}

// #/admin/audit?stream=order-<id>&at_version=
export async function auditView(main, {query: params}) {
  const stream = params.get('stream') || '';
  const atVersion = params.get('at_version') || '';
  const message = h('div', {class: 'form-message', role: 'alert'});
  const streamInput = h('input', {id: 'au-stream', value: stream, required: true, placeholder: 'order-0193…', spellcheck: 'false'});
  const versionInput = h('input', {id: 'au-version', type: 'number', min: 1, value: atVersion, placeholder: 'latest', inputmode: 'numeric'});
  const form = h('form', {class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const s = streamInput.value.trim();
    if (!/^[a-z]+-[A-Za-z0-9-]+$/.test(s)) return formMessage(message, {message: 'A stream is named <aggregate>-<id>, like order-0193… or product-0193….'});
    const v = versionInput.value.trim();
    if (v && !(Number.isInteger(Number(v)) && Number(v) >= 1)) return formMessage(message, {message: 'The version is a whole number from 1.'});
    go('/admin/audit', {stream: s, at_version: v});
  }},
  h('div', {class: 'field grow'}, h('label', {for: 'au-stream'}, 'Stream'), streamInput),
  h('div', {class: 'field'}, h('label', {for: 'au-version'}, 'As of version'), versionInput),
  h('div', {class: 'field'}, h('span', {class: 'label-spacer', 'aria-hidden': 'true'}, ' '), h('button', {class: 'btn btn-primary', type: 'submit'}, 'Show')));
  const body = h('div', {});
  clear(main).append(heading('Audit'), adminTabs('/admin/audit'), form, message, body);
  if (!stream) {
    body.append(empty('Name a stream to see how it came to be: its state and every event, oldest first. Orders link here from the Orders tab.'));
    return;
  }
  body.append(loading(`Reading ${stream}…`));
  try {
    const a = await get(`/api/admin/streams/${encodeURIComponent(stream)}${query({at_version: atVersion})}`);
    clear(body).append(
      h('div', {class: 'audit-layout'},
        h('section', {class: 'card panel'}, h('h2', {}, `State at version ${a.version}`),
          h('p', {class: 'muted'}, `Log position ${a.position} · ${dateTime(a.time)}`),
          h('pre', {class: 'state-json'}, JSON.stringify(a.state, null, 2))),
        h('section', {class: 'card panel'}, h('h2', {}, `Events (${a.events.length})`),
          a.events.length ? h('ol', {class: 'timeline'}, a.events.map((ev) => h('li', {dataset: {type: ev.type}},
            h('div', {class: 'timeline-head'},
              h('span', {class: `event-type type-${ev.type.split('.')[0]}`}, ev.type),
              h('span', {class: 'muted'}, `v${ev.version} · #${ev.position} · ${dateTime(ev.time)}`),
              h('a', {href: `#/admin/audit${query({stream, at_version: ev.version})}`, 'aria-label': `State as of version ${ev.version}`}, 'state then')),
            h('pre', {}, JSON.stringify(ev.data, null, 2))))) : empty('No events.'))));
  } catch (err) {
    clear(body).append(errorBox(err));
  }
}
