/**
 * `deno task bench:lobby:clocks [hours] [seeds]` (default 1 and 3): lobbies on one in-memory Deno KV
 * (examples/lobby/kv.ts) whose clocks are apart and drift, beating about once a second with jitter and an
 * occasional stall, on a virtual clock. Reports, per case, how many of a lobby's readings found another lobby
 * dead while it still beats (with that lobby's beat age then, on the virtual clock), and how long after its last
 * beat each lobby found dead the one that stops a minute before the end ("never" if it did not; under 3 s is
 * early). Commits here are prompt, listings take no time, and no clock is set anew: the unit tests in
 * examples/lobby/burial_test.ts cover those. A benchmark: it reports, and never fails.
 *
 * Each lobby `k` reads its clock as `offset + t × (1 + ppm / 10^6)`, and its `steady` as `t × (1 + ppm / 10^6)`:
 * its clock is apart from the others' and runs at its own rate, and is never set anew. Beats come 1,000 to
 * 1,040 ms apart, and one in a hundred is late by up to 1.5 s more (a stall).
 *
 * @module
 */
import { kvStore } from "../examples/lobby/kv.ts";

/** A lobby's clock: ms ahead of true time (negative: behind), and its rate apart from true time in ppm. */
interface Clock {
  offset: number;
  ppm: number;
}

const HOURS = Number(Deno.args[0] ?? 1);
const SEEDS = Number(Deno.args[1] ?? 3);
const JITTER_MS = 40;
const STALL_CHANCE = 0.01;
const MAX_STALL_MS = 1500;

/** The cases: one clock, clocks a little apart, seconds apart, and drifting up to NTP's most slew each (500 ppm). */
const CASES: { name: string; clocks: Clock[] }[] = [
  { name: "one clock", clocks: [0, 0, 0].map((offset) => ({ offset, ppm: 0 })) },
  {
    name: "0.7 to 1.8 s apart, ±500 ppm",
    clocks: [{ offset: 0, ppm: 0 }, { offset: -700, ppm: 500 }, { offset: 1800, ppm: -500 }],
  },
  {
    name: "seconds apart, ±500 ppm",
    clocks: [{ offset: 0, ppm: 0 }, { offset: -700, ppm: 500 }, { offset: 1300, ppm: -500 }, {
      offset: -4000,
      ppm: 300,
    }],
  },
];

/** A seeded random source in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), state | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs one case for HOURS: live lobbies taken for dead, and how long after its last beat the last lobby was buried. */
async function run(clocks: Clock[], seed: number): Promise<{ wrong: number[]; buriedAfter: number[] }> {
  const next = random(seed);
  const kv = await Deno.openKv(":memory:");
  let t = 0;
  const stores = clocks.map(({ offset, ppm }) =>
    kvStore(kv, {
      heartbeatMs: 1000,
      staleAfterMs: 3000,
      now: () => offset + t * (1 + ppm / 1e6),
      steady: () => t * (1 + ppm / 1e6),
    })
  );
  const due = clocks.map(() => next() * 1000);
  const lastBeat = clocks.map(() => -Infinity);
  const end = HOURS * 3_600_000;
  const stopAt = end - 60_000; // the last lobby stops a minute before the end
  const wrong: number[] = [];
  const buriedAfter: number[] = [];
  try {
    for (;;) {
      const i = due.indexOf(Math.min(...due));
      if (due[i] > end) break;
      t = due[i];
      if (i === clocks.length - 1 && t > stopAt) {
        due[i] = Infinity;
        continue;
      }
      await stores[i].shared.beat();
      lastBeat[i] = t;
      for (let j = 0; j < clocks.length; j++) {
        if (j === i || t < 10_000) continue;
        const alive = stores[i].shared.alive(stores[j].shared.lobby);
        const stopped = j === clocks.length - 1 && lastBeat[j] > 0 && due[j] === Infinity;
        if (!stopped && !alive) wrong.push(t - lastBeat[j]);
        if (stopped && !alive && buriedAfter[i] === undefined) buriedAfter[i] = t - lastBeat[j];
      }
      due[i] = t + 1000 + next() * JITTER_MS + (next() < STALL_CHANCE ? next() * MAX_STALL_MS : 0);
    }
  } finally {
    kv.close();
  }
  // Each reader but the stopped lobby: Infinity where it never buried it.
  return { wrong, buriedAfter: clocks.slice(0, -1).map((_, i) => buriedAfter[i] ?? Infinity) };
}

const fixed = (ms: number) => ms === Infinity ? "never" : (ms / 1000).toFixed(2);
console.log(`lobby clocks: ${HOURS} h on a virtual clock, ${SEEDS} seeds, staleAfterMs 3,000, heartbeatMs 1,000\n`);
console.log(
  "| case | seed | readings that found a live lobby dead (its beat's age, s) | a stopped lobby found dead after (s) |",
);
console.log("|---|--:|---|---|");
for (const { name, clocks } of CASES) {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const { wrong, buriedAfter } = await run(clocks, seed);
    const ages = wrong.length ? `${wrong.length} (${wrong.slice(0, 4).map(fixed).join(", ")})` : "0";
    console.log(`| ${name} | ${seed} | ${ages} | ${buriedAfter.map(fixed).join(", ")} |`);
  }
}
