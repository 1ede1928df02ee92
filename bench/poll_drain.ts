/**
 * `deno run -A bench/poll_drain.ts [ROUNDS]` (MODULE=path for another copy of mod.ts): how long a server's `poll()`
 * takes to hand out one datagram's worth of events (NOTES.md, "Found by a review of scaling (2026-12-04, evening)").
 * A connected player with an `mtu` of 65,507 sends 8,000, 16,000 or 30,000 one-byte unreliable messages in one update:
 * one datagram, admitted whole while the server's queue is under twice `maxEvents`, so that many events at once. The
 * server's drain of them (poll() until undefined) is timed with performance.now(), as is its receiving (inside its
 * socket's callback, which memoryNet calls in `advance()`). Prints each count with the median and the range of ROUNDS
 * (7) rounds, after one untimed warm-up round. `poll()` by `shift()` copies the queue at each event past about 16,000
 * (V8 keeps it in large-object space); by an index it does not.
 *
 * @module
 */
import type { Socket } from "../mod.ts";

const { Host, memoryNet } = await import(
  Deno.env.get("MODULE") ? new URL(Deno.env.get("MODULE")!, `file://${Deno.cwd()}/`).href : "../mod.ts"
) as typeof import("../mod.ts");
const ROUNDS = Number(Deno.args[0] ?? 7);

/** One round: the ms of the server's receiving and of its drain, the events drained and the datagrams they came in. */
function round(messages: number): { receiveMs: number; drainMs: number; events: number; datagrams: number } {
  const net = memoryNet({ latencyMs: 5 });
  let receiveMs = 0, datagrams = 0;
  const inner = net.socket("server");
  const socket: Socket = {
    send: (data, to) => inner.send(data, to),
    close: () => inner.close(),
    listen: (receive) =>
      inner.listen((data, from) => {
        const start = performance.now();
        receive(data, from);
        datagrams++;
        receiveMs += performance.now() - start;
      }),
  };
  const server = new Host(socket, { now: net.now });
  const client = new Host(net.socket("client"), { now: net.now, mtu: 65507, maxQueuedBytes: 16 << 20 });
  const peer = client.connect("server");
  for (let i = 0; i < 20 && peer.state != "connected"; i++) {
    client.update(), server.update(), net.advance(16);
    while (server.poll());
    while (client.poll());
  }
  if (peer.state != "connected") throw new Error("the two Hosts did not connect");
  for (let i = 0; i < messages; i++) peer.send(i & 127, { mode: "unreliable" });
  receiveMs = datagrams = 0;
  client.update(), net.advance(16);
  let events = 0;
  const start = performance.now();
  while (server.poll()) events++;
  const drainMs = performance.now() - start;
  client.close(), server.close();
  return { receiveMs, drainMs, events, datagrams };
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1];
console.log(`module: ${Deno.env.get("MODULE") ?? "../mod.ts"}; median (min-max) of ${ROUNDS} rounds`);
for (const messages of [8_000, 16_000, 30_000]) {
  round(messages); // warm-up
  const rounds = Array.from({ length: ROUNDS }, () => round(messages));
  const drains = rounds.map((r) => r.drainMs), receives = rounds.map((r) => r.receiveMs);
  const f = (ms: number) => ms.toFixed(1);
  console.log(
    `${messages} messages sent, ${rounds[0].events} events in ${rounds[0].datagrams} datagram(s): drain ${
      f(median(drains))
    } ms (${f(Math.min(...drains))}-` +
      `${f(Math.max(...drains))}), receiving ${f(median(receives))} ms`,
  );
}
