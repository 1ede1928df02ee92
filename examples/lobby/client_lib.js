// @ts-check
/**
 * {@linkcode LobbyClient}, the player's side of the lobby, in plain
 * JavaScript with JSDoc types: a browser page loads this file as it is (no
 * build step, no TypeScript strip), and `deno check` still checks it (the
 * `@ts-check` above). It names no runtime global and imports only types.
 * Deno, Node and Bun code imports it through ./client_lib.ts, which adds the
 * shapes of the rooms it hears about.
 *
 * @module
 */
/** @import { HostEvent, Peer } from "../../mod.ts" */

/**
 * The client side: sends requests with fresh ids and matches the answers.
 * Feed it the Host's events; it takes the lobby's and leaves the rest.
 */
export class LobbyClient {
  /** @type {Peer} the connection to the lobby */
  peer;
  /**
   * Notices and relayed messages from the lobby, oldest first: `member`,
   * `closed` and `relay`. Take them with `shift()`; past `maxNotices` the
   * oldest is dropped and counted in `droppedNotices`.
   *
   * @type {Record<string, unknown>[]}
   */
  notices = [];
  /** Notices dropped because `notices` was full: a game that never reads them keeps only the newest. */
  droppedNotices = 0;
  /** @type {number} how many notices wait to be read before the oldest is dropped */
  maxNotices;
  #nextId = 1;
  /** @type {Map<number, { resolve: (answer: Record<string, unknown>) => void, reject: (error: Error) => void }>} */
  #waiting = new Map();

  /**
   * Wraps the connection to a lobby.
   *
   * @param {Peer} peer from `host.connect(lobbyAddress)`
   * @param {number} maxNotices notices kept unread before the oldest is dropped (default 1024)
   */
  constructor(peer, maxNotices = 1024) {
    if (!(Number.isInteger(maxNotices) && maxNotices > 0)) {
      throw new RangeError(`maxNotices must be a positive integer, not ${maxNotices}`);
    }
    this.peer = peer;
    this.maxNotices = maxNotices;
  }

  /** @returns {number} requests sent and not yet answered, rejected or timed out */
  get pending() {
    return this.#waiting.size;
  }

  /**
   * Sends a request; the answer resolves the promise, an `error` answer rejects it, and so does no answer
   * within `timeoutMs` (real time).
   *
   * @param {Record<string, unknown>} request the request without an id, such as `{ op: "list" }`
   * @param {{ timeoutMs?: number }} options `timeoutMs`: how long to wait for the answer (default 10,000, the
   *   Host's default timeout: a lobby silent that long is gone)
   * @returns {Promise<Record<string, unknown>>} the answer
   * @throws {RangeError} for a `timeoutMs` that is not a positive number
   */
  request(request, options = {}) {
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
   * @param {HostEvent} event from the client Host's `poll()`
   * @returns {boolean} true when the event was the lobby's
   */
  handle(event) {
    if (event.peer !== this.peer) return false;
    if (event.type === "disconnect") {
      for (const waiting of this.#waiting.values()) {
        waiting.reject(new Error(`The lobby disconnected: ${event.reason}`));
      }
      this.#waiting.clear();
    }
    if (event.type !== "message") return true;
    const message = /** @type {Record<string, unknown>} */ (event.data);
    const waiting = typeof message?.id === "number" ? this.#waiting.get(message.id) : undefined;
    if (!waiting) {
      if (this.notices.push(message) > this.maxNotices) {
        this.notices.shift();
        this.droppedNotices++;
      }
    } else {
      this.#waiting.delete(/** @type {number} */ (message.id));
      if (message.op === "error") waiting.reject(new Error(String(message.error)));
      else waiting.resolve(message);
    }
    return true;
  }
}
