/**
 * `deno run -A bench/game_tail.ts [MODULE] [LATENCY_MS] [LOSS] [OUTAGE_MS]`: a game's
 * tail latency when resends matter. A client sends one reliable 32-byte message a tick
 * (60 Hz, 16 ms ticks) for 6 s over memoryNet, LATENCY_MS one way (jitter a fifth of
 * it) and LOSS each way; from the third second the return path (the server's acks)
 * loses everything for OUTAGE_MS. 20 seeds. Prints p50, p99 and the largest latency
 * pooled over the seeds, and the median and worst of each seed's p99, ms from `send`
 * to delivery. MODULE is a path to mod.ts or a copy of it (a candidate change;
 * default ../mod.ts), so that two can be compared in one run. The clock is virtual:
 * a run gives the same numbers every time.
 *
 * @module
 */
import type { Host as HostType, memoryNet as MemoryNetType } from "../mod.ts";

const [modulePath = new URL("../mod.ts", import.meta.url).href, latencyArg = "5", lossArg = "0.1", outageArg = "0"] =
  Deno.args;
const { Host, memoryNet } = await import(
  modulePath.includes("://") ? modulePath : new URL(modulePath, `file://${Deno.cwd()}/`).href
) as { Host: typeof HostType; memoryNet: typeof MemoryNetType };
const latencyMs = Number(latencyArg), loss = Number(lossArg), outageMs = Number(outageArg);
const SEEDS = 20, TICK_MS = 16, MESSAGES = 360, OUTAGE_FROM = 120;

const pooled: number[] = [];
const p99s: number[] = [];
const percentile = (sorted: number[], q: number) => sorted[Math.floor(sorted.length * q)];
for (let seed = 1; seed <= SEEDS; seed++) {
  const net = memoryNet({ latencyMs, jitterMs: latencyMs / 5, loss, seed });
  let backLost = false;
  const serverSocket = net.socket("server");
  const server = new Host({ ...serverSocket, send: (data, to) => backLost || serverSocket.send(data, to) });
  const client = new Host(net.socket("client"));
  const peer = client.connect("server");
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const step = () => {
    client.update();
    server.update();
    net.advance(TICK_MS);
    for (let event; (event = server.poll());) {
      if (event.type === "message") latencies.push(net.now() - sentAt[event.data as number]);
    }
    while (client.poll());
  };
  while (peer.state !== "connected") step();
  for (let i = 0; i < MESSAGES; i++) {
    if (i === OUTAGE_FROM) backLost = outageMs > 0;
    if (i === OUTAGE_FROM + Math.round(outageMs / TICK_MS)) backLost = false;
    sentAt[i] = net.now();
    peer.send(i);
    step();
  }
  for (let i = 0; i < 300 && latencies.length < MESSAGES; i++) step();
  if (latencies.length < MESSAGES) throw new Error(`seed ${seed}: ${latencies.length} of ${MESSAGES} arrived`);
  latencies.sort((a, b) => a - b);
  p99s.push(percentile(latencies, 0.99));
  pooled.push(...latencies);
}
pooled.sort((a, b) => a - b);
p99s.sort((a, b) => a - b);
console.log(
  `${modulePath}: ${latencyMs} ms one way, loss ${loss}, acks lost for ${outageMs} ms: ` +
    `p50 ${percentile(pooled, 0.5)}, p99 ${percentile(pooled, 0.99)}, max ${pooled.at(-1)}; ` +
    `each seed's p99: median ${p99s[SEEDS >> 1]}, worst ${p99s.at(-1)}`,
);
