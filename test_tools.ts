/**
 * What the tests and benches share (dev only; mod.ts never imports it): a
 * seeded PRNG, so every random test replays exactly, seeded random values for
 * the MessagePack interop tests, the game world of issue #11's measurements, and
 * whether the Python the interop tests run has msgpack.
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

/** A random string: mostly short, ASCII and 2-, 3- and 4-byte UTF-8 (no lone surrogates). */
export function randomString(random: () => number): string {
  const length = random() < 0.8 ? Math.floor(random() * 20) : Math.floor(random() * 300);
  let text = "";
  for (let i = 0; i < length; i++) {
    const kind = random();
    text += kind < 0.7
      ? String.fromCharCode(32 + Math.floor(random() * 95))
      : kind < 0.8
      ? String.fromCharCode(0x80 + Math.floor(random() * 0x780))
      : kind < 0.9
      ? String.fromCharCode(0x800 + Math.floor(random() * 0xd000))
      : String.fromCodePoint(0x10000 + Math.floor(random() * 0xfffff));
  }
  return text;
}

/**
 * A random value that jamnet and another MessagePack library (@msgpack/msgpack, Python's msgpack) map the same way:
 * string keys, 64-bit bigints only past 2^53, extension types from 0 to 127.
 */
export function randomValue(
  random: () => number,
  depth: number,
  extension: (type: number, data: Uint8Array) => unknown,
): unknown {
  const kind = Math.floor(random() * (depth < 4 ? 12 : 10));
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2: {
      const bits = Math.floor(random() * 54);
      const magnitude = Math.floor(random() * 2 ** bits);
      return random() < 0.5 ? magnitude : -magnitude; // -0 too (1 in 54 of these)
    }
    case 3: {
      const view = new DataView(new ArrayBuffer(8));
      view.setUint32(0, random() * 2 ** 32);
      view.setUint32(4, random() * 2 ** 32);
      const float = view.getFloat64(0);
      return float;
    }
    case 4:
    case 5:
      return randomString(random);
    case 6:
      return Uint8Array.from({ length: Math.floor(random() * (random() < 0.9 ? 40 : 400)) }, () => random() * 256);
    case 7:
      return new Date(Math.floor((random() - 0.3) * 2e13));
    case 8: {
      const magnitude = BigInt(2 ** 53) + BigInt(Math.floor(random() * 2 ** 53)) * BigInt(Math.floor(random() * 1024));
      return random() < 0.5 ? magnitude : -magnitude;
    }
    case 9:
      return extension(
        Math.floor(random() * 128),
        Uint8Array.from({ length: Math.floor(random() * 20) }, () => random() * 256),
      );
    case 10:
      return Array.from(
        { length: Math.floor(random() * (random() < 0.9 ? 6 : 40)) },
        () => randomValue(random, depth + 1, extension),
      );
    default: {
      const object: Record<string, unknown> = {};
      const count = Math.floor(random() * (random() < 0.9 ? 6 : 40));
      for (let i = 0; i < count; i++) object[randomString(random)] = randomValue(random, depth + 1, extension);
      return object;
    }
  }
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

/** Debian's Python, the one with the `python3-msgpack` package (a pyenv `python3` on PATH may lack it). */
export const PYTHON = "/usr/bin/python3";

/**
 * True when {@linkcode PYTHON} runs and imports msgpack; when not, prints that `file`'s tests are skipped and how to
 * get it (`bash .ci/run` installs it when run as root).
 */
export async function pythonWithMsgpack(file: string): Promise<boolean> {
  try {
    const command = new Deno.Command(PYTHON, { args: ["-c", "import msgpack"], stdout: "null", stderr: "null" });
    if ((await command.output()).success) return true;
  } catch {
    // no Python at all
  }
  console.log(`${file}: skipped: ${PYTHON} with msgpack not found (apt-get install -y python3-msgpack)`);
  return false;
}
