/**
 * Closes WebSockets whose remote stopped reading. A runtime keeps every byte
 * sent on a WebSocket that the remote has not read yet (`bufferedAmount`),
 * with no limit, and a jamnet Host over it sees a connected peer for as long
 * as the remote's keepalives arrive: a player that stopped reading grew a
 * server by 9 MiB in 16 s (a review, 2026-11-30). jamnet leaves the policy to
 * the server, since only the game knows what it sends: a bulk transfer to a
 * slow reader may rightly wait behind megabytes. The lobby and the arena send
 * at a game's pace, so 4 MiB waiting means a remote that is not reading.
 * `closeIfSilent` closes one that never does jamnet's handshake.
 *
 * @module
 */
import type { Host } from "../../mod.ts";

/** The part of a server WebSocket this watch uses: Deno's, the browser's and the `ws` package's have it. */
export interface BufferedWebSocket {
  readonly bufferedAmount: number;
  close(): void;
  addEventListener(type: "close", listener: () => void): void;
}

/** What may wait unread on one WebSocket before it is closed (default of {@linkcode StalledWatch}). */
export const STALLED_BYTES = 4 << 20;

/** The WebSockets a server accepted; `sweep()` closes those with more than `limit` bytes unread. */
export class StalledWatch {
  /** Bytes that may wait unread on one WebSocket. */
  readonly limit: number;
  #sockets = new Set<BufferedWebSocket>();

  /** @param limit bytes that may wait unread on one WebSocket */
  constructor(limit: number = STALLED_BYTES) {
    this.limit = limit;
  }

  /** Watches `socket` until it closes. */
  add(socket: BufferedWebSocket): void {
    this.#sockets.add(socket);
    socket.addEventListener("close", () => this.#sockets.delete(socket));
  }

  /** Closes every watched WebSocket past the limit (its Host's peer then ends as "closed"); returns how many. */
  sweep(): number {
    let closed = 0;
    for (const socket of this.#sockets) {
      if (socket.bufferedAmount <= this.limit) continue;
      this.#sockets.delete(socket);
      socket.close();
      closed++;
    }
    return closed;
  }

  /** How many WebSockets are watched. */
  get size(): number {
    return this.#sockets.size;
  }
}

/**
 * Closes `socket` in `ms` unless `host` has a connected peer at `address` by then: a WebSocket that never does
 * jamnet's handshake stayed open for good, however many one address opened (a review, 2026-12-03). The timer does not
 * keep the process alive.
 */
export function closeIfSilent(socket: { close(): void }, host: Pick<Host, "peers">, address: string, ms: number): void {
  Deno.unrefTimer(setTimeout(() => {
    if (!host.peers.some((peer) => peer.address === address)) socket.close();
  }, ms));
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
