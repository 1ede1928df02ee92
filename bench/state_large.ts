/**
 * `deno run -A bench/state_large.ts [MODULE]`: a large `"state"` sent every update (60 Hz, 16 ms ticks, every number
 * in it new each time, so each delta is about the whole), over memoryNet links with loss and over a link of 8 packets
 * an update (a WebSocket's `packetsPerUpdate`), 10 seeds each (SEEDS=n for more), 600 ticks. Prints the states the receiver got (median,
 * range over the seeds) and the age of the newest state it held, tick by tick: the median over the seeds of each
 * seed's p50 and p99, and the worst p99 (ms from `send` on the sender's clock; Infinity while none has arrived, from
 * tick 100 on). MODULE is a path to mod.ts or a copy of it (default ../mod.ts), so that two can be compared. The clock
 * is virtual: a run gives the same numbers every time.
 *
 * @module
 */
const modulePath = Deno.args[0] ?? new URL("../mod.ts", import.meta.url).pathname;
const { Host, memoryNet } = await import(new URL(modulePath, `file://${Deno.cwd()}/`).href);
const seeds = Number(Deno.env.get("SEEDS") ?? 10);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
const runs: [string, Record<string, number>, Record<string, number>, number][] = [
  ["5% loss, 50 ms", {}, { latencyMs: 50, loss: 0.05 }, 20],
  ["5% loss, 50 ms", {}, { latencyMs: 50, loss: 0.05 }, 5],
  ["20% loss, 50 ms", {}, { latencyMs: 50, loss: 0.2 }, 3],
  ["20% loss, 50 ms", {}, { latencyMs: 50, loss: 0.2 }, 10],
  ["5% loss, 20 ms", {}, { latencyMs: 20, loss: 0.05 }, 40],
  ["8 packets an update, 10 ms", { packetsPerUpdate: 8 }, { latencyMs: 10 }, 20],
  ["8 packets an update, 10 ms, 1% loss", { packetsPerUpdate: 8 }, { latencyMs: 10, loss: 0.01 }, 15],
];
console.log("| link | state | states received of 600 | age p50 ms | age p99 ms (worst seed) |\n|---|--:|--:|--:|--:|");
for (const [name, options, link, kilobytes] of runs) {
  const counts: number[] = [], p50: number[] = [], p99: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const net = memoryNet({ ...link, seed });
    const server = new Host(net.socket("server"), options);
    const client = new Host(net.socket("client"), options);
    const peer = client.connect("server");
    let received = 0, newest = -1;
    const ages: number[] = [];
    const sentAt = new Map<number, number>();
    for (let tick = 0; tick < 600; tick++) {
      if (peer.state === "connected") {
        // kilobytes × 100 float 64s, 9 bytes each packed: every one new each tick.
        const world = Array.from({ length: kilobytes * 100 }, (_, i) => (i * 2654435761 + tick * 97) % 100000 / 7);
        world[0] = tick;
        sentAt.set(tick, net.now());
        peer.send(world, { mode: "state" });
      }
      client.update();
      server.update();
      net.advance(16);
      for (let event; (event = server.poll());) {
        if (event.type === "message") received++, newest = Math.max(newest, event.data[0]);
      }
      if (newest >= 0) ages.push(net.now() - sentAt.get(newest)!);
      else if (tick >= 100) ages.push(Infinity);
      while (client.poll());
    }
    ages.sort((a, b) => a - b);
    counts.push(received);
    p50.push(ages[ages.length >> 1]);
    p99.push(ages[Math.floor(ages.length * 0.99)]);
  }
  console.log(
    `| ${name} | ${kilobytes} KB | ${median(counts)} (${Math.min(...counts)}-${Math.max(...counts)}) | ${
      median(p50)
    } | ${median(p99)} (${Math.max(...p99)}) |`,
  );
}
