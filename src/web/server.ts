// `wsc serve`: the dashboard the management role serves, over node:http (no framework: a dozen GET routes).
// Pages: / (jobs), /jobs/:id, /cluster; the JSON API under /api (payloads in client/types.ts); live updates as
// server-sent events (live.ts); the page scripts (client/, compiled to dist/web/client) and the style sheet
// under /static. Read-only: nothing here changes a job (the scheduling pass it runs, as `wsc ctl` reads do,
// only reaps jobs whose process is gone and starts queued ones).
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { hostname, networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";
import {
  JobNotFoundError,
  Management,
  clearDashboard,
  recordDashboard,
  runningDashboard,
  wscHome,
} from "../appliance/management/index.js";
import type { WscHome } from "../appliance/management/index.js";
import { WscError } from "../util/errors.js";
import { DashboardApi } from "./api.js";
import { ClientMissingError, ListenError, PortInUseError } from "./errors.js";
import { jobLogFile, readLines, tailStart } from "./job-files.js";
import { LiveHub } from "./live.js";
import { errorHtml, pageHtml } from "./pages.js";
import { STYLE } from "./style.js";
import type { LogPayload } from "./client/types.js";

export interface ServeOptions {
  /** TCP port; 0 = any free port. Default 8080. */
  readonly port?: number;
  /** Address to listen on. Default 127.0.0.1 (this machine only). */
  readonly host?: string;
  /** WSC_HOME (default: from the environment). */
  readonly home?: WscHome;
  /** How often live streams look for changes, ms. Default 1000. */
  readonly pollMs?: number;
  /** Live streams held open at most; one more gets 503 with Retry-After. Default DEFAULT_MAX_STREAMS. */
  readonly maxStreams?: number;
  /** Record the address in $WSC_HOME/dashboard.json for `wsc ctl get jobs`. Default true. */
  readonly record?: boolean;
  /** Where unexpected errors are reported. Default: stderr. */
  readonly onError?: (e: unknown) => void;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = "127.0.0.1";

/**
 * Build folders that may hold the compiled page scripts (web/client/*.js and the util/units.js they load):
 * the one this module runs from (dist/), or dist/ beside src/ when it runs from source (tests).
 */
function buildDirs(): string[] {
  return [new URL("../", import.meta.url), new URL("../../dist/", import.meta.url)].map((u) =>
    fileURLToPath(u),
  );
}

/** What /static serves from the build folder: the page scripts and the one pure module they import. */
const STATIC_FILES = /^(web\/client\/[a-z0-9-]+\.js|util\/units\.js)$/;

/** Route parameters: the matched groups of the route's pattern. */
type Handler = (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => void;

/** A client error the API answers with its status and message. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
};

const html = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(body);
};

const decodeSafe = (p: string) => {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
};

/**
 * The names a request's Host header may give (without the port): the address the server listens on, the
 * loopback names, and, when it listens on every interface, this machine's name and addresses. Any other
 * name is refused with 403, so a web page whose own name an attacker points at this machine (DNS
 * rebinding) cannot read the job list, as development servers refuse such requests.
 */
export function allowedHosts(listenHost: string): Set<string> {
  const names = new Set(["localhost", "127.0.0.1", "[::1]", listenHost.toLowerCase()]);
  if (listenHost.includes(":")) names.add(`[${listenHost.toLowerCase()}]`);
  if (listenHost === "0.0.0.0" || listenHost === "::" || listenHost === "") {
    names.add(hostname().toLowerCase());
    for (const addrs of Object.values(networkInterfaces()))
      for (const a of addrs ?? []) names.add(a.family === "IPv6" ? `[${a.address}]` : a.address);
  }
  return names;
}

/** The name part of a Host header ("[::1]:8080" -> "[::1]", "Example.com." -> "example.com"). */
function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  const name = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.replace(/:\d*$/, "");
  return name.replace(/\.$/, "");
}

/** The URL people use to reach a server listening on host:port. */
export function publicUrl(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "::" || host === "" ? hostname() : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}`;
}

export class DashboardServer {
  readonly api: DashboardApi;
  readonly live: LiveHub;
  private readonly routes: { pattern: RegExp; handler: Handler }[] = [];
  private buildDir: string | null = null;
  private server: Server | null = null;
  private hosts = new Set<string>();
  url = "";

  private constructor(
    readonly m: Management,
    private readonly o: ServeOptions,
  ) {
    this.api = new DashboardApi(m);
    const onError = o.onError ?? ((e) => process.stderr.write(`wsc serve: ${(e as Error).stack ?? e}\n`));
    this.live = new LiveHub(this.api, o.pollMs ?? 1000, onError, o.maxStreams);
    this.defineRoutes();
  }

  /** Open the job store of WSC_HOME and listen. A port in use or an address not available is a clear error. */
  static async start(o: ServeOptions = {}): Promise<DashboardServer> {
    const home = o.home ?? wscHome();
    const m = new Management({ home });
    const s = new DashboardServer(m, o);
    try {
      await s.listen(o.port ?? DEFAULT_PORT, o.host ?? DEFAULT_HOST);
    } catch (e) {
      m.close();
      throw e;
    }
    if (o.record !== false) recordDashboard(home, s.url);
    return s;
  }

  private listen(port: number, host: string): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    return new Promise((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EADDRINUSE") {
          const other = runningDashboard(this.m.home);
          const holder =
            other && new URL(other.url).port === String(port)
              ? `wsc serve, pid ${other.pid}, is serving ${other.url} for this WSC_HOME`
              : null;
          reject(new PortInUseError(port, host, holder));
        } else reject(new ListenError(port, host, e.code ?? String(e)));
      });
      server.listen(port, host, () => {
        const addr = server.address();
        const actual = typeof addr === "object" && addr ? addr.port : port;
        this.url = publicUrl(host, actual);
        this.hosts = allowedHosts(host);
        this.server = server;
        resolve();
      });
    });
  }

  /** Stop listening, end the live streams, remove the address record and close the job store. */
  async close(): Promise<void> {
    this.live.close();
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    if (this.o.record !== false) clearDashboard(this.m.home);
    this.m.close();
  }

  private route(pattern: RegExp, handler: Handler): void {
    this.routes.push({ pattern, handler });
  }

  private defineRoutes(): void {
    const ID = "([^/]+)";
    const page = (name: "jobs" | "cluster") => (_q: IncomingMessage, res: ServerResponse) =>
      html(res, 200, pageHtml(name));
    this.route(/^\/$/, page("jobs"));
    this.route(/^\/jobs\/?$/, page("jobs"));
    this.route(/^\/cluster\/?$/, page("cluster"));
    this.route(new RegExp(`^/jobs/${ID}/?$`), (_q, res, [id]) => {
      const j = this.m.store.find(id);
      if (!j) return html(res, 404, errorHtml(404, id, new JobNotFoundError(id, this.m.store.file).message));
      html(res, 200, pageHtml("job", id));
    });
    this.route(/^\/static\/(.+)$/, (_q, res, [file]) => this.static(res, file));

    this.route(/^\/api\/jobs\/?$/, (_q, res, _p, url) =>
      json(res, 200, this.api.jobs({ active: url.searchParams.has("active") })),
    );
    this.route(new RegExp(`^/api/jobs/${ID}$`), (_q, res, [id]) => json(res, 200, this.api.jobPayload(id)));
    this.route(new RegExp(`^/api/jobs/${ID}/metrics$`), (_q, res, [id]) =>
      json(res, 200, this.api.metrics(id)),
    );
    this.route(new RegExp(`^/api/jobs/${ID}/report$`), (_q, res, [id]) => {
      const r = this.api.reports.lookup(this.api.job(id));
      if (!r.ok) throw new HttpError(404, `no compile report for ${id}: ${r.why}`);
      json(res, 200, r.built.payload);
    });
    this.route(new RegExp(`^/api/jobs/${ID}/wafer_map\\.png$`), (_q, res, [id]) => {
      const r = this.api.reports.lookup(this.api.job(id));
      const png = r.ok ? r.built.png() : null;
      if (!png) throw new HttpError(404, `no wafer map for ${id}: ${r.ok ? "the report has none" : r.why}`);
      res.writeHead(200, { "content-type": "image/png", "cache-control": "max-age=3600" });
      res.end(png);
    });
    this.route(new RegExp(`^/api/jobs/${ID}/log$`), (_q, res, [id]) => {
      const j = this.api.job(id);
      const file = jobLogFile(j);
      const path = file && j.modelDir ? `${j.modelDir}/${file}` : null;
      const body: LogPayload = {
        file,
        reset: true,
        lines: path ? readLines(path, tailStart(path)).lines : [],
      };
      json(res, 200, body);
    });
    this.route(new RegExp(`^/api/jobs/${ID}/stream$`), (req, res, [id]) => {
      this.api.job(id);
      this.live.job(req, res, id);
    });
    this.route(/^\/api\/stream$/, (req, res) => this.live.overview(req, res));
    this.route(/^\/api\/cluster\/?$/, (_q, res) => json(res, 200, this.api.cluster()));
  }

  private static(res: ServerResponse, file: string): void {
    if (file === "style.css") {
      res.writeHead(200, { "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" });
      res.end(STYLE);
      return;
    }
    if (!STATIC_FILES.test(file)) throw new HttpError(404, `no file /static/${file}`);
    if (this.buildDir === null) {
      const dirs = buildDirs();
      const found = dirs.find((d) => existsSync(`${d}web/client/main.js`));
      if (!found) throw new ClientMissingError(dirs.map((d) => `${d}web/client`));
      this.buildDir = found;
    }
    const path = `${this.buildDir}${file}`;
    if (!existsSync(path)) throw new HttpError(404, `no file /static/${file}`);
    res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" });
    res.end(readFileSync(path));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://dashboard");
    const isApi = url.pathname.startsWith("/api/");
    try {
      const host = req.headers.host;
      if (host === undefined || !this.hosts.has(hostName(host)))
        throw new HttpError(
          403,
          `the Host ${JSON.stringify(host ?? "")} is not a name of this server: open ${this.url} ` +
            `(or localhost); other names are refused so that no other web site can read the dashboard`,
        );
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("allow", "GET, HEAD");
        throw new HttpError(405, `${req.method} ${url.pathname}: the dashboard is read-only; use GET`);
      }
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        throw new HttpError(400, `the path ${url.pathname} is not valid percent-encoding`);
      }
      for (const r of this.routes) {
        const m = r.pattern.exec(path);
        if (m) return r.handler(req, res, m.slice(1), url);
      }
      throw new HttpError(
        404,
        `no ${isApi ? "API endpoint" : "page"} at ${path}: the pages are /, /jobs/ID and /cluster; ` +
          `the API is under /api (docs/dashboard.md)`,
      );
    } catch (e) {
      const status = e instanceof HttpError ? e.status : e instanceof JobNotFoundError ? 404 : 500;
      if (!(e instanceof WscError) && !(e instanceof HttpError))
        (this.o.onError ?? ((x) => process.stderr.write(`wsc serve: ${(x as Error).stack ?? x}\n`)))(e);
      const message = (e as Error).message;
      if (res.headersSent) return void res.end();
      if (isApi) json(res, status, { error: message });
      else html(res, status, errorHtml(status, status === 404 ? decodeSafe(url.pathname) : "", message));
    }
  }
}
