/**
 * The player's side of the lobby: {@linkcode LobbyClient} and the shapes of
 * the rooms it hears about. This file names no runtime global and imports
 * only types, so a browser page can use it as it is (after a TypeScript strip,
 * such as `deno bundle` or esbuild) as well as Deno, Node and Bun:
 *
 * ```ts ignore
 * import { Host, webSocket } from "../../dist/mod.js";
 * import { LobbyClient } from "./client_lib.ts";
 *
 * const socket = webSocket(new WebSocket("ws://127.0.0.1:7000"));
 * const host = new Host(socket);
 * const lobby = new LobbyClient(host.connect(socket.address));
 * setInterval(() => {
 *   host.update();
 *   for (let event; (event = host.poll());) lobby.handle(event);
 * }, 16);
 * console.log(await lobby.request({ op: "list" }));
 * ```
 *
 * @module
 */
import type { HostEvent, Peer } from "../../mod.ts";

/** One member of a room, as the other members see it. */
export interface Member {
  /** The lobby's name for this member, random and unique. */
  id: string;
  /** The member's socket address as the lobby sees it: where a direct connection may reach it. */
  address: string;
  /** With a shared directory (kvStore): the id of the lobby process this member is connected to. */
  lobby?: string;
}

/** A room in the directory. */
export interface Room {
  /** The room's id, random and unique. */
  id: string;
  /** What the host called it. */
  name: string;
  /** Most members at once, the host included. */
  maxPlayers: number;
  /** Free-form data the host attached: map, mode, version. */
  meta: Record<string, unknown>;
  /** The member id of the host: the room closes when the host leaves. */
  host: string;
  /** Everyone in the room, the host first. */
  members: Member[];
  /** With a shared directory (kvStore): the id of the lobby process the host is connected to. */
  lobby?: string;
}

/** A room as `list` shows it: no member list, so that a list of 100 rooms stays a few KB. */
export interface RoomSummary {
  /** The room's id. */
  id: string;
  /** What the host called it. */
  name: string;
  /** Most members at once. */
  maxPlayers: number;
  /** Members now. */
  players: number;
  /** Free-form data the host attached. */
  meta: Record<string, unknown>;
}

/**
 * The client side: sends requests with fresh ids and matches the answers.
 * Feed it the Host's events; it takes the lobby's and leaves the rest.
 */
export class LobbyClient {
  /** The connection to the lobby. */
  readonly peer: Peer;
  /**
   * Notices and relayed messages from the lobby, oldest first: `member`,
   * `closed` and `relay`. Take them with `shift()`; past `maxNotices` the
   * oldest is dropped and counted in `droppedNotices`.
   */
  readonly notices: Record<string, unknown>[] = [];
  /** Notices dropped because `notices` was full: a game that never reads them keeps only the newest. */
  droppedNotices = 0;
  /** How many notices wait to be read before the oldest is dropped. */
  readonly maxNotices: number;
  #nextId = 1;
  #waiting = new Map<number, { resolve: (answer: Record<string, unknown>) => void; reject: (error: Error) => void }>();

  /**
   * Wraps the connection to a lobby.
   *
   * @param peer from `host.connect(lobbyAddress)`
   * @param maxNotices notices kept unread before the oldest is dropped (default 1024)
   */
  constructor(peer: Peer, maxNotices = 1024) {
    if (!(Number.isInteger(maxNotices) && maxNotices > 0)) {
      throw new RangeError(`maxNotices must be a positive integer, not ${maxNotices}`);
    }
    this.peer = peer;
    this.maxNotices = maxNotices;
  }

  /** Requests sent and not yet answered, rejected or timed out. */
  get pending(): number {
    return this.#waiting.size;
  }

  /**
   * Sends a request; the answer resolves the promise, an `error` answer rejects it, and so does no answer
   * within `timeoutMs` (real time).
   *
   * @param request the request without an id, such as `{ op: "list" }`
   * @param options `timeoutMs`: how long to wait for the answer (default 10,000, the Host's default timeout:
   *   a lobby silent that long is gone)
   * @returns the answer
   * @throws {RangeError} for a `timeoutMs` that is not a positive number
   */
  request(request: Record<string, unknown>, options: { timeoutMs?: number } = {}): Promise<Record<string, unknown>> {
    const { timeoutMs = 10_000 } = options;
    if (!(timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1)) {
      throw new RangeError(`timeoutMs is ${timeoutMs}: must be a number of ms from 1 to ${2 ** 31 - 1}`);
    }
    const id = this.#nextId++;
    this.peer.send({ ...request, id });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`The lobby did not answer request ${id} (op ${String(request.op)}) within ${timeoutMs} ms`));
      }, timeoutMs);
      const settled = () => clearTimeout(timer);
      this.#waiting.set(id, {
        resolve: (answer) => (settled(), resolve(answer)),
        reject: (error) => (settled(), reject(error)),
      });
    });
  }

  /**
   * Takes an event if it came from the lobby.
   *
   * @param event from the client Host's `poll()`
   * @returns true when the event was the lobby's
   */
  handle(event: HostEvent): boolean {
    if (event.peer !== this.peer) return false;
    if (event.type === "disconnect") {
      for (const waiting of this.#waiting.values()) {
        waiting.reject(new Error(`The lobby disconnected: ${event.reason}`));
      }
      this.#waiting.clear();
    }
    if (event.type !== "message") return true;
    const message = event.data as Record<string, unknown>;
    const waiting = typeof message?.id === "number" ? this.#waiting.get(message.id) : undefined;
    if (!waiting) {
      if (this.notices.push(message) > this.maxNotices) {
        this.notices.shift();
        this.droppedNotices++;
      }
    } else {
      this.#waiting.delete(message.id as number);
      if (message.op === "error") waiting.reject(new Error(String(message.error)));
      else waiting.resolve(message);
    }
    return true;
  }
}
