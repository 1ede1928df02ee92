/**
 * examples/cloudflare/room.mjs run in Deno, for what workerd cannot be made to do here: a Durable Object woken with its
 * WebSockets open, and a send that meets a full queue at the moment it is wanted. The room runs as written, with
 * dist/mod.js beside it; stand-ins take the runtime's part: its state (`ctx`: `getWebSockets`, `acceptWebSocket`),
 * `WebSocketPair` (two ends in this process: the client's an EventTarget for mod.ts's `webSocket`, the server's calling
 * the room back, as the hibernation API does) and the 101 Response a Worker answers an upgrade with (Deno's Response
 * takes statuses from 200). e2e/workerd_test.ts runs the room in workerd itself.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Host as HostType, HostEvent, HostOptions, Peer } from "../mod.ts";
import { built, root } from "./tools.ts";

/** The room's module, from a folder of its own with dist/mod.js beside it, and that mod.js (the one it imports). */
async function loadRoom(): Promise<{ Room: new (ctx: Ctx) => Room; jamnet: typeof import("../mod.ts") }> {
  await built();
  const folder = await Deno.makeTempDir({ prefix: "jamnet-room-" });
  try {
    await Deno.copyFile(`${root}examples/cloudflare/room.mjs`, `${folder}/room.mjs`);
    await Deno.copyFile(`${root}dist/mod.js`, `${folder}/mod.js`);
    const jamnet = await import(`file://${folder}/mod.js`);
    const { Room } = await import(`file://${folder}/room.mjs`);
    return { Room, jamnet };
  } finally {
    await Deno.remove(folder, { recursive: true }); // loaded: the modules stay
  }
}

/** What the room calls on a Durable Object's state. */
type Ctx = { getWebSockets(): ServerEnd[]; acceptWebSocket(ws: ServerEnd): void };
/** The room's handlers that the runtime calls. */
type Room = {
  fetch(request: Request): Response;
  webSocketMessage(ws: ServerEnd, data: ArrayBuffer | string): void;
  webSocketClose(ws: ServerEnd, code: number, reason: string, clean: boolean): void;
  webSocketError(ws: ServerEnd, error: unknown): void;
};
/** A server end as the hibernation API hands it over: no events, the runtime calls the room instead. */
type ServerEnd = {
  readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Each close() the room made: its code and reason. */
  closes: { code?: number; reason?: string }[];
  /** The datagrams the room sent on it. */
  sent: number;
};

/** A server end that is open and linked to nothing: what a woken object's `getWebSockets()` returns. */
function lonelyEnd(): ServerEnd {
  return {
    readyState: 1,
    closes: [],
    sent: 0,
    send() {
      this.sent++;
    },
    close(code, reason) {
      this.closes.push({ code, reason });
      this.readyState = 3;
    },
  };
}

/**
 * Runs `body` with the runtime's stand-ins in place: `open()` upgrades a WebSocket to the room through its fetch(), as
 * a Worker's fetch hands it on, and returns the client's end (for mod.ts's `webSocket`). Every message goes on in a
 * macrotask of its own, as a WebSocket's do. The room's ticker stops once its WebSockets are gone: `body` closes them.
 */
async function withRoom(
  Room: new (ctx: Ctx) => Room,
  body: (
    room: Room,
    open: (answersClose?: boolean) => WebSocket,
    upgrade: () => Response,
    ends: ServerEnd[],
  ) => Promise<void>,
): Promise<void> {
  const accepted: ServerEnd[] = [];
  const ctx: Ctx = {
    getWebSockets: () => accepted.filter((ws) => ws.readyState < 3),
    acceptWebSocket: (ws) => void accepted.push(ws),
  };
  const room = new Room(ctx);
  const later = (f: () => void) => setTimeout(f, 0);
  const globals = globalThis as unknown as Record<string, unknown>;
  const { WebSocketPair, Response: DenoResponse } = globals;
  /** Whether the next pair's client answers a close: one that does not stays closing, held (as workerd holds it). */
  let answering = true;
  globals.WebSocketPair = function () {
    const answers = answering;
    const client = Object.assign(new EventTarget(), {
      readyState: 1,
      binaryType: "blob",
      url: "ws://room.test/room/stand-in",
      send(data: Uint8Array) {
        const copy = data.slice().buffer;
        if (client.readyState === 1) later(() => room.webSocketMessage(server, copy));
      },
      close() {
        if (client.readyState > 1) return;
        client.readyState = server.readyState = 3;
        later(() => room.webSocketClose(server, 1000, "", true));
        later(() => client.dispatchEvent(new CloseEvent("close", { code: 1000 })));
      },
    });
    const server: ServerEnd = {
      readyState: 1,
      closes: [],
      sent: 0,
      send(data) {
        server.sent++;
        const copy = data.slice().buffer;
        later(() => client.readyState === 1 && client.dispatchEvent(new MessageEvent("message", { data: copy })));
      },
      close(code, reason) {
        server.closes.push({ code, reason });
        if (client.readyState > 1) return;
        if (!answers) return void (server.readyState = 2);
        client.readyState = server.readyState = 3;
        later(() => client.dispatchEvent(new CloseEvent("close", { code, reason })));
      },
    };
    return [client, server];
  };
  // Deno's Response takes no status 101; the room's upgrade answer keeps its client end and is checked here.
  globals.Response = class extends (DenoResponse as typeof Response) {
    constructor(body: BodyInit | null, init: ResponseInit & { webSocket?: unknown }) {
      super(body, init.status === 101 ? { status: 200 } : init);
      if (init.status === 101) Object.defineProperty(this, "webSocket", { value: init.webSocket });
    }
  };
  const upgrade = () =>
    room.fetch(new Request("http://room.test/room/stand-in", { headers: { Upgrade: "websocket" } }));
  const open = (answersClose = true) => {
    answering = answersClose;
    const response = upgrade();
    answering = true;
    const ws = (response as unknown as { webSocket?: WebSocket }).webSocket;
    assert.ok(ws, `the room did not upgrade: ${response.status}`);
    return ws;
  };
  try {
    await body(room, open, upgrade, accepted);
  } finally {
    for (const ws of accepted) {
      ws.close(1000, "the test ended");
      ws.readyState = 3; // one whose client answers no close too
    }
    globals.WebSocketPair = WebSocketPair;
    globals.Response = DenoResponse;
    // The room's ticker sees no WebSocket at its next tick and stops.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A player: a Host over a WebSocket to the room, with every message it polls, and how it ended. */
type Player = { host: HostType; peer: Peer; messages: (HostEvent & { type: "message" })[]; ended?: string };

function player(jamnet: typeof import("../mod.ts"), ws: WebSocket, options?: HostOptions): Player {
  const socket = jamnet.webSocket(ws);
  const host = new jamnet.Host(socket, options);
  return { host, peer: host.connect(socket.address), messages: [] };
}

/** Updates the players' Hosts every 5 ms until `done()`, at most 5 s; a player's disconnect is kept in `ended`. */
async function until(players: Player[], done: () => boolean, what: string): Promise<void> {
  // performance.now(): a test may move Date.now() on.
  for (const deadline = performance.now() + 5_000; !done();) {
    if (performance.now() > deadline) {
      throw new Error(`${what}: not in 5 s (${players.map((one) => one.ended ?? one.peer.state)})`);
    }
    for (const one of players) {
      one.host.update();
      for (let event; (event = one.host.poll());) {
        if (event.type === "message") one.messages.push(event);
        else if (event.type === "disconnect") one.ended ??= event.reason;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** ROOM_CHANNEL in room.mjs: where the room's count comes, and its pings (not answered here: these players read). */
const ROOM_CHANNEL = 2;
const roomCount = (one: Player) =>
  one.messages.findLast((event) => event.channel === ROOM_CHANNEL && !("ping" in (event.data as object)))?.data as
    | { players: number; you: string }
    | undefined;

/**
 * Runs `body` with `Date.now()` moved on by what it passes to `advance`, in ms: the room's allowances, its pings and
 * its 5 s run by it. Put back after, whatever `body` throws.
 */
async function withClock(body: (advance: (ms: number) => void) => Promise<void>): Promise<void> {
  const realNow = Date.now;
  let skew = 0;
  Date.now = () => realNow() + skew;
  try {
    await body((ms) => void (skew += ms));
  } finally {
    Date.now = realNow;
  }
}

/**
 * Asserts that the room holds 32 WebSockets with a held one among them: 6 s on (past PLAYERLESS_MS), 31 more are let
 * in and a 33rd is refused.
 */
async function refusesA33rd(open: () => WebSocket, upgrade: () => Response, advance: (ms: number) => void) {
  advance(6_000);
  for (let n = 0; n < 31; n++) open();
  const refused = upgrade();
  assert.equal(refused.status, 503, "a 33rd WebSocket was let in");
  await refused.body?.cancel();
}

const { Room, jamnet } = await loadRoom();

Deno.test("room.mjs woken with WebSockets open closes each (1012), and what they send reaches no Host", () => {
  // The runtime may evict a Durable Object while its hibernatable WebSockets stay connected; the next message makes a
  // new object, whose Host knew none of their players and whose tick only fetch() starts: each player heard nothing
  // until its `timeout`, and was never told why.
  const open = [lonelyEnd(), lonelyEnd()];
  const room = new Room({ getWebSockets: () => open.filter((ws) => ws.readyState < 3), acceptWebSocket() {} });
  for (const ws of open) {
    assert.deepEqual(ws.closes.map(({ code }) => code), [1012]);
    assert.match(ws.closes[0].reason!, /restarted/);
    assert.ok(new TextEncoder().encode(ws.closes[0].reason).length <= 123, "a close reason takes 123 bytes at most");
  }
  // A player's packet that was on its way: no Host takes it, so none answers, and nothing throws.
  const hello = new Uint8Array(64).fill(1).buffer;
  room.webSocketMessage(open[0], hello);
  room.webSocketClose(open[0], 1012, "", true);
  assert.deepEqual([open[0].sent, open[0].closes.length], [0, 1]);
});

Deno.test("room.mjs: a room's state that meets a player's full queue goes at a later tick, and the player stays", async () => {
  // Others' bursts fill every player's queue alike (each within its allowance: four players at once pass the room's
  // maxQueuedBytes). A relayed message cannot go later, and lets that player go; a state may, as only the newest counts,
  // and the room let the player go all the same. The queue is full here for one send: mod.ts's own throw, made to
  // happen at that moment (the peers' class is mod.js's, shared with the room).
  await withRoom(Room, async (_room, open) => {
    const [a, b] = [player(jamnet, open()), player(jamnet, open())];
    const both = [a, b];
    await until(both, () => both.every((one) => roomCount(one)?.players === 2), "A and B did not join");
    const bInRoom = roomCount(b)!.you;
    const peerClass = Object.getPrototypeOf(a.peer) as { send: Peer["send"] };
    const send = peerClass.send;
    let thrown = 0;
    peerClass.send = function (this: Peer, value, options) {
      if (this.address === bInRoom && options?.mode === "state" && !thrown++) {
        throw new RangeError(`Cannot send to ${bInRoom}: the queue is full (the test's)`);
      }
      return send.call(this, value, options);
    };
    try {
      a.peer.send({ x: 7 }, { mode: "state" });
      const world = (one: Player) =>
        one.messages.findLast((event) => event.mode === "state")?.data as Record<string, { x: number }> | undefined;
      await until(both, () => Boolean(b.ended) || world(b)?.[roomCount(a)!.you]?.x === 7, "B heard no state of A's");
      assert.ok(thrown >= 2, `the room sent B a state ${thrown} times`); // the test's throw, and one that went
      assert.equal(b.ended, undefined, "B was let go");
      assert.equal(b.peer.state, "connected");
      assert.equal(roomCount(a)?.players, 2);
    } finally {
      peerClass.send = send;
    }
    for (const one of both) one.host.close();
    await until(both, () => both.every((one) => one.peer.state === "disconnected"), "A and B did not close");
  });
});

Deno.test("room.mjs: a player that shows nothing read is closed past MAX_UNREAD_BYTES, and its WebSocket counts against MAX_WEBSOCKETS while held", async () => {
  // workerd keeps what a WebSocket's remote has not read, and a WebSocket the room closed, while its client answers no
  // close: one the room closed for reading nothing counted 5 s, as any other it cut, and then a new one took its place,
  // each holding its megabyte. Date.now() is moved on here (the room's allowances and its 5 s run by it).
  await withClock(async (advance) => {
    await withRoom(Room, async (_room, open, upgrade, ends) => {
      // A reads what it is sent but answers no ping (this player does not), and answers no close either.
      const a = player(jamnet, open(false));
      await until([a], () => roomCount(a)?.players === 1, "A did not join");
      // 5 messages of 16,000 bytes a second, within the relay allowance, each sent back to A: past 2 MiB as counted, A is
      // closed.
      let seconds = 0;
      await until([a], () => {
        if (a.messages.filter((event) => event.data instanceof Uint8Array).length >= 5 * seconds) {
          advance(1_000);
          seconds++;
          for (let n = 0; n < 5; n++) a.peer.send(new Uint8Array(16_000));
        }
        return ends[0].closes.length > 0 || seconds > 30;
      }, "A was not closed");
      assert.equal(ends[0].closes[0].code, 1008);
      assert.match(ends[0].closes[0].reason!, /answer each \{ ping \} with \{ pong \}/);
      assert.equal(ends[0].readyState, 2, "A's WebSocket is held, closing");
      await ticks();
      assert.equal(ends[0].closes.length, 1, "A's WebSocket was closed more than once");
      // Each message in one WebSocket message (the room's mtu, 17 KiB), about 17.5 KB as counted with
      // SEND_OVERHEAD_BYTES: 2 MiB takes 24 seconds' worth.
      assert.ok(seconds >= 22 && seconds <= 26, `A closed after ${seconds} × 80,000 bytes`);
      // 31 more WebSockets, 6 s after: the room holds 32, A's among them, and refuses a 33rd.
      await refusesA33rd(open, upgrade, advance);
    });
  });
});

Deno.test("room.mjs: a player's WebSocket closed past its received bytes with bytes sent and not shown read counts against MAX_WEBSOCKETS while held", async () => {
  // workerd holds what a WebSocket's remote has not read after the room closes it too, while its client answers no
  // close: one closed past RECEIVE_BYTES_PER_SECOND (or PLAYERLESS_MS) counted 5 s, whatever it had not read, and then
  // a new one took its place. 15 players that read nothing for 400 ms of relayed messages, then sent 140,000 bytes
  // and answered no close, every 5.5 s, took workerd from 59 to 180 MB in 10 rounds, where 15 that read nothing and
  // were sent nothing took it to 91 MB in 8 (`bench/room_cut_unread.ts`; a review, 2026-12-07).
  await withClock(async (advance) => {
    await withRoom(Room, async (_room, open, upgrade, ends) => {
      // A answers no ping (this player does not), and no close either.
      const ws = open(false);
      const a = player(jamnet, ws);
      await until([a], () => roomCount(a)?.players === 1, "A did not join");
      // 5 messages of 16,000 bytes, each sent back to A: about 190 KB as the room counts, under MAX_UNREAD_BYTES.
      for (let n = 0; n < 5; n++) a.peer.send(new Uint8Array(16_000));
      await until([a], () => a.messages.filter((event) => event.data instanceof Uint8Array).length === 5, "A's 5");
      assert.equal(ends[0].closes.length, 0, "A was closed before it sent past its allowance");
      // One message of 140,000 bytes: past RECEIVE_BYTES_PER_SECOND.
      ws.send(new Uint8Array(140_000));
      await until([a], () => ends[0].closes.length > 0, "A was not closed");
      assert.equal(ends[0].closes[0].code, 1008);
      assert.match(ends[0].closes[0].reason!, /allowance of received bytes/);
      assert.equal(ends[0].readyState, 2, "A's WebSocket is held, closing");
      // 31 more WebSockets, 6 s after: the room holds 32, A's among them, and refuses a 33rd.
      await refusesA33rd(open, upgrade, advance);
    });
  });
});

Deno.test("room.mjs: a player that answers its pings late, more of them than the room keeps, keeps its place", async () => {
  // A game stopped for a few seconds (a level loading) answers every ping when it goes on; the room keeps the last 16
  // it sent, and a pong for an older one let the player go as a stranger's message on the room's channel would.
  await withClock(async (advance) => {
    await withRoom(Room, async (_room, open) => {
      const p = player(jamnet, open());
      await until([p], () => roomCount(p)?.players === 1, "P did not join");
      const pings = () => p.messages.flatMap((event) => (event.data as { ping?: number })?.ping ?? []);
      // The room pings every 250 ms by Date.now(): 300 ms pass each 20 ms here, until 20 pings came unanswered.
      const step = setInterval(() => advance(300), 20);
      try {
        await until([p], () => pings().length >= 20, "20 pings");
      } finally {
        clearInterval(step);
      }
      for (const ping of pings()) p.peer.send({ pong: ping }, { channel: ROOM_CHANNEL });
      // The room pings only its players: pings after the pongs (a first may have been on its way), and no disconnect,
      // show P kept its place.
      await until([p], () => p.ended !== undefined || pings().length > 22, "no pings after the pongs");
      assert.equal(p.ended, undefined, "P was let go");
      assert.equal(p.peer.state, "connected");
    });
  });
});

Deno.test("room.mjs: a player that shows nothing read is closed past MAX_UNREAD_BYTES when the room sends it small datagrams too", async () => {
  // workerd holds each message a WebSocket sends and its remote has not read at about 1.5 KB besides its bytes: a
  // state of another's that changed at each tick sent 15 players that read nothing a datagram of 28 bytes each tick, and
  // took workerd from 60 to 235 MB in 90 s, none closed, as the room counted 141 KB sent to each (of 1 MiB). Here the
  // room's tick runs every millisecond, and B's state changes at each: A, which answers no ping, is closed within 2,000
  // datagrams (at 28 bytes, 1 MiB was 37,000).
  const realSetInterval = globalThis.setInterval;
  globalThis.setInterval =
    ((f: () => void, ms?: number) => realSetInterval(f, ms === 16 ? 1 : ms)) as typeof setInterval;
  try {
    await withClock(async (advance) => {
      await withRoom(Room, async (_room, open, _upgrade, ends) => {
        const [a, b] = [player(jamnet, open()), player(jamnet, open())];
        await until([a, b], () => [a, b].every((one) => roomCount(one)?.players === 2), "A and B did not join");
        const start = ends[0].sent;
        for (let x = 0; ends[0].closes.length === 0 && ends[0].sent - start < 4_000; x++) {
          if (x % 100 === 0) advance(1_000); // B's relay allowance: 100 states of 266 bytes a second, within it
          b.peer.send({ x }, { mode: "state" });
          for (const one of [a, b]) {
            one.host.update();
            while (one.host.poll());
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        const sent = ends[0].sent - start;
        assert.equal(ends[0].closes[0]?.code, 1008, `A not closed after ${sent} datagrams`);
        assert.ok(sent > 500 && sent < 2_000, `A closed after ${sent} datagrams`);
      });
    });
  } finally {
    globalThis.setInterval = realSetInterval;
  }
});

/**
 * Runs `body` with `Date.now()` standing still but for what it passes to `advance`, in ms: the room's pings, its states
 * sent again, its allowances and its 5 s move only so, and each bound can be met to the millisecond. Put back after.
 */
async function withStillClock(body: (advance: (ms: number) => void) => Promise<void>): Promise<void> {
  const realNow = Date.now;
  let now = realNow();
  Date.now = () => now;
  try {
    await body((ms) => void (now += ms));
  } finally {
    Date.now = realNow;
  }
}

/** Waits `ms` (real time): the room's ticker, every 16 ms, runs a few times meanwhile. */
const ticks = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `value` is an object with `key`. */
const has = (value: unknown, key: string) => typeof value === "object" && value !== null && key in value;

/** The pings `one` heard from the room, in order. */
const pingsOf = (one: Player) => one.messages.flatMap((event) => (event.data as { ping?: number })?.ping ?? []);

/**
 * Makes the peers' send (mod.js's class, shared with the room) throw a RangeError, as mod.ts does for a full queue, the
 * first `times` times `when` holds for a send; returns how many sends `when` held for, and `restore()`.
 */
function fullQueue(peer: Peer, when: (to: Peer, value: unknown, options?: { mode?: string }) => boolean, times = 1) {
  const peerClass = Object.getPrototypeOf(peer) as { send: Peer["send"] };
  const send = peerClass.send;
  const counted = { times: 0, restore: () => void (peerClass.send = send) };
  peerClass.send = function (this: Peer, value, options) {
    if (when(this, value, options) && counted.times++ < times) {
      throw new RangeError(`Cannot send to ${this.address}: the queue is full (the test's)`);
    }
    return send.call(this, value, options);
  };
  return counted;
}

Deno.test("room.mjs: a ping that meets a player's full queue goes at a later ping, and the player stays", async () => {
  // The room's pings go on ROOM_CHANNEL with the count: a ping refused by a full queue is skipped, not a fault, and a
  // throw out of the tick would end it for the whole room.
  await withClock(async (advance) => {
    await withRoom(Room, async (_room, open) => {
      const p = player(jamnet, open());
      await until([p], () => roomCount(p)?.players === 1, "P did not join");
      const pInRoom = roomCount(p)!.you;
      const full = fullQueue(p.peer, (to, value) => to.address === pInRoom && has(value, "ping"));
      const before = pingsOf(p).length;
      try {
        const step = setInterval(() => advance(300), 20);
        try {
          await until([p], () => Boolean(p.ended) || pingsOf(p).length >= before + 2, "P heard no 2 pings");
        } finally {
          clearInterval(step);
        }
        assert.ok(full.times >= 3, `the room pinged P ${full.times} times`); // the test's throw, and two that went
        assert.equal(p.ended, undefined, "P was let go");
        assert.equal(p.peer.state, "connected");
      } finally {
        full.restore();
      }
      p.host.close();
      await until([p], () => p.peer.state === "disconnected", "P did not close");
    });
  });
});

Deno.test("room.mjs: a count that meets a player's full queue is told at the next tick, and the player stays", async () => {
  await withRoom(Room, async (_room, open) => {
    const b = player(jamnet, open());
    await until([b], () => roomCount(b)?.players === 1, "B did not join");
    const bInRoom = roomCount(b)!.you;
    // A comes: the count of 2 meets B's full queue once; nothing else changes after, and B hears it all the same.
    const full = fullQueue(b.peer, (to, value) => to.address === bInRoom && has(value, "players"));
    try {
      const a = player(jamnet, open());
      const both = [a, b];
      await until(both, () => Boolean(b.ended) || both.every((one) => roomCount(one)?.players === 2), "B not told 2");
      assert.ok(full.times >= 2, `the room told B ${full.times} times`);
      assert.equal(b.ended, undefined, "B was let go");
      // Told once: nothing changes after, and B hears no count again.
      const counts = () => b.messages.filter((event) => has(event.data, "players")).length;
      const told = counts();
      await playFor(both, 150);
      assert.equal(counts(), told, "B was told the count again");
      for (const one of both) one.host.close();
      await until(both, () => both.every((one) => one.peer.state === "disconnected"), "A and B did not close");
    } finally {
      full.restore();
    }
  });
});

Deno.test("room.mjs: a relayed message that meets a player's full queue lets that player go, and the others hear the message and the count", async () => {
  await withRoom(Room, async (_room, open) => {
    const [s, b, c] = [player(jamnet, open()), player(jamnet, open()), player(jamnet, open())];
    const all = [s, b, c];
    await until(all, () => all.every((one) => roomCount(one)?.players === 3), "S, B and C did not join");
    const bInRoom = roomCount(b)!.you;
    const full = fullQueue(b.peer, (to, value) => to.address === bInRoom && value instanceof Uint8Array);
    try {
      s.peer.send(new Uint8Array(100).fill(7));
      const heard = (one: Player) => one.messages.some((event) => event.data instanceof Uint8Array);
      await until(all, () => Boolean(b.ended) && heard(s) && heard(c) && roomCount(c)?.players === 2, "B not let go");
      assert.equal(b.ended, "closed");
      assert.equal(heard(b), false, "B heard the message");
      assert.equal(roomCount(s)?.players, 2);
    } finally {
      full.restore();
    }
    for (const one of [s, c]) one.host.close();
    await until([s, c], () => [s, c].every((one) => one.peer.state === "disconnected"), "S and C did not close");
  });
});

Deno.test("room.mjs: a player that sends on ROOM_CHANNEL anything but { pong: n } is let go, however like a pong", async () => {
  // One key, a number: { pong: "7" } (not a number), { ping: 7 } (another key) and { pong: 7, x: 1 } (two keys) are none.
  await withRoom(Room, async (_room, open) => {
    const w = player(jamnet, open());
    const forgers = [player(jamnet, open()), player(jamnet, open()), player(jamnet, open())];
    const all = [w, ...forgers];
    await until(all, () => all.every((one) => roomCount(one)?.players === 4), "the four did not join");
    const forged = [{ pong: "7" }, { ping: 7 }, { pong: 7, x: 1 }];
    forgers.forEach((one, n) => one.peer.send(forged[n], { channel: ROOM_CHANNEL }));
    await until(all, () => forgers.every((one) => one.ended) && roomCount(w)?.players === 1, "the forgers stayed");
    assert.deepEqual(forgers.map((one) => one.ended), ["closed", "closed", "closed"]);
    assert.equal(w.ended, undefined);
    w.host.close();
    await until([w], () => w.peer.state === "disconnected", "W did not close");
  });
});

Deno.test("room.mjs: a player that answers each ping plays on past MAX_UNREAD_BYTES sent, one that answers with other numbers is closed", async () => {
  // A pong shows read what the room had sent before its ping: P answers each, F answers each with a number the room
  // never sent, which shows nothing. Both are sent P's messages, 5 of 16,000 bytes a second, past 2 MiB.
  await withClock(async (advance) => {
    await withRoom(Room, async (_room, open, _upgrade, ends) => {
      const [p, f] = [player(jamnet, open()), player(jamnet, open())];
      const both = [p, f];
      await until(both, () => both.every((one) => roomCount(one)?.players === 2), "P and F did not join");
      const answered = new Map(both.map((one) => [one, 0]));
      const answer = () => {
        for (const one of both) {
          const pings = pingsOf(one);
          for (const ping of pings.slice(answered.get(one))) {
            one.peer.send({ pong: one === p ? ping : (ping + 1) % 2 ** 32 }, { channel: ROOM_CHANNEL });
          }
          answered.set(one, pings.length);
        }
      };
      const bytes = (one: Player) => one.messages.filter((event) => event.data instanceof Uint8Array).length;
      let seconds = 0;
      const play = () => {
        answer();
        if (bytes(p) >= 5 * seconds) {
          advance(1_000);
          seconds++;
          for (let n = 0; n < 5; n++) p.peer.send(new Uint8Array(16_000));
        }
      };
      await until(both, () => (play(), ends[1].closes.length > 0 || seconds > 30), "F was not closed");
      assert.equal(ends[1].closes[0]?.code, 1008, `F not closed after ${seconds} × 80,000 bytes`);
      assert.match(ends[1].closes[0].reason!, /answer each \{ ping \} with \{ pong \}/);
      // P, sent as much, plays on 5 s more.
      const until5More = seconds + 5;
      await until([p], () => (play(), ends[0].closes.length > 0 || seconds > until5More), "P did not play on");
      assert.deepEqual(ends[0].closes, [], "P was closed");
      assert.equal(p.ended, undefined, "P was let go");
      p.host.close();
      await until([p], () => p.peer.state === "disconnected", "P did not close");
    });
  });
});

/** Updates the players' Hosts for `ms` (real time), keeping their messages: the room's ticker runs meanwhile. */
async function playFor(players: Player[], ms: number): Promise<void> {
  const end = performance.now() + ms;
  await until(players, () => performance.now() > end, `${ms} ms of play`);
}

Deno.test("room.mjs: by the room's clock, its state goes again every STATE_AGAIN_MS and a ping every PING_MS, and not between", async () => {
  // The clock stands still but for what the test moves: at 249 ms nothing is due, at 250 one of each, once.
  await withStillClock(async (advance) => {
    await withRoom(Room, async (_room, open) => {
      const p = player(jamnet, open());
      await until([p], () => roomCount(p)?.players === 1, "P did not join");
      p.peer.send({ x: 1 }, { mode: "state" });
      const states = () => p.messages.filter((event) => event.mode === "state").length;
      await until([p], () => states() > 0, "P heard no state");
      await playFor([p], 100);
      const [statesBefore, pingsBefore] = [states(), pingsOf(p).length];
      await playFor([p], 150);
      advance(249);
      await playFor([p], 150);
      assert.deepEqual([states(), pingsOf(p).length], [statesBefore, pingsBefore], "sent again before it was due");
      advance(1);
      await until([p], () => states() > statesBefore && pingsOf(p).length > pingsBefore, "no state or ping at 250 ms");
      await playFor([p], 150);
      assert.deepEqual([states(), pingsOf(p).length], [statesBefore + 1, pingsBefore + 1], "sent again more than once");
      p.host.close();
      await until([p], () => p.peer.state === "disconnected", "P did not close");
    });
  });
});

Deno.test("room.mjs: a player's state of MAX_PLAYER_STATE_BYTES packed is taken, and one of a byte more lets the player go", async () => {
  await withRoom(Room, async (_room, open) => {
    const [p, w] = [player(jamnet, open()), player(jamnet, open())];
    const both = [p, w];
    await until(both, () => both.every((one) => roomCount(one)?.players === 2), "P and W did not join");
    const pInRoom = roomCount(p)!.you;
    assert.equal(jamnet.pack(new Uint8Array(997)).length, 1_000);
    p.peer.send(new Uint8Array(997).fill(1), { mode: "state" });
    const world = (one: Player) =>
      one.messages.findLast((event) => event.mode === "state")?.data as Record<string, Uint8Array> | undefined;
    await until(both, () => Boolean(p.ended) || world(w)?.[pInRoom]?.length === 997, "W heard no state of P's");
    assert.equal(p.ended, undefined, "P was let go for a state of 1,000 bytes");
    p.peer.send(new Uint8Array(998).fill(2), { mode: "state" });
    await until(both, () => Boolean(p.ended) && roomCount(w)?.players === 1, "P stayed with a state of 1,001 bytes");
    assert.equal(p.ended, "closed");
    const heard = w.messages.filter((event) => event.mode === "state")
      .map((event) => (event.data as Record<string, Uint8Array>)[pInRoom]?.length);
    assert.ok(!heard.includes(998), "W heard P's state of 1,001 bytes");
    w.host.close();
    await until([w], () => w.peer.state === "disconnected", "W did not close");
  });
});

Deno.test("room.mjs: a WebSocket may send RECEIVE_BYTES_PER_SECOND at once, each message counted with a frame's 6 bytes and a string's characters at 3", () =>
  withStillClock(() =>
    withRoom(Room, (room, open, _upgrade, ends) => {
      for (let n = 0; n < 3; n++) open();
      // 131,066 bytes and a frame's 6: the whole allowance, taken.
      room.webSocketMessage(ends[0], new ArrayBuffer(128 * 1024 - 6));
      assert.equal(ends[0].closes.length, 0);
      // An empty message costs its frame: past it now (the clock stands still: nothing refilled).
      room.webSocketMessage(ends[0], new ArrayBuffer(0));
      assert.equal(ends[0].closes[0]?.code, 1008);
      assert.match(ends[0].closes[0].reason!, /allowance of received bytes/);
      // What it sends after is not read (its client may send on: the room cannot abort a WebSocket), so it is not
      // closed again, nor held longer.
      room.webSocketMessage(ends[0], new ArrayBuffer(0));
      assert.equal(ends[0].closes.length, 1, "closed again");
      // 43,688 characters count as 131,064 bytes (UTF-8's 3 at most each), and a frame: taken. 43,689: past it.
      room.webSocketMessage(ends[1], "x".repeat(43_688));
      assert.equal(ends[1].closes.length, 0);
      room.webSocketMessage(ends[2], "x".repeat(43_689));
      assert.equal(ends[2].closes[0]?.code, 1008);
      return Promise.resolve();
    })
  ));

Deno.test("room.mjs: a WebSocket with no player is closed at PLAYERLESS_MS, and held, counts against MAX_WEBSOCKETS PLAYERLESS_MS after, no more", async () => {
  await withStillClock(async (advance) => {
    await withRoom(Room, async (_room, open, upgrade, ends) => {
      // 32 WebSockets that say nothing, and whose clients answer no close: held, closing, once the room closes them.
      for (let n = 0; n < 32; n++) open(false);
      const refused = async () => {
        const response = upgrade();
        await response.body?.cancel();
        return response.status === 503;
      };
      await ticks();
      advance(4_999);
      await ticks();
      assert.equal(ends.filter((ws) => ws.closes.length).length, 0, "closed before 5 s");
      advance(1);
      await until([], () => ends.every((ws) => ws.closes.length), "not closed at 5 s");
      assert.deepEqual(new Set(ends.map((ws) => `${ws.closes[0].code} ${ws.readyState}`)), new Set(["1008 2"]));
      advance(4_999);
      await ticks();
      assert.ok(await refused(), "a 33rd WebSocket got in while the room's 32 closed were held, 4,999 ms after");
      advance(1);
      await ticks();
      assert.ok(!await refused(), "a 33rd WebSocket was refused 5 s after the room closed 32");
      assert.ok(ends.slice(0, 32).every((ws) => ws.closes.length === 1), "closed more than once");
    });
  });
});

Deno.test("room.mjs: a player's relay allowance is RELAY_BYTES_PER_SECOND to the byte: 6 messages that cost it all are relayed, one more lets the player go", async () => {
  // A message costs its packed bytes and 256: 16,125 bytes pack to 16,128, and six cost 98,304 (96 KiB). The clock
  // stands still: nothing refills.
  await withStillClock(async () => {
    await withRoom(Room, async (_room, open) => {
      const [p, w] = [player(jamnet, open()), player(jamnet, open())];
      const both = [p, w];
      await until(both, () => both.every((one) => roomCount(one)?.players === 2), "P and W did not join");
      assert.equal(jamnet.pack(new Uint8Array(16_125)).length + 256, 16_384);
      for (let n = 0; n < 6; n++) p.peer.send(new Uint8Array(16_125));
      const heard = () => w.messages.filter((event) => event.data instanceof Uint8Array).length;
      await until(both, () => Boolean(p.ended) || heard() === 6, "W did not hear P's 6");
      assert.equal(p.ended, undefined, "P was let go within its allowance");
      p.peer.send(new Uint8Array(1));
      await until(both, () => Boolean(p.ended) && roomCount(w)?.players === 1, "P stayed past its allowance");
      assert.equal(p.ended, "closed");
      assert.equal(heard(), 6, "W heard P's message past its allowance");
      w.host.close();
      await until([w], () => w.peer.state === "disconnected", "W did not close");
    });
  });
});

Deno.test("room.mjs: an unreliable message of ROOM_OPTIONS.maxMessageBytes packed is relayed, and one of a byte more lets its sender go", async () => {
  // An unreliable message goes in one packet, bound by the room's mtu, not by maxMessageBytes: the room bounds it.
  await withRoom(Room, async (_room, open) => {
    // P's packets as large as the room's (its mtu, 17 KiB): one message of 16 KiB goes in one.
    const [p, w] = [player(jamnet, open(), { mtu: 17 * 1024 }), player(jamnet, open())];
    const both = [p, w];
    await until(both, () => both.every((one) => roomCount(one)?.players === 2), "P and W did not join");
    assert.equal(jamnet.pack(new Uint8Array(16_381)).length, 16 * 1024);
    const heard = (length: number) => w.messages.some((event) => (event.data as Uint8Array)?.length === length);
    p.peer.send(new Uint8Array(16_381), { mode: "unreliable" });
    await until(both, () => Boolean(p.ended) || heard(16_381), "W did not hear P's 16,381 bytes");
    assert.equal(p.ended, undefined, "P was let go for a message of maxMessageBytes");
    p.peer.send(new Uint8Array(16_382), { mode: "unreliable" });
    await until(both, () => Boolean(p.ended) && roomCount(w)?.players === 1, "P stayed past maxMessageBytes");
    assert.equal(p.ended, "closed");
    assert.equal(heard(16_382), false, "W heard P's message past maxMessageBytes");
    w.host.close();
    await until([w], () => w.peer.state === "disconnected", "W did not close");
  });
});

Deno.test("room.mjs: a player's timed messages wait one at a time (ROOM_OPTIONS.maxTimedMessages): of three in one packet the first is relayed, and one sent after it", async () => {
  // The room's Host holds a timed message, unpacked, until its time (the relay does not keep `at`): at mod.ts's default
  // of 4,096, one player's messages timed up to `timeout` (10 s) ahead would stay in the room's memory that long. What
  // comes while one waits is dropped, and the player plays on.
  await withRoom(Room, async (_room, open) => {
    const [p, w] = [player(jamnet, open()), player(jamnet, open())];
    const both = [p, w];
    await until(both, () => both.every((one) => roomCount(one)?.players === 2), "P and W did not join");
    // Due now on P's clock (the Hosts' default, performance.now()): the room holds each until its next poll.
    for (let n = 1; n <= 3; n++) p.peer.send({ n }, { at: performance.now() });
    const heard = () => w.messages.flatMap((event) => (event.data as { n?: number })?.n ?? []);
    await until(both, () => Boolean(p.ended) || heard().length > 0, "W heard none of P's timed messages");
    p.peer.send({ n: 4 }, { at: performance.now() });
    await until(both, () => Boolean(p.ended) || heard().includes(4), "W did not hear P's fourth");
    assert.equal(p.ended, undefined, "P was let go");
    assert.deepEqual(heard(), [1, 4]);
    for (const one of both) one.host.close();
    await until(both, () => both.every((one) => one.peer.state === "disconnected"), "P and W did not close");
  });
});

Deno.test("room.mjs: a pong shows read what the room sent before its ping: the oldest of the 16 kept counts, and one answered after a newer sets nothing back", async () => {
  // S sends 5 messages of 16,000 bytes at each second of the room's clock, relayed to S, K and R (about 88 KB each as
  // counted), and answers each ping. K and R answer none but these: R, pinged at the first second and the 14th only
  // (its queue full for the pings between), the 14th's and then the first's; K, after 16 pings more with nothing sent,
  // the oldest of the last 16. 14 seconds more take each past MAX_UNREAD_BYTES sent, and under it past what its pong
  // showed read.
  await withStillClock(async (advance) => {
    await withRoom(Room, async (_room, open, _upgrade, ends) => {
      const [s, k, r] = [player(jamnet, open()), player(jamnet, open()), player(jamnet, open())];
      const all = [s, k, r];
      await until(all, () => all.every((one) => roomCount(one)?.players === 3), "S, K and R did not join");
      /** Sends `one`'s pong for `ping`, and returns once the room has it (before the next ping can push it out). */
      const pong = async (one: Player, ping: number) => {
        one.peer.send({ pong: ping }, { channel: ROOM_CHANNEL });
        one.host.update(); // it leaves, and reaches the room in a macrotask (the stand-in's): this one comes after
        await new Promise((resolve) => setTimeout(resolve, 0));
      };
      let answered = pingsOf(s).length;
      const bytes = (one: Player) => one.messages.filter((event) => event.data instanceof Uint8Array).length;
      let quiet: Player | undefined; // one whose queue is full for the pings
      /** One second of the room's clock, with S's 5 messages, or `ms` with none; S answers its ping. */
      const second = async (ms = 1_000, send = true) => {
        const pings = all.map((one) => pingsOf(one).length);
        const heard = all.map(bytes);
        advance(ms);
        if (send) { for (let n = 0; n < 5; n++) s.peer.send(new Uint8Array(16_000)); }
        // Each player not closed hears the ping and the 5.
        await until(
          all,
          () =>
            all.every((one, n) =>
              ends[n].closes.length > 0 ||
              (one === quiet || pingsOf(one).length > pings[n]) && bytes(one) === heard[n] + (send ? 5 : 0)
            ),
          "no ping or no messages",
        );
        for (const ping of pingsOf(s).slice(answered)) await pong(s, ping);
        answered = pingsOf(s).length;
      };
      await second();
      const rInRoom = roomCount(r)!.you;
      const full = fullQueue(
        r.peer,
        (to, value) => quiet === r && to.address === rInRoom && has(value, "ping"),
        Infinity,
      );
      try {
        quiet = r;
        for (let n = 0; n < 12; n++) await second();
        quiet = undefined;
      } finally {
        full.restore();
      }
      assert.ok(full.times >= 12, `${rInRoom}'s queue was full for ${full.times} pings`);
      await second();
      await pong(r, pingsOf(r).at(-1)!);
      await pong(r, pingsOf(r).at(-2)!); // the first second's, answered after a newer one: shows nothing
      for (let n = 0; n < 16; n++) await second(300, false);
      await pong(k, pingsOf(k).at(-16)!); // the oldest kept: shows read what was sent before it, about 1.2 MB
      for (let n = 0; n < 14; n++) await second();
      assert.deepEqual(ends.map((ws) => ws.closes.length), [0, 0, 0], "S, K and R: closed");
      assert.deepEqual(all.map((one) => one.ended), [undefined, undefined, undefined]);
      // K and R go on answering nothing: past MAX_UNREAD_BYTES behind, within 14 seconds more, they are closed.
      for (let n = 0; n < 14 && ends[1].closes.length + ends[2].closes.length < 2; n++) await second();
      assert.deepEqual(ends.map((ws) => ws.closes.length), [0, 1, 1], "S, K and R: closed");
    });
  });
});

Deno.test("room.mjs: a message whose sender's own queue is full goes to no one, and its sender goes", async () => {
  // The room sends a message to its sender first: one it cannot send there lets the sender go, and the others never
  // hear what its sender did not.
  await withRoom(Room, async (_room, open) => {
    const [s, w] = [player(jamnet, open()), player(jamnet, open())];
    const both = [s, w];
    await until(both, () => both.every((one) => roomCount(one)?.players === 2), "S and W did not join");
    const sInRoom = roomCount(s)!.you;
    const full = fullQueue(s.peer, (to, value) => to.address === sInRoom && value instanceof Uint8Array);
    try {
      s.peer.send(new Uint8Array(100));
      await until(both, () => Boolean(s.ended) && roomCount(w)?.players === 1, "S was not let go");
      await playFor([w], 100);
      assert.equal(w.messages.some((event) => event.data instanceof Uint8Array), false, "W heard S's message");
    } finally {
      full.restore();
    }
    w.host.close();
    await until([w], () => w.peer.state === "disconnected", "W did not close");
  });
});

Deno.test("room.mjs: what a player sent after the message that let it go, in the same packet, goes to no one", async () => {
  // P's unreliable message past maxMessageBytes and one of 100 bytes after it, sent in one update: one packet (P's and
  // the room's mtu, 17 KiB), one WebSocket message, both let through by P's allowance.
  await withRoom(Room, async (_room, open) => {
    const [p, w] = [player(jamnet, open(), { mtu: 17 * 1024 }), player(jamnet, open())];
    const both = [p, w];
    await until(both, () => both.every((one) => roomCount(one)?.players === 2), "P and W did not join");
    p.peer.send(new Uint8Array(16_382), { mode: "unreliable" });
    p.peer.send(new Uint8Array(100), { mode: "unreliable" });
    await until(both, () => Boolean(p.ended) && roomCount(w)?.players === 1, "P was not let go");
    await playFor([w], 100);
    assert.equal(w.messages.some((event) => event.data instanceof Uint8Array), false, "W heard P's message");
    w.host.close();
    await until([w], () => w.peer.state === "disconnected", "W did not close");
  });
});

Deno.test("room.mjs: when a player comes or goes, everyone is sent the room's state at once, not STATE_AGAIN_MS later", async () => {
  // The room's clock stands still: nothing is sent again by it, and what comes, comes of the count's change.
  await withStillClock(async () => {
    await withRoom(Room, async (_room, open) => {
      const [p, q] = [player(jamnet, open()), player(jamnet, open())];
      await until([p, q], () => [p, q].every((one) => roomCount(one)?.players === 2), "P and Q did not join");
      const [pInRoom, qInRoom] = [roomCount(p)!.you, roomCount(q)!.you];
      p.peer.send({ x: 1 }, { mode: "state" });
      q.peer.send({ x: 2 }, { mode: "state" });
      const world = (one: Player) =>
        one.messages.findLast((event) => event.mode === "state")?.data as Record<string, { x: number }> | undefined;
      await until([p, q], () => world(p)?.[qInRoom]?.x === 2, "P heard no state of Q's");
      // N comes, and hears P's and Q's at once.
      const n = player(jamnet, open());
      await until([p, q, n], () => world(n)?.[pInRoom]?.x === 1 && world(n)?.[qInRoom]?.x === 2, "N heard no state");
      // Q goes: P hears the room's state without Q's.
      q.host.close();
      await until(
        [p, q, n],
        () => roomCount(p)?.players === 2 && world(p)?.[qInRoom] === undefined,
        "Q's state stayed",
      );
      assert.deepEqual(world(p), { [pInRoom]: { x: 1 } });
      for (const one of [p, n]) one.host.close();
      await until(
        [p, q, n],
        () => [p, q, n].every((one) => one.peer.state === "disconnected"),
        "P, Q, N did not close",
      );
    });
  });
});

Deno.test("room.mjs: a player the room closes, whose client answers no close, leaves the room at once", async () => {
  // The room's Host hears of the close from the room itself: else the player's peer stayed, sent to, and counted,
  // until its `timeout` (10 s), as its client, hearing no close, sends on.
  await withRoom(Room, async (room, open, _upgrade, ends) => {
    const [a, w] = [player(jamnet, open(false)), player(jamnet, open())];
    const both = [a, w];
    await until(both, () => both.every((one) => roomCount(one)?.players === 2), "A and W did not join");
    room.webSocketMessage(ends[0], new ArrayBuffer(140_000)); // past RECEIVE_BYTES_PER_SECOND
    assert.equal(ends[0].closes[0]?.code, 1008);
    await until(both, () => roomCount(w)?.players === 1, "W was not told A left");
    const sent = ends[0].sent;
    w.peer.send(new Uint8Array(100));
    await until([w], () => w.messages.some((event) => event.data instanceof Uint8Array), "W did not hear its own");
    assert.equal(ends[0].sent, sent, "the room sent to A's closed WebSocket");
    w.host.close();
    await until([w], () => w.peer.state === "disconnected", "W did not close");
  });
});

Deno.test("room.mjs: a player whose WebSocket the runtime reports an error on leaves the room at once", async () => {
  // The runtime calls webSocketError for a WebSocket that failed (which workerd here cannot be made to do): the room
  // hands it to jamnet as a close, else its Host kept the player, sent to and counted, until its `timeout` (10 s).
  await withRoom(Room, async (room, open, _upgrade, ends) => {
    const aEnd = open();
    const [a, w] = [player(jamnet, aEnd), player(jamnet, open())];
    const both = [a, w];
    await until(both, () => both.every((one) => roomCount(one)?.players === 2), "A and W did not join");
    // Gone at both ends, as a failed connection is: A's client sends nothing more.
    Object.assign(aEnd, { readyState: 3 });
    ends[0].readyState = 3;
    room.webSocketError(ends[0], new Error("the test's"));
    await until([w], () => roomCount(w)?.players === 1, "W was not told A left");
    const sent = ends[0].sent;
    w.peer.send(new Uint8Array(100));
    await until([w], () => w.messages.some((event) => event.data instanceof Uint8Array), "W did not hear its own");
    assert.equal(ends[0].sent, sent, "the room sent to A's failed WebSocket");
    w.host.close();
    await until([w], () => w.peer.state === "disconnected", "W did not close");
  });
});

Deno.test("room.mjs: its ticker stops once its WebSockets are gone, so that the object may hibernate", async () => {
  // A running timer keeps a Durable Object in memory (and billed): the room's runs from its first WebSocket to its last.
  const [realSetInterval, realClearInterval] = [globalThis.setInterval, globalThis.clearInterval];
  const running = new Set<ReturnType<typeof setInterval>>();
  globalThis.setInterval = ((f: () => void, ms?: number) => {
    const id = realSetInterval(f, ms);
    if (ms === 16) running.add(id); // TICK_MS: the room's ticker
    return id;
  }) as typeof setInterval;
  globalThis.clearInterval = ((id: ReturnType<typeof setInterval>) => {
    running.delete(id);
    realClearInterval(id);
  }) as typeof clearInterval;
  try {
    await withRoom(Room, async (_room, open) => {
      const p = player(jamnet, open());
      await until([p], () => roomCount(p)?.players === 1, "P did not join");
      assert.equal(running.size, 1, "the room's ticker does not run");
      p.host.close();
      await until([p], () => p.peer.state === "disconnected", "P did not close");
    });
    // withRoom closed every WebSocket and waited past a tick.
    assert.equal(running.size, 0, "the room's ticker runs on with no WebSocket");
  } finally {
    for (const id of running) realClearInterval(id);
    globalThis.setInterval = realSetInterval;
    globalThis.clearInterval = realClearInterval;
  }
});
