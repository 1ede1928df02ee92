/**
 * Closes WebSockets whose remote stopped reading. A runtime keeps every byte
 * sent on a WebSocket that the remote has not read yet (`bufferedAmount`),
 * with no limit, and a jamnet Host over it sees a connected peer for as long
 * as the remote's keepalives arrive: a player that stopped reading grew a
 * server by 9 MiB in 16 s (a review, 2026-11-30). jamnet leaves the policy to
 * the server, since only the game knows what it sends: a bulk transfer to a
 * slow reader may rightly wait behind megabytes. The lobby and the arena send
 * at a game's pace, so 4 MiB waiting means a remote that is not reading.
 * {@linkcode PeerWatch} closes a WebSocket whose Host has no connected peer at
 * its address (never handshaken, or its peer ended).
 *
 * Closing does not free what waited. Deno (2.9.6) keeps it, and the TCP
 * connection, until the remote reads it or its connection breaks: Linux keeps
 * a connection whose remote still answers with a zero window for good, and
 * Deno has no timeout for it and no way to drop it. So a stranger could join,
 * stop reading, be closed, and start again: 30 such connections held 11.5 MiB
 * each in examples/lobby/server.ts at its defaults (345 MiB, 18 s for each 10
 * of one room's members), none freed after 120 s (a helper, 2026-12-05). Nor
 * does the `close` event say they are gone: it fires at the remote's next
 * frame after `close()`, and at once for a remote that half-closes its
 * connection, with the bytes still held (64 MiB in a trial). Deno's `error`
 * event after a `close()` does: it comes when a write fails, the connection
 * gone. So the watch counts, for each address, its WebSockets that ended with
 * bytes unread (one its sweep closed, or one closed by `close()` or ended by
 * itself while its last sweep saw more than `floor` waiting, 64 KiB) until
 * such an `error` event, or for `heldMs` (10 minutes) at most, since Deno does
 * not always send one, and `admits(address)` is false while
 * `maxHeldPerAddress` are held or `maxClosingPerAddress` closed by `close()`
 * wait for an answer: the servers answer a new WebSocket from there with a
 * 429. What one address can make the server keep is then bounded within any
 * `heldMs`: its connected clients (the lobby's `maxClientsPerAddress`) and
 * what it opens within `handshakeWaitMs`, `maxHeldPerAddress` held, each the
 * limit and a sweep's worth of sends at most (so sweep at a game's tick, not
 * once a second: one that ends between two sweeps with only the last one's
 * sends waiting is not counted), and `maxClosingPerAddress` closing, each the
 * floor and a sweep's worth of sends at most (see `close`). A count ends at
 * `heldMs` whether or not Deno let go.
 *
 * The floor keeps honest players out of the count. A sweep sees the sends of
 * its turn still waiting (Deno writes them after the turn): a reading player
 * showed bytes waiting at 48 to 90% of the lobby's sweeps, up to 9 KiB, and
 * with any byte counted, one address was refused after 4 players left, with a
 * close frame or without (a review, 2026-12-05). Nor can a count wait for
 * `bufferedAmount` to reach 0 after a close: it reads 0 once a WebSocket is
 * closing, with 5 MiB still waiting. Under the floor, one that ended is not
 * counted however many there are, each the floor and a sweep's worth of sends
 * at most: less than Linux keeps for any connection whose remote stops
 * reading, its send buffer (3.9 MiB went to the kernels before Deno's grew, on
 * loopback), which no watch here sees. One whose remote read everything after
 * its close, or ended it past the floor, stays counted, Deno telling nothing
 * more (its `error` then came before the `close` event, if at all), until
 * `heldMs` has passed: rare at a game's pace. Left to a proxy in front: many
 * addresses (an IPv6 network has 2^64), and plain TCP connections, about 8 KB
 * each, which `Deno.serve` never closes.
 *
 * @module
 */
import type { Host } from "../../mod.ts";

/** The part of a server WebSocket this watch uses: Deno's, the browser's and the `ws` package's have it. */
export interface BufferedWebSocket {
  readonly bufferedAmount: number;
  close(): void;
  addEventListener(type: "close" | "error", listener: () => void): void;
}

/** What may wait unread on one WebSocket before it is closed (default of {@linkcode StalledWatch}). */
export const STALLED_BYTES = 4 << 20;

/** WebSockets of one address that ended with bytes unread, held still, past which it gets no new one (default). */
export const HELD_PER_ADDRESS = 4;

/**
 * WebSockets of one address closed by {@linkcode StalledWatch.close} whose remote has not answered, past which it gets
 * no new one (default): the players of one NAT whose connections went dark (a laptop asleep, a network gone) answer
 * nothing either, so the cap is the one the arena and the lobby server, run as programs, put on clients of one address
 * (`maxClientsPerAddress`, 32), not `HELD_PER_ADDRESS`: with that, four such players behind one proxy had their address
 * refused for 10 minutes (a review, 2026-12-05). Each costs a TCP connection and at most the floor unread and a
 * sweep's sends.
 */
export const CLOSING_PER_ADDRESS = 32;

/**
 * How long a WebSocket that ended with bytes unread counts against its address at most, in ms (default, 10 minutes).
 * Deno does not always say when such a connection is gone: under load its `error` event sometimes never came after the
 * remote reset the connection, and an `error` before the `close` event is missed; without an end to the count, an
 * address stayed refused until a restart (a review, 2026-12-05: 6 of 40 loaded test runs).
 */
export const HELD_MS = 10 * 60_000;

/**
 * Bytes waiting at its last sweep past which a WebSocket that ended by itself counts as held (default): an honest
 * reader's were the sends of that turn, 9 KiB at most at a busy lobby's rates (see the module's doc).
 */
export const HELD_FLOOR = 64 << 10;

/**
 * The WebSockets a server accepted; `sweep()` closes those with more than `limit` bytes unread, and `admits(address)`
 * says whether an address may open another (see the module's doc).
 */
export class StalledWatch {
  /** Bytes that may wait unread on one WebSocket. */
  readonly limit: number;
  /** WebSockets of one address that ended with bytes unread and may be held still, past which it is not admitted. */
  readonly maxHeldPerAddress: number;
  /** WebSockets of one address closed by `close()` whose remote has not answered, past which it is not admitted. */
  readonly maxClosingPerAddress: number;
  /** Bytes waiting at its last sweep past which a WebSocket that ended by itself counts as held. */
  readonly floor: number;
  /** The open WebSockets watched, each with its address and the bytes unread at the last sweep. */
  #sockets = new Map<BufferedWebSocket, { address: string; unread: number }>();
  /** How long, in ms, a WebSocket that ended with bytes unread counts against its address at most. */
  readonly heldMs: number;
  /**
   * By address, the WebSockets that ended with bytes unread and have not failed a write since, as the time (ms since
   * the epoch) each stops counting.
   */
  #held = new Map<string, Set<{ until: number }>>();
  /** By address, the WebSockets `close()` closed whose remote has not answered yet, as `#held`. */
  #closing = new Map<string, Set<{ until: number }>>();

  /**
   * @param limit bytes that may wait unread on one WebSocket
   * @param maxHeldPerAddress WebSockets of one address that may be held after they ended with bytes unread
   * @param floor bytes waiting at its last sweep past which a WebSocket that ended by itself counts as held
   * @param heldMs how long, in ms, a WebSocket that ended with bytes unread counts against its address at most
   * @param maxClosingPerAddress WebSockets of one address closed by `close()` whose remote has not answered
   */
  constructor(
    limit: number = STALLED_BYTES,
    maxHeldPerAddress: number = HELD_PER_ADDRESS,
    floor: number = HELD_FLOOR,
    heldMs: number = HELD_MS,
    maxClosingPerAddress: number = CLOSING_PER_ADDRESS,
  ) {
    this.limit = limit;
    this.maxHeldPerAddress = maxHeldPerAddress;
    this.floor = floor;
    this.heldMs = heldMs;
    this.maxClosingPerAddress = maxClosingPerAddress;
  }

  /**
   * Watches `socket`, from `address` (the remote's IP address, its port aside: the key `admits` is asked with), until
   * it closes. Required: with none, every hold would count against one key that no `admits(ip)` asks about.
   */
  add(socket: BufferedWebSocket, address: string): void {
    if (typeof address !== "string") throw new TypeError("StalledWatch.add() takes the remote's IP address too");
    const watched = { address, unread: 0 };
    this.#sockets.set(socket, watched);
    socket.addEventListener("close", () => {
      // Ended by its remote, or closed by its Host, with more than the floor waiting at the last sweep: Deno may keep
      // them. What an honest reader has waiting at a sweep, the sends of that turn, held one address out after 4.
      if (this.#sockets.delete(socket) && watched.unread > this.floor) this.#hold(socket, address);
    });
  }

  /** Closes every watched WebSocket past the limit (its Host's peer then ends as "closed"); returns how many. */
  sweep(): number {
    // Forgets the holds past their time.
    for (const holds of [this.#held, this.#closing]) {
      for (const address of [...holds.keys()]) this.#count(address, holds);
    }
    let closed = 0;
    for (const [socket, watched] of this.#sockets) {
      watched.unread = socket.bufferedAmount;
      if (watched.unread <= this.limit) continue;
      this.#sockets.delete(socket);
      socket.close();
      this.#hold(socket, watched.address);
      closed++;
    }
    return closed;
  }

  /**
   * Closes `socket` for another reason than what waits on it (a {@linkcode PeerWatch}'s). With more than the floor
   * waiting at its last sweep it is held at once, as one the sweep closed: a remote that stopped reading never reaches
   * the close frame behind those bytes, so never answers (with the closing count alone, one address kept 32 sockets of
   * up to 4 MiB each, where the held count allows 4: a review, 2026-12-05). Else it counts against its address until
   * its `close` event (the remote's next frame, as a rule its answer; at once for a half-close: see the module's doc),
   * or an `error` event, or `heldMs`, up to
   * `maxClosingPerAddress`: Deno waits for that answer with no time limit, and remotes that never gave it kept their
   * connections open for good, 100 of one address in a review's trial (2026-12-05).
   */
  close(socket: BufferedWebSocket): void {
    const watched = this.#sockets.get(socket);
    if (watched) {
      // Off the sweeps: once closing, its bufferedAmount reads 0 (2 MiB before the close, 0 after), and a remote that
      // then half-closed its connection escaped the count (a review, 2026-12-05). Counted before the close, should a
      // runtime fire its close event inside close().
      this.#sockets.delete(socket);
      const over = watched.unread > this.floor;
      const answered = this.#hold(socket, watched.address, over ? this.#held : this.#closing);
      if (!over) socket.addEventListener("close", answered);
    }
    socket.close();
  }

  /**
   * Whether `address` may open another WebSocket: fewer than `maxHeldPerAddress` of its own are held, and fewer than
   * `maxClosingPerAddress` closed by `close()` wait for their remote's answer.
   */
  admits(address: string): boolean {
    return this.#count(address) < this.maxHeldPerAddress &&
      this.#count(address, this.#closing) < this.maxClosingPerAddress;
  }

  /** How many WebSockets are watched. */
  get size(): number {
    return this.#sockets.size;
  }

  /** How many WebSockets, of every address, ended with bytes unread and may be held still. */
  get held(): number {
    let held = 0;
    for (const address of [...this.#held.keys()]) held += this.#count(address);
    return held;
  }

  /** How many WebSockets, of every address, `close()` closed and wait for their remote's answer. */
  get closing(): number {
    let closing = 0;
    for (const address of [...this.#closing.keys()]) closing += this.#count(address, this.#closing);
    return closing;
  }

  /**
   * How many of `address`'s WebSockets count in `map` (held, or closing) now; those past their time are forgotten, and
   * so is an address with none.
   */
  #count(address: string, map: Map<string, Set<{ until: number }>> = this.#held): number {
    const holds = map.get(address);
    if (!holds) return 0;
    const now = Date.now();
    for (const hold of holds) if (hold.until <= now) holds.delete(hold);
    if (!holds.size) map.delete(address);
    return holds.size;
  }

  /**
   * Counts `socket` against `address` in `map` (held, or closing) until its first `error` event (a write failed, its
   * connection is gone), or for `heldMs` at most; returns what ends the count sooner.
   */
  #hold(
    socket: BufferedWebSocket,
    address: string,
    map: Map<string, Set<{ until: number }>> = this.#held,
  ): () => void {
    const hold = { until: Date.now() + this.heldMs };
    const holds = map.get(address) ?? new Set();
    map.set(address, holds.add(hold));
    const release = () => {
      holds.delete(hold);
      if (!holds.size && map.get(address) === holds) map.delete(address);
    };
    socket.addEventListener("error", release);
    return release;
  }
}

/** ms a WebSocket stays open after its peer ended, for the Host's goodbyes to go out first (default of {@linkcode PeerWatch}). */
export const GOODBYE_MS = 1000;

/**
 * Closes each server WebSocket once its Host has no connected peer at its address: one that never finished jamnet's
 * handshake within `handshakeWaitMs`, and one whose peer ended (it timed out, the server disconnected it, the remote
 * said goodbye) `goodbyeMs` before. A Host never closes a WebSocket itself: its peer ends, and the WebSocket stays
 * open until the remote closes it. A WebSocket that never did the handshake stayed open for good, however many one
 * address opened (a review, 2026-12-03); so did one whose player went silent with it open, or ignored a disconnect,
 * none of them counted against its address anywhere (the session of 2026-12-05). Closed, one with bytes unread counts
 * in {@linkcode StalledWatch}.
 */
export class PeerWatch {
  /** ms a WebSocket has to finish jamnet's handshake. */
  readonly handshakeWaitMs: number;
  /** ms a WebSocket stays open after its peer ended. */
  readonly goodbyeMs: number;
  /** The open WebSockets watched: their Host, their address, and when they last had a connected peer (or opened). */
  #sockets = new Map<BufferedWebSocket, { host: Pick<Host, "peers">; address: string; since: number; seen: boolean }>();
  /** Closes a WebSocket: the StalledWatch's close, so that one whose remote never answers counts against its address. */
  #close: (socket: BufferedWebSocket) => void;

  /**
   * @param handshakeWaitMs ms a WebSocket has to finish jamnet's handshake (a `connect()` times out after 10,000)
   * @param goodbyeMs ms a WebSocket stays open after its peer ended
   * @param stalled the server's StalledWatch, which closes them (see {@linkcode StalledWatch.close}); without one, a
   * plain `close()`
   */
  constructor(handshakeWaitMs = 10_000, goodbyeMs: number = GOODBYE_MS, stalled?: StalledWatch) {
    this.handshakeWaitMs = handshakeWaitMs;
    this.goodbyeMs = goodbyeMs;
    this.#close = stalled ? (socket) => stalled.close(socket) : (socket) => socket.close();
  }

  /** Watches `socket`, accepted into `host`'s socket at `address`, until it closes. */
  add(
    socket: BufferedWebSocket,
    host: Pick<Host, "peers">,
    address: string,
    now: number = performance.now(),
  ): void {
    this.#sockets.set(socket, { host, address, since: now, seen: false });
    socket.addEventListener("close", () => this.#sockets.delete(socket));
  }

  /** Closes every watched WebSocket with no connected peer past its time; returns how many. Call it at a game's tick. */
  sweep(now: number = performance.now()): number {
    // The connected addresses of each Host, once a sweep: host.peers is a new array each time.
    const connected = new Map<Pick<Host, "peers">, Set<string>>();
    let closed = 0;
    for (const [socket, watched] of this.#sockets) {
      let addresses = connected.get(watched.host);
      if (!addresses) connected.set(watched.host, addresses = new Set(watched.host.peers.map((peer) => peer.address)));
      if (addresses.has(watched.address)) {
        watched.since = now;
        watched.seen = true;
      } else if (now - watched.since >= (watched.seen ? this.goodbyeMs : this.handshakeWaitMs)) {
        this.#sockets.delete(socket);
        this.#close(socket);
        closed++;
      }
    }
    return closed;
  }

  /** How many WebSockets are watched. */
  get size(): number {
    return this.#sockets.size;
  }
}

/**
 * Deno's upgrade, or a 400 for a request that only says it is one: without a Sec-WebSocket-Key Deno's upgrade throws,
 * and the server answered 500 and logged a stack trace for each such request, which anyone could send (a review,
 * 2026-12-05).
 */
export function upgradeOr400(request: Request): { socket: WebSocket; response: Response } | Response {
  try {
    return Deno.upgradeWebSocket(request);
  } catch (error) {
    return new Response(`not a WebSocket request: ${(error as Error).message}`, { status: 400 });
  }
}
