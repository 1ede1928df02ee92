// deno run -A bench/voice_relay.ts [N=16] [listeners=4] [secs=10] [stall=0] [timed=1] [pollEvery=1]
// N speaker Hosts -> server Host (relays each frame, unreliable, to every listener with at = event.at, or untimed)
// -> L listener Hosts. memoryNet 30+0..40 ms, no loss. Speakers send 50 frames/s (4-byte seq+speaker, 80 B),
// at = now+150. stall=ms: listener 0 neither updates nor polls from 5 s for that long (a loading hitch).
import { Host, memoryNet, type Peer } from "../mod.ts";
const arg = (k: string, d: string) => Deno.args.find((a) => a.startsWith(k + "="))?.slice(k.length + 1) ?? d;
const N = Number(arg("N", "16")), LN = Number(arg("listeners", "4")), secs = Number(arg("secs", "10"));
const stall = Number(arg("stall", "0")), timed = arg("timed", "1") === "1";
const spkTimed = arg("spkTimed", "0") === "1"; // speakers time their frames too (the server then sees them only at their time)
const pollEvery = Number(arg("pollEvery", "1"));
const maxT = Number(arg("maxTimed", "4096"));
const net = memoryNet({ latencyMs: 30, jitterMs: 40, seed: 3 });
const server = new Host(net.socket("server"), { now: () => net.now() + 5000, maxPeers: 256, maxTimedMessages: maxT });
const spk = Array.from(
  { length: N },
  (_, i) => new Host(net.socket("s" + i), { now: () => net.now() + 100 * i, maxTimedMessages: maxT }),
);
const lis = Array.from(
  { length: LN },
  (_, i) => new Host(net.socket("l" + i), { now: () => net.now() + 333 * i, maxTimedMessages: maxT }),
);
const spkPeers = spk.map((h) => h.connect("server"));
lis.forEach((h) => h.connect("server"));
const listenerPeers = new Set<Peer>();
const got = lis.map(() => ({ ontime: 0, late: 0, maxHeld: 0, afterStall: 0 }));
let relayMs = 0, relayed = 0, sent = 0;
const start = 2000, end = start + secs * 1000;
let bytes0 = 0;
for (let ms = 0; ms < end + 1000; ms++) {
  if (ms === start) bytes0 = server.stats.bytesSent;
  if (ms >= start && ms < end && ms % 20 === 0) {
    spk.forEach((h, i) => {
      const f = new Uint8Array(80);
      new DataView(f.buffer).setUint32(0, ms * 1000 + i);
      spkPeers[i].send(f, spkTimed ? { mode: "unreliable", at: net.now() + 100 * i + 150 } : { mode: "unreliable" });
      sent++;
      h.update();
    });
  }
  if (ms % 16 === 0) spk.forEach((h) => h.update());
  if (ms % 16 === 5) server.update();
  const stalled = (i: number) => stall && i === 0 && ms >= 5000 && ms < 5000 + stall;
  if (ms % 16 === 9) lis.forEach((h, i) => stalled(i) || h.update());
  net.advance(1);
  const t0 = performance.now();
  for (let e; (e = server.poll());) {
    if (e.type === "connect" && e.peer.address.startsWith("l")) listenerPeers.add(e.peer);
    if (e.type === "message") {
      for (const p of listenerPeers) {
        p.send(
          e.data,
          timed ? { mode: "unreliable", at: spkTimed ? e.at : net.now() + 5000 + 100 } : { mode: "unreliable" },
        ), relayed++;
      }
    }
  }
  relayMs += performance.now() - t0;
  for (const h of spk) while (h.poll());
  lis.forEach((h, i) => {
    if (stalled(i) || ms % pollEvery) return;
    for (let e; (e = h.poll());) {
      if (e.type !== "message") continue;
      if (e.late) got[i].late++;
      else got[i].ontime++;
      if (stall && i === 0 && ms >= 5000 + stall && ms < 5000 + stall + 5) got[i].afterStall++;
    }
  });
}
console.log(
  `N=${N} speakers, ${LN} listeners, timed=${timed}, stall=${stall} ms, pollEvery=${pollEvery}, maxTimed=${maxT}: frames sent ${sent}, relayed ${relayed}`,
);
console.log(
  `  server: poll+relay CPU ${
    (1000 * relayMs / Math.max(1, relayed)).toFixed(1)
  } us per relayed frame; bytes/s out per listener ${
    ((server.stats.bytesSent - bytes0) / secs / LN).toFixed(0)
  } for payload ${(N * 50 * 80)} B/s (${
    ((server.stats.bytesSent - bytes0) / relayed - 82).toFixed(1)
  } B overhead per frame over 80+2 B packed)`,
);
console.log(
  `  server timedDropped ${server.stats.timedDropped}; speakers' timedDropped ${
    spk.reduce((a, h) => a + h.stats.timedDropped, 0)
  }`,
);
lis.forEach((h, i) =>
  console.log(
    `  listener ${i}: on time ${got[i].ontime}, late ${
      got[i].late
    }, timedDropped ${h.stats.timedDropped}, invalid ${h.stats.invalidDropped}, dupDropped ${h.stats.duplicatesDropped}, lost ${
      relayed / LN - got[i].ontime - got[i].late - h.stats.timedDropped
    }${stall && i === 0 ? `, delivered in the first poll after the stall ${got[i].afterStall}` : ""}`,
  )
);
