// Small helpers of the page scripts: building HTML and SVG elements, formatting figures as the terminal
// reports do (src/util/units.ts, which the browser loads too), and the live stream with its indicator.
import { bytes, seconds, shortDuration, si } from "../../util/units.js";

export { bytes, shortDuration, si };

/** Seconds for people, as the terminal reports print them: 3 significant digits, s, ms, us or ns. */
export const secs = (x: number) => seconds(x, 3, "u");

type Child = Node | string | number | null | undefined | false | readonly Child[];
type Props = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

function append(parent: Element, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.append(c instanceof Node ? c : String(c));
  }
}

function setProps(e: Element, props: Props | null): void {
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") e.addEventListener(k.replace(/^on/, ""), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
}

/** An HTML element: h("td", { class: "num" }, "12"). Text is set as text, never parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  setProps(e, props);
  append(e, children);
  return e;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  setProps(e, props);
  append(e, children);
  return e;
}

/** Replace the children of `e`. */
export function fill(e: Element, ...children: Child[]): void {
  e.replaceChildren();
  append(e, children);
}

/** A number with `digits` significant digits, trailing zeros dropped (as the run's log lines). */
export function num(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined) return "-";
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1e4) return Math.round(x).toLocaleString("en-US");
  return x
    .toPrecision(digits)
    .replace(/(\.\d*?)0+$/, "$1")
    .replace(/\.$/, "");
}

export const pct = (f: number, digits = 0) => `${(100 * f).toFixed(digits)}%`;

/** Local date and time of epoch ms or an ISO string. */
export function when(t: number | string | null): string {
  if (t === null) return "-";
  const d = new Date(t);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export const badge = (phase: string) => h("span", { class: `badge ${phase}` }, phase);

export function labelList(labels: Readonly<Record<string, string>>): Child {
  const e = Object.entries(labels);
  return e.length === 0 ? "-" : e.map(([k, v]) => h("span", { class: "label" }, `${k}=${v}`));
}

export const jobLink = (id: string) => h("a", { href: `/jobs/${id}`, class: "mono" }, id);

/** Seconds before a page tries again when the server refused its stream (503 at its stream limit). */
const REFUSED_RETRY_S = 5;

/**
 * Listen to a server-sent event stream, with the header's indicator showing whether it is live. The browser
 * reconnects by itself after a drop; the server then sends the whole state again. A stream the server refused
 * (503: it holds its limit of streams) is closed for good by the browser, so the page opens a new one after
 * REFUSED_RETRY_S (the server's Retry-After).
 */
export function stream(url: string, handlers: Record<string, (data: unknown) => void>): void {
  const dot = document.getElementById("live");
  const state = (cls: string, text: string) => {
    if (!dot) return;
    dot.className = `live ${cls}`;
    dot.textContent = text;
  };
  const open = () => {
    const es = new EventSource(url);
    es.onopen = () => state("on", "live");
    es.onerror = () => {
      if (es.readyState !== EventSource.CLOSED) return state("off", "reconnecting");
      state("off", "server busy");
      setTimeout(open, REFUSED_RETRY_S * 1000);
    };
    for (const [event, fn] of Object.entries(handlers))
      es.addEventListener(event, (e) => fn(JSON.parse((e as MessageEvent<string>).data)));
  };
  open();
}
