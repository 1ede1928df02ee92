/**
 * A lobby for jamnet games: players create rooms, list them, join and leave,
 * and the lobby relays game messages between the members of a room that cannot
 * reach each other directly (two browsers, two players behind NAT). It speaks
 * plain jamnet messages over any Host, so UDP and WebSocket clients use the
 * same protocol.
 *
 * | request (client → lobby)                                  | answer                                        |
 * | --------------------------------------------------------- | --------------------------------------------- |
 * | `{ op: "create", id, name, maxPlayers, meta? }`           | `{ op: "created", id, room }`                 |
 * | `{ op: "list", id }`                                      | `{ op: "rooms", id, rooms }` (summaries)      |
 * | `{ op: "join", id, room }` (a room id)                    | `{ op: "joined", id, room }`                  |
 * | `{ op: "leave", id }`                                     | `{ op: "left", id }`                          |
 * | `{ op: "relay", data, to?, mode? }`                       | none; members get `{ op: "relay", from, data }` |
 * | anything malformed, unknown or not allowed                | `{ op: "error", id, error }`: nothing changed |
 *
 * Members of a room also hear `{ op: "member", room, member, joined }` when
 * someone joins or leaves, and `{ op: "closed", room }` when the room closes:
 * its host left, disconnected or timed out.
 *
 * The room directory sits behind {@linkcode RoomStore}: {@linkcode memoryStore}
 * by default, or {@linkcode kvStore} over Deno KV, which several lobby
 * processes can share. Relay reaches the members connected to the same lobby.
 *
 * @module
 */
import { type Host, type HostEvent, type Mode, pack, type Peer } from "../../mod.ts";

/** One member of a room, as the other members see it. */
export interface Member {
  /** The lobby's name for this member, random and unique. */
  id: string;
  /** The member's socket address as the lobby sees it: where a direct connection may reach it. */
  address: string;
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

/** Where the room directory lives. Every method may be asynchronous. */
export interface RoomStore {
  /** The room with this id, or undefined. */
  get(id: string): Promise<Room | undefined>;
  /** Adds or replaces a room. */
  put(room: Room): Promise<void>;
  /** Removes a room; nothing happens when there is none. */
  delete(id: string): Promise<void>;
  /** Up to `limit` rooms, in no promised order. */
  list(limit: number): Promise<Room[]>;
}

/**
 * The room directory in this process's memory: the default.
 *
 * @returns an empty store
 */
export function memoryStore(): RoomStore {
  const rooms = new Map<string, Room>();
  return {
    get: (id) => Promise.resolve(rooms.get(id)),
    put: (room) => Promise.resolve(void rooms.set(room.id, structuredClone(room))),
    delete: (id) => Promise.resolve(void rooms.delete(id)),
    list: (limit) => Promise.resolve([...rooms.values()].slice(0, limit)),
  };
}

/** Options of {@linkcode kvStore}. */
export interface KvStoreOptions {
  /** The key prefix, so that several games share one KV (default `["jamnet-lobby"]`). */
  prefix?: Deno.KvKey;
  /**
   * A room not written again within this many ms disappears (default 60,000):
   * a lobby that crashes leaves nothing behind for long. A running lobby
   * writes its rooms again every third of it (see `LobbyOptions.refreshMs`).
   */
  expireInMs?: number;
}

/**
 * The room directory in Deno KV (`Deno.openKv()`, a local file by default):
 * several lobby processes on one KV share one directory.
 *
 * @param kv an open KV, from `await Deno.openKv(path)`
 * @param options key prefix and expiry
 * @returns a store over `kv`
 */
export function kvStore(kv: Deno.Kv, options: KvStoreOptions = {}): RoomStore {
  const { prefix = ["jamnet-lobby"], expireInMs = 60_000 } = options;
  return {
    get: async (id) => (await kv.get<Room>([...prefix, id])).value ?? undefined,
    put: async (room) => void await kv.set([...prefix, room.id], room, { expireIn: expireInMs }),
    delete: (id) => kv.delete([...prefix, id]),
    async list(limit) {
      const rooms: Room[] = [];
      for await (const entry of kv.list<Room>({ prefix }, { limit })) rooms.push(entry.value);
      return rooms;
    },
  };
}

/** Limits of a {@linkcode Lobby}; every one has a default. */
export interface LobbyOptions {
  /** Where rooms are kept (default {@linkcode memoryStore}). */
  store?: RoomStore;
  /** Most rooms in the directory (default 1,000): a create past it is refused. */
  maxRooms?: number;
  /** Largest `maxPlayers` a room may ask for (default 64). */
  maxPlayers?: number;
  /** Longest room name in characters (default 64). */
  maxNameLength?: number;
  /** Largest `meta`, packed (default 1,024 bytes). */
  maxMetaBytes?: number;
  /** Most rooms in one `rooms` answer (default 100). */
  listLimit?: number;
  /** The lobby writes the rooms its members host again this often, in ms (default 20,000), so a KV store keeps them. */
  refreshMs?: number;
  /** The clock in ms (default `performance.now`); pass the Host's, such as `memoryNet().now`. */
  now?: () => number;
}

/** A connected client of the lobby. */
interface Client {
  member: Member;
  peer: Peer;
  room?: string;
}

type Request = Record<string, unknown>;
const MODES: Mode[] = ["reliable", "unordered", "sequenced", "unreliable"];

/** A request the lobby refuses: its message goes back to the client, and nothing changed. */
class Refused extends Error {}

/** Longest room id the lobby looks up: its own are 8 characters, and Deno KV keys stop at 2 KiB. */
const MAX_ROOM_ID_LENGTH = 64;

/** A value from the network, short enough to quote in an error message. */
function shown(value: unknown): string {
  return typeof value === "string"
    ? JSON.stringify(value.slice(0, 32)) + (value.length > 32 ? "…" : "")
    : `(${typeof value})`;
}

/**
 * The lobby server: give it a Host, then call `update()` every tick (or let
 * `run()` do it). It answers requests, keeps the directory, closes rooms whose
 * host left or timed out (the Host's `timeout`), and relays.
 *
 * @example A lobby and one client on an in-memory network
 * ```ts
 * import { Host, memoryNet } from "../../mod.ts";
 * import { Lobby, LobbyClient } from "./lobby.ts";
 *
 * const net = memoryNet({ latencyMs: 10 });
 * const lobby = new Lobby(new Host(net.socket("lobby"), { now: net.now }), { now: net.now });
 * const host = new Host(net.socket("player"), { now: net.now });
 * const client = new LobbyClient(host.connect("lobby"));
 * const created = client.request({ op: "create", name: "jam", maxPlayers: 4 });
 * for (let tick = 0; tick < 20; tick++) {
 *   host.update();
 *   await lobby.update();
 *   net.advance(16);
 *   for (let event; (event = host.poll());) client.handle(event);
 * }
 * console.log(await created); // { op: "created", id: 1, room: { id: "…", name: "jam", … } }
 * ```
 */
export class Lobby {
  #host: Host;
  #store: RoomStore;
  #limits: Required<Omit<LobbyOptions, "store" | "now">>;
  #now: () => number;
  #clients = new Map<Peer, Client>();
  /** Per room, its members connected to this lobby: relay and notices go to them. */
  #local = new Map<string, Set<Client>>();
  #lastRefresh: number;
  #running: Promise<void> = Promise.resolve();

  /**
   * Makes a lobby on a Host.
   *
   * @param host the Host the clients connect to
   * @param options limits, the store and the clock
   */
  constructor(host: Host, options: LobbyOptions = {}) {
    this.#host = host;
    this.#store = options.store ?? memoryStore();
    this.#now = options.now ?? (() => performance.now());
    this.#limits = {
      maxRooms: options.maxRooms ?? 1000,
      maxPlayers: options.maxPlayers ?? 64,
      maxNameLength: options.maxNameLength ?? 64,
      maxMetaBytes: options.maxMetaBytes ?? 1024,
      listLimit: options.listLimit ?? 100,
      refreshMs: options.refreshMs ?? 20_000,
    };
    this.#lastRefresh = this.#now();
  }

  /** Clients connected now. */
  get clients(): number {
    return this.#clients.size;
  }

  /**
   * Updates the Host and handles every event, one at a time; the store is
   * awaited between them. Calls overlap safely: each waits for the one before.
   */
  update(): Promise<void> {
    return this.#running = this.#running.then(() => this.#update());
  }

  /**
   * Updates every `tickMs` until `signal` aborts.
   *
   * @param tickMs ms between updates
   * @param signal stops the loop
   */
  async run(tickMs = 16, signal?: AbortSignal): Promise<void> {
    while (!signal?.aborted) {
      await this.update();
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
  }

  async #update(): Promise<void> {
    this.#host.update();
    for (let event; (event = this.#host.poll());) await this.#event(event);
    if (this.#now() - this.#lastRefresh >= this.#limits.refreshMs) {
      this.#lastRefresh = this.#now();
      for (const client of this.#clients.values()) {
        const room = client.room && await this.#store.get(client.room);
        if (room && room.host === client.member.id) await this.#store.put(room);
      }
    }
  }

  async #event(event: HostEvent): Promise<void> {
    if (event.type === "connect") {
      const member = { id: crypto.randomUUID().slice(0, 8), address: event.peer.address };
      this.#clients.set(event.peer, { member, peer: event.peer });
      return;
    }
    const client = this.#clients.get(event.peer);
    if (!client) return;
    if (event.type === "disconnect") {
      this.#clients.delete(event.peer);
      return await this.#leave(client);
    }
    const request = event.data as Request;
    // Only an integer id is echoed: anything else would send the client's bytes back to it.
    const id = Number.isSafeInteger(request?.id) ? request.id : undefined;
    try {
      const answer = await this.#handle(client, request);
      if (answer) this.#send(client, { ...answer, id });
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      this.#send(client, { op: "error", id, error: error.message });
    }
  }

  /**
   * Sends, or returns why not: a message over the mode's size limit, a full send queue
   * (a client that stopped acking), a peer just disconnected. Never throws.
   */
  #send(client: Client, message: Record<string, unknown>, mode: Mode = "reliable"): string | undefined {
    try {
      client.peer.send(message, { mode });
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** Checks the whole request first, then changes state: a refused request changes nothing. */
  async #handle(client: Client, request: Request): Promise<Record<string, unknown> | undefined> {
    if (typeof request !== "object" || request === null || Array.isArray(request)) {
      throw new Refused("A request is an object with an op: create, list, join, leave or relay");
    }
    const { op, id } = request;
    if (id !== undefined && !Number.isSafeInteger(id)) throw new Refused(`id must be an integer, not ${typeof id}`);
    const room = request.room;
    if (op === "join" && !(typeof room === "string" && room.length <= MAX_ROOM_ID_LENGTH)) {
      throw new Refused("room must be a room id");
    }
    const limits = this.#limits;
    switch (op) {
      case "create": {
        const { name, maxPlayers, meta = {} } = request;
        if (typeof name !== "string" || !name || name.length > limits.maxNameLength) {
          throw new Refused(`name must be a string of 1 to ${limits.maxNameLength} characters`);
        }
        if (!Number.isInteger(maxPlayers) || (maxPlayers as number) < 2 || (maxPlayers as number) > limits.maxPlayers) {
          throw new Refused(`maxPlayers must be an integer from 2 to ${limits.maxPlayers}`);
        }
        if (typeof meta !== "object" || meta === null || Array.isArray(meta) || meta instanceof Uint8Array) {
          throw new Refused("meta must be an object");
        }
        const metaBytes = pack(meta).length;
        if (metaBytes > limits.maxMetaBytes) {
          throw new Refused(`meta packs to ${metaBytes} bytes: the limit is ${limits.maxMetaBytes}`);
        }
        this.#mustBeOutside(client);
        if ((await this.#store.list(limits.maxRooms)).length >= limits.maxRooms) {
          throw new Refused(`The lobby is full: ${limits.maxRooms} rooms`);
        }
        const room: Room = {
          id: crypto.randomUUID().slice(0, 8),
          name,
          maxPlayers: maxPlayers as number,
          meta: meta as Record<string, unknown>,
          host: client.member.id,
          members: [client.member],
        };
        await this.#store.put(room);
        this.#enter(client, room.id);
        return { op: "created", room };
      }
      case "list": {
        const rooms = await this.#store.list(limits.listLimit);
        return {
          op: "rooms",
          rooms: rooms.map(({ id, name, maxPlayers, members, meta }): RoomSummary => ({
            id,
            name,
            maxPlayers,
            players: members.length,
            meta,
          })),
        };
      }
      case "join": {
        this.#mustBeOutside(client);
        const room = await this.#store.get(request.room as string);
        if (!room) throw new Refused(`No room ${shown(request.room)}`);
        if (room.members.length >= room.maxPlayers) {
          throw new Refused(`Room ${room.id} is full: ${room.maxPlayers} players`);
        }
        room.members.push(client.member);
        await this.#store.put(room);
        for (const other of this.#local.get(room.id) ?? []) {
          this.#send(other, { op: "member", room: room.id, member: client.member, joined: true });
        }
        this.#enter(client, room.id);
        return { op: "joined", room };
      }
      case "leave":
        if (!client.room) throw new Refused("Not in a room");
        await this.#leave(client);
        return { op: "left" };
      case "relay": {
        const { data, to, mode = "reliable" } = request;
        if (!client.room) throw new Refused("Not in a room: join one to relay");
        if (!MODES.includes(mode as Mode)) throw new Refused(`mode must be one of ${MODES.join(", ")}`);
        const relay = { op: "relay", from: client.member.id, data };
        let reached = 0;
        let failure: string | undefined;
        for (const other of this.#local.get(client.room)!) {
          if (other === client || (to !== undefined && other.member.id !== to)) continue;
          reached++;
          failure = this.#send(other, relay, mode as Mode) ?? failure;
        }
        if (to !== undefined && !reached) throw new Refused(`No member ${shown(to)} here in room ${client.room}`);
        // The sends are checked one by one: a relay too large for its mode fails for every member alike.
        if (failure) throw new Refused(`Relay failed: ${failure}`);
        return undefined;
      }
      default:
        throw new Refused(`Unknown op ${shown(op)}: create, list, join, leave or relay`);
    }
  }

  #mustBeOutside(client: Client): void {
    if (client.room) throw new Refused(`Already in room ${client.room}: leave it first`);
  }

  #enter(client: Client, room: string): void {
    client.room = room;
    const members = this.#local.get(room) ?? new Set();
    this.#local.set(room, members.add(client));
  }

  /** Takes a client out of its room; a host leaving closes the room for everyone. */
  async #leave(client: Client): Promise<void> {
    const roomId = client.room;
    if (!roomId) return;
    client.room = undefined;
    const local = this.#local.get(roomId)!;
    local.delete(client);
    if (!local.size) this.#local.delete(roomId);
    const room = await this.#store.get(roomId);
    if (!room) return;
    if (room.host === client.member.id) {
      await this.#store.delete(roomId);
      for (const other of local) {
        other.room = undefined;
        this.#send(other, { op: "closed", room: roomId });
      }
      this.#local.delete(roomId);
      return;
    }
    room.members = room.members.filter((member) => member.id !== client.member.id);
    await this.#store.put(room);
    for (const other of local) this.#send(other, { op: "member", room: roomId, member: client.member, joined: false });
  }
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
