// deno run -A bench/voice.ts [mode=unreliable] [D=60] [link=0|5|20|burst] [seeds=3] [secs=60] [start=3000] [flush=1] [dup=0]
// One speaker -> one listener on memoryNet (1 ms steps), 20 ms Opus-like frames (4-byte seq + 60..160 B),
// speaker clock net.now()+12345, listener clock net.now()+777. Hosts update every 16 ms (different phases);
// with flush=1 the speaker also calls update() right after each frame's send.
// timed: send(frame, {mode, at: spkNow + D}); own: untimed, the listener plays by seq (base = first arrival).
import { Host, memoryNet, type Peer } from "../mod.ts";

const arg = (k: string, d: string) => Deno.args.find((a) => a.startsWith(k + "="))?.slice(k.length + 1) ?? d;
const mode = arg("mode", "unreliable") as "unreliable" | "sequenced";
const D = Number(arg("D", "60"));
const linkName = arg("link", "0");
const seeds = Number(arg("seeds", "3"));
const secs = Number(arg("secs", "60"));
const start = Number(arg("start", "3000"));
const flush = arg("flush", "1") === "1";
const dup = Number(arg("dup", "0"));
const timed = arg("timed", "1") === "1";
const [outAt, outLen] = arg("outage", "0:0").split(":").map(Number); // link cut both ways
const [stopAt, stopLen] = arg("stop", "0:0").split(":").map(Number); // speaker silent (sends nothing)
const reorder = Number(arg("reorder", "0"));
const after: number[] = []; // per frame sent after the outage/stop: delivery minus slot
const SPK = 12345, LIS = 777;
const EVERY = Number(arg("every", "20"));

const links: Record<string, object> = {
  "0": { latencyMs: 30, jitterMs: 40 },
  "5": { latencyMs: 30, jitterMs: 40, loss: 0.05 },
  "20": { latencyMs: 30, jitterMs: 40, loss: 0.2 },
  "burst": { latencyMs: 30, jitterMs: 40, loss: 0.01, burstLoss: 0.01, burstLength: 8 },
};

const tot = {
  sent: 0,
  ontime: 0,
  flaggedLate: 0,
  trulyLate: 0,
  trulyEarly: 0,
  lost: 0,
  dup: 0,
  ooo: 0,
  payload: 0,
  raw: 0,
  bytes: 0,
  backBytes: 0,
  frames: 0,
  timedDropped: 0,
  steps: 0,
  bigSteps: 0,
  maxStep: 0,
  gapsOff: 0,
  gaps: 0,
  maxErr: 0,
  delays: [] as number[],
  errs: [] as number[],
  cpuMs: 0,
  ownOn: [] as number[],
};
for (let seed = 1; seed <= seeds; seed++) {
  const net = memoryNet();
  const L = links[linkName];
  const up = { ...L, seed, duplicate: dup, reorder }, down = { ...L, seed: seed + 1000, duplicate: dup, reorder };
  net.link("spk", "lis", up);
  net.link("lis", "spk", down);
  const spk = new Host(net.socket("spk"), { now: () => net.now() + SPK });
  const lis = new Host(net.socket("lis"), { now: () => net.now() + LIS });
  const toSpk = lis.connect("spk");
  let toLis: Peer | undefined;
  let rnd = seed * 7919;
  const rand = () => ((rnd = (Math.imul(rnd, 1664525) + 1013904223) | 0) >>> 0) / 2 ** 32;
  const sentAt = new Map<number, number>(); // seq -> true send time
  const got = new Map<number, number>(); // seq -> times delivered
  let lastSeq = -1, lastDeliver = -1, lastDeliverAt = 0, seq = 0, prevOffset = NaN;
  const end = start + secs * 1000;
  let bytes0 = 0, back0 = 0;
  const arrivals: [number, number][] = [];
  for (let ms = 0; ms < end + 1000; ms++) {
    if (ms === start) {
      bytes0 = spk.stats.bytesSent;
      back0 = lis.stats.bytesSent;
    }
    if (outLen && ms === outAt) {
      net.link("spk", "lis", { loss: 1 });
      net.link("lis", "spk", { loss: 1 });
    }
    if (outLen && ms === outAt + outLen) {
      net.link("spk", "lis", { ...up, seed: seed + 5 });
      net.link("lis", "spk", { ...down, seed: seed + 6 });
    }
    const silent = stopLen && ms >= stopAt && ms < stopAt + stopLen;
    if (ms >= start && ms < end && ms % EVERY === 0 && toLis && !silent) {
      const len = 60 + Math.floor(rand() * 101);
      const f = new Uint8Array(4 + len);
      new DataView(f.buffer).setUint32(0, seq);
      const t0 = performance.now();
      toLis.send(f, timed ? { mode, at: net.now() + SPK + D } : { mode });
      if (flush) spk.update();
      tot.cpuMs += performance.now() - t0;
      sentAt.set(seq, ms);
      tot.payload += len;
      tot.raw += 4 + len;
      tot.frames++;
      seq++;
    }
    if (ms === end) {
      tot.bytes += spk.stats.bytesSent - bytes0;
      tot.backBytes += lis.stats.bytesSent - back0;
    }
    if (ms % 16 === 0) spk.update();
    if (ms % 16 === 7) lis.update();
    net.advance(1);
    for (let e; (e = spk.poll());) if (e.type === "connect") toLis = e.peer;
    const off = toSpk.clock.offsetMs;
    if (ms >= start && ms < end && off !== prevOffset && !isNaN(prevOffset)) {
      const s = Math.abs(off - prevOffset);
      tot.steps++;
      tot.maxStep = Math.max(tot.maxStep, s);
      if (s >= 5) tot.bigSteps++;
    }
    prevOffset = off;
    const t1 = performance.now();
    for (let e; (e = lis.poll());) {
      if (e.type !== "message") continue;
      const n = new DataView((e.data as Uint8Array).buffer, (e.data as Uint8Array).byteOffset).getUint32(0);
      const now = ms + 1;
      const ev = outLen ? outAt + outLen : stopAt + stopLen;
      if ((outLen || stopLen) && sentAt.get(n)! >= ev - 200 && sentAt.get(n)! < ev + 3000) {
        after.push(n, sentAt.get(n)!, now - (sentAt.get(n)! + D), e.late ? 1 : 0);
      }
      got.set(n, (got.get(n) ?? 0) + 1);
      if (got.get(n)! > 1) {
        tot.dup++;
        continue;
      }
      if (n < lastSeq) tot.ooo++;
      lastSeq = Math.max(lastSeq, n);
      tot.delays.push(now - sentAt.get(n)!);
      arrivals.push([n, now]);
      if (timed) {
        const slot = sentAt.get(n)! + D; // true time the frame should play
        const err = now - slot;
        tot.errs.push(err);
        if (e.late) tot.flaggedLate++;
        else {
          tot.ontime++;
          if (err > 1) tot.trulyLate++;
          if (err < -1) tot.trulyEarly++;
          if (n === lastDeliver + 1 && lastDeliver >= 0) {
            tot.gaps++;
            if (Math.abs(now - lastDeliverAt - 20) > 1) {
              tot.gapsOff++;
              tot.maxErr = Math.max(tot.maxErr, Math.abs(now - lastDeliverAt - 20));
            }
          }
          lastDeliver = n;
          lastDeliverAt = now;
        }
      }
    }
    tot.cpuMs += performance.now() - t1;
  }
  tot.timedDropped += lis.stats.timedDropped;
  tot.sent += seq;
  tot.lost += seq - got.size;
  // own buffer: base = first arrival - 20*n; on time if arrival <= base + 20n + extra
  if (!timed && arrivals.length) {
    const [n0, a0] = arrivals[0];
    const lat = arrivals.map(([n, a]) => a - (a0 + 20 * (n - n0))).sort((x, y) => x - y);
    tot.ownOn.push(...lat);
  }
  // timed delivery: gaps between consecutive on-time deliveries
  spk.close();
  lis.close();
}
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};
const secsTot = secs * seeds;
const out: string[] = [];
out.push(`mode=${mode} timed=${timed} D=${D} link=${linkName} dup=${dup} seeds=${seeds}x${secs}s flush=${flush}`);
out.push(
  `  frames sent ${tot.sent}, delivered ${tot.sent - tot.lost} (lost ${
    (100 * tot.lost / tot.sent).toFixed(2)
  }%), dup ${tot.dup}, out-of-order ${tot.ooo}`,
);
out.push(`  one-way delay to delivery p50/p99/max ${q(tot.delays, .5)}/${q(tot.delays, .99)}/${q(tot.delays, 1)} ms`);
if (timed) {
  const recv = tot.sent - tot.lost;
  out.push(
    `  timed: on time ${tot.ontime} (${
      (100 * tot.ontime / recv).toFixed(2)
    }% of delivered), flagged late ${tot.flaggedLate}, timedDropped ${tot.timedDropped}`,
  );
  out.push(
    `  consecutive on-time frames whose playout gap is not 20±1 ms: ${tot.gapsOff} of ${tot.gaps} (worst off by ${tot.maxErr} ms)`,
  );
  out.push(
    `  delivery minus true slot: p1 ${q(tot.errs, .01)} p50 ${q(tot.errs, .5)} p99 ${q(tot.errs, .99)} max ${
      q(tot.errs, 1)
    }; unflagged but >1ms late ${tot.trulyLate}, >1ms early ${tot.trulyEarly}`,
  );
} else {
  const s = tot.ownOn.sort((a, b) => a - b);
  out.push(
    `  own buffer (base=first arrival): extra delay for 99% of delivered on time ${q(s, .99)} ms (p50 ${
      q(s, .5)
    }, min ${s[0]})`,
  );
}
out.push(`  clock steps during voice: ${tot.steps} (>=5ms: ${tot.bigSteps}, max ${tot.maxStep.toFixed(2)} ms)`);
out.push(
  `  bytes/s speaker: ${(tot.bytes / secsTot).toFixed(0)} vs raw UDP+4B seq ${
    (tot.raw / secsTot + 0).toFixed(0)
  } (payload ${(tot.payload / secsTot).toFixed(0)}); per frame overhead ${
    ((tot.bytes - tot.payload) / tot.frames).toFixed(1)
  } B vs 4; listener back ${(tot.backBytes / secsTot).toFixed(0)} B/s`,
);
out.push(`  CPU ${(1000 * tot.cpuMs / tot.frames).toFixed(1)} us per frame (send+update+poll, both ends)`);
if (outLen || stopLen) {
  const rows: string[] = [];
  for (let i = 0; i < after.length; i += 4) rows.push(`${after[i + 1]}:${after[i + 2]}${after[i + 3] ? "L" : ""}`);
  out.push(
    `  frames sent near the event (sent ms : delivery-slot ms, L=flagged late), last seed: ${
      rows.slice(-150).join(" ")
    }`,
  );
}
console.log(out.join("\n"));
