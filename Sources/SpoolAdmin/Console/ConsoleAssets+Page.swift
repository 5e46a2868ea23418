/// The web console's embedded assets: the page, its style sheet, its script (one file made of a part per page,
/// see `script`) and its icon. Plain HTML, CSS and JavaScript with no build step, so what is here is what the
/// browser runs.
enum ConsoleAssets {
    /// The single page: the sidebar and an empty main area that the script fills by the URL's hash.
    static let page = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Spool console</title>
<link rel="icon" href="/console/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/app.css">
<script src="/console/app.js" defer></script>
</head>
<body>
<nav class="sidebar" aria-label="Sections">
  <a class="brand" href="#/">
    <img src="/console/icon.svg" alt="" width="26" height="26">
    <span>Spool</span>
  </a>
  <ul class="nav">
    <li><a href="#/" data-nav="overview">Overview</a></li>
    <li><a href="#/topics" data-nav="topics">Topics</a></li>
    <li><a href="#/records" data-nav="records">Record browser</a></li>
    <li><a href="#/groups" data-nav="groups">Consumer groups</a></li>
    <li><a href="#/share-groups" data-nav="share-groups">Share groups</a></li>
    <li><a href="#/config" data-nav="config">Configuration</a></li>
  </ul>
  <div class="sidebar-foot">
    <div id="broker-version" class="muted"></div>
    <label class="refresh-toggle"><input type="checkbox" id="auto-refresh" checked> Auto-refresh 5 s</label>
    <div id="last-refresh" class="muted"></div>
  </div>
</nav>
<main id="main" tabindex="-1">
  <noscript>
    <p class="error">The console needs JavaScript; the CLI (<code>spool --help</code>) works without.</p>
  </noscript>
</main>
</body>
</html>
"""#

    /// The icon: a spool of thread, drawn in SVG.
    static let icon = #"""
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect x="6" y="3" width="20" height="4" rx="1.5" fill="#2563eb"/>
<rect x="6" y="25" width="20" height="4" rx="1.5" fill="#2563eb"/>
<rect x="9" y="7" width="14" height="18" fill="#93c5fd"/>
<path d="M9 10h14M9 14h14M9 18h14M9 22h14" stroke="#1d4ed8" stroke-width="1.6"/>
</svg>
"""#
}
