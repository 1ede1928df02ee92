// `deno run -A bench/lockstep_outage.ts [OUTAGES_MS]` (default 300,1000,2000,5000,9000): a lockstep game
// (bench/lockstep_sim.ts) at an input delay of 6 frames, 40 to 60 ms one way and 1% loss, through an outage (every
// datagram lost both ways for that long, 20 s in), 5 seeds: how long after the link is back the game moves again on
// both sides, median [least..most] ms, for each way of sending inputs.
import { type Method, run } from "./lockstep_sim.ts";
for (const T of (Deno.args[0] ?? "300,1000,2000,5000,9000").split(",").map(Number)) {
  const row: string[] = [];
  for (const method of ["reliable", "reliableping", "redundant", "timed"] as Method[]) {
    const resumes: number[] = [];
    let events = "";
    for (let seed = 1; seed <= 5; seed++) {
      const times: number[][] = [[], []];
      const r = run({
        method,
        delay: 6,
        frames: 1800,
        seed,
        phaseMs: 7,
        redundancyCap: 30,
        link: { latencyMs: 40, jitterMs: 20, loss: 0.01 },
        outage: { atMs: 20000 + seed * 7, ms: T },
        onFrame: ({ id, now }) => times[id].push(now),
        maxSimMs: 60000,
      });
      // start of sim: first frame time; outage end relative
      const t0 = times[0][0];
      const back = t0 + 20000 + seed * 7 + T;
      const resume = Math.max(...[0, 1].map((id) => (times[id].find((t) => t >= back) ?? Infinity) - back));
      resumes.push(resume);
      if (r.events[0].length || r.events[1].length) events = JSON.stringify(r.events);
      if (!r.done) events += ` incomplete ${r.frames}`;
    }
    resumes.sort((a, b) => a - b);
    row.push(
      `${method}: resume ${resumes[2].toFixed(0)} [${resumes[0].toFixed(0)}..${resumes[4].toFixed(0)}] ms ${events}`,
    );
  }
  console.log(`outage ${T} ms:\n  ${row.join("\n  ")}`);
}
