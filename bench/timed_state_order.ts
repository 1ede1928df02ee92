// `deno run -A bench/timed_state_order.ts`: a timed "state" (or "sequenced" message) is held until its time and comes
// out by time, not by send order: an older one timed later than a newer one sent after it, or followed by an untimed
// one, comes out after that newer one, with no clock movement at all (a fuzz of the Host's contract found it,
// 2026-12-05). Two Hosts on memoryNet, 10 ms one way, past their first clock samples; three cases, each printing what
// the receiver polls, in order, with its `at` and when it was polled.
// Printed 2026-12-05: {"tick":2} (untimed) then {"tick":1} (at +200); {"tick":4} (at +50) then {"tick":3} (at +200);
// {"seq":2} then {"seq":1}: each older one after the newer.
import { Host, memoryNet } from "../mod.ts";

const net = memoryNet({ latencyMs: 10 });
const sender = new Host(net.socket("a"));
const receiver = new Host(net.socket("b"));
const peer = sender.connect("b");
const frame = () => (sender.update(), receiver.update(), net.advance(16), sender.poll());
for (let i = 0; i < 100; i++) while (frame() || receiver.poll()); // past the first clock samples
const show = (label: string) => {
  for (let i = 0; i < 30; i++) {
    frame();
    for (let event; (event = receiver.poll());) {
      if (event.type === "message") {
        console.log(`${label}: ${JSON.stringify(event.data)} at ${event.at} polled at ${net.now()}`);
      }
    }
  }
};
peer.send({ tick: 1 }, { mode: "state", at: net.now() + 200 });
frame();
peer.send({ tick: 2 }, { mode: "state" });
show("a timed state, then an untimed one");
peer.send({ tick: 3 }, { mode: "state", at: net.now() + 200 });
frame();
peer.send({ tick: 4 }, { mode: "state", at: net.now() + 50 });
show("two timed states, the newer one sooner");
peer.send({ seq: 1 }, { mode: "sequenced", at: net.now() + 200 });
frame();
peer.send({ seq: 2 }, { mode: "sequenced" });
show("sequenced: a timed message, then an untimed one");
