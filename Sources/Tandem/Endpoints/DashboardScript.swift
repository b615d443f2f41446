/// The dashboard's JavaScript (served as `/dashboard/app.js`): token handling, polling while visible, tables, SVG
/// charts drawn from the counters it polls, and the document page. Every value from the server is written with
/// `textContent`, except the note HTML rendered (and escaped) by the server's NoteRenderer.
enum DashboardScript {
    /// The script; chart samples (the last 300 polls) are kept by the page, none by the server.
    static let source = #"""
        'use strict';
        (() => {
          const TOKEN_KEY = 'tandem.adminToken';
          const POLL_MS = 1000;
          const HISTORY = 300;
          const params = new URLSearchParams(location.search);
          if (params.has('token')) {
            sessionStorage.setItem(TOKEN_KEY, params.get('token'));
            params.delete('token');
            const query = params.toString();
            history.replaceState(null, '', location.pathname + (query ? '?' + query : '') + location.hash);
          }
          const $ = (selector) => document.querySelector(selector);
          function el(tag, props, ...children) {
            const node = document.createElement(tag);
            for (const [key, value] of Object.entries(props || {})) {
              if (key === 'text') node.textContent = value;
              else if (key === 'class') node.className = value;
              else if (key === 'dataset') Object.assign(node.dataset, value);
              else node.setAttribute(key, value);
            }
            for (const child of children) node.append(child);
            return node;
          }
          function svg(tag, attrs) {
            const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
            for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
            return node;
          }
          const bytes = (n) => n < 1024 ? `${Math.round(n)} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
          const num = (n) => n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
          const ago = (s) => s == null ? 'not yet' : s < 60 ? `${s.toFixed(0)} s ago` : s < 3600 ? `${(s / 60).toFixed(0)} min ago` : `${(s / 3600).toFixed(1)} h ago`;
          const duration = (s) => s < 3600 ? `${Math.floor(s / 60)} min` : s < 86400 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86400).toFixed(1)} d`;
          const safeColor = (c) => typeof c === 'string' && /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9.,%\s]{5,40}\)|hsla?\([0-9.,%\sdeg]{5,40}\))$/.test(c) ? c : '#999';

          async function api(path) {
            const response = await fetch(path, { headers: { Authorization: 'Bearer ' + (sessionStorage.getItem(TOKEN_KEY) || '') }, cache: 'no-store' });
            if (response.status === 401 || response.status === 403) { const e = new Error('token refused'); e.auth = true; throw e; }
            if (!response.ok) { const e = new Error(`HTTP ${response.status}`); e.status = response.status; throw e; }
            return response.json();
          }
          function setStatus(text, kind) { const s = $('#status'); s.textContent = text; s.className = 'status ' + (kind || ''); }
          function show(id) { for (const section of ['login', 'overview', 'document']) $('#' + section).hidden = section !== id; }
          function cards(container, items) {
            container.replaceChildren(...items.map(([label, value, cls]) =>
              el('div', { class: 'card' }, el('div', { class: 'label', text: label }), el('div', { class: 'value ' + (cls || ''), text: String(value) }))));
          }

          // Charts: one sample per poll, derived from the counters; the last HISTORY samples are drawn.
          const samples = [];
          let previous = null;
          const CHARTS = [
            { title: 'document updates/s', series: [['updates', '#3b6ef5']] },
            { title: 'WebSocket messages/s', series: [['in', '#3b6ef5'], ['out', '#16a34a']] },
            { title: 'bytes/s', series: [['bytes in', '#3b6ef5'], ['bytes out', '#16a34a']], format: bytes },
            { title: 'HTTP requests/s', series: [['requests', '#9333ea']] },
            { title: 'HTTP latency (mean ms)', series: [['latency', '#c2410c']] },
            { title: 'open connections', series: [['connections', '#0891b2'], ['websockets', '#65a30d']], format: (n) => String(Math.round(n)) },
            { title: 'relay ms', series: [['relay p50', '#3b6ef5'], ['relay p99', '#c2410c']] },
            { title: 'join · save ms', series: [['join p99', '#9333ea'], ['save p99', '#0891b2']] },
          ];
          // Latency quantiles from the histograms' cumulative buckets: the difference between now and a minute of
          // polls ago, interpolated inside the bucket as Prometheus' histogram_quantile does.
          const LATENCY_WINDOW = 60;
          const latencyHistory = [];
          function quantile(q, now, before) {
            if (!now) return 0;
            const counts = now.counts.map((n, i) => n - (before ? before.counts[i] || 0 : 0));
            const total = counts[counts.length - 1];
            if (!(total > 0)) return 0;
            const rank = q * total;
            for (let i = 0; i < counts.length; i++) {
              if (counts[i] < rank) continue;
              if (i >= now.bounds.length) return 1000 * now.bounds[now.bounds.length - 1];
              const lower = i === 0 ? 0 : now.bounds[i - 1], below = i === 0 ? 0 : counts[i - 1];
              const inside = counts[i] - below;
              return 1000 * (lower + (now.bounds[i] - lower) * (inside > 0 ? (rank - below) / inside : 1));
            }
            return 0;
          }
          function rate(now, before, key, dt) { return Math.max(0, ((now[key] || 0) - (before[key] || 0)) / dt); }
          function sample(data) {
            const c = data.counters, t = data.server.time;
            if (previous && t > previous.t) {
              const p = previous.c, dt = t - previous.t;
              const requests = (c.http_request_duration_count || 0) - (p.http_request_duration_count || 0);
              const seconds = (c.http_request_duration_sum_seconds || 0) - (p.http_request_duration_sum_seconds || 0);
              samples.push({
                'updates': rate(c, p, 'document_updates_applied', dt),
                'in': rate(c, p, 'websocket_messages_received', dt), 'out': rate(c, p, 'websocket_messages_sent', dt),
                'bytes in': rate(c, p, 'bytes_received', dt), 'bytes out': rate(c, p, 'bytes_sent', dt),
                'requests': rate(c, p, 'http_requests', dt),
                'latency': requests > 0 ? 1000 * seconds / requests : 0,
                'connections': c.connections_open || 0, 'websockets': c.websockets_open || 0,
              });
              const l = data.latencies || {}, old = latencyHistory[0] || {};
              Object.assign(samples[samples.length - 1], {
                'relay p50': quantile(0.5, l.relay, old.relay), 'relay p99': quantile(0.99, l.relay, old.relay),
                'join p99': quantile(0.99, l.join, old.join), 'save p99': quantile(0.99, l.save, old.save),
              });
              if (samples.length > HISTORY) samples.shift();
            }
            previous = { c, t };
            if (data.latencies) {
              latencyHistory.push(data.latencies);
              if (latencyHistory.length > LATENCY_WINDOW) latencyHistory.shift();
            }
          }
          function drawCharts() {
            const container = $('#charts');
            if (container.children.length !== CHARTS.length) {
              container.replaceChildren(...CHARTS.map(() => el('div', { class: 'chart' })));
            }
            CHARTS.forEach((chart, index) => {
              const w = 300, h = 90, span = Math.max(60, samples.length);
              const max = Math.max(1e-9, ...samples.flatMap((s) => chart.series.map(([key]) => s[key])));
              const last = samples[samples.length - 1] || {};
              const format = chart.format || num;
              const legend = el('span', { class: 'legend' }, ...chart.series.map(([key, color]) =>
                el('span', {}, el('i', { style: `background:${color}` }), `${key} ${format(last[key] || 0)}`)));
              const picture = svg('svg', { viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: 'none' });
              picture.append(svg('line', { x1: 0, y1: h - 0.5, x2: w, y2: h - 0.5, stroke: '#dde1e8' }));
              for (const [key, color] of chart.series) {
                const points = samples.map((s, i) => `${(w * (span - samples.length + i) / (span - 1)).toFixed(1)},${(h - 2 - (h - 6) * s[key] / max).toFixed(1)}`);
                if (points.length > 1) picture.append(svg('polyline', { points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke' }));
              }
              const title = el('div', { class: 'title' }, el('span', { text: `${chart.title} · max ${format(max < 1e-6 ? 0 : max)}` }), legend);
              container.children[index].replaceChildren(title, picture);
            });
          }

          const documentRates = new Map();
          function updatesPerSecond(doc, t) {
            const before = documentRates.get(doc.id);
            documentRates.set(doc.id, { n: doc.updates_applied, t, rate: before ? before.rate : 0 });
            if (!before || t <= before.t) return 0;
            const value = Math.max(0, (doc.updates_applied - before.n) / (t - before.t));
            documentRates.get(doc.id).rate = value;
            return value;
          }
          function renderOverview(data) {
            const s = data.server, c = data.counters;
            $('#server-info').textContent = `version ${s.version} · up ${duration(s.uptime_seconds)}`;
            cards($('#cards'), [
              ['connections', c.connections_open ?? '–'], ['WebSockets', c.websockets_open ?? '–'],
              ['Socket.IO sessions', s.socketio_sessions], ['live documents', s.documents_loaded],
              ['document members', s.document_members], ['updates applied', c.document_updates_applied],
              ['updates refused', c.document_updates_rejected], ['saves', c.document_saves],
              ['failed saves', c.document_save_failures, c.document_save_failures > 0 ? 'unsaved' : ''],
            ]);
            sample(data);
            drawCharts();
            const rows = data.documents.map((doc) => el('tr', { dataset: { id: doc.id } },
              el('td', {}, el('a', { href: '#/doc/' + encodeURIComponent(doc.id), text: doc.id })),
              el('td', { class: 'members', text: String(doc.members) }),
              el('td', { text: String(doc.members_by_protocol.socketio) }),
              el('td', { text: String(doc.members_by_protocol['y-websocket']) }),
              el('td', { text: bytes(doc.state_bytes) }),
              el('td', { text: `${doc.log_records} · ${bytes(doc.log_bytes)}` }),
              el('td', { text: num(updatesPerSecond(doc, s.time)) }),
              el('td', { text: ago(doc.seconds_since_save) }),
              el('td', { class: doc.unsaved_changes ? 'unsaved' : '', text: doc.unsaved_changes ? 'yes' : 'no' })));
            if (rows.length === 0) rows.push(el('tr', {}, el('td', { class: 'empty', colspan: 9, text: 'no document is open' })));
            $('#documents tbody').replaceChildren(...rows);
            $('#documents-total').textContent = `${data.documents_total} loaded` + (data.documents_total > data.documents.length ? `, ${data.documents.length} listed` : '');
            const channels = data.channels.map((ch) => el('tr', {}, el('td', { text: ch.name }), el('td', { text: String(ch.members) }), el('td', { text: String(ch.messages) })));
            if (channels.length === 0) channels.push(el('tr', {}, el('td', { class: 'empty', colspan: 3, text: data.channels_configured ? 'no channels' : 'channels need a data directory' })));
            $('#channels tbody').replaceChildren(...channels);
            $('#channels-total').textContent = `${data.channels_total}`;
            $('#cluster').textContent = `Redis: ${data.cluster.redis}` + (data.cluster.host_id ? ` · this host: ${data.cluster.host_id}` : ' · single node');
          }

        """# + "\n" + versions + "\n" + #"""
          let lastHTML = null;
          function renderDocument(doc, now) {
            $('#doc-title').textContent = doc.id;
            cards($('#doc-cards'), [
              ['members', doc.members], ['Socket.IO', doc.members_by_protocol.socketio], ['y-websocket', doc.members_by_protocol['y-websocket']],
              ['state', bytes(doc.state_bytes)], ['log', `${doc.log_records} · ${bytes(doc.log_bytes)}`],
              ['updates applied', doc.updates_applied], ['last save', ago(doc.seconds_since_save)],
              ['unsaved changes', doc.unsaved_changes ? 'yes' : 'no', doc.unsaved_changes ? 'unsaved' : ''],
            ]);
            const html = doc.html;
            if (html !== lastHTML) {
              lastHTML = html;
              const note = $('#note');
              if (html == null) note.replaceChildren(el('p', { class: 'empty', text: 'this document has no note (no ProseMirror fragment)' }));
              else note.innerHTML = html; // rendered and escaped by the server's NoteRenderer; the CSP blocks scripts
            }
            $('#note-info').textContent = doc.html_truncated ? 'cut at the size limit' : 'rendered by the server';
            const members = doc.member_list.map((m) => el('li', { dataset: { peer: m.peer } },
              el('span', { class: 'swatch', style: `background:${safeColor(m.color)}` }),
              el('span', { class: 'name', text: m.name || m.user_name || m.user_id }),
              el('span', { class: 'meta', text: `${m.user_id} · ${m.protocol}${m.can_write ? '' : ' · read-only'}` })));
            if (members.length === 0) members.push(el('li', { class: 'empty', text: 'no members' }));
            if (doc.members > doc.member_list.length) members.push(el('li', { class: 'empty', text: `… and ${doc.members - doc.member_list.length} more` }));
            $('#members').replaceChildren(...members);
            const updates = doc.recent_updates.map((u) => el('tr', {},
              el('td', { text: new Date((now - u.seconds_ago) * 1000).toLocaleTimeString() }),
              el('td', { text: bytes(u.bytes) }), el('td', { text: u.user_name || u.user_id || 'server' }), el('td', { text: u.protocol })));
            if (updates.length === 0) updates.push(el('tr', {}, el('td', { class: 'empty', colspan: 4, text: 'no updates since the document loaded' })));
            $('#updates tbody').replaceChildren(...updates);
          }

          let timer = null;
          async function poll() {
            timer = null;
            if (document.hidden) return;
            if (!sessionStorage.getItem(TOKEN_KEY)) { show('login'); setStatus('no token', 'error'); return; }
            const route = location.hash.startsWith('#/doc/') ? decodeURIComponent(location.hash.slice(6)) : null;
            try {
              if (route == null) {
                renderOverview(await api('/api/v1/admin/overview'));
                show('overview');
              } else {
                try {
                  const doc = await api('/api/v1/admin/documents/' + encodeURIComponent(route));
                  renderDocument(doc, Date.now() / 1000);
                  refreshVersions(route, `${doc.versions.count}:${doc.versions.latest}`);
                } catch (error) {
                  if (error.status !== 404) throw error;
                  refreshVersions(route, 'not loaded');
                  $('#doc-title').textContent = route;
                  $('#note').replaceChildren(el('p', { class: 'empty', text: 'not loaded: nobody has this document open' }));
                  $('#members').replaceChildren();
                  $('#doc-cards').replaceChildren();
                  lastHTML = null;
                }
                show('document');
              }
              setStatus('live', 'ok');
            } catch (error) {
              if (error.auth) { sessionStorage.removeItem(TOKEN_KEY); show('login'); setStatus('token refused', 'error'); return; }
              setStatus('disconnected', 'error');
            }
            schedule();
          }
          function schedule() { if (timer == null && !document.hidden) timer = setTimeout(poll, POLL_MS); }
          function now() { if (timer != null) { clearTimeout(timer); timer = null; } poll(); }
          document.addEventListener('visibilitychange', () => { if (!document.hidden) now(); });
          window.addEventListener('hashchange', () => { lastHTML = null; resetVersions(); now(); });
          $('#version-close').addEventListener('click', () => {
            openedVersion = null;
            $('#version-view').hidden = true;
            for (const row of document.querySelectorAll('#versions tbody tr.selected')) row.classList.remove('selected');
          });
          $('#login-form').addEventListener('submit', (event) => {
            event.preventDefault();
            const value = $('#token-input').value.trim();
            if (value) { sessionStorage.setItem(TOKEN_KEY, value); $('#token-input').value = ''; now(); }
          });
          now();
        })();
        """#
}
