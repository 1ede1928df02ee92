/**
 * `deno run -A bench/outage_lone_message.ts [MODULE]`: how long after an outage a lone reliable message on an idle
 * connection takes to arrive (NOTES.md, "Outages and latency spikes"). Two Hosts on a `memoryNet` of 50 ms one way,
 * updated every 16 ms, connected and idle (keepalives once a second); the link goes dark both ways, 200 ms later the
 * client sends one reliable message, and the link comes back after the outage. For outages of 1 to 9 s in steps of
 * 125 ms it prints the ms from the link's return to the message's arrival: median, 90th percentile, largest, and the
 * outages that ended the connection first. MODULE is another copy of mod.ts to run instead (bench/wake_after_silence.patch
 * applied to one, say).
 *
 * @module
 */
import type { Socket } from "../mod.ts";

const { Host, memoryNet } = await import(
  Deno.args[0] ? new URL(Deno.args[0], `file://${Deno.cwd()}/`).href : "../mod.ts"
) as typeof import("../mod.ts");

const TICK_MS = 16;
const ONE_WAY_MS = 50;
const SENT_AFTER_MS = 200;

/** ms from the link's return to the message's arrival, or undefined when it never arrived (the connection ended). */
function run(outageMs: number): number | undefined {
  const net = memoryNet({ latencyMs: ONE_WAY_MS });
  let dark = false;
  const unlessDark = (inner: Socket): Socket => ({ ...inner, send: (data, to) => dark || inner.send(data, to) });
  const server = new Host(unlessDark(net.socket("server")), { now: net.now });
  const client = new Host(unlessDark(net.socket("client")), { now: net.now });
  const peer = client.connect("server");
  let arrivedAt: number | undefined;
  const step = () => {
    client.update();
    server.update();
    net.advance(TICK_MS);
    for (let event; (event = server.poll());) if (event.type === "message") arrivedAt ??= net.now();
    while (client.poll());
  };
  for (let i = 0; i < 100; i++) step();
  if (peer.state !== "connected") throw new Error("The two Hosts did not connect in 100 ticks.");
  dark = true;
  const start = net.now();
  while (net.now() - start < SENT_AFTER_MS) step();
  peer.send("ready");
  while (net.now() - start < outageMs) step();
  dark = false;
  const back = net.now();
  while (arrivedAt === undefined && net.now() - back < 5000) step();
  return arrivedAt === undefined ? undefined : arrivedAt - back;
}

const arrivals: number[] = [];
const ended: number[] = [];
for (let outageMs = 1000; outageMs <= 9000; outageMs += 125) {
  const ms = run(outageMs);
  if (ms === undefined) ended.push(outageMs);
  else arrivals.push(ms);
}
arrivals.sort((a, b) => a - b);
const at = (q: number) => arrivals[Math.min(arrivals.length - 1, Math.floor(q * arrivals.length))];
console.log(
  `${arrivals.length} outages of 1 to 9 s: the message arrived a median ${at(0.5)} ms after the link came back, ` +
    `90th percentile ${at(0.9)}, largest ${arrivals.at(-1)}; the connection ended first at ${
      ended.length ? ended.map((ms) => `${ms} ms`).join(", ") : "none"
    }`,
);
