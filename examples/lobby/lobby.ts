/**
 * A lobby for jamnet games: players create rooms, list them, join and leave,
 * and the lobby relays game messages between the members of a room that cannot
 * reach each other directly (two browsers, two players behind NAT). It speaks
 * plain jamnet messages over any Host, and one lobby may serve several Hosts at
 * once (a UDP one and a WebSocket one) from one room directory.
 *
 * | request (client → lobby)                                  | answer                                        |
 * | --------------------------------------------------------- | --------------------------------------------- |
 * | `{ op: "create", id, name, maxPlayers, meta?, password? }` | `{ op: "created", id, room, you, ticket }`    |
 * | `{ op: "list", id }`                                      | `{ op: "rooms", id, rooms }` (summaries)      |
 * | `{ op: "join", id, room, password? }` (a room id)         | `{ op: "joined", id, room, you, ticket }`     |
 * | `{ op: "leave", id }`                                     | `{ op: "left", id }`                          |
 * | `{ op: "relay", data, to?, mode? }`                       | none; members get `{ op: "relay", from, data }` |
 * | anything malformed, unknown or not allowed                | `{ op: "error", id, error }`: nothing changed |
 *
 * Members of a room also hear `{ op: "member", room, member, joined }` when
 * someone joins or leaves, and `{ op: "closed", room }` when the room closes:
 * its host left, disconnected or timed out, or the host's lobby process
 * stopped (a shared directory). With `handOver` (see {@linkcode LobbyOptions}),
 * a host that leaves others in the room hands it to the member who joined
 * first after it: they hear `{ op: "member", room, member, joined: false, host }`
 * with the new host's id, and the room closes only when its last member leaves.
 * A member hears each join at most once, and a leave at most once and only
 * of a member it knows: one in the room it was given, or one it heard join.
 *
 * `you` is the member id the lobby gave you; `ticket` is a secret that only
 * you hear, for a game server beside the lobby: `lobby.admitted(ticket)`
 * tells it which room and member the ticket's holder is while that member
 * is in the room (see {@linkcode Lobby.admitted}). The arena
 * (examples/arena) seats a player only against a ticket.
 *
 * The room directory sits behind {@linkcode RoomStore}: {@linkcode memoryStore}
 * by default, or `kvStore` (./kv.ts) over Deno KV, which several lobby
 * processes share: each relays to the members connected to it and hands the
 * rest to the other lobbies through the store. The player's side,
 * {@linkcode LobbyClient}, lives in ./client_lib.ts, which a browser can load.
 *
 * @module
 */
import { type Host, type HostEvent, type Mode, pack, type Peer } from "../../mod.ts";
import type { Member, Room, RoomSummary } from "./client_lib.ts";

export { LobbyClient, type Member, type Room, type RoomSummary } from "./client_lib.ts";
export { kvStore, type KvStoreOptions } from "./kv.ts";

/**
 * A message for the members of a room connected to another lobby process:
 * what one lobby hands another through a shared directory.
 */
export interface Delivery {
  /** The room. */
  room: string;
  /** The message, `{ op: "member" | "closed" | "relay", … }`, as the members get it. */
  message: Record<string, unknown>;
  /** Only to this member. */
  to?: string;
  /** To everyone but this member. */
  except?: string;
  /** How it travels the last leg (default reliable). */
  mode?: Mode;
}

/**
 * A directory that several lobby processes share: each one's heartbeat, and
 * a mailbox per lobby for the {@linkcode Delivery deliveries} between them.
 * One per lobby: its `lobby` id is the lobby's.
 */
export interface SharedDirectory {
  /** This lobby's id: rooms and members it serves carry it. */
  readonly lobby: string;
  /** How often the lobby calls `beat`, in ms. */
  readonly heartbeatMs: number;
  /**
   * Writes this lobby's heartbeat and reads the others'; the rooms of lobbies
   * whose heartbeat went stale are dropped from the directory before it
   * resolves (a room on such a lobby later came to it once it woke). When this
   * lobby's own heartbeat was found stale while it ran (a stall) and its rooms
   * dropped, `taken` is called first, and awaited: the lobby's own copy of
   * its rooms must become the store's before it counts as alive again.
   */
  beat(taken?: () => Promise<void>): Promise<void>;
  /** False for a lobby whose heartbeat was stale at the last `beat`. */
  alive(lobby: string): boolean;
  /**
   * True for a lobby buried since the `beat` before the last one, by whichever lobby, dead still or awake again: its
   * rooms were handed on or deleted, and this lobby's copies of them must become the store's. A lobby awake again by
   * this lobby's beat is alive all the same (a stall that outlasted the staleness by less than a beat).
   */
  wasBuried?(lobby: string): boolean;
  /**
   * True for a lobby with no heartbeat entry at the last `beat`: forgotten (long after its burial) or never seen. Its
   * members leave a room the store hands on (see kv.ts) with no lobby to tell them gone: #dropTheDead counts it as
   * stopped, and a host's leave hands its room to none of them. A lobby that started since the last `beat` is one too
   * until the next: only a member the room's copy no longer has is told as gone, and a store's `update` reads the
   * entry of such a member's lobby before its `change` (kvStore does), so that a heir on it is not passed over.
   */
  gone?(lobby: string): boolean;
  /**
   * True when the last `beat` found a lobby newly buried (see `wasBuried`) or newly gone (see `gone`): the rooms this
   * lobby hosts may hold members of it that their copies here never had (a join whose notice was lost), and the lobby
   * reads the store's rooms it hosts once to drop them (see #dropTheDead). False at every other beat.
   */
  lost?(): boolean;
  /** Leaves a delivery in another lobby's mailbox; resolves to why it could not (too large), never rejects. */
  send(lobby: string, delivery: Delivery): Promise<string | undefined>;
  /**
   * Takes what waits in this lobby's mailbox, the oldest first, by the time it was sent (on the clock the directory's
   * lobbies share) whichever lobby sent it, each sender's in the order sent. A lobby sends past every time it heard of,
   * in the mail and beats it read: a leave sent by a lobby that read the join applies last, whatever the clocks. Other
   * mail comes in the order sent only when sent further apart than the lobbies' clocks disagree, plus a ms: a leave by
   * a lobby that learned of the join only from the store's rooms needs clocks that agree. Mail of two lobbies in one ms
   * comes sender by sender (concurrent anyway). The time is taken when `send` is called, before its write commits: a
   * write retried or slow, or a lobby that stalled between a change's store commit and its send, delivers late, after
   * mail sent meanwhile. It may take only the oldest part, and the rest at the next calls.
   */
  receive(): Promise<Delivery[]>;
}

/** Where the room directory lives. Every method may be asynchronous; the optional ones make it scale and share. */
export interface RoomStore {
  /** The room with this id, or undefined. */
  get(id: string): Promise<Room | undefined>;
  /** Adds or replaces a room. */
  put(room: Room): Promise<void>;
  /** Removes a room; nothing happens when there is none. */
  delete(id: string): Promise<void>;
  /** Up to `limit` rooms, in no promised order. */
  list(limit: number): Promise<Room[]>;
  /**
   * Adds a room unless `maxRooms` exist or a room has its id (then false), without listing them. Without it the lobby
   * lists to count, and looks for a room of the id first (put would replace it). A store that refuses for another
   * reason resolves to it, told to the player: a shared store refuses while its lobby is taken for dead, until its next
   * beat (see kv.ts).
   */
  create?(room: Room, maxRooms: number): Promise<boolean | string>;
  /**
   * Changes one room atomically: `change` gets the room as stored and returns
   * it changed, or throws to refuse; nothing else writes the room in between.
   * Returns the room written, or undefined when there is none. Rejects with
   * a RangeError when the changed room is too large to keep (kvStore: past
   * Deno KV's 64 KiB a value), nothing written: a join is refused with it.
   * Without it: get, then put (atomic only within one lobby process).
   */
  update?(id: string, change: (room: Room) => Room): Promise<Room | undefined>;
  /** Set when several lobby processes share this directory. */
  readonly shared?: SharedDirectory;
}

/**
 * The room directory in this process's memory: the default.
 *
 * @returns an empty store
 */
export function memoryStore(): RoomStore {
  const rooms = new Map<string, Room>();
  return {
    get: (id) => Promise.resolve(structuredClone(rooms.get(id))),
    put: (room) => Promise.resolve(void rooms.set(room.id, structuredClone(room))),
    delete: (id) => Promise.resolve(void rooms.delete(id)),
    list: (limit) => Promise.resolve([...rooms.values()].slice(0, limit)),
    create(room, maxRooms) {
      if (rooms.size >= maxRooms || rooms.has(room.id)) return Promise.resolve(false);
      rooms.set(room.id, structuredClone(room));
      return Promise.resolve(true);
    },
    update(id, change) {
      const room = rooms.get(id);
      if (!room) return Promise.resolve(undefined);
      // Synchronous from read to write: nothing can come between.
      try {
        const changed = change(structuredClone(room));
        rooms.set(id, structuredClone(changed));
        return Promise.resolve(changed);
      } catch (error) {
        return Promise.reject(error);
      }
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
  /**
   * Longest room name in characters (default 64). A name with a control character (C0 or C1) or a bidi control (an
   * override, an isolate or a mark) is refused.
   */
  maxNameLength?: number;
  /**
   * Largest `meta`, packed (default 1,024 bytes). With kvStore, a room must fit a KV value (64 KiB), where `meta` may be
   * kept in 5 times its packed size (empty arrays): past about 12 KB here a create or a join may be refused for it.
   */
  maxMetaBytes?: number;
  /** Most rooms in one `rooms` answer (default 100). */
  listLimit?: number;
  /**
   * Answers and notices one client may have waiting in the lobby while its
   * send queue is full (default 64): past it, a request is answered with a
   * short error instead, so every request gets an answer. A client that lets
   * 4,096 more pile up is disconnected.
   */
  maxPendingAnswers?: number;
  /**
   * Bytes of relayed `data` (packed) one member may send a second, on average over a second (default 1,048,576, as
   * much as one message of the Host's default `maxMessageBytes`): past it a relay is refused with an error until the
   * allowance refills, so one member cannot have the lobby send without end to a room of 64.
   */
  maxRelayBytesPerSecond?: number;
  /**
   * Requests one client may make a second, on average over a second (default 240: a relay every frame at 60 frames a
   * second, four times over): past it a request is answered with an error until the allowance refills, so that one
   * client cannot keep the lobby, and a shared store's database, busy for everyone (300 one-byte relays an update, far
   * under `maxRelayBytesPerSecond`, made each update of two lobbies on one KV file take 157 ms, not 0.3).
   */
  maxRequestsPerSecond?: number;
  /**
   * Rooms one client may have listed a second, on average over a second (default 400: four lists of `listLimit`
   * rooms), a list counting its rooms (at least 1, at most a second's worth): past it a list is answered with an
   * error until the allowance refills. A list answers up to `listLimit` rooms with their `meta`, about 110 KB at the
   * defaults, where its request is a few bytes: 32 clients of one machine asking 240 lists a second each, within
   * `maxRequestsPerSecond`, made each `update()` take 140 ms (p50; 0.6 ms for the same rate of small answers). A
   * client that polls a short list often is not held back.
   */
  maxRoomsListedPerSecond?: number;
  /**
   * Clients connected at once from one address, its port aside (`"203.0.113.7"` of `"203.0.113.7:50000"`, `"[::1]"`
   * of `"[::1]:4000"`): past it a new one is disconnected at once and logged, so one machine cannot take every seat of
   * the Hosts' `maxPeers`. No bound by default: the addresses a `webSocketServer()` gives by itself (`"ws:1"`) name no
   * machine, and players behind one router share theirs. examples/lobby/server.ts run as a program, whose addresses
   * are the clients', sets 32.
   */
  maxClientsPerAddress?: number;
  /**
   * Whether a host that leaves others in its room hands the room to the member who joined first after it (default
   * false: the room closes, as a game the host runs ends with it). For a game whose world is a server's, such as the
   * arena's: there a host's reload closed the room and ended everyone else's game.
   */
  handOver?: boolean;
  /** Called with one line for every room created or closed and every join and leave (default: silent). */
  log?: (line: string) => void;
  /** The clock in ms (default `performance.now`); pass the Host's, such as `memoryNet().now`. */
  now?: () => number;
}

/** A connected client of the lobby. */
interface Client {
  member: Member;
  peer: Peer;
  room?: string;
  /** The secret of its admission to `room`, from the `created` or `joined` answer: see `Lobby.admitted`. */
  ticket?: string;
  /** The members of its room it knows of: in the room's answer it was given, or heard join since (see #notice). */
  known: Map<string, Member>;
  /** The host of its room as it last heard: in the room's answer, or named by a leave since. */
  host?: string;
  /** Answers and notices its send queue had no room for yet, oldest first. */
  waiting: Record<string, unknown>[];
  /** Bytes it may still relay (see `maxRelayBytesPerSecond`). */
  relays: Allowance;
  /** Requests it may still make (see `maxRequestsPerSecond`). */
  requests: Allowance;
  /** Rooms it may still have listed (see `maxRoomsListedPerSecond`). */
  listed: Allowance;
}

/**
 * What a client may still spend of a rate: it refills continuously at `perSecond`, up to a second's worth. The lobby
 * server's allowance of an address's received bytes is one too (see ./allowance.ts).
 */
export class Allowance {
  readonly perSecond: number;
  #left: number;
  #at: number | undefined;

  constructor(perSecond: number) {
    this.perSecond = perSecond;
    this.#left = perSecond;
  }

  /** What may be spent at time `now` (ms). */
  left(now: number): number {
    // `|| 0`: at an unbounded rate, no time passed is 0 × Infinity, NaN, which would stick in #left.
    const refill = (now - (this.#at ?? now)) * this.perSecond / 1000 || 0;
    return Math.min(this.perSecond, this.#left + refill);
  }

  /** Spends `amount` at time `now` (ms) and returns undefined, or, when less is left, spends nothing and returns it. */
  spend(amount: number, now: number): number | undefined {
    const left = this.left(now);
    if (amount > left) return left;
    this.#left = left - amount;
    this.#at = now;
  }
}

type Request = Record<string, unknown>;
const MODES: Mode[] = ["reliable", "unordered", "sequenced", "unreliable"];

/** A request the lobby refuses: its message goes back to the client, and nothing changed. */
class Refused extends Error {}

/** Longest room id the lobby looks up: its own are 32 characters, and Deno KV keys stop at 2 KiB. */
const MAX_ROOM_ID_LENGTH = 64;
/** Events a lobby handles from one Host in one update: the rest wait for the next update (see #update). */
const MAX_EVENTS_PER_UPDATE = 256;

/**
 * Error answers a client may have waiting past `maxPendingAnswers`: about
 * 100 bytes each, so 400 KB at most; a client past it floods on purpose.
 */
const MAX_WAITING_ERRORS = 4096;

/** A value from the network, short enough to quote in an error message. */
function shown(value: unknown): string {
  return typeof value === "string"
    ? JSON.stringify(value.slice(0, 32)) + (value.length > 32 ? "…" : "")
    : `(${typeof value})`;
}

/**
 * A new room's id: the whole UUID (its 32 hex digits). 8 drew a room's id twice about once in 4 million creates with
 * 1,000 rooms open, and the second create replaced the first room, or (Deno KV) retried forever.
 */
const newRoomId = () => crypto.randomUUID().replaceAll("-", "");

/** Ids a create draws at most while the one drawn is taken: past it, a broken random source, or a broken store. */
const ROOM_ID_DRAWS = 3;
/**
 * The store's rooms a lobby hosts, read at a beat that found a lobby newly buried or gone (see #dropTheDead): this many
 * at once. One after another, 30 reads of 150 ms (1,000 rooms at 4.5 ms a read, a remote KV) held the beat past
 * staleAfterMs, and the other lobbies buried this one, alive all along.
 */
const HOSTED_READS_AT_ONCE = 64;

/** Longest room password. */
const MAX_PASSWORD_LENGTH = 64;

/** A room as its members hear it: without its password, nor the directory's own handOver. */
function shownRoom({ password: _password, handOver: _handOver, ...room }: Room): Room {
  return room;
}

/**
 * A control character (Unicode's Cc: U+0000 to U+001F and U+007F to U+009F), or a bidi control (Unicode's
 * Bidi_Control: the overrides and isolates U+202A to U+202E and U+2066 to U+2069, which turn the text after them
 * around: a room named "\u202eomed" was listed in every arena page as "(4/1) demo", its own count of players reversed
 * after it, and its log lines ran backwards (a review, 2026-12-06); and the marks U+200E, U+200F and U+061C, which
 * move what follows them too: "room demo\u200f: 1/4 players" reads "room demo1/4 : players" in GNU FriBidi 1.0.16 (a
 * review, 2026-12-06)). The arena strips the same from players' names. Unicode's other format characters (Cf) pass:
 * ZWJ (U+200D) joins emoji such as 👩‍💻, ZWNJ (U+200C) is spelling in Persian, and neither moves text.
 */
const CONTROL = /[\p{Cc}\p{Bidi_Control}]/u;

/**
 * Whether `text` has more than `max` characters, a surrogate pair one: counted in UTF-16 units, a name of 17 emoji was
 * refused at a limit of 32 characters (a review, 2026-12-06). Past twice `max` units it is too long without counting.
 */
const longerThan = (text: string, max: number) =>
  text.length > max && (text.length > 2 * max || [...text].length > max);

/** An address without its port: the machine it names (`"[::1]"` of `"[::1]:4000"`). */
const machineOf = (address: string) => address.replace(/:\d+$/, "");

/** The Host's message for a send queue that is full: the one send failure worth waiting out. */
const isQueueFull = (reason: string) => reason.includes("bytes are queued");

/**
 * The lobby server: give it one Host or several (one per transport), then
 * call `update()` every tick (or let `run()` do it). It answers requests,
 * keeps the directory, closes rooms whose host left or timed out (the Host's
 * `timeout`), and relays.
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
  #hosts: Host[];
  #store: RoomStore;
  #shared?: SharedDirectory;
  #limits: Required<Omit<LobbyOptions, "store" | "now" | "log">>;
  #log: (line: string) => void;
  #now: () => number;
  #clients = new Map<Peer, Client>();
  /** Per room, its members connected to this lobby: relay and notices go to them. */
  #local = new Map<string, Set<Client>>();
  /** The rooms this lobby has members in, as last written or heard: who else to tell, and on which lobby. */
  #rooms = new Map<string, Room>();
  /** Who holds each ticket: the client it was given to, while that client is in the room it was given for. */
  #tickets = new Map<string, Client>();
  #lastBeat = -Infinity;
  /**
   * A beat of this lobby went through once: until then its heartbeat entry may not exist, and other lobbies take a
   * lobby with none for one forgotten and drop its members (see #update).
   */
  #beatWritten = false;
  /** Taken for dead at a beat: its rooms are read once more after a beat written (see #update). */
  #retake = false;
  /**
   * The lobbies `wasBuried` named, kept until a #dropTheDead ran to its end: wasBuried holds for one beat only, and a
   * #dropTheDead that threw half-way would lose the burial.
   */
  #buried = new Set<string>();
  /**
   * `lost` held at a beat: the store's rooms this lobby hosts are read for members of lobbies that stopped, until a
   * #dropTheDead ran to its end (as #buried).
   */
  #readHosted = false;
  #running: Promise<void> = Promise.resolve();
  /** Clients kicked while an event was handled: they leave their rooms right after it (see #leaveKicked). */
  #kicked: Client[] = [];
  /** Clients connected now by address, its port aside (see `maxClientsPerAddress`). */
  #perAddress = new Map<string, number>();

  /**
   * Makes a lobby on one Host, or on several that share its room directory.
   *
   * @param hosts the Host (or Hosts: UDP, WebSocket) the clients connect to
   * @param options limits, the store, the log and the clock
   */
  constructor(hosts: Host | Host[], options: LobbyOptions = {}) {
    this.#hosts = Array.isArray(hosts) ? hosts : [hosts];
    if (!this.#hosts.length) throw new RangeError("A lobby needs at least one Host");
    this.#store = options.store ?? memoryStore();
    this.#shared = this.#store.shared;
    this.#now = options.now ?? (() => performance.now());
    this.#log = options.log ?? (() => {});
    this.#limits = {
      maxRooms: options.maxRooms ?? 1000,
      maxPlayers: options.maxPlayers ?? 64,
      maxNameLength: options.maxNameLength ?? 64,
      maxMetaBytes: options.maxMetaBytes ?? 1024,
      listLimit: options.listLimit ?? 100,
      maxPendingAnswers: options.maxPendingAnswers ?? 64,
      maxRelayBytesPerSecond: options.maxRelayBytesPerSecond ?? 1 << 20,
      maxRequestsPerSecond: options.maxRequestsPerSecond ?? 240,
      maxRoomsListedPerSecond: options.maxRoomsListedPerSecond ?? 400,
      maxClientsPerAddress: options.maxClientsPerAddress ?? Infinity,
      handOver: options.handOver ?? false,
    };
  }

  /** Clients connected now, over every Host. */
  get clients(): number {
    return this.#clients.size;
  }

  /**
   * Who the lobby admitted with `ticket`: the room and the member, while that
   * member is still in the room through this lobby process (still connected,
   * not left, the room not closed). A game server running beside the lobby
   * seats a player against the ticket from its `created` or `joined` answer,
   * and checks it again as it plays: a ticket is a secret only its holder
   * heard, where a member id is told to the whole room.
   *
   * @param ticket from the player: the `ticket` of its lobby's answer
   * @returns the room (as this lobby last knew it) and the member, or undefined
   */
  admitted(ticket: string): { room: Room; member: Member } | undefined {
    const client = this.#tickets.get(ticket);
    const room = client?.room === undefined ? undefined : this.#rooms.get(client.room);
    return client && room && this.#clients.get(client.peer) === client ? { room, member: client.member } : undefined;
  }

  /**
   * Updates the Hosts and handles every event, one at a time; the store is
   * awaited between them. Calls overlap safely: each waits for the one before.
   * One that fails (the store threw) rejects, and the next goes on.
   */
  update(): Promise<void> {
    const update = this.#running.then(() => this.#update());
    // Chained on the failed one itself, every later update rejected with it too: the lobby had stopped for good.
    this.#running = update.catch(() => {});
    return update;
  }

  /**
   * Updates every `tickMs` until `signal` aborts.
   *
   * @param tickMs ms between updates
   * @param signal stops the loop
   */
  async run(tickMs = 16, signal?: AbortSignal): Promise<void> {
    while (!signal?.aborted) {
      // A store that fails for a moment (Deno KV busy) fails one update; the server goes on, and logs it.
      await this.update().catch((error) => this.#log(`an update failed: ${error}`));
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
  }

  async #update(): Promise<void> {
    // The kicks an update that failed (the store threw) left undone, before anything else.
    await this.#leaveKicked();
    const shared = this.#shared;
    // The heartbeat first: a flood of requests, each awaiting the store, must not delay it past the staleness (200
    // requests a millisecond for 8 s did, and the other lobbies buried this one's rooms).
    const beaten = !!shared && this.#now() - this.#lastBeat >= shared.heartbeatMs;
    if (shared && beaten) {
      this.#lastBeat = this.#now();
      // Rooms of other lobbies found closed at the reading before the beat, with their host's lobby: why is logged
      // once the beat read which lobbies stopped (or, should it throw, as the beat before knew it).
      const closed = new Map<string, string>();
      try {
        await shared.beat(async () => {
          this.#retake = true;
          await this.#takenForDead(shared, false, closed);
        });
        this.#beatWritten = true;
      } finally {
        if (!this.#beatWritten) this.#lastBeat = -Infinity; // tried again at the next update, not a heartbeat later
        for (const [id, lobby] of closed) {
          const why = !shared.alive(lobby) || shared.wasBuried?.(lobby)
            ? `its host's lobby ${lobby} stopped`
            : "this lobby was taken for dead, its heartbeat late";
          this.#log(`room ${id} closed: ${why}`);
        }
      }
    }
    // Once more after a beat that took this lobby for dead: a host's lobby may drop a member of this one between the
    // reading of the rooms and the beat, while the beat still reads buried; after the beat, none can. A field: a beat()
    // or a reading that threw leaves it to the next update, not a heartbeat later.
    if (shared && this.#retake) {
      await this.#takenForDead(shared, true);
      this.#retake = false;
    }
    if (shared && beaten) {
      await this.#dropTheDead(shared);
      await this.#leaveKicked();
    }
    for (const client of this.#clients.values()) this.#flush(client);
    // No player is served before this lobby's first beat went through: a player that joined a room on another lobby
    // while this one had no heartbeat entry (its first beat's write failed, "database is locked" for a second) was
    // dropped from it at that lobby's beat, as a member of a lobby forgotten. The events wait in the Hosts meanwhile.
    const serving = !shared || this.#beatWritten;
    for (const host of this.#hosts) {
      host.update();
      // At most MAX_EVENTS_PER_UPDATE a Host an update: the rest wait for the next one, so an update always ends.
      for (let count = 0, event; serving && count < MAX_EVENTS_PER_UPDATE && (event = host.poll()); count++) {
        await this.#event(event);
        await this.#leaveKicked();
      }
    }
    if (shared) { for (const delivery of await shared.receive()) this.#deliver(delivery); }
    await this.#leaveKicked();
  }

  /**
   * Takes the clients kicked meanwhile out of their rooms, one at a time, before the next event. A kick comes inside a
   * send (#answer), which cannot wait; a leave left to run beside the next events raced them: a join to a kicked host's
   * room while a store that takes a while (Deno KV) deleted it got in, heard the close, stayed in the room, and its
   * next relay threw out of update().
   */
  async #leaveKicked(): Promise<void> {
    for (let client; (client = this.#kicked.shift());) {
      try {
        await this.#leave(client, "(kicked)");
      } catch (error) {
        this.#log(`leaving ${client.member.id} failed: ${error}`);
      }
    }
  }

  /**
   * Rooms whose host's lobby stopped close, or go on as the lobby that buried it handed them on; members whose lobby
   * stopped leave the rooms hosted here, and each member here hears who it knows went with a lobby that stopped.
   */
  async #dropTheDead(shared: SharedDirectory): Promise<void> {
    // Per room, the lobbies of its members, in the copy and as its members here know them: each lobby asked once.
    const lobbiesOf = new Map<string, Set<string>>();
    const asked = new Set<string>();
    for (const [id, room] of this.#rooms) {
      const lobbies = new Set([room.lobby!]);
      for (const member of room.members) lobbies.add(member.lobby!);
      for (const client of this.#local.get(id) ?? []) {
        for (const member of client.known.values()) lobbies.add(member.lobby!);
      }
      for (const lobby of lobbies) {
        if (asked.has(lobby)) continue;
        asked.add(lobby);
        if (shared.wasBuried?.(lobby)) this.#buried.add(lobby);
      }
      lobbiesOf.set(id, lobbies);
    }
    // Or gone from the heartbeats (forgotten, or never seen): the store drops its members from a room it hands on, and
    // it counts as alive, where a member here that knew one, once the copy is the store's, heard nothing.
    const stopped = (lobby: string) => !shared.alive(lobby) || this.#buried.has(lobby) || !!shared.gone?.(lobby);
    // A member stays while its lobby is present: alive (one buried and awake again is) and not gone.
    const present = (lobby: string) => shared.alive(lobby) && !shared.gone?.(lobby);
    if (shared.lost?.()) this.#readHosted = true;
    // The store's rooms this lobby hosts, when it reads them (see below): HOSTED_READS_AT_ONCE at a time, in parallel.
    const hosted = new Map<string, Room | undefined>();
    if (this.#readHosted) {
      const ids = [...this.#rooms.values()].filter((room) => room.lobby === shared.lobby).map((room) => room.id);
      for (let at = 0; at < ids.length; at += HOSTED_READS_AT_ONCE) {
        const slice = ids.slice(at, at + HOSTED_READS_AT_ONCE);
        const read = await Promise.all(slice.map((id) => this.#store.get(id)));
        slice.forEach((id, i) => hosted.set(id, read[i]));
      }
    }
    for (let room of [...this.#rooms.values()]) {
      if (stopped(room.lobby!)) {
        // beat() buried the lobby before this, here or elsewhere: a room it handed on is in the store, on a live lobby.
        const stored = await this.#store.get(room.id);
        // Awake again and hosting it: handed to it since it woke (its burial left it none of its rooms).
        if (stored?.lobby === room.lobby && shared.alive(room.lobby!)) continue;
        // Only a room gone from the store closes. One on a lobby counted dead is open, handed to it since it woke:
        // closing it would take it from its members there.
        if (!stored) {
          this.#log(`room ${room.id} closed: its host's lobby ${room.lobby} stopped`);
          this.#deliver({ room: room.id, message: { op: "closed", room: room.id } });
          continue;
        }
        // Its own lobby hosts it again when that lobby, counted dead here, woke and was handed the room since. Its
        // members hear who went with a dead lobby at the end.
        const how = stored.lobby === room.lobby ? "was counted dead, hosts it again" : "stopped";
        this.#log(`room ${room.id}: its host's lobby ${room.lobby} ${how}, host now ${stored.host}`);
        this.#rooms.set(room.id, stored);
        room = stored;
      }
      if (room.lobby !== shared.lobby) continue;
      // Or gone from the heartbeats (forgotten): a room handed here by a host's leave may have a member of one that its
      // host's lobby never heard join, so never dropped, and nothing else would. Those in the copy at every beat; those
      // only in the store's room (a join through a lobby that stopped before its notice came here) at a beat that found
      // a lobby newly buried or gone: the store's room is read then, once, not at every beat.
      let members = room.members;
      if (this.#readHosted) {
        // Read above, or now for a room handed here by a lobby that stopped (its copy was the store's then).
        const stored = hosted.has(room.id) ? hosted.get(room.id) : await this.#store.get(room.id);
        const ids = new Set(members.map((member) => member.id));
        if (stored?.lobby === shared.lobby) members = [...members, ...stored.members.filter((m) => !ids.has(m.id))];
      }
      for (const member of members) {
        if (present(member.lobby!)) continue;
        // Alive again when the store found its lobby awake since the beat, or with a heartbeat entry (one started since
        // the beat: see kv.ts): the member stays.
        const changed = await this.#change(room.id, (stored) => ({
          ...stored,
          members: stored.members.filter((other) => other.id !== member.id || present(member.lobby!)),
        }));
        if (!changed) continue;
        this.#rooms.set(room.id, changed);
        if (changed.members.some((other) => other.id === member.id)) continue;
        await this.#tell(changed, { op: "member", room: room.id, member, joined: false });
      }
    }
    // Each member here hears the leave of each one it knows that went with a dead or buried lobby and is not in the
    // copy, the host last with the room's host. Told against who it knows, not against the copy: the copy may be the
    // store's already, taken at a join or a leave here. Only rooms with a lobby that stopped: going through every
    // member each member here knows took 64 ms a beat for 1,000 rooms of 64 here.
    for (const [id, local] of this.#local) {
      const room = this.#rooms.get(id);
      const lobbies = lobbiesOf.get(id);
      if (!room || !lobbies || ![...lobbies].some(stopped)) continue;
      const ids = new Set(room.members.map((member) => member.id));
      for (const client of local) {
        const gone = (member: Member) =>
          member.id !== client.member.id && stopped(member.lobby!) && !ids.has(member.id);
        this.#tellLeaves(client, id, gone, room.host);
      }
    }
    this.#buried.clear();
    this.#readHosted = false;
  }

  async #event(event: HostEvent): Promise<void> {
    if (event.type === "connect") {
      const { address } = event.peer;
      const from = machineOf(address);
      const count = (this.#perAddress.get(from) ?? 0) + 1;
      if (count > this.#limits.maxClientsPerAddress) {
        this.#log(`client ${address} disconnected: ${count - 1} clients from ${from} are connected already`);
        return event.peer.disconnect();
      }
      this.#perAddress.set(from, count);
      const member: Member = { id: crypto.randomUUID().slice(0, 8), address };
      if (this.#shared) member.lobby = this.#shared.lobby;
      const { maxRelayBytesPerSecond, maxRequestsPerSecond, maxRoomsListedPerSecond } = this.#limits;
      this.#clients.set(event.peer, {
        member,
        peer: event.peer,
        waiting: [],
        known: new Map(),
        relays: new Allowance(maxRelayBytesPerSecond),
        requests: new Allowance(maxRequestsPerSecond),
        listed: new Allowance(maxRoomsListedPerSecond),
      });
      return;
    }
    const client = this.#clients.get(event.peer);
    if (!client) return;
    if (event.type === "disconnect") {
      this.#forget(client);
      return await this.#leave(client, `(${event.reason})`);
    }
    const request = event.data as Request;
    // Only an integer id is echoed: anything else would send the client's bytes back to it.
    const id = Number.isSafeInteger(request?.id) ? request.id : undefined;
    try {
      // Counted before anything is looked at: a refused request costs the lobby an answer, never the store.
      if (client.requests.spend(1, this.#now()) !== undefined) {
        throw new Refused(`Too many requests: at most ${client.requests.perSecond} a second`);
      }
      const answer = await this.#handle(client, request);
      if (answer) this.#answer(client, { ...answer, id });
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      this.#answer(client, { op: "error", id, error: error.message });
    }
  }

  /**
   * Sends, or returns why not: a message over the mode's size limit, a full send queue
   * (a client that stopped acking), a peer just disconnected (`send` returns false). Never throws.
   */
  #send(client: Client, message: Record<string, unknown>, mode: Mode = "reliable"): string | undefined {
    try {
      if (!client.peer.send(message, { mode })) return `the peer ${client.peer.address} is gone`;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /**
   * Sends an answer or a notice, in order, or keeps it until the client's send
   * queue has room: every request is answered. Past `maxPendingAnswers` a
   * short error goes in the answer's place; past 4,096 more the client is
   * disconnected. Never throws.
   */
  #answer(client: Client, message: Record<string, unknown>): void {
    // Kicked, and still in its room until #leaveKicked: it hears nothing more (nor is it kicked twice).
    if (this.#clients.get(client.peer) !== client) return;
    if (!client.waiting.length) {
      const failure = this.#send(client, message);
      if (failure === undefined) return;
      if (!isQueueFull(failure)) {
        // Not a matter of waiting (the answer is too large, the peer is gone): say so, once.
        this.#send(client, { op: "error", id: message.id, error: `The answer could not be sent: ${failure}` });
        return;
      }
    }
    const { maxPendingAnswers } = this.#limits;
    if (client.waiting.length >= maxPendingAnswers + MAX_WAITING_ERRORS) {
      this.#log(`client ${client.member.id} (${client.peer.address}) disconnected: it let too many answers pile up`);
      // A kick: disconnect() again drops the queue it does not read, at once. Our own disconnect() brings no event,
      // so the client leaves its room right after the event at hand (it stayed a member, and its ticket admitted it).
      client.peer.disconnect();
      client.peer.disconnect();
      this.#forget(client);
      this.#kicked.push(client);
      return;
    }
    // An answer, with or without an id (a request may have none), never a notice: a request without an id had its whole
    // answer kept past the bound, up to 4,096 more (a list's 110 KB each: 33 MB a client).
    if (client.waiting.length >= maxPendingAnswers && "id" in message) {
      message = {
        op: "error",
        id: message.id,
        error: `Too many requests at once: ${maxPendingAnswers} answers wait for your connection already`,
      };
    }
    client.waiting.push(message);
  }

  /** Sends what waits for a client while its send queue takes it. */
  #flush(client: Client): void {
    while (client.waiting.length) {
      const failure = this.#send(client, client.waiting[0]);
      if (failure !== undefined && isQueueFull(failure)) return;
      client.waiting.shift();
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
    switch (op) {
      case "create":
        return await this.#create(client, request);
      case "list": {
        const shared = this.#shared;
        const rooms = (await this.#store.list(this.#limits.listLimit)).filter((room) =>
          !shared || shared.alive(room.lobby!)
        );
        // Counted by what it answers: the store's read is bounded by maxRequestsPerSecond, the answer's bytes here.
        const { listed } = client;
        // At least 1 after the bound: at maxRoomsListedPerSecond 0 a list of 0 rooms spent nothing, and every list went.
        if (listed.spend(Math.max(1, Math.min(listed.perSecond, rooms.length)), this.#now()) !== undefined) {
          throw new Refused(`Too many rooms listed: at most ${listed.perSecond} a second`);
        }
        return {
          op: "rooms",
          rooms: rooms.map((
            { id, name, maxPlayers, members, meta, password },
          ): RoomSummary => ({ id, name, maxPlayers, players: members.length, meta, locked: password !== undefined })),
        };
      }
      case "join":
        return await this.#join(client, request.room as string, request.password);
      case "leave":
        if (!client.room) throw new Refused("Not in a room");
        await this.#leave(client, "");
        return { op: "left" };
      case "relay":
        await this.#relay(client, request);
        return undefined;
      default:
        throw new Refused(`Unknown op ${shown(op)}: create, list, join, leave or relay`);
    }
  }

  async #create(client: Client, request: Request): Promise<Record<string, unknown>> {
    const limits = this.#limits;
    const { name, maxPlayers, meta = {}, password } = request;
    // No control characters: a name goes into the log and every player's list. JSON quoting escapes only those under
    // U+0020, and U+009B is a terminal's CSI as much as ESC [ is: "\u009b2J" cleared xterm.js's screen.
    if (typeof name !== "string" || !name || longerThan(name, limits.maxNameLength) || CONTROL.test(name)) {
      throw new Refused(
        `name must be a string of 1 to ${limits.maxNameLength} characters, none a control character or a bidi control`,
      );
    }
    if (!Number.isInteger(maxPlayers) || (maxPlayers as number) < 2 || (maxPlayers as number) > limits.maxPlayers) {
      throw new Refused(`maxPlayers must be an integer from 2 to ${limits.maxPlayers}`);
    }
    if (typeof meta !== "object" || meta === null || Array.isArray(meta) || meta instanceof Uint8Array) {
      throw new Refused("meta must be an object");
    }
    // Its size as sent first: a clone costs far more than a pack (a 1 MiB meta of empty arrays took 316 ms to clone,
    // 12 to pack).
    const sentBytes = pack(meta).length;
    if (sentBytes > limits.maxMetaBytes) {
      throw new Refused(`meta packs to ${sentBytes} bytes: the limit is ${limits.maxMetaBytes}`);
    }
    // Then as the store keeps it and a list sends it: a store's copy (structuredClone, or Deno KV's serialization)
    // turns an Extension into a plain object one level deeper, so 252 levels that packed as sent made every list fail
    // for as long as the room was open.
    const kept = structuredClone(meta) as Record<string, unknown>;
    if (
      password !== undefined &&
      !(typeof password === "string" && password && !longerThan(password, MAX_PASSWORD_LENGTH))
    ) {
      throw new Refused(`password must be a string of 1 to ${MAX_PASSWORD_LENGTH} characters`);
    }
    const metaBytes = pack(kept).length;
    if (metaBytes > limits.maxMetaBytes) {
      throw new Refused(`meta packs to ${metaBytes} bytes: the limit is ${limits.maxMetaBytes}`);
    }
    // meta travels three levels down in the answer to a list ({ op, rooms: [{ …, meta }] }): one nested too deep to
    // pack there (a player's 1 KB can nest 254 levels, pack stops at 256) would make every player's list fail.
    try {
      pack({ rooms: [{ meta: kept }] });
    } catch {
      throw new Refused("meta is nested too deep: it must pack inside a list's answer, three levels down");
    }
    this.#mustBeOutside(client);
    const room: Room = {
      id: newRoomId(),
      name,
      maxPlayers: maxPlayers as number,
      meta: kept,
      host: client.member.id,
      members: [client.member],
    };
    if (this.#shared) room.lobby = this.#shared.lobby;
    if (password !== undefined) room.password = password as string;
    // For whichever lobby buries this one's rooms, should this process stop: it hands the room on (see kv.ts).
    if (limits.handOver) room.handOver = true;
    const store = this.#store;
    const taken = async () => (await store.get(room.id)) !== undefined;
    /** The store's answer, or undefined while every id drawn was taken. */
    let created: boolean | string | undefined;
    for (let draw = 1; draw <= ROOM_ID_DRAWS; draw++) {
      if (draw > 1) room.id = newRoomId();
      if (store.create) {
        // A store that counts its rooms answers at once. It refuses a full lobby and an id another room has alike: a
        // refusal looks for the id, so that a player is not told "The lobby is full" for the second.
        created = await store.create(room, limits.maxRooms);
        if (created === false && await taken()) created = undefined;
      } else if (!(await taken())) {
        // One that cannot count is counted by listing its rooms, and a room of the id is looked for first: its put
        // would replace that room.
        created = (await store.list(limits.maxRooms)).length < limits.maxRooms && (await store.put(room), true);
      }
      if (created !== undefined) break;
      this.#log(
        `room id ${room.id} drawn for ${this.#who(client)} is taken` +
          (draw < ROOM_ID_DRAWS ? ": drawing another" : ""),
      );
    }
    created ??= `No free room id in ${ROOM_ID_DRAWS} draws: try again`;
    if (created !== true) {
      // The store's reason when it gave one (a buried lobby is busy, not full).
      throw new Refused(typeof created === "string" ? created : `The lobby is full: ${limits.maxRooms} rooms`);
    }
    this.#enter(client, room);
    this.#log(`room ${room.id} ${JSON.stringify(name)} created by ${this.#who(client)}: 1/${room.maxPlayers}`);
    return { op: "created", room: shownRoom(room), you: client.member.id, ticket: client.ticket };
  }

  async #join(client: Client, roomId: string, password: unknown): Promise<Record<string, unknown>> {
    this.#mustBeOutside(client);
    const shared = this.#shared;
    const room = await this.#change(roomId, (room) => {
      if (shared && !shared.alive(room.lobby!)) throw new Refused(`No room ${shown(roomId)}`);
      // Its last member, the host, left, and the room is being deleted (see #leave).
      if (!room.members.some((member) => member.id === room.host)) throw new Refused(`No room ${shown(roomId)}`);
      if (room.password !== undefined && password !== room.password) {
        throw new Refused(`Room ${room.id} is locked: ${password === undefined ? "it needs a" : "wrong"} password`);
      }
      if (room.members.length >= room.maxPlayers) {
        throw new Refused(`Room ${room.id} is full: ${room.maxPlayers} players`);
      }
      return { ...room, members: [...room.members, client.member] };
    }).catch((error) => {
      throw error instanceof RangeError ? new Refused(error.message) : error;
    });
    if (!room) throw new Refused(`No room ${shown(roomId)}`);
    await this.#tell(room, { op: "member", room: room.id, member: client.member, joined: true }, client.member.id);
    this.#enter(client, room);
    this.#log(`${this.#who(client)} joined room ${room.id}: ${room.members.length}/${room.maxPlayers}`);
    return { op: "joined", room: shownRoom(room), you: client.member.id, ticket: client.ticket };
  }

  async #relay(client: Client, request: Request): Promise<void> {
    const { data, mode = "reliable" } = request;
    // A `to` of null (what undefined packs to) means everyone, as no `to` does.
    const to = request.to ?? undefined;
    if (!client.room) throw new Refused("Not in a room: join one to relay");
    if (!MODES.includes(mode as Mode)) throw new Refused(`mode must be one of ${MODES.join(", ")}`);
    const room = this.#rooms.get(client.room)!;
    // Only to a member the sender knows (see #notice), as a member gets a relay only from one it knows (see #deliver):
    // this lobby's copy may be the store's already, with a member whose join the sender has not heard. And only to one
    // still in the copy, which the relay goes by: one it has not, whose leave the copy took, has nowhere to go.
    if (
      to !== undefined &&
      (to === client.member.id || !client.known.has(to as string) || !room.members.some((member) => member.id === to))
    ) {
      throw new Refused(`No member ${shown(to)} here in room ${client.room}`);
    }
    // The allowance refills at maxRelayBytesPerSecond, up to a second's worth (a relay of data that does not pack
    // counts nothing: its send below fails and says why).
    let bytes = 0;
    try {
      bytes = pack(data).length;
    } catch {
      // counted as nothing
    }
    const left = client.relays.spend(bytes, this.#now());
    if (left !== undefined) {
      throw new Refused(
        `Too much relayed: ${bytes} bytes, and ${Math.floor(left)} of ${client.relays.perSecond} a second are left`,
      );
    }
    const failure = await this.#tell(
      room,
      { op: "relay", from: client.member.id, data },
      client.member.id,
      to as string | undefined,
      mode as Mode,
    );
    // The sends are checked one by one: a relay too large for its mode fails for every member alike.
    if (failure) throw new Refused(`Relay failed: ${failure}`);
  }

  /**
   * Tells a room's members (all but `except`, or only `to`): those connected
   * here at once, those on other lobbies through the shared directory.
   * Returns why a send here failed, for a relay; notices wait for room instead.
   */
  async #tell(
    room: Room,
    message: Record<string, unknown>,
    except?: string,
    to?: string,
    mode: Mode = "reliable",
  ): Promise<string | undefined> {
    let failure: string | undefined;
    for (const other of this.#local.get(room.id) ?? []) {
      if (other.member.id === except || (to !== undefined && other.member.id !== to)) continue;
      if (message.op === "relay") failure = this.#send(other, message, mode) ?? failure;
      else this.#notice(other, message);
    }
    const shared = this.#shared;
    if (!shared) return failure;
    const lobbies = new Set<string>();
    for (const member of room.members) {
      if (member.id === except || (to !== undefined && member.id !== to)) continue;
      if (member.lobby && member.lobby !== shared.lobby) lobbies.add(member.lobby);
    }
    for (const lobby of lobbies) {
      failure = (await shared.send(lobby, { room: room.id, message, to, except, mode })) ?? failure;
    }
    return failure;
  }

  /** A delivery from another lobby: hand it to the members here, and keep the room's member list current. */
  #deliver({ room: roomId, message, to, except, mode = "reliable" }: Delivery): void {
    const local = this.#local.get(roomId);
    const room = this.#rooms.get(roomId);
    if (message.op === "member" && room) {
      const member = message.member as Member;
      room.members = room.members.filter((other) => other.id !== member.id);
      if (message.joined) room.members.push(member);
      // Handed over: the host, and the lobby that keeps its room's members (see #dropTheDead), are the new host's.
      // Only a host still in the room: a handover heard after a later one (the heir left meanwhile) is stale.
      const heir = message.host === undefined ? undefined : room.members.find((other) => other.id === message.host);
      if (heir) {
        room.host = heir.id;
        room.lobby = heir.lobby ?? room.lobby;
      }
    }
    if (message.op === "member" && room && typeof message.host === "string") message = { ...message, host: room.host };
    for (const client of local ?? []) {
      if (client.member.id === except || (to !== undefined && client.member.id !== to)) continue;
      // A member gets a relay only from one it knows in the room. One it heard leave is out; one whose leave is still on
      // its way is in. Not against this lobby's copy: that may be the store's already, without the sender.
      if (message.op === "relay") {
        if (client.known.has(message.from as string)) this.#send(client, message, mode);
      } else this.#notice(client, message);
      if (message.op === "closed") this.#out(client);
    }
    if (message.op === "closed") {
      this.#local.delete(roomId);
      this.#rooms.delete(roomId);
    }
  }

  /**
   * This lobby was taken for dead while it ran (its heartbeat stalled past the directory's staleness) and buried: its
   * rooms were handed on or deleted, its members dropped from the others' rooms, and its mailbox emptied. Each room it
   * has members in becomes the store's: a member here that the store's room no longer has is out of it, its ticket
   * admitting no one, and hears `closed`, or its own leave (with the new host, when it hosted); the others hear who
   * came and went of those they know. What waits in the mailbox, sent since the burial, is delivered first. `again`:
   * read once more after the beat, when what changed may have nothing to do with this lobby's burial.
   */
  async #takenForDead(shared: SharedDirectory, again = false, closed?: Map<string, string>): Promise<void> {
    for (const delivery of await shared.receive()) this.#deliver(delivery);
    for (const id of [...this.#rooms.keys()]) {
      const stored = await this.#store.get(id);
      if (!stored) {
        // Gone because a beat buried its host's lobby (after the beat, this one's): logged as #dropTheDead does. After
        // the beat, any other close is an ordinary one, not logged by a lobby that does not host the room. Before the
        // beat, the lobbies known to have stopped are those of the beat before the stall: a room of another lobby is
        // logged after the beat, which reads them again.
        const lobby = this.#rooms.get(id)!.lobby!;
        if (lobby !== shared.lobby && (!shared.alive(lobby) || shared.wasBuried?.(lobby))) {
          this.#log(`room ${id} closed: its host's lobby ${lobby} stopped`);
        } else if (closed && lobby !== shared.lobby) closed.set(id, lobby);
        else if (!again) this.#log(`room ${id} closed: this lobby was taken for dead, its heartbeat late`);
        this.#deliver({ room: id, message: { op: "closed", room: id } });
        continue;
      }
      const ids = new Set(stored.members.map((member) => member.id));
      this.#rooms.set(id, stored);
      const local = this.#local.get(id) ?? new Set();
      // Told against who each member knows, not against this lobby's copy: the copy may be the store's already, taken at
      // a join or a leave here, while the notices of the difference were in the mailbox the burial emptied.
      let told = 0;
      let out = 0;
      for (const client of local) {
        const staying = ids.has(client.member.id);
        if (staying) told += this.#tellJoins(client, id, stored.members);
        // A host it believes in, in the room but no longer hosting, left and came back meanwhile (its notices in the
        // mailbox the burial emptied): told as such, its leave with the new host, then its join again.
        const host = client.host;
        const replaced = (member: Member) =>
          member.id === host && host !== stored.host && member.id !== client.member.id;
        told += this.#tellLeaves(client, id, (member) => !ids.has(member.id) || replaced(member), stored.host);
        if (staying) {
          told += this.#tellJoins(client, id, stored.members);
          continue;
        }
        this.#out(client);
        local.delete(client);
        out++;
      }
      // Logged when a member here heard a join or a leave, not when this lobby's copy differed from the store's: the
      // copy may be the store's already. After the beat, only when a member here is out: the rest are ordinary.
      if (told && (!again || out)) {
        const joinsOrLeaves = told === 1 ? "1 join or leave" : `${told} joins or leaves`;
        this.#log(`room ${id}: this lobby taken for dead, ${joinsOrLeaves} told here, host now ${stored.host}`);
      }
      if (local.size) continue;
      this.#local.delete(id);
      this.#rooms.delete(id);
    }
  }

  /** Tells a client the join of each of `members` it does not know. Returns how many it told. */
  #tellJoins(client: Client, roomId: string, members: Member[]): number {
    let told = 0;
    for (const member of members) {
      if (this.#notice(client, { op: "member", room: roomId, member, joined: true })) told++;
    }
    return told;
  }

  /**
   * Tells a client the leave of each member it knows that is `gone`: the others first, then the host it believes in,
   * with `host`, the room's new host, then its own leave: a host's leave told first would name the new host of a room
   * that still has members gone. Returns how many it told.
   */
  #tellLeaves(client: Client, roomId: string, gone: (member: Member) => boolean, host: string): number {
    const believed = client.host;
    const order = (member: Member) => member.id === client.member.id ? 2 : member.id === believed ? 1 : 0;
    const left = [...client.known.values()].filter(gone).sort((a, b) => order(a) - order(b));
    let told = 0;
    for (const member of left) {
      const message = { op: "member", room: roomId, member, joined: false };
      if (this.#notice(client, member.id === believed ? { ...message, host } : message)) told++;
    }
    return told;
  }

  /**
   * Tells a client a notice of its room, and keeps who it knows in it: a join of one it knows, or a leave of one it
   * does not, is not told. A lobby can learn of one join or leave twice, from the store and then from its mailbox (see
   * #takenForDead and #dropTheDead), and its members hear it once. Returns whether it told it.
   */
  #notice(client: Client, message: Record<string, unknown>): boolean {
    if (message.op === "member") {
      const id = (message.member as Member).id;
      if (client.known.has(id) === !!message.joined) return false;
      if (message.joined) client.known.set(id, message.member as Member);
      else client.known.delete(id);
      if (typeof message.host === "string") client.host = message.host;
    }
    this.#answer(client, message);
    return true;
  }

  /** Reads, changes and writes one room: atomically when the store can. */
  async #change(id: string, change: (room: Room) => Room): Promise<Room | undefined> {
    const store = this.#store;
    if (store.update) return await store.update(id, change);
    const room = await store.get(id);
    if (!room) return undefined;
    const changed = change(room);
    await store.put(changed);
    return changed;
  }

  #mustBeOutside(client: Client): void {
    if (client.room) throw new Refused(`Already in room ${client.room}: leave it first`);
  }

  #enter(client: Client, room: Room): void {
    client.room = room.id;
    // 122 random bits: not to be guessed, where a member id (8 hex digits) is told to the whole room.
    client.ticket = crypto.randomUUID();
    this.#tickets.set(client.ticket, client);
    client.known = new Map(room.members.map((member) => [member.id, member]));
    client.host = room.host;
    const members = this.#local.get(room.id) ?? new Set();
    this.#local.set(room.id, members.add(client));
    this.#rooms.set(room.id, room);
  }

  /** The client is gone: no longer connected, nor counted against its address. */
  #forget(client: Client): void {
    this.#clients.delete(client.peer);
    const from = machineOf(client.peer.address);
    const count = this.#perAddress.get(from)! - 1;
    if (count) this.#perAddress.set(from, count);
    else this.#perAddress.delete(from);
  }

  /** The client is in no room any more, and its ticket admits no one. */
  #out(client: Client): void {
    client.room = undefined;
    if (client.ticket !== undefined) this.#tickets.delete(client.ticket);
    client.ticket = undefined;
    client.known.clear();
    client.host = undefined;
  }

  /** How the log names a client: its member id and address. */
  #who(client: Client): string {
    return `${client.member.id} (${client.peer.address})`;
  }

  /**
   * Takes a client out of its room; a host leaving closes the room for everyone, or with `handOver` hands it to the
   * member who joined first after it while anyone is left.
   */
  async #leave(client: Client, why: string): Promise<void> {
    const roomId = client.room;
    if (!roomId) return;
    this.#out(client);
    const local = this.#local.get(roomId)!;
    local.delete(client);
    if (!local.size) this.#local.delete(roomId);
    const room = this.#rooms.get(roomId) ?? await this.#store.get(roomId);
    if (!local.size) this.#rooms.delete(roomId);
    if (!room) return;
    const leaving = client.member.id;
    const hosting = room.host === leaving;
    // The store's room, not this lobby's copy, says who is left: a join through another lobby may not be heard yet.
    // A host closing its room writes itself out first too: from then on a join is refused (see #join), and whoever
    // joined before hears "closed" below, where the delete alone let a join through another lobby in, never told.
    /** The member this leave handed the room to, if it did (a store may call the change more than once). */
    const handing: { to?: Member } = {};
    const changed = await this.#change(roomId, (stored) => {
      handing.to = undefined;
      const members = stored.members.filter((member) => member.id !== leaving);
      // The first to join after the host whose lobby is alive: one on a lobby seen dying would close the room with it
      // within seconds. Not by a lobby that does not hand over, whose copy may be behind one that did (the stored host
      // is then the one leaving): the room closes. Nor one on a lobby gone from the heartbeats (forgotten), which counts
      // as alive: the room would stay, listed and joinable, hosted by a lobby nobody buries. kvStore reads a lobby gone
      // at the last beat before it calls this, so one started since is not passed over; and it refuses a hand-over to
      // a lobby with no heartbeat entry by its commit.
      const shared = this.#shared;
      const heir = stored.host === leaving && this.#limits.handOver
        ? members.find((member) => !shared || shared.alive(member.lobby!) && !shared.gone?.(member.lobby!))
        : undefined;
      if (!heir) return { ...stored, members };
      handing.to = heir;
      // The host's lobby keeps the room's members (see #dropTheDead): the heir's now.
      const room: Room = { ...stored, members, host: heir.id };
      if (heir.lobby) room.lobby = heir.lobby;
      return room;
    });
    if (changed ? changed.host === leaving : hosting) {
      // Closed: not handing over, no one left to hand it to, or a host's room gone from the store already.
      await this.#store.delete(roomId);
      this.#log(`room ${roomId} closed: its host ${this.#who(client)} left ${why}`.trimEnd());
      await this.#tell(changed ?? room, { op: "closed", room: roomId }, leaving);
      for (const other of local) this.#out(other);
      this.#local.delete(roomId);
      this.#rooms.delete(roomId);
      return;
    }
    const heir = changed && handing.to;
    this.#log(
      `${this.#who(client)} left room ${roomId} ${why}`.trimEnd() +
        (changed ? `: ${changed.members.length}/${changed.maxPlayers}` : "") +
        (heir ? `, its host now ${heir.id} (${heir.address})` : ""),
    );
    if (!changed) return;
    if (local.size) this.#rooms.set(roomId, changed);
    // The notice names the store's host whenever this lobby had the leaver hosting: the room may be handed on already,
    // by the burier of this lobby taken for dead while it ran, and its members must hear who hosts it.
    await this.#tell(changed, {
      op: "member",
      room: roomId,
      member: client.member,
      joined: false,
      ...(heir || hosting) && { host: changed.host },
    });
  }
}
