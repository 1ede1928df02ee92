// `deno run -A bench/timed_states.ts [MODULE]` (MODULE: a path to mod.ts or a copy, default ../mod.ts; SEEDS=n). From a review, 2026-12-03.
// Timed states: the server sends a state every update with at = its now + DELAY. README (Timed delivery): "a late
// message ... a "state" never an older one"; (Snapshots): "It never gets an older state after a newer one".
// Checks the order the client's poll() hands them out in, over a jittery asymmetric link, many seeds.
const MOD = Deno.args[0]
  ? new URL(Deno.args[0], `file://${Deno.cwd()}/`).href
  : new URL("../mod.ts", import.meta.url).href;
const M = await import(MOD) as typeof import("../mod.ts");
const SEEDS = +(Deno.env.get("SEEDS") ?? 200);
const DELAY = +(Deno.env.get("DELAY") ?? 150);
let badSeeds = 0, inversions = 0, total = 0;
for (let seed = 1; seed <= SEEDS; seed++) {
  const net = M.memoryNet({ latencyMs: 30, seed });
  net.link("s", "c", { latencyMs: 30, jitterMs: 60, seed });
  net.link("c", "s", { latencyMs: 30, jitterMs: 5, seed: seed + 1000 });
  const server = new M.Host(net.socket("s"));
  const client = new M.Host(net.socket("c"));
  client.connect("s");
  let last = -1, inv = 0, first = "";
  for (let f = 0; f < 300; f++) {
    for (const p of server.peers) p.send({ f }, { mode: "state", at: net.now() + DELAY });
    server.update();
    client.update();
    for (let i = 0; i < 16; i++) {
      net.advance(1);
      while (server.poll());
      for (let e; (e = client.poll());) {
        if (e.type == "message") {
          total++;
          const d = e.data as { f: number };
          if (d.f <= last) {
            inv++;
            if (!first) first = `state ${d.f} after ${last} at ${net.now()} (at ${e.at?.toFixed(1)})`;
          }
          last = d.f;
        }
      }
    }
  }
  if (inv) badSeeds++, inversions += inv, console.log(`seed ${seed}: ${inv} older after newer, first: ${first}`);
}
console.log(`${badSeeds} of ${SEEDS} seeds delivered an older state after a newer (${inversions} of ${total})`);
