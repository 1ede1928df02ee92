/**
 * The arena's rules without a server: `move` (game.js) and one room's `World`
 * (world.ts), with positions set by hand. No sockets, no timers.
 */
import assert from "node:assert/strict";
import {
  DOWN,
  ITEM_COUNT,
  ITEM_RADIUS,
  LEFT,
  MAX_COMMAND_MS,
  move,
  PLAYER_RADIUS,
  RIGHT,
  SPEED_PX_PER_S,
  UP,
  WORLD_HEIGHT,
  WORLD_WIDTH,
} from "./game.js";
import { COMMAND_BUDGET_MS, World } from "./world.ts";

/**
 * Whether two distances are equal but for rounding: a sum of steps at a speed other than 200 px/s can land a
 * hair off (79.99999999999994 for 80 at 320 px/s), so a copy whose speed changed keeps passing.
 */
const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;

/** A world whose random numbers are all 0.5: items and players start in the middle. */
const world = () => new World(() => 0.5);

Deno.test("arena: move goes SPEED_PX_PER_S in a straight line and on a diagonal alike, for MAX_COMMAND_MS at most", () => {
  const from = { x: 400, y: 240 };
  const step = SPEED_PX_PER_S * 50 / 1000; // 10 px in 50 ms at 200 px/s
  assert.deepEqual(move(from, RIGHT, 50), { x: 400 + step, y: 240 });
  assert.deepEqual(move(from, UP, 50), { x: 400, y: 240 - step });
  for (const keys of [UP | LEFT, UP | RIGHT, DOWN | LEFT, DOWN | RIGHT]) {
    const to = move(from, keys, 50);
    assert.ok(near(Math.hypot(to.x - from.x, to.y - from.y), step), `keys ${keys}`);
    // Along the diagonal the keys name, half of each axis: not the full step along one of them.
    const [sx, sy] = [keys & RIGHT ? 1 : -1, keys & DOWN ? 1 : -1];
    assert.ok(
      near(to.x - from.x, sx * step * Math.SQRT1_2) && near(to.y - from.y, sy * step * Math.SQRT1_2),
      `keys ${keys}: ${to.x}, ${to.y}`,
    );
  }
  // Opposite keys cancel; a hidden tab's long frame moves no further than MAX_COMMAND_MS.
  assert.deepEqual(move(from, LEFT | RIGHT, 50), from);
  assert.deepEqual(move(from, RIGHT, 10 * MAX_COMMAND_MS), move(from, RIGHT, MAX_COMMAND_MS));
});

Deno.test("arena: a world has ITEM_COUNT items, and a snapshot sends them all", () => {
  const arena = world();
  const ann = arena.join("ann");
  assert.equal(arena.items.length, ITEM_COUNT);
  assert.equal(arena.snapshot(ann).items.length, ITEM_COUNT);
});

Deno.test("arena: a command that arrives again, or after a newer one, moves the player no more", () => {
  const arena = world();
  const ann = arena.join("ann");
  const { x, y } = ann;
  // The client sends every command not yet acknowledged in each message: most arrive several times.
  arena.command(ann, [[0, RIGHT, 50]]);
  arena.command(ann, [[0, RIGHT, 50], [1, RIGHT, 50]]);
  arena.command(ann, [[1, RIGHT, 50]]);
  arena.command(ann, [[0, RIGHT, 50]]);
  assert.ok(near(ann.x, x + SPEED_PX_PER_S * 100 / 1000) && ann.y === y, `${ann.x}, ${ann.y}`); // two commands of 50 ms
  assert.equal(arena.snapshot(ann).ack, 1);
});

Deno.test("arena: two players exactly on top of each other are pushed apart along x, not to NaN", () => {
  // Both pressed into the top-left corner in one tick: the walls stop them on the same spot.
  const arena = world();
  const [ann, bob] = [arena.join("ann"), arena.join("bob")];
  Object.assign(ann, { x: 30, y: 30 });
  Object.assign(bob, { x: 28, y: 32 });
  arena.command(ann, [[0, UP | LEFT, MAX_COMMAND_MS]]);
  arena.command(bob, [[0, UP | LEFT, MAX_COMMAND_MS]]);
  assert.deepEqual([ann.x, ann.y, bob.x, bob.y], [PLAYER_RADIUS, PLAYER_RADIUS, PLAYER_RADIUS, PLAYER_RADIUS]);
  arena.step();
  for (const { x, y } of [ann, bob]) assert.ok(Number.isFinite(x) && Number.isFinite(y), `${x}, ${y}`);
  assert.equal(ann.y, bob.y);
  assert.ok(bob.x > ann.x, `${ann.x} ${bob.x}`);
});

Deno.test("arena: a player overlapping an item scores it, and the item appears elsewhere; one farther does not", () => {
  const arena = new World(() => 0.9); // the item scored comes back at (714, 426): far from both
  const [ann, bob] = [arena.join("ann"), arena.join("bob")];
  for (let i = 0; i < ITEM_COUNT; i++) arena.items[i] = { x: 100 + 120 * i, y: 100 };
  Object.assign(ann, { x: 100 + PLAYER_RADIUS + ITEM_RADIUS - 1, y: 100 });
  Object.assign(bob, { x: 220, y: 100 + PLAYER_RADIUS + ITEM_RADIUS + 1 });
  arena.step();
  assert.deepEqual([ann.score, bob.score], [1, 0]);
  assert.notDeepEqual(arena.items[0], { x: 100, y: 100 });
  assert.deepEqual(arena.items[1], { x: 220, y: 100 });
  assert.equal(arena.items.length, ITEM_COUNT);
  assert.equal(arena.snapshot(bob).players[ann.id].score, 1);
});

Deno.test("arena: a client that claims more time than has passed moves no faster (budgetMs)", () => {
  const arena = world();
  const ann = arena.join("ann");
  let sequence = 0;
  /** One message of 16 commands of MAX_COMMAND_MS each, RIGHT: 1.6 s claimed. Returns how far ann went. */
  const cheat = () => {
    const from = ann.x;
    arena.command(ann, Array.from({ length: 16 }, () => [sequence++, RIGHT, MAX_COMMAND_MS]));
    return ann.x - from;
  };
  const px = (ms: number) => SPEED_PX_PER_S * ms / 1000;
  assert.ok(near(cheat(), px(COMMAND_BUDGET_MS))); // a burst after a lag spike: a second
  assert.equal(cheat(), 0); // spent
  arena.step(40);
  assert.ok(near(cheat(), px(40))); // the time that passed
  arena.step(10_000);
  ann.x = 400; // back in the middle, a second's way from the right wall
  assert.ok(near(cheat(), px(COMMAND_BUDGET_MS))); // a long pause refills no more than a second
});

Deno.test("arena: a key held through a stall of the link, of 600 ms or of a second's commands, moves the player the whole way once its commands arrive", () => {
  // With a budget of 250 ms the burst of 600 ms lost 350 ms of movement, and the player's screen pulled it back (a review
  // in Chromium, 2026-12-06). Up to a second is honoured (COMMAND_BUDGET_MS): at 50 Hz, a burst of 49 ticks' commands
  // held back and the one they arrive with is that second, to the millisecond.
  for (const [frameMs, stalled] of [[16, 37], [20, 49]]) {
    const arena = world();
    const ann = arena.join("ann");
    // From the left wall: where the world put it, 1.44 s of movement to the right could meet the right wall (at a speed
    // of 320, as a copy's rule change may make it: a test of the stall then failed on the wall).
    ann.x = PLAYER_RADIUS;
    const commands: [number, number, number][] = [];
    const from = ann.x;
    const arrives = 20 + stalled;
    for (let tick = 0; tick < arrives + 3; tick++) {
      commands.push([tick, RIGHT, frameMs]);
      // Each message carries the last 16 commands, as client.js sends them; those of ticks 20 to arrives - 1 wait, and
      // arrive together at tick `arrives`, in order, before its own.
      if (tick === arrives) {
        for (let sent = 20; sent < arrives; sent++) {
          arena.command(ann, commands.slice(sent - 15, sent + 1));
        }
      }
      if (tick < 20 || tick >= arrives) arena.command(ann, commands.slice(-16));
      arena.step(frameMs);
    }
    assert.equal(ann.lastCommand, arrives + 2);
    assert.ok(near(ann.x - from, SPEED_PX_PER_S * (arrives + 3) * frameMs / 1000), `${frameMs} ms: ${ann.x - from}`);
  }
});

Deno.test("arena: move stops a player at each of the four walls, its whole circle inside the arena", () => {
  const middle = { x: WORLD_WIDTH / 2, y: WORLD_HEIGHT / 2 };
  const held = (keys: number, from: { x: number; y: number }) => {
    let at = from;
    for (let i = 0; i < 100; i++) at = move(at, keys, MAX_COMMAND_MS); // 10 s: across the arena and on into the wall
    return at;
  };
  assert.deepEqual(held(LEFT, middle), { x: PLAYER_RADIUS, y: middle.y });
  assert.deepEqual(held(RIGHT, middle), { x: WORLD_WIDTH - PLAYER_RADIUS, y: middle.y });
  assert.deepEqual(held(UP, middle), { x: middle.x, y: PLAYER_RADIUS });
  assert.deepEqual(held(DOWN, middle), { x: middle.x, y: WORLD_HEIGHT - PLAYER_RADIUS });
  // Into a corner, and a position outside (a player placed by hand) is brought back in.
  assert.deepEqual(held(DOWN | RIGHT, middle), { x: WORLD_WIDTH - PLAYER_RADIUS, y: WORLD_HEIGHT - PLAYER_RADIUS });
  assert.deepEqual(move({ x: -50, y: WORLD_HEIGHT + 50 }, 0, 0), { x: PLAYER_RADIUS, y: WORLD_HEIGHT - PLAYER_RADIUS });
});

Deno.test("arena: two overlapping players are pushed apart along the line between them, half the overlap each", () => {
  const arena = world(); // the items in the middle, (400, 240): far from both
  const [ann, bob] = [arena.join("ann"), arena.join("bob")];
  Object.assign(ann, { x: 200, y: 200 });
  Object.assign(bob, { x: 212, y: 216 }); // 20 px apart, 3:4 along x:y
  arena.step();
  const half = (2 * PLAYER_RADIUS - 20) / 2; // half the overlap: 8 px
  assert.ok(
    near(Math.hypot(bob.x - ann.x, bob.y - ann.y), 2 * PLAYER_RADIUS),
    `${ann.x}, ${ann.y}; ${bob.x}, ${bob.y}`,
  );
  // Each moved half the overlap, ann up-left and bob down-right along the line: the point between them stays.
  for (
    const [player, x, y] of [[ann, 200 - half * 0.6, 200 - half * 0.8], [
      bob,
      212 + half * 0.6,
      216 + half * 0.8,
    ]] as const
  ) {
    assert.ok(near(player.x, x) && near(player.y, y), `${player.name} at ${player.x}, ${player.y}, not ${x}, ${y}`);
  }
  // Against a wall, the one pushed into it stays inside; two apart stay where they are.
  Object.assign(ann, { x: PLAYER_RADIUS, y: 100 });
  Object.assign(bob, { x: PLAYER_RADIUS + 10, y: 100 });
  arena.step();
  assert.deepEqual([ann.x, ann.y, bob.y], [PLAYER_RADIUS, 100, 100]);
  assert.ok(bob.x > ann.x, `${bob.x}`);
  Object.assign(bob, { x: ann.x + 2 * PLAYER_RADIUS + 1 });
  const before = [ann.x, ann.y, bob.x, bob.y];
  arena.step();
  assert.deepEqual([ann.x, ann.y, bob.x, bob.y], before);
});

Deno.test("arena: players of a room get different colours, none the items' yellow", () => {
  // A player tells who is who by colour: the golden angle keeps any two of a room's 16 at least 10 degrees apart.
  const arena = world();
  const hues = Array.from({ length: 16 }, (_, i) => arena.join(`p${i}`).hue); // a full room at MAX_PLAYERS 16
  for (const [i, hue] of hues.entries()) {
    assert.ok(Number.isInteger(hue) && hue >= 0 && hue < 360, `${hue}`);
    assert.ok(hue < 20 || hue >= 80, `player ${i + 1}'s hue ${hue} is the items' yellow`);
    for (const other of hues.slice(0, i)) {
      const apart = Math.min(Math.abs(hue - other), 360 - Math.abs(hue - other));
      assert.ok(apart >= 10, `hues ${other} and ${hue}: ${hues.join(" ")}`);
    }
  }
});
