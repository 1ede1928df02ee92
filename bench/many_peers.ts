// `deno run -A bench/many_peers.ts [ROUNDS] [MODULE]`: what a server's thread spends per peer per update as the peers
// grow (README, "A server with many peers"). One server and 16, 64, 256 and 1,024 clients on memoryNet, 30 ms one way,
// without loss and at 5% (seeded), every Host updating every 16 ms. Each client sends a 16-byte reliable input each
// update; the server sends each peer a 200-byte `"state"` at 20 Hz (every 3rd update) and a reliable broadcast once a
// second (to each peer in turn); everyone polls every update; the server's `maxPeers` is the count. After 2 s to connect and settle, 3 virtual seconds (187
// updates) are timed with performance.now(): the server's `update()`, its `poll()`, and its receiving (inside its
// socket's callback, which memoryNet calls in `advance()`). Prints, per count and loss, the µs of the server's thread
// per peer per update, and its three parts, each the median of ROUNDS (3) rounds (after one untimed warm-up round); and
// the p99 of a whole update's cost in ms.
import type { Socket } from "../mod.ts";

const { Host, memoryNet, pack } = await import(
  Deno.args[1] ? new URL(Deno.args[1], `file://${Deno.cwd()}/`).href : "../mod.ts"
) as typeof import("../mod.ts");
const ROUNDS = Number(Deno.args[0] ?? 3);
const TICK_MS = 16;
const SETTLE_MS = 2000;
const MEASURE_MS = 3000;
const input = new Uint8Array(14); // packed as a bin: 16 bytes
const stateOf = (tick: number) => [...Array.from({ length: 21 }, (_, i) => tick + i / 7 + 0.01), "players"]; // 200 B
if (pack(input).length !== 16 || pack(stateOf(1)).length !== 200) throw new Error("sizes moved");

function round(peers: number, loss: number, seed: number) {
  const net = memoryNet({ latencyMs: 30, loss, seed });
  let receiving = 0;
  const inner = net.socket("server");
  const socket: Socket = {
    send: (data, to) => inner.send(data, to),
    listen: (receive) =>
      inner.listen((data, from) => {
        const start = performance.now();
        receive(data, from);
        receiving += performance.now() - start;
      }),
    close: () => inner.close(),
  };
  const server = new Host(socket, { now: net.now, maxPeers: peers });
  const clients = Array.from({ length: peers }, (_, i) => new Host(net.socket(`10.0.${i >> 8}.${i & 255}:5000`)));
  const links = clients.map((client) => client.connect("server"));
  let updating = 0, polling = 0;
  const perUpdate: number[] = [];
  for (let tick = 0; net.now() < SETTLE_MS + MEASURE_MS; tick++) {
    const timed = net.now() >= SETTLE_MS;
    for (const link of links) if (link.state === "connected") link.send(input);
    if (tick % 3 === 0) {
      const state = stateOf(tick);
      for (const peer of server.peers) peer.send(state, { mode: "state" });
    }
    if (tick % 62 === 0) { for (const peer of server.peers) peer.send({ tick, text: "once a second" }); }
    for (const client of clients) client.update();
    const before = receiving;
    let start = performance.now();
    server.update();
    const updated = performance.now() - start;
    net.advance(TICK_MS);
    start = performance.now();
    while (server.poll());
    const polled = performance.now() - start;
    for (const client of clients) while (client.poll());
    if (!timed) continue;
    updating += updated, polling += polled;
    perUpdate.push(updated + polled + receiving - before);
  }
  if (server.peers.length !== peers) throw new Error(`${server.peers.length} of ${peers} connected`);
  const updates = perUpdate.length;
  const receivingTimed = perUpdate.reduce((a, b) => a + b) - updating - polling;
  const us = (ms: number) => (1000 * ms) / updates / peers;
  perUpdate.sort((a, b) => a - b);
  return {
    total: us(updating + polling + receivingTimed),
    receive: us(receivingTimed),
    update: us(updating),
    poll: us(polling),
    p99: perUpdate[Math.floor(updates * 0.99)],
  };
}

round(64, 0.05, 99); // a warm-up round, not printed: the first would run cold
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`Deno ${Deno.version.deno}; medians of ${ROUNDS} rounds; µs of the server's thread per peer per update`);
console.log("| peers | loss | total | receiving | update() | poll() | ms per update, p99 |");
console.log("| ----: | ---: | ----: | --------: | -------: | -----: | -----------------: |");
for (const peers of [16, 64, 256, 1024]) {
  for (const loss of [0, 0.05]) {
    const rounds = Array.from({ length: ROUNDS }, (_, i) => round(peers, loss, i + 1));
    const field = (name: keyof (typeof rounds)[0], digits = 1) => median(rounds.map((r) => r[name])).toFixed(digits);
    console.log(
      `| ${peers} | ${loss * 100}% | ${field("total")} | ${field("receive")} | ${field("update")} | ${
        field("poll")
      } | ${field("p99", 2)} |`,
    );
  }
}
