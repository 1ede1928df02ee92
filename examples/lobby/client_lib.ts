/**
 * The player's side of the lobby: {@linkcode LobbyClient} and the shapes of
 * the rooms it hears about. The class itself is plain JavaScript with JSDoc
 * types in ./client_lib.js, so a browser page loads it as it is, with no
 * TypeScript strip (the arena's page does: examples/arena/page.js); Deno,
 * Node and Bun import it from here, with the types below. Neither file names
 * a runtime global, and both import only types.
 *
 * ```ts ignore
 * import { Host, webSocket } from "../../dist/mod.js";
 * import { LobbyClient } from "./client_lib.js"; // in a page; "./client_lib.ts" in Deno
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
export { LobbyClient } from "./client_lib.js";

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
  /**
   * The member id of the host: the room closes when the host leaves, unless the lobby hands rooms on (its `handOver`
   * option): then the member who joined first after it hosts it, as a `member` notice's `host` says.
   */
  host: string;
  /** Everyone in the room, the host first. */
  members: Member[];
  /** With a shared directory (kvStore): the id of the lobby process the host is connected to. */
  lobby?: string;
  /** Set by `create`'s `password`: a join must give it. Kept in the directory, never sent to players. */
  password?: string;
  /**
   * Set by a lobby with `handOver`: the room goes on when its host's lobby process stops, to its first member on a
   * live one, as when its host leaves. Kept in the directory (kv.ts reads it), never sent to players.
   */
  handOver?: boolean;
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
  /** True when a join needs the room's password. */
  locked: boolean;
}
