// deno run -A --v8-flags=--expose-gc bench/spectator_mem.ts N E obj|bytes: heap after GC of a server streaming "state" to N spectators.
import { Host, memoryNet, pack } from "../mod.ts";
import { makeWorld } from "./spectator_world.ts";
const gc = (globalThis as { gc?: () => void }).gc!;
const heap = () => {
  for (let i = 0; i < 4; i++) gc();
  const m = Deno.memoryUsage();
  return (m.heapUsed + m.external) / 2 ** 20;
};
const N = Number(Deno.args[0] ?? 200), E = Number(Deno.args[1] ?? 500), how = Deno.args[2] ?? "obj";
const h0 = heap();
const net = memoryNet({ latencyMs: 30 });
const server = new Host(net.socket("server"), { maxPeers: N + 8 });
let clients: (Host | null)[] = Array.from(
  { length: N },
  (_, i) => new Host(net.socket(`10.0.${i >> 8}.${i & 255}:5000`)),
);
for (const c of clients) c!.connect("server");
const w = makeWorld(E);
for (let f = 0; net.now() < 4000; f++) {
  if (f % 3 === 0) {
    w.step();
    const b = how === "bytes" ? pack(w.world) : w.world;
    for (const p of server.peers) p.send(b, { mode: "state" });
  }
  server.update();
  while (server.poll());
  for (const c of clients) c!.update();
  net.advance(16);
  for (const c of clients) while (c!.poll());
}
const hAll = heap();
for (const c of clients) c!.close();
clients = [];
const hServer = heap();
console.log(
  `N=${N} E=${E} (${pack(w.world).length} B) ${how}: heap+external before ${h0.toFixed(1)} MiB; server+clients ${
    hAll.toFixed(1)
  } MiB; server alone (clients closed, not yet heard) ${hServer.toFixed(1)} MiB = ${
    ((hServer - h0) * 1024 / N).toFixed(0)
  } KiB per spectator; peers ${server.peers.length}; rss ${(Deno.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
);
