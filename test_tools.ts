/**
 * What the tests and benches share (dev only; mod.ts never imports it): a
 * seeded PRNG, so every random test replays exactly, and the game world of
 * issue #11's measurements.
 *
 * @module
 */

/** mulberry32: a small seeded PRNG with floats from 0 to 1. */
export function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A `HostOptions.random` from a seed: a Host that uses it replays byte for byte. */
export function seededBytes(seed: number): (bytes: Uint8Array) => void {
  const random = seeded(seed);
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  };
}

/** One entity of the world. */
export interface Entity {
  id: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  hp: number;
  name: string;
}

/** The world of issue #11: 64 entities; `moving` of them (chosen at random) move each `step()`. */
export function world(seed: number): { entities: Entity[]; step(moving?: number): void } {
  const random = seeded(seed);
  const entities: Entity[] = Array.from({ length: 64 }, (_, id) => ({
    id,
    x: random() * 1000,
    y: random() * 1000,
    vx: 0,
    vy: 0,
    hp: 100,
    name: `player${id}`,
  }));
  return {
    entities,
    step(moving = 6) {
      for (let i = 0; i < moving; i++) {
        const entity = entities[Math.floor(random() * entities.length)];
        entity.vx = random() * 10 - 5;
        entity.vy = random() * 10 - 5;
        entity.x += entity.vx;
        entity.y += entity.vy;
        if (random() < 0.1) entity.hp = Math.max(0, entity.hp - 10);
      }
    },
  };
}

/** A timer `fakeTimers` caught: its callback, and the delay it asked for. */
export type FakeTimer = [callback: () => void, delayMs: number];

/**
 * Runs `run` with `globalThis.setTimeout` replaced by one that only records
 * each timer in `timers` (the test calls their callbacks when it likes), and
 * puts the real one back afterwards, also when `run` throws.
 */
export function fakeTimers<T>(run: (timers: FakeTimer[]) => T): T {
  const timers: FakeTimer[] = [];
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout =
    ((callback: () => void, delayMs: number) => timers.push([callback, delayMs])) as unknown as typeof setTimeout;
  try {
    return run(timers);
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
}
