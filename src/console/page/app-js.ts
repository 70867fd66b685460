/**
 * The console page's script (served as /app.js): plain browser JavaScript, no framework, no build
 * step. Hash routes: #/ fleet, #/t/<tenant> messages, #/t/<tenant>/m/<id> detail, #/dead-letters.
 * Data is written with textContent only. Actions POST with the session's CSRF token.
 */
export const APP_JS = String.raw`'use strict';
(function () {
  var csrf = null, readOnly = false, view = document.getElementById('view');
  var fleetState = { q: '', state: '', sort: 'id', order: 'asc', offset: 0, limit: 50 };

  function h(tag, attrs) {
    var el = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') el.textContent = attrs[k];
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) el.setAttribute(k, attrs[k]);
    }
    var add = function (c) {
      if (c === null || c === undefined) return;
      if (Array.isArray(c)) return c.forEach(add);
      el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    };
    for (var i = 2; i < arguments.length; i++) add(arguments[i]);
    return el;
  }
  function toast(text) {
    var t = document.getElementById('toast');
    t.textContent = text; t.style.display = 'block';
    clearTimeout(toast.timer); toast.timer = setTimeout(function () { t.style.display = 'none'; }, 4000);
  }
  function api(path, body) {
    var init = { credentials: 'same-origin', headers: {} };
    if (body !== undefined) { init.method = 'POST'; init.headers['Content-Type'] = 'application/json'; init.headers['X-CSRF-Token'] = csrf; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (r) {
      if (r.status === 401) { location.reload(); throw new Error('signed out'); }
      return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status)); return j; });
    });
  }
  function enc(s) { return encodeURIComponent(s); }
  function ago(iso) {
    if (!iso) return '';
    var s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    return s < 0 ? 'in ' + fmtAge(-s) : fmtAge(s) + ' ago';
  }
  function fmtAge(s) { return s === null || s === undefined ? '' : s < 120 ? s + 's' : s < 7200 ? Math.round(s / 60) + 'm' : Math.round(s / 3600) + 'h'; }
  function num(v) { return h('td', { class: 'num', text: v === null || v === undefined ? '–' : String(v) }); }
  function act(label, fn, danger) { return readOnly ? null : h('button', { type: 'button', class: danger ? 'danger' : null, onclick: fn, text: label }); }
  function fail(e) { toast(e.message); }

  // ----- fleet -----
  function fleet() {
    var p = fleetState;
    var qs = '?q=' + enc(p.q) + '&state=' + enc(p.state) + '&sort=' + p.sort + '&order=' + p.order + '&offset=' + p.offset + '&limit=' + p.limit;
    return api('/api/tenants' + qs).then(function (data) {
      if (route().name !== 'fleet') return;
      var filter = h('input', { id: 'fleet-filter', placeholder: 'filter tenants', value: p.q, oninput: function () { p.q = this.value; p.offset = 0; debounce(fleet); } });
      var state = h('select', { id: 'fleet-state', onchange: function () { p.state = this.value; p.offset = 0; fleet(); } },
        h('option', { value: '', text: 'any state' }), h('option', { value: 'up', text: 'up' }), h('option', { value: 'down', text: 'down' }),
        h('option', { value: 'draining', text: 'draining' }), h('option', { value: 'starting', text: 'starting' }));
      state.value = p.state;
      function col(label, key, cls) {
        return h('th', { class: 'sortable ' + (cls || ''), onclick: function () { p.order = p.sort === key && p.order === 'asc' ? 'desc' : 'asc'; p.sort = key; fleet(); },
          text: label + (p.sort === key ? (p.order === 'asc' ? ' ▲' : ' ▼') : '') });
      }
      var rows = data.tenants.map(function (t) {
        var c = t.counts || {};
        return h('tr', { 'data-tenant': t.id },
          h('td', null, h('a', { href: '#/t/' + enc(t.id), text: t.id })),
          h('td', { text: t.store }),
          h('td', { class: 'state-' + t.state, title: t.error || '', text: t.state }),
          h('td', { class: 'paused', text: t.paused === null ? '?' : t.paused ? 'paused' : t.pausedTypes.length ? 'types: ' + t.pausedTypes.join(', ') : 'no' }),
          num(c.Pending), num(c.Processing), num(c.Failed), num(c.DeadLetter),
          h('td', { class: 'num', text: fmtAge(t.oldestDueAgeSeconds) }),
          num(t.rates.backlogChangePerMinute), num(t.inflight),
          h('td', null,
            act('Pause', function () { pause(t.id, 'pause'); }),
            act('Resume', function () { pause(t.id, 'resume'); })));
      });
      var tot = data.totals;
      var pageEnd = Math.min(data.offset + data.limit, data.total);
      render(h('section', { id: 'fleet' },
        h('h2', { text: 'Fleet' }),
        h('p', { class: 'totals' },
          h('span', { text: tot.tenants + ' tenants' }), h('span', { class: tot.down ? 'state-down' : '', text: tot.down + ' down' }),
          h('span', { text: tot.Pending + ' pending' }), h('span', { text: tot.Processing + ' processing' }),
          h('span', { text: tot.Failed + ' failed' }), h('span', { text: tot.DeadLetter + ' dead letters' }),
          h('span', { class: 'muted', text: 'refreshed ' + ago(data.at) })),
        h('div', { class: 'toolbar' }, filter, state,
          h('button', { type: 'button', disabled: p.offset === 0 ? 'disabled' : null, onclick: function () { p.offset = Math.max(0, p.offset - p.limit); fleet(); }, text: '‹ Prev' }),
          h('span', { text: (data.total ? data.offset + 1 : 0) + '–' + pageEnd + ' of ' + data.total }),
          h('button', { type: 'button', disabled: pageEnd >= data.total ? 'disabled' : null, onclick: function () { p.offset += p.limit; fleet(); }, text: 'Next ›' })),
        h('table', null, h('thead', null, h('tr', null, col('Tenant', 'id'), h('th', { text: 'Store' }), col('State', 'state'), h('th', { text: 'Paused' }),
          col('Pending', 'pending', 'num'), col('Processing', 'processing', 'num'), col('Failed', 'failed', 'num'), col('Dead', 'deadLetter', 'num'),
          col('Oldest due', 'oldestDue', 'num'), h('th', { class: 'num', text: 'Backlog Δ/min' }), h('th', { class: 'num', text: 'Running' }), h('th', { text: '' }))),
          h('tbody', null, rows))));
      var f = document.getElementById('fleet-filter');
      if (f && p.q) { f.focus(); f.setSelectionRange(p.q.length, p.q.length); }
    });
  }
  function pause(tenant, action) {
    api('/api/tenants/' + enc(tenant) + '/' + action, {}).then(function () { toast(tenant + ': ' + action + 'd'); setTimeout(show, 300); }, fail);
  }

  // ----- a tenant's messages -----
  function messages(tenant, params, cursors) {
    var qs = new URLSearchParams(params);
    return api('/api/tenants/' + enc(tenant) + '/messages?' + qs.toString()).then(function (data) {
      var status = h('select', { id: 'msg-status' }, h('option', { value: '', text: 'any status' }),
        h('option', { text: 'Pending' }), h('option', { text: 'Processing' }), h('option', { text: 'Failed' }), h('option', { text: 'DeadLetter' }), h('option', { text: 'Completed' }));
      status.value = params.status || '';
      var type = h('input', { id: 'msg-type', placeholder: 'message type', value: params.type || '' });
      var q = h('input', { id: 'msg-q', placeholder: 'message id, correlation id or dedupe key', size: 38, value: params.q || '' });
      function search() { messages(tenant, { status: status.value, type: type.value, q: q.value, limit: params.limit || 50 }, []); }
      var rows = data.messages.map(function (m) {
        var actionable = m.status === 'DeadLetter' || m.status === 'Failed' || m.status === 'Pending';
        return h('tr', { 'data-id': m.id },
          h('td', null, h('a', { href: '#/t/' + enc(tenant) + '/m/' + m.id, text: m.id })),
          h('td', { text: m.messageType }), h('td', { class: 'status status-' + m.status, text: m.status }), num(m.processingAttempts),
          h('td', { text: ago(m.scheduledTime) }), h('td', { text: ago(m.lastAttemptTime) }), h('td', { class: 'error', text: m.errorMessage || '' }),
          h('td', null, actionable ? act('Requeue', function () { one(tenant, m.id, 'requeue', search); }) : null,
            actionable ? act('Delete', function () { one(tenant, m.id, 'delete', search); }, true) : null));
      });
      render(h('section', { id: 'messages' },
        h('h2', null, 'Tenant ', h('span', { id: 'tenant-name', text: tenant })),
        h('div', { class: 'toolbar' }, status, type, q, h('button', { type: 'button', id: 'msg-search', onclick: search, text: 'Search' }),
          h('button', { type: 'button', disabled: cursors.length ? null : 'disabled', onclick: function () { var prev = cursors.slice(0, -1); messages(tenant, Object.assign({}, params, { cursor: prev[prev.length - 1] || '' }), prev); }, text: '‹ Newer' }),
          h('button', { type: 'button', id: 'msg-older', disabled: data.nextCursor ? null : 'disabled', onclick: function () { messages(tenant, Object.assign({}, params, { cursor: data.nextCursor }), cursors.concat([data.nextCursor])); }, text: 'Older ›' }),
          act('Pause tenant', function () { pause(tenant, 'pause'); }), act('Resume tenant', function () { pause(tenant, 'resume'); })),
        h('table', null, h('thead', null, h('tr', null, h('th', { text: 'Id' }), h('th', { text: 'Type' }), h('th', { text: 'Status' }), h('th', { class: 'num', text: 'Attempts' }),
          h('th', { text: 'Scheduled' }), h('th', { text: 'Last attempt' }), h('th', { text: 'Error' }), h('th', { text: '' }))), h('tbody', null, rows)),
        data.messages.length ? null : h('p', { class: 'muted', text: 'No messages match.' })));
    });
  }
  function one(tenant, id, action, after) {
    if (action === 'delete' && !confirm('Delete message ' + id + '?')) return;
    api('/api/tenants/' + enc(tenant) + '/messages/' + id + '/' + action, {}).then(function () { toast(id + ': ' + action + 'd'); after(); }, fail);
  }

  // ----- one message -----
  function detail(tenant, id) {
    return api('/api/tenants/' + enc(tenant) + '/messages/' + id).then(function (data) {
      var m = data.message, dl = h('dl', { id: 'message-fields' });
      ['id', 'tenantId', 'messageType', 'status', 'processingAttempts', 'scheduledTime', 'dequeueTime', 'lastAttemptTime', 'correlationId', 'createdAt', 'errorMessage'].forEach(function (k) {
        dl.appendChild(h('dt', { text: k })); dl.appendChild(h('dd', { class: k === 'status' ? 'status-' + m.status : null, 'data-field': k, text: m[k] === null ? '–' : String(m[k]) }));
      });
      var payload = m.payload;
      try { payload = JSON.stringify(JSON.parse(m.payload), null, 2); } catch (e) { /* shown as stored */ }
      var history = data.errors === null ? h('p', { class: 'muted', text: data.note || 'no error history' })
        : h('table', null, h('thead', null, h('tr', null, h('th', { text: 'Attempt' }), h('th', { text: 'At' }), h('th', { text: 'Error' }))),
          h('tbody', null, data.errors.map(function (e) { return h('tr', null, num(e.attempt), h('td', { text: e.at }), h('td', { class: 'error', text: e.error })); })));
      var actionable = m.status === 'DeadLetter' || m.status === 'Failed' || m.status === 'Pending';
      function again() { detail(tenant, id); }
      render(h('section', { id: 'detail' },
        h('h2', null, h('a', { href: '#/t/' + enc(tenant), text: tenant }), ' / ', m.id),
        h('div', { class: 'toolbar' }, actionable ? act('Requeue', function () { one(tenant, id, 'requeue', again); }) : null,
          actionable ? act('Delete', function () { one(tenant, id, 'delete', function () { location.hash = '#/t/' + enc(tenant); }); }, true) : null,
          h('button', { type: 'button', onclick: again, text: 'Reload' })),
        dl, h('h3', { text: 'Payload' }), h('pre', { id: 'payload', text: payload }), h('h3', { text: 'Error history' }), history));
    });
  }

  // ----- dead letters across tenants -----
  function deadLetters(params) {
    var qs = new URLSearchParams(params);
    return api('/api/dead-letters?' + qs.toString()).then(function (data) {
      var tenant = h('input', { id: 'dl-tenant', placeholder: 'tenant (all)', value: params.tenant || '' });
      var type = h('input', { id: 'dl-type', placeholder: 'message type', value: params.type || '' });
      var error = h('input', { id: 'dl-error', placeholder: 'error text contains', value: params.error || '' });
      function current() { return { tenant: tenant.value, type: type.value, error: error.value }; }
      function search() { deadLetters(current()); }
      function bulk(action) {
        var f = current(), body = {};
        if (f.tenant) body.tenants = [f.tenant];
        if (f.type) body.type = f.type;
        if (f.error) body.error = f.error;
        if (action === 'delete' && !confirm('Delete every matching dead letter?')) return;
        api('/api/dead-letters/' + action, body).then(function (r) { toast(action + 'd ' + r.count + ' dead letter(s)'); search(); }, fail);
      }
      function selected(action) {
        var boxes = [].slice.call(document.querySelectorAll('input.pick:checked'));
        if (!boxes.length) return toast('select dead letters first');
        if (action === 'delete' && !confirm('Delete ' + boxes.length + ' dead letter(s)?')) return;
        Promise.all(boxes.map(function (b) { return api('/api/tenants/' + enc(b.dataset.tenant) + '/messages/' + b.dataset.id + '/' + action, {}); }))
          .then(function () { toast(action + 'd ' + boxes.length); search(); }, fail);
      }
      var rows = data.deadLetters.map(function (m) {
        return h('tr', { 'data-id': m.id },
          h('td', null, readOnly ? null : h('input', { type: 'checkbox', class: 'pick', 'data-tenant': m.tenantId, 'data-id': m.id })),
          h('td', null, h('a', { href: '#/t/' + enc(m.tenantId), text: m.tenantId })),
          h('td', null, h('a', { href: '#/t/' + enc(m.tenantId) + '/m/' + m.id, text: m.id })),
          h('td', { text: m.messageType }), num(m.processingAttempts), h('td', { text: ago(m.lastAttemptTime) }), h('td', { class: 'error', text: m.errorMessage || '' }));
      });
      render(h('section', { id: 'dead-letters' },
        h('h2', { text: 'Dead letters' }),
        h('div', { class: 'toolbar' }, tenant, type, error, h('button', { type: 'button', id: 'dl-search', onclick: search, text: 'Search' }),
          act('Requeue selected', function () { selected('requeue'); }), act('Delete selected', function () { selected('delete'); }, true),
          act('Requeue all matching', function () { bulk('requeue'); }), act('Delete all matching', function () { bulk('delete'); }, true)),
        data.errors.length ? h('p', { class: 'error', text: 'unreachable: ' + data.errors.map(function (e) { return e.tenant; }).join(', ') }) : null,
        h('table', null, h('thead', null, h('tr', null, h('th', { text: '' }), h('th', { text: 'Tenant' }), h('th', { text: 'Id' }), h('th', { text: 'Type' }),
          h('th', { class: 'num', text: 'Attempts' }), h('th', { text: 'Last attempt' }), h('th', { text: 'Error' }))), h('tbody', null, rows)),
        data.deadLetters.length ? null : h('p', { class: 'muted', text: 'No dead letters match.' })));
    });
  }

  // ----- routing, live updates -----
  function render(node) { view.replaceChildren(node); }
  var debounceTimer;
  function debounce(fn) { clearTimeout(debounceTimer); debounceTimer = setTimeout(fn, 250); }
  function route() {
    var parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    if (parts[0] === 't' && parts[1] && parts[2] === 'm' && parts[3]) return { name: 'detail', tenant: parts[1], id: parts[3] };
    if (parts[0] === 't' && parts[1]) return { name: 'messages', tenant: parts[1] };
    if (parts[0] === 'dead-letters') return { name: 'dead-letters' };
    return { name: 'fleet' };
  }
  function show() {
    var r = route(), p;
    if (r.name === 'detail') p = detail(r.tenant, r.id);
    else if (r.name === 'messages') p = messages(r.tenant, { limit: 50 }, []);
    else if (r.name === 'dead-letters') p = deadLetters({});
    else p = fleet();
    p.catch(function (e) { render(h('p', { class: 'error', text: e.message })); });
  }
  window.addEventListener('hashchange', show);
  api('/api/session').then(function (s) {
    csrf = s.csrf; readOnly = s.readOnly;
    document.getElementById('logout-csrf').value = csrf;
    if (readOnly) document.getElementById('mode').textContent = 'read-only';
    show();
    var live = document.getElementById('live');
    var events = new EventSource('/api/events');
    events.addEventListener('fleet', function (e) {
      var d = JSON.parse(e.data);
      live.textContent = 'live · ' + d.tenants + ' tenants · ' + d.down + ' down · ' + new Date(d.at).toLocaleTimeString();
      if (route().name === 'fleet' && document.activeElement && document.activeElement.id !== 'fleet-filter') fleet().catch(fail);
    });
    events.onerror = function () { live.textContent = 'reconnecting…'; };
  }, fail);
})();
`;
