// `deno run -A bench/playback.ts [DELAY_MS] [MODULE]`: how often a ball drawn at the README's render time (Playback:
// `peer.remoteTime() - peer.clock.errorMs - DELAY_MS`, DELAY_MS 100 by default) stands still. A scratch pong on
// memoryNet: the server sends the moving ball as a `"state"` every 3rd frame (20 a second), the client its paddle as an
// unreliable message every frame; both update every 16 ms (a frame); the client files each state in a Timeline and
// draws `timeline.sample(render time)` every frame, for 17 virtual seconds, 10 seeds (each direction's link seeded on its
// own: seed and seed + 1000). Frames count once the client has a clock sample and the
// render time has reached the first state. Prints, per link, the frames
// drawn, the share on which the ball stood still (drawn where it was the frame before), and the share whose render
// time was past the newest state that had arrived (the ball stands still from the frame after).
import type { LinkOptions } from "../mod.ts";

const { Host, memoryNet, Timeline } = await import(
  Deno.args[1] ? new URL(Deno.args[1], `file://${Deno.cwd()}/`).href : "../mod.ts"
) as typeof import("../mod.ts");
const delay = Number(Deno.args[0] ?? 100);
const SEEDS = 10;
const RUN_MS = 17_000;
const links: [string, LinkOptions, LinkOptions][] = [
  ["60 ms one way, 0 to 20 ms of jitter, 10% loss", ...both({ latencyMs: 60, jitterMs: 20, loss: 0.1 })],
  ["150 ms one way, 0 to 50 ms of jitter, 20% loss", ...both({ latencyMs: 150, jitterMs: 50, loss: 0.2 })],
  ["100 ms one way, 30% loss", ...both({ latencyMs: 100, loss: 0.3 })],
  ["100 to 200 ms one way, 20% loss", ...both({ latencyMs: 100, jitterMs: 100, loss: 0.2 })],
  [
    "40 ms one way, 20% loss in bursts of 5 (4% of datagrams start one)",
    ...both({ latencyMs: 40, burstLoss: 0.04, burstLength: 5 }),
  ],
  ["120 ms from the server, 20 back", { latencyMs: 120 }, { latencyMs: 20 }],
  ["20 ms from the server, 120 back", { latencyMs: 20 }, { latencyMs: 120 }],
];
function both(link: LinkOptions): [LinkOptions, LinkOptions] {
  return [link, link];
}
console.log(`render time: peer.remoteTime() - peer.clock.errorMs - ${delay}`);
for (const [label, down, up] of links) {
  let frames = 0, still = 0, past = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const net = memoryNet();
    net.link("server", "client", { ...down, seed });
    net.link("client", "server", { ...up, seed: seed + 1000 });
    const server = new Host(net.socket("server"));
    const client = new Host(net.socket("client"));
    const peer = client.connect("server");
    const timeline = new Timeline<{ x: number; y: number }>();
    let first = Infinity, newest = -Infinity, drawn = NaN;
    for (let frame = 0; net.now() < RUN_MS; frame++) {
      if (peer.state === "connected") peer.send({ paddle: frame % 100 }, { mode: "unreliable" });
      if (frame % 3 === 0) {
        const t = net.now() / 1000;
        for (const each of server.peers) each.send({ x: 100 * t, y: 50 * Math.sin(t) }, { mode: "state" });
      }
      client.update();
      server.update();
      net.advance(16);
      while (server.poll());
      for (let event; (event = client.poll());) {
        if (event.type !== "message" || event.mode !== "state") continue;
        timeline.add(event.time, event.data as { x: number; y: number });
        first = Math.min(first, event.time), newest = Math.max(newest, event.time);
      }
      if (peer.clock.errorMs === Infinity) continue;
      const renderTime = peer.remoteTime() - peer.clock.errorMs - delay;
      if (!(renderTime >= first)) continue;
      const { x } = timeline.sample(renderTime)!; // what the game draws
      frames++;
      if (x === drawn) still++;
      if (renderTime > newest) past++;
      drawn = x;
    }
  }
  const share = (count: number) => `${(100 * count / frames).toFixed(1)}%`;
  console.log(
    `${label}: ${frames} frames, the ball stood still on ${share(still)}, past the newest state ${share(past)}`,
  );
}
