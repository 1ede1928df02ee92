// `deno run -A bench/timed_first.ts`: timed messages sent from the first frame of a connection, when the two
// Hosts' clocks differ (two machines' `performance.now()` differ by their processes' ages). A lockstep game
// (bench/lockstep_sim.ts, "timed": each input sent with `at` = now + 6 frames) of 600 frames on memoryNet, 40 to 60 ms
// one way, the second player's clock ahead of the first's by each offset. Until 2026-12-05 the receiver took the
// sender's clock for its own until its first clock sample: the first inputs were held by the whole difference, dropped
// past `timeout` (10 s), or delivered at once from a clock behind, and the games at 12.3 s either way and at an hour
// stopped for good after 6 frames. Since then it reads the sender's clock by the newest clock request until its first
// sample (short by the trip), and every game finishes. Prints for each offset whether the game finished, the frames each
// side reached, timed messages dropped and flagged late, the longest wait in ticks, and how long the 10 s game took.
import { run } from "./lockstep_sim.ts";

for (const offsetMs of [0, 5000, 9000, 12_345, -12_345, 3_600_000]) {
  const r = run({
    method: "timed",
    delay: 6,
    frames: 600,
    link: { latencyMs: 40, jitterMs: 20 },
    seed: 1,
    phaseMs: 0,
    redundancyCap: 30,
    clockB: { offsetMs, ppm: 0 },
    maxSimMs: 30_000,
  });
  console.log(
    `clock ${offsetMs >= 0 ? "+" : ""}${offsetMs} ms: finished ${r.done}, frames ${r.frames.join(" and ")}, ` +
      `timedDropped ${r.timedDropped}, late ${r.lateTimed}, longest wait ${Math.max(...r.maxStall)} ticks, ` +
      `${r.durS.toFixed(1)} s for 10 s of frames`,
  );
}
