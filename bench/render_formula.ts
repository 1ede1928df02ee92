/**
 * The Playback render time two ways, on 10 links × 10 seeds of 17 s (a state every third update, the client sending
 * each update; a review, 2026-12-06): "plain", `peer.remoteTime() - peer.clock.errorMs - 100`, and "aged", which also
 * follows how old states arrive: `peer.remoteTime() - Math.max(peer.clock.errorMs, youngest) - 100`, `youngest` the least
 * of `peer.remoteTime() - event.time` over the last 20 states. Per link: frames whose drawn x stood still, render times
 * past the newest state, frames that moved more than half a ms less than 16 ms ("slow-or-back") or truly back, and how
 * far behind the newest state the render time was on average. `deno run -A bench/render_formula.ts`
 *
 * @module
 */
import type { LinkOptions } from "../mod.ts";
import { Host, memoryNet, Timeline } from "../mod.ts";
const SEEDS = 10, RUN_MS = 17_000;
const both = (l: LinkOptions): [LinkOptions, LinkOptions] => [l, l];
const links: [string, LinkOptions, LinkOptions][] = [
  ["60 ms + 0 to 20, 10% loss", ...both({ latencyMs: 60, jitterMs: 20, loss: 0.1 })],
  ["150 ms + 0 to 50, 20% loss", ...both({ latencyMs: 150, jitterMs: 50, loss: 0.2 })],
  ["100 ms, 30% loss", ...both({ latencyMs: 100, loss: 0.3 })],
  ["100 ms + 0 to 100, 20% loss", ...both({ latencyMs: 100, jitterMs: 100, loss: 0.2 })],
  ["40 ms, bursts of 5", ...both({ latencyMs: 40, burstLoss: 0.04, burstLength: 5 })],
  ["50 ms + 0 to 60, 5% loss", ...both({ latencyMs: 50, jitterMs: 60, loss: 0.05 })],
  ["40 ms + 0 to 20", ...both({ latencyMs: 40, jitterMs: 20 })],
  ["120 ms down, 20 up", { latencyMs: 120 }, { latencyMs: 20 }],
  ["20 ms down, 120 up", { latencyMs: 20 }, { latencyMs: 120 }],
  ["20 ms + 0 to 100 down, 20 up", { latencyMs: 20, jitterMs: 100 }, { latencyMs: 20 }],
];
for (const [label, down, up] of links) {
  const s = {
    plain: { frames: 0, still: 0, past: 0, back: 0, trueBack: 0, maxBack: 0, lag: 0 },
    aged: { frames: 0, still: 0, past: 0, back: 0, trueBack: 0, maxBack: 0, lag: 0 },
  };
  for (let seed = 1; seed <= SEEDS; seed++) {
    const net = memoryNet();
    net.link("server", "client", { ...down, seed });
    net.link("client", "server", { ...up, seed: seed + 1000 });
    const server = new Host(net.socket("server"), { now: () => net.now() + 5000 });
    const client = new Host(net.socket("client"));
    const peer = client.connect("server");
    const timeline = new Timeline<{ x: number; y: number }>();
    let first = Infinity, newest = -Infinity;
    const ages: number[] = [];
    const st = { plain: { drawn: NaN, prev: NaN }, aged: { drawn: NaN, prev: NaN } };
    for (let frame = 0; net.now() < RUN_MS; frame++) {
      if (peer.state === "connected") peer.send({ paddle: frame % 100 }, { mode: "unreliable" });
      if (frame % 3 === 0) {
        const t = net.now() / 1000;
        for (const each of server.peers) each.send({ x: 100 * t, y: 0 }, { mode: "state" });
      }
      client.update();
      server.update();
      net.advance(16);
      while (server.poll());
      for (let event; (event = client.poll());) {
        if (event.type !== "message" || event.mode !== "state") continue;
        timeline.add(event.time, event.data as { x: number; y: number });
        first = Math.min(first, event.time), newest = Math.max(newest, event.time);
        ages.push(peer.remoteTime() - event.time);
        if (ages.length > 20) ages.shift();
      }
      if (peer.clock.errorMs === Infinity) continue;
      const youngest = Math.min(...ages);
      const times = {
        plain: peer.remoteTime() - peer.clock.errorMs - 100,
        aged: peer.remoteTime() - Math.max(peer.clock.errorMs, youngest) - 100,
      };
      for (const k of ["plain", "aged"] as const) {
        const rt = times[k];
        if (!(rt >= first)) continue;
        const { x } = timeline.sample(rt)!;
        const a = s[k], b = st[k];
        a.frames++;
        if (x === b.drawn) a.still++;
        if (rt > newest) a.past++;
        a.lag += newest - rt;
        if (!isNaN(b.prev)) {
          const d = rt - b.prev - 16;
          if (d < -0.5) {
            a.back++;
            a.maxBack = Math.min(a.maxBack, d);
          }
          if (rt < b.prev) a.trueBack++;
        }
        b.prev = rt;
        b.drawn = x;
      }
    }
  }
  const f = (a: typeof s.plain) =>
    `still ${(100 * a.still / a.frames).toFixed(1)}% past ${
      (100 * a.past / a.frames).toFixed(1)
    }% slow-or-back ${a.back}, truly back ${a.trueBack} (max ${a.maxBack.toFixed(1)}) mean newest-render ${
      (a.lag / a.frames).toFixed(0)
    } ms`;
  console.log(`${label}\n  plain: ${f(s.plain)}\n  aged:  ${f(s.aged)}`);
}
