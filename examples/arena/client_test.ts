/**
 * The arena's client (client.js) without a browser: an ArenaClient on a
 * memoryNet, fed snapshots by a Host that stands in for the server, drawn on
 * a display clock that does not keep step with its 60 Hz-ish timer.
 */
import assert from "node:assert/strict";
import { Host, memoryNet } from "../../dist/mod.js";
import { ArenaClient, rateMeter } from "./client.js";
import { PLAYER_RADIUS, RIGHT, SPEED_PX_PER_S, WORLD_WIDTH } from "./game.js";
import { World } from "./world.ts";

/**
 * Where your player starts, near the left wall: held right for up to 1.4 s, it must not reach the right wall, where it
 * stops and every step is short. From x = 400 a speed of 320 px/s did (at 2217 ms a step of 1.36 px); from 100 it walks
 * 1.4 s at up to 490 px/s.
 */
const START_X = 100;

Deno.test("arena: your own player is drawn a step a display frame, never still nor two steps, never back on release", () => {
  // Released at 25 timer ticks in a row: the last display frame before the release falls 1 to 17 ms before it, every
  // offset a display frame has. At 2000 ms alone it fell on the tick, where a drawing that runs ahead of the prediction
  // is on it.
  for (let releaseAt = 2000; releaseAt <= 2000 + 24 * 16; releaseAt += 16) drawAndRelease(releaseAt);
});

/** Holds RIGHT from 1000 ms to `releaseAt`, and checks each display frame's step. */
function drawAndRelease(releaseAt: number) {
  const farthest = START_X + SPEED_PX_PER_S * (releaseAt - 1000) / 1000;
  assert.ok(
    farthest < WORLD_WIDTH - PLAYER_RADIUS,
    `at ${SPEED_PX_PER_S} px/s, held right from x = ${START_X} until ${releaseAt} ms, your player would reach the wall: hold it for less time`,
  );
  const net = memoryNet();
  const server = new Host(net.socket("server"));
  const client = new ArenaClient(Object.assign(net.socket("client"), { address: "server" }));
  // The stand-in server: you at (START_X, 240), none of your commands applied (`ack` -1), so the prediction is all yours.
  const snapshot = {
    players: { 1: { name: "ann", x: START_X, y: 240, score: 0, hue: 0 } },
    items: [],
    you: 1,
    ack: -1,
  };
  const TIMER_MS = 16; // the page's timer, as a browser rounds 1000 / 60
  const DRAW_MS = 1000 / 60; // the display's frames
  const drawn: [at: number, x: number, held: boolean][] = [];
  let nextDraw = 0;
  for (let ms = 0; ms < 3000; ms++) {
    const held = ms >= 1000 && ms < releaseAt;
    if (ms % TIMER_MS === 0) {
      if (server.peers.length && ms % (2 * TIMER_MS) === 0) server.peers[0].send(snapshot, { mode: "state" });
      server.update();
      while (server.poll());
      client.frame(held ? RIGHT : 0, ms);
    }
    if (ms >= nextDraw) {
      nextDraw += DRAW_MS;
      const me = client.view(ms).me;
      if (me && ms > 900) drawn.push([ms, me.x, held]);
    }
    net.advance(1);
  }
  const perDraw = SPEED_PX_PER_S * DRAW_MS / 1000; // 3.33 px
  let moving = 0;
  for (let i = 1; i < drawn.length; i++) {
    const [at, x, held] = drawn[i];
    const step = x - drawn[i - 1][1];
    assert.ok(step >= 0, `released at ${releaseAt} ms: at ${at} ms you stepped back ${step} px`);
    // Held for the whole frame and the one before: a step of about one display frame's move.
    if (held && drawn[i - 1][2] && drawn[i - 2]?.[2]) {
      moving++;
      assert.ok(step > 0.6 * perDraw && step < 1.4 * perDraw, `at ${at} ms a step of ${step} px, not about ${perDraw}`);
    }
  }
  assert.ok(moving > 50, `${moving} frames checked while moving`);
  assert.ok(drawn.at(-1)![1] > START_X + 0.9 * SPEED_PX_PER_S, `you went ${drawn.at(-1)![1] - START_X} px in 1 s`);
}

Deno.test("arena: the others move on every frame when the link gets slower mid-game, not only from snapshot to snapshot", () => {
  // The clock's best sample keeps the shorter trip for up to 16 s after the link slows (from 10 ms each way to 150):
  // rendered by it alone, the others were drawn past the newest snapshot and stood still between snapshots, on about
  // half the frames here, until it aged out. renderTime follows how old the snapshots arrive.
  const net = memoryNet();
  const slow = (ms: number) => {
    net.link("server", "client", { latencyMs: ms });
    net.link("client", "server", { latencyMs: ms });
  };
  slow(10);
  const server = new Host(net.socket("server"));
  const client = new ArenaClient(Object.assign(net.socket("client"), { address: "server" }));
  const TIMER_MS = 16;
  const DRAW_MS = 1000 / 60;
  let nextDraw = 0, previous = NaN, frames = 0, still = 0;
  for (let ms = 0; ms < 20_000; ms++) {
    if (ms === 5000) slow(150);
    if (ms % TIMER_MS === 0) {
      if (server.peers.length && ms % (2 * TIMER_MS) === 0) {
        const bob = { name: "bob", x: 100 + (ms % 10_000) / 50, y: 100, score: 0, hue: 0 }; // 20 px a second
        const snapshot = {
          players: { 1: { name: "ann", x: 400, y: 240, score: 0, hue: 0 }, 2: bob },
          items: [],
          you: 1,
          ack: -1,
        };
        server.peers[0].send(snapshot, { mode: "state" });
      }
      server.update();
      while (server.poll());
      client.frame(0, ms);
    }
    if (ms >= nextDraw) {
      nextDraw += DRAW_MS;
      const x = client.view(ms).others[0]?.x;
      if (ms > 7000 && ms % 10_000 > 1000) frames++, still += +(x === previous); // past the wrap of bob's x
      previous = x ?? NaN;
    }
    net.advance(1);
  }
  assert.ok(frames > 600, `${frames} frames checked`);
  assert.ok(still < frames / 50, `the others stood still on ${still} of ${frames} frames`);
});

Deno.test("arena: your prediction is the server's position and your commands it has not applied yet, each once", () => {
  // A server by hand in front of the real World: it applies each command as it arrives, 50 ms each way, and sends a
  // snapshot every 32 ms. Whatever it has applied (`ack`), the client starts from its position and replays the rest.
  const net = memoryNet();
  net.link("server", "client", { latencyMs: 50 });
  net.link("client", "server", { latencyMs: 50 });
  const server = new Host(net.socket("server"));
  const client = new ArenaClient(Object.assign(net.socket("client"), { address: "server" }));
  const world = new World(() => 0.5); // ann at (400, 240), the items under her
  const ann = world.join("ann");
  const TIMER_MS = 16;
  let checked = 0;
  for (let ms = 0; ms < 3000; ms++) {
    if (ms % TIMER_MS === 0) {
      server.update();
      for (let event; (event = server.poll());) {
        if (event.type === "message") world.command(ann, event.data as [number, number, number][]);
      }
      if (server.peers.length && ms % (2 * TIMER_MS) === 0) {
        world.step(2 * TIMER_MS);
        server.peers[0].send(world.snapshot(ann), { mode: "state" });
      }
      server.update();
      // RIGHT held from 1008 ms to 2000: the commands of the frames from 1008 on cover the time from 992.
      const held = ms >= 1000 && ms < 2000;
      client.frame(held ? RIGHT : 0, ms);
      if (ms >= 1000 && client.predicted) {
        const until = Math.min(ms, 2000 - TIMER_MS);
        const x = 400 + SPEED_PX_PER_S * (until - 992) / 1000;
        // Within rounding: the server sends whole pixels.
        assert.ok(Math.abs(client.predicted.x - x) <= 0.5, `at ${ms} ms predicted at ${client.predicted.x}, not ${x}`);
        checked++;
      }
    }
    net.advance(1);
  }
  assert.ok(checked > 120, `${checked} frames checked`);
  assert.equal(ann.lastCommand, world.snapshot(ann).ack);
  assert.ok(Math.abs(ann.x - (400 + SPEED_PX_PER_S * (2000 - TIMER_MS - 992) / 1000)) < 1e-9, `${ann.x}`);
});

Deno.test("arena: rateMeter gives bytes a second each way over a second or more, and keeps them between", () => {
  // The page shows them each frame on its link line: "in 2.0 KB/s · out 1.0 KB/s".
  const meter = rateMeter();
  type Stats = Parameters<typeof meter>[0];
  const stats = (received: number, sent: number) => ({ bytesReceived: received, bytesSent: sent }) as Stats;
  assert.deepEqual(meter(stats(1000, 500), 0), { inBytesPerS: 0, outBytesPerS: 0 }); // nothing to measure from yet
  assert.deepEqual(meter(stats(1500, 600), 500), { inBytesPerS: 0, outBytesPerS: 0 }); // under a second: not yet
  assert.deepEqual(meter(stats(3000, 1500), 1000), { inBytesPerS: 2000, outBytesPerS: 1000 });
  assert.deepEqual(meter(stats(4000, 1600), 1500), { inBytesPerS: 2000, outBytesPerS: 1000 }); // kept
  assert.deepEqual(meter(stats(5000, 2000), 3000), { inBytesPerS: 1000, outBytesPerS: 250 }); // since 1000, 2 s
});

Deno.test('arena: close() leaves at once: the server hears "closed", not a timeout seconds later', () => {
  // The bots' stop() and the arena's close() end a game so.
  const net = memoryNet();
  const server = new Host(net.socket("server"));
  const client = new ArenaClient(Object.assign(net.socket("client"), { address: "server" }));
  const reasons: string[] = [];
  const update = (ms: number) => {
    server.update();
    for (let event; (event = server.poll());) if (event.type === "disconnect") reasons.push(event.reason);
    client.frame(0, ms);
    net.advance(1);
  };
  for (let ms = 0; ms < 100; ms++) update(ms);
  assert.equal(server.peers[0]?.state, "connected");
  client.close();
  for (let ms = 100; ms < 110; ms++) update(ms);
  assert.deepEqual(reasons, ["closed"]);
});
