/**
 * `deno run -A bench/simultaneous_connect.ts [JITTERS] [SEEDS] [MODULE]`: two Hosts connect to each other at once
 * (the `connect()` calls 0 to 6 ticks apart, 20 ms one way plus jitter, each JITTERS value in turn, default 0,5,20,60;
 * SEEDS runs each, default 200); a run is broken unless both end with one working connection and no "timeout".
 * From a review, 2026-12-03 (NOTES.md, Security, the Left list).
 *
 * @module
 */
const { Host, memoryNet } = await import(
  Deno.args[2] ? new URL(Deno.args[2], `file://${Deno.cwd()}/`).href : "../mod.ts"
);
const jitters = (Deno.args[0] ?? "0,5,20,60").split(",").map(Number);
const seeds = Number(Deno.args[1] ?? 200);
for (const jitterMs of jitters) {
  let bad = 0, example = "";
  for (let seed = 1; seed <= seeds; seed++) {
    let r = seed * 99991 >>> 0;
    const random = (b: Uint8Array) => {
      for (let i = 0; i < b.length; i++) b[i] = (r = (Math.imul(r, 1664525) + 1013904223) >>> 0) >>> 24;
    };
    const net = memoryNet({ latencyMs: 20, jitterMs, seed, duplicate: 0 });
    const a = new Host(net.socket("a"), { random, timeout: 3000 });
    const b = new Host(net.socket("b"), { random, timeout: 3000 });
    const offset = seed % 7; // ticks between the two connect() calls
    const log: string[] = [];
    let gotA = 0, gotB = 0;
    for (let tick = 0; tick < 400; tick++) {
      if (tick === 0) a.connect("b");
      if (tick === offset) b.connect("a");
      if (tick > 100) {
        for (const p of a.peers) p.send("x");
        for (const p of b.peers) p.send("y");
      }
      a.update();
      b.update();
      for (let e; (e = a.poll());) {
        if (e.type === "message") gotA++;
        else log.push(`${tick} a ${e.type}${e.type === "disconnect" ? " " + e.reason : ""}`);
      }
      for (let e; (e = b.poll());) {
        if (e.type === "message") gotB++;
        else log.push(`${tick} b ${e.type}${e.type === "disconnect" ? " " + e.reason : ""}`);
      }
      net.advance(16);
    }
    const ok = a.peers.length === 1 && b.peers.length === 1 && gotA > 200 && gotB > 200 &&
      !log.some((l) => l.includes("timeout"));
    if (!ok) {
      bad++;
      if (!example) {
        example = `seed ${seed} offset ${offset}: peers ${a.peers.length}/${b.peers.length} got ${gotA}/${gotB}\n  ${
          log.join("\n  ")
        }`;
      }
    }
  }
  console.log(`jitter ${jitterMs} ms: ${bad} of ${seeds} runs broken`);
  if (example) console.log(example);
}
