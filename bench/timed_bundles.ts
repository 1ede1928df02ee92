// `deno run -A bench/timed_bundles.ts [MODULE]` (MODULE: a path to mod.ts or a copy, default ../mod.ts; SEEDS=n). From a review, 2026-12-03.
// Bundles: README (Timed delivery) "Messages of one `at` are delivered together: a bundle ... in send order when they
// share a channel in "reliable" mode". The client sends, one message a tick, bundles of 4 that share an `at`
// (300 ms ahead); the server polls every 1 ms. Counts bundles split across polls and bundles out of send order.
const MOD = Deno.args[0]
  ? new URL(Deno.args[0], `file://${Deno.cwd()}/`).href
  : new URL("../mod.ts", import.meta.url).href;
const M = await import(MOD) as typeof import("../mod.ts");
const SEEDS = +(Deno.env.get("SEEDS") ?? 100);
let split = 0, disordered = 0, bundles = 0;
for (let seed = 1; seed <= SEEDS; seed++) {
  const net = M.memoryNet({ latencyMs: 30, seed });
  net.link("c", "s", { latencyMs: 50, jitterMs: 30, seed });
  net.link("s", "c", { latencyMs: 50, jitterMs: 5, seed: seed + 1000 });
  const server = new M.Host(net.socket("s"));
  const client = new M.Host(net.socket("c"));
  const peer = client.connect("s");
  const polls = new Map<number, { poll: number; i: number }[]>();
  let pollNo = 0, k = 0;
  for (let f = 0; f < 250; f++) {
    if (peer.state == "connected") {
      const base = Math.floor(k / 4);
      const at = 400 + base * 64;
      if (at - net.now() > 100) peer.send({ b: base, i: k % 4 }, { at });
      k++;
    }
    server.update();
    client.update();
    for (let i = 0; i < 16; i++) {
      net.advance(1);
      pollNo++;
      for (let e; (e = server.poll());) {
        if (e.type == "message") {
          const d = e.data as { b: number; i: number };
          if (!polls.has(d.b)) polls.set(d.b, []);
          polls.get(d.b)!.push({ poll: pollNo, i: d.i });
        }
      }
      while (client.poll());
    }
  }
  for (const [b, list] of polls) {
    if (list.length < 2) continue;
    bundles++;
    if (new Set(list.map((x) => x.poll)).size > 1) {
      split++;
      if (Deno.env.get("V")) console.log(`seed ${seed} bundle ${b}: ${JSON.stringify(list)}`);
    }
    if (list.some((x, j) => j && x.i < list[j - 1].i)) disordered++;
  }
}
console.log(`${bundles} bundles: ${split} split across polls, ${disordered} out of send order`);
