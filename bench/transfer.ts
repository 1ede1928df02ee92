/**
 * `deno task bench:transfer`: how long 1 MiB takes to cross a link (issue #13,
 * goal 4), on memoryNet's virtual clock. Two Hosts update every TICK_MS (16)
 * ms; once connected, the client sends one 1 MiB Uint8Array (reliable) and
 * the time runs until the server delivers it. Links: clean 50 ms one way,
 * 50 ms one way with 1% loss, and 10 ms one way. Each row also shows packets
 * and message resends of the sender, so a pacing change shows what it costs.
 *
 * Options (environment): PACKETS_PER_UPDATE (unset: the Host's default),
 * SEEDS (1-5), JAMNET_MODULE=path to run another copy of mod.ts.
 *
 * @module
 */
import type * as Jamnet from "../mod.ts";

const { Host, memoryNet } = (await import(Deno.env.get("JAMNET_MODULE") ?? "../mod.ts")) as typeof Jamnet;
const TICK_MS = 16;
const perUpdate = Deno.env.get("PACKETS_PER_UPDATE");
const [firstSeed, lastSeed] = (Deno.env.get("SEEDS") ?? "1-5").split("-").map(Number);
const BYTES = 1 << 20;

/** Ms from connect to delivery of 1 MiB, and the sender's packets and resends. */
function transfer(link: Jamnet.LinkOptions): { ms: number; packets: number; resends: number } {
  const net = memoryNet(link);
  const options = { now: net.now, ...(perUpdate ? { packetsPerUpdate: Number(perUpdate) } : {}) };
  const server = new Host(net.socket("server"), options);
  const client = new Host(net.socket("client"), options);
  const peer = client.connect("server");
  const step = () => {
    client.update();
    server.update();
    net.advance(TICK_MS);
  };
  while (peer.state !== "connected") step();
  while (client.poll());
  const start = net.now();
  peer.send(new Uint8Array(BYTES));
  for (let tick = 0; tick < 100_000; tick++) {
    step();
    for (let event; (event = server.poll());) {
      if (event.type === "message") {
        return { ms: net.now() - start, packets: peer.stats.packetsSent, resends: peer.stats.messagesResent };
      }
    }
    while (client.poll());
  }
  throw new Error("1 MiB did not arrive in 100,000 ticks");
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
const links: [string, Jamnet.LinkOptions][] = [
  ["clean, 50 ms one way", { latencyMs: 50 }],
  ["1% loss, 50 ms one way", { latencyMs: 50, loss: 0.01 }],
  ["5% loss, 50 ms one way", { latencyMs: 50, loss: 0.05 }],
  ["10% loss, 50 ms one way", { latencyMs: 50, loss: 0.1 }],
  ["20% loss, 30 to 70 ms, 5% duplicated and reordered", {
    latencyMs: 30,
    jitterMs: 40,
    loss: 0.2,
    duplicate: 0.05,
    reorder: 0.05,
  }],
  ["bursts (3% chance of 10 lost), 30 to 35 ms", { latencyMs: 30, jitterMs: 5, burstLoss: 0.03, burstLength: 10 }],
  ["no loss, 50 to 70 ms (reordered)", { latencyMs: 50, jitterMs: 20 }],
  ["clean, 10 ms one way", { latencyMs: 10 }],
];
console.log(
  `1 MiB, one reliable message, updates every ${TICK_MS} ms, packetsPerUpdate ${perUpdate ?? "default"}; ` +
    `medians over seeds ${firstSeed}-${lastSeed}\n`,
);
console.log("| link | ms after connect | sender packets | messages resent |");
console.log("|---|--:|--:|--:|");
for (const [label, link] of links) {
  const runs = [];
  for (let seed = firstSeed; seed <= lastSeed; seed++) runs.push(transfer({ ...link, seed }));
  console.log(
    `| ${label} | ${median(runs.map((r) => r.ms))} | ${median(runs.map((r) => r.packets))} | ${
      median(runs.map((r) => r.resends))
    } |`,
  );
}
