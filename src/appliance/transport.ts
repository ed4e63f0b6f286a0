// How roles talk: named addresses, asynchronous request/reply messages carrying plain data and typed-array
// buffers. Roles see only the `Transport` interface, so a network transport (gRPC between hosts) replaces the
// in-process one without changing a role.
//
// Buffer ownership: a Float32Array in a message passes to the receiver; the sender does not write it again.
// The in-process transport therefore delivers buffers without copying (a network transport copies by nature);
// weights broadcast to several systems are shared read-only.
import { WscError } from "../util/errors.js";

/** A message: a type naming the operation, and its body (plain data and typed arrays). */
export interface Message<B = unknown> {
  readonly type: string;
  readonly body: B;
  /** Address of the sender. */
  readonly from: string;
}

export type Handler = (msg: Message) => Promise<unknown> | unknown;

export interface Transport {
  /** Receive the messages sent to `address` with `handler`; what it returns (or resolves to) is the reply. */
  bind(address: string, handler: Handler): void;
  /** Send a message to `to` and wait for its reply. */
  request<R = unknown>(from: string, to: string, type: string, body: unknown): Promise<R>;
  /** Bytes of typed-array payload carried so far, by `from->to` link. */
  traffic(): ReadonlyMap<string, number>;
}

/** No role is bound at the address a message was sent to. */
export class NoSuchRoleError extends WscError {
  constructor(to: string, type: string, known: readonly string[]) {
    super(
      `no role at address "${to}" for message ${type}; bound addresses: ${known.join(", ") || "none"}`,
      1,
    );
  }
}

/** Typed-array bytes inside a message body (counted once per buffer). */
export function payloadBytes(body: unknown, seen = new Set<unknown>()): number {
  if (body === null || typeof body !== "object" || seen.has(body)) return 0;
  seen.add(body);
  if (ArrayBuffer.isView(body)) return body.byteLength;
  let n = 0;
  const values = body instanceof Map ? body.values() : Object.values(body as object);
  for (const v of values) n += payloadBytes(v, seen);
  return n;
}

/**
 * Roles in one process. Delivery is asynchronous (the handler runs after the sender yields), in send order
 * per receiver, with replies as promises.
 */
export class InProcessTransport implements Transport {
  private readonly handlers = new Map<string, Handler>();
  private readonly bytes = new Map<string, number>();

  bind(address: string, handler: Handler): void {
    if (this.handlers.has(address)) throw new WscError(`address "${address}" is already bound`, 1);
    this.handlers.set(address, handler);
  }

  async request<R = unknown>(from: string, to: string, type: string, body: unknown): Promise<R> {
    const h = this.handlers.get(to);
    if (!h) throw new NoSuchRoleError(to, type, [...this.handlers.keys()]);
    const link = `${from}->${to}`;
    this.bytes.set(link, (this.bytes.get(link) ?? 0) + payloadBytes(body));
    await Promise.resolve();
    const reply = await h({ type, body, from });
    const back = `${to}->${from}`;
    this.bytes.set(back, (this.bytes.get(back) ?? 0) + payloadBytes(reply));
    return reply as R;
  }

  traffic(): ReadonlyMap<string, number> {
    return this.bytes;
  }
}
