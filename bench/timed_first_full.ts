// `deno run -A bench/timed_first_full.ts [count=20] [bytes=100] [aheadMs=5000]`: timed messages sent at connect in
// packets too full for a clock request. A receiver with no clock sample reads the sender's clock by the newest clock
// request it heard (the request's send time less its arrival); one that heard none yet takes the sender's clock for its
// own. A clock request rides only in a packet with 37 bytes of room left, so `count` messages of `bytes` that fill the
// first packets go without one. Two Hosts on memoryNet, 50 ms one way, the client's clock `aheadMs` ahead of the
// server's; at connect the client sends the messages, each timed 200 ms ahead. Prints when each arrived (ms after it was
// sent, and how many at that time) and each change of the server's offset estimate (ms after the send, or the clock's time before it: the offset).
// 2026-12-05: 20 of 100 bytes, and 1 of 1,140, came 5,200 ms after they were sent (the first request a second later);
// 1 of 1,000 bytes, with room for the request, 250 ms after.
import { Host, memoryNet } from "../mod.ts";

const [count = 20, bytes = 100, aheadMs = 5000] = Deno.args.map(Number);
const net = memoryNet({ latencyMs: 50 });
const server = new Host(net.socket("server"));
const client = new Host(net.socket("client"), { now: () => net.now() + aheadMs });
const peer = client.connect("server");
let sentAt: number | undefined;
const arrivals = new Map<number, number>();
const offsets: string[] = [];
let last: number | undefined;
for (let i = 0; i < 2000; i++) {
  if (peer.state === "connected" && sentAt === undefined) {
    sentAt = net.now();
    for (let k = 0; k < count; k++) peer.send(new Uint8Array(bytes), { at: net.now() + aheadMs + 200 });
  }
  client.update(), server.update(), net.advance(5);
  const offset = server.peers[0]?.clock.offsetMs;
  if (offset !== undefined && offset !== last) {
    offsets.push(`${sentAt === undefined ? `before the send, at ${net.now()}` : net.now() - sentAt}: ${offset}`),
      last = offset;
  }
  for (let event; (event = server.poll());) {
    if (event.type === "message") arrivals.set(net.now() - sentAt!, (arrivals.get(net.now() - sentAt!) ?? 0) + 1);
  }
}
console.log(
  `${count} × ${bytes} bytes, a clock ${aheadMs} ms ahead: arrived (ms after sent × count) ` +
    `${[...arrivals].map(([ms, n]) => `${ms} × ${n}`).join(", ")}; the server's offset (ms after sent: offset) ` +
    offsets.join(", "),
);
