// `deno run -A bench/clock_asymmetric.ts [MODULE]`: how old a `"state"` reads (`peer.remoteTime() - event.time`, the
// README's `sentAgo`, Clock sync) against how old it is, on a path whose two directions differ. Two Hosts on memoryNet,
// the server's clock 12,345 ms ahead, both updating every 16 ms and sending a `"state"` every 3rd update (20 Hz); the
// client polls every 1 ms and reads each of the server's states as it comes out, from 2 s to 10 s, 10 seeds (each
// direction's link seeded on its own: seed and seed + 1000). Links: 120 ms from the server and 20 back, the other way
// round, and 100 to 200 ms one way (100 ms of jitter) at 20% loss. Prints, per link, the states read, their true age
// and `sentAgo` (p50), `peer.clock.errorMs` (p50), and how far `sentAgo` was off (|sentAgo − age|: p50, p95, max, and
// how many were off by more than `errorMs`).
import type { LinkOptions } from "../mod.ts";

const { Host, memoryNet } = await import(
  Deno.args[0] ? new URL(Deno.args[0], `file://${Deno.cwd()}/`).href : "../mod.ts"
) as typeof import("../mod.ts");
const SEEDS = 10;
const SKEW_MS = 12_345;
const links: [string, LinkOptions, LinkOptions][] = [
  ["120 ms from the server, 20 back", { latencyMs: 120 }, { latencyMs: 20 }],
  ["20 ms from the server, 120 back", { latencyMs: 20 }, { latencyMs: 120 }],
  ["100 to 200 ms one way, 20% loss", { latencyMs: 100, jitterMs: 100, loss: 0.2 }, {
    latencyMs: 100,
    jitterMs: 100,
    loss: 0.2,
  }],
];
const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
};
const ms = (value: number) => value.toFixed(1);
for (const [label, down, up] of links) {
  const ages: number[] = [], readings: number[] = [], bounds: number[] = [], errors: number[] = [];
  let over = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const net = memoryNet();
    net.link("server", "client", { ...down, seed });
    net.link("client", "server", { ...up, seed: seed + 1000 });
    const server = new Host(net.socket("server"), { now: () => net.now() + SKEW_MS });
    const client = new Host(net.socket("client"));
    const peer = client.connect("server");
    for (let tick = 0; net.now() < 10_000; tick++) {
      if (tick % 3 === 0) {
        if (peer.state === "connected") peer.send({ sentAt: net.now() }, { mode: "state" });
        for (const each of server.peers) each.send({ sentAt: net.now() }, { mode: "state" });
      }
      client.update();
      server.update();
      for (let ms = 0; ms < 16; ms++) {
        net.advance(1);
        while (server.poll());
        for (let event; (event = client.poll());) {
          if (event.type !== "message" || event.mode !== "state" || net.now() < 2000) continue;
          const age = net.now() - (event.data as { sentAt: number }).sentAt;
          const sentAgo = peer.remoteTime() - event.time;
          ages.push(age), readings.push(sentAgo), bounds.push(peer.clock.errorMs);
          errors.push(Math.abs(sentAgo - age));
          if (Math.abs(sentAgo - age) > peer.clock.errorMs) over++;
        }
      }
    }
  }
  console.log(
    `${label}: ${ages.length} states, age p50 ${ms(percentile(ages, 0.5))} ms, sentAgo p50 ${
      ms(percentile(readings, 0.5))
    }, errorMs p50 ${ms(percentile(bounds, 0.5))}; |sentAgo - age| p50 ${ms(percentile(errors, 0.5))}, p95 ${
      ms(percentile(errors, 0.95))
    }, max ${ms(Math.max(...errors))}, over errorMs ${over}`,
  );
}
