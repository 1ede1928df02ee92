/**
 * The arena's rooms: which world each connected player is in. A player picks
 * a room by name in the page's address (`?room=demo`), and a room exists
 * while someone is in it.
 *
 * This is the one part the lobby (examples/lobby) is meant to replace: there,
 * players list rooms and join one through the lobby's protocol, and the lobby
 * tells the arena who belongs where. Everything the server needs from rooms
 * is the four methods below (`check`, `join`, `leave`, `list`) plus iterating
 * them each tick, so a lobby-backed version can stand in their place.
 *
 * @module
 */
import type { Peer } from "../../mod.ts";
import { type Player, World } from "./world.ts";

/** Room names: short and safe to put in a URL and a log line. */
const ROOM_NAME = /^[A-Za-z0-9_-]{1,32}$/;

/** Limits of the rooms; every one has a default. */
export interface RoomsOptions {
  /** Rooms at once (default 100). */
  maxRooms?: number;
  /** Players in one room (default 16: the arena is 800 × 480 pixels, and 16 circles of 18 px fill it enough). */
  maxPlayers?: number;
  /** Where players and items appear: numbers from 0 to 1 (default Math.random; a test passes a seeded one). */
  random?: () => number;
}

/** A room as the page lists it. */
export interface RoomSummary {
  name: string;
  players: number;
  maxPlayers: number;
}

/** One room: its world, and which peer plays which player in it. */
export class Room {
  readonly world: World;
  readonly members: Map<Peer, Player> = new Map();
  constructor(readonly name: string, random?: () => number) {
    this.world = new World(random);
  }
}

export class Rooms implements Iterable<Room> {
  readonly maxRooms: number;
  readonly maxPlayers: number;
  #random?: () => number;
  #rooms = new Map<string, Room>();
  #roomOf = new Map<Peer, Room>();

  constructor(options: RoomsOptions = {}) {
    this.maxRooms = options.maxRooms ?? 100;
    this.maxPlayers = options.maxPlayers ?? 16;
    this.#random = options.random;
  }

  /** Why a player cannot join room `name` now, or undefined when it can. */
  check(name: string): string | undefined {
    if (!ROOM_NAME.test(name)) return `A room name is 1 to 32 letters, digits, "_" or "-", not "${name.slice(0, 32)}"`;
    const room = this.#rooms.get(name);
    if (!room && this.#rooms.size >= this.maxRooms) return `Cannot open room "${name}": all ${this.maxRooms} are open`;
    if (room && room.members.size >= this.maxPlayers) return `Room "${name}" is full (${this.maxPlayers} players)`;
  }

  /** Seats `peer` in room `name` (opened if need be) as a new player; throws a RangeError when `check` would refuse. */
  join(name: string, playerName: string, peer: Peer): [Room, Player] {
    const refused = this.check(name);
    if (refused) throw new RangeError(refused);
    let room = this.#rooms.get(name);
    if (!room) this.#rooms.set(name, room = new Room(name, this.#random));
    const player = room.world.join(playerName);
    room.members.set(peer, player);
    this.#roomOf.set(peer, room);
    return [room, player];
  }

  /** Where `peer` plays, if anywhere. */
  seat(peer: Peer): [Room, Player] | undefined {
    const room = this.#roomOf.get(peer);
    const player = room?.members.get(peer);
    return room && player ? [room, player] : undefined;
  }

  /** Takes `peer`'s player out of its room; the room closes when it was the last. Returns where it was. */
  leave(peer: Peer): [Room, Player] | undefined {
    const seat = this.seat(peer);
    if (!seat) return undefined;
    const [room, player] = seat;
    room.members.delete(peer);
    room.world.leave(player.id);
    this.#roomOf.delete(peer);
    if (!room.members.size) this.#rooms.delete(room.name);
    return seat;
  }

  /** Every open room, busiest first. */
  list(): RoomSummary[] {
    return [...this.#rooms.values()]
      .map(({ name, members }) => ({ name, players: members.size, maxPlayers: this.maxPlayers }))
      .sort((a, b) => b.players - a.players || a.name.localeCompare(b.name));
  }

  [Symbol.iterator](): Iterator<Room> {
    return this.#rooms.values();
  }
}
