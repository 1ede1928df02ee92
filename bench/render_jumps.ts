/**
 * The Playback render time, `peer.remoteTime() - peer.clock.errorMs - 100`, frame to frame (16 ms apart) after the first
 * clock sample: how often and how far it moves more than half a ms more (forward) or less (back) than the 16 ms of the
 * frame, when a better clock sample comes (a review, 2026-12-06). `deno run -A bench/render_jumps.ts`
 *
 * @module
 */
import { Host, memoryNet } from "../mod.ts";
for (const [lat, jit, loss] of [[50, 60, 0.05], [40, 20, 0], [100, 100, 0.1]]) {
  const fw: number[] = [], bk: number[] = [];
  for (let seed = 1; seed <= 5; seed++) {
    const net = memoryNet({ latencyMs: lat, jitterMs: jit, loss, seed });
    const server = new Host(net.socket("server"), { now: () => net.now() + 5000 });
    const client = new Host(net.socket("client"));
    const peer = client.connect("server");
    let prev = NaN;
    for (let f = 0; f < 60 * 20; f++) {
      if (f % 3 === 0) { for (const p of server.peers) p.send({ f }, { mode: "state" }); }
      server.update();
      client.update();
      net.advance(16);
      while (server.poll());
      while (client.poll());
      const { errorMs } = peer.clock;
      if (errorMs === Infinity) continue;
      const rt = peer.remoteTime() - errorMs - 100;
      if (!isNaN(prev)) {
        const d = rt - prev - 16;
        if (d > 0.5) fw.push(+d.toFixed(1));
        if (d < -0.5) bk.push(+d.toFixed(1));
      }
      prev = rt;
    }
  }
  fw.sort((a, b) => b - a);
  bk.sort((a, b) => a - b);
  console.log(
    `${lat} ms + 0 to ${jit} ms of jitter, ${loss * 100}% loss, 5 seeds × 20 s: ${fw.length} forward jumps (largest ${
      fw.slice(0, 5).join(", ")
    } ms), ${bk.length} back (largest ${bk.slice(0, 5).join(", ")} ms)`,
  );
}
