/**
 * What one client, and one IP address, can make a lobby server parse and
 * keep, whichever Host they come through: {@linkcode LOBBY_HOST_BOUNDS}, the
 * lobby Hosts' options, and {@linkcode ReceiveAllowance}, an address's bytes a
 * second, counted before a Host parses any of them. A Host unpacks every
 * message whole as it arrives, before the lobby's own allowances
 * (`maxRequestsPerSecond`, `maxRelayBytesPerSecond`) see it; and one byte may
 * be a whole object (an empty bin, 2 bytes, took mod.ts's `unpack` 217 ns a
 * byte; an empty array 40), so what an address may send is what it may cost.
 * examples/lobby/server.ts and the arena's server (examples/arena) use both.
 *
 * @module
 */
import type { HostOptions } from "../../mod.ts";
import { Allowance } from "./lobby.ts";

/**
 * A lobby Host's bounds on what a client sends: its longest answer, a list of 100 rooms (`listLimit`) each with 1 KB
 * of `meta`, packs to about 117 KB, and a few of them may wait to go. A Host takes a message up to 2 ×
 * `maxMessageBytes` + `maxQueuedBytes` + 256 KiB at once (1,088 KiB here), and every channel in the `"state"` mode keeps
 * 32 states of up to `maxMessageBytes`, each rebuilt from deltas of a few bytes: 5 MiB a client here on its one channel.
 * At mod.ts's defaults (1 MiB messages, 4 MiB queued) that was 6.25 MiB at once and 32 MiB of states a client: 8 UDP
 * clients' states of 1 MB, one a tick, grew examples/lobby/server.ts from 46 to 270 MB in 12 s, and 4 WebSocket
 * clients' 1 MB messages of empty bins ended it out of memory at 4 GB (/tmp/lobbyatk, 2026-12-06); with these bounds,
 * states of 150 KB kept it at 111 MB, and the 1 MB messages were cut by the allowance below. One timed message
 * (two in all, as maxTimedMessages goes) and one channel: no lobby client times a request or uses another (see
 * `LobbyServerOptions.hostOptions`).
 */
export const LOBBY_HOST_BOUNDS: HostOptions = {
  maxMessageBytes: 160 * 1024,
  maxQueuedBytes: 512 * 1024,
  maxTimedMessages: 1,
  channels: 1,
};

/**
 * What a client's WebSocket frame takes besides its payload, at least: 2 bytes of header and a 4-byte mask (RFC 6455,
 * 5.2). Each message counts it: an empty one, counted as nothing, went on without end, and one stranger's WebSockets
 * sent a million a second to /lobby with no handshake, the arena's thread at 4 to 8 ticks a second of 30 (a review,
 * 2026-12-06). Counted, an address sends about 54,000 empty ones a second at 320 KiB (about a tenth of the thread);
 * an honest player's 60 messages a second add 360 bytes.
 */
export const FRAME_BYTES = 6;

/**
 * Each IP address's allowance of received WebSocket bytes, a token bucket of `bytesPerSecond` that holds a second of
 * it (the lobby's `Allowance`: a server's pause, a GC, brings messages in a heap), checked before the Host sees a byte:
 * `add(socket, ip)`, before the socket's `accept`, puts a "message" listener first in line: a message past the
 * allowance stops there (`stopImmediatePropagation`: the Host's listener, added by `accept`, never runs; so in Deno
 * 2.9.6) and its WebSocket is closed with `close`, since the rest of its stream means nothing without it.
 *
 * Not for UDP: a datagram's sender is known only once its Host has checked the tag. A wrapper that counted datagrams
 * by IP before that (here until a review the same day, 2026-12-06) let junk from a player's IP, from any port and with
 * no handshake, spend the player's allowance, and then dropped the player's own datagrams until its connection ended.
 *
 * What fits is taken from the bucket and goes on; what does not is not counted, so what an address sends past it costs
 * that message alone, and its other clients go on while the rest fits. Per IP address, not per connection: one address
 * opens many. Many addresses (an IPv6 network's) are left to a proxy in front, as in stalled.ts.
 */
export class ReceiveAllowance {
  /** By address: what it may still send, and its open WebSockets. */
  #buckets = new Map<string, { bytes: Allowance; sockets: number }>();

  /** The clock in ms the buckets fill by. */
  readonly #now: () => number;

  /**
   * @param bytesPerSecond what one IP address may send a second, on average over a second
   * @param close closes a WebSocket past its address's allowance
   * @param options `now`, the clock in ms (`performance.now()` unless a test gives its own)
   */
  constructor(
    readonly bytesPerSecond: number,
    readonly close: (socket: WebSocket) => void,
    { now = () => performance.now() }: { now?: () => number } = {},
  ) {
    this.#now = now;
  }

  /** Counts `socket`'s messages against `ip`: call it before the socket's `accept`, so that its listener goes first. */
  add(socket: WebSocket, ip: string): void {
    const bucket = this.#bucket(ip);
    bucket.sockets++;
    let closed = false;
    socket.addEventListener("close", () => bucket.sockets--);
    socket.addEventListener("message", (event) => {
      const { data } = event;
      // A text frame (jamnet sends none) counts 3 bytes a UTF-16 unit, the most its UTF-8 took on the wire.
      const bytes = FRAME_BYTES + (typeof data === "string" ? 3 * data.length : data.byteLength ?? data.size);
      if (!closed && bucket.bytes.spend(bytes, this.#now()) === undefined) return;
      event.stopImmediatePropagation();
      if (!closed) this.close(socket);
      closed = true;
    });
  }

  /** Forgets the addresses with no WebSocket open and a full bucket: one back later starts as a new one would. */
  sweep(): void {
    const now = this.#now();
    for (const [ip, bucket] of this.#buckets) {
      if (!bucket.sockets && bucket.bytes.left(now) >= this.bytesPerSecond) this.#buckets.delete(ip);
    }
  }

  #bucket(ip: string): { bytes: Allowance; sockets: number } {
    let bucket = this.#buckets.get(ip);
    if (!bucket) this.#buckets.set(ip, bucket = { bytes: new Allowance(this.bytesPerSecond), sockets: 0 });
    return bucket;
  }
}
