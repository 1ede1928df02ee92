/**
 * The lobby's `handOver` with a shared directory: lobbies on one Deno KV file, each with its own handle and store, on
 * one memoryNet's virtual clock (as kv_test.ts). Each test is a race or a crash a review of the hand-over found
 * (2026-12-06), and fails without its fix; two of them without `handOver` too.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { kvStore, Member, Room, RoomSummary } from "./lobby.ts";
import { heard, inMemoryKv, leavesHeard, lobbies, mailHeldWhile, sharedWith, storeOn } from "./kv_world.ts";

/** `store`, its lobby skipping its beats while `skips()`: its heartbeat stops, and it goes on serving its players. */
const beatsSkippedWhile = (store: ReturnType<typeof kvStore>, skips: () => boolean): ReturnType<typeof kvStore> =>
  sharedWith(store, { beat: (taken) => skips() ? Promise.resolve() : store.shared.beat(taken) });

// Before: KV's index of a lobby's rooms, which bury() reads, was not moved with the room: nobody deleted it, and 10
// minutes later, the dead lobby forgotten, it was listed and joinable again, hosted by a member of a dead lobby.
Deno.test("handOver on KV: a room handed to a lobby that later crashes is buried with it, and never comes back", async () => {
  await lobbies(["A", "B"], ["A", "B"], async (w) => {
    const { room } = await w.ask(0, { op: "create", name: "zombie", maxPlayers: 4 }) as { room: Room };
    const heir = await w.ask(1, { op: "join", room: room.id }) as { you: string };
    await w.ask(0, { op: "leave" }); // A has no member of the room any more
    await w.until(() => heard(w.players[1].client, "member").length > 0);
    assert.equal((await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value?.host, heir.you);
    w.crash(1); // the heir's lobby stops
    await w.until(() => false, 400); // > 3 s stale: B is buried by A
    assert.deepEqual((await w.ask(0, { op: "list" })).rooms, []);
    const stored = (await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value;
    // Its place among maxRooms given back too.
    assert.equal((await w.kv.get<Deno.KvU64>(["jamnet-lobby", "count"])).value?.value, 0n);
    // A dead lobby's heartbeat is forgotten after 10 minutes (FORGET_DEAD_LOBBY_MS): jump the clock past it.
    w.net.advance(11 * 60_000);
    const fresh = w.addPlayer("A");
    await w.until(() => fresh.client.peer.state === "connected", 2000);
    await w.until(() => false, 200); // A beats: forgets B's heartbeat
    const index = w.players.indexOf(fresh);
    const again = (await w.ask(index, { op: "list" })).rooms as RoomSummary[];
    const joined = await w.settle(fresh.client.request({ op: "join", room: room.id }));
    assert.equal(stored, null, "the room of a buried lobby stays in the KV");
    assert.deepEqual(again, [], "a room of a dead lobby is listed again");
    assert.ok(joined instanceof Error && /No room/.test(joined.message), String(joined));
  }, { handOver: true });
});

// Before: B handled its own leave, then A's older notice set its copy's host back to X, who had left (one run in three
// with both leaves sent in the same tick; here the order is forced).
Deno.test("handOver on KV: the host on A leaves, then its heir on B before B hears of it: both lobbies end with the store's host", async () => {
  // B's mailbox is held until B has taken X's leave: A's notice of H's leave ("host X") comes after it.
  let holdB = false;
  await lobbies(
    ["A", "B"],
    ["A", "B", "A", "B"],
    async (w) => {
      const { room } = await w.ask(0, { op: "create", name: "twice", maxPlayers: 8 }) as { room: Room };
      const ids = [room.host];
      const tickets: string[] = [""];
      for (const p of [1, 2, 3]) {
        const j = await w.ask(p, { op: "join", room: room.id }) as { you: string; ticket: string };
        ids.push(j.you);
        tickets.push(j.ticket);
      }
      await w.until(() => false, 20);
      // H leaves on A, handing the room to X; then X, on B, which has not heard of it, leaves too.
      holdB = true;
      await w.ask(0, { op: "leave" });
      assert.equal((await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value?.host, ids[1]);
      await w.ask(1, { op: "leave" });
      holdB = false;
      await w.until(() => false, 30);
      const stored = (await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value!;
      assert.equal(stored.host, ids[2], "the store's host: Y, the next after X");
      // What the members on B heard last names the store's host too.
      const hosts = heard(w.players[3].client, "member").map((notice) => notice.host).filter(Boolean);
      assert.equal(hosts.at(-1), stored.host);
      assert.equal(w.lobbies[1].admitted(tickets[3])!.room.host, stored.host, "B's cached host");
      assert.equal(w.lobbies[0].admitted(tickets[2])!.room.host, stored.host, "A's cached host");
    },
    { handOver: true },
    (i, store) => i === 1 ? mailHeldWhile(store, () => holdB) : store,
  );
});

// Before: the join got in, to a room A then deleted; the joiner heard no "closed", and B admitted its ticket. Without
// handOver too (a review, 2026-12-06: 4 joiners stranded in 6 same-tick trials): the host deleted its room without
// writing itself out first.
for (const handOver of [true, false]) {
  Deno.test(`handOver ${handOver} on KV: a join through B between the last host's leave on A and A's delete of the room is refused`, async () => {
    let joinDone: () => void = () => {};
    const joinLanded = new Promise<void>((resolve) => joinDone = resolve);
    let armed = false;
    await lobbies(
      ["A", "B"],
      ["A", "B"],
      async (w) => {
        const { room } = await w.ask(0, { op: "create", name: "last", maxPlayers: 4 }) as { room: Room };
        armed = true;
        // Ticks by hand: A's updates are not awaited (its delete waits for joinLanded), B's are.
        const aUpdates: Promise<void>[] = [];
        const tick = async () => {
          for (const { host } of w.players) host.update();
          aUpdates.push(w.lobbies[0].update());
          await w.lobbies[1].update();
          w.net.advance(16);
          for (const { host, client } of w.players) for (let e; (e = host.poll());) client.handle(e);
        };
        const leaving = w.players[0].client.request({ op: "leave" });
        let stored: Room | null = null;
        for (let i = 0; i < 50; i++) {
          await tick();
          stored = (await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value;
          if (stored && stored.members.length === 0) break;
        }
        const join = w.players[1].client.request({ op: "join", room: room.id });
        let joined: Record<string, unknown> | Error | undefined;
        join.then((v) => joined = v, (e) => joined = e);
        for (let i = 0; i < 100 && joined === undefined; i++) await tick();
        joinDone();
        await Promise.all(aUpdates);
        await w.settle(leaving);
        await w.until(() => false, 30);
        const after = (await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value;
        const ticket = joined instanceof Error ? undefined : (joined as { ticket: string }).ticket;
        assert.ok(
          !(ticket && !after && w.lobbies[1].admitted(ticket)),
          "joiner admitted to a room gone from the store",
        );
      },
      { handOver },
      (i, store) =>
        i === 0
          ? {
            ...store,
            delete: async (id: string) => {
              if (armed) await joinLanded;
              return store.delete(id);
            },
          }
          : store,
    );
  });
}

// Before: A told "closed" to the members of its own copy of the room, which had not heard of a join through B yet: the
// joiner was never told, and B kept admitting its ticket to a room gone from the store.
for (const handOver of [true, false]) {
  Deno.test(`handOver ${handOver} on KV: a host leaving on A tells "closed" to a member who joined through B before A heard of it`, async () => {
    let holdA = false;
    await lobbies(
      ["A", "B"],
      ["A", "B"],
      async (w) => {
        const { room } = await w.ask(0, { op: "create", name: "unheard", maxPlayers: 4 }) as { room: Room };
        holdA = true; // A does not hear of the join
        const joined = await w.ask(1, { op: "join", room: room.id }) as { ticket: string };
        await w.until(() => false, 10);
        assert.equal(w.lobbies[0].admitted(joined.ticket), undefined, "A has no member of B");
        await w.ask(0, { op: "leave" });
        await w.until(() => heard(w.players[1].client, "closed").length > 0, 100);
        holdA = false;
        // With handOver the store's room (J in it) goes to J; without, J hears "closed".
        const stored = (await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value;
        if (stored) {
          assert.ok(handOver, "the room stayed without handOver");
          assert.equal(heard(w.players[1].client, "closed").length, 0);
          assert.equal(stored.host, w.lobbies[1].admitted(joined.ticket)?.member.id);
        } else {
          assert.deepEqual(heard(w.players[1].client, "closed").map((notice) => notice.room), [room.id]);
          assert.equal(w.lobbies[1].admitted(joined.ticket), undefined, "B admits a ticket to a closed room");
        }
      },
      { handOver },
      (i, store) => i === 0 ? mailHeldWhile(store, () => holdA) : store,
    );
  });
}

// Before: lobbies beat out of phase, and a room handed to a member of a lobby a third one had buried already (A not
// knowing yet) was written with that lobby's index after its burial: nobody deleted it, it kept its place in maxRooms,
// and 10 minutes later, the dead lobby forgotten, it was listed and joinable again (a review, 2026-12-06).
Deno.test("handOver on KV: a room handed to a member of a lobby another one buried already is deleted, and never comes back", async () => {
  let staleA = false;
  await lobbies(
    ["A", "B", "C"],
    ["A", "B"],
    async (w) => {
      const { room } = await w.ask(0, { op: "create", name: "late", maxPlayers: 4 }) as { room: Room };
      await w.ask(1, { op: "join", room: room.id });
      await w.until(() => false, 20);
      staleA = true; // A has not seen B's heartbeat stop yet: A beats later than C
      w.crash(1);
      const buried = async () => {
        for await (const entry of w.kv.list<{ buried?: boolean }>({ prefix: ["jamnet-lobby", "lobbies"] })) {
          if (entry.value.buried) return true;
        }
        return false;
      };
      let isBuried = false;
      for (let tick = 0; tick < 400 && !isBuried; tick++) await w.until(() => false, 1), isBuried = await buried();
      assert.ok(isBuried, "C buried B");
      await w.ask(0, { op: "leave" }); // A hands the room to B's member
      staleA = false;
      await w.until(() => false, 30);
      assert.equal((await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value, null);
      assert.equal((await w.kv.get<Deno.KvU64>(["jamnet-lobby", "count"])).value?.value, 0n);
      // A dead lobby's heartbeat is forgotten after 10 minutes: jump past it.
      w.net.advance(11 * 60_000);
      const fresh = w.addPlayer("A");
      await w.until(() => fresh.client.peer.state === "connected", 2000);
      await w.until(() => false, 200);
      assert.deepEqual((await w.ask(w.players.indexOf(fresh), { op: "list" })).rooms, []);
      const joined = await w.settle(fresh.client.request({ op: "join", room: room.id }));
      assert.ok(joined instanceof Error && /No room/.test(joined.message), String(joined));
    },
    { handOver: true },
    (i, store) => i === 0 ? sharedWith(store, { alive: (lobby) => staleA || store.shared.alive(lobby) }) : store,
  );
});

// Before: A handed the room to B's member while B, crashed, was not stale yet (3 s); then bury() deleted it with B's
// rooms, and the member left alive heard "closed" (the Left list of NOTES, 2026-12-06). The one who buries B hands it
// on now, to the first member on a live lobby, as a host's leave would have; the lobbies of the members tell them.
for (const survivor of ["A", "C"]) {
  Deno.test(`handOver on KV: a room handed to a member of a lobby that crashed unnoticed goes on to the next member, on ${survivor}`, async () => {
    await lobbies(["A", "B", "C"], ["A", "B", survivor], async (w) => {
      const { room } = await w.ask(0, { op: "create", name: "onward", maxPlayers: 4 }) as { room: Room };
      const heir = await w.ask(1, { op: "join", room: room.id }) as { you: string };
      const next = await w.ask(2, { op: "join", room: room.id }) as { you: string; ticket: string };
      await w.until(() => false, 20);
      w.crash(1); // B stops, and nobody sees it for 3 s
      await w.ask(0, { op: "leave" }); // A hands the room to B's member, the first to join after the host
      assert.equal((await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value?.host, heir.you);
      await w.until(() => false, 400); // B's heartbeat goes stale: it is buried
      const mate = w.players[2].client;
      assert.deepEqual(heard(mate, "closed"), [], "the room closed with the crashed heir's lobby");
      const stored = (await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value;
      assert.deepEqual([stored?.host, stored?.members.map((member) => member.id)], [next.you, [next.you]]);
      assert.deepEqual(
        leavesHeard(mate),
        [[room.host, heir.you], [heir.you, next.you]],
      );
      assert.equal(w.lobbies[survivor === "A" ? 0 : 2].admitted(next.ticket)?.room.host, next.you);
      // Listed and joinable through any live lobby, hosted by the survivor.
      const { rooms } = await w.ask(0, { op: "list" }) as { rooms: RoomSummary[] };
      assert.deepEqual(rooms.map((listed) => [listed.id, listed.players]), [[room.id, 1]]);
      const again = await w.ask(0, { op: "join", room: room.id }) as { room: Room };
      assert.equal(again.room.host, next.you);
      // The last two leave: the room closes, and its place among maxRooms is given back.
      await w.ask(2, { op: "leave" });
      await w.ask(0, { op: "leave" });
      assert.equal((await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value, null);
      assert.equal((await w.kv.get<Deno.KvU64>(["jamnet-lobby", "count"])).value?.value, 0n);
    }, { handOver: true });
  });
}

// A host whose lobby stops is as gone as one that disconnects: with handOver, its room goes on the same way.
Deno.test("handOver on KV: a room whose host's lobby crashes goes to its first member on a live lobby; one with none closes", async () => {
  await lobbies(["A", "B"], ["A", "A", "B", "A"], async (w) => {
    const { room } = await w.ask(0, { op: "create", name: "onward", maxPlayers: 4 }) as { room: Room };
    const neighbour = await w.ask(1, { op: "join", room: room.id }) as { you: string };
    const next = await w.ask(2, { op: "join", room: room.id }) as { you: string; ticket: string };
    const alone = (await w.ask(3, { op: "create", name: "alone", maxPlayers: 4 }) as { room: Room }).room;
    await w.until(() => false, 20);
    w.crash(0); // A stops with the host, its neighbour and the room "alone"
    await w.until(() => false, 400);
    const mate = w.players[2].client;
    assert.deepEqual(heard(mate, "closed"), []);
    const stored = (await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value;
    assert.deepEqual([stored?.host, stored?.lobby], [next.you, w.lobbies[1].admitted(next.ticket)?.member.lobby]);
    assert.deepEqual(
      leavesHeard(mate),
      [[neighbour.you, undefined], [room.host, next.you]],
    );
    assert.equal((await w.kv.get<Room>(["jamnet-lobby", "rooms", alone.id])).value, null);
    assert.equal((await w.kv.get<Deno.KvU64>(["jamnet-lobby", "count"])).value?.value, 1n);
    const { rooms } = await w.ask(2, { op: "list" }) as { rooms: RoomSummary[] };
    assert.deepEqual(rooms.map((listed) => [listed.id, listed.players]), [[room.id, 1]]);
  }, { handOver: true });
});

// ─── bury() against a handover into the lobby it buries (a review, 2026-12-06) ───────────────────

/** `kv`, with `afterList` run once a listing under `prefix` has read its last entry: a step of another lobby between. */
function listingHook(kv: Deno.Kv, prefix: Deno.KvKey, afterList: () => Promise<void>): Deno.Kv {
  return new Proxy(kv, {
    get(target, name) {
      if (name !== "list") {
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async function* (selector: { prefix: Deno.KvKey }, options?: Deno.KvListOptions) {
        yield* target.list(selector, options);
        if (JSON.stringify(selector.prefix) === JSON.stringify(prefix)) await afterList();
      };
    },
  });
}

// Before: bury(C) listed C's index, then marked C buried at the end; A, which still counted C live, handed a room to
// C's member in between: the room landed in the index of a lobby nobody would bury again, kept its place among
// maxRooms, and came back listed 10 minutes later. Now C is marked `burying` before the listing, and A's handover checks
// it: the room closes.
Deno.test("kvStore: a handover into a lobby that is being buried, after the burial listed its rooms, closes the room", () =>
  inMemoryKv(async (kv) => {
    const a = storeOn(kv, () => 0);
    // C beats once, 4 s before A: B, which read it at its own first beat, finds it stale at its next and buries it; A
    // never beats again.
    const c = storeOn(kv, () => -4000);
    const room: Room = {
      id: "r",
      name: "r",
      maxPlayers: 4,
      meta: {},
      host: "h",
      lobby: a.shared.lobby,
      members: [{ id: "h", address: "x", lobby: a.shared.lobby }, { id: "m", address: "y", lobby: c.shared.lobby }],
      handOver: true,
    };
    let handed: Room | undefined | "not run" = "not run";
    let clockB = -1000;
    const b = storeOn(
      listingHook(kv, ["jamnet-lobby", "hosted", c.shared.lobby], async () => {
        // The host on A leaves, and A hands the room to m, on C.
        handed = await a.update!(
          "r",
          (stored) => ({ ...stored, host: "m", lobby: c.shared.lobby, members: [stored.members[1]] }),
        );
      }),
      () => clockB,
    );
    await c.shared.beat();
    await b.shared.beat(); // B's first reading of the beats: nothing is stale to it yet
    await a.shared.beat();
    assert.ok(await a.create!(room, 10));
    clockB = 2500;
    await b.shared.beat(); // buries C, unchanged for 3.5 s of B's watch, 6.5 s old by its own time
    assert.notEqual(handed, "not run", "the listing of C's rooms was not hooked");
    const hosted = [];
    for await (const entry of kv.list({ prefix: ["jamnet-lobby", "hosted"] })) hosted.push(entry.key);
    assert.deepEqual(hosted, [], "a room is left in the index of a buried lobby");
    assert.equal(handed, undefined, "the handover into a lobby being buried went through");
    assert.equal((await kv.get(["jamnet-lobby", "rooms", "r"])).value, null);
    assert.equal((await kv.get<Deno.KvU64>(["jamnet-lobby", "count"])).value?.value, 0n);
  }));

Deno.test("kvStore: a burial left half-done (its burier crashed after marking it) is finished by the next lobby to beat", () =>
  inMemoryKv(async (kv) => {
    let clock = 0;
    const a = storeOn(kv, () => clock);
    const c = storeOn(kv, () => -4000);
    await c.shared.beat();
    await a.shared.beat(); // A's first reading of the beats: nothing is stale to it yet
    const room: Room = {
      id: "r",
      name: "r",
      maxPlayers: 4,
      meta: {},
      host: "h",
      lobby: c.shared.lobby,
      members: [{ id: "h", address: "x", lobby: c.shared.lobby }, { id: "m", address: "y", lobby: a.shared.lobby }],
      handOver: true,
    };
    assert.ok(await c.create!(room, 10));
    const beatKey = ["jamnet-lobby", "lobbies", c.shared.lobby];
    await kv.set(beatKey, { beatAt: -4000, burying: true }); // and its burier stopped there
    clock = 3500;
    await a.shared.beat();
    assert.equal((await kv.get<{ buried?: boolean }>(beatKey)).value?.buried, true);
    const stored = (await kv.get<Room>(["jamnet-lobby", "rooms", "r"])).value;
    assert.deepEqual([stored?.host, stored?.lobby], ["m", a.shared.lobby]);
    assert.equal((await kv.get(["jamnet-lobby", "hosted", a.shared.lobby, "r"])).versionstamp !== null, true);
  }));

// ─── a lobby taken for dead while it ran (a review, 2026-12-06) ───────────────────

// Before: B, alive but 4.5 s late to beat (a GC pause, a locked KV), was buried by A: its room handed to the mate on A
// (or deleted, without handOver). B's next beat cleared the mark blind, and nothing told B: its host still hosted the
// room, its ticket still admitted it, its relays still reached the mate, and without handOver it never heard `closed`.
for (const handOver of [true, false]) {
  Deno.test(`handOver ${handOver} on KV: a lobby whose heartbeat stalls past staleness loses its rooms, and its players hear so`, async () => {
    let stalled = false;
    await lobbies(
      ["A", "B"],
      ["B", "A"],
      async (w) => {
        const [host, mate] = w.players.map((player) => player.client);
        const created = await w.ask(0, { op: "create", name: "late", maxPlayers: 4 }) as { room: Room; ticket: string };
        const { room } = created;
        const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string };
        await w.until(() => false, 20);
        stalled = true; // B goes on serving its players, but its heartbeat stops
        await w.until(() => false, 280); // 4.5 s: A takes B for dead and buries it
        host.peer.send({ op: "relay", data: "while late" });
        await w.until(() => false, 20);
        stalled = false;
        await w.until(() => false, 100); // B beats again
        const stored = (await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value;
        if (handOver) {
          assert.deepEqual([stored?.host, stored?.members.map((member) => member.id)], [joined.you, [joined.you]]);
          assert.deepEqual(leavesHeard(mate), [[room.host, joined.you]]);
          assert.deepEqual(leavesHeard(host), [[room.host, joined.you]], "the old host was not told it left");
        } else {
          assert.equal(stored, null);
          assert.deepEqual(heard(mate, "closed"), [{ op: "closed", room: room.id }]);
          assert.deepEqual(heard(host, "closed"), [{ op: "closed", room: room.id }], "the old host was not told");
        }
        assert.equal(w.lobbies[1].admitted(created.ticket), undefined, "B still admits its old host's ticket");
        await assert.rejects(w.ask(0, { op: "relay", data: "after" }), /Not in a room/);
        assert.deepEqual(heard(mate, "relay"), [], "the old host's relays reached the mate");
        // B counts as alive again, from A's next beat on: a room made there is listed through A.
        const again = await w.ask(0, { op: "create", name: "again", maxPlayers: 4 }) as { room: Room };
        await w.until(() => false, 70);
        const { rooms } = await w.ask(1, { op: "list" }) as { rooms: RoomSummary[] };
        assert.ok(rooms.some((listed) => listed.id === again.room.id), JSON.stringify(rooms));
      },
      { handOver },
      (i, store) => i === 1 ? beatsSkippedWhile(store, () => stalled) : store,
    );
  });
}

// Before: B, its beats stalled past staleness while it served its players, was buried by A, which handed B's room to
// the mate on A and told it the host left, the mate hosting now. B's host then left, B not knowing yet: B's notice of
// that leave reached the mate too, which heard its host leave twice.
Deno.test("handOver on KV: the leave of a host whose lobby was taken for dead while it ran is heard once", async () => {
  let stalled = false;
  await lobbies(
    ["A", "B"],
    ["B", "A"],
    async (w) => {
      const mate = w.players[1].client;
      const { room } = await w.ask(0, { op: "create", name: "woken", maxPlayers: 4 }) as { room: Room };
      const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string };
      await w.until(() => false, 20);
      stalled = true; // B goes on serving its players, but its heartbeat stops
      await w.until(() => heard(mate, "member").some((notice) => !notice.joined), 400); // A buries B
      assert.equal((await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value?.host, joined.you);
      await w.ask(0, { op: "leave" }); // B's host leaves, B still unaware of its burial
      await w.until(() => false, 30);
      assert.deepEqual(
        leavesHeard(mate),
        [[room.host, joined.you]],
        "the mate heard its host leave twice",
      );
    },
    { handOver: true },
    (i, store) => i === 1 ? beatsSkippedWhile(store, () => stalled) : store,
  );
});

// Before: the same, with a third lobby C whose member heard B's notice of its host's leave before C learned of the
// burial: B's notice named no new host (B's copy had its host hosting still), C's copy lost the host and kept it
// hosting, and C's dropping of the dead then found no one gone from it: C's member never heard who hosts the room.
Deno.test("handOver on KV: the leave of a host whose lobby was taken for dead while it ran names the store's host", async () => {
  let stalled = false;
  let holdC = false;
  await lobbies(
    ["A", "B", "C"],
    ["B", "A", "C"],
    async (w) => {
      const [mate, third] = [w.players[1].client, w.players[2].client];
      const { room } = await w.ask(0, { op: "create", name: "woken", maxPlayers: 4 }) as { room: Room };
      const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string };
      const thirdJoined = await w.ask(2, { op: "join", room: room.id }) as { ticket: string };
      await w.until(() => false, 20);
      const beatB = async () =>
        (await w.kv.get<{ beatAt: number; buried?: boolean }>(["jamnet-lobby", "lobbies", w.ids[1]])).value!;
      const before = (await beatB()).beatAt;
      await w.untilRead(async () => (await beatB()).beatAt !== before, 100);
      const last = (await beatB()).beatAt;
      stalled = true; // B goes on serving its players, right after a beat, but its heartbeat stops
      await w.untilRead(() => Promise.resolve(w.net.now() - last >= 2500), 200);
      holdC = true; // C skips its beats until it heard B's host leave: A buries B
      await w.untilRead(async () => !!(await beatB()).buried);
      await w.until(() => heard(mate, "member").some((notice) => !notice.joined), 10);
      await w.ask(0, { op: "leave" }); // B's host leaves, B still unaware of its burial
      await w.until(() => heard(third, "member").some((notice) => !notice.joined), 10);
      holdC = false;
      await w.until(() => false, 100); // C beats: B was buried
      assert.equal((await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value?.host, joined.you);
      assert.deepEqual(leavesHeard(mate), [[room.host, joined.you]]);
      assert.deepEqual(leavesHeard(third), [[room.host, joined.you]], "C's member never heard who hosts the room");
      assert.equal(w.lobbies[2].admitted(thirdJoined.ticket)?.room.host, joined.you, "C's copy");
    },
    { handOver: true },
    (i, store) =>
      i === 1 ? beatsSkippedWhile(store, () => stalled) : i === 2 ? beatsSkippedWhile(store, () => holdC) : store,
  );
});

// Before: the same, B with a second player. A's burial of B dropped both of B's players from the room. B's host left, B
// not knowing yet, and B took the store's room at that leave, its other player already out of it. At B's next beat its
// copy had no one gone: the other player was taken out of the room without a word, its own leave never told.
Deno.test("handOver on KV: a player of a lobby taken for dead while it ran, out of its room, hears its own leave", async () => {
  let stalled = false;
  await lobbies(
    ["A", "B"],
    ["B", "A", "B"],
    async (w) => {
      const [mate, other] = [w.players[1].client, w.players[2].client];
      const { room } = await w.ask(0, { op: "create", name: "woken", maxPlayers: 4 }) as { room: Room };
      const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string };
      const otherJoined = await w.ask(2, { op: "join", room: room.id }) as { you: string; ticket: string };
      await w.until(() => false, 20);
      stalled = true; // B goes on serving its players, but its heartbeat stops
      await w.until(() => heard(mate, "member").filter((notice) => !notice.joined).length === 2, 400); // A buries B
      await w.ask(0, { op: "leave" }); // B's host leaves, B still unaware of its burial
      stalled = false;
      await w.until(() => false, 100); // B beats: taken for dead
      assert.deepEqual(
        leavesHeard(other),
        [[room.host, joined.you], [otherJoined.you, undefined]],
        "the other player on B never heard its own leave",
      );
      assert.equal(w.lobbies[1].admitted(otherJoined.ticket), undefined);
    },
    { handOver: true },
    (i, store) => i === 1 ? beatsSkippedWhile(store, () => stalled) : store,
  );
});

// Before: B's heartbeat stalled while it served its players, C buried B and handed its room to the mate on A, and a
// player joined through A before A's next beat. A's copy became the store's, hosted on A, so A's dropping of the dead
// never ran #handedOn: the mate never heard its host leave, nor that it hosts now, and still got the host's relays.
Deno.test("handOver on KV: a member whose lobby took a room handed on elsewhere at a join hears its buried host leave", async () => {
  let stalled = false;
  let holdA = false;
  await lobbies(
    ["A", "B", "C"],
    ["B", "A", "A"],
    async (w) => {
      const [host, mate, late] = w.players.map((player) => player.client);
      const { room } = await w.ask(0, { op: "create", name: "handed", maxPlayers: 4 }) as { room: Room };
      const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string; ticket: string };
      await w.until(() => false, 20);
      const beatB = async () =>
        (await w.kv.get<{ beatAt: number; buried?: boolean }>(["jamnet-lobby", "lobbies", w.ids[1]])).value!;
      const before = (await beatB()).beatAt;
      await w.untilRead(async () => (await beatB()).beatAt !== before, 100);
      const last = (await beatB()).beatAt;
      stalled = true; // B goes on serving its players, right after a beat, but its heartbeat stops
      await w.untilRead(() => Promise.resolve(w.net.now() - last >= 2900), 200);
      holdA = true; // A skips its beats for now: C is the one to bury B
      await w.untilRead(async () => !!(await beatB()).buried);
      assert.equal((await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value?.host, joined.you);
      await w.ask(2, { op: "join", room: room.id }); // A's copy becomes the store's, hosted on A
      holdA = false;
      await w.until(() => false, 100); // A beats, and drops the dead
      host.peer.send({ op: "relay", data: "from a buried host" });
      await w.until(() => false, 30);
      assert.deepEqual(
        leavesHeard(mate),
        [[room.host, joined.you]],
        "the mate never heard its host leave",
      );
      assert.deepEqual(heard(mate, "relay"), [], "the mate got a relay from a host out of its room");
      assert.deepEqual(heard(late, "relay"), []);
      assert.equal(w.lobbies[0].admitted(joined.ticket)?.room.host, joined.you, "A's copy");
    },
    { handOver: true },
    (i, store) =>
      i === 0 ? beatsSkippedWhile(store, () => holdA) : i === 1 ? beatsSkippedWhile(store, () => stalled) : store,
  );
});

// Before: D crashed, B, hosting, dropped D's member W, and its notice of it never reached E (as though B crashed between
// its write and its send). B crashed too, and a player joined through E after E's last beat that counted B alive: E's
// copy became the store's, hosted on B, without W. E's next beat buried B and handed the room to X, and X heard its
// host's leave, naming X the host, before W's: #handedOn told the one against E's copy, then the pass against who X
// knows told the other.
Deno.test("handOver on KV: a member hears its buried host leave after a member whose leave it missed", async () => {
  const roomKey = (id: string): Deno.KvKey => ["jamnet-lobby", "rooms", id];
  const beatKey = (lobby: string): Deno.KvKey => ["jamnet-lobby", "lobbies", lobby];
  let lost: string | undefined;
  await lobbies(
    ["B", "D", "E"],
    ["B", "D", "E", "E"],
    async (w) => {
      const x = w.players[2].client;
      const { room } = await w.ask(0, { op: "create", name: "order", maxPlayers: 8 }) as { room: Room };
      const gone = await w.ask(1, { op: "join", room: room.id }) as { you: string };
      const joined = await w.ask(2, { op: "join", room: room.id }) as { you: string };
      await w.until(() => false, 20);
      lost = gone.you;
      w.crash(1); // D crashes: B drops W, and its notice of it to E is lost
      await w.untilRead(async () => {
        const stored = (await w.kv.get<Room>(roomKey(room.id))).value!;
        return !stored.members.some((member) => member.id === gone.you);
      }, 600);
      w.crash(0); // B crashes right after
      const beatAt = async (i: number) => (await w.kv.get<{ beatAt: number }>(beatKey(w.ids[i]))).value!.beatAt;
      const last = await beatAt(0);
      // E beats once more counting B alive, then a player joins through E: E's copy becomes the store's.
      await w.untilRead(async () => await beatAt(2) > last + 2000, 300);
      await w.ask(3, { op: "join", room: room.id });
      await w.until(() => false, 150); // E buries B, and hands the room to X
      assert.equal((await w.kv.get<Room>(roomKey(room.id))).value?.host, joined.you);
      assert.deepEqual(
        leavesHeard(x),
        [[gone.you, undefined], [room.host, joined.you]],
        "X heard its host leave first",
      );
    },
    { handOver: true },
    (i, store) =>
      i === 0
        ? sharedWith(store, {
          send: (other, delivery) =>
            delivery.message.op === "member" && (delivery.message.member as Member).id === lost
              ? Promise.resolve(undefined)
              : store.shared.send(other, delivery),
        })
        : store,
  );
});

// Pins that a member keeps the host it last heard: H left and handed the room to X on B, then B crashed and A handed the
// room on to Z. Z believed H hosted still, its notice naming no host: X's leave came without the new host, and Z never
// heard it hosts.
Deno.test("handOver on KV: a member hears the leave of a host it heard handed the room, with the next host", async () => {
  await lobbies(["A", "B"], ["A", "B", "A"], async (w) => {
    const z = w.players[2].client;
    const { room } = await w.ask(0, { op: "create", name: "twice", maxPlayers: 4 }) as { room: Room };
    const x = await w.ask(1, { op: "join", room: room.id }) as { you: string };
    const joined = await w.ask(2, { op: "join", room: room.id }) as { you: string };
    await w.until(() => false, 20);
    await w.ask(0, { op: "leave" }); // H hands the room to X
    await w.until(() => false, 20);
    w.crash(1); // B stops with X
    await w.until(() => heard(z, "member").filter((notice) => !notice.joined).length === 2, 400);
    assert.equal((await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value?.host, joined.you);
    assert.deepEqual(
      leavesHeard(z),
      [[room.host, x.you], [x.you, joined.you]],
      "Z never heard it hosts",
    );
  }, { handOver: true });
});

// Pins that the lobbies of members a client knows count as buried too, awake again or not: the same as the test before,
// B awake again and beating before A's next beat. A counted B alive, its burial known from the store only, and the
// copy A took at the join had no member on B: counted from the copy alone, or by B's beat alone, the mate never heard
// its host leave.
Deno.test("handOver on KV: a member whose lobby took a room handed on elsewhere hears its host leave, its lobby awake again", async () => {
  let holdA = false;
  await lobbies(
    ["A", "B", "C"],
    ["B", "A", "A"],
    async (w) => {
      const mate = w.players[1].client;
      const { room } = await w.ask(0, { op: "create", name: "handed", maxPlayers: 4 }) as { room: Room };
      const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string; ticket: string };
      await w.until(() => false, 20);
      const beat = async (i: number) =>
        (await w.kv.get<{ beatAt: number; buried?: boolean; burials?: number }>(["jamnet-lobby", "lobbies", w.ids[i]]))
          .value!;
      const before = (await beat(1)).beatAt;
      await w.untilRead(async () => (await beat(1)).beatAt !== before, 100);
      const last = (await beat(1)).beatAt;
      w.crash(1); // B stalls right after a beat
      // A beats once more with B not stale yet, then skips its beats: C is the one to bury B. A's last beat is more than
      // 2 s after B's: A is not stale when B wakes.
      await w.untilRead(async () => (await beat(0)).beatAt > last + 2000, 200);
      holdA = true;
      await w.untilRead(async () => !!(await beat(1)).buried);
      await w.ask(2, { op: "join", room: room.id }); // A's copy becomes the store's, hosted on A
      w.wake(1); // B beats again at once, taken for dead, before A's next beat
      await w.untilRead(async () => !(await beat(1)).buried, 10);
      holdA = false;
      await w.until(() => false, 100); // A beats, and drops the dead
      assert.deepEqual(
        leavesHeard(mate),
        [[room.host, joined.you]],
        "the mate never heard its host leave",
      );
      assert.equal(w.lobbies[0].admitted(joined.ticket)?.room.host, joined.you, "A's copy");
      assert.equal((await beat(0)).burials, undefined, "A was taken for dead");
    },
    { handOver: true },
    (i, store) => i === 0 ? beatsSkippedWhile(store, () => holdA) : store,
  );
});

// Pins the order of a revived lobby's leaves: A buried B (stalled) with the host and the other player, and handed the
// room to the mate. B woke: the other player heard its host leave, naming the mate, then its own leave, last.
Deno.test("handOver on KV: a player of a lobby taken for dead hears its host's leave, then its own", async () => {
  let stalled = false;
  await lobbies(
    ["A", "B"],
    ["B", "A", "B"],
    async (w) => {
      const other = w.players[2].client;
      const { room } = await w.ask(0, { op: "create", name: "woken", maxPlayers: 4 }) as { room: Room };
      const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string };
      const otherJoined = await w.ask(2, { op: "join", room: room.id }) as { you: string; ticket: string };
      await w.until(() => false, 20);
      stalled = true; // B goes on serving its players, but its heartbeat stops
      await w.untilRead(async () =>
        (await w.kv.get<Room>(["jamnet-lobby", "rooms", room.id])).value?.host === joined.you
      );
      stalled = false;
      await w.until(() => false, 100); // B beats: taken for dead
      assert.deepEqual(
        leavesHeard(other),
        [[room.host, joined.you], [otherJoined.you, undefined]],
      );
      assert.equal(w.lobbies[1].admitted(otherJoined.ticket), undefined);
    },
    { handOver: true },
    (i, store) => i === 1 ? beatsSkippedWhile(store, () => stalled) : store,
  );
});
