// The HTML of the pages: a shell each that the page script (client/main.ts) fills from the live streams,
// and the 404 page, written here in full (it needs no script).

export type PageName = "jobs" | "job" | "cluster";

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function layout(title: string, body: string, attrs: string, active: PageName | null): string {
  const nav = (href: string, name: PageName, label: string) =>
    `<a href="${href}"${active === name ? ' class="active"' : ""}>${label}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/style.css">
</head>
<body${attrs}>
<header class="top">
<a class="brand" href="/">wsc <span>wafer-scale cluster</span></a>
<nav>${nav("/", "jobs", "Jobs")}${nav("/cluster", "cluster", "Cluster")}</nav>
${active ? '<span id="live" class="live" title="live updates from the job store">connecting</span>' : ""}
</header>
<main id="main">${body}</main>
</body>
</html>
`;
}

/** A page's shell: the page script draws into #main. */
export function pageHtml(page: PageName, jobId?: string): string {
  const title = page === "job" ? `${jobId} - wsc` : page === "cluster" ? "Cluster - wsc" : "Jobs - wsc";
  const attrs = ` data-page="${page}"${jobId ? ` data-job="${escape(jobId)}"` : ""}`;
  return layout(
    title,
    `<p class="muted">Loading...</p><noscript>The dashboard draws its pages with a script; the same data is at
<a href="/api/jobs">/api/jobs</a> and <a href="/api/cluster">/api/cluster</a>.</noscript>
<script type="module" src="/static/web/client/main.js"></script>`,
    attrs,
    page,
  );
}

/** An error page: 404 names what was asked for; other statuses say what went wrong. */
export function errorHtml(status: number, what: string, message: string): string {
  const heading =
    status === 404 ? `Not found: <code>${escape(what)}</code>` : status === 405 ? "Not allowed" : "Error";
  return layout(
    status === 404 ? `Not found: ${what} - wsc` : `Error ${status} - wsc`,
    `<section class="card notfound"><h1>${heading}</h1>
<p class="message">${escape(message)}</p>
<p><a href="/">All jobs</a> &middot; <a href="/cluster">The cluster</a></p></section>`,
    "",
    null,
  );
}
