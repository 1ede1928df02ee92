/**
 * memoryNet with thousands of datagrams in flight: one link of 50 ms and the given jitter, `perStep` 32-byte
 * datagrams sent each virtual ms for 2,000 ms, then the rest delivered. Prints the wall time of each row, to compare
 * two copies of mod.ts (bench/bun_icmp_listnet.patch keeps memoryNet's datagrams in a sorted list, not a heap).
 *
 * `deno run -A bench/memorynet_flight.ts [path to mod.ts] ['[[jitterMs, perStep], …]']`
 *
 * @module
 */
const path = Deno.args[0] ?? "mod.ts";
const { memoryNet }: typeof import("../mod.ts") = await import(new URL(path, `file://${Deno.cwd()}/`).href);
const rows: [number, number][] = JSON.parse(Deno.args[1] ?? "[[0, 100], [20, 120], [5, 320], [20, 1200]]");
for (const [jitterMs, perStep] of rows) {
  const net = memoryNet({ latencyMs: 50, jitterMs });
  const a = net.socket("a"), b = net.socket("b");
  let got = 0;
  b.listen(() => got++);
  a.listen(() => {});
  const data = new Uint8Array(32);
  const start = performance.now();
  for (let step = 0; step < 2000; step++) {
    for (let i = 0; i < perStep; i++) a.send(data, "b");
    net.advance(1);
  }
  net.advance(1000);
  console.log(`jitter ${jitterMs} ms, ${perStep} a ms: ${(performance.now() - start).toFixed(0)} ms, ${got} delivered`);
}
