/**
 * Two Hosts chat through a bad link: 80 ms one way, 30 ms of jitter, 10% loss
 * with bursts, duplicates and reordering. The client sends chat lines
 * (`reliable`), its position every tick (`sequenced`) and pings
 * (`unreliable`); the script prints what arrived and the stats, so you can see
 * each mode keep its promise. Time is virtual: it runs in a blink.
 *
 * Run: `deno run examples/bad_link.ts`
 *
 * @module
 */
import { Host, memoryNet } from "../mod.ts";

const net = memoryNet({
  latencyMs: 80,
  jitterMs: 30,
  loss: 0.1,
  burstLoss: 0.01,
  burstLength: 5,
  duplicate: 0.02,
  reorder: 0.02,
  seed: 42,
});
const server = new Host(net.socket("server")); // a Host on a memoryNet reads its virtual clock
const client = new Host(net.socket("client"));
const peer = client.connect("server");

const lines = ["hi!", "anyone here?", "gg", "one more round", "brb"];
const sent = { chat: [] as string[], positions: 0, pings: 0 };
const chat: string[] = [];
const positions: number[] = [];
let pings = 0;

// One tick every 16 ms for 6 seconds: the client sends, both Hosts update, time moves on.
for (let tick = 0; tick < 375; tick++) {
  if (peer.state === "connected") {
    const line = tick % 40 === 0 && lines.shift();
    if (line) {
      peer.send(line); // reliable, channel 0
      sent.chat.push(line);
    }
    peer.send({ x: tick }, { mode: "sequenced", channel: 1 });
    sent.positions++;
    if (tick % 10 === 0) {
      peer.send("ping", { mode: "unreliable", channel: 2 });
      sent.pings++;
    }
  }
  client.update();
  server.update();
  net.advance(16);
  for (let event; (event = server.poll());) {
    if (event.type !== "message") console.log(`server: ${event.type} from ${event.peer.address}`);
    else if (event.channel === 0) chat.push(event.data as string);
    else if (event.channel === 1) positions.push((event.data as { x: number }).x);
    else pings++;
  }
}

const backwards = positions.some((x, i) => i > 0 && x <= positions[i - 1]);
console.log(`chat (reliable):     sent ${JSON.stringify(sent.chat)}`);
console.log(`                    got  ${JSON.stringify(chat)}`);
console.log(`positions (sequenced): sent ${sent.positions}, got ${positions.length}, never backwards: ${!backwards}`);
console.log(`pings (unreliable):    sent ${sent.pings}, got ${pings}`);
const { rttMs, loss, packetsSent, bytesSent, messagesResent } = peer.stats;
console.log(
  `client stats: rtt ${rttMs.toFixed(0)} ms, loss ${(loss * 100).toFixed(0)}%, ` +
    `${packetsSent} packets, ${bytesSent} bytes, ${messagesResent} resent`,
);
const { duplicatesDropped, invalidDropped, packetsReceived } = server.stats;
console.log(
  `server stats: ${packetsReceived} packets received, ${duplicatesDropped} duplicates and ${invalidDropped} invalid dropped`,
);
