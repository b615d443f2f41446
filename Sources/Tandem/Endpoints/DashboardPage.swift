import Wire

/// The admin dashboard at `/`: one page of our own HTML, CSS and JavaScript, compiled into the binary (no external
/// assets), that polls ``AdminAPI`` once a second while it is open and visible.
///
/// The page itself holds no data and is served without a token; it reads an admin token once from `?token=`,
/// keeps it in `sessionStorage` (removing it from the address bar and history) and sends it as
/// `Authorization: Bearer` on every API call. A strict Content-Security-Policy allows only the page's own script
/// and same-origin requests, so the rendered note it shows (already escaped by NoteRenderer) cannot run scripts or
/// load remote images. See Docs/operations.md, "Dashboard".
public enum DashboardPage {
    /// Adds `/`, `/dashboard/app.js` and `/dashboard/app.css` to `router` (unless `/` is taken).
    public static func install(on router: inout Router) {
        guard !router.hasHTTPRoute(.get, "/") else { return }
        router.get("/") { _ in page(html, contentType: "text/html; charset=utf-8") }
        router.get("/dashboard/app.js") { _ in page(DashboardScript.source, contentType: "text/javascript; charset=utf-8") }
        router.get("/dashboard/app.css") { _ in page(css, contentType: "text/css; charset=utf-8") }
    }

    static func page(_ body: String, contentType: String) -> HTTPResponse {
        var response = HTTPResponse(status: .ok, contentType: contentType, body: body)
        response.headers.set(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
                + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        response.headers.set("Referrer-Policy", "no-referrer")
        response.headers.set("X-Content-Type-Options", "nosniff")
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Tandem dashboard</title>
        <link rel="stylesheet" href="/dashboard/app.css">
        </head>
        <body>
        <header>
          <a href="#/" class="brand">Tandem</a>
          <span id="server-info"></span>
          <span id="status" class="status">connecting…</span>
        </header>
        <main>
          <section id="login" hidden>
            <h1>Admin token required</h1>
            <p>Open this page with <code>?token=…</code> (an admin token from <code>tandem token --role admin</code>),
              or paste one here. It is kept for this tab only.</p>
            <form id="login-form"><input id="token-input" type="password" autocomplete="off" placeholder="eyJ…">
              <button type="submit">Open</button></form>
          </section>
          <section id="overview" hidden>
            <div id="cards" class="cards"></div>
            <div id="charts" class="charts"></div>
            <h2>Live documents <small id="documents-total"></small></h2>
            <table id="documents"><thead><tr><th>document</th><th>members</th><th>Socket.IO</th><th>y-websocket</th>
              <th>size</th><th>log</th><th>updates/s</th><th>last save</th><th>unsaved</th></tr></thead>
              <tbody></tbody></table>
            <h2>Channels <small id="channels-total"></small></h2>
            <table id="channels"><thead><tr><th>channel</th><th>members</th><th>messages</th></tr></thead>
              <tbody></tbody></table>
            <h2>Cluster</h2>
            <p id="cluster"></p>
          </section>
          <section id="document" hidden>
            <p><a href="#/">← all documents</a></p>
            <h1 id="doc-title"></h1>
            <div id="doc-cards" class="cards"></div>
            <div class="split">
              <div><h2>Note <small id="note-info"></small></h2><div id="note" class="note"></div></div>
              <div>
                <h2>Members</h2><ul id="members" class="members"></ul>
                <h2>Recent updates</h2>
                <table id="updates"><thead><tr><th>time</th><th>size</th><th>author</th><th>protocol</th></tr></thead>
                  <tbody></tbody></table>
              </div>
            </div>
            <h2>Versions <small id="versions-info"></small></h2>
            <table id="versions"><thead><tr><th>time</th><th>kind</th><th>name</th><th>author</th><th>size</th><th></th></tr></thead>
              <tbody></tbody></table>
            <div id="version-view" hidden>
              <h2><span id="version-title"></span> <button type="button" id="version-close">close</button></h2>
              <div id="version-note" class="note"></div>
            </div>
          </section>
        </main>
        <script src="/dashboard/app.js"></script>
        </body>
        </html>
        """#

    static let css = #"""
        :root { --bg:#f6f7f9; --fg:#1d2330; --muted:#6b7385; --line:#dde1e8; --card:#fff; --accent:#3b6ef5; --warn:#c2410c; }
        * { box-sizing: border-box; }
        body { margin:0; font:14px/1.45 system-ui, sans-serif; background:var(--bg); color:var(--fg); }
        header { display:flex; gap:16px; align-items:center; padding:10px 20px; background:#1d2330; color:#fff; }
        header a { color:#fff; text-decoration:none; }
        .brand { font-weight:700; font-size:16px; }
        #server-info { color:#b8c0d0; flex:1; }
        .status { padding:2px 8px; border-radius:10px; background:#475069; font-size:12px; }
        .status.ok { background:#15803d; } .status.error { background:var(--warn); }
        main { padding:16px 20px; max-width:1400px; margin:0 auto; }
        h1 { font-size:20px; margin:8px 0 12px; word-break:break-all; } h2 { font-size:15px; margin:18px 0 8px; }
        small { color:var(--muted); font-weight:normal; }
        .cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(150px, 1fr)); gap:10px; }
        .card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
        .card .label { color:var(--muted); font-size:12px; } .card .value { font-size:20px; font-weight:600; }
        .charts { display:grid; grid-template-columns:repeat(auto-fill, minmax(320px, 1fr)); gap:10px; margin-top:12px; }
        .chart { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:8px 10px; }
        .chart .title { font-size:12px; color:var(--muted); display:flex; justify-content:space-between; }
        .chart svg { width:100%; height:90px; display:block; }
        .legend span { margin-left:8px; } .legend i { display:inline-block; width:10px; height:3px; margin-right:3px; vertical-align:middle; }
        table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line); border-radius:8px; }
        th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); font-variant-numeric:tabular-nums; }
        th { font-size:12px; color:var(--muted); font-weight:600; }
        td a { color:var(--accent); word-break:break-all; }
        .unsaved { color:var(--warn); font-weight:600; }
        .empty { color:var(--muted); font-style:italic; }
        .split { display:grid; grid-template-columns:minmax(0, 3fr) minmax(280px, 2fr); gap:16px; }
        .note { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 16px; min-height:120px;
          max-height:70vh; overflow:auto; }
        .note img { max-width:100%; }
        .members { list-style:none; padding:0; margin:0; }
        .members li { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:6px 10px; margin-bottom:6px;
          display:flex; gap:8px; align-items:center; }
        .swatch { width:14px; height:14px; border-radius:50%; border:1px solid rgba(0,0,0,.2); flex:none; }
        .members .meta { color:var(--muted); font-size:12px; margin-left:auto; }
        form input { width:min(600px, 100%); padding:6px; } form button { padding:6px 12px; }
        #versions tr.selected td { background:#eef3ff; } #versions button, #version-close { font-size:12px; padding:2px 8px; }
        """#
}
