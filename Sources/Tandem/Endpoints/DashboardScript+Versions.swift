extension DashboardScript {
    /// The document page's versions: the list, fetched from the documents REST API (`GET
    /// /api/v1/documents/{id}/versions`) only when the page opens or the snapshot's version count or newest id
    /// changes, and one version opened as the server's HTML rendering (`?format=html`). Part of ``source``.
    static let versions = #"""
          // Versions: the list is fetched from the documents REST API only when the document page opens or the
          // count or newest version changes; a version is rendered by the server (HTML) when the operator opens it.
          let versionsKey = null;
          let openedVersion = null;
          const documentPath = (id) => '/api/v1/documents/' + encodeURIComponent(id);
          async function fetchAuthorized(path) {
            const response = await fetch(path, { headers: { Authorization: 'Bearer ' + (sessionStorage.getItem(TOKEN_KEY) || '') }, cache: 'no-store' });
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            return response;
          }
          async function refreshVersions(route, marker) {
            const key = route + '\n' + marker;
            if (key === versionsKey) return;
            versionsKey = key;
            try {
              renderVersions(route, await (await fetchAuthorized(documentPath(route) + '/versions')).json());
            } catch (error) {
              $('#versions tbody').replaceChildren(el('tr', {}, el('td', { class: 'empty', colspan: 6, text: `versions unavailable (${error.message})` })));
            }
          }
          function renderVersions(route, versions) {
            $('#versions-info').textContent = `${versions.length}`;
            const rows = versions.slice().reverse().map((v) => {
              const open = el('button', { type: 'button', class: 'open', text: 'open' });
              open.addEventListener('click', () => openVersion(route, v));
              return el('tr', { dataset: { id: v.id }, class: v.id === openedVersion ? 'selected' : '' },
                el('td', { text: new Date(v.created_at).toLocaleString() }), el('td', { class: 'kind', text: v.kind }),
                el('td', { class: 'name', text: v.name || '' }), el('td', { text: v.author }),
                el('td', { text: bytes(v.size) }), el('td', {}, open));
            });
            if (rows.length === 0) rows.push(el('tr', {}, el('td', { class: 'empty', colspan: 6, text: 'no versions yet' })));
            $('#versions tbody').replaceChildren(...rows);
          }
          async function openVersion(route, version) {
            openedVersion = version.id;
            for (const row of document.querySelectorAll('#versions tbody tr')) row.classList.toggle('selected', row.dataset.id === version.id);
            $('#version-title').textContent = `version ${version.id} · ${version.kind}${version.name ? ' · ' + version.name : ''} · ${version.author}`;
            const view = $('#version-note');
            view.replaceChildren(el('p', { class: 'empty', text: 'loading…' }));
            $('#version-view').hidden = false;
            try {
              const html = await (await fetchAuthorized(`${documentPath(route)}/versions/${encodeURIComponent(version.id)}?format=html`)).text();
              if (openedVersion !== version.id) return;
              if (html === '') view.replaceChildren(el('p', { class: 'empty', text: 'empty note' }));
              else view.innerHTML = html; // rendered and escaped by the server's NoteRenderer; the CSP blocks scripts
            } catch (error) {
              view.replaceChildren(el('p', { class: 'empty', text: `could not open the version (${error.message})` }));
            }
          }
          function resetVersions() {
            versionsKey = null;
            openedVersion = null;
            $('#version-view').hidden = true;
            $('#versions tbody').replaceChildren();
            $('#versions-info').textContent = '';
          }
        """#
}
