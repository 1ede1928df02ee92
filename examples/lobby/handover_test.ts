/**
 * The lobby's `handOver` with a shared directory: lobbies on one Deno KV file, each with its own handle and store, on
 * one memoryNet's virtual clock (as kv_test.ts). Each test is a race or a crash a review of the hand-over found
 * (2026-12-06), and fails without its fix; two of them without `handOver` too.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Member, Room, RoomSummary } from "./lobby.ts";
import { heard, lobbies, sharedWith } from "./kv_world.ts";

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
    (i, store) =>
      i === 1 ? sharedWith(store, { receive: () => holdB ? Promise.resolve([]) : store.shared.receive() }) : store,
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
      (i, store) =>
        i === 0 ? sharedWith(store, { receive: () => holdA ? Promise.resolve([]) : store.shared.receive() }) : store,
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
        heard(mate, "member").filter((notice) => !notice.joined).map((
          notice,
        ) => [(notice.member as Member).id, notice.host]),
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
      heard(mate, "member").filter((notice) => !notice.joined).map((
        notice,
      ) => [(notice.member as Member).id, notice.host]),
      [[neighbour.you, undefined], [room.host, next.you]],
    );
    assert.equal((await w.kv.get<Room>(["jamnet-lobby", "rooms", alone.id])).value, null);
    assert.equal((await w.kv.get<Deno.KvU64>(["jamnet-lobby", "count"])).value?.value, 1n);
    const { rooms } = await w.ask(2, { op: "list" }) as { rooms: RoomSummary[] };
    assert.deepEqual(rooms.map((listed) => [listed.id, listed.players]), [[room.id, 1]]);
  }, { handOver: true });
});
