/**
 * A lobby's burial on KV raced by the lobby itself, alive after a stall: lobbies on one Deno KV file (kv_world.ts),
 * each held at one point of its beat by a hooked KV handle or store, or made to skip a beat. Each test is a race a
 * review of the burial found (2026-12-06), and fails without its fix.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Delivery, kvStore, type Member, type Room } from "./lobby.ts";
import {
  heard,
  inMemoryKv,
  leavesHeard,
  listingHooked,
  lobbies,
  mailHeldWhile,
  sameKey,
  sharedWith,
  stallAfterBeat,
  storeOn,
  type World,
} from "./kv_world.ts";

const LOBBIES: Deno.KvKey = ["jamnet-lobby", "lobbies"];
const roomKey = (id: string): Deno.KvKey => ["jamnet-lobby", "rooms", id];
const beatKey = (lobby: string): Deno.KvKey => ["jamnet-lobby", "lobbies", lobby];

/** A room `id` hosted by `lobby`, its host alone in it. */
const roomOn = (lobby: string, id: string): Room => ({
  id,
  name: id,
  maxPlayers: 4,
  meta: {},
  host: `h${id}`,
  lobby,
  members: [{ id: `h${id}`, address: "x", lobby }],
});

/** Room "r" with `handOver`, hosted by "hr" on `lobby`, and after its host each of `members` ([id, its lobby]). */
const handedOverRoom = (lobby: string, ...members: [id: string, lobby?: string][]): Room => ({
  ...roomOn(lobby, "r"),
  handOver: true,
  members: [{ id: "hr", address: "x", lobby }, ...members.map(([id, lobby]) => ({ id, address: "x", lobby }))],
});

/** `kv`, awaiting `step()` at the end of each listing of the heartbeats: another lobby's step in between. */
const afterBeatsListed = (kv: Deno.Kv, step: () => Promise<void> | undefined): Deno.Kv =>
  listingHooked(kv, async (prefix, listed) => {
    if (listed === undefined && sameKey(prefix, LOBBIES)) await step();
  });

/** Beats `stores` once a second of `clock` for 11 minutes: past FORGET_DEAD_LOBBY_MS, a lobby that stopped is forgotten. */
async function beatPastForgetting(clock: { now: number }, ...stores: ReturnType<typeof kvStore>[]): Promise<void> {
  for (clock.now = 1000; clock.now <= 11 * 60_000; clock.now += 1000) {
    for (const store of stores) await store.shared.beat();
  }
}

// Before: B, stalled past staleness, woke and beat between A's reading of the heartbeats and A's `burying` mark. The
// mark failed, bury() gave up, and A went on counting B dead for a second all the same: its #dropTheDead deleted B's
// room from the store (or, with handOver, handed it to the mate on A) while B's host still hosted it and was never
// told; B's relays still reached the mate.
for (const handOver of [false, true]) {
  Deno.test(`handOver ${handOver} on KV: a lobby that beats again while another is about to bury it keeps its room`, async () => {
    let wakeB: (() => Promise<void>) | undefined;
    await lobbies(
      ["A", "B"],
      ["B", "A"],
      async (w) => {
        const [host, mate] = w.players.map((player) => player.client);
        const created = await w.ask(0, { op: "create", name: "race", maxPlayers: 4 }) as { room: Room; ticket: string };
        await w.ask(1, { op: "join", room: created.room.id });
        await w.until(() => false, 20);
        w.crash(1); // B stalls
        wakeB = async () => {
          if (w.net.now() - (await w.kv.get<{ beatAt: number }>(beatKey(w.ids[1]))).value!.beatAt <= 3000) return;
          wakeB = undefined; // A's first beat that finds B stale, right after A read the beats
          w.wake(1);
          await w.lobbies[1].update(); // B beats
        };
        await w.until(() => !wakeB, 400);
        await w.until(() => false, 100);
        const stored = (await w.kv.get<Room>(roomKey(created.room.id))).value;
        assert.deepEqual([stored?.host, stored?.lobby], [created.room.host, w.ids[1]], "B's room left the store");
        assert.ok(w.lobbies[1].admitted(created.ticket), "B's host lost its room");
        host.peer.send({ op: "relay", data: "still here" });
        await w.until(() => false, 30);
        assert.equal(heard(mate, "relay").length, 1);
      },
      { handOver },
      undefined,
      (i, kv) => i === 0 ? afterBeatsListed(kv, () => wakeB?.()) : kv,
    );
  });
}

// Before: the same race with the room on A and its member on B: A's #dropTheDead took B's member out of the room while
// B, awake, kept it in; the member was never told, and the host never heard its relays.
/**
 * A's host makes a room with handOver, a player on B joins it, and B stalls. At the point of A's store or KV handle that
 * `hooks` wraps, B wakes and updates once, when `due` first holds. Then B's member must still be in the stored room,
 * admitted by B, and heard by the host.
 */
async function wokenMemberStays(
  due: (w: World) => Promise<boolean>,
  hooks: (wake: () => Promise<void>) => [Parameters<typeof lobbies>[4], Parameters<typeof lobbies>[5]],
): Promise<void> {
  let wakeB: (() => Promise<void>) | undefined;
  await lobbies(
    ["A", "B"],
    ["A", "B"],
    async (w) => {
      const [host, mate] = w.players.map((player) => player.client);
      const created = await w.ask(0, { op: "create", name: "ghost", maxPlayers: 4 }) as { room: Room };
      const joined = await w.ask(1, { op: "join", room: created.room.id }) as { you: string; ticket: string };
      await w.until(() => false, 20);
      w.crash(1);
      wakeB = async () => {
        if (!(await due(w))) return;
        wakeB = undefined;
        w.wake(1);
        await w.lobbies[1].update();
      };
      await w.until(() => !wakeB, 400);
      await w.until(() => false, 100);
      const stored = (await w.kv.get<Room>(roomKey(created.room.id))).value;
      assert.deepEqual(stored?.members.map((member) => member.id), [created.room.host, joined.you]);
      assert.ok(w.lobbies[1].admitted(joined.ticket));
      mate.peer.send({ op: "relay", data: "hello?" });
      await w.until(() => false, 30);
      assert.equal(heard(host, "relay").length, 1, "the host never heard its member on B");
    },
    { handOver: true },
    ...hooks(async () => await wakeB?.()),
  );
}

Deno.test("handOver on KV: a lobby that beats again while another is about to bury it keeps its member in that one's room", async () => {
  await wokenMemberStays(
    // A's first beat that finds B stale, right after A read the beats.
    async (w) => w.net.now() - (await w.kv.get<{ beatAt: number }>(beatKey(w.ids[1]))).value!.beatAt > 3000,
    (wake) => [
      undefined,
      (i, kv) => i === 0 ? afterBeatsListed(kv, wake) : kv,
    ],
  );
});

// Before: A, burying B, was still at it when B woke, finished its own burial, beat and went on; A then emptied B's
// mailbox, checking nothing: the join of a player on C to B's new room, sent there meanwhile, was lost, B's host never
// heard it, and B dropped the joiner's relays.
Deno.test("KV: a burial still running after the buried lobby woke and beat leaves that lobby's new mailbox alone", async () => {
  let hold: (() => Promise<void>) | undefined;
  let staleB = () => Promise.resolve(false);
  await lobbies(
    ["A", "B", "C"],
    ["B", "C"],
    async (w) => {
      const [host, mate] = w.players.map((player) => player.client);
      await w.until(() => false, 20);
      staleB = async () => w.net.now() - (await w.kv.get<{ beatAt: number }>(beatKey(w.ids[1]))).value!.beatAt > 3000;
      w.crash(1); // B stalls
      let created: { room: Room } | undefined;
      hold = async () => {
        hold = undefined;
        w.crash(0); // A is held inside its burial of B (its index read): B and C go on
        w.wake(1);
        created = await w.ask(0, { op: "create", name: "after", maxPlayers: 4 }) as { room: Room };
        await w.until(() => false, 70); // C's next beat: B is alive again
        w.crash(1); // B reads its mailbox only after A goes on
        await w.ask(1, { op: "join", room: created.room.id });
        w.wake(0);
        w.wake(1);
      };
      await w.until(() => !hold, 400);
      await w.until(() => false, 60);
      mate.peer.send({ op: "relay", data: "hi host" });
      await w.until(() => false, 60);
      assert.equal(heard(host, "member").length, 1, "B's host never heard the join");
      assert.equal(heard(host, "relay").length, 1, "B dropped the joiner's relay");
    },
    {},
    // C skips the beat that finds B stale before A has held: beating in step with A, it buried B first in 2 runs of 40.
    (i, store) =>
      i === 2
        ? sharedWith(store, {
          beat: async (taken) => hold && await staleB() ? undefined : await store.shared.beat(taken),
        })
        : store,
    (i, kv) =>
      i === 0
        ? listingHooked(kv, async (prefix, listed) => {
          if (listed === undefined && prefix.includes("hosted")) await hold?.();
        })
        : kv,
  );
});

// Before: bury() reads a lobby's index as kv.list pages it (100 keys a batch), and its deletions checked only the room:
// B, awake again, finished its own burial, beat and created a room past the page A had read; A, going on, deleted it.
Deno.test("kvStore: a room a buried lobby creates after it woke is not deleted by a slower burier still reading its index", () =>
  inMemoryKv(async (kv) => {
    let clockB = -4000;
    let wakeB: (() => Promise<void>) | undefined;
    const hooked = listingHooked(kv, async (prefix, listed) => {
      if (listed === 1 && prefix.includes("hosted")) await wakeB?.();
    });
    let clockA = -3500;
    const a = storeOn(hooked, () => clockA);
    const b = storeOn(kv, () => clockB);
    await b.shared.beat();
    await a.shared.beat(); // A's first reading of the beats: nothing is stale to it yet
    clockA = 0;
    for (let i = 0; i < 600; i++) {
      assert.ok(await b.create!(roomOn(b.shared.lobby, String(i).padStart(4, "0")), 10_000));
    }
    wakeB = async () => {
      wakeB = undefined;
      clockB = 0;
      let taken = false;
      await b.shared.beat(() => Promise.resolve(void (taken = true)));
      assert.ok(taken);
      assert.ok(await b.create!(roomOn(b.shared.lobby, "zzzz"), 10_000));
    };
    await a.shared.beat();
    assert.equal(wakeB, undefined);
    assert.notEqual((await kv.get(roomKey("zzzz"))).value, null, "B's new room was deleted by A's burial");
  }));

// Before: B, buried while it ran (a stall), created a room before its next beat (the rest of its update), then
// crashed: nobody buried it again, the room kept its seat in maxRooms for good, and once the dead lobby was forgotten
// (10 minutes) it was listed and joinable again, hosted on a dead lobby.
Deno.test("kvStore: a lobby buried while it ran creates no room until its next beat", () =>
  inMemoryKv(async (kv) => {
    let clock = 0;
    const a = storeOn(kv, () => clock);
    const b = storeOn(kv, () => clock);
    await b.shared.beat();
    await a.shared.beat();
    clock = 3500; // B stalls mid-update; A buries it
    await a.shared.beat();
    assert.match(String(await b.create!(roomOn(b.shared.lobby, "late"), 10)), /busy/, "a buried lobby created a room");
    for (clock = 4000; clock < 11 * 60_000; clock += 1000) await a.shared.beat(); // B never beats again
    assert.equal((await kv.get(roomKey("late"))).value, null);
    assert.deepEqual(await a.list(10), []);
    let taken = false;
    await b.shared.beat(() => Promise.resolve(void (taken = true))); // B wakes, 11 minutes later, and is forgotten
    assert.ok(taken);
    assert.equal(await b.create!(roomOn(b.shared.lobby, "again"), 10), true);
  }));

// Before: B stalled 3.3 s, a beat and a third: C's beat fell inside B's stale window and buried it, A's beats fell
// before and after it (A skips the one beat that would have fallen inside). A never counted B dead, so it never told
// its own member in B's room: without handOver the room was gone from the store, and A's member heard no `closed` and
// its ticket still admitted it; with handOver the room was the member's, and A's copy still had B's host hosting it.
for (const handOver of [false, true]) {
  Deno.test(`handOver ${handOver} on KV: a lobby that never saw a stalled lobby stale learns of its burial from the store`, async () => {
    let skipA = false;
    await lobbies(
      ["A", "B", "C"],
      ["B", "A"],
      async (w) => {
        const mate = w.players[1].client;
        const created = await w.ask(0, { op: "create", name: "stall", maxPlayers: 4 }) as { room: Room };
        const joined = await w.ask(1, { op: "join", room: created.room.id }) as { you: string; ticket: string };
        await w.until(() => false, 20);
        const { beat: beatB, before: last } = await stallAfterBeat(w, 1); // B stalls right after a beat
        await w.untilRead(() => Promise.resolve(w.net.now() - last >= 3500), 300);
        skipA = true; // A skips the one beat that would fall inside B's stale window
        await w.untilRead(async () => !!(await beatB()).buried);
        await w.until(() => false, 15);
        w.wake(1); // B wakes, 3.3 s after its last beat, and beats
        await w.until(() => false, 200);
        const stored = (await w.kv.get<Room>(roomKey(created.room.id))).value;
        const admitted = w.lobbies[0].admitted(joined.ticket);
        if (!handOver) {
          assert.equal(stored, null);
          assert.equal(heard(mate, "closed").length, 1, "A's member never heard closed");
          assert.equal(admitted, undefined, "A still admits a ticket to a room gone from the store");
        } else {
          assert.equal(stored?.host, joined.you);
          assert.equal(admitted?.room.host, joined.you, "A's copy does not know its member hosts the room now");
          assert.deepEqual(heard(mate, "member").map((notice) => notice.host), [joined.you]);
        }
      },
      { handOver },
      (i, store) =>
        i === 0
          ? sharedWith(store, {
            beat: (taken) => skipA ? (skipA = false, Promise.resolve()) : store.shared.beat(taken),
          })
          : store,
    );
  });
}

// Before: A counted B dead from its beat, which found B buried, until its next: B woke and beat right after A's beat,
// keeping its member in A's room, and A's #dropTheDead took that member out of the room all the same; B, alive, never
// told it, and A dropped its relays.
Deno.test("handOver on KV: a lobby that wakes between another's beat and that one's dropping of the dead keeps its member in that one's room", async () => {
  await wokenMemberStays(
    // A's first update of the room after it buried B.
    async (w) => !!(await w.kv.get<{ buried?: boolean }>(beatKey(w.ids[1]))).value?.buried,
    (wake) => [
      (i, store) =>
        i === 0 ? { ...store, update: async (id, change) => (await wake(), store.update!(id, change)) } : store,
      undefined,
    ],
  );
});

// Before: bury() deleted each index key in a write of its own, checking nothing. A burier held between its handOn
// commit and that delete (a GC pause) deleted the index key of a room handed back to the buried lobby after it woke,
// finished its own burial and beat: the room was hosted on B and missing from B's index, so B's next burial would
// never find it.
Deno.test("kvStore: a slow burier leaves the index key of a room handed back to the lobby after it woke", () =>
  inMemoryKv(async (kv) => {
    let clock = 0, clockB = 0;
    let hold: (() => Promise<void>) | undefined;
    // A's handle: right after a commit that indexes a room (handOn's), `hold` runs, once.
    const held = new Proxy(kv, {
      get(target, name) {
        if (name !== "atomic") {
          const value = Reflect.get(target, name);
          return typeof value === "function" ? value.bind(target) : value;
        }
        return () => {
          const op = target.atomic();
          let indexes = false;
          const wrapped: Deno.AtomicOperation = new Proxy(op, {
            get(o, n) {
              const value = Reflect.get(o, n);
              if (typeof value !== "function") return value;
              if (n === "commit") {
                return async () => {
                  const result = await o.commit();
                  const f = indexes && result.ok ? hold : undefined;
                  if (f) hold = undefined;
                  await f?.();
                  return result;
                };
              }
              return (...args: unknown[]) => {
                if (n === "set" && (args[0] as Deno.KvKey).includes("hosted")) indexes = true;
                value.apply(o, args);
                return wrapped;
              };
            },
          });
          return wrapped;
        };
      },
    });
    const a = storeOn(held, () => clock);
    const b = storeOn(kv, () => clockB);
    const c = storeOn(kv, () => 3000); // fresh when A buries B, and never finds B stale
    await b.shared.beat();
    await a.shared.beat(); // A's first reading of the beats, at 0: nothing is stale to it yet
    await c.shared.beat();
    const [B, C] = [b.shared.lobby, c.shared.lobby];
    const room: Room = {
      ...roomOn(B, "X"),
      handOver: true,
      members: [{ id: "hX", address: "x", lobby: B }, { id: "mC", address: "y", lobby: C }],
    };
    assert.ok(await b.create!(room, 10));
    hold = async () => {
      // A handed X to its member on C: B wakes, finishes its own burial and beats...
      clockB = 3600;
      await b.shared.beat(() => Promise.resolve());
      // ...and X goes back to a player on B (C's host left; a player on B had joined).
      const back = await c.update!(
        "X",
        (r) => ({ ...r, host: "pB", lobby: B, members: [{ id: "pB", address: "z", lobby: B }] }),
      );
      assert.equal(back?.lobby, B);
    };
    clock = 3500;
    await a.shared.beat(); // A buries B
    assert.equal(hold, undefined, "the hold ran");
    assert.equal((await kv.get<Room>(roomKey("X"))).value?.lobby, B);
    assert.notEqual(
      (await kv.get(["jamnet-lobby", "hosted", B, "X"])).versionstamp,
      null,
      "X hosted on B, missing from B's index",
    );
  }));

// Before: any change of a lobby's `burials` count read as a burial. A lobby still on the code before the count writes
// its beats without it: B, buried by A (count 1), woke and beat (count gone, 0), and A counted a second burial that
// never happened, dropping B's live members from its rooms.
Deno.test("kvStore: a burial count that drops (a beat from a lobby on older code) is no burial", () =>
  inMemoryKv(async (kv) => {
    let clock = 0;
    const a = storeOn(kv, () => clock);
    const b = storeOn(kv, () => clock);
    await a.shared.beat();
    await b.shared.beat();
    const B = b.shared.lobby;
    clock = 3500;
    await a.shared.beat(); // A buries B: its count 1
    assert.ok(a.shared.wasBuried!(B));
    assert.equal((await kv.get<{ burials?: number }>(beatKey(B))).value?.burials, 1);
    clock = 3600;
    await kv.set(beatKey(B), { beatAt: clock }); // B wakes and beats, as the older code does: no count
    clock = 4500;
    await a.shared.beat();
    assert.ok(a.shared.alive(B));
    assert.equal(a.shared.wasBuried!(B), false, "a burial counted twice");
  }));

// Before: wasBuried() holds from one beat to the next, and a lobby read it only in the #dropTheDead right after that
// beat: one that failed there (the store threw once; run() logs it and goes on) never learned of the burial again,
// and its member in the buried lobby's room never heard `closed`.
Deno.test("KV: a lobby whose dropping of the dead fails once still learns of a burial it missed", async () => {
  let skipA = false;
  let failGet = false;
  await lobbies(
    ["A", "B", "C"],
    ["B", "A"],
    async (w) => {
      const mate = w.players[1].client;
      const created = await w.ask(0, { op: "create", name: "stall", maxPlayers: 4 }) as { room: Room };
      const joined = await w.ask(1, { op: "join", room: created.room.id }) as { you: string; ticket: string };
      await w.until(() => false, 20);
      const { beat: beatB, before: last } = await stallAfterBeat(w, 1); // B stalls right after a beat
      await w.untilRead(() => Promise.resolve(w.net.now() - last >= 3500), 300);
      skipA = true; // A skips the one beat that would fall inside B's stale window
      await w.untilRead(async () => !!(await beatB()).buried);
      await w.until(() => false, 15);
      failGet = true; // A's next reading of a room, in the #dropTheDead after the beat that learns of B's burial
      // As run() does: an update that throws is logged, and the loop goes on.
      const update = w.lobbies[0].update.bind(w.lobbies[0]);
      w.lobbies[0].update = () => update().catch((error) => void w.logs[0].push(`an update failed: ${error}`));
      w.wake(1); // B wakes, 3.3 s after its last beat, and beats
      await w.until(() => false, 200);
      assert.ok(w.logs[0].some((line) => /an update failed/.test(line)), "the store never failed");
      assert.equal((await w.kv.get<Room>(roomKey(created.room.id))).value, null);
      assert.equal(heard(mate, "closed").length, 1, "A's member never heard closed");
      assert.equal(
        w.lobbies[0].admitted(joined.ticket),
        undefined,
        "A still admits a ticket to a room gone from the store",
      );
    },
    {},
    (i, store) =>
      i === 0
        ? {
          ...sharedWith(store, {
            beat: (taken) => skipA ? (skipA = false, Promise.resolve()) : store.shared.beat(taken),
          }),
          get: async (id: string) => {
            if (failGet) {
              failGet = false;
              throw new Error("database is locked (simulated)");
            }
            return await store.get(id);
          },
        }
        : store,
  );
});

// Before: a lobby whose burial of another failed (it beat again since the listing) kept the count it had listed: B,
// buried by C and awake again between A's listing and A's mark, beat with its count risen, and A learned of that
// burial only at its next beat, a second late.
Deno.test("kvStore: a lobby whose burial of another finds it buried and awake again learns of that burial at once", () =>
  inMemoryKv(async (kv) => {
    let clock = 0;
    let wakeB: (() => Promise<void>) | undefined;
    const hooked = afterBeatsListed(kv, () => wakeB?.());
    const now = () => clock;
    const a = storeOn(hooked, now);
    const b = storeOn(kv, now);
    const c = storeOn(kv, now);
    for (const store of [a, b, c]) await store.shared.beat();
    clock = 2900;
    await a.shared.beat();
    await c.shared.beat();
    const B = b.shared.lobby;
    wakeB = async () => {
      // A listed B stale: C buries it first, and B wakes and beats, its count risen.
      wakeB = undefined;
      await c.shared.beat();
      assert.ok(c.shared.wasBuried!(B));
      clock = 3600;
      await b.shared.beat(() => Promise.resolve());
      assert.equal((await kv.get<{ burials?: number }>(beatKey(B))).value?.burials, 1);
    };
    clock = 3500;
    await a.shared.beat();
    assert.equal(wakeB, undefined, "the hook ran");
    assert.ok(a.shared.alive(B));
    assert.ok(a.shared.wasBuried!(B), "A learns of B's burial a beat late");
  }));

// Before: a lobby buried while it ran refused a create until its next beat with "The lobby is full: N rooms", with no
// room open at all.
Deno.test("KV: a lobby buried while it ran refuses a create as busy, not full", async () => {
  await lobbies(["A"], ["A"], async (w) => {
    const beat = await w.kv.get<{ beatAt: number }>(beatKey(w.ids[0]));
    await w.kv.set(beatKey(w.ids[0]), { ...beat.value, buried: true }); // buried by another, before A's next beat
    const refused = await w.settle(w.ask(0, { op: "create", name: "late", maxPlayers: 4 }));
    assert.ok(refused instanceof Error);
    assert.match(refused.message, /The lobby is busy: try again in a second/);
  });
});

/**
 * B, its burial marked by hand (one that left this room alone: a lobby that hosts it and never saw the stall keeps its
 * members, see above), wakes to it with a member in a room on A. At B's `read`-th reading of a room from the store, a
 * player on A joins. The member must hear that join once; returns B's log lines of its burial.
 */
async function joinAtRevivedRead(read: number): Promise<string[]> {
  let gets = 0;
  let hold: (() => Promise<void>) | undefined;
  let logged: string[] = [];
  await lobbies(
    ["A", "B"],
    ["A", "B", "A"],
    async (w) => {
      const member = w.players[1].client;
      const { room } = await w.ask(0, { op: "create", name: "revival", maxPlayers: 4 }) as { room: Room };
      await w.ask(1, { op: "join", room: room.id });
      await w.until(() => false, 20);
      let late: { you: string } | undefined;
      hold = async () => {
        hold = undefined;
        w.crash(1);
        late = await w.ask(2, { op: "join", room: room.id }) as { you: string };
        w.wake(1);
      };
      gets = 0;
      const beat = await w.kv.get<{ beatAt: number }>(beatKey(w.ids[1]));
      await w.kv.set(beatKey(w.ids[1]), { ...beat.value, buried: true, burials: 1 });
      await w.until(() => !hold, 100);
      await w.until(() => false, 30);
      assert.ok(late, "the hold ran");
      const joins = heard(member, "member").filter((notice) => notice.joined);
      assert.deepEqual(joins.map((notice) => (notice.member as Member).id), [late.you], "told twice");
      logged = w.logs[1].filter((line) => line.includes("taken for dead"));
    },
    {},
    (i, store) =>
      i === 1
        ? { ...store, get: async (id: string) => (++gets === read && await hold?.(), await store.get(id)) }
        : store,
  );
  return logged;
}

// Before: a lobby that found itself buried read its mailbox, then each of its rooms from the store, and told its
// members who came meanwhile: a join through another lobby between the two reads was in the store, and its notice
// arrived in the mailbox after, so the member here heard it twice.
Deno.test("KV: a join between a revived lobby's mailbox read and its store read is told once", async () => {
  await joinAtRevivedRead(1); // B's first reading of a room, which #takenForDead does right after the mailbox
});

// Before: a lobby taken for dead logged a join it read from the store after its beat as "this lobby was taken for
// dead", though that join was an ordinary one, made after the beat.
Deno.test("KV: a join a revived lobby reads from the store after its beat is not logged as its burial's", async () => {
  assert.deepEqual(await joinAtRevivedRead(2), []); // B's second reading of a room: the one after its beat
});

// Before: C buried B (stalled) at one beat; at its next, A (crashed, hosting the room) was stale. Between C's reading of
// the beats and its burial of A, B woke, beat, and buried A itself, handing the room to its member on B. C, counting B
// dead until its next beat, found the room on B and deleted it: the mate on C heard `closed`, and B's member hosted a
// room gone from the store, never told.
Deno.test("handOver on KV: a room handed to a lobby that woke after another's beat counted it dead stays open", async () => {
  let hold: (() => Promise<void>) | undefined;
  await lobbies(
    ["A", "B", "C"],
    ["A", "B", "C"],
    async (w) => {
      const [heir, mate] = [w.players[1].client, w.players[2].client];
      const { room } = await w.ask(0, { op: "create", name: "woken heir", maxPlayers: 4 }) as { room: Room };
      const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string; ticket: string };
      const mateJoined = await w.ask(2, { op: "join", room: room.id }) as { you: string; ticket: string };
      await w.until(() => false, 20);
      const beat = async (i: number) =>
        (await w.kv.get<{ beatAt: number; buried?: boolean }>(beatKey(w.ids[i]))).value!;
      const before = (await beat(1)).beatAt;
      await w.untilRead(async () => (await beat(1)).beatAt !== before, 100);
      const lastB = (await beat(1)).beatAt;
      w.crash(1); // B stalls right after a beat
      // A crashes two beats later: C buries B while A is alive, and A never counts B dead (it would drop B's member).
      await w.untilRead(async () => (await beat(0)).beatAt >= lastB + 1500, 200);
      w.crash(0);
      hold = async () => {
        if (w.net.now() - (await beat(0)).beatAt <= 3000) return;
        // C's beat that finds A stale, right after C read the beats: B counted dead, buried by C a beat before.
        hold = undefined;
        assert.ok((await beat(1)).buried, "C buried B first");
        w.wake(1);
        await w.lobbies[1].update(); // B beats: it buries A, and hands the room to its own member
        const stored = (await w.kv.get<Room>(roomKey(room.id))).value;
        assert.deepEqual([stored?.host, stored?.lobby], [joined.you, w.ids[1]]);
      };
      await w.until(() => !hold, 600);
      assert.equal(hold, undefined, "the hold ran");
      await w.until(() => false, 100);
      const stored = (await w.kv.get<Room>(roomKey(room.id))).value;
      assert.deepEqual(heard(mate, "closed"), [], "the mate heard closed");
      assert.deepEqual(
        [stored?.host, stored?.members.map((member) => member.id)],
        [joined.you, [joined.you, mateJoined.you]],
        "the room left the store",
      );
      assert.deepEqual(leavesHeard(mate), [[room.host, joined.you]]);
      assert.deepEqual(leavesHeard(heir), [[room.host, joined.you]]);
      assert.equal(w.lobbies[2].admitted(mateJoined.ticket)?.room.host, joined.you, "C's copy");
      assert.equal(w.lobbies[1].admitted(joined.ticket)?.room.host, joined.you, "B's copy");
      mate.peer.send({ op: "relay", data: "still here" });
      await w.until(() => false, 30);
      assert.equal(heard(heir, "relay").length, 1, "the heir never heard the mate");
    },
    { handOver: true },
    undefined,
    (i, kv) => i === 2 ? afterBeatsListed(kv, () => hold?.()) : kv,
  );
});

// Before: a lobby taken for dead told its members who came and went against its own copy of the room, not against who
// each member knew. Y joined through A, its notice left in B's mailbox; N joined through B before B read it, so B's copy
// became the store's, Y in it. C buried B (stalled), which emptied B's mailbox, and A never saw the stall and kept B's
// members. B woke and found no one new in its copy: its member M never heard Y join, and never got Y's relays.
Deno.test("KV: a member of a revived lobby hears a join whose notice its burial emptied, though its lobby's copy had it", async () => {
  let skipA: (() => Promise<boolean>) | undefined;
  let holdB = false;
  await lobbies(
    ["A", "B", "C"],
    ["A", "B", "A", "B"],
    async (w) => {
      const member = w.players[1].client;
      const { room } = await w.ask(0, { op: "create", name: "revival", maxPlayers: 8 }) as { room: Room };
      await w.ask(1, { op: "join", room: room.id });
      await w.until(() => false, 20);
      holdB = true; // B reads its mailbox no more for now
      const y = await w.ask(2, { op: "join", room: room.id }) as { you: string };
      const n = await w.ask(3, { op: "join", room: room.id }) as { you: string; ticket: string };
      const copy = w.lobbies[1].admitted(n.ticket)?.room.members.map((other) => other.id);
      assert.ok(copy?.includes(y.you), "B's copy has Y");
      // B stalls right after a beat, Y's notice unread
      const { beat: beatB } = await stallAfterBeat(w, 1);
      // A skips its beats while B is stale or buried: it never counts B dead, and keeps B's members. C buries B.
      skipA = async () => {
        const beat = await beatB();
        return !!beat.buried || w.net.now() - beat.beatAt > 3000;
      };
      await w.untilRead(async () => !!(await beatB()).buried);
      await w.until(() => false, 15);
      holdB = false;
      w.wake(1); // B beats: taken for dead, it takes the store's room
      await w.until(() => false, 200);
      skipA = undefined;
      const stored = (await w.kv.get<Room>(roomKey(room.id))).value;
      assert.equal(stored?.members.length, 4, "A kept B's members");
      w.players[2].client.peer.send({ op: "relay", data: "hello" });
      await w.until(() => false, 30);
      const joins = heard(member, "member").filter((notice) => notice.joined);
      assert.deepEqual(joins.map((notice) => (notice.member as { id: string }).id), [n.you, y.you], "M never heard Y");
      assert.deepEqual(heard(member, "relay").map((notice) => notice.from), [y.you], "M never got Y's relay");
      // B's copy was the store's: the log says what its members heard.
      assert.ok(
        w.logs[1].includes(
          `room ${room.id}: this lobby taken for dead, 1 join or leave told here, host now ${room.host}`,
        ),
        "B's log",
      );
    },
    {},
    (i, store) =>
      i === 0
        ? sharedWith(store, { beat: async (taken) => (await skipA?.()) ? undefined : await store.shared.beat(taken) })
        : i === 1
        ? mailHeldWhile(store, () => holdB)
        : store,
  );
});

// Before: E, taken for dead, read its rooms from the store in #takenForDead, then wrote its fresh beat. A, hosting,
// dropped E's member X in between: its commit checked E's beat, still buried. X stayed in E's copy, its ticket admitting
// it to a room the store no longer had it in; it heard its own leave only through a mate on E, from A's notice, and
// with no mate nothing at all. With `throws`, E's beat() throws once right after its fresh beat is written (its burial
// of another lobby failing, say): before, the second reading of the rooms was skipped, and no later beat made it.
for (const [mates, throws] of [[0, false], [1, false], [0, true]] as const) {
  const failing = throws ? ", its beat throwing once it is written" : "";
  Deno.test(`KV: a member dropped between a revived lobby's store read and its beat is out, with ${mates} mate${failing}`, async () => {
    let world: World | undefined;
    let read: (() => void) | undefined;
    let drop: (() => void) | undefined;
    const dropped = new Promise<void>((resolve) => drop = resolve);
    let raced = false;
    let thrown = false;
    await lobbies(
      ["A", "E"],
      ["A", "E", ...mates ? ["E"] : []],
      async (w) => {
        world = w;
        const x = w.players[1].client;
        const { room } = await w.ask(0, { op: "create", name: "ghost", maxPlayers: 8 }) as { room: Room };
        const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string; ticket: string };
        if (mates) await w.ask(2, { op: "join", room: room.id });
        await w.until(() => false, 20);
        w.crash(1); // E stalls: A buries it, and drops its members, with E's update inside (see below)
        await w.until(() => raced, 600);
        assert.ok(raced, "the race ran");
        w.wake(1);
        // Out at E's first updates: a beat that threw once written leaves the reading again to the next update (it
        // waited a heartbeat, 63 ticks, before).
        await w.untilRead(() => Promise.resolve(!w.lobbies[1].admitted(joined.ticket)), 3);
        await w.until(() => false, 100);
        assert.equal(thrown, throws);
        const stored = (await w.kv.get<Room>(roomKey(room.id))).value;
        assert.ok(!stored?.members.some((member) => member.id === joined.you), "A dropped X");
        assert.equal(w.lobbies[1].admitted(joined.ticket), undefined, "E still admits X");
        assert.deepEqual(
          leavesHeard(x),
          [[joined.you, undefined]],
          "X never heard its own leave",
        );
        // X's drop is of this lobby's burial, logged so: X's own leave, and the mate's hearing of it.
        const told = mates ? "2 joins or leaves" : "1 join or leave";
        const line = `room ${room.id}: this lobby taken for dead, ${told} told here, host now ${room.host}`;
        assert.deepEqual(w.logs[1].filter((logged) => logged.includes("taken for dead")), [line]);
      },
      {},
      (i, store) =>
        i === 0
          ? {
            ...store,
            update: async (id: string, change: (room: Room) => Room) => {
              const w = world!;
              if (raced || !(await w.kv.get<{ buried?: boolean }>(beatKey(w.ids[1]))).value?.buried) {
                return await store.update!(id, change);
              }
              // A drops E's member right after burying E: E wakes, and reads the room before A's commit.
              raced = true;
              const reading = new Promise<void>((resolve) => read = resolve);
              const woken = w.lobbies[1].update();
              await reading;
              const changed = await store.update!(id, change);
              drop!();
              await woken.catch((error) => {
                if (!thrown) throw error;
              });
              return changed;
            },
          }
          : sharedWith({
            ...store,
            get: async (id: string) => {
              const room = await store.get(id);
              const signal = read;
              read = undefined;
              signal?.();
              if (signal) await dropped;
              return room;
            },
          }, {
            beat: async (taken) => {
              let called = false;
              await store.shared.beat(
                taken && (async () => {
                  called = true;
                  await taken();
                }),
              );
              if (throws && called && !thrown) {
                thrown = true;
                throw new Error("KV busy, after the fresh beat");
              }
            },
          }),
    );
  });
}

// Before: a lobby taken for dead that buried, at the same beat, the lobby hosting a room it has a member in read the
// room gone after its beat, and logged it closed as "this lobby was taken for dead". The burial of E is marked by
// hand, as one that left the room alone.
Deno.test("KV: a revived lobby logs a room closed by its own beat's burial of the host's lobby as that lobby stopped", async () => {
  await lobbies(["D", "E"], ["D", "E"], async (w) => {
    const x = w.players[1].client;
    const { room } = await w.ask(0, { op: "create", name: "gone", maxPlayers: 4 }) as { room: Room };
    await w.ask(1, { op: "join", room: room.id });
    await w.until(() => false, 20);
    w.crash(0);
    w.crash(1);
    await w.until(() => false, 250); // both stale, nobody to bury them
    const beat = await w.kv.get<{ beatAt: number }>(beatKey(w.ids[1]));
    await w.kv.set(beatKey(w.ids[1]), { ...beat.value, buried: true, burials: 1 });
    w.wake(1); // E beats: taken for dead, it reads the room, beats, and buries D, deleting the room
    await w.until(() => heard(x, "closed").length > 0, 100);
    assert.equal((await w.kv.get(roomKey(room.id))).value, null);
    assert.deepEqual(w.logs[1].filter((line) => line.startsWith(`room ${room.id}`)), [
      `room ${room.id} closed: its host's lobby ${w.ids[0]} stopped`,
    ]);
  });
});

// Before: a lobby taken for dead that finds, at the reading before its beat, a room gone because a third lobby buried
// its host's lobby logged it closed as "this lobby was taken for dead": that reading knows only the lobbies dead at its
// beat before the stall.
Deno.test("KV: a revived lobby logs a room closed by another's burial of the host's lobby as that lobby stopped", async () => {
  await lobbies(["D", "E", "B"], ["D", "E"], async (w) => {
    const x = w.players[1].client;
    const { room } = await w.ask(0, { op: "create", name: "gone", maxPlayers: 3 }) as { room: Room };
    await w.ask(1, { op: "join", room: room.id });
    await w.until(() => false, 20);
    w.crash(0);
    w.crash(1);
    await w.until(() => false, 600); // B buries D and E: the room, with no member on a live lobby, is deleted
    assert.equal((await w.kv.get(roomKey(room.id))).value, null);
    w.wake(1); // E beats: taken for dead, it reads the room gone before its beat
    await w.until(() => heard(x, "closed").length > 0, 200);
    assert.deepEqual(w.logs[1].filter((line) => line.startsWith(`room ${room.id}`)), [
      `room ${room.id} closed: its host's lobby ${w.ids[0]} stopped`,
    ]);
  }, { handOver: true });
});

// Pins that a revived lobby names the new host in the leave of the host its member believes in, not its copy's: H
// handed the room to P, and its notice waited in B's mailbox; N left through B, whose copy became the store's, hosted
// by P. C buried B, which emptied the mailbox, and A kept B's members. B woke: M heard H leave, and by the copy's host
// it would not have heard that P hosts.
Deno.test("handOver on KV: a member of a revived lobby hears its host's leave, with the new host its lobby's copy had", async () => {
  let skipA: (() => Promise<boolean>) | undefined;
  let holdB = false;
  await lobbies(
    ["A", "B", "C"],
    ["A", "A", "B", "B"],
    async (w) => {
      const member = w.players[2].client;
      const { room } = await w.ask(0, { op: "create", name: "revival", maxPlayers: 8 }) as { room: Room };
      const p = await w.ask(1, { op: "join", room: room.id }) as { you: string };
      await w.ask(2, { op: "join", room: room.id });
      const n = await w.ask(3, { op: "join", room: room.id }) as { you: string; ticket: string };
      await w.until(() => false, 20);
      holdB = true; // B reads its mailbox no more for now
      await w.ask(0, { op: "leave" }); // H hands the room to P
      await w.ask(3, { op: "leave" }); // N leaves through B, whose copy becomes the store's
      const { beat: beatB } = await stallAfterBeat(w, 1); // B stalls right after a beat, H's leave unread
      // A skips its beats while B is stale or buried: it never counts B dead, and keeps B's members. C buries B.
      skipA = async () => {
        const beat = await beatB();
        return !!beat.buried || w.net.now() - beat.beatAt > 3000;
      };
      await w.untilRead(async () => !!(await beatB()).buried);
      await w.until(() => false, 15);
      holdB = false;
      w.wake(1); // B beats: taken for dead, it takes the store's room
      await w.until(() => false, 200);
      skipA = undefined;
      const stored = (await w.kv.get<Room>(roomKey(room.id))).value;
      assert.deepEqual([stored?.host, stored?.members.length], [p.you, 2], "A kept M");
      assert.deepEqual(
        leavesHeard(member),
        [[n.you, undefined], [room.host, p.you]],
        "M never heard that P hosts",
      );
    },
    { handOver: true },
    (i, store) =>
      i === 0
        ? sharedWith(store, { beat: async (taken) => (await skipA?.()) ? undefined : await store.shared.beat(taken) })
        : i === 1
        ? mailHeldWhile(store, () => holdB)
        : store,
  );
});

// Before: D crashed, and E stalled past staleAfterMs at the same time. B read both stale; E beat again while B buried
// D, before B reached E. B handed D's room to B's player and dropped E's player X with it, E being out of B's live
// lobbies, though nobody ever buried E: E kept X in its copy, its ticket admitting it, and X heard nothing.
Deno.test("handOver on KV: a burial drops only the dead lobby's members, not one of a lobby stale then awake again", async () => {
  let world: World | undefined;
  let hooked = false;
  await lobbies(
    ["L0", "L1", "B"],
    ["L0", "L1", "B"],
    async (w) => {
      world = w;
      // D lists before E, so B buries D before it comes to E.
      const [d, e] = w.ids[0] < w.ids[1] ? [0, 1] : [1, 0];
      const x = w.players[e].client;
      const { room } = await w.ask(d, { op: "create", name: "r", maxPlayers: 8 }) as { room: Room };
      const joined = await w.ask(e, { op: "join", room: room.id }) as { you: string; ticket: string };
      const heir = await w.ask(2, { op: "join", room: room.id }) as { you: string };
      await w.until(() => false, 20);
      w.crash(d);
      w.crash(e);
      // B's burial of D listed D's room; E beats again then.
      await w.until(() => hooked, 600);
      assert.ok(hooked, "B buried D");
      w.wake(e);
      await w.until(() => false, 300);
      const stored = (await w.kv.get<Room>(roomKey(room.id))).value!;
      assert.deepEqual(stored.members.map((member) => member.id), [joined.you, heir.you]);
      assert.equal(stored.host, heir.you);
      assert.ok(w.lobbies[e].admitted(joined.ticket), "E admits X");
      assert.deepEqual(leavesHeard(x), [[room.host, heir.you]]);
    },
    { handOver: true },
    undefined,
    (i, kv) =>
      i === 2
        ? listingHooked(kv, async (prefix, listed) => {
          const w = world;
          if (!w || hooked || listed !== 1) return;
          const d = w.ids[0] < w.ids[1] ? 0 : 1;
          if (!sameKey(prefix, ["jamnet-lobby", "hosted", w.ids[d]])) return;
          hooked = true;
          await w.lobbies[1 - d].update();
        })
        : kv,
  );
});

// Before: a member whose lobby's heartbeat entry was forgotten (10 minutes after its last beat) stayed in a dead host's
// room handed on: a lobby with no entry counts as alive, so no lobby ever dropped it, and it kept its seat for good.
Deno.test("kvStore: a room handed on drops a member whose lobby's heartbeat was forgotten", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    const now = () => clock.now;
    const [d, g, b] = [storeOn(kv, now), storeOn(kv, now), storeOn(kv, now)];
    for (const store of [d, g, b]) await store.shared.beat();
    const room = handedOverRoom(d.shared.lobby, ["w", g.shared.lobby], ["h", b.shared.lobby]);
    assert.equal(await d.create!(room, 10), true);
    // G stops for good, is buried, and forgotten; D and B beat on, and nothing at the store's level drops W.
    await beatPastForgetting(clock, d, b);
    assert.equal((await kv.get(beatKey(g.shared.lobby))).value, null);
    clock.now += 4000; // D stops: B buries it, and hands the room to H
    await b.shared.beat();
    const stored = (await kv.get<Room>(roomKey("r"))).value;
    assert.deepEqual([stored?.host, stored?.lobby], ["h", b.shared.lobby]);
    assert.deepEqual(stored?.members.map((member) => member.id), ["h"], "W, of a forgotten lobby, stayed in the room");
  }));

// Before: the same burial read the heartbeat of each member's lobby, and a member with no lobby (a room written by a
// store without a shared directory) made that read throw: every beat of every lobby threw, and no lobby was buried.
Deno.test("kvStore: a room handed on keeps a member with no lobby, and the beat goes on", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    const now = () => clock.now;
    const [d, b] = [storeOn(kv, now), storeOn(kv, now)];
    for (const store of [d, b]) await store.shared.beat();
    const room = handedOverRoom(d.shared.lobby, ["u"], ["h", b.shared.lobby]);
    assert.equal(await d.create!(room, 10), true);
    clock.now = 5000; // D stops: B buries it, and hands the room to H
    await b.shared.beat();
    const stored = (await kv.get<Room>(roomKey("r"))).value;
    assert.deepEqual([stored?.host, stored?.lobby], ["h", b.shared.lobby]);
    assert.deepEqual(stored?.members.map((member) => member.id), ["u", "h"]);
    clock.now = 6000;
    await b.shared.beat();
  }));

// Pins the log of a revived lobby for a room of another lobby closed in the ordinary way while it was out: D buried E,
// which emptied E's mailbox, and D's host left, closing the room. D never stopped, so E's reading before its beat keeps
// the room for after the beat, and the beat, D alive and never buried, names this lobby's own burial.
Deno.test("KV: a revived lobby logs a room its host closed while the lobby was buried as this lobby taken for dead", async () => {
  await lobbies(["D", "E"], ["D", "E"], async (w) => {
    const x = w.players[1].client;
    const { room } = await w.ask(0, { op: "create", name: "left", maxPlayers: 4 }) as { room: Room };
    await w.ask(1, { op: "join", room: room.id });
    await w.until(() => false, 20);
    w.crash(1); // E stalls: D buries it
    await w.untilRead(async () => !!(await w.kv.get<{ buried?: boolean }>(beatKey(w.ids[1]))).value?.buried);
    await w.ask(0, { op: "leave" }); // D's host leaves: the room closes, E out
    await w.untilRead(async () => (await w.kv.get(roomKey(room.id))).value === null);
    await w.until(() => false, 20);
    assert.deepEqual(heard(x, "closed"), [], "X heard the close while E was out");
    w.wake(1); // E beats: taken for dead, it reads the room gone before its beat, D alive
    await w.until(() => heard(x, "closed").length > 0, 200);
    await w.until(() => false, 100);
    const beatD = (await w.kv.get<{ burials?: number; burying?: boolean }>(beatKey(w.ids[0]))).value;
    assert.deepEqual([beatD?.burials, beatD?.burying], [undefined, undefined], "D was taken for dead too");
    assert.deepEqual(w.logs[1].filter((line) => line.startsWith(`room ${room.id}`)), [
      `room ${room.id} closed: this lobby was taken for dead, its heartbeat late`,
    ]);
  });
});

// Pins the check of handOn's commit that each forgotten lobby is still without a heartbeat entry: G, forgotten, beats
// again between B's read of its entry and B's commit of the room handed on. The commit fails, and the retry reads G
// alive: W, G's member, stays in the room, handed to H all the same.
Deno.test("kvStore: a room handed on keeps a member whose forgotten lobby beats again before the commit", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    const now = () => clock.now;
    const g = storeOn(kv, now);
    let armed = false;
    let read: Deno.KvEntryMaybe<unknown> | undefined;
    // B's handle: its first read of G's heartbeat, once armed, is followed by G's beat, before B goes on.
    const hooked = new Proxy(kv, {
      get(target, name) {
        const value = Reflect.get(target, name);
        if (name !== "get") return typeof value === "function" ? value.bind(target) : value;
        return async (key: Deno.KvKey, options?: { consistency?: Deno.KvConsistencyLevel }) => {
          const entry = await target.get(key, options);
          if (armed && sameKey(key, beatKey(g.shared.lobby))) {
            armed = false;
            read = entry;
            // What G's beat writes, its entry forgotten: a fresh beat, checked absent.
            const beat = await target.atomic().check({ key, versionstamp: null }).set(key, { beatAt: clock.now })
              .commit();
            assert.ok(beat.ok);
          }
          return entry;
        };
      },
    });
    const [d, b] = [storeOn(kv, now), storeOn(hooked, now)];
    for (const store of [d, g, b]) await store.shared.beat();
    const room = handedOverRoom(d.shared.lobby, ["w", g.shared.lobby], ["h", b.shared.lobby]);
    assert.equal(await d.create!(room, 10), true);
    // G stops, is buried, and forgotten; D and B beat on.
    await beatPastForgetting(clock, d, b);
    assert.equal((await kv.get(beatKey(g.shared.lobby))).value, null);
    clock.now += 4000; // D stops: B buries it, reads G's entry missing, and G beats again before B's commit
    armed = true;
    await b.shared.beat();
    assert.equal(read?.versionstamp, null, "B read G's entry missing");
    assert.ok((await kv.get(beatKey(g.shared.lobby))).value, "G beat again");
    const stored = (await kv.get<Room>(roomKey("r"))).value;
    assert.deepEqual([stored?.host, stored?.lobby], ["h", b.shared.lobby], "the room was not handed to H");
    assert.deepEqual(stored?.members.map((member) => member.id), ["w", "h"], "W, of a lobby awake again, left");
    assert.equal((await kv.get(["jamnet-lobby", "hosted", b.shared.lobby, "r"])).value, true);
    assert.equal((await kv.get(["jamnet-lobby", "hosted", d.shared.lobby, "r"])).versionstamp, null);
  }));

// Before: while B was buried (its mailbox emptied), the host H on A left, handing the room to G, and joined again on
// the same connection, with the same member id. When B woke, H was in the store's room and in what M on B knew, so M
// heard nothing, and went on taking H for the host.
Deno.test("handOver on KV: a member of a revived lobby hears the host it knew leave and come back, and who hosts now", async () => {
  let skipA: (() => Promise<boolean>) | undefined;
  let holdB = false;
  await lobbies(
    ["A", "B", "C"],
    ["A", "A", "B"],
    async (w) => {
      const member = w.players[2].client;
      const { room } = await w.ask(0, { op: "create", name: "rejoin", maxPlayers: 8 }) as { room: Room };
      const g = await w.ask(1, { op: "join", room: room.id }) as { you: string };
      await w.ask(2, { op: "join", room: room.id });
      await w.until(() => false, 20);
      holdB = true; // B reads no mail: the leave and the join below wait in its mailbox, which its burial empties
      await w.ask(0, { op: "leave" });
      await w.ask(0, { op: "join", room: room.id });
      // B stalls right after a beat; A skips its beats while B is stale, so C buries B and A keeps M
      const { beat: beatB } = await stallAfterBeat(w, 1);
      skipA = async () => {
        const beat = await beatB();
        return !!beat.buried || w.net.now() - beat.beatAt > 3000;
      };
      await w.untilRead(async () => !!(await beatB()).buried);
      await w.until(() => false, 15);
      holdB = false;
      w.wake(1);
      await w.until(() => false, 200);
      skipA = undefined;
      const stored = (await w.kv.get<Room>(roomKey(room.id))).value!;
      assert.equal(stored.host, g.you);
      assert.deepEqual(leavesHeard(member), [[room.host, g.you]], "M never heard that G hosts");
      const joins = heard(member, "member").filter((notice) => notice.joined).map((notice) =>
        (notice.member as Member).id
      );
      assert.equal(joins.at(-1), room.host, "M never heard H come back");
    },
    { handOver: true },
    (i, store) =>
      i === 0
        ? sharedWith(store, { beat: async (taken) => (await skipA?.()) ? undefined : await store.shared.beat(taken) })
        : i === 1
        ? mailHeldWhile(store, () => holdB)
        : store,
  );
});

/**
 * D (lobby 0) hosts a room with handOver; W joins through G (lobby 1), which crashes between its store commit and its
 * mailbox write (`lose`): D's copy never has W. H joins through B (lobby 2) and knows W. G is buried.
 */
async function memberOfBuried(w: World, lose: () => void) {
  const { room } = await w.ask(0, { op: "create", name: "forgotten", maxPlayers: 4 }) as { room: Room };
  lose();
  const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string };
  w.crash(1);
  const h = await w.ask(2, { op: "join", room: room.id }) as { you: string; room: Room };
  assert.ok(h.room.members.some((member) => member.id === joined.you), "H knows W");
  await w.untilRead(async () => !!(await beatOfG(w))?.buried);
  return { room, joined, h };
}

const beatOfG = async (w: World) => (await w.kv.get<{ buried?: boolean }>(beatKey(w.ids[1]))).value;

/** G, buried, is forgotten: 11 minutes, a second at a time (the players' connections stay up). */
async function forgetG(w: World) {
  for (let ms = 0; ms < 11 * 60_000; ms += 1000) {
    w.net.advance(984);
    await w.until(() => false, 1);
  }
  assert.equal(await beatOfG(w), null, "G not forgotten");
}

/** As memberOfBuried, and then G is forgotten. */
async function memberOfForgotten(w: World, lose: () => void) {
  const found = await memberOfBuried(w, lose);
  await forgetG(w);
  return found;
}

/**
 * Lobby 1's mail goes nowhere while `lose()`: it crashed between its store commits and its mailbox writes. Unless
 * `rereads`, lobby 0 (D) is one that never reads the store's rooms it hosts at a burial (`lost` always false), as before
 * that read: the tests of what else drops W from a room (a burial's hand-on, a host's leave) need W still there.
 */
const losingG = (lose: () => boolean, rereads = false) => (i: number, store: ReturnType<typeof kvStore>) =>
  i === 1
    ? sharedWith(store, { send: (...args) => lose() ? Promise.resolve(undefined) : store.shared.send(...args) })
    : i === 0 && !rereads
    ? sharedWith(store, { lost: () => false })
    : store;

// Before: a member whose lobby was forgotten (its heartbeat entry removed 10 minutes after its burial) never heard to
// leave. W joined through G, which crashed before its notice reached D, the host's lobby: D's copy never had W, and
// nothing dropped W from the store while G was buried. H, on B, knew W from the room's answer. Once G was forgotten and
// D crashed, B's burial of D handed the room to H without W (a lobby with no heartbeat entry: see kv.ts), and B's copy
// became the store's: H's relays to W were refused, and H never heard W leave, G counting as alive to every lobby.
Deno.test("handOver on KV: a member of a forgotten lobby that a room handed on drops is told as gone", async () => {
  let loseG = false;
  await lobbies(
    ["D", "G", "B"],
    ["D", "G", "B"],
    async (w) => {
      const { room, joined, h } = await memberOfForgotten(w, () => loseG = true);
      let stored = (await w.kv.get<Room>(roomKey(room.id))).value!;
      assert.ok(stored.members.some((member) => member.id === joined.you), "W left the store's room before D crashed");
      w.crash(0); // D stops: B buries it, and hands the room to H, without W
      await w.untilRead(async () => (await w.kv.get<Room>(roomKey(room.id))).value?.host === h.you);
      await w.until(() => false, 100);
      stored = (await w.kv.get<Room>(roomKey(room.id))).value!;
      assert.deepEqual(stored.members.map((member) => member.id), [h.you]);
      const mate = w.players[2].client;
      // Refused: B's copy is the store's, without W.
      const relay = await w.settle(mate.request({ op: "relay", to: joined.you, data: 1 }));
      assert.ok(relay instanceof Error && /No member/.test(relay.message), String(relay));
      assert.deepEqual(leavesHeard(mate), [[joined.you, undefined], [room.host, h.you]], "H never heard W leave");
    },
    { handOver: true },
    losingG(() => loseG),
  );
});

// Before: W, whose join through G never reached D (G crashed between its store commit and its mailbox write), kept its
// seat in the store's room for as long as D lived: D dropped a dead or forgotten lobby's members only from its own copy,
// which never had W. H, on B, knew W, never heard it leave, and its relays to W vanished. Now D, at the beat that finds
// G buried, reads the store's room it hosts once and drops W from it; H hears W leave once, and stays.
Deno.test("handOver on KV: a host's lobby drops from the store's room a member of a buried lobby whose join it never heard", async () => {
  let loseG = false;
  await lobbies(
    ["D", "G", "B"],
    ["D", "G", "B"],
    async (w) => {
      const { room, joined, h } = await memberOfBuried(w, () => loseG = true);
      await w.until(() => false, 200); // a few more beats
      const stored = (await w.kv.get<Room>(roomKey(room.id))).value!;
      assert.ok(!stored.members.some((member) => member.id === joined.you), "W still in the store's room");
      const [host, mate] = [w.players[0].client, w.players[2].client];
      assert.deepEqual(leavesHeard(mate), [[joined.you, undefined]], "H never heard W leave");
      const relay = await w.settle(mate.request({ op: "relay", to: joined.you, data: 1 }));
      assert.ok(relay instanceof Error && /No member/.test(relay.message), String(relay));
      await forgetG(w);
      assert.deepEqual(leavesHeard(mate), [[joined.you, undefined]], "H heard W leave again once G was forgotten");
      // H, live on B, stays: in the store's room, told to no one as gone, its relays heard by the host.
      const after = (await w.kv.get<Room>(roomKey(room.id))).value!;
      assert.deepEqual(after.members.map((member) => member.id), [room.host, h.you], "H dropped with W");
      assert.deepEqual(leavesHeard(host), [], "the host heard a leave");
      mate.peer.send({ op: "relay", data: "still here" });
      await w.until(() => false, 30);
      assert.deepEqual(heard(host, "relay").map((relay) => relay.data), ["still here"]);
    },
    { handOver: true },
    losingG(() => loseG, true),
  );
});

// The same read drops no member of a lobby awake again: B, stalled between its store commit of its player's join and
// its mailbox write (so A's copy never has the player), is buried; A's beat finds the burial and reads its room from
// the store, and B wakes and beats before A's commit drops the player. The commit checks B still buried, and the player
// stays. A `change` that drops the member whatever its lobby's state fails this.
Deno.test("handOver on KV: a host's lobby reading the store's room at a burial keeps a member whose lobby woke before the commit", async () => {
  let held: [string, Delivery][] | undefined = [];
  let world: World | undefined;
  let storeB: ReturnType<typeof kvStore> | undefined;
  /** Whether A's store read `lost` at the beat it changed the room at, when B woke. */
  let wokeAt: boolean | undefined;
  await lobbies(
    ["A", "B"],
    ["A", "B"],
    async (w) => {
      world = w;
      const [host, mate] = w.players.map((player) => player.client);
      const created = await w.ask(0, { op: "create", name: "stalled", maxPlayers: 4 }) as { room: Room };
      const joined = await w.ask(1, { op: "join", room: created.room.id }) as { you: string; ticket: string };
      w.crash(1);
      await w.untilRead(() => Promise.resolve(wokeAt !== undefined), 400);
      assert.equal(wokeAt, true, "B woke at a change of A's not at the beat that found B buried");
      await w.until(() => false, 100);
      const stored = (await w.kv.get<Room>(roomKey(created.room.id))).value;
      assert.deepEqual(stored?.members.map((member) => member.id), [created.room.host, joined.you]);
      assert.ok(w.lobbies[1].admitted(joined.ticket));
      assert.deepEqual([leavesHeard(host), leavesHeard(mate)], [[], []]);
      mate.peer.send({ op: "relay", data: "hello?" });
      await w.until(() => false, 30);
      assert.equal(heard(host, "relay").length, 1, "the host never heard its member on B");
    },
    { handOver: true },
    (i, store) => {
      if (i === 1) {
        storeB = store;
        // B's mail waits while it is stalled, and goes out when it wakes.
        return sharedWith(store, {
          send: (lobby, delivery) =>
            held ? Promise.resolve(void held.push([lobby, delivery])) : store.shared.send(lobby, delivery),
        });
      }
      // A's first change of a room after its beat found B buried: B wakes, sends what it held, and beats.
      return {
        ...store,
        update: async (id, change) => {
          const w = world;
          if (w && wokeAt === undefined && (await w.kv.get<{ buried?: boolean }>(beatKey(w.ids[1]))).value?.buried) {
            wokeAt = store.shared.lost?.() ?? false;
            const mail = held!;
            held = undefined;
            for (const [lobby, delivery] of mail) await storeB!.shared.send(lobby, delivery);
            w.wake(1);
            await w.lobbies[1].update();
          }
          return await store.update!(id, change);
        },
      };
    },
  );
});

// Before: a host's leave handed its room to W, a member of a forgotten lobby G (as above, D never heard W's join): the
// heir was the first member on a lobby alive, and a lobby with no heartbeat entry counts as alive. The room stayed in
// the store for good, hosted by W on a lobby nobody would bury, listed and joinable. And once handed to B, W stayed in
// it: B's copy had W, but B dropped only the members of lobbies dead at its beat, and a lobby with no heartbeat entry
// counts as alive. W held a seat for good, and H never heard it leave.
Deno.test("handOver on KV: a host's leave does not hand its room to a member of a forgotten lobby, and the room handed on drops it", async () => {
  let loseG = false;
  await lobbies(
    ["D", "G", "B"],
    ["D", "G", "B"],
    async (w) => {
      const { room, joined, h } = await memberOfForgotten(w, () => loseG = true);
      await w.ask(0, { op: "leave" });
      await w.until(() => false, 100);
      const stored = (await w.kv.get<Room>(roomKey(room.id))).value!;
      assert.deepEqual(
        [stored.host, stored.lobby],
        [h.you, w.ids[2]],
        "the room handed to W, whose lobby G was forgotten",
      );
      const mate = w.players[2].client;
      assert.deepEqual(leavesHeard(mate)[0], [room.host, h.you]);
      assert.deepEqual(stored.members.map((member) => member.id), [h.you], "W still in the store's room");
      assert.deepEqual(leavesHeard(mate), [[room.host, h.you], [joined.you, undefined]], "H never heard W leave");
      const relay = await w.settle(mate.request({ op: "relay", to: joined.you, data: 1 }));
      assert.ok(relay instanceof Error && /No member/.test(relay.message), String(relay));
      const late = w.addPlayer("B");
      await w.until(() => late.client.peer.state === "connected");
      const listed = await w.ask(3, { op: "list" }) as { rooms: { id: string; players: number }[] };
      assert.deepEqual(listed.rooms.map((listed) => [listed.id, listed.players]), [[room.id, 1]]);
    },
    { handOver: true },
    losingG(() => loseG),
  );
});

// Before: the store's hand-over refused a lobby buried or being buried, not one with no heartbeat entry at all (one
// forgotten since the leaver's beat): the room went to it, in the index of a lobby nobody would bury.
Deno.test("kvStore: a room handed over to a lobby with no heartbeat entry closes", () =>
  inMemoryKv(async (kv) => {
    const a = storeOn(kv, () => 0);
    await a.shared.beat();
    await a.put(handedOverRoom(a.shared.lobby, ["w", "forgotten"]));
    const handed = await a.update!(
      "r",
      (room) => ({ ...room, members: room.members.slice(1), host: "w", lobby: "forgotten" }),
    );
    assert.equal(handed, undefined);
    assert.equal((await kv.get(roomKey("r"))).value, null);
    assert.deepEqual((await kv.get<Deno.KvU64>(["jamnet-lobby", "count"])).value?.value, 0n);
    const index = await Array.fromAsync(kv.list({ prefix: ["jamnet-lobby", "hosted"] }));
    assert.deepEqual(index.map((entry) => entry.key), []);
  }));

// Before: a lobby started since A's beat counted as gone inside A's update (gone() answers as of the last beat), where
// a host's leave passes over the members of a gone lobby for heir: the room went to a later member, or closed.
Deno.test("kvStore: update reads a member's lobby gone at the beat: one started since is not gone in the change", () =>
  inMemoryKv(async (kv) => {
    const [a, b] = [storeOn(kv, () => 0), storeOn(kv, () => 0)];
    await a.shared.beat();
    await b.shared.beat(); // after A's reading: gone to A until A's next beat
    assert.equal(a.shared.gone!(b.shared.lobby), true);
    await a.put(handedOverRoom(a.shared.lobby, ["x", b.shared.lobby], ["n", "nobody"]));
    const seen: boolean[] = [];
    await a.update!("r", (room) => (seen.push(a.shared.gone!(b.shared.lobby), a.shared.gone!("nobody")), room));
    assert.deepEqual(seen, [false, true]);
  }));

// Pins what gone() answers: a lobby with no heartbeat entry at the last beat, forgotten or never seen; not a live one,
// nor one buried and not forgotten yet (dead already), nor a member with no lobby, nor anything before the first beat.
Deno.test("kvStore: gone() names a lobby with no heartbeat entry, forgotten or never seen", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    const now = () => clock.now;
    const [a, g] = [storeOn(kv, now), storeOn(kv, now)];
    assert.equal(a.shared.gone!("nobody"), false, "gone before its first beat");
    for (const store of [a, g]) await store.shared.beat();
    // G beat after A's reading: gone to A until A's next beat, as a lobby started since then.
    assert.deepEqual([a.shared.gone!(a.shared.lobby), a.shared.gone!(g.shared.lobby)], [false, true]);
    await a.shared.beat();
    assert.equal(a.shared.gone!(g.shared.lobby), false);
    assert.equal(a.shared.gone!("nobody"), true);
    assert.equal(a.shared.gone!(undefined as unknown as string), false, "a member with no lobby");
    clock.now = 5000;
    await a.shared.beat(); // G buried: dead, not gone
    assert.deepEqual([a.shared.alive(g.shared.lobby), a.shared.gone!(g.shared.lobby)], [false, false]);
    await beatPastForgetting(clock, a);
    assert.equal((await kv.get(beatKey(g.shared.lobby))).value, null);
    assert.deepEqual([a.shared.alive(g.shared.lobby), a.shared.gone!(g.shared.lobby)], [true, true]);
  }));

// Pins when lost() holds, the beats at which a lobby reads the store's rooms it hosts (see lobby.ts): the one beat that
// finds a lobby newly buried, and the one that finds it newly gone (forgotten since the beat before, by this lobby or
// by another); not a lobby started since, nor any beat between.
Deno.test("kvStore: lost() holds at the beat that finds a lobby newly buried or forgotten, and at no other", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    const now = () => clock.now;
    const [a, b, g] = [storeOn(kv, now), storeOn(kv, now), storeOn(kv, now)];
    for (const store of [a, b, g]) await store.shared.beat();
    await a.shared.beat(); // G, started since A's first beat, listed now
    assert.equal(a.shared.lost!(), false, "lost at a lobby's start");
    const lost: [number, boolean, boolean][] = [];
    for (clock.now = 1000; clock.now <= 11 * 60_000; clock.now += 1000) {
      // B first: it buries and forgets G, and A finds it done.
      for (const store of [b, a]) await store.shared.beat();
      if (a.shared.lost!() || b.shared.lost!()) lost.push([clock.now, b.shared.lost!(), a.shared.lost!()]);
    }
    assert.equal((await kv.get(beatKey(g.shared.lobby))).value, null, "G not forgotten");
    // G's last beat at 0: buried past staleAfterMs, forgotten past FORGET_DEAD_LOBBY_MS.
    assert.deepEqual(lost, [[4000, true, true], [601_000, true, true]]);
  }));

// Before: gone() was true for a lobby with a heartbeat entry. G, buried and about to be forgotten, beat again between
// A's reading of the heartbeats and A's commit that removes G's old entry: the commit (checked) failed and left G's
// fresh entry, but A left G out of the lobbies it had read, and counted it gone until its next beat.
Deno.test("kvStore: a lobby that beats again before another forgets it is not gone", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    const now = () => clock.now;
    const g = storeOn(kv, now);
    let armed = false;
    const hooked = listingHooked(kv, async (prefix, listed) => {
      if (!armed || listed !== undefined || !sameKey(prefix, LOBBIES)) return;
      armed = false;
      // G, awake again, writes a fresh beat over its buried one, after A read the heartbeats.
      const own = await kv.get(beatKey(g.shared.lobby));
      assert.ok((await kv.atomic().check(own).set(own.key, { beatAt: clock.now, burials: 1 }).commit()).ok);
    });
    const a = storeOn(hooked, now);
    await a.shared.beat();
    await g.shared.beat();
    for (clock.now = 1000; clock.now <= 10 * 60_000; clock.now += 1000) await a.shared.beat();
    clock.now += 1500; // G's beat is now past FORGET_DEAD_LOBBY_MS old: A's next beat forgets it
    armed = true;
    await a.shared.beat();
    assert.equal(armed, false, "G never beat during A's beat");
    assert.deepEqual((await kv.get(beatKey(g.shared.lobby))).value, { beatAt: clock.now, burials: 1 });
    assert.equal(a.shared.gone!(g.shared.lobby), false, "gone though G had a heartbeat entry at A's beat");
  }));

// Before: at a beat that found a lobby newly buried, the host's lobby read the store's rooms it hosts one after another,
// and its next beat waited for them all: 30 reads of 150 ms (1,000 rooms at 4.5 ms a read) held it past staleAfterMs,
// and the other lobbies buried it, alive all along. Now they go HOSTED_READS_AT_ONCE (64) at a time.
Deno.test("a burial beat reads the rooms its lobby hosts at once, not one after another", async () => {
  const rooms = 30;
  let loseG = false;
  let counting = false;
  let inFlight = 0;
  let most = 0;
  await lobbies(
    ["D", "G", "B"],
    ["D", "G", "B", ...Array(rooms - 1).fill("D")],
    async (w) => {
      for (const player of [0, ...Array.from({ length: rooms - 1 }, (_, i) => i + 3)]) {
        await w.ask(player, { op: "create", name: `r${player}`, maxPlayers: 4 });
      }
      const { rooms: listed } = await w.ask(1, { op: "list" }) as { rooms: { id: string }[] };
      loseG = true; // W's join through G never reaches D
      await w.ask(1, { op: "join", room: listed[0].id });
      w.crash(1);
      counting = true;
      await w.until(() => most >= rooms, 400); // past G's burial, and D's beat after it
      assert.equal(most, rooms, "the hosted rooms were read one after another");
    },
    { handOver: true },
    (i, store) => {
      if (i === 1) {
        return sharedWith(store, {
          send: (...args) => loseG ? Promise.resolve(undefined) : store.shared.send(...args),
        });
      }
      if (i !== 0) return store;
      return {
        ...store,
        get: async (id: string) => {
          if (!counting) return await store.get(id);
          most = Math.max(most, ++inFlight);
          await Promise.resolve(); // a turn: reads made together are all in flight by now
          inFlight--;
          return await store.get(id);
        },
      };
    },
  );
});

// ─── clocks apart by more than staleAfterMs ───────────────────

/** Two stores on `kv`: A's clock `skew` ms off B's, both read from `clock`. */
function skewedPair(kv: Deno.Kv, clock: { now: number }, skew: number) {
  const a = storeOn(kv, () => clock.now + skew);
  const b = storeOn(kv, () => clock.now);
  return { a, b };
}

// Before: staleness was the beat's own time against the reader's clock. A lobby whose clock ran 5 s ahead buried every
// other lobby at every beat, its first included (their rooms deleted, their players taken for gone), and from its side
// a lobby 5 s behind was as good as dead: every lobby buried it at every beat.
for (const skew of [5000, -5000]) {
  Deno.test(`kvStore: a lobby whose clock runs ${Math.abs(skew) / 1000} s ${skew > 0 ? "ahead" : "behind"} buries no live lobby, nor is buried`, () =>
    inMemoryKv(async (kv) => {
      const clock = { now: 0 };
      const { a, b } = skewedPair(kv, clock, skew);
      await b.shared.beat();
      assert.ok(await b.create!(roomOn(b.shared.lobby, "b"), 10));
      await a.shared.beat(); // A's first beat, with B's room in the store
      assert.ok(await a.create!(roomOn(a.shared.lobby, "a"), 10));
      let taken = 0;
      for (clock.now = 1000; clock.now <= 10_000; clock.now += 1000) {
        await a.shared.beat(() => Promise.resolve(void taken++));
        await b.shared.beat(() => Promise.resolve(void taken++));
        assert.ok(
          a.shared.alive(b.shared.lobby) && b.shared.alive(a.shared.lobby),
          `dead to each other at ${clock.now}`,
        );
      }
      assert.equal(taken, 0, "a lobby found itself buried");
      assert.deepEqual((await b.list(10)).map((room) => room.id).sort(), ["a", "b"]);
    }));
}

// Before: a lobby whose clock ran ahead of B's stopped, and B buried it only once its beat was staleAfterMs old by B's
// clock: 8 s after the last beat for a clock 5 s ahead (for good, were it an hour ahead). A first form of the watch
// buried one behind a reading early.
for (const skew of [5000, -5000]) {
  Deno.test(`kvStore: a dead lobby whose clock ran 5 s ${skew > 0 ? "ahead" : "behind"} is buried as soon as one on time would be`, () =>
    inMemoryKv(async (kv) => {
      const clock = { now: 0 };
      const { a, b } = skewedPair(kv, clock, skew);
      await a.shared.beat();
      await b.shared.beat();
      assert.ok(await a.create!(roomOn(a.shared.lobby, "a"), 10));
      for (clock.now = 1000; clock.now <= 2000; clock.now += 1000) {
        await a.shared.beat();
        await b.shared.beat();
      }
      // A stops after its beat at 2000; B goes on beating once a second.
      for (clock.now = 3000; clock.now <= 5000; clock.now += 1000) {
        await b.shared.beat();
        assert.ok(b.shared.alive(a.shared.lobby), `buried ${clock.now - 2000} ms after its last beat`);
      }
      clock.now = 6000;
      await b.shared.beat();
      assert.equal(b.shared.alive(a.shared.lobby), false, "alive 4 s after its last beat");
      assert.equal((await kv.get(roomKey("a"))).value, null);
    }));
}

// What the watch costs: at its first reading a lobby knows nothing of when the beats it reads were written, so a lobby
// that restarts on its KV file buries the lobby it was staleAfterMs after its start, not at its first beat.
Deno.test("kvStore: a lobby finds no beat stale at its first reading, and buries a dead one staleAfterMs later", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    const { a: dead, b } = skewedPair(kv, clock, 0);
    await dead.shared.beat();
    assert.ok(await dead.create!(roomOn(dead.shared.lobby, "old"), 10));
    clock.now = 60_000; // B starts a minute after the other's last beat
    await b.shared.beat();
    assert.ok(b.shared.alive(dead.shared.lobby));
    clock.now = 63_000;
    await b.shared.beat();
    assert.ok(b.shared.alive(dead.shared.lobby), "buried at staleAfterMs of watch, not past it");
    clock.now = 63_001;
    await b.shared.beat();
    assert.equal(b.shared.alive(dead.shared.lobby), false);
    assert.equal((await kv.get(roomKey("old"))).value, null);
  }));

// A first form of the watch (each beat's age counted from the reading before the one that first listed it) buried a
// lobby 5 s behind, alive, after one stall of its reader longer than staleAfterMs, or after a gap of 2 s in its own
// beats (a reading just after a beat put its write a whole reading earlier). The bounds of its lead, narrowed beat after
// beat, keep its age within a reading of the truth.
/** A lobby 5 s behind B, and B, both beating at each of `both`; then `then`; then B alone, at each of `reads`. */
async function behindThen(
  both: number[],
  then: (clock: { now: number }, behind: ReturnType<typeof kvStore>) => Promise<void>,
  reads: number[],
): Promise<void> {
  await inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    const { a: behind, b } = skewedPair(kv, clock, -5000);
    for (clock.now of both) {
      await behind.shared.beat();
      await b.shared.beat();
    }
    await then(clock, behind);
    for (clock.now of reads) {
      await b.shared.beat();
      assert.ok(b.shared.alive(behind.shared.lobby), `buried at ${clock.now}`);
    }
  });
}

Deno.test("kvStore: a lobby 5 s behind is not buried when its reader stalls 3.5 s", async () => {
  await behindThen([0, 1000, 2000], async (clock, behind) => {
    for (clock.now = 3000; clock.now <= 5000; clock.now += 1000) await behind.shared.beat(); // B stalls
  }, [5500]);
});

Deno.test("kvStore: a lobby 5 s behind is not buried when it misses two beats", async () => {
  await behindThen([0], async (clock, behind) => {
    clock.now = 1010;
    await behind.shared.beat(); // its last beat for 2 s, just before B's reading
  }, [1016, 2032, 3048]);
});

// A first form of the watch took a reading's time before its listing: a beat written during a pause between the two
// (a GC pause, a listing of many pages) counted as written before the pause, and on one clock a lobby whose next beat
// came 50 ms late was buried, its beat 1,032 ms old.
Deno.test("kvStore: a beat written between a reading's start and its listing counts from when it was written", () =>
  inMemoryKv(async (kv) => {
    let clock = 0;
    let pause: (() => Promise<void>) | undefined;
    const now = () => clock;
    const l = storeOn(kv, now);
    const paused = listingHooked(kv, async (prefix, listed) => {
      if (listed !== 0 || !sameKey(prefix, LOBBIES)) return;
      const run = pause;
      pause = undefined;
      await run?.();
    });
    const b = storeOn(paused, now);
    for (clock = 0; clock <= 1000; clock += 1000) {
      await l.shared.beat();
      await b.shared.beat();
    }
    clock = 2000;
    await l.shared.beat();
    pause = async () => {
      for (clock = 3000; clock <= 4000; clock += 1000) await l.shared.beat();
    };
    await b.shared.beat(); // its reading starts at 2000; the listing, at 4000, has L's beat of 4000
    for (clock of [4016, 5032]) {
      await b.shared.beat(); // L's beat due at 5000 comes at 5050
      assert.ok(b.shared.alive(l.shared.lobby), `L buried at ${clock}, its beat ${clock - 4000} ms old`);
    }
  }));

// A first form of the watch forgot a buried lobby only once a reader had watched it for 10 minutes: lobbies that each
// lived 5 minutes (restarts, deploys) forgot none, and each start left one more entry that every beat lists.
Deno.test("kvStore: a buried lobby is forgotten 10 minutes after its last beat by lobbies that each live 5", () =>
  inMemoryKv(async (kv) => {
    let clock = 0;
    const now = () => clock;
    const dead = storeOn(kv, now);
    await dead.shared.beat();
    for (let started = 0; started < 4; started++) { // 20 minutes
      const lobby = storeOn(kv, now);
      for (let i = 0; i < 300; i++, clock += 1000) await lobby.shared.beat();
    }
    assert.equal((await kv.get(beatKey(dead.shared.lobby))).value, null, "the dead lobby is not forgotten");
    const left = [];
    for await (const entry of kv.list({ prefix: LOBBIES })) left.push(entry.key);
    assert.ok(left.length <= 3, `${left.length} heartbeat entries left after 4 lobbies of 5 minutes`);
  }));

// A first form of the bounds forgot a buried lobby by its own time as well: one whose clock ran 11 minutes behind,
// buried after a stall of 4 s, was forgotten at the next beat (its entry and its mailbox deleted).
Deno.test("kvStore: a lobby 11 minutes behind, buried after a stall, is not forgotten seconds later", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    const { a: behind, b } = skewedPair(kv, clock, -11 * 60_000);
    for (clock.now = 0; clock.now <= 3000; clock.now += 1000) {
      await behind.shared.beat();
      await b.shared.beat();
    }
    for (clock.now = 4000; clock.now <= 8000; clock.now += 1000) await b.shared.beat(); // it stalls from 3000
    assert.equal((await kv.get<{ buried?: boolean }>(beatKey(behind.shared.lobby))).value?.buried, true);
  }));

/**
 * L, on `clock`, and B, whose clock is `offset` ms off it (`steady` on it), both beating once a second up to 4 s; then
 * B's clock is set right.
 */
async function setRightAt4s(kv: Deno.Kv, clock: { now: number }, offset: number) {
  const l = storeOn(kv, () => clock.now);
  const b = kvStore(kv, {
    heartbeatMs: 1000,
    staleAfterMs: 3000,
    now: () => clock.now + offset,
    steady: () => clock.now,
  });
  for (clock.now = 0; clock.now <= 4000; clock.now += 1000) {
    await l.shared.beat();
    await b.shared.beat();
  }
  offset = 0;
  return { l, b };
}

// Before: a lobby kept what it learned of the others' clocks when its own was set anew. B's clock ran 5 s behind, and
// NTP set it right: at B's next reading every beat looked 5 s older, and B buried L, alive, its beat 500 ms old. Set back
// by 5 s, B buried a dead lobby 5 s late. Now it learns them again, and buries none for staleAfterMs.
Deno.test("kvStore: a lobby whose clock is set forward by 5 s buries no live lobby", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    const { l, b } = await setRightAt4s(kv, clock, -5000);
    for (clock.now = 4500; clock.now <= 8500; clock.now += 1000) {
      await b.shared.beat();
      assert.ok(b.shared.alive(l.shared.lobby), `L buried at ${clock.now}, its beat ${clock.now - 4000} ms old`);
      await l.shared.beat();
    }
  }));

Deno.test("kvStore: a lobby whose clock is set back by 5 s buries a dead lobby staleAfterMs after the step", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    const { l, b } = await setRightAt4s(kv, clock, 5000); // L stops after its beat at 4000
    for (clock.now = 4500; clock.now <= 7500; clock.now += 1000) {
      await b.shared.beat();
      assert.ok(b.shared.alive(l.shared.lobby), `L buried at ${clock.now}, ${clock.now - 4500} ms after the step`);
    }
    clock.now = 8500;
    await b.shared.beat();
    assert.equal(b.shared.alive(l.shared.lobby), false, "L alive 4 s after the step, its beat 4.5 s old");
  }));

// A lobby 2.8 s behind, first listed at the reading that finds the clock set forward, was buried at first sight by a
// form that moved the bounds with the step and left the last reading's start where it was.
Deno.test("kvStore: a lobby whose clock is set forward by 5 s does not bury a lobby it lists first then", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    let offset = -5000;
    const m = storeOn(kv, () => clock.now - 2800);
    const b = kvStore(kv, {
      heartbeatMs: 1000,
      staleAfterMs: 3000,
      now: () => clock.now + offset,
      steady: () => clock.now,
    });
    for (clock.now = 0; clock.now <= 4000; clock.now += 1000) await b.shared.beat();
    clock.now = 4500;
    await m.shared.beat();
    offset = 0;
    clock.now = 5000;
    await b.shared.beat();
    assert.ok(b.shared.alive(m.shared.lobby), "M buried at first sight, its beat 500 ms old");
  }));

/** `kv`, whose listing of the heartbeats throws while `fail()` holds. */
function beatsUnreadableWhile(kv: Deno.Kv, fail: () => boolean): Deno.Kv {
  return new Proxy(kv, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (name !== "list") return typeof value === "function" ? value.bind(target) : value;
      return (selector: { prefix: Deno.KvKey }, options?: Deno.KvListOptions) => {
        if (sameKey(selector.prefix, LOBBIES) && fail()) throw new Error("database is locked (simulated)");
        return target.list(selector, options);
      };
    },
  });
}

// A first form kept the steady clock's reading of a reading whose listing threw, and not its own clock's: the next
// reading found the clock set forward by the time since the last good one, and buried a dead lobby a reading late.
Deno.test("kvStore: a reading of the beats that throws makes no step of the clock", () =>
  inMemoryKv(async (kv) => {
    const clock = { now: 0 };
    let fail = false;
    const l = storeOn(kv, () => clock.now);
    const b = kvStore(beatsUnreadableWhile(kv, () => fail), {
      heartbeatMs: 1000,
      staleAfterMs: 3000,
      now: () => clock.now,
      steady: () => clock.now, // the same clock, read apart: never a step
    });
    for (clock.now = 0; clock.now <= 7500; clock.now += 500) {
      if (clock.now % 1000) await l.shared.beat();
      else {
        fail = clock.now === 5000;
        await assert.doesNotReject(b.shared.beat().catch((error) => assert.match(String(error), /simulated/)));
        fail = false;
      }
    }
    for (clock.now = 8000; clock.now <= 10_000; clock.now += 1000) {
      await b.shared.beat(); // L stopped after its beat at 7500
      assert.ok(b.shared.alive(l.shared.lobby), `buried at ${clock.now}`);
    }
    clock.now = 11_000;
    await b.shared.beat();
    assert.equal(b.shared.alive(l.shared.lobby), false, "L alive, its beat 3.5 s old");
  }));

// Date.now counts whole ms and performance.now fractions: a form that took each difference for a step of the clock
// moved one clock's bounds off 0, and a dead lobby was buried up to a reading late. And a test that fakes Date.now, not
// performance.now, had each tick taken for a step: a dead lobby was never buried.
Deno.test("kvStore: whole ms against a steady clock's fractions are no step of the clock", () =>
  inMemoryKv(async (kv) => {
    let t = 0;
    const l = storeOn(kv, () => Math.floor(t));
    const b = kvStore(kv, { heartbeatMs: 1000, staleAfterMs: 3000, now: () => Math.floor(t), steady: () => t });
    for (const [at, who] of [[0, b], [500, l], [1000, b], [1500, l], [2000, b], [2500, l], [3000.9, b], [3000.95, l]]) {
      t = at as number;
      await (who as typeof b).shared.beat();
    }
    for (t = 4000; t <= 6000; t += 1000) {
      await b.shared.beat(); // L stopped after its beat at 3000.95 (beatAt 3000)
      assert.ok(b.shared.alive(l.shared.lobby), `buried at ${t}`);
    }
    t = 6400;
    await b.shared.beat();
    assert.equal(b.shared.alive(l.shared.lobby), false, "L alive, its beat 3.4 s old");
  }));

Deno.test("kvStore: a faked Date.now, with a real performance.now, is no step of the clock at each tick", () =>
  inMemoryKv(async (kv) => {
    const realNow = Date.now;
    let fake = 1_000_000;
    Date.now = () => fake;
    try {
      const l = kvStore(kv, { heartbeatMs: 1000, staleAfterMs: 3000 });
      const b = kvStore(kv, { heartbeatMs: 1000, staleAfterMs: 3000 });
      for (let i = 0; i < 5; i++, fake += 1000) {
        await l.shared.beat();
        await b.shared.beat();
      }
      for (let i = 0; i < 5; i++, fake += 1000) await b.shared.beat(); // L stopped
      assert.equal(b.shared.alive(l.shared.lobby), false, "L alive, its beat 5 s old");
    } finally {
      Date.now = realNow;
    }
  }));

// A first form took a beat's time for the time of its commit: a dead lobby's last beat, whose commit unlocked() retried
// for a second, dropped the bounds its beats had given, and it was buried 2 s late (4 s after a stall of the reader).
Deno.test("kvStore: a dead lobby whose last beat committed a second late is buried as one on time would be", () =>
  inMemoryKv(async (kv) => {
    let t = 0;
    let hold: (() => Promise<void>) | undefined;
    const slow = new Proxy(kv, {
      get(target, name) {
        if (name === "atomic") {
          return () => {
            const op = target.atomic();
            const commit = op.commit.bind(op);
            op.commit = async () => {
              const held = hold;
              hold = undefined;
              await held?.();
              return await commit();
            };
            return op;
          };
        }
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const a = storeOn(kv, () => t);
    const b = storeOn(slow, () => t);
    for (t = 0; t <= 3000; t += 500) await (t % 1000 ? b : a).shared.beat();
    t = 3450;
    hold = async () => {
      t = 4000;
      await a.shared.beat(); // A reads while B's commit waits
      t = 4400;
    };
    await b.shared.beat(); // beatAt 3450, committed at 4400; then B stops
    for (t = 5000; t <= 6000; t += 1000) {
      await a.shared.beat();
      assert.ok(a.shared.alive(b.shared.lobby), `buried at ${t}`);
    }
    t = 7000;
    await a.shared.beat();
    assert.equal(a.shared.alive(b.shared.lobby), false, "alive at 7000, its beat 3,550 ms old");
  }));

// A first form moved what a lobby learned of the others' clocks with a step of its own: lobbies on one machine, whose
// clocks are set together, took each other for 800 ms older after it was set back by 800 ms, and a live lobby whose
// beat was 2.8 s old was buried.
Deno.test("kvStore: lobbies on one machine whose clock is set back by 800 ms bury no live lobby", () =>
  inMemoryKv(async (kv) => {
    let t = 0;
    let offset = 0;
    const options = { heartbeatMs: 1000, staleAfterMs: 3000, now: () => t + offset, steady: () => t };
    const a = kvStore(kv, options);
    const b = kvStore(kv, options);
    for (t = 0; t <= 4000; t += 100) {
      if (t % 1000 === 0) await a.shared.beat();
      if (t % 1000 === 700) await b.shared.beat();
    }
    offset = -800;
    t = 4700;
    await b.shared.beat(); // its next beat comes at 7600
    for (t of [5000, 6000, 7500]) {
      await a.shared.beat(); // the reading at 7500 is 500 ms late
      assert.ok(a.shared.alive(b.shared.lobby), `buried at ${t}, its beat ${t - 4700} ms old`);
    }
  }));

// Before: what a lobby learned of another's clock stayed as learned while that clock drifted (no NTP, or NTP slewing it
// by up to 0.5 ms a second): a lobby 5 s behind whose clock ran 500 ppm slow was taken for 1.2 s older after 40 minutes,
// and one beat 1.1 s late got it buried. Bounds learned earlier widen by 1 ms a second now.
Deno.test("kvStore: a lobby 5 s behind whose clock drifts 500 ppm is not buried for a beat 1.1 s late after 40 minutes", () =>
  inMemoryKv(async (kv) => {
    let t = 0;
    const drifting = storeOn(kv, () => t - 5000 - t * 0.0005);
    const b = storeOn(kv, () => t);
    for (let i = 0; i <= 40 * 60; i++) {
      t = i * 1000;
      await drifting.shared.beat(); // just before B's reading
      t += 1;
      await b.shared.beat();
    }
    t += 2100; // its next beat 1.1 s late
    await b.shared.beat();
    assert.ok(b.shared.alive(drifting.shared.lobby), "buried with a beat 2.1 s old");
  }));

// A first form with the commit slack took any lobby up to about 2 s behind for one on time (the slack made its bounds
// hold 0): one 1.8 s behind, beating 900 ms after each reading, was taken for 1.8 s older, and one beat 1.2 s late
// buried it.
Deno.test("kvStore: a lobby 1.8 s behind is not buried for one beat 1.2 s late", () =>
  inMemoryKv(async (kv) => {
    let t = 0;
    const behind = storeOn(kv, () => t - 1800);
    const b = storeOn(kv, () => t);
    for (let i = 0; i < 60; i++) {
      t = i * 1000;
      await b.shared.beat();
      t += 900;
      await behind.shared.beat();
    }
    for (t = 60_000; t <= 62_000; t += 1000) {
      await b.shared.beat();
      assert.ok(b.shared.alive(behind.shared.lobby), `buried at ${t}, its beat ${t - 59_900} ms old`);
    }
  }));

// A first form that dropped what a lobby learned at a step of its clock learned it again from the beats its next
// reading found, written before the step: on one machine set back 1.5 s, that took every lobby there for 1.5 s older
// for 23 minutes, and one beat 1.2 s late, a minute later, buried a live lobby.
Deno.test("kvStore: lobbies on one machine whose clock is set back 1.5 s bury no live lobby a minute later", () =>
  inMemoryKv(async (kv) => {
    let t = 0;
    let offset = 0;
    const options = { heartbeatMs: 1000, staleAfterMs: 3000, now: () => t + offset, steady: () => t };
    const a = kvStore(kv, options);
    const b = kvStore(kv, options);
    for (t = 0; t <= 64_000; t += 100) {
      if (t % 1000 === 900) await b.shared.beat();
      if (t === 3900) offset = -1500;
      if (t % 1000 === 0) await a.shared.beat();
    }
    for (t = 65_000; t <= 66_000; t += 1000) {
      await a.shared.beat(); // B's beat due at 64,900 comes 1.2 s late
      assert.ok(a.shared.alive(b.shared.lobby), `buried at ${t}, its beat ${t - 63_900} ms old`);
    }
  }));
