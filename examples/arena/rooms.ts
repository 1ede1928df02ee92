/**
 * The arena's worlds: one for each lobby room with someone playing in it,
 * and which connected player plays which `Player` in which world.
 *
 * The lobby (examples/lobby, run by server.ts) decides who is in which room:
 * players list, create and join rooms there. This file only seats a player
 * the lobby admitted (server.ts checks the ticket from the lobby's answer
 * first) in the world of that lobby room, one seat per ticket, and lets it
 * go. A world opens with its first player and closes with its last.
 *
 * @module
 */
import type { Peer } from "../../mod.ts";
import { type Player, World } from "./world.ts";

/** Options of {@linkcode Rooms}. */
export interface RoomsOptions {
  /**
   * Makes the numbers from 0 to 1 that place one room's players and items
   * (default Math.random for every room). A test passes a seeded generator
   * for each room, so where players appear in one room does not depend on
   * what happens in another.
   */
  randomFor?: (room: string) => () => number;
}

/** One lobby room's world, and which peer plays which player in it. */
export class Room {
  /** The lobby's room id. */
  readonly id: string;
  /** The lobby room's name, for the log. */
  readonly name: string;
  readonly world: World;
  readonly members: Map<Peer, Player> = new Map();
  /**
   * @param id the lobby's room id
   * @param name the lobby room's name, for the log
   * @param random where players and items appear
   */
  constructor(id: string, name: string, random?: () => number) {
    this.id = id;
    this.name = name;
    this.world = new World(random);
  }
}

/** A player's place: its room, its player, and the lobby ticket it was seated with. */
export interface Seat {
  room: Room;
  player: Player;
  ticket: string;
}

export class Rooms implements Iterable<Room> {
  #randomFor?: (room: string) => () => number;
  #rooms = new Map<string, Room>();
  #seats = new Map<Peer, Seat>();
  /** Tickets seated now: one seat per ticket, so a ticket shown twice does not give its holder two players. */
  #seated = new Set<string>();

  constructor(options: RoomsOptions = {}) {
    this.#randomFor = options.randomFor;
  }

  /** True while a player plays with this ticket. */
  seated(ticket: string): boolean {
    return this.#seated.has(ticket);
  }

  /**
   * Seats `peer` as a new player in the world of lobby room `room` (opened if
   * need be). The caller checked the ticket with the lobby; this refuses a
   * ticket already seated, with a RangeError.
   */
  join(room: { id: string; name: string }, playerName: string, peer: Peer, ticket: string): Seat {
    if (this.#seated.has(ticket)) throw new RangeError("This ticket is already playing: one player per ticket");
    let world = this.#rooms.get(room.id);
    if (!world) this.#rooms.set(room.id, world = new Room(room.id, room.name, this.#randomFor?.(room.name)));
    const player = world.world.join(playerName);
    world.members.set(peer, player);
    const seat = { room: world, player, ticket };
    this.#seats.set(peer, seat);
    this.#seated.add(ticket);
    return seat;
  }

  /** Where `peer` plays, if anywhere. */
  seat(peer: Peer): Seat | undefined {
    return this.#seats.get(peer);
  }

  /** Every seat, for checking them all against the lobby. */
  seats(): IterableIterator<[Peer, Seat]> {
    return this.#seats.entries();
  }

  /** Takes `peer`'s player out of its world; the world closes when it was the last. Returns where it was. */
  leave(peer: Peer): Seat | undefined {
    const seat = this.#seats.get(peer);
    if (!seat) return undefined;
    const { room, player, ticket } = seat;
    room.members.delete(peer);
    room.world.leave(player.id);
    this.#seats.delete(peer);
    this.#seated.delete(ticket);
    if (!room.members.size) this.#rooms.delete(room.id);
    return seat;
  }

  [Symbol.iterator](): Iterator<Room> {
    return this.#rooms.values();
  }
}
