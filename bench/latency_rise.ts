/**
 * Playback's render time when the link's latency rises mid-game (a Wi-Fi or LTE handover, a queue filling): 10 ms each
 * way for 10 s, then 150 (a review, 2026-12-06). `peer.clock.errorMs` is half the best round trip among the last 16
 * samples, one a second, so it keeps the old short trip for up to 16 s: `remoteTime() - errorMs - 100` is then later
 * than the newest state, and the drawn world stands still between snapshots. Printed per 2 s: frames whose render time
 * is past the newest state that arrived, for the README's render time and for one that also follows how old states
 * are when they arrive (`peer.remoteTime() - event.time`, the least of the last 20), and how often that one stepped
 * back.
 *
 * `deno run -A bench/latency_rise.ts [after_ms=150] [before_ms=10]`
 *
 * @module
 */
import { Host, memoryNet } from "../mod.ts";

const after = Number(Deno.args[0] ?? 150), before = Number(Deno.args[1] ?? 10);
const net = memoryNet();
net.link("server", "client", { latencyMs: before, seed: 1 });
net.link("client", "server", { latencyMs: before, seed: 2 });
const server = new Host(net.socket("server"), { now: () => net.now() + 5000 }); // its clock 5 s ahead
const client = new Host(net.socket("client"));
const peer = client.connect("server");
let newest = -Infinity, frames = 0, past = 0, agedPast = 0, back = 0, last = -Infinity;
const ages: number[] = []; // how old the last 20 states were when they arrived, on the sender's clock
for (let frame = 0; frame < 60 * 40; frame++) {
  if (frame == 600) {
    net.link("server", "client", { latencyMs: after, seed: 3 });
    net.link("client", "server", { latencyMs: after, seed: 4 });
  }
  if (frame % 3 == 0) { for (const other of server.peers) other.send({ frame }, { mode: "state" }); // 20 a second
   }
  server.update();
  client.update();
  net.advance(16);
  while (server.poll());
  for (let event; (event = client.poll());) {
    if (event.type == "message" && event.mode == "state") {
      newest = Math.max(newest, event.time);
      ages.push(peer.remoteTime() - event.time);
      if (ages.length > 20) ages.shift();
    }
  }
  const { errorMs } = peer.clock;
  if (errorMs == Infinity || newest == -Infinity) continue;
  const render = peer.remoteTime() - errorMs - 100;
  const aged = peer.remoteTime() - Math.max(errorMs, Math.min(...ages)) - 100;
  frames++;
  if (render > newest) past++;
  if (aged > newest) agedPast++;
  if (aged < last) back++;
  last = aged;
  if (frame % 120 == 119) {
    console.log(
      `${((frame + 1) * 16 / 1000).toFixed(1)} s: errorMs ${
        errorMs.toFixed(0)
      }, past the newest state ${past} of ${frames} frames; following the age ${agedPast}, stepped back ${back}`,
    );
    frames =
      past =
      agedPast =
      back =
        0;
  }
}
