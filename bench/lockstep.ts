// `deno run -A bench/lockstep.ts [METHODS] [SEEDS] [LINKS]`: a two-player lockstep game with input delay (README,
// "Input delay and lockstep"), through bench/lockstep_sim.ts, on memoryNet at 40 to 60 ms one way, for each way of
// sending inputs (METHODS, comma-separated: reliable, redundant, timed, unordered, sequenced, reliableping) and each link
// (LINKS: 0%, 5%, 20% loss, burst: 1% loss and bursts of 8 datagrams, tburst: bursts of 133 ms in time), SEEDS seeds
// (default 5) of 3,600 frames at 60 fps. For each input delay from 1 frame: the frames that had to wait for an input,
// the longest wait in ticks, bytes a second a player, the 99th percentile of an input's age when it arrived, desyncs,
// inputs applied that the other side did not send, duplicates, reordered, late timed ones; and the least delay at which
// 99% of frames ran without waiting.
import { type Method, run } from "./lockstep_sim.ts";
const methods = (Deno.args[0] ?? "reliable,redundant,timed,unordered,sequenced").split(",") as Method[];
const seeds = +(Deno.args[1] ?? 5);
const links: Record<string, object> = {
  "0%": { latencyMs: 40, jitterMs: 20 },
  "5%": { latencyMs: 40, jitterMs: 20, loss: 0.05 },
  "20%": { latencyMs: 40, jitterMs: 20, loss: 0.2 },
  "burst": { latencyMs: 40, jitterMs: 20, loss: 0.01, burstLoss: 0.01, burstLength: 8 },
  "tburst": { latencyMs: 40, jitterMs: 20, loss: 0.01, tb: { perSecond: 0.5, ms: 133 } },
};
const only = Deno.args[2]?.split(",");
for (const method of methods) {
  for (const [name, l] of Object.entries(links)) {
    if (only && !only.includes(name)) continue;
    const { tb, ...link } = l as { tb?: { perSecond: number; ms: number } };
    const rows: string[] = [];
    let need = -1;
    for (let delay = 1; delay <= 14; delay++) {
      let stalled = 0,
        frames = 0,
        maxStall = 0,
        bytes = 0,
        desync = 0,
        mism = 0,
        dup = 0,
        reord = 0,
        incomplete = 0,
        late = 0;
      const lat: number[] = [];
      for (let seed = 1; seed <= seeds; seed++) {
        const r = run({
          method,
          delay,
          frames: 3600,
          link,
          seed,
          phaseMs: 7,
          redundancyCap: 30,
          maxSimMs: 120000,
          timeBurst: tb,
        });
        stalled += r.stalledFrames[0] + r.stalledFrames[1];
        frames += r.frames[0] + r.frames[1];
        maxStall = Math.max(maxStall, ...r.maxStall);
        bytes += (r.bytesPerS[0] + r.bytesPerS[1]) / 2 / seeds;
        desync += r.desyncs;
        mism += r.mismatch;
        dup += r.duplicates;
        reord += r.reordered;
        late += r.lateTimed;
        if (!r.done) incomplete++;
        lat.push(r.lat[0][1], r.lat[1][1]);
      }
      const frac = stalled / frames;
      if (need < 0 && frac <= 0.01 && !incomplete) need = delay;
      rows.push(
        `  d=${delay} stalled=${(100 * frac).toFixed(2)}% maxStallTicks=${maxStall} B/s=${bytes.toFixed(0)} latP99max=${
          Math.max(...lat).toFixed(0)
        } desync=${desync} mismatch=${mism} dup=${dup} reord=${reord} late=${late} incomplete=${incomplete}/${seeds}`,
      );
      if (frac === 0 && !incomplete && delay >= need + 2) break;
    }
    console.log(`${method} ${name}: 99% no-stall at delay ${need}`);
    console.log(rows.join("\n"));
  }
}
