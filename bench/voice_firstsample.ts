// deno run -A bench/voice_firstsample.ts [loss=0.2] [seeds=50] [voice=0|1]
// Idle connection (voice=0) or the speaker starting 20 ms frames at once on connect (voice=1), timed at now+100.
// Time from the listener's connect() to each side's first finite clock.errorMs; frames dropped/late before it.
import { Host, memoryNet, type Peer } from "../mod.ts";
const arg = (k: string, d: string) => Deno.args.find((a) => a.startsWith(k + "="))?.slice(k.length + 1) ?? d;
const loss = Number(arg("loss", "0.2")), seeds = Number(arg("seeds", "50")), voice = arg("voice", "0") === "1";
const behind = arg("behind", "0") === "1"; // speaker's clock behind the listener's
const lisT: number[] = [], spkT: number[] = [];
let dropped = 0, late = 0, sent = 0, ontime = 0, heldLong = 0;
for (let seed = 1; seed <= seeds; seed++) {
  const net = memoryNet();
  net.link("spk", "lis", { latencyMs: 30, jitterMs: 40, loss, seed });
  net.link("lis", "spk", { latencyMs: 30, jitterMs: 40, loss, seed: seed + 1000 });
  const ahead = Number(arg("ahead", "12345"));
  const SPK = behind ? 777 : ahead, LIS = behind ? ahead : 777;
  const spk = new Host(net.socket("spk"), { now: () => net.now() + SPK });
  const lis = new Host(net.socket("lis"), { now: () => net.now() + LIS });
  const toSpk = lis.connect("spk");
  let toLis: Peer | undefined, l = -1, s = -1;
  const sentAt = new Map<number, number>();
  let seq = 0;
  for (let ms = 0; ms < 8000; ms++) {
    if (voice && toLis && ms % 20 === 0 && ms < 4000) {
      toLis.send(Uint8Array.of(seq), { mode: "unreliable", at: net.now() + SPK + 100 });
      sentAt.set(seq++, ms);
      spk.update();
    }
    if (ms % 16 === 0) spk.update();
    if (ms % 16 === 7) lis.update();
    net.advance(1);
    for (let e; (e = spk.poll());) if (e.type === "connect") toLis = e.peer;
    for (let e; (e = lis.poll());) {
      if (e.type !== "message") continue;
      const n = (e.data as Uint8Array)[0] + 256 * Math.floor(seq / 256) -
        ((e.data as Uint8Array)[0] > seq % 256 ? 256 : 0);
      if (e.late) late++;
      else ontime++;
      if (ms + 1 - sentAt.get(n)! > 1000) heldLong++;
    }
    if (l < 0 && toSpk.clock.errorMs < Infinity) l = ms;
    if (s < 0 && toLis && toLis.clock.errorMs < Infinity) s = ms;
  }
  sent += seq;
  dropped += lis.stats.timedDropped;
  lisT.push(l);
  spkT.push(s);
}
const q = (xs: number[], p: number) => {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(v.length * p))];
};
console.log(
  `loss ${loss} voice ${voice} behind ${behind}: listener first sample ms p50 ${q(lisT, .5)} p90 ${q(lisT, .9)} max ${
    q(lisT, 1)
  }; speaker p50 ${q(spkT, .5)} p90 ${q(spkT, .9)} max ${q(spkT, 1)}`,
);
if (voice) {
  console.log(
    `  frames sent ${sent}: timedDropped ${dropped}, flagged late ${late}, on time ${ontime}, delivered >1 s after send ${heldLong}`,
  );
}
