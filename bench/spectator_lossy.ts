// deno run -A bench/spectator_lossy.ts: one 500-entity world (21.6 KB) to one spectator on a lossy link, whole world on one
// channel vs split over 8 channels (~2.7 KB each), tick counter first (README's layout) vs last. 5 seeds, 12 s each.
import { Host, memoryNet } from "../mod.ts";
import { makeWorld } from "./spectator_world.ts";
function run(link: object, split: number, tickLast: boolean, seed: number) {
  const net = memoryNet({ latencyMs: 30 });
  net.link("s", "server", { ...link, seed });
  net.link("server", "s", { ...link, seed: seed + 1000 });
  const server = new Host(net.socket("server")), client = new Host(net.socket("s"));
  client.connect("server");
  const w = makeWorld(500, seed);
  const newest = new Array(split).fill(-1);
  let firstFull = -1, delivered = 0, sent = 0;
  const ages: number[] = [];
  for (let f = 0; net.now() < 12000; f++) {
    const now = net.now();
    if (f % 3 === 0) {
      w.step();
      for (const p of server.peers) {
        for (let c = 0; c < split; c++) {
          const part = w.world.entities.slice(c * 500 / split, (c + 1) * 500 / split);
          const v = tickLast ? { entities: part, tick: w.world.tick } : { tick: w.world.tick, entities: part };
          p.send(v, { mode: "state", channel: c });
          sent++;
        }
      }
    }
    server.update();
    while (server.poll());
    client.update();
    for (let e; (e = client.poll());) {
      if (e.type === "message") {
        delivered++;
        newest[e.channel] = e.time!;
      }
    }
    if (firstFull < 0 && newest.every((t) => t >= 0)) firstFull = now;
    if (firstFull >= 0) ages.push(now - Math.min(...newest));
    net.advance(16);
  }
  ages.sort((a, b) => a - b);
  return {
    firstFull,
    frac: delivered / Math.max(1, sent),
    p50: ages[ages.length >> 1],
    p95: ages[Math.floor(ages.length * .95)],
    max: ages.at(-1),
    kbs: server.stats.bytesSent / 12 / 1024,
  };
}
const med = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1];
for (
  const [name, link] of [["20% loss, 30 ms", { latencyMs: 30, loss: 0.2 }], ["5% loss, 30 ms", {
    latencyMs: 30,
    loss: 0.05,
  }], ["20% loss, 300 ms", { latencyMs: 300, loss: 0.2 }]] as const
) {
  for (const split of [1, 8]) {
    for (const tickLast of [false, true]) {
      const rs = [1, 2, 3, 4, 5].map((s) => run(link, split, tickLast, s));
      console.log(
        `${name.padEnd(17)} channels ${split} tick ${tickLast ? "last " : "first"}: first whole world @${
          rs.map((r) => r.firstFull).join("/")
        } ms; states delivered ${(100 * med(rs.map((r) => r.frac))).toFixed(0)}%; age of oldest part p50/p95/max ${
          med(rs.map((r) => r.p50))
        }/${med(rs.map((r) => r.p95))}/${med(rs.map((r) => r.max!))} ms; ${med(rs.map((r) => r.kbs)).toFixed(0)} KB/s`,
      );
    }
  }
}
