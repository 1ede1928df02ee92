// `deno run -A bench/liveness.ts [TIMEOUT_MS] [MODULE]`: how often a short `timeout` ends a live, idle connection
// (README, "When nothing arrives"). Pairs of Hosts on memoryNet, connected and then idle (keepalives only), both updating
// every 16 ms for 30 virtual seconds, 20 seeds on each of two links: 50 ms one way at 5% loss, and 100 to 200 ms one way
// (100 ms of jitter) at 20% loss. Prints how many pairs ended as "timeout". TIMEOUT_MS 0 runs the default `timeout`.
import type { LinkOptions } from "../mod.ts";

const { Host, memoryNet } = await import(
  Deno.args[1] ? new URL(Deno.args[1], `file://${Deno.cwd()}/`).href : "../mod.ts"
) as typeof import("../mod.ts");
const timeout = Number(Deno.args[0] ?? 2000);
const SEEDS = 20;
const RUN_MS = 30_000;
const links: [string, LinkOptions][] = [
  ["50 ms one way, 5% loss", { latencyMs: 50, loss: 0.05 }],
  ["100 to 200 ms one way, 20% loss", { latencyMs: 100, jitterMs: 100, loss: 0.2 }],
];
for (const [label, link] of links) {
  let ended = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const net = memoryNet();
    net.link("a", "b", { ...link, seed });
    net.link("b", "a", { ...link, seed: seed + 1000 });
    const options = timeout ? { timeout } : {};
    const a = new Host(net.socket("a"), options);
    const b = new Host(net.socket("b"), options);
    a.connect("b");
    let over = false;
    for (let t = 0; t < RUN_MS && !over; t += 16) {
      a.update();
      b.update();
      net.advance(16);
      for (const host of [a, b]) {
        for (let event; (event = host.poll());) over ||= event.type === "disconnect" && event.reason === "timeout";
      }
    }
    if (over) ended++;
  }
  console.log(`timeout ${timeout || "default"}, ${label}: ${ended} of ${SEEDS} ended as "timeout"`);
}
