// `deno run -A bench/timed_wait.ts`: is the sender's own clock sample enough before its first timed message? Two Hosts
// on memoryNet, 40 to 60 ms one way, 20% loss each way, the receiver's clock 60 s behind the sender's; the sender sends
// one message timed 100 ms ahead as soon as its own `peer.clock.errorMs` is finite. Each side samples the other's clock
// on its own, and the receiver converts `at` with its estimate. Until 2026-12-05 it took the sender's clock for its own
// before its first sample, and a message 60 s ahead of it was past `timeout` and dropped (9 of 50 seeds); since then it
// reads the sender's clock by the newest clock request until then. Prints each seed of 50 where the message was
// dropped, with when each side had its first sample, and how much later than the sender's the receiver's first sample
// came, and when the message came out against its time.
import { Host, memoryNet, type Peer } from "../mod.ts";
let hits = 0, sent = 0;
const later: number[] = [], off: number[] = [];
for (let seed = 1; seed <= 50; seed++) {
  const net = memoryNet();
  net.link("a", "b", { latencyMs: 40, jitterMs: 20, loss: 0.2, seed: seed * 2 });
  net.link("b", "a", { latencyMs: 40, jitterMs: 20, loss: 0.2, seed: seed * 2 + 1 });
  const a = new Host(net.socket("a"));
  const b = new Host(net.socket("b"), { now: () => net.now() - 60000 });
  const pa = a.connect("b");
  let pb: Peer | undefined, sentAt = -1, rxErrAtSend = NaN, rxFirstSample = -1, outAt = NaN;
  for (let t = 0; t < 3000; t += 16) {
    if (pa.state === "connected" && isFinite(pa.clock.errorMs) && sentAt < 0) {
      sentAt = t;
      rxErrAtSend = pb ? pb.clock.errorMs : NaN;
      pa.send(1, { at: net.now() + 100 });
    }
    a.update();
    b.update();
    for (let e; (e = b.poll());) {
      if (e.type === "connect") pb = e.peer;
      if (e.type === "message") outAt = t - sentAt - 100;
    }
    while (a.poll());
    if (pb && rxFirstSample < 0 && isFinite(pb.clock.errorMs)) rxFirstSample = t;
    net.advance(16);
  }
  if (sentAt >= 0) sent++;
  if (rxFirstSample >= 0 && sentAt >= 0) later.push(rxFirstSample - sentAt);
  if (outAt === outAt) off.push(outAt);
  if (b.stats.timedDropped) {
    hits++;
    console.log(
      `seed ${seed}: sender errorMs finite at ${sentAt} ms, receiver's errorMs then ${rxErrAtSend}, receiver's first sample at ${rxFirstSample} ms, dropped ${b.stats.timedDropped}`,
    );
  }
}
console.log(`seeds with the first message dropped: ${hits} of 50 (sent in ${sent}, within the 3 s run)`);
const range = (v: number[]) => `${Math.min(...v)} to ${Math.max(...v)} ms`;
console.log(
  `the receiver's first sample after the sender's, in seeds that sent: ${range(later)} (${later.length} seeds)`,
);
console.log(`the message out, after its time (to the 16 ms tick): ${range(off)} (${off.length} seeds)`);
