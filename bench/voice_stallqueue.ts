// deno run -A bench/voice_stallqueue.ts [rate=3200] [stall=1000] [timed=1] [latency=30] [jitter=40] [loss=0]
// A server sends `rate` unreliable 80-byte frames a second to one client (a relay of rate/50 voices), updating every
// 16 ms. The client stops calling update() and poll() for `stall` ms from t=5 s (a loading hitch, a GC pause, a
// debugger); memoryNet still hands its socket the datagrams. Reports: does send() throw, how big the server's queue
// gets (bytes the Host reports in its RangeError), and how stale the frames are that arrive after the stall.
import { Host, memoryNet, type Peer } from "../mod.ts";
const arg = (k: string, d: string) => Deno.args.find((a) => a.startsWith(k + "="))?.slice(k.length + 1) ?? d;
const rate = Number(arg("rate", "3200")), stall = Number(arg("stall", "1000")), timed = arg("timed", "1") === "1";
const net = memoryNet({
  latencyMs: Number(arg("latency", "30")),
  jitterMs: Number(arg("jitter", "40")),
  loss: Number(arg("loss", "0")),
  seed: 5,
});
const server = new Host(net.socket("server"), { now: () => net.now() + 5000 });
const client = new Host(net.socket("client"), { now: () => net.now() + 77 });
client.connect("server");
let peer: Peer | undefined, throws = 0, firstThrow = -1, sent = 0, refusedFalse = 0;
const sentAt: number[] = [];
const stale: [number, number, boolean][] = []; // [sent ms, delivered ms, late]
let perTick = 0;
for (let ms = 0; ms < 12000; ms++) {
  if (peer && ms >= 2000 && ms < 10000) {
    perTick += rate / 1000;
    for (; perTick >= 1; perTick--) {
      const f = new Uint8Array(80);
      new DataView(f.buffer).setUint32(0, sent);
      try {
        const ok = peer.send(f, timed ? { mode: "unreliable", at: net.now() + 5000 + 120 } : { mode: "unreliable" });
        if (!ok) refusedFalse++;
        sentAt[sent++] = ms;
      } catch (e) {
        throws++;
        if (firstThrow < 0) {
          firstThrow = ms;
          console.log(`  first throw at ${ms} ms: ${(e as Error).message.slice(0, 160)}`);
        }
      }
    }
  }
  const stalled = ms >= 5000 && ms < 5000 + stall;
  if (ms % 16 === 0) server.update();
  if (ms % 16 === 8 && !stalled) client.update();
  net.advance(1);
  for (let e; (e = server.poll());) if (e.type === "connect") peer = e.peer;
  if (!stalled) {
    for (let e; (e = client.poll());) {
      if (e.type !== "message") {
        console.log("  client event", e.type, e.type === "disconnect" ? e.reason : "");
        continue;
      }
      const n = new DataView((e.data as Uint8Array).buffer, (e.data as Uint8Array).byteOffset).getUint32(0);
      stale.push([sentAt[n], ms + 1, !!e.late]);
    }
  }
}
const after = stale.filter(([, d]) => d >= 5000 + stall);
const worst = after.reduce((m, [s, d]) => Math.max(m, d - s), 0);
const staleOver = (x: number) => after.filter(([s, d]) => d - s > x);
const unflaggedStale = after.filter(([s, d, l]) => d - s > 300 && !l).length;
console.log(
  `rate ${rate}/s timed=${timed} stall=${stall} ms: sent ${sent}, send() threw ${throws} times (first at ${firstThrow} ms), returned false ${refusedFalse}`,
);
console.log(
  `  delivered ${stale.length}; after the stall: worst age ${worst} ms, ${
    staleOver(300).length
  } frames older than 300 ms (${unflaggedStale} of them not flagged late), ${staleOver(1000).length} older than 1 s`,
);
const s = server.stats;
console.log(
  `  server: packetsSent ${s.packetsSent}, bytesSent ${s.bytesSent}; client timedDropped ${client.stats.timedDropped}, duplicatesDropped ${client.stats.duplicatesDropped}, invalidDropped ${client.stats.invalidDropped}; peer state ${peer?.state}`,
);
// when did frames sent right after the stall arrive?
const rows = stale.filter(([sm]) => sm >= 5000 + stall - 100 && sm < 5000 + stall + 2000).filter((_, i) => i % 50 === 0)
  .map(([sm, d, l]) => `${sm}->${d}${l ? "L" : ""}`);
console.log(`  frames sent around the stall's end (sent->delivered): ${rows.join(" ")}`);
