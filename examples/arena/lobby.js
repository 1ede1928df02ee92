// @ts-check
/**
 * The arena's way into a room: through the lobby (examples/lobby), which the
 * arena server runs beside its game on a second WebSocket path, `/lobby`.
 * The page and the bots both come in this way: list the lobby's rooms, join
 * the first room of the name they want (or open one), and keep the lobby's
 * answer. Its `ticket` is a secret only this player heard; the game
 * connection (`/play?ticket=…`) shows it, and the server seats a player only
 * while the lobby still counts that ticket's holder in the room.
 *
 * Plain JavaScript with JSDoc types, like client.js: the browser loads it,
 * and the lobby's client (../lobby/client_lib.js), as they are.
 *
 * @module
 */
/** @import { Socket } from "../../dist/mod.d.ts" */
/** @import { Room, RoomSummary } from "../lobby/client_lib.ts" */
// @ts-types="../../dist/mod.d.ts"
import { Host } from "../../dist/mod.js";
import { LobbyClient } from "../lobby/client_lib.js";

/** The lobby's Host is updated this often: its answers wait for an update, and 16 ms is one frame at 60 Hz. */
const UPDATE_MS = 16;

/** Tries at entering a room: a room listed may fill up or close before the join reaches the lobby. */
const ENTER_TRIES = 3;

/**
 * What the lobby answered a join or create: the room (its id, name and
 * members), your member id in it, and your ticket for the game server.
 *
 * @typedef {{ room: Room, you: string, ticket: string }} Admission
 */

/** A connection to the arena's lobby, updated on its own timer until `close()`. */
export class ArenaLobby {
  /** The Host of this one connection. */
  host;
  /** The lobby's client: requests, and the notices that came unasked (update() keeps none: see closedSince). */
  client;
  #timer;
  /** Whether a "closed" notice came since the last `closedSince()`. */
  #closed = false;

  /** @param {Socket & { readonly address: string }} socket a `webSocket(…)` to the arena's /lobby */
  constructor(socket) {
    this.host = new Host(socket);
    this.client = new LobbyClient(this.host.connect(socket.address));
    this.#timer = setInterval(() => this.update(), UPDATE_MS);
  }

  /**
   * Takes in what arrived and sends what waits: the timer calls it, a caller may too. Of the notices it keeps only
   * whether the room closed: a member's relays, which the arena never uses, were kept until `closedSince()` read
   * them, and a bot never reads it, so one player relaying 256 KiB every 100 ms grew the demo's server by 130 MB in
   * 40 s (a review, 2026-12-03).
   */
  update() {
    this.host.update();
    for (let event; (event = this.host.poll());) this.client.handle(event);
    if (this.client.notices.some((notice) => notice.op === "closed")) this.#closed = true;
    this.client.notices.length = 0;
  }

  /** @returns {Promise<RoomSummary[]>} the lobby's rooms, at most 100 */
  async rooms() {
    const answer = await this.client.request({ op: "list" });
    return /** @type {RoomSummary[]} */ (answer.rooms);
  }

  /**
   * Joins the first room named `name` with a place free, or opens one of that
   * name (for `maxPlayers`) when there is none. Two players who open the same
   * name at the same moment get two rooms of that name: the lobby keeps rooms
   * by id, and names are only labels.
   *
   * @param {string} name the room's name
   * @param {number} maxPlayers how many a room this opens takes
   * @returns {Promise<Admission>} the lobby's answer
   */
  async enter(name, maxPlayers) {
    for (let tries = 1;; tries++) {
      const room = (await this.rooms()).find((listed) =>
        listed.name === name && !listed.locked && listed.players < listed.maxPlayers
      );
      try {
        const answer = await this.client.request(
          room ? { op: "join", room: room.id } : { op: "create", name, maxPlayers },
        );
        return /** @type {Admission} */ (/** @type {unknown} */ (answer));
      } catch (error) {
        if (tries >= ENTER_TRIES) throw error;
      }
    }
  }

  /**
   * Gives this page's place in its room back, staying in the lobby for its room list: a room it opened closes if no
   * one else is in it (the arena's lobby hands it on otherwise).
   */
  leave() {
    this.client.request({ op: "leave" }).catch(() => {}); // not in a room any more: nothing to give back
  }

  /** @returns {boolean} whether the lobby said the room closed (its host left) since the last call */
  closedSince() {
    const closed = this.#closed;
    this.#closed = false;
    return closed;
  }

  /** Leaves the lobby, and with it the room: the game server lets the player go at its next tick. */
  close() {
    clearInterval(this.#timer);
    this.host.close();
  }
}
