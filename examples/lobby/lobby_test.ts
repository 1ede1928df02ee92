import assert from "node:assert/strict";
import { Extension, Host, type HostEvent, type HostOptions, memoryNet, pack, type Peer } from "../../mod.ts";
import {
  Allowance,
  kvStore,
  Lobby,
  LobbyClient,
  type LobbyOptions,
  memoryStore,
  type Room,
  type RoomStore,
  type RoomSummary,
  type SharedDirectory,
} from "./lobby.ts";

const TICK_MS = 16;

/** A lobby and `count` players on one memoryNet with a virtual clock. */
function world(count: number, options: LobbyOptions = {}, hostOptions: HostOptions = {}) {
  const net = memoryNet({ latencyMs: 20, jitterMs: 10, loss: 0.05, seed: 3 });
  const lobby = new Lobby(new Host(net.socket("lobby"), { now: net.now, ...hostOptions }), {
    now: net.now,
    ...options,
  });
  const players = Array.from({ length: count }, (_, i) => {
    const host = new Host(net.socket(`player${i}`), { now: net.now, ...hostOptions });
    return { host, client: new LobbyClient(host.connect("lobby")), silent: false };
  });
  /** Runs ticks until `done` holds (or `limit` ticks pass). */
  async function until(done: () => boolean, limit = 500): Promise<void> {
    for (let tick = 0; tick < limit && !done(); tick++) {
      for (const player of players) if (!player.silent) player.host.update();
      await lobby.update();
      net.advance(TICK_MS);
      for (const player of players) {
        for (let event; (event = player.host.poll());) player.client.handle(event);
      }
    }
  }
  /** Sends a request and runs ticks until its answer or error arrives. */
  async function ask(player: number, request: Record<string, unknown>): Promise<Record<string, unknown>> {
    let result: Record<string, unknown> | Error | undefined;
    players[player].client.request(request).then((answer) => result = answer, (error) => result = error);
    await until(() => result !== undefined);
    if (result instanceof Error) throw result;
    assert.ok(result, `no answer to ${JSON.stringify(request)}`);
    return result;
  }
  return { net, lobby, players, until, ask };
}

Deno.test("lobby: create, list, join, relay, leave; the host leaving closes the room", async () => {
  const { players, until, ask } = world(3);
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  const { room } = await ask(0, { op: "create", name: "arena", maxPlayers: 3, meta: { map: "dust" } }) as {
    room: Room;
  };
  assert.equal(room.name, "arena");
  assert.deepEqual(room.meta, { map: "dust" });
  const { rooms } = await ask(1, { op: "list" }) as { rooms: Room[] };
  assert.deepEqual(rooms.map((listed) => listed.id), [room.id]);

  const joined = await ask(1, { op: "join", room: room.id }) as { room: Room };
  assert.equal(joined.room.members.length, 2);
  assert.equal(joined.room.members[0].id, room.host);
  await until(() => players[0].client.notices.length > 0);
  assert.deepEqual(players[0].client.notices.shift(), {
    op: "member",
    room: room.id,
    member: joined.room.members[1],
    joined: true,
  });

  // Relay to everyone else in the room, then to one member.
  await ask(2, { op: "join", room: room.id });
  players[0].client.peer.send({ op: "relay", data: { x: 1 } });
  players[1].client.peer.send({ op: "relay", data: "to the host", to: room.host, mode: "unordered" });
  await until(() =>
    players[0].client.notices.some((notice) => notice.op === "relay") &&
    players[1].client.notices.some((notice) => notice.op === "relay") &&
    players[2].client.notices.some((notice) => notice.op === "relay")
  );
  const relays = players.map((player) => player.client.notices.filter((notice) => notice.op === "relay"));
  assert.deepEqual(relays[0], [{ op: "relay", from: joined.room.members[1].id, data: "to the host" }]);
  assert.deepEqual(relays[1], [{ op: "relay", from: room.host, data: { x: 1 } }]);
  assert.deepEqual(relays[2], [{ op: "relay", from: room.host, data: { x: 1 } }]);

  // A member leaves: the others hear it; then the host leaves and the room closes.
  assert.equal((await ask(2, { op: "leave" })).op, "left");
  assert.equal(((await ask(1, { op: "list" })).rooms as RoomSummary[])[0].players, 2);
  await ask(0, { op: "leave" });
  await until(() => players[1].client.notices.some((notice) => notice.op === "closed"));
  assert.deepEqual((await ask(1, { op: "list" })).rooms, []);
  // The closed room's member is free to create its own.
  assert.equal((await ask(1, { op: "create", name: "next", maxPlayers: 2 })).op, "created");
});

Deno.test("lobby with handOver: a host that leaves hands the room to the member who joined first after it; the last one closes it", async () => {
  const { players, until, ask } = world(3, { handOver: true });
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  const { room } = await ask(0, { op: "create", name: "server's world", maxPlayers: 3 }) as { room: Room };
  const ids = [room.host];
  for (const player of [1, 2]) ids.push((await ask(player, { op: "join", room: room.id }) as { you: string }).you);
  const handedTo = (player: number) =>
    players[player].client.notices.filter((notice) => notice.op === "member" && notice.joined === false);
  // The host leaves: the room stays, its host the first to join after it.
  await ask(0, { op: "leave" });
  await until(() => handedTo(1).length > 0 && handedTo(2).length > 0);
  for (const player of [1, 2]) {
    assert.deepEqual(handedTo(player), [{
      op: "member",
      room: room.id,
      member: { id: ids[0], address: "player0" },
      joined: false,
      host: ids[1],
    }]);
  }
  assert.ok(!players[1].client.notices.some((notice) => notice.op === "closed"));
  assert.deepEqual(((await ask(2, { op: "list" })).rooms as RoomSummary[]).map((listed) => listed.players), [2]);
  // The old host comes back, as a reload does: it joins the room by its id, a member like any other.
  const back = await ask(0, { op: "join", room: room.id }) as { room: Room; you: string };
  assert.deepEqual([back.room.host, back.room.members.map((member) => member.id)], [ids[1], [
    ids[1],
    ids[2],
    back.you,
  ]]);
  // The new host leaves: the next in line hosts; a member that is no host leaving hands nothing.
  await ask(1, { op: "leave" });
  await until(() => handedTo(2).length > 1);
  assert.equal(handedTo(2)[1].host, ids[2]);
  await ask(0, { op: "leave" });
  await until(() => handedTo(2).length > 2);
  assert.equal(handedTo(2)[2].host, undefined);
  // The last one leaves: the room closes.
  await ask(2, { op: "leave" });
  assert.deepEqual((await ask(1, { op: "list" })).rooms, []);
});

Deno.test("lobby: a room whose meta is nested too deep to list is refused, and every list still works", async () => {
  const { players, until, ask } = world(2);
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  // 254 levels pack in 1 KB and alone, but not three levels down in a list's answer.
  let meta: Record<string, unknown> = {};
  for (let depth = 1; depth < 254; depth++) meta = { a: meta };
  await assert.rejects(ask(0, { op: "create", name: "deep", maxPlayers: 2, meta }), /meta is nested too deep/);
  // An Extension packs as one level and is kept by the store as a plain object, one level more: 252 levels with one
  // at the bottom packed as sent, and then every list failed (a review, 2026-12-05). meta is checked as kept.
  let withExtension: unknown = new Extension(1, new Uint8Array(1));
  for (let depth = 0; depth < 252; depth++) withExtension = [withExtension];
  pack({ rooms: [{ meta: { a: withExtension } }] }); // as sent, it fits
  await assert.rejects(
    ask(0, { op: "create", name: "deep", maxPlayers: 2, meta: { a: withExtension } }),
    /meta is nested too deep/,
  );
  await ask(0, { op: "create", name: "ok", maxPlayers: 2, meta: { map: "dust" } });
  const { rooms } = await ask(1, { op: "list" }) as { rooms: RoomSummary[] };
  assert.deepEqual(rooms.map((room) => room.name), ["ok"]);
});

Deno.test("lobby: bad requests get a clear error and change nothing", async () => {
  const { players, until, ask } = world(3, { maxRooms: 2, maxNameLength: 8, maxMetaBytes: 32, maxPlayers: 4 });
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  const { room } = await ask(0, { op: "create", name: "duel", maxPlayers: 2 }) as { room: Room };
  const refused: [number, Record<string, unknown>, RegExp][] = [
    [1, { op: "dance" }, /Unknown op "dance"/],
    [1, { op: "create", name: "", maxPlayers: 2 }, /name must be a string of 1 to 8/],
    [1, { op: "create", name: "much too long", maxPlayers: 2 }, /name must be/],
    [1, { op: "create", name: 7, maxPlayers: 2 }, /name must be/],
    [1, { op: "create", name: "big", maxPlayers: 5 }, /maxPlayers must be an integer from 2 to 4/],
    [1, { op: "create", name: "big", maxPlayers: 2.5 }, /maxPlayers/],
    [1, { op: "create", name: "m", maxPlayers: 2, meta: [1] }, /meta must be an object/],
    [
      1,
      { op: "create", name: "m", maxPlayers: 2, meta: { pad: "x".repeat(40) } },
      /meta packs to 47 bytes: the limit is 32/,
    ],
    [0, { op: "create", name: "second", maxPlayers: 2 }, /Already in room/],
    [1, { op: "join", room: "nope" }, /No room "nope"/],
    [1, { op: "join", room: 5 }, /room must be a room id/],
    [1, { op: "leave" }, /Not in a room/],
    [1, { op: "relay", data: 1 }, /Not in a room/],
    [0, { op: "relay", data: 1, mode: "carrier pigeon" }, /mode must be one of/],
    [0, { op: "relay", data: 1, to: "ghost" }, /No member "ghost"/],
    [0, { op: "relay", data: 1, to: room.host }, /No member ".*" here in room/], // to itself
  ];
  for (const [player, request, message] of refused) {
    await assert.rejects(ask(player, request), message, JSON.stringify(request));
  }
  await ask(1, { op: "join", room: room.id });
  await assert.rejects(ask(2, { op: "join", room: room.id }), /Room .* is full: 2 players/);
  // The directory is as it was: one room with its two members, and room for one more.
  const { rooms } = await ask(2, { op: "list" }) as { rooms: RoomSummary[] };
  assert.deepEqual(rooms.map((listed) => [listed.name, listed.players]), [["duel", 2]]);
  assert.equal((await ask(2, { op: "create", name: "third", maxPlayers: 2 })).op, "created");
});

Deno.test("lobby: its limits are inclusive: a name of maxNameLength, maxPlayers at the limit, meta of maxMetaBytes", async () => {
  // A sweep (2026-12-03) found each limit's edge unpinned: `>=` in place of `>` refused what the error says is allowed.
  const { players, until, ask } = world(2, { maxNameLength: 8, maxMetaBytes: 32, maxPlayers: 4 });
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  // { pad: 26 characters } packs to 32 bytes: a map (1), "pad" (4), the string's header (1) and its 26.
  await assert.rejects(
    ask(0, { op: "create", name: "12345678", maxPlayers: 4, meta: { pad: "x".repeat(27) } }),
    /meta packs to 33 bytes: the limit is 32/,
  );
  const { room } = await ask(0, { op: "create", name: "12345678", maxPlayers: 4, meta: { pad: "x".repeat(26) } }) as {
    room: Room;
  };
  assert.deepEqual([room.name, room.maxPlayers], ["12345678", 4]);
  // A room id of MAX_ROOM_ID_LENGTH (64) characters is looked up; one longer is no room id.
  await assert.rejects(ask(1, { op: "join", room: "r".repeat(64) }), /No room "r{32}"…/); // quoted short
  await assert.rejects(ask(1, { op: "join", room: "r".repeat(65) }), /room must be a room id/);
  await assert.rejects(ask(1, { op: "join", room: "q".repeat(32) }), /No room "q{32}"$/); // quoted whole
  // What is no object is no request, null and an array too; a meta of null is no object.
  for (const request of [null, [1], 5]) {
    players[1].client.peer.send(request);
    await until(() => players[1].client.notices.some((notice) => notice.op === "error"));
    assert.match(String(players[1].client.notices.pop()?.error), /A request is an object with an op/);
  }
  await assert.rejects(ask(1, { op: "create", name: "m", maxPlayers: 2, meta: null }), /meta must be an object/);
});

Deno.test("lobby: a flood of room creations from many clients stops at maxRooms", async () => {
  const { players, until, ask } = world(12, { maxRooms: 5 });
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  let created = 0;
  for (let i = 0; i < players.length; i++) {
    try {
      await ask(i, { op: "create", name: `r${i}`, maxPlayers: 2 });
      created++;
    } catch (error) {
      assert.match((error as Error).message, /The lobby is full: 5 rooms/);
    }
  }
  assert.equal(created, 5);
  assert.equal(((await ask(0, { op: "list" })).rooms as Room[]).length, 5);
});

Deno.test("lobby: a host that vanishes times out, and its room closes", async () => {
  const { players, lobby, until, ask } = world(2, {}, { timeout: 2000 });
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  const { room } = await ask(0, { op: "create", name: "ghost town", maxPlayers: 4 }) as { room: Room };
  await ask(1, { op: "join", room: room.id });
  players[0].silent = true; // no more updates: no packets, no goodbye
  await until(() => players[1].client.notices.some((notice) => notice.op === "closed"), 400);
  assert.deepEqual(players[1].client.notices.at(-1), { op: "closed", room: room.id });
  assert.deepEqual((await ask(1, { op: "list" })).rooms, []);
  assert.equal(lobby.clients, 1);
});

Deno.test("lobby: a ticket admits only the member it was given to, only while it is in that room", async () => {
  const { players, lobby, until, ask } = world(4, {}, { timeout: 2000 });
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  const created = await ask(0, { op: "create", name: "arena", maxPlayers: 4 }) as {
    room: Room;
    you: string;
    ticket: string;
  };
  const joins = [] as { room: Room; you: string; ticket: string }[];
  for (const player of [1, 2, 3]) {
    joins.push(await ask(player, { op: "join", room: created.room.id }) as typeof joins[number]);
  }
  assert.equal(created.you, created.room.host);
  assert.equal(joins[0].you, joins[0].room.members.at(-1)!.id);
  const tickets = [created.ticket, ...joins.map((join) => join.ticket)];
  assert.equal(new Set(tickets).size, 4);
  for (const [player, ticket] of tickets.entries()) {
    const seat = lobby.admitted(ticket);
    assert.equal(seat?.room.id, created.room.id, `player ${player}'s ticket admits it to the room`);
    assert.equal(seat?.member.id, player ? joins[player - 1].you : created.you);
  }
  // Nobody else's ticket is told to the room: not in the answers the others got, nor in the notices.
  const heard = JSON.stringify([joins[2], ...players[1].client.notices]);
  assert.ok(!heard.includes(created.ticket) && !heard.includes(joins[0].ticket));
  // Not a member id, not a guess.
  assert.equal(lobby.admitted(created.you), undefined);
  assert.equal(lobby.admitted("00000000-0000-4000-8000-000000000000"), undefined);

  // A member who leaves, and one whose connection ends, are admitted no more.
  await ask(1, { op: "leave" });
  players[2].silent = true;
  await until(() => lobby.clients === 3, 400);
  assert.equal(lobby.admitted(joins[0].ticket), undefined);
  assert.equal(lobby.admitted(joins[1].ticket), undefined);
  assert.equal(lobby.admitted(joins[2].ticket)?.member.id, joins[2].you);
  // Joining again gives a new ticket; the old one stays void.
  const again = await ask(1, { op: "join", room: created.room.id }) as { ticket: string };
  assert.notEqual(again.ticket, joins[0].ticket);
  assert.equal(lobby.admitted(joins[0].ticket), undefined);
  assert.equal(lobby.admitted(again.ticket)?.room.id, created.room.id);
  // The host leaves: the room closes, and no ticket for it admits anyone.
  await ask(0, { op: "leave" });
  await until(() => players[3].client.notices.some((notice) => notice.op === "closed"));
  for (const ticket of [created.ticket, again.ticket, joins[2].ticket]) assert.equal(lobby.admitted(ticket), undefined);
});

async function exerciseStore(store: RoomStore): Promise<void> {
  const room: Room = { id: "r1", name: "a", maxPlayers: 2, meta: { v: 1 }, host: "m1", members: [] };
  assert.equal(await store.get("r1"), undefined);
  await store.put(room);
  assert.deepEqual(await store.get("r1"), room);
  await store.put({ ...room, id: "r2" });
  assert.deepEqual((await store.list(10)).map((listed) => listed.id).sort(), ["r1", "r2"]);
  assert.equal((await store.list(1)).length, 1);
  await store.delete("r1");
  await store.delete("r1");
  assert.deepEqual((await store.list(10)).map((listed) => listed.id), ["r2"]);
}

Deno.test("lobby stores: memory and Deno KV keep, list and delete rooms alike", async () => {
  await exerciseStore(memoryStore());
  const kv = await Deno.openKv(":memory:");
  try {
    await exerciseStore(kvStore(kv));
  } finally {
    kv.close();
  }
});

Deno.test("lobby on Deno KV: two lobbies on one KV file share one directory", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const [kvA, kvB] = [await Deno.openKv(path), await Deno.openKv(path)];
  try {
    const net = memoryNet({ latencyMs: 5 });
    const lobbies = ["lobbyA", "lobbyB"].map((address, i) =>
      new Lobby(new Host(net.socket(address), { now: net.now }), { now: net.now, store: kvStore([kvA, kvB][i]) })
    );
    // Players 0 and 2 on lobby A, player 1 on lobby B.
    const players = ["lobbyA", "lobbyB", "lobbyA"].map((address, i) => {
      const host = new Host(net.socket(`player${i}`), { now: net.now });
      return { host, client: new LobbyClient(host.connect(address)) };
    });
    const settle = async (promise: Promise<Record<string, unknown>>) => {
      let answer: Record<string, unknown> | undefined;
      promise.then((value) => answer = value);
      for (let tick = 0; tick < 200 && !answer; tick++) {
        for (const player of players) player.host.update();
        for (const lobby of lobbies) await lobby.update();
        net.advance(TICK_MS);
        for (const player of players) for (let event; (event = player.host.poll());) player.client.handle(event);
      }
      assert.ok(answer);
      return answer;
    };
    const { room } = await settle(players[0].client.request({ op: "create", name: "shared", maxPlayers: 4 })) as {
      room: Room;
    };
    const { rooms } = await settle(players[1].client.request({ op: "list" })) as { rooms: RoomSummary[] };
    assert.deepEqual(rooms, [{ id: room.id, name: "shared", maxPlayers: 4, players: 1, meta: {}, locked: false }]);
    const joined = await settle(players[1].client.request({ op: "join", room: room.id })) as { room: Room };
    assert.equal(joined.room.members.length, 2);
    const third = await settle(players[2].client.request({ op: "join", room: room.id })) as { room: Room };
    assert.deepEqual(third.room.members.map((member) => member.id), [
      room.host,
      joined.room.members[1].id,
      third.room.members[2].id,
    ]);
    // Relays across the two lobbies (a sweep, 2026-12-03, found none tested): to everyone else, and to one member.
    const [, bId, cId] = third.room.members.map((member) => member.id);
    const relays = () =>
      // in any order: one from the other lobby comes after one from this lobby
      players.map((player) =>
        player.client.notices.filter((notice) => notice.op === "relay")
          .sort((a, b) => String(a.data).localeCompare(String(b.data)))
      );
    players[1].client.peer.send({ op: "relay", data: "b to all" });
    players[0].client.peer.send({ op: "relay", data: "host to b", to: bId });
    players[1].client.peer.send({ op: "relay", data: "b to host", to: room.host }); // not to c, beside the host
    players[2].client.peer.send({ op: "relay", data: "c to all" });
    await settle(players[1].client.request({ op: "list" })); // a round of ticks
    await settle(players[0].client.request({ op: "list" }));
    assert.deepEqual(relays(), [
      [
        { op: "relay", from: bId, data: "b to all" },
        { op: "relay", from: bId, data: "b to host" },
        { op: "relay", from: cId, data: "c to all" },
      ],
      [{ op: "relay", from: cId, data: "c to all" }, { op: "relay", from: room.host, data: "host to b" }],
      [{ op: "relay", from: bId, data: "b to all" }],
    ]);
    await settle(players[0].client.request({ op: "leave" }));
    assert.deepEqual((await settle(players[1].client.request({ op: "list" }))).rooms, []);
  } finally {
    kvA.close();
    kvB.close();
    await Deno.remove(path);
  }
});

Deno.test("lobby over real UDP on 127.0.0.1: two clients meet in a room and relay", async () => {
  const { udpSocket } = await import("./udp.ts");
  const server = await udpSocket();
  const lobby = new Lobby(new Host(server));
  const players = await Promise.all([0, 1].map(async () => {
    const host = new Host(await udpSocket());
    return { host, client: new LobbyClient(host.connect(server.address)) };
  }));
  const deadline = performance.now() + 5000;
  let running = true;
  // Real sockets, real time: a tick every 5 ms until the test is done or the deadline passes.
  const ticking = (async () => {
    while (running && performance.now() < deadline) {
      for (const player of players) player.host.update();
      await lobby.update();
      for (const player of players) for (let event; (event = player.host.poll());) player.client.handle(event);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  try {
    const { room } = await players[0].client.request({ op: "create", name: "udp", maxPlayers: 2 }) as { room: Room };
    await players[1].client.request({ op: "join", room: room.id });
    players[1].client.peer.send({ op: "relay", data: new Uint8Array([1, 2, 3]), mode: "unordered" });
    while (!players[0].client.notices.some((notice) => notice.op === "relay") && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const relay = players[0].client.notices.find((notice) => notice.op === "relay");
    assert.deepEqual(relay?.data, new Uint8Array([1, 2, 3]));
    assert.equal((await players[0].client.request({ op: "leave" })).op, "left");
  } finally {
    running = false;
    await ticking;
    for (const player of players) player.host.close();
    server.close();
  }
});

Deno.test("lobby: hostile requests never throw out of update(): huge relays, odd ops and ids, long room ids", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const { players, until, ask } = world(2, { store: kvStore(kv) });
    await until(() => players.every((player) => player.client.peer.state === "connected"));
    const { room } = await ask(0, { op: "create", name: "a", maxPlayers: 2 }) as { room: Room };
    await ask(1, { op: "join", room: room.id });
    // 5,000 bytes cannot go unreliable in one packet. 2^20 - 8 bytes fit the request (24 bytes of envelope
    // within maxMessageBytes, 2^20 + 16) but not the relay, whose envelope takes 34.
    await assert.rejects(ask(0, { op: "relay", data: new Uint8Array(5000), mode: "unreliable" }), /Relay failed/);
    await assert.rejects(ask(0, { op: "relay", data: new Uint8Array(2 ** 20 - 8) }), /Relay failed: Cannot send/);
    await assert.rejects(ask(0, { op: 2n ** 63n }), /Unknown op \(bigint\)/);
    await assert.rejects(ask(0, { op: "x".repeat(10_000) }), (error: Error) => error.message.length < 200);
    await assert.rejects(ask(1, { op: "join", room: "r".repeat(5000) }), /room must be a room id/);
    // An id that is no integer is refused, and not echoed back.
    players[0].client.peer.send({ op: "list", id: "i".repeat(50_000) });
    await until(() => players[0].client.notices.some((notice) => notice.op === "error"));
    assert.deepEqual(players[0].client.notices.pop(), {
      op: "error",
      id: null,
      error: "id must be an integer, not string",
    });
    // The lobby still works.
    assert.equal(((await ask(1, { op: "list" })).rooms as RoomSummary[]).length, 1);
  } finally {
    kv.close();
  }
});

Deno.test("lobby client: unread notices stop at maxNotices, the oldest dropped and counted", async () => {
  const { players, until, ask } = world(2);
  assert.throws(() => new LobbyClient(players[1].client.peer, 0), /maxNotices must be a positive integer/);
  players[1].client = new LobbyClient(players[1].client.peer, 3);
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  const { room } = await ask(0, { op: "create", name: "a", maxPlayers: 2 }) as { room: Room };
  await ask(1, { op: "join", room: room.id });
  for (let i = 0; i < 10; i++) players[0].client.peer.send({ op: "relay", data: i });
  // Relays are reliable and ordered: once 9 is in, 0 to 8 came before it, and all but the last 3 were dropped.
  await until(() => players[1].client.notices.some((notice) => notice.data === 9));
  assert.deepEqual(players[1].client.notices.map((notice) => [notice.op, notice.data]), [
    ["relay", 7],
    ["relay", 8],
    ["relay", 9],
  ]);
  assert.ok(players[1].client.droppedNotices >= 7, `${players[1].client.droppedNotices} dropped`);
  // It still answers requests: answers are not notices.
  assert.equal(((await ask(1, { op: "list" })).rooms as RoomSummary[]).length, 1);
});

Deno.test("lobby client: it takes only its own peer's events, fails what waits at a disconnect, and clears each timer it set", async () => {
  // One Host may carry the lobby and a game server: handle() must leave the game's events alone. A request answered
  // or failed by a disconnect left its timer running (a CLI client waited 10 s to exit) or itself pending (mutants of
  // client_lib.js, 2026-12-06). setTimeout and clearTimeout are watched, not waited on.
  const sent: Record<string, unknown>[] = [];
  const lobbyPeer = { send: (message: Record<string, unknown>) => void sent.push(message) } as unknown as Peer;
  const gamePeer = {} as Peer;
  const client = new LobbyClient(lobbyPeer);
  const [setTimer, clearTimer] = [globalThis.setTimeout, globalThis.clearTimeout];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  globalThis.setTimeout = ((callback: () => void, ms: number) => {
    const timer = setTimer(callback, ms);
    timers.add(timer);
    return timer;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((timer: ReturnType<typeof setTimeout>) => {
    timers.delete(timer);
    clearTimer(timer);
  }) as typeof clearTimeout;
  try {
    const answered = client.request({ op: "list" });
    const failed = client.request({ op: "list" });
    const message = (peer: Peer, data: unknown): HostEvent => ({
      type: "message",
      peer,
      data,
      channel: 0,
      mode: "reliable",
    });
    assert.equal(client.handle(message(gamePeer, { op: "rooms", id: 1, rooms: [] })), false, "the game's event");
    assert.equal(client.handle(message(gamePeer, { op: "relay", data: 1 })), false);
    assert.deepEqual([client.pending, client.notices.length], [2, 0]);
    assert.equal(client.handle(message(lobbyPeer, { op: "rooms", id: 1, rooms: [] })), true);
    assert.deepEqual(await answered, { op: "rooms", id: 1, rooms: [] });
    assert.equal(client.handle({ type: "disconnect", peer: lobbyPeer, reason: "timeout" } as HostEvent), true);
    await assert.rejects(failed, /The lobby disconnected: timeout/);
    assert.equal(client.pending, 0);
    assert.equal(timers.size, 0, "every request's timer cleared");
    assert.deepEqual(sent.map((request) => request.id), [1, 2]);
  } finally {
    for (const timer of timers) clearTimer(timer);
    globalThis.setTimeout = setTimer;
    globalThis.clearTimeout = clearTimer;
  }
});

// ─── regressions the mutants found (issue #7) ───────────────────────────────

Deno.test("lobby client: a request nobody answers rejects after its timeoutMs with a clear error", async () => {
  // A connection to an address where nothing listens: the request is never answered.
  const net = memoryNet();
  const client = new LobbyClient(new Host(net.socket("player"), { now: net.now }).connect("nowhere"));
  assert.throws(() => client.request({ op: "list" }, { timeoutMs: 0 }), {
    name: "RangeError",
    message: "timeoutMs is 0: must be a number of ms from 1 to 2147483647",
  });
  await assert.rejects(client.request({ op: "list" }, { timeoutMs: 5 }), {
    name: "Error",
    message: "The lobby did not answer request 1 (op list) within 5 ms",
  });
});

// ─── issue #21: every request answered, rooms counted ───────────────────────

Deno.test("lobby: one player's 1,000 list requests at once (30 rooms of 1 KB meta) each get the rooms or an error", async () => {
  // Lists without the bound of their own (maxRoomsListedPerSecond): this is the bound on answers waiting.
  const { players, until, ask } = world(31, { maxRoomsListedPerSecond: Infinity }, { packetsPerUpdate: 64 });
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  for (let i = 0; i < 30; i++) {
    await ask(i, { op: "create", name: `room ${i}`, maxPlayers: 2, meta: { pad: "x".repeat(1000) } });
  }
  const flooder = players[30].client;
  const results: (Record<string, unknown> | Error)[] = [];
  for (let i = 0; i < 1000; i++) {
    flooder.request({ op: "list" }, { timeoutMs: 600_000 }).then(
      (answer) => results.push(answer),
      (error) => results.push(error),
    );
  }
  await until(() => results.length === 1000, 20_000);
  assert.equal(results.length, 1000);
  const answers = results.filter((result) => !(result instanceof Error)) as Record<string, unknown>[];
  const errors = results.filter((result) => result instanceof Error) as Error[];
  for (const answer of answers) assert.equal((answer.rooms as RoomSummary[]).length, 30);
  for (const error of errors) assert.match(error.message, /Too many requests at once: 64 answers wait/);
  // Far more answers than the 132 that used to fit before the send queue filled and the rest vanished.
  assert.ok(answers.length > 132, `${answers.length} answers, ${errors.length} errors`);
  assert.ok(errors.length > 0, "the flood never met the bound");
  assert.equal(flooder.pending, 0);
  // The lobby still serves everyone.
  assert.equal(((await ask(30, { op: "list" })).rooms as RoomSummary[]).length, 30);
});

Deno.test("lobby: a client's requests past maxRequestsPerSecond are answered with an error, and the allowance refills", async () => {
  // Each request the store serves (a KV write for a relay, a read for a list) costs every client of the lobby: 300
  // relays an update kept two lobbies on one KV file at 157 ms an update. Past the rate, a request costs an answer.
  const { net, players, until, ask } = world(2, { maxRequestsPerSecond: 50, maxRoomsListedPerSecond: Infinity });
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  const flooder = players[0].client;
  const results: (Record<string, unknown> | Error)[] = [];
  const start = net.now();
  for (let i = 0; i < 200; i++) {
    flooder.request({ op: "list" }).then((answer) => results.push(answer), (error) => results.push(error));
  }
  await until(() => results.length === 200);
  const elapsedS = (net.now() - start) / 1000;
  const answers = results.filter((result) => !(result instanceof Error));
  const errors = results.filter((result) => result instanceof Error) as Error[];
  assert.equal(answers.length + errors.length, 200);
  // A second's worth at once, then 50 a second.
  assert.ok(answers.length >= 50 && answers.length <= 50 + 50 * elapsedS, `${answers.length} in ${elapsedS} s`);
  for (const error of errors) assert.equal(error.message, "Too many requests: at most 50 a second");
  assert.deepEqual(await ask(1, { op: "list" }), { op: "rooms", rooms: [], id: 1 }, "the other client is served");
  await until(() => false, 70); // over a second: the allowance is whole again
  assert.equal((await ask(0, { op: "list" })).op, "rooms");
});

Deno.test("lobby: create checks maxRooms against the store's count, never by listing the rooms", async () => {
  const inner = memoryStore();
  let listed = 0;
  const store: RoomStore = { ...inner, list: (limit) => (listed++, inner.list(limit)) };
  const { players, until, ask } = world(4, { store, maxRooms: 3 });
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  for (let i = 0; i < 3; i++) {
    assert.equal((await ask(i, { op: "create", name: `r${i}`, maxPlayers: 2 })).op, "created");
  }
  await assert.rejects(ask(3, { op: "create", name: "r3", maxPlayers: 2 }), /The lobby is full: 3 rooms/);
  assert.equal(listed, 0);
  // A store without a count is still counted by listing, as before.
  const plain = memoryStore();
  const { players: others, until: run, ask: askPlain } = world(2, {
    store: { get: plain.get, put: plain.put, delete: plain.delete, list: plain.list },
    maxRooms: 1,
  });
  await run(() => others.every((player) => player.client.peer.state === "connected"));
  await askPlain(0, { op: "create", name: "only", maxPlayers: 2 });
  await assert.rejects(askPlain(1, { op: "create", name: "two", maxPlayers: 2 }), /The lobby is full: 1 rooms/);
});

// Before: a room id drawn twice (here forced: crypto.randomUUID stubbed once) was refused by the store's create as a
// full lobby is, and the player heard "The lobby is full" with one room open; a store without create replaced the
// other room with the new one.
for (const kind of ["memory", "without create", "kv"]) {
  Deno.test(`lobby (${kind} store): a new room whose id another room has already draws a fresh id`, async () => {
    const kv = await Deno.openKv(":memory:");
    const uuid = crypto.randomUUID;
    try {
      const memory = memoryStore();
      const store: RoomStore = kind === "kv"
        ? kvStore(kv)
        : kind === "memory"
        ? memory
        : { get: memory.get, put: memory.put, delete: memory.delete, list: memory.list };
      const lines: string[] = [];
      const { players, until, ask } = world(1, { store, log: (line) => lines.push(line) });
      await until(() => players.every((player) => player.client.peer.state === "connected"));
      const drawn = "01234567-89ab-4cde-8f01-23456789abcd";
      const other: Room = {
        id: drawn.replaceAll("-", ""),
        name: "first",
        maxPlayers: 2,
        meta: {},
        host: "other",
        members: [{ id: "other", address: "elsewhere" }],
      };
      await store.put(other);
      // The create's room id is the lobby's next draw: the players are connected, their member ids drawn.
      crypto.randomUUID = () => (crypto.randomUUID = uuid, drawn);
      const created = await ask(0, { op: "create", name: "second", maxPlayers: 2 }) as { room: Room };
      assert.equal(crypto.randomUUID, uuid, "the stub was used");
      assert.notEqual(created.room.id, other.id);
      assert.equal(created.room.name, "second");
      assert.deepEqual(await store.get(other.id), other, "the other room was replaced");
      assert.equal((await store.get(created.room.id))?.name, "second");
      assert.ok(lines.some((line) => line.includes(`room id ${other.id}`) && line.includes("is taken")));
    } finally {
      crypto.randomUUID = uuid;
      kv.close();
    }
  });
}

// Before: "The lobby is full" too.
Deno.test("lobby: a create whose every id drawn is taken says so, not that the lobby is full", async () => {
  const memory = memoryStore();
  let creates = 0;
  const store: RoomStore = {
    ...memory,
    // Every id taken: a broken store, or a broken random source.
    get: (id) => Promise.resolve({ id, name: "x", maxPlayers: 2, meta: {}, host: "h", members: [] }),
    create: () => Promise.resolve((creates++, false)),
  };
  const lines: string[] = [];
  const { players, until, ask } = world(1, { store, log: (line) => lines.push(line) });
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  await assert.rejects(ask(0, { op: "create", name: "r", maxPlayers: 2 }), /No free room id in 3 draws: try again/);
  assert.equal(creates, 3);
  // Before: the last draw said "drawing another" too.
  assert.deepEqual(lines.map((line) => line.replace(/.* is taken/, "taken")), [
    "taken: drawing another",
    "taken: drawing another",
    "taken",
  ]);
});

// Before: a store without create was read twice for the id of a create refused as full, the second read right after
// the first found it free. One with create is read once, after a refusal only: a full lobby and a taken id look alike.
for (const withCreate of [true, false]) {
  Deno.test(`lobby: a create ${withCreate ? "with" : "without"} the store's create reads the store once for its id`, async () => {
    const memory = memoryStore();
    const calls: string[] = [];
    const counted = <T extends unknown[], R>(name: string, call: (...args: T) => R) => (...args: T) => {
      calls.push(name);
      return call(...args);
    };
    const store: RoomStore = {
      get: counted("get", memory.get),
      put: counted("put", memory.put),
      delete: memory.delete,
      list: counted("list", memory.list),
      ...withCreate && { create: counted("create", memory.create!) },
    };
    const { players, until, ask } = world(2, { store, maxRooms: 1 });
    await until(() => players.every((player) => player.client.peer.state === "connected"));
    await ask(0, { op: "create", name: "one", maxPlayers: 2 });
    assert.deepEqual(calls, withCreate ? ["create"] : ["get", "list", "put"]);
    calls.length = 0;
    await assert.rejects(ask(1, { op: "create", name: "two", maxPlayers: 2 }), /The lobby is full: 1 rooms/);
    assert.deepEqual(calls, withCreate ? ["create", "get"] : ["get", "list"]);
  });
}

Deno.test("lobby: the log has one line for each room created or closed and each join and leave", async () => {
  const lines: string[] = [];
  const { players, until, ask } = world(3, { log: (line) => lines.push(line) });
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  const { room } = await ask(0, { op: "create", name: "logged", maxPlayers: 3 }) as { room: Room };
  await ask(1, { op: "join", room: room.id });
  await ask(2, { op: "join", room: room.id });
  await ask(2, { op: "leave" });
  await ask(0, { op: "leave" });
  assert.equal(lines.length, 5, lines.join("\n"));
  assert.match(lines[0], new RegExp(`^room ${room.id} "logged" created by ${room.host} \\(player0[^)]*\\): 1/3$`));
  assert.match(lines[1], new RegExp(`joined room ${room.id}: 2/3$`));
  assert.match(lines[2], new RegExp(`joined room ${room.id}: 3/3$`));
  assert.match(lines[3], new RegExp(`left room ${room.id}: 2/3$`));
  assert.match(lines[4], new RegExp(`^room ${room.id} closed: its host ${room.host} .* left$`));
});

Deno.test("lobby: a client that lets answers pile up is kicked at once and leaves its room; the others hear it", async () => {
  // A client that stops acking fills its send queue; the lobby keeps its answers until maxPendingAnswers + 4,096
  // wait, then kicks it. It stayed a member of its room for good (its ticket still admitting it) until 2026-11-30.
  // That client is a stand-in whose every send finds the queue full: a real one stalls the lobby's sends long
  // before (a player that acks nothing also stops its own requests at its 1,024-piece window).
  const net = memoryNet({ latencyMs: 20 });
  const lines: string[] = [];
  const stalledEvents: HostEvent[] = [];
  let disconnects = 0;
  const stalled = {
    address: "stalled:1",
    state: "connected",
    send() {
      throw new RangeError("Cannot send 40 bytes to stalled:1: 4194304 bytes are queued and the limit is 4194304");
    },
    disconnect() {
      disconnects++;
    },
  } as unknown as Peer;
  const stalledHost = { update() {}, poll: () => stalledEvents.shift() } as unknown as Host;
  const lobby = new Lobby([new Host(net.socket("lobby"), { now: net.now }), stalledHost], {
    now: net.now,
    maxPendingAnswers: 1,
    log: (line) => lines.push(line),
  });
  const host = new Host(net.socket("player"), { now: net.now });
  const client = new LobbyClient(host.connect("lobby"));
  const tick = async () => {
    host.update();
    await lobby.update();
    net.advance(TICK_MS);
    for (let event; (event = host.poll());) client.handle(event);
  };
  let created: Record<string, unknown> | undefined;
  client.request({ op: "create", name: "arena", maxPlayers: 4 }).then((answer) => created = answer);
  for (let i = 0; i < 100 && !created; i++) await tick();
  const room = (created as { room: Room }).room;
  const request = (data: Record<string, unknown>) =>
    stalledEvents.push({ type: "message", peer: stalled, data, channel: 0, mode: "reliable" });
  stalledEvents.push({ type: "connect", peer: stalled });
  request({ op: "join", room: room.id, id: 1 });
  for (let i = 0; i < 100 && !client.notices.length; i++) await tick();
  assert.deepEqual(client.notices.map((notice) => [notice.op, notice.joined]), [["member", true]]);
  assert.equal(lobby.clients, 2);

  for (let id = 2; id <= 4097; id++) request({ op: "list", id });
  await tick();
  assert.equal(disconnects, 0, "4,097 answers wait, not more: no kick yet");
  request({ op: "list", id: 4098 });
  for (let i = 0; i < 50 && client.notices.length < 2; i++) await tick();
  assert.equal(disconnects, 2, "disconnect() twice: the queue it does not read is dropped at once");
  assert.equal(lobby.clients, 1);
  assert.ok(lines.some((line) => line.endsWith("disconnected: it let too many answers pile up")), lines.join("\n"));
  assert.deepEqual(client.notices.map((notice) => [notice.op, notice.joined]), [["member", true], ["member", false]]);
  // Its later requests go nowhere, and the room lists one player.
  request({ op: "list", id: 4099 });
  let listed: Record<string, unknown> | undefined;
  client.request({ op: "list" }).then((answer) => listed = answer);
  for (let i = 0; i < 100 && !listed; i++) await tick();
  assert.equal((listed!.rooms as RoomSummary[])[0].players, 1);
  assert.equal(disconnects, 2);
});

// ─── a sweep of lobby.ts (2026-12-03): the edges it left ───────────────────

/** A stand-in Host whose events are what the test pushes, and a peer on it whose sends the test sees. */
function standIn(address: string) {
  const events: HostEvent[] = [];
  const sent: Record<string, unknown>[] = [];
  /** `full`: every send finds the queue full; `tooLarge`: every send but an error is over the message limit. */
  const link = { full: false, tooLarge: false };
  const peer = {
    address,
    state: "connected",
    send(message: Record<string, unknown>) {
      if (link.full) {
        throw new RangeError(`Cannot send 40 bytes to ${address}: 4194304 bytes are queued and the limit is 4194304`);
      }
      if (link.tooLarge && message.op !== "error") {
        throw new RangeError("Cannot send 120000 bytes: the message limit is 65536");
      }
      sent.push(message);
      return true;
    },
    disconnect() {},
  } as unknown as Peer;
  const host = { update() {}, poll: () => events.shift() } as unknown as Host;
  const request = (data: Record<string, unknown>) =>
    events.push({ type: "message", peer, data, channel: 0, mode: "reliable" });
  events.push({ type: "connect", peer });
  return { host, events, sent, link, request };
}

Deno.test("lobby: an update takes at most 256 events from each Host; the rest wait for the next update, none lost", async () => {
  // The bound that keeps an update short under a flood, so a KV lobby's heartbeat keeps its time (NOTES.md, Lobby: reviews, the review
  // of 2026-12-03). Each Host has its own: a flood on one transport does not hold up the other's players.
  const flooded = standIn("flood:1");
  const quiet = standIn("quiet:1");
  const lobby = new Lobby([flooded.host, quiet.host], { now: () => 0 });
  for (let id = 1; id <= 299; id++) flooded.request({ op: "list", id }); // 300 events with the connect
  quiet.request({ op: "list", id: 1 });
  await lobby.update();
  assert.equal(flooded.events.length, 300 - 256, "256 events taken, not one more");
  assert.equal(flooded.sent.length, 255);
  assert.deepEqual(quiet.sent.map((answer) => [answer.op, answer.id]), [["rooms", 1]]);
  await lobby.update();
  assert.equal(flooded.events.length, 0);
  assert.deepEqual(flooded.sent.map((answer) => answer.id), Array.from({ length: 299 }, (_, i) => i + 1));
});

Deno.test("lobby: maxPendingAnswers answers wait for a full send queue, not one more: the next get the short error", async () => {
  const player = standIn("slow:1");
  const lobby = new Lobby(player.host, { now: () => 0, maxPendingAnswers: 2 });
  await lobby.update(); // connected
  player.link.full = true;
  for (let id = 1; id <= 4; id++) player.request({ op: "list", id });
  await lobby.update();
  assert.equal(player.sent.length, 0, "nothing goes out while its queue is full");
  player.link.full = false; // its queue drains: what waits goes out, in order
  await lobby.update();
  assert.deepEqual(player.sent.map((answer) => [answer.op, answer.id]), [
    ["rooms", 1],
    ["rooms", 2],
    ["error", 3],
    ["error", 4],
  ]);
  for (const error of player.sent.slice(2)) {
    assert.equal(error.error, "Too many requests at once: 2 answers wait for your connection already");
  }
});

Deno.test("lobby: an answer that cannot be sent (over the message limit) is answered with an error that says why, and not kept", async () => {
  // Only a full queue is worth waiting out: an answer kept for another reason went out late, or never, and its request
  // had no answer meanwhile (a mutant of #answer, 2026-12-06).
  const player = standIn("small:1");
  const lobby = new Lobby(player.host, { now: () => 0 });
  player.link.tooLarge = true;
  player.request({ op: "list", id: 1 });
  await lobby.update();
  player.link.tooLarge = false;
  player.request({ op: "list", id: 2 });
  await lobby.update();
  await lobby.update();
  assert.deepEqual(player.sent, [
    {
      op: "error",
      id: 1,
      error: "The answer could not be sent: Cannot send 120000 bytes: the message limit is 65536",
    },
    { op: "rooms", id: 2, rooms: [] },
  ]);
});

Deno.test("lobby: notices past maxPendingAnswers wait whole: only answers are cut to the short error", async () => {
  // A member's join is state the client keeps (who is in its room): turned into an error, it was lost for good, where
  // the bound is there for answers (a list's 110 KB). Notices count toward the kick at 4,096 more only.
  const host = standIn("host:1");
  const joiner = standIn("joiner:1");
  const lobby = new Lobby([host.host, joiner.host], { now: () => 0, maxPendingAnswers: 1 });
  host.request({ op: "create", id: 1, name: "r", maxPlayers: 4 });
  await lobby.update();
  const { room } = host.sent.shift() as { room: Room };
  host.link.full = true;
  host.request({ op: "list", id: 2 }); // waits whole: the first
  host.request({ op: "list", id: 3 }); // past the bound: the short error
  await lobby.update();
  joiner.request({ op: "join", id: 1, room: room.id });
  await lobby.update();
  host.link.full = false;
  await lobby.update();
  assert.deepEqual(host.sent.map((message) => [message.op, message.id]), [
    ["rooms", 2],
    ["error", 3],
    ["member", undefined],
  ]);
  assert.equal(host.sent[2].joined, true);
});

Deno.test("lobby: requests without an id count against maxPendingAnswers too: past it they get the short error", async () => {
  // An answer to a request without an id carries `id: undefined`, and the bound looked for an id: every whole answer
  // waited, up to 4,096 past the bound (a list's 110 KB each, 33 MB for one client; a review, 2026-12-05).
  const player = standIn("slow:1");
  const lobby = new Lobby(player.host, { now: () => 0, maxPendingAnswers: 2 });
  await lobby.update(); // connected
  player.link.full = true;
  for (let i = 0; i < 4; i++) player.request({ op: "list" });
  await lobby.update();
  player.link.full = false;
  await lobby.update();
  assert.deepEqual(player.sent.map((answer) => answer.op), ["rooms", "rooms", "error", "error"]);
  for (const answer of player.sent) assert.ok("id" in answer && answer.id === undefined);
});

Deno.test("lobby: a client's lists past maxRoomsListedPerSecond are answered with an error, and the allowance refills", async () => {
  // A list is a few bytes asked and up to listLimit rooms with their meta answered (about 110 KB at the defaults):
  // 32 clients of one machine asking 240 a second each, within maxRequestsPerSecond, made each update take 140 ms.
  // A list counts its rooms, at least 1.
  let now = 0;
  const player = standIn("lister:1");
  const lobby = new Lobby(player.host, { now: () => now, maxRoomsListedPerSecond: 5 });
  player.request({ op: "list", id: 0 }); // no room yet: counts 1
  await lobby.update();
  player.request({ op: "create", id: 1, name: "a", maxPlayers: 2 });
  await lobby.update();
  for (let i = 2; i < 8; i++) player.request({ op: "list", id: i }); // one room each: 4 left after the first list
  await lobby.update();
  assert.deepEqual(player.sent.map((answer) => answer.op), [
    "rooms",
    "created",
    "rooms",
    "rooms",
    "rooms",
    "rooms",
    "error",
    "error",
  ]);
  assert.equal(player.sent[6].error, "Too many rooms listed: at most 5 a second");
  now = 1000; // a second later, a second's worth again
  for (let i = 8; i < 14; i++) player.request({ op: "list", id: i });
  await lobby.update();
  assert.deepEqual(player.sent.slice(8).map((answer) => answer.op), [
    "rooms",
    "rooms",
    "rooms",
    "rooms",
    "rooms",
    "error",
  ]);
});

Deno.test("lobby: at maxRoomsListedPerSecond 0 every list is refused, an empty one too", async () => {
  // A list of no rooms spent nothing, so 0 let every list through (a review, 2026-12-05).
  const player = standIn("lister:1");
  const lobby = new Lobby(player.host, { now: () => 0, maxRoomsListedPerSecond: 0 });
  player.request({ op: "list", id: 1 });
  await lobby.update();
  assert.deepEqual(player.sent.map((answer) => [answer.op, answer.error]), [
    ["error", "Too many rooms listed: at most 0 a second"],
  ]);
});

Deno.test("lobby: a meta over maxMetaBytes as sent is refused before it is cloned", async () => {
  // The clone (the store's form, checked since 2026-12-05) of a 1 MiB meta of empty arrays took 316 ms of the lobby's
  // thread, its pack 12: the size as sent goes first (a review of the clone).
  const player = standIn("maker:1");
  const lobby = new Lobby(player.host, { now: () => 0 });
  const clone = globalThis.structuredClone;
  let clones = 0;
  globalThis.structuredClone = ((value: unknown) => (clones++, clone(value))) as typeof structuredClone;
  try {
    player.request({ op: "create", id: 1, name: "big", maxPlayers: 2, meta: { a: Array(2000).fill([]) } });
    await lobby.update();
    assert.equal(clones, 0);
    assert.match(player.sent[0].error as string, /^meta packs to \d+ bytes: the limit is 1024$/);
    player.request({ op: "create", id: 2, name: "small", maxPlayers: 2, meta: { a: 1 } });
    await lobby.update();
    assert.ok(clones > 0, "a meta within the limit is cloned, to be checked as kept");
    assert.equal(player.sent[1].op, "created");
  } finally {
    globalThis.structuredClone = clone;
  }
});

Deno.test("lobby: with a shared directory it calls beat() every heartbeatMs, at the very millisecond", async () => {
  // SharedDirectory.heartbeatMs is how often the lobby beats, and other lobbies judge it dead by that beat's age
  // (kvStore: staleAfterMs): updates exactly heartbeatMs apart beat at each one, updates between them not at all.
  let time = 0;
  const beats: number[] = [];
  const store: RoomStore = {
    ...memoryStore(),
    shared: {
      lobby: "here",
      heartbeatMs: 100,
      beat: () => Promise.resolve(void beats.push(time)),
      alive: () => true,
      send: () => Promise.resolve(undefined),
      receive: () => Promise.resolve([]),
    },
  };
  const lobby = new Lobby({ update() {}, poll: () => undefined } as unknown as Host, { store, now: () => time });
  for (time = 0; time <= 500; time += 50) await lobby.update();
  assert.deepEqual(beats, [0, 100, 200, 300, 400, 500]);
});

Deno.test("lobby: a join to a kicked host's room waits for its leave: refused, never left in a closed room", async () => {
  // A kick comes inside a send, which cannot wait for the kicked host's leave. That leave ran beside the next events:
  // a join for the room while a store that takes a while (Deno KV) deleted it got in, heard the close, stayed in the
  // room, and its next relay threw a TypeError out of update() (a sweep's survivor, 2026-12-03). The store here holds
  // each delete until the test lets it go; the join comes while the delete is held.
  const inner = memoryStore();
  const held: (() => void)[] = [];
  const store: RoomStore = {
    ...inner,
    delete: (id) => new Promise((resolve) => held.push(() => inner.delete(id).then(resolve))),
  };
  const host = standIn("host:1");
  const joiner = standIn("joiner:1");
  const lobby = new Lobby([host.host, joiner.host], { now: () => 0, store, maxPendingAnswers: 1 });
  host.request({ op: "create", name: "arena", maxPlayers: 4, id: 1 });
  await lobby.update();
  const room = (host.sent[0] as { room: Room }).room;
  host.link.full = true; // it stops reading: past maxPendingAnswers + 4,096 answers waiting it is kicked
  for (let id = 2; id <= 4200; id++) host.request({ op: "list", id });
  let updating: Promise<void> = Promise.resolve();
  const yielded = () => new Promise((resolve) => setTimeout(resolve, 0)); // lets the store's promises run
  for (let i = 0; i < 20 && !held.length; i++) {
    updating = lobby.update();
    await Promise.race([updating, yielded()]);
  }
  assert.equal(held.length, 1, "the kicked host's leave is deleting its room");
  joiner.request({ op: "join", room: room.id, id: 1 });
  const next = lobby.update(); // takes the join while the delete is held, unless the leave holds it up
  await Promise.race([next, yielded()]);
  held.shift()!(); // the delete lands
  await updating;
  await next;
  await lobby.update();
  joiner.request({ op: "relay", data: "hello?", id: 2 });
  joiner.request({ op: "create", name: "mine", maxPlayers: 2, id: 3 });
  await lobby.update(); // the relay threw "Cannot read properties of undefined" here before
  assert.deepEqual(joiner.sent.map((message) => [message.op, message.id, message.error]), [
    ["error", 1, `No room "${room.id}"`],
    ["error", 2, "Not in a room: join one to relay"],
    ["created", 3, undefined],
  ]);
});

Deno.test("lobby: an update that fails (the store threw) rejects, and the next one goes on", async () => {
  const inner = memoryStore();
  let broken = true;
  const store: RoomStore = {
    ...inner,
    list: (limit) => broken ? Promise.reject(new Error("the store is down")) : inner.list(limit),
  };
  const player = standIn("player:1");
  const lobby = new Lobby(player.host, { now: () => 0, store });
  player.request({ op: "list", id: 1 });
  await assert.rejects(lobby.update(), /the store is down/);
  broken = false;
  player.request({ op: "list", id: 2 });
  await lobby.update(); // rejected with the first failure, for good, before
  assert.deepEqual(player.sent.map((answer) => [answer.op, answer.id]), [["rooms", 2]]);
});

Deno.test("lobby: run() logs an update that failed and goes on", async () => {
  const inner = memoryStore();
  let failures = 1;
  const store: RoomStore = {
    ...inner,
    list: (limit) => failures-- > 0 ? Promise.reject(new Error("the store is down")) : inner.list(limit),
  };
  const player = standIn("player:1");
  const lines: string[] = [];
  const lobby = new Lobby(player.host, { now: () => 0, store, log: (line) => lines.push(line) });
  player.request({ op: "list", id: 1 });
  player.request({ op: "list", id: 2 });
  const stop = new AbortController();
  const running = lobby.run(0, stop.signal);
  for (let i = 0; i < 100 && !player.sent.length; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  stop.abort();
  await running; // ended with the first failure before
  assert.deepEqual(lines, ["an update failed: Error: the store is down"]);
  assert.deepEqual(player.sent.map((answer) => [answer.op, answer.id]), [["rooms", 2]]);
});

Deno.test("lobby: a member relays at most maxRelayBytesPerSecond; past it a relay is refused until the allowance refills", async () => {
  // One member relaying 256 KiB every 100 ms had the lobby send 2.5 MB a second to each of its room's members (a
  // review, 2026-12-03): the allowance bounds what one member makes the lobby send.
  let time = 0;
  const host = standIn("host:1");
  const guest = standIn("guest:1");
  const lobby = new Lobby([host.host, guest.host], { now: () => time, maxRelayBytesPerSecond: 1000 });
  host.request({ op: "create", name: "arena", maxPlayers: 4, id: 1 });
  await lobby.update();
  guest.request({ op: "join", room: (host.sent[0] as { room: Room }).room.id, id: 1 });
  await lobby.update();
  const relay = (id: number) => guest.request({ op: "relay", data: new Uint8Array(597), id }); // 600 bytes packed
  relay(2);
  relay(3); // 400 bytes left: refused
  await lobby.update();
  time += 300; // 300 more: 700
  relay(4); // 100 left
  relay(5);
  await lobby.update();
  time += 10_000; // a full allowance, never more
  relay(6);
  guest.request({ op: "relay", data: new Uint8Array(997), id: 7 }); // 1,000 bytes: 400 left
  await lobby.update();
  const relayed = host.sent.filter((message) => message.op === "relay").length;
  assert.equal(relayed, 3, "relays 2, 4 and 6 reached the host");
  assert.deepEqual(guest.sent.filter((message) => message.op === "error").map((error) => [error.id, error.error]), [
    [3, "Too much relayed: 600 bytes, and 400 of 1000 a second are left"],
    [5, "Too much relayed: 600 bytes, and 100 of 1000 a second are left"],
    [7, "Too much relayed: 1000 bytes, and 400 of 1000 a second are left"],
  ]);
});

Deno.test("lobby: maxClientsPerAddress bounds the clients of one machine; one that leaves frees its place", async () => {
  const lines: string[] = [];
  const players = ["10.0.0.1:1000", "10.0.0.1:1001", "10.0.0.1:1002", "10.0.0.2:1000", "[::1]:1000"].map(standIn);
  const peers = players.map((player) => (player.events[0] as { peer: Peer }).peer);
  let disconnects = 0;
  for (const peer of peers) peer.disconnect = () => void disconnects++;
  const lobby = new Lobby(players.map((player) => player.host), {
    now: () => 0,
    maxClientsPerAddress: 2,
    log: (line) => lines.push(line),
  });
  await lobby.update();
  assert.equal(lobby.clients, 4, "the third from 10.0.0.1 is turned away, the others are in");
  assert.equal(disconnects, 1);
  assert.deepEqual(lines, ["client 10.0.0.1:1002 disconnected: 2 clients from 10.0.0.1 are connected already"]);
  for (const player of players) player.request({ op: "list", id: 1 });
  await lobby.update();
  assert.deepEqual(players.map((player) => player.sent.length), [1, 1, 0, 1, 1], "the one turned away gets nothing");
  // One of the two leaves: a new client from that machine gets in, and then no third.
  players[0].events.push({ type: "disconnect", peer: peers[0], reason: "closed" });
  const next = (port: number) => ({ ...peers[2], address: `10.0.0.1:${port}` }) as Peer;
  players[2].events.push({ type: "connect", peer: next(1003) }, { type: "connect", peer: next(1004) });
  await lobby.update();
  assert.equal(lobby.clients, 4);
  assert.equal(disconnects, 2);
  assert.equal(lines.at(-1), "client 10.0.0.1:1004 disconnected: 2 clients from 10.0.0.1 are connected already");
});

Deno.test("lobby: a room name with a control character is refused: C1's CSI passes JSON quoting into the log", async () => {
  // JSON.stringify escapes only U+0000 to U+001F: "\u009b2J\u009b31m" went into the log as it was, and a terminal
  // that reads C1 controls (xterm.js, VS Code's) cleared its screen and turned red (a review, 2026-12-04).
  const lines: string[] = [];
  const player = standIn("10.0.0.1:1000");
  const lobby = new Lobby(player.host, { now: () => 0, log: (line) => lines.push(line) });
  const names = ["\u009b2J\u009b31mevil", "bell\u0007", "del\u007f", "tab\there", "ok 🎲 ¡ñ!"];
  names.forEach((name, id) => player.request({ op: "create", name, maxPlayers: 2, id }));
  await lobby.update();
  assert.deepEqual(player.sent.map((answer) => answer.op), ["error", "error", "error", "error", "created"]);
  assert.match(String(player.sent[0].error), /none a control character/);
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0], /\p{Cc}/u);
});

Deno.test("lobby: a room name with a bidi control is refused: it turned the list's line and the log's around", async () => {
  // "\u202eomed" was listed in the arena's pages as "(4/1) demo": the page's own count after it, reversed (a review,
  // 2026-12-06). The marks (U+200E, U+200F, U+061C) were let through as leaning only, but they move the text after the
  // name too: "room demo\u200f: 1/4 players" reads "room demo1/4 : players" in GNU FriBidi 1.0.16 (a review,
  // 2026-12-06). Other format characters stay: an emoji's ZWJ (U+200D), Persian's ZWNJ (U+200C).
  const lines: string[] = [];
  const player = standIn("10.0.0.1:1000");
  const lobby = new Lobby(player.host, { now: () => 0, log: (line) => lines.push(line) });
  const names = ["\u202eomed", "a\u202ab", "\u2066x", "y\u2069", "\u2067z", "شطرنج \u200f1", "a\u200e", "\u061cb"];
  names.push("شطرنج 1 \u{1F469}\u200d\u{1F4BB} \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645");
  names.forEach((name, id) => player.request({ op: "create", name, maxPlayers: 2, id }));
  await lobby.update();
  assert.deepEqual(player.sent.map((answer) => answer.op), [...new Array(8).fill("error"), "created"]);
  assert.match(String(player.sent[0].error), /none a control character or a bidi control/);
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0], /\p{Bidi_Control}/u);
  assert.ok(lines[0].includes(JSON.stringify(names.at(-1))), lines[0]);
});

Deno.test("lobby: maxNameLength counts characters, not UTF-16 units: 8 emoji are a name of 8, 9 are too long", async () => {
  // Counted in units, a name of 5 emoji was refused at a limit of 8 characters (a review, 2026-12-06).
  const player = standIn("10.0.0.1:1000");
  const lobby = new Lobby(player.host, { now: () => 0, maxNameLength: 8 });
  const names = ["🎲".repeat(8), "🎲".repeat(9), "🎲".repeat(7) + "ab", "é".repeat(8), "x".repeat(17)];
  // Each in turn, the room left after (one in a room opens no other).
  names.forEach((name, id) => {
    player.request({ op: "create", name, maxPlayers: 2, id });
    player.request({ op: "leave", id: 100 + id });
  });
  await lobby.update();
  const answers = player.sent.filter((answer) => (answer.id as number) < 100);
  assert.deepEqual(answers.map((answer) => answer.op), ["created", "error", "error", "created", "error"]);
  assert.match(String(answers[1].error), /name must be a string of 1 to 8 characters/);
});

Deno.test("lobby: a room's password is a string of 1 to 64 characters", async () => {
  const cases: [password: unknown, answer: string][] = [
    ["", "password must be a string of 1 to 64 characters"],
    ["p".repeat(65), "password must be a string of 1 to 64 characters"],
    [7, "password must be a string of 1 to 64 characters"],
    ["p".repeat(64), "created"],
    // Characters, a surrogate pair one, as names count them: 64 emoji were refused before (128 UTF-16 units).
    ["🔑".repeat(64), "created"],
    ["🔑".repeat(65), "password must be a string of 1 to 64 characters"],
  ];
  const player = standIn("pw:1");
  const lobby = new Lobby(player.host, { now: () => 0 });
  for (const [password, answer] of cases) {
    player.request({ op: "create", id: 1, name: "locked", maxPlayers: 2, password });
    await lobby.update();
    const sent = player.sent.shift()!;
    assert.equal(sent.op === "error" ? sent.error : sent.op, answer, `password ${JSON.stringify(password)}`);
    if (sent.op !== "created") continue;
    player.request({ op: "leave", id: 2 }); // one in a room opens no other
    await lobby.update();
    player.sent.shift();
  }
});

Deno.test("lobby: a list leaves out the rooms of a lobby the shared directory counts dead, whatever its store lists", async () => {
  // RoomStore.list promises no such filter (kvStore's has one of its own): a dead lobby's room, listed, could be joined
  // by nobody ("No room").
  const shared: SharedDirectory = {
    lobby: "here",
    heartbeatMs: 1000,
    beat: () => Promise.resolve(),
    alive: (lobby) => lobby !== "dead",
    send: () => Promise.resolve(undefined),
    receive: () => Promise.resolve([]),
  };
  const inner = memoryStore();
  const room = (id: string, lobby: string): Room => ({
    id,
    name: id,
    maxPlayers: 2,
    meta: {},
    host: "m1",
    members: [{ id: "m1", address: "x", lobby }],
    lobby,
  });
  await inner.put(room("onDead", "dead"));
  await inner.put(room("onLive", "live"));
  const player = standIn("lister:1");
  const lobby = new Lobby(player.host, { now: () => 0, store: { ...inner, shared } });
  player.request({ op: "list", id: 1 });
  await lobby.update();
  assert.deepEqual((player.sent[0].rooms as RoomSummary[]).map((listed) => listed.id), ["onLive"]);
});

Deno.test("Allowance at an unbounded rate (Infinity) has Infinity left, before and after a spend", () => {
  // 0 ms × Infinity is NaN: kept in the allowance, every later left() read NaN, and a ReceiveAllowance of Infinity never
  // found an address's bucket full, so never forgot one.
  const allowance = new Allowance(Infinity);
  assert.equal(allowance.left(0), Infinity);
  assert.equal(allowance.spend(1e9, 0), undefined);
  assert.equal(allowance.left(0), Infinity);
  assert.equal(allowance.left(10), Infinity);
});

Deno.test("lobby: a room with a password lists as locked, admits only a join with it, and never tells it", async () => {
  const { players, until, ask } = world(3);
  await until(() => players.every((player) => player.client.peer.state === "connected"));
  await assert.rejects(ask(0, { op: "create", name: "friends", maxPlayers: 4, password: 7 }), /password must be/);
  const created = await ask(0, { op: "create", name: "friends", maxPlayers: 4, password: "pizza" });
  const room = created.room as Room;
  assert.equal(room.password, undefined);
  const { rooms } = await ask(1, { op: "list" }) as { rooms: RoomSummary[] };
  assert.deepEqual(rooms.map(({ name, locked }) => [name, locked]), [["friends", true]]);
  assert.equal(JSON.stringify(rooms).includes("pizza"), false);
  await assert.rejects(ask(1, { op: "join", room: room.id }), /is locked: it needs a password/);
  await assert.rejects(ask(1, { op: "join", room: room.id, password: "pasta" }), /is locked: wrong password/);
  const joined = await ask(1, { op: "join", room: room.id, password: "pizza" });
  assert.equal((joined.room as Room).password, undefined);
  assert.equal((joined.room as Room).members.length, 2);
  // A room without one stays open to all.
  await ask(2, { op: "create", name: "open", maxPlayers: 2 });
  const after = await ask(1, { op: "list" }) as { rooms: RoomSummary[] };
  assert.deepEqual(after.rooms.map(({ name, locked }) => [name, locked]).sort(), [["friends", true], ["open", false]]);
});
