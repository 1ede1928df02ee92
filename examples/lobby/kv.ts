/**
 * The lobby's room directory in Deno KV, which several lobby processes can
 * share (one KV file on one machine, or one remote KV). Server-side only: the
 * player's side is ./client_lib.ts.
 *
 * How two lobbies on one KV serve one room:
 *
 * - **Rooms** live under `[prefix, "rooms", id]`, with a count under
 *   `[prefix, "count"]` and an index of each lobby's rooms under
 *   `[prefix, "hosted", lobby, id]`. Every change of a room is an `atomic()`
 *   commit that checks the versionstamp it read, retried when another lobby
 *   wrote in between: two joins of the last seat, through two lobbies in the
 *   same tick, let exactly one in. A create checks the count's versionstamp too.
 * - **Heartbeats**: each lobby writes `[prefix, "lobbies", lobby] = { beatAt }`
 *   every `heartbeatMs` (default 1,000) and reads the others'. A lobby
 *   whose beat is older than `staleAfterMs` (default 3,000) is dead: its
 *   rooms are no longer listed or joinable at once, the first lobby to notice
 *   deletes them, and the members on other lobbies hear `closed`; a room that
 *   hands over (`handOver`) goes instead to its first member on a live lobby,
 *   if any. Liveness is judged by the beat's own time, never by `expireIn`:
 *   Deno KV drops expired keys lazily (a key set to expire in 500 ms was
 *   still read 60 s later). Its age is counted on the reader's clock: each
 *   lobby learns how far each other lobby's clock runs from its own, from
 *   when its beats appear (a beat new between two readings bounds it). So
 *   lobbies whose clocks are seconds apart no longer bury each other at every
 *   beat, as by the beat's time alone (a lobby 5 s ahead buried every other
 *   lobby at every beat), nor keep a dead one long past `staleAfterMs`; once
 *   they still may, as when a lobby stalls between its first two readings of
 *   one seconds behind (the limits: `watched`). On one clock, its commits
 *   prompt, the age is the beat's own time, as before. At a lobby's first
 *   reading nothing bounds when a beat was written, so no lobby is stale to
 *   it until it watched its beat for `staleAfterMs` (a lobby restarted on its
 *   KV file buries the lobby it was no sooner); the same after its own clock
 *   is set anew (NTP stepping it), which it finds against `performance.now`
 *   (with the default `now`: see `steady`). A lobby alive but late to beat (a
 *   stall) is buried just the same; it finds out at its next beat, and takes
 *   the store's rooms for its own before it counts as alive again. The others
 *   learn of a burial from the store, not from their own reading of the
 *   beats, which misses a stall that outlasts `staleAfterMs` by less than a
 *   beat: the beat counts its lobby's burials, its own beats keep the count,
 *   and a lobby that finds it gone up makes its copies of that lobby's rooms
 *   the store's. A member of a lobby counted dead leaves a room only in a
 *   commit that checks that lobby still buried: one that woke in between
 *   keeps its members.
 * - **Mailboxes**: what a room's members on another lobby must hear (a join, a
 *   leave, a relay, `closed`) goes to that lobby's mailbox,
 *   `[prefix, "inbox", lobby, time, sender, n]`, in one blind write that reads
 *   nothing, so that senders never wait on each other: `n` is the sender's
 *   count of what it ever sent, and `time` its `now` (the clock the heartbeats
 *   share), never below its last, and past every time it heard of: the time of
 *   each mail it read, and of each beat it read (`beatAt`, and the beat's
 *   `mailAt` when that lobby's mail had gone past its clock), but a time more
 *   than `staleAfterMs` ahead of its own clock (a wrong clock). Each lobby reads
 *   its own every update, up to 500 at a time, in key order: by time, then by
 *   sender, so no sender's flood holds back the others' earlier mail. Mail a
 *   lobby sends after it read other mail, or a beat written after that mail by
 *   its sender, is read after that mail whatever the clocks (a Lamport clock):
 *   a leave sent by a lobby that read the join applies last; and each sender's
 *   mail is read in the order sent. Other mail is read by the clocks alone, a
 *   leave by a lobby that learned of the join only from the store's rooms
 *   included: in the order sent when sent more than the spread of the lobbies'
 *   clocks, plus a ms, apart (a lobby's times follow the fastest clock it heard
 *   of), in either order closer than that. Keep the clocks within a tick
 *   (16 ms) of each other (NTP usually does): mail sent closer than that is as
 *   good as sent at once, a relay between lobbies taking a tick anyway. Mail of
 *   two lobbies in one ms is read sender by sender: concurrent anyway. Not
 *   covered: `time` is taken when `send` is called, before its write commits
 *   (which `unlocked` may retry for about a second), so mail whose write was
 *   slow is read after mail sent while it waited, when a read came between; and
 *   a lobby that stalls between a change's store commit and its mailbox write
 *   sends its notice late, read after a leave another lobby sent meanwhile.
 *   Every entry expires 10 minutes after it was left (`expireIn`): a live lobby
 *   reads it long before, and mail left for a lobby forgotten meanwhile does
 *   not stay for good. A relay between lobbies costs one KV write and one read,
 *   about a tick of delay: fine for a lobby's traffic, not for a game's 60 Hz
 *   state (connect the players to one lobby, or directly, for that).
 *
 * @module
 */
import type { Delivery, RoomStore, SharedDirectory } from "./lobby.ts";
import type { Room } from "./client_lib.ts";

/** Options of {@linkcode kvStore}. */
export interface KvStoreOptions {
  /** The key prefix, so that several games share one KV (default `["jamnet-lobby"]`). */
  prefix?: Deno.KvKey;
  /** How often this lobby writes its heartbeat, in ms (default 1,000). */
  heartbeatMs?: number;
  /** A lobby whose heartbeat is older than this, in ms, is dead, and its rooms with it (default 3 × heartbeatMs). */
  staleAfterMs?: number;
  /** The clock the heartbeats are written in, shared by every lobby on the KV (default `Date.now`). */
  now?: () => number;
  /**
   * A clock in ms that is never set anew, against which this lobby finds `now` set anew (NTP stepping it): what it
   * learned of the other lobbies' clocks is dropped, and no lobby is stale to it for `staleAfterMs`, as at its start
   * (default `performance.now` with the default `now`, else `now` itself: give both when `now` is a clock of your own
   * that may be set). Where `performance.now` stops while the machine sleeps (Linux and macOS), a lobby suspended and
   * resumed takes the time asleep for its clock set forward, with the same cost.
   */
  steady?: () => number;
}

/** A dead lobby's heartbeat entry is removed this long after its last beat: its rooms were deleted long before. */
const FORGET_DEAD_LOBBY_MS = 10 * 60_000;
/**
 * A mailbox entry expires this long after it was left (`expireIn`, on KV's own clock): a live lobby reads its mailbox
 * every update, and one that has not for this long is forgotten, so mail left for it after its mailbox was emptied (a
 * relay to a member a copy still had) would otherwise stay for good, with no heartbeat entry left to forget.
 */
const MAIL_EXPIRES_MS = FORGET_DEAD_LOBBY_MS;
/**
 * How fast two lobbies' clocks may drift apart, in ms a ms: 1,000 ppm, twice the most NTP slews a clock by. Bounds of
 * another lobby's clock learned earlier widen by as much (see beats).
 */
const CLOCK_DRIFT = 0.001;
/** How much later than its time a beat may commit (see beats): unlocked() retries for about a second. */
const COMMIT_SLACK_MS = 1000;
/**
 * This lobby's clock moved by more than this against `steady` since its last reading was set anew (see beats): less is
 * rounding, or rates that differ a little (a steady clock that NTP does not slew).
 */
const CLOCK_STEP_MS = 100;
/** Mutations per atomic commit when emptying a mailbox: Deno KV allows 1,000 in Deno 2. */
const DELETES_PER_COMMIT = 500;
/** `sum` adds modulo 2^64: adding 2^64 - 1 takes one away. */
const MINUS_ONE = 2n ** 64n - 1n;

/**
 * Deno KV refused a value past its 64 KiB: a room whose `meta`, within the lobby's `maxMetaBytes` as packed, is kept
 * larger (an empty array packs to 1 byte and is kept in about 5: a room with 13,070 of them and one member fits, with
 * 13,100, 13 KB packed, it does not), or whose members then push it past. Nothing of the commit is written. Thrown on,
 * it ended the lobby's update, its player unanswered.
 */
const tooLarge = (error: unknown): boolean => error instanceof TypeError && /Value too large/.test(error.message);

/**
 * Tries a KV call again while SQLite reports "database is locked": two
 * processes (or two handles) on one local KV file that write at once get it
 * instead of waiting. 100 tries 1 to 10 ms apart (945 ms of waits) cover
 * about a second of contention. The lobby server opens its KV file through it
 * too: two processes that start at once on a new file met it in
 * `Deno.openKv`.
 */
export async function unlocked<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 100 || !/database is locked/.test((error as Error)?.message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(attempt, 10)));
    }
  }
}

/** A lobby's heartbeat as kept in KV. */
interface Beat {
  beatAt: number;
  /**
   * A lobby began to bury it: nothing is handed to it from then on, so that a room handed to it cannot land in its
   * index after the burial listed it. Any lobby that finds it stale and not yet buried goes on with the burial (a
   * burier that crashed half-way leaves it to the next).
   */
  burying?: boolean;
  /** Its rooms were handed on or deleted, its index and mailbox emptied. */
  buried?: boolean;
  /**
   * The time its mail had reached at this beat, when past `beatAt` (it heard of mail or a beat from a clock ahead of
   * its own): what it sent before the beat carries no later time. A lobby that reads the beat sends later mail past it.
   */
  mailAt?: number;
  /**
   * How many times it was buried, kept by its own beats: a lobby whose beats all missed a burial (the stall outlasted
   * staleAfterMs by less than a beat, and the lobby beat again) learns of it here (see beat).
   */
  burials?: number;
}

/**
 * A lobby's beat as another lobby read it, and what the readings tell of the writer's clock: its lead over the reader's
 * clock, in ms (negative: it runs behind), at least `low` and at most `prompt` + COMMIT_SLACK_MS (see watched).
 */
interface Watch {
  beatAt: number;
  low: number;
  /** The upper bound as if every commit were prompt: whether the two clocks may be one. Infinity at a first reading. */
  prompt: number;
  /** When the bounds were made, on the reader's clock. */
  at: number;
}

/**
 * The room directory in Deno KV (`Deno.openKv()`, a local file by default):
 * several lobby processes on one KV share one directory, and reach each
 * other's players through it. Give each Lobby its own kvStore.
 *
 * @param kv an open KV, from `await Deno.openKv(path)`
 * @param options key prefix, heartbeat and clock
 * @returns a store over `kv`, with the shared directory
 * @throws {RangeError} for a heartbeat or staleness that is not a positive number
 */
export function kvStore(kv: Deno.Kv, options: KvStoreOptions = {}): RoomStore & { readonly shared: SharedDirectory } {
  const { prefix = ["jamnet-lobby"], heartbeatMs = 1000, now = Date.now } = options;
  const steady = options.steady ?? (options.now ? now : () => performance.now());
  const staleAfterMs = options.staleAfterMs ?? 3 * heartbeatMs;
  if (!(heartbeatMs > 0)) throw new RangeError(`heartbeatMs is ${heartbeatMs}: must be a positive number of ms`);
  if (!(staleAfterMs > heartbeatMs)) {
    throw new RangeError(`staleAfterMs is ${staleAfterMs}: must be more than heartbeatMs (${heartbeatMs})`);
  }
  const lobby = crypto.randomUUID().slice(0, 8);
  const roomKey = (id: string): Deno.KvKey => [...prefix, "rooms", id];
  const countKey: Deno.KvKey = [...prefix, "count"];
  const hostedKey = (lobby: string, id: string): Deno.KvKey => [...prefix, "hosted", lobby, id];
  const inboxKey = (lobby: string): Deno.KvKey => [...prefix, "inbox", lobby];
  const beatKey = (lobby: string): Deno.KvKey => [...prefix, "lobbies", lobby];
  let dead = new Set<string>();
  /** Each lobby's `burials` as this lobby last acted on it. */
  let burialsSeen = new Map<string, number>();
  /** The lobbies buried since the beat before the last one, dead still or awake again (see wasBuried). */
  let newlyBuried = new Set<string>();
  /** The lobbies with a heartbeat entry at the last beat, forgotten ones out (see gone); undefined before the first. */
  let listed: Set<string> | undefined;
  /**
   * Each lobby's beat as this lobby last read it, with the bounds of its clock's lead over this lobby's. A new beat
   * took its time before the end of the reading that first lists it (`low`: `beatAt` less that end), and, its commit at
   * most COMMIT_SLACK_MS late, after the start of the reading before, which did not list it, less that slack. The
   * bounds of its earlier beats, widened by CLOCK_DRIFT for the time since, narrow them while they overlap, and are
   * dropped when they do not (its clock set anew by more than about a reading). A beat's age is its age on this lobby's
   * clock: when `low` and `prompt` (the upper bound without the slack) hold 0 (one clock possible, every commit prompt)
   * the beat's own time, as before; else with the least lead they allow. Judged by the beat's time alone, a lobby whose
   * clock ran 5 s ahead buried every other lobby at every beat, and one 5 s behind was buried by every other at every
   * beat (its rooms deleted each time).
   *
   * Limits: at this lobby's first reading, and at the first after its own clock is set anew (see `steady`), nothing
   * bounds the lead above, and a beat's age counts from that reading: no lobby is stale to it for staleAfterMs (a lobby
   * restarted on its KV file buries the lobby it was no sooner). A commit later than COMMIT_SLACK_MS may narrow the
   * bounds past the lead for a while (CLOCK_DRIFT widens them again, 1 ms a second): its beats count younger (a dead
   * lobby buried a reading late). Another lobby's clock set back by less than about a second and a reading, or this
   * lobby's by less than CLOCK_STEP_MS (not seen as a step), leaves bounds above the lead: that lobby's beats count up
   * to that much older, for up to 20 minutes (a review: set back 1.2 s, one beat of it 1.1 s late a minute later buried
   * it), where the time alone counted them so for good. Bounds that hold 0 take a lobby behind for one on time and
   * count it older by as much, as the time alone did: the first two readings of a lobby with a stall of this one
   * between them, and a lobby behind by less than the time from this lobby's readings to its beats, which no reading
   * tells from one on time (800 ms behind, beating 850 ms after each reading: one beat 1.35 s late buried it). With a
   * `steady` set with `now` (a `now` of the caller's and no `steady`), a clock set forward by 2.5 s or more buries, at
   * the next reading, a live lobby whose beat is 600 ms old. Clocks that drift apart faster than CLOCK_DRIFT may take a
   * live lobby for older and bury it (a simulation of four lobbies, two at +1,000 and -800 ppm: 3 to 8 such burials in
   * 4 hours on 3 seeds; none with every clock within 500 ppm).
   */
  let watched = new Map<string, Watch>();
  /** When this lobby's last reading of the beats started, on its own clock; undefined before the first. */
  let lastRead: number | undefined;
  /** Both clocks as the last reading read them; undefined before the first. */
  let clocks: { time: number; steady: number } | undefined;
  /** The last beat found a lobby newly buried or newly gone (see lost). */
  let lost = false;
  /** This lobby wrote its heartbeat before. */
  let beaten = false;
  /**
   * The time of this lobby's last delivery, raised past every time it heard of (see heardOf), and how many it sent:
   * each sender's mail sorts in the order sent.
   */
  let sentAt = -Infinity;
  let sent = 0;
  /**
   * This lobby heard of mail or a beat left at `time`: what it sends from now on sorts after it, whatever the clocks (a
   * Lamport clock). Not a number: a key of an earlier version's mailbox (by sender, or by the receiver's count). A time
   * further ahead of this lobby's clock than a lobby may be silent for (`staleAfterMs`) is a wrong clock or a bogus
   * write, and is not heard: heard, one beat of a clock an hour fast kept every lobby's mail an hour ahead for good,
   * passed on from beat to beat (`mailAt`) after its lobby was forgotten, and mail sent 500 ms apart by clocks that
   * agreed was read in either order; and past 2^53 `time + 1` is `time`. So a lobby's mail runs at most `staleAfterMs`
   * ahead of its own clock.
   */
  const heardOf = (time: unknown) => {
    if (typeof time === "number" && time - now() <= staleAfterMs) sentAt = Math.max(sentAt, time + 1);
  };

  /** Deletes a room as read, keeping the count and the index; false when it, or the beat `mark`, changed since. */
  const remove = async (entry: Deno.KvEntry<Room>, mark?: Deno.KvEntry<Beat>): Promise<boolean> => {
    const commit = kv.atomic().check(entry, ...mark ? [mark] : []).delete(entry.key).sum(countKey, MINUS_ONE);
    if (entry.value.lobby) commit.delete(hostedKey(entry.value.lobby, entry.value.id));
    return (await unlocked(() => commit.commit())).ok;
  };

  /**
   * A dead lobby's room, as read: handed to its first member on a lobby in `live` when it hands over, as its host's
   * leave would have, else deleted. False when it changed since. A lobby found buried meanwhile leaves `live`.
   */
  const handOn = async (entry: Deno.KvEntry<Room>, live: Set<string>, mark: Deno.KvEntry<Beat>): Promise<boolean> => {
    // Only the dead lobby's members leave here, and those of a lobby with no heartbeat entry at all: one forgotten
    // (FORGET_DEAD_LOBBY_MS) counts as alive to every lobby, so nothing else would drop them. A member of a lobby merely
    // stale may beat again before it is buried; the new host's lobby drops it if not, in a commit that checks its lobby
    // still buried (see update).
    // The heir is on a live lobby, so never among the members read here: without one the room is deleted, unread.
    const heir = entry.value.handOver
      ? entry.value.members.find((member) => member.lobby !== entry.value.lobby && live.has(member.lobby!))
      : undefined;
    if (!heir) return await remove(entry, mark);
    const unknown = new Map<string, Deno.KvEntryMaybe<Beat>>();
    for (const member of entry.value.members) {
      // No lobby (a room written by a store without shared directory): kept, as before; beatKey(undefined) throws.
      if (!member.lobby || member.lobby === entry.value.lobby || live.has(member.lobby) || unknown.has(member.lobby)) {
        continue;
      }
      unknown.set(member.lobby, await kv.get<Beat>(beatKey(member.lobby)));
    }
    const members = entry.value.members.filter((member) =>
      member.lobby !== entry.value.lobby && unknown.get(member.lobby!)?.versionstamp !== null
    );
    const beat = await kv.get<Beat>(beatKey(heir.lobby!));
    // Buried, or being buried, by a lobby whose clock runs ahead: handed there, the room would be in the index of a
    // lobby nobody buries.
    if (!beat.value || beat.value.buried || beat.value.burying) {
      live.delete(heir.lobby!);
      return false;
    }
    const room: Room = { ...entry.value, members, host: heir.id, lobby: heir.lobby };
    // Checked still without an entry: a forgotten lobby that beats again meanwhile keeps its members.
    const gone = [...unknown.values()].filter((other) => other.versionstamp === null);
    const commit = kv.atomic().check(entry, beat, mark, ...gone).set(entry.key, room)
      .delete(hostedKey(entry.value.lobby!, room.id))
      .set(hostedKey(heir.lobby!, room.id), true);
    return (await unlocked(() => commit.commit())).ok;
  };

  /**
   * Deletes the mailbox and index of a lobby whose heartbeat stopped, and its rooms, but those that hand over and have
   * a member on a `live` lobby: they go on (see handOn). A room handed to a member of a lobby that had crashed, and
   * was not stale yet, closed with it here, for members alive on other lobbies. The lobby is marked
   * `burying` before its index is listed, and handOn and update check the mark: a room handed to it by a lobby that
   * still counted it live, between the listing and the mark at the end, stayed in the index of a lobby nobody would
   * bury again. Nothing happens when the lobby beat again meanwhile: every write checks the
   * marked beat in its commit, and the burial stops once it changed. A burier that lost that race deleted the room of
   * a lobby awake again, or one it created after waking past the first page of its index, or emptied its new mailbox.
   * Returns whether the lobby ended buried (beat() counts it alive otherwise), and its
   * `burials` as the store has them: one that beat again after another buried it has its count risen, which a lobby
   * that kept the count it listed learned a beat late.
   */
  const bury = async (stale: Deno.KvEntry<Beat>, live: Set<string>): Promise<{ buried: boolean; burials: number }> => {
    let entry = stale;
    /** Buried, here or by another since the mark: once more than the marked beat says. */
    const once = () => ({ buried: true, burials: (entry.value.burials ?? 0) + 1 });
    while (!entry.value.burying) {
      const burying: Beat = { ...entry.value, burying: true };
      const marked = await unlocked(() => kv.atomic().check(entry).set(entry.key, burying).commit());
      if (marked.ok) {
        entry = { key: entry.key, value: burying, versionstamp: marked.versionstamp };
        break;
      }
      // Changed since read: it beat again (alive), it was buried, or another lobby marked it first (go on with it).
      const read = await kv.get<Beat>(entry.key);
      if (!read.value || read.value.buried || read.value.beatAt !== stale.value.beatAt) {
        return { buried: !!read.value?.buried, burials: read.value?.burials ?? 0 };
      }
      entry = read as Deno.KvEntry<Beat>;
    }
    const deadLobby = entry.key.at(-1) as string;
    for await (const hosted of kv.list({ prefix: [...prefix, "hosted", deadLobby] })) {
      const id = hosted.key.at(-1) as string;
      for (let room; (room = await kv.get<Room>(roomKey(id))).value;) {
        if (room.value.lobby !== deadLobby || await handOn(room as Deno.KvEntry<Room>, live, entry)) break;
        // Buried meanwhile by another, or it beat again after finishing its own burial: nothing more to do here.
        if ((await kv.get(entry.key)).versionstamp !== entry.versionstamp) return once();
      }
      // Checked too: a room handed back to the lobby after it woke, finished its own burial and beat, keeps its index
      // key, which a blind delete from a burier held here (a GC pause) took.
      const unindexed = await unlocked(() => kv.atomic().check(entry).delete(hosted.key).commit());
      if (!unindexed.ok) return once();
    }
    await removeAll(inboxKey(deadLobby), entry);
    const buried: Beat = { ...entry.value, buried: true, burials: (entry.value.burials ?? 0) + 1 };
    await unlocked(() => kv.atomic().check(entry).set(entry.key, buried).commit());
    return once();
  };

  /**
   * Every lobby's beat, read at once, by staleness at `time`: a dead lobby's room goes to a lobby alive at this beat.
   * `age(entry)` is a beat's age on this lobby's clock (see watched).
   */
  const beats = async () => {
    const time = now();
    const at = steady();
    if (clocks) {
      // This lobby's clock set anew since the last reading (or its machine slept): what it learned of the others'
      // clocks is dropped, and this reading is as its first. Kept, a clock set forward by 2.5 s aged every beat by as
      // much at the next reading, and buried a live lobby whose beat was 600 ms old; moved with the step, it was wrong
      // where the others' clocks were set with it (lobbies on one machine: set back 800 ms, a live lobby was buried
      // with a beat 2.8 s old, and went on being taken for 800 ms older). Not a step: a few ms (Date.now's whole ms
      // against performance.now's fractions took one clock's bounds off 0, and a beat's age by up to a reading), or a
      // `steady` that hardly moved while `now` moved by seconds (a test's faked Date.now, where performance.now is
      // real: each tick read as a step, and a dead lobby was never buried).
      const set = time - clocks.time - (at - clocks.steady);
      if (Math.abs(set) > CLOCK_STEP_MS && at - clocks.steady >= heartbeatMs / 2) {
        watched = new Map();
        lastRead = undefined;
      }
    }
    // Kept apart from lastRead: a reading whose listing throws has read both clocks, not the beats.
    clocks = { time, steady: at };
    const entries: Deno.KvEntry<Beat>[] = [];
    for await (const entry of kv.list<Beat>({ prefix: [...prefix, "lobbies"] })) {
      entries.push(entry);
      // What a lobby does on reading a beat (a burial, a room taken from the store) sorts after mail sent before it.
      if (entry.key.at(-1) !== lobby) {
        heardOf(entry.value.beatAt);
        heardOf(entry.value.mailAt);
      }
    }
    // Taken after the listing: a beat written while it ran (a GC pause, a listing of many pages) is in it.
    const listedBy = now();
    const watch = new Map<string, Watch>();
    for (const entry of entries) {
      const other = entry.key.at(-1) as string;
      const { beatAt } = entry.value;
      const before = watched.get(other);
      if (before?.beatAt === beatAt) {
        watch.set(other, before);
        continue;
      }
      let low = beatAt - listedBy;
      let prompt = lastRead === undefined ? Infinity : beatAt - lastRead;
      // A beat takes its time before its commit, which unlocked() may retry for about a second: without the slack, a
      // dead lobby's last beat committed late dropped the bounds its beats had given, and it was buried up to the
      // reader's next stall late.
      // Bounds from a first reading bound nothing later: a beat there may predate a step of either clock (the machine's
      // clock set back 1.5 s: a beat from before it, read after, took the lobbies on that machine for 1.5 s older for
      // 23 minutes).
      if (before && before.prompt < Infinity) {
        // Bounds learned earlier widen as time passes, by as much as two clocks drift apart at most: kept as learned,
        // they took a lobby 5 s behind whose clock ran 500 ppm slow for 1.2 s older after 40 minutes.
        const spread = (time - before.at) * CLOCK_DRIFT;
        if (before.low - spread <= prompt + COMMIT_SLACK_MS && low <= before.prompt + COMMIT_SLACK_MS + spread) {
          low = Math.max(low, before.low - spread);
          prompt = Math.min(prompt, before.prompt + spread);
        }
      }
      watch.set(other, { beatAt, low, prompt, at: time });
    }
    watched = watch;
    lastRead = time;
    const age = (entry: Deno.KvEntry<Beat>) => {
      const { low, prompt } = watch.get(entry.key.at(-1) as string)!;
      // One clock possible with every commit prompt: the beat's own time. Else with the least lead the readings allow.
      // With the slack in that test, a lobby 1.8 s behind passed for one on time, and one beat 1.2 s late buried it.
      return time - entry.value.beatAt + (prompt < Infinity && low <= 0 && 0 <= prompt ? 0 : low);
    };
    const stale = new Set<string>();
    const live = new Set<string>();
    for (const entry of entries) (age(entry) > staleAfterMs ? stale : live).add(entry.key.at(-1) as string);
    return { time, entries, stale, live, age };
  };

  const removeAll = async (keyPrefix: Deno.KvKey, mark?: Deno.KvEntry<Beat>): Promise<void> => {
    let keys: Deno.KvKey[] = [];
    for await (const entry of kv.list({ prefix: keyPrefix })) keys.push(entry.key);
    for (; keys.length; keys = keys.slice(DELETES_PER_COMMIT)) {
      const commit = kv.atomic();
      if (mark) commit.check(mark);
      for (const key of keys.slice(0, DELETES_PER_COMMIT)) commit.delete(key);
      await unlocked(() => commit.commit());
    }
  };

  const shared: SharedDirectory = {
    lobby,
    heartbeatMs,
    async beat(taken) {
      // Its own beat read first, and written over only as read: a lobby whose beats came more than staleAfterMs apart
      // (a stall: GC, a locked KV), alive all along, was buried by another, and its blind write cleared the mark. Its
      // rooms were handed on or deleted meanwhile, and nothing told it: two players hosted one room. Found buried, it
      // takes the store's rooms for its own before it beats again; found half-buried (its burier stopped, or is at
      // work), it finishes the burial first.
      for (;;) {
        const own = await kv.get<Beat>(beatKey(lobby));
        if (own.value?.burying && !own.value.buried) {
          await bury(own as Deno.KvEntry<Beat>, (await beats()).live);
          continue;
        }
        // Gone: buried, and forgotten after FORGET_DEAD_LOBBY_MS, if this lobby beat before.
        if (own.value ? own.value.buried : beaten) await taken?.();
        const fresh: Beat = { beatAt: now() };
        if (own.value?.burials) fresh.burials = own.value.burials;
        if (sentAt > fresh.beatAt) fresh.mailAt = sentAt;
        const beat = kv.atomic().check(own).set(beatKey(lobby), fresh);
        if ((await unlocked(() => beat.commit())).ok) break;
      }
      beaten = true;
      const { time, entries, stale, live, age } = await beats();
      const seen = new Map<string, number>();
      const buried = new Set<string>();
      const kept = new Set<string>();
      for (const entry of entries) {
        const other = entry.key.at(-1) as string;
        let burials = entry.value.burials ?? 0;
        if (stale.has(other) && !entry.value.buried) {
          const result = await bury(entry, live);
          burials = result.burials;
          if (!result.buried) stale.delete(other);
        } else if (
          age(entry) > FORGET_DEAD_LOBBY_MS ||
          (entry.value.buried && watched.get(other)!.prompt === Infinity &&
            time - entry.value.beatAt > FORGET_DEAD_LOBBY_MS)
        ) {
          // A buried lobby read only since this lobby's first reading is forgotten by its own time as well: its age
          // counts from that reading, and lobbies that each lived under 10 minutes (restarts, deploys) forgot none. Not
          // one this lobby saw beat: by its own time alone, one whose clock ran 11 minutes behind was forgotten at the
          // beat after a burial (a stall).
          // Its mailbox, what was left there since its burial, goes with it; mail left after this listing expires.
          await removeAll(inboxKey(other), entry);
          // And its mail count, a leftover of d3d137b's version (each delivery read and raised it) in a file that
          // version wrote: nothing reads it now.
          const commit = kv.atomic().check(entry).delete(entry.key).delete([...prefix, "mailed", other]);
          // Failed: it beat again since the listing (or another lobby forgot it first), and has an entry (or had one a
          // moment ago): it stays in `listed`, not gone. Left out, a lobby awake again counted as gone for a beat.
          if ((await unlocked(() => commit.commit())).ok) continue;
        }
        kept.add(other);
        // Buried since this lobby's beat before, by whichever lobby: counted from the store, not from this lobby's
        // reading of the beats, which missed a stall outlasting staleAfterMs by less than a beat.
        // Only a rise: a lobby on the code before the count beats without it, and its drop to 0 was read as a burial.
        if (other !== lobby && burials > (burialsSeen.get(other) ?? 0)) buried.add(other);
        seen.set(other, burials);
      }
      // Only the lobbies listed: one forgotten (FORGET_DEAD_LOBBY_MS) starts again from no burial.
      burialsSeen = seen;
      newlyBuried = buried;
      dead = stale;
      // Newly gone: listed at the beat before, not at this one (forgotten since, by this lobby or another).
      lost = buried.size > 0 || [...listed ?? []].some((other) => !kept.has(other));
      listed = kept;
    },
    alive: (other) => !dead.has(other),
    wasBuried: (other) => newlyBuried.has(other),
    lost: () => lost,
    // A member with no lobby (a room written by a store without shared directory) is none of them: kept, as in handOn.
    gone: (other) => typeof other === "string" && listed !== undefined && !listed.has(other),
    async send(other, delivery) {
      try {
        // Keyed by the time it was sent, on the clock the heartbeats share and past all this lobby heard of, then by
        // sender and the sender's count: one blind write. A key by sender first read a whole sender's mail before the
        // next one's; a count of the receiver's, read and raised in a checked commit, made every sender to one lobby
        // wait on the others. The time is taken here, before the write commits (unlocked() may retry it for a second).
        sentAt = Math.max(sentAt, now());
        const key = [...inboxKey(other), sentAt, lobby, sent++];
        await unlocked(() => kv.set(key, delivery, { expireIn: MAIL_EXPIRES_MS }));
      } catch (error) {
        // A relay too large for a KV value (64 KiB), or one KV cannot clone.
        return `Cannot pass it to lobby ${other}: ${(error as Error).message}`;
      }
    },
    async receive() {
      const entries: Deno.KvEntry<Delivery>[] = [];
      for await (const entry of kv.list<Delivery>({ prefix: inboxKey(lobby) }, { limit: DELETES_PER_COMMIT })) {
        entries.push(entry);
        heardOf(entry.key[inboxKey(lobby).length]);
      }
      if (entries.length) {
        const commit = kv.atomic();
        for (const entry of entries) commit.delete(entry.key);
        await unlocked(() => commit.commit());
      }
      return entries.map((entry) => entry.value);
    },
  };

  return {
    shared,
    get: async (id) => (await kv.get<Room>(roomKey(id))).value ?? undefined,
    async put(room) {
      for (;;) {
        const entry = await kv.get<Room>(roomKey(room.id));
        const commit = kv.atomic().check(entry).set(entry.key, room);
        if (!entry.value) commit.sum(countKey, 1n);
        if (room.lobby) commit.set(hostedKey(room.lobby, room.id), true);
        if ((await unlocked(() => commit.commit())).ok) return;
      }
    },
    async delete(id) {
      for (let entry; (entry = await kv.get<Room>(roomKey(id))).value;) {
        if (await remove(entry as Deno.KvEntry<Room>)) return;
      }
    },
    async list(limit) {
      const rooms: Room[] = [];
      for await (const entry of kv.list<Room>({ prefix: [...prefix, "rooms"] }, { limit })) {
        if (shared.alive(entry.value.lobby!)) rooms.push(entry.value);
      }
      return rooms;
    },
    async create(room, maxRooms) {
      for (;;) {
        const count = await kv.get<Deno.KvU64>(countKey);
        if (Number(count.value?.value ?? 0n) >= maxRooms) return false;
        // A room of this id already: the check below would fail every time, and this loop never end.
        if ((await kv.get(roomKey(room.id))).versionstamp) return false;
        // Taken for dead while it ran, and not beaten since (see beat): a room it made now, after its burial listed its
        // index, would stay in the store for good should it crash before its next beat, listed again once the dead
        // lobby is forgotten. Checked in the commit: a burial marks the beat before it lists.
        const own = await kv.get<Beat>(beatKey(lobby));
        if (own.value ? own.value.buried || own.value.burying : beaten) {
          return "The lobby is busy: try again in a second";
        }
        const commit = kv.atomic()
          .check(count, { key: roomKey(room.id), versionstamp: null }, own)
          .set(roomKey(room.id), room)
          .sum(countKey, 1n);
        if (room.lobby) commit.set(hostedKey(room.lobby, room.id), true);
        try {
          if ((await unlocked(() => commit.commit())).ok) return true;
        } catch (error) {
          if (tooLarge(error)) return `The room is too large for the directory: ${(error as Error).message}`;
          throw error;
        }
      }
    },
    async update(id, change) {
      for (let entry; (entry = await kv.get<Room>(roomKey(id))).value;) {
        // The lobby of each member gone from the heartbeats at the last beat is read first: one started since counts as
        // gone until the next beat, and `change` must tell it from one forgotten (a host's leave passes over the
        // latter's members for heir, see lobby.ts). Read only for such a member: none, most of the time. Found with an
        // entry, it is no longer gone; found without, it is checked still without one in the commit.
        const unlisted: Deno.KvEntryMaybe<Beat>[] = [];
        for (const other of new Set(entry.value.members.map((member) => member.lobby!))) {
          if (!shared.gone!(other)) continue;
          const beat = await kv.get<Beat>(beatKey(other));
          if (beat.value) listed!.add(other);
          else unlisted.push(beat);
        }
        const changed = change(entry.value);
        const commit = kv.atomic().check(entry, ...unlisted).set(entry.key, changed);
        // A member of a lobby counted dead leaves only while that lobby is still buried, checked in the commit: one
        // that woke and beat since this lobby's beat kept its members in the others' rooms, and its member taken out
        // here was never told. Found awake, it counts as alive, and `change` runs again.
        const gone = new Set(
          entry.value.members.filter((member) => !changed.members.some((other) => other.id === member.id))
            .map((member) => member.lobby!).filter((other) => dead.has(other)),
        );
        let woke = false;
        for (const other of gone) {
          const beat = await kv.get<Beat>(beatKey(other));
          if (beat.value && !beat.value.buried && !beat.value.burying) {
            dead.delete(other);
            woke = true;
          }
          commit.check(beat);
        }
        if (woke) continue;
        // A room handed over moves to its new host's lobby: bury() finds a dead lobby's rooms by this index.
        if (changed.lobby !== entry.value.lobby) {
          if (entry.value.lobby) commit.delete(hostedKey(entry.value.lobby, id));
          if (changed.lobby) {
            const beat = await kv.get<Beat>(beatKey(changed.lobby));
            // Buried, or being buried (see bury), or gone from the heartbeats (forgotten): the room goes nowhere, and
            // closes. Handed to a lobby with no entry, it stayed for good, hosted by a lobby nobody buries.
            if (!beat.value || beat.value.buried || beat.value.burying) {
              if (await remove(entry as Deno.KvEntry<Room>)) return undefined;
              continue;
            }
            commit.check(beat).set(hostedKey(changed.lobby, id), true);
          }
        }
        try {
          if ((await unlocked(() => commit.commit())).ok) return changed;
        } catch (error) {
          // A RangeError: the lobby refuses the change (a join), and its player hears why.
          if (tooLarge(error)) {
            throw new RangeError(`Room ${id} would be too large for the directory: ${(error as Error).message}`);
          }
          throw error;
        }
      }
      return undefined;
    },
  };
}
