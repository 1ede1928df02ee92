/**
 * Two lobby processes on one Deno KV file, as two Lobby instances in one test
 * process (kv_world.ts): each has its own Host, its own socket on one
 * memoryNet, its own KV handle and its own kvStore. Time is the memoryNet's
 * virtual clock, for the Hosts and the heartbeats alike.
 */
import assert from "node:assert/strict";
import { kvStore, type LobbyOptions, type Member, type Room, type RoomSummary } from "./lobby.ts";
import { heard, leavesHeard, lobbies, type Player, sharedWith, type World } from "./kv_world.ts";

const TICK_MS = 16;

/** Two lobbies, A and B, and a player connected to each lobby named in `players` (see kv_world.ts). */
function twoLobbies(
  players: string[],
  test: (world: World & { clients: Player[] }) => Promise<void>,
  options: LobbyOptions = {},
): Promise<void> {
  return lobbies(["A", "B"], players, (world) => test({ ...world, clients: world.players }), options);
}

Deno.test("lobbies on one KV: a player on B joins a room on A, A's host hears it, relays cross both ways, and B hears closed", async () => {
  await twoLobbies(["A", "B"], async ({ clients, until, ask }) => {
    const [host, guest] = clients.map(({ client }) => client);
    const { room } = await ask(0, { op: "create", name: "shared", maxPlayers: 4 }) as { room: Room };
    const { rooms } = await ask(1, { op: "list" }) as { rooms: RoomSummary[] };
    assert.deepEqual(rooms, [{ id: room.id, name: "shared", maxPlayers: 4, players: 1, meta: {}, locked: false }]);
    const joined = await ask(1, { op: "join", room: room.id }) as { room: Room };
    assert.equal(joined.room.members.length, 2);
    const member = joined.room.members[1];
    await until(() => heard(host, "member").length > 0);
    assert.deepEqual(heard(host, "member"), [{ op: "member", room: room.id, member, joined: true }]);

    host.peer.send({ op: "relay", data: "from A" });
    guest.peer.send({ op: "relay", data: "from B", to: room.host });
    await until(() => heard(host, "relay").length > 0 && heard(guest, "relay").length > 0);
    assert.deepEqual(heard(host, "relay"), [{ op: "relay", from: member.id, data: "from B" }]);
    assert.deepEqual(heard(guest, "relay"), [{ op: "relay", from: room.host, data: "from A" }]);

    assert.equal((await ask(0, { op: "leave" })).op, "left");
    await until(() => heard(guest, "closed").length > 0);
    assert.deepEqual(heard(guest, "closed"), [{ op: "closed", room: room.id }]);
    // Out of the room on B too: free to create one of its own.
    assert.equal((await ask(1, { op: "create", name: "next", maxPlayers: 2 })).op, "created");
    assert.deepEqual(((await ask(0, { op: "list" })).rooms as RoomSummary[]).map((listed) => listed.name), ["next"]);
  });
});

Deno.test("lobbies on one KV: the last seat of a room, joined through A and B in the same tick, takes one player", async () => {
  await twoLobbies(["A", "A", "B"], async ({ clients, settle, ask }) => {
    const { room } = await ask(0, { op: "create", name: "duel", maxPlayers: 2 }) as { room: Room };
    const results = await Promise.all([
      settle(clients[1].client.request({ op: "join", room: room.id })),
      settle(clients[2].client.request({ op: "join", room: room.id })),
    ]);
    const joined = results.filter((result) => !(result instanceof Error));
    const refused = results.filter((result) => result instanceof Error) as Error[];
    assert.equal(
      joined.length,
      1,
      JSON.stringify(results.map((result) => result instanceof Error ? result.message : result.op)),
    );
    assert.match(refused[0].message, /is full: 2 players/);
    assert.equal(((await ask(0, { op: "list" })).rooms as RoomSummary[])[0].players, 2);
  });
});

Deno.test("lobbies on one KV: a crashed lobby's rooms stop being listed once its heartbeat is stale, and its guests hear closed", async () => {
  await twoLobbies(["A", "B", "B"], async ({ clients, until, ask, crash }) => {
    const { room } = await ask(0, { op: "create", name: "doomed", maxPlayers: 4 }) as { room: Room };
    await ask(1, { op: "join", room: room.id });
    crash(0); // A stops: no more updates, no heartbeats, no goodbye
    let listed = 1;
    let ticks = 0;
    // Heartbeat every 1 s, stale after 3 s: gone from the list within 4 s, 250 ticks of 16 ms.
    for (; listed && ticks < 400; ticks++) {
      listed = ((await ask(2, { op: "list" })).rooms as RoomSummary[]).length;
      await until(() => false, 1);
    }
    assert.equal(listed, 0);
    assert.ok(ticks * TICK_MS <= 4000 + 500, `listed for ${ticks * TICK_MS} ms after the crash`);
    await until(() => heard(clients[1].client, "closed").length > 0);
    assert.deepEqual(heard(clients[1].client, "closed"), [{ op: "closed", room: room.id }]);
    await assert.rejects(ask(2, { op: "join", room: room.id }), /No room/);
    // Its rooms are deleted from the directory too, and the count with them: a create is not refused.
    assert.equal((await ask(2, { op: "create", name: "after", maxPlayers: 2 })).op, "created");
  });
});

Deno.test("lobbies on one KV with handOver: a host on A leaves, its guest on B hosts the room, which outlives A's crash", async () => {
  await twoLobbies(["A", "B", "B"], async ({ clients, until, ask, crash }) => {
    const guest = clients[1].client;
    const { room } = await ask(0, { op: "create", name: "kept", maxPlayers: 4 }) as { room: Room };
    const heir = (await ask(1, { op: "join", room: room.id }) as { you: string }).you;
    await ask(0, { op: "leave" });
    await until(() => heard(guest, "member").length > 0);
    assert.deepEqual(heard(guest, "member").map((notice) => notice.host), [heir]);
    // A stops: the room's host and its lobby are B's now, so it stays listed and joinable, and nobody hears closed.
    crash(0);
    await until(() => false, 300); // past A's heartbeat going stale (3 s)
    assert.deepEqual(heard(guest, "closed"), []);
    const joined = await ask(2, { op: "join", room: room.id }) as { room: Room; you: string };
    assert.deepEqual([joined.room.host, joined.room.members.map((member) => member.id)], [heir, [heir, joined.you]]);
    // The last two leave, the host first: the room passes to the other, then closes.
    await ask(1, { op: "leave" });
    await ask(2, { op: "leave" });
    assert.deepEqual((await ask(2, { op: "list" })).rooms, []);
  }, { handOver: true });
});

// ─── a sweep of lobby.ts (2026-12-03): the edges it left ───────────────────

Deno.test("lobbies on one KV: a crashed lobby's guests leave the rooms hosted on the live one; the host hears each, the seats free up", async () => {
  await twoLobbies(["A", "B", "B", "A"], async ({ clients, until, ask, crash }) => {
    const host = clients[0].client;
    const { room } = await ask(0, { op: "create", name: "kept", maxPlayers: 3 }) as { room: Room };
    const guests = [
      (await ask(1, { op: "join", room: room.id }) as { you: string }).you,
      (await ask(2, { op: "join", room: room.id }) as { you: string }).you,
    ];
    await assert.rejects(ask(3, { op: "join", room: room.id }), /is full: 3 players/);
    await until(() => heard(host, "member").length === 2);
    crash(1); // B stops with two guests in A's room
    // Heartbeat every 1 s, stale after 3 s: A drops them within about 4 s, 250 ticks of 16 ms.
    await until(() => heard(host, "member").length === 4, 400);
    assert.deepEqual(
      heard(host, "member").slice(2).map((notice) => [(notice.member as { id: string }).id, notice.joined]),
      [[guests[0], false], [guests[1], false]],
    );
    assert.deepEqual(heard(host, "closed"), [], "A's room stays open: its host is alive");
    const { rooms } = await ask(3, { op: "list" }) as { rooms: RoomSummary[] };
    assert.deepEqual(rooms.map((listed) => [listed.id, listed.players]), [[room.id, 1]]);
    const joined = await ask(3, { op: "join", room: room.id }) as { room: Room; you: string };
    assert.deepEqual(joined.room.members.map((member) => member.id), [room.host, joined.you]);
  });
});

Deno.test("lobbies on one KV: a relay keeps its mode from B to A, and one to a member on this lobby stays off the KV", async () => {
  await twoLobbies(["A", "A", "B"], async ({ clients, until, ask }) => {
    const [host, neighbour, guest] = clients.map(({ client }) => client);
    // What arrives, with the mode it came in: LobbyClient keeps only the message.
    const modes: [unknown, string][] = [];
    const handle = host.handle.bind(host);
    host.handle = (event) => {
      if (event.type === "message") modes.push([(event.data as Record<string, unknown>).data, event.mode]);
      return handle(event);
    };
    const { room } = await ask(0, { op: "create", name: "modes", maxPlayers: 3 }) as { room: Room };
    const { you } = await ask(1, { op: "join", room: room.id }) as { you: string };
    await ask(2, { op: "join", room: room.id });

    // From B to the host on A: the last leg goes as the sender asked, not reliable whatever it was.
    guest.peer.send({ op: "relay", data: "unreliable", to: room.host, mode: "unreliable" });
    guest.peer.send({ op: "relay", data: "sequenced", to: room.host, mode: "sequenced" });
    guest.peer.send({ op: "relay", data: "reliable", to: room.host });
    await until(() => heard(host, "relay").length === 3);
    assert.deepEqual(modes.filter(([data]) => data !== undefined).sort(), [
      ["reliable", "reliable"],
      ["sequenced", "sequenced"],
      ["unreliable", "unreliable"],
    ]);

    // 80 KB, too large for a KV value (64 KiB), to the neighbour on A: it goes there and nowhere else, so it is not
    // refused for want of a way to B, where nobody is to hear it.
    host.peer.send({ op: "relay", data: new Uint8Array(80_000).fill(7), to: you });
    await until(() => heard(neighbour, "relay").length > 0);
    await ask(0, { op: "list" }); // an error for the relay would come before this answer
    assert.deepEqual(heard(neighbour, "relay"), [{
      op: "relay",
      from: room.host,
      data: new Uint8Array(80_000).fill(7),
    }]);
    assert.deepEqual(heard(host, "error"), []);
    assert.deepEqual(heard(guest, "relay"), []);
    // To everyone, it must cross to B: refused, as the KV value limit says.
    host.peer.send({ op: "relay", data: new Uint8Array(80_000) });
    await until(() => heard(host, "error").length > 0);
    assert.match(String(heard(host, "error")[0].error), /Relay failed: Cannot pass it to lobby/);
  });
});

// Before: a player on B relayed, then left; A, its mailbox not read yet, took the store's room at a join there (B's
// player gone from it already), and the relay, from no member of A's copy, was dropped: the host never heard the last
// message of a player who was in its room when it sent it. A player who joined after the leave never knew the leaver,
// and hears no relay of it.
Deno.test("lobbies on one KV: a relay sent just before its sender left reaches the host on A, which took the store's room between", async () => {
  let holdA = false;
  await lobbies(
    ["A", "B"],
    ["A", "B", "A"],
    async (w) => {
      const [host, leaver, late] = w.players.map((player) => player.client);
      const { room } = await w.ask(0, { op: "create", name: "bye", maxPlayers: 4 }) as { room: Room };
      const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string };
      await w.until(() => heard(host, "member").length > 0);
      holdA = true; // A reads its mailbox only after the join on A
      leaver.peer.send({ op: "relay", data: "bye" });
      await w.ask(1, { op: "leave" });
      const third = await w.ask(2, { op: "join", room: room.id }) as { room: Room; you: string };
      assert.deepEqual(third.room.members.map((member) => member.id), [room.host, third.you], "B's leave not written");
      holdA = false;
      await w.until(() => heard(host, "member").length === 3);
      await w.until(() => false, 10);
      assert.deepEqual(
        host.notices.map((notice) => [notice.op, (notice.member as Member | undefined)?.id ?? notice.from]),
        [["member", joined.you], ["member", third.you], ["relay", joined.you], ["member", joined.you]],
        "the host never heard the leaver's last relay",
      );
      assert.deepEqual(heard(late, "relay"), [], "a relay from a member the late joiner never knew");
    },
    {},
    (i, store) =>
      i === 0 ? sharedWith(store, { receive: () => holdA ? Promise.resolve([]) : store.shared.receive() }) : store,
  );
});

// Pins the cost of a beat's dropping of the dead: each lobby is asked once whether it was buried, not once for each
// member of each room and each member its members here know (1,000 rooms of 64 members here took 190 ms a beat).
Deno.test("lobbies on one KV: a beat asks once of each lobby whether it was buried", async () => {
  const asked: string[][] = [];
  await lobbies(
    ["A", "B"],
    ["A", "A", "A", "B", "B"],
    async ({ ask, until, ids }) => {
      const { room } = await ask(0, { op: "create", name: "busy", maxPlayers: 8 }) as { room: Room };
      for (const player of [1, 2, 3, 4]) await ask(player, { op: "join", room: room.id });
      await until(() => false, 150);
      assert.deepEqual(asked.at(-1)?.toSorted(), [...ids].sort());
    },
    {},
    (i, store) =>
      i === 0
        ? sharedWith(store, {
          beat: (taken) => (asked.push([]), store.shared.beat(taken)),
          wasBuried: (lobby) => (asked.at(-1)?.push(lobby), store.shared.wasBuried!(lobby)),
        })
        : store,
  );
});

Deno.test("kvStore: staleAfterMs must be more than heartbeatMs, and heartbeatMs positive", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const cases: [options: { heartbeatMs?: number; staleAfterMs?: number }, error?: RegExp][] = [
      [{ heartbeatMs: 1000, staleAfterMs: 1000 }, /staleAfterMs is 1000: must be more than heartbeatMs \(1000\)/],
      [{ heartbeatMs: 1000, staleAfterMs: 999 }, /staleAfterMs is 999/],
      [{ heartbeatMs: 0 }, /heartbeatMs is 0: must be a positive number of ms/],
      [{ heartbeatMs: NaN }, /heartbeatMs is NaN/],
      [{ heartbeatMs: 1000, staleAfterMs: 1001 }],
    ];
    for (const [options, error] of cases) {
      if (error) {
        assert.throws(() => kvStore(kv, options), { name: "RangeError", message: error }, JSON.stringify(options));
      } else assert.equal(kvStore(kv, options).shared.heartbeatMs, 1000);
    }
  } finally {
    kv.close();
  }
});

Deno.test("kvStore: create refuses a room whose id is taken (false, at once) and a lobby whose burial is under way (busy)", async () => {
  // Without the look for the id, its commit's check failed each time and create looped for good; a lobby marked
  // `burying` (its burier at work) took a room its burial might not list (mutants of create, 2026-12-06). The KV
  // handle counts the commits create tries: a loop is cut at 10.
  const kv = await Deno.openKv(":memory:");
  try {
    let commits = 0;
    const counted = new Proxy(kv, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (key !== "atomic") return typeof value === "function" ? value.bind(target) : value;
        return () => {
          if (++commits > 10) throw new Error("create loops");
          return target.atomic();
        };
      },
    });
    const store = kvStore(counted);
    const room = (id: string): Room => ({
      id,
      name: id,
      maxPlayers: 2,
      meta: {},
      host: "m1",
      members: [{ id: "m1", address: "x", lobby: store.shared.lobby }],
      lobby: store.shared.lobby,
    });
    assert.equal(await store.create!(room("r1"), 10), true);
    assert.equal(await store.create!(room("r1"), 10), false);
    for (const mark of [{ burying: true }, { burying: true, buried: true }]) {
      await kv.set(["jamnet-lobby", "lobbies", store.shared.lobby], { beatAt: Date.now(), ...mark });
      assert.equal(
        await store.create!(room(`new${mark.buried ? 2 : 1}`), 10),
        "The lobby is busy: try again in a second",
      );
    }
    assert.ok(commits <= 10);
  } finally {
    kv.close();
  }
});

// Before: a mailbox was keyed by sender, then by that sender's count, and read 500 at a time in key order: what one
// lobby left after another's was read first whenever its sender's id sorted first, and a sender that sorted first, a
// pass's worth waiting, held back another's earlier mail for a whole pass. Each delivery is left at a ms of its own:
// two lobbies' mail of one ms is read sender by sender.
Deno.test("kvStore: a mailbox is read in the order its deliveries were left, whichever lobby left them", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let clock = 0;
    const options = { now: () => clock };
    const [reader, one, two] = [kvStore(kv, options), kvStore(kv, options), kvStore(kv, options)];
    const [first, second] = one.shared.lobby < two.shared.lobby ? [one, two] : [two, one];
    const left: string[] = [];
    const send = async (from: ReturnType<typeof kvStore>, data: string) => {
      clock++;
      assert.equal(
        await from.shared.send(reader.shared.lobby, { room: "r", message: { op: "relay", data } }),
        undefined,
      );
      left.push(data);
    };
    await send(second, "early");
    for (let i = 0; i < 600; i++) await send(first, `flood ${i}`);
    await send(second, "late");
    const passes: string[][] = [];
    for (let pass = 0; pass < 3; pass++) {
      passes.push((await reader.shared.receive()).map((delivery) => delivery.message.data as string));
    }
    assert.deepEqual(passes.map((pass) => pass.length), [500, 102, 0], "a pass reads at most 500");
    assert.equal(passes[0][0], "early", "the flood of a sender whose id sorts first held back another's earlier mail");
    assert.deepEqual(passes.flat(), left);
  } finally {
    kv.close();
  }
});

// Before: a mail's time was its sender's clock alone. With J's clock 20 ms ahead of H's, H read J's join and sent a
// leave 10 ms later, and the reader read the leave first, 10 ms earlier by the clocks. Now a lobby sends past every
// time it heard of: in mail it read, and in beats it read (their mailAt, when a lobby's mail went past its own clock).
Deno.test("kvStore: mail sent after its sender read other mail, or a beat written after it, is read after it, whatever the clocks", async () => {
  /** What the reader read, by the way H heard of the join and by how far J's clock runs ahead of H's. */
  const got: Record<string, string[]> = {};
  for (const skew of [20, -20]) {
    for (const via of ["mail", "beat", "beat, J's mail past its clock"]) {
      const kv = await Deno.openKv(":memory:");
      try {
        let real = 1000;
        /** A store whose clock runs `ahead` ms ahead of the real time. */
        const store = (ahead: number) => kvStore(kv, { now: () => real + ahead });
        let [reader, j, h, k] = [store(0), store(skew), store(0), store(skew + 40)];
        // H's id sorts before J's: a leave sent at the join's very time (not past it) would be read first.
        while (h.shared.lobby > j.shared.lobby) h = store(0);
        const mail = (data: string) => ({ room: "r", message: { op: "relay", data } });
        const send = async (from: ReturnType<typeof kvStore>, to: ReturnType<typeof kvStore>, data: string) => {
          assert.equal(await from.shared.send(to.shared.lobby, mail(data)), undefined);
        };
        const read = async (by: ReturnType<typeof kvStore>) =>
          (await by.shared.receive()).map((delivery) => delivery.message.data as string);
        if (via === "beat, J's mail past its clock") {
          // K's clock runs 40 ms ahead of J's: J's join, sent after it read K's mail, is past J's own clock.
          await send(k, j, "news");
          assert.deepEqual(await read(j), ["news"]);
        }
        await send(j, reader, "join");
        if (via === "mail") {
          await send(j, h, "join");
          assert.deepEqual(await read(h), ["join"], "H read J's join");
        } else {
          await j.shared.beat();
          await h.shared.beat(); // H reads J's beat, written after the join
        }
        real += 10;
        await send(h, reader, "leave");
        got[`via ${via}, J's clock ${skew} ms ahead of H's`] = await read(reader);
      } finally {
        kv.close();
      }
    }
  }
  assert.deepEqual(got, Object.fromEntries(Object.keys(got).map((name) => [name, ["join", "leave"]])));
});

// Before: a lobby heard every time in a beat, however far ahead. One beat of a clock an hour fast (F's, fixed since,
// F gone) put every lobby's mail an hour ahead, passed on from beat to beat; mail then sorted by that count, not by the
// clocks, and a leave sent 500 ms after a join, by clocks that agree, was read first. And past 2^53, time + 1 is time.
Deno.test("kvStore: a beat further ahead than staleAfterMs is not heard: mail stays on the clocks", async () => {
  for (const wrong of [3_600_000, 1e16]) {
    const kv = await Deno.openKv(":memory:");
    try {
      let real = 1_700_000_000_000;
      let fAhead = wrong;
      const f = kvStore(kv, { now: () => real + fAhead });
      let [j, h, reader] = [0, 1, 2].map(() => kvStore(kv, { now: () => real }));
      // H's id sorts before J's: a leave at the join's very time would be read first too.
      while (h.shared.lobby > j.shared.lobby) h = kvStore(kv, { now: () => real });
      await f.shared.beat();
      fAhead = 0;
      for (let second = 0; second < 5; second++) {
        for (const lobby of [j, h, reader]) await lobby.shared.beat();
        real += 1000;
      }
      await h.shared.beat();
      await j.shared.beat();
      await j.shared.send(reader.shared.lobby, { room: "r", message: { op: "relay", data: "join" } });
      real += 500; // H learned of the member another way (the store's rooms), and it leaves
      await h.shared.send(reader.shared.lobby, { room: "r", message: { op: "relay", data: "leave" } });
      const read = (await reader.shared.receive()).map((delivery) => delivery.message.data);
      assert.deepEqual(read, ["join", "leave"], `after a beat ${wrong} ms ahead`);
    } finally {
      kv.close();
    }
  }
});

// Before: C read its mailbox grouped by sender. A, the host's lobby, dropped Y, whose lobby B had stopped, and told C;
// B had told C of Y's join before it stopped. Read in one pass with A's id sorting first, the leave came before the
// join: M on C never heard Y leave (a leave of a member it did not know), then heard it join, and C's copy had Y back,
// so no later beat told M it went with B. M took Y for a member for good.
Deno.test("lobbies on one KV: a join and a leave left by two lobbies and read in one pass apply in the order they were left", async () => {
  let holdC = false;
  await lobbies(
    ["L0", "L1", "C"],
    [],
    async (w) => {
      // A hosts, B is Y's lobby: A's id sorts before B's, the order in which the mailbox was read before.
      const [a, b] = w.ids[0] < w.ids[1] ? [0, 1] : [1, 0];
      const names = ["L0", "L1", "C"];
      const host = w.addPlayer(names[a]).client;
      const member = w.addPlayer("C").client;
      w.addPlayer(names[b]);
      await w.until(() => w.players.every((player) => player.client.peer.state === "connected"));
      const { room } = await w.ask(0, { op: "create", name: "order", maxPlayers: 4 }) as { room: Room };
      await w.ask(1, { op: "join", room: room.id });
      await w.until(() => heard(host, "member").length === 1);
      holdC = true; // C reads its mailbox only once A dropped Y: B's join and A's leave in one pass
      const y = (await w.ask(2, { op: "join", room: room.id }) as { you: string }).you;
      await w.until(() => heard(host, "member").length === 2);
      w.crash(b); // B stops: A drops Y once B's heartbeat is stale
      await w.until(() => heard(host, "member").length === 3, 600);
      assert.deepEqual(leavesHeard(host), [[y, undefined]], "A dropped Y");
      assert.deepEqual(heard(member, "member"), [], "C read its mailbox while held");
      holdC = false;
      await w.until(() => false, 150); // C's next beats too
      assert.deepEqual(
        heard(member, "member").map((notice) => [(notice.member as Member).id, notice.joined]),
        [[y, true], [y, false]],
        "M never heard Y leave",
      );
    },
    {},
    (i, store) =>
      i === 2 ? sharedWith(store, { receive: () => holdC ? Promise.resolve([]) : store.shared.receive() }) : store,
  );
});

// Before: mail left for a lobby after its burial (a relay to a member of it that a copy still had) stayed in KV for
// good, once its heartbeat entry was gone; and since 8265986, so did the mail count d3d137b's version kept for it.
Deno.test("kvStore: a forgotten lobby's mailbox goes with its heartbeat entry", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let clock = 0;
    const options = { now: () => clock, heartbeatMs: 1000, staleAfterMs: 3000 };
    const [a, b] = [kvStore(kv, options), kvStore(kv, options)];
    await b.shared.beat();
    // B's mail count, as d3d137b's version left it in a file it wrote.
    await kv.set(["jamnet-lobby", "mailed", b.shared.lobby], new Deno.KvU64(1n));
    /** What KV keeps of B, by kind: its heartbeat entry ("lobbies"), mailbox ("inbox") and count ("mailed"). */
    const kept = async () => {
      const kinds = new Set<Deno.KvKeyPart>();
      for await (const entry of kv.list({ prefix: ["jamnet-lobby"] })) {
        if (entry.key.includes(b.shared.lobby)) kinds.add(entry.key[1]);
      }
      return [...kinds].sort();
    };
    for (clock = 4000; clock <= 5000; clock += 1000) await a.shared.beat(); // B stopped: A buries it
    const late = { room: "r", message: { op: "relay", data: "late" } };
    assert.equal(await a.shared.send(b.shared.lobby, late), undefined);
    assert.ok((await kept()).includes("inbox"), "the mail left since B's burial");
    for (; clock <= 11 * 60_000; clock += 1000) await a.shared.beat(); // past FORGET_DEAD_LOBBY_MS
    assert.deepEqual(await kept(), []);
  } finally {
    kv.close();
  }
});

/** A KV handle that awaits `hook` before each write it makes, a `set` or an atomic commit. */
function writeHooked(kv: Deno.Kv, hook: () => Promise<void> | void): Deno.Kv {
  return new Proxy(kv, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (name === "set") {
        return async (...args: Parameters<Deno.Kv["set"]>) => {
          await hook();
          return await target.set(...args);
        };
      }
      if (name === "atomic") {
        return () => {
          const operation = target.atomic();
          const commit = operation.commit.bind(operation);
          operation.commit = async () => {
            await hook();
            return await commit();
          };
          return operation;
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// Before d3d137b: a mailbox was read by sender first, and a sender whose id sorted first, leaving more than a pass
// reads, held back another's mail for as long as its flood went on. At d3d137b: each delivery read and raised the
// receiver's count in a checked commit, and a send met by another lobby's delivery between its read and its commit
// tried again, for as long as the flood went on.
Deno.test("kvStore: no lobby's mail is held back by another's flood", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let clock = 0;
    const options = { now: () => clock };
    /** Awaited before each write of store `i`'s KV handle, when set. */
    const hooks: ((() => Promise<void>) | undefined)[] = [];
    const reader = kvStore(kv, options);
    const [one, two] = [0, 1].map((i) => kvStore(writeHooked(kv, () => hooks[i]?.()), options));
    // The flood's sender sorts first: the order in which the mailbox was read before d3d137b.
    const [flooder, other] = one.shared.lobby < two.shared.lobby ? [one, two] : [two, one];
    const send = async (from: ReturnType<typeof kvStore>, data: string) => {
      clock++;
      assert.equal(
        await from.shared.send(reader.shared.lobby, { room: "r", message: { op: "relay", data } }),
        undefined,
      );
    };
    const left: string[] = [];
    const flood = async (count: number) => {
      for (let i = 0; i < count; i++) {
        left.push(`flood ${left.length}`);
        await send(flooder, left.at(-1)!);
      }
    };
    await flood(600);
    const before = [...left];
    // Each write of the other's is met by one of the flood's, up to 100 of them.
    let writes = 0;
    hooks[other === one ? 0 : 1] = async () => {
      if (++writes <= 100) await flood(1);
    };
    await send(other, "mail");
    hooks.length = 0;
    assert.equal(writes, 1, "the send tried again while the flood went on");
    // The flood goes on, faster than the reader reads: 600 more a pass, 500 read.
    const read: string[] = [];
    for (let pass = 0; pass < 4 && !read.includes("mail"); pass++) {
      read.push(...(await reader.shared.receive()).map((delivery) => delivery.message.data as string));
      await flood(600);
    }
    assert.ok(read.includes("mail"), "the flood held the mail back");
    assert.deepEqual(read.slice(0, read.indexOf("mail") + 1), [...before, "mail"]);
  } finally {
    kv.close();
  }
});

// Before: a send to a lobby already forgotten (it counts as alive: a copy with a member of it still sends there) left
// a mailbox entry, and at d3d137b a count too, that nothing would ever delete: no heartbeat entry was left to forget.
Deno.test("kvStore: mail left for a lobby already forgotten expires", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    /** Each key written, as its parts joined, and the `expireIn` it was written with (KV does not tell it). */
    const expiries = new Map<string, number | undefined>();
    const name = (key: Deno.KvKey) => key.map(String).join("/");
    const recorded = new Proxy(kv, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (property === "set") {
          return (key: Deno.KvKey, value: unknown, options?: { expireIn?: number }) => {
            expiries.set(name(key), options?.expireIn);
            return target.set(key, value, options);
          };
        }
        if (property === "atomic") {
          return () => {
            const operation = target.atomic();
            const set = operation.set.bind(operation);
            operation.set = (key, value, options) => {
              expiries.set(name(key), options?.expireIn);
              return set(key, value, options);
            };
            return operation;
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    let clock = 0;
    const options = { now: () => clock, heartbeatMs: 1000, staleAfterMs: 3000 };
    const [a, b] = [kvStore(recorded, options), kvStore(recorded, options)];
    await b.shared.beat();
    const kept = async () => {
      const keys: string[] = [];
      for await (const entry of kv.list({ prefix: ["jamnet-lobby"] })) {
        if (entry.key.includes(b.shared.lobby)) keys.push(name(entry.key));
      }
      return keys;
    };
    for (clock = 4000; clock <= 11 * 60_000; clock += 1000) await a.shared.beat(); // B stopped: buried, then forgotten
    assert.deepEqual(await kept(), [], "B forgotten");
    assert.equal(await a.shared.send(b.shared.lobby, { room: "r", message: { op: "relay", data: "late" } }), undefined);
    for (; clock <= 30 * 60_000; clock += 1000) await a.shared.beat();
    const left = await kept();
    assert.ok(left.length > 0, "the mail, kept until it expires");
    for (const key of left) {
      const expireIn = expiries.get(key);
      // Long enough for a live lobby, which reads its mailbox every update.
      assert.ok(expireIn !== undefined && expireIn >= 60_000, `${key} kept for good (expireIn ${expireIn})`);
    }
  } finally {
    kv.close();
  }
});

// Before: a relay's `to` was checked against C's copy of the room, which O2's join had made the store's, with X in it,
// while X's join waited in C's mailbox: O1 reached a member it had never heard of, whose relays C would not yet hand it.
// A member O1 knows but the copy no longer has (its leave still in the mailbox) stays refused.
Deno.test("lobbies on one KV: a relay goes only to a member its sender knows, not to one only the lobby's copy has", async () => {
  let holdC = false;
  await lobbies(
    ["C", "A"],
    ["C", "C", "A", "C"],
    async (w) => {
      const [sender, , x] = w.players.map((player) => player.client);
      const { room } = await w.ask(0, { op: "create", name: "known", maxPlayers: 4 }) as { room: Room };
      holdC = true; // X's join waits in C's mailbox
      const { you } = await w.ask(2, { op: "join", room: room.id }) as { you: string };
      const copy = await w.ask(1, { op: "join", room: room.id }) as { room: Room };
      assert.ok(copy.room.members.some((member) => member.id === you), "C's copy is the store's, with X");
      sender.peer.send({ op: "relay", data: "unheard of", to: you });
      await w.until(() => heard(sender, "error").length > 0, 30);
      assert.deepEqual(heard(x, "relay"), [], "a relay to a member its sender never heard of");
      assert.match(String(heard(sender, "error")[0]?.error), /No member ".*" here in room/);
      holdC = false;
      await w.until(() => heard(sender, "member").length === 2);
      sender.peer.send({ op: "relay", data: "heard of", to: you });
      await w.until(() => heard(x, "relay").length > 0);
      assert.deepEqual(heard(x, "relay"), [{ op: "relay", from: room.host, data: "heard of" }]);
      // Known, but gone from the copy, which a join took from the store while X's leave waited in the mailbox: refused
      // too, where it would go nowhere.
      holdC = true;
      await w.ask(2, { op: "leave" });
      await w.ask(3, { op: "join", room: room.id });
      sender.peer.send({ op: "relay", data: "gone", to: you });
      await w.until(() => heard(sender, "error").length > 1, 30);
      assert.match(String(heard(sender, "error")[1]?.error), /No member ".*" here in room/);
    },
    {},
    (i, store) =>
      i === 0 ? sharedWith(store, { receive: () => holdC ? Promise.resolve([]) : store.shared.receive() }) : store,
  );
});

Deno.test("lobbies on one KV: a room too large for a KV value (meta within maxMetaBytes) is refused, and no update throws", async () => {
  // 13,100 empty arrays pack to 13 KB, within 16 KiB, and are kept in 65.5 KB by KV: past its 64 KiB a value.
  await twoLobbies(["A"], async ({ ask }) => {
    const meta = { a: Array.from({ length: 13_100 }, () => []) };
    await assert.rejects(
      ask(0, { op: "create", name: "big", maxPlayers: 4, meta }),
      /The room is too large for the directory: Value too large/,
    );
    assert.equal((await ask(0, { op: "create", name: "small", maxPlayers: 4 })).op, "created");
  }, { maxMetaBytes: 16 << 10 });
});

Deno.test("lobbies on one KV: a join that would take a room past a KV value's size is refused, and no update throws", async () => {
  await twoLobbies(["A", "B"], async ({ ask, kv }) => {
    const { room } = await ask(0, { op: "create", name: "big", maxPlayers: 4 }) as { room: Room };
    // The stored room, grown to the largest KV keeps: a meta within maxMetaBytes can make it so (see the test above).
    const key = ["jamnet-lobby", "rooms", room.id];
    const stored = (await kv.get<Room>(key)).value!;
    let fits = 0;
    for (let step = 1 << 14; step; step >>= 1) {
      try {
        await kv.set(key, { ...stored, meta: { a: Array.from({ length: fits + step }, () => []) } });
        fits += step;
      } catch {
        // past 64 KiB
      }
    }
    await kv.set(key, { ...stored, meta: { a: Array.from({ length: fits }, () => []) } });
    await assert.rejects(ask(1, { op: "join", room: room.id }), /would be too large for the directory/);
    assert.equal(((await ask(1, { op: "list" })).rooms as RoomSummary[])[0].players, 1);
  }, { maxMetaBytes: 16 << 10 });
});
