/**
 * `deno run -A bench/state_fuzz.ts [RUNS] [FIRST_SEED] [v]` (MODULE=path for another copy of mod.ts): seeded runs of
 * states (1 to 4 sent an update, 1 or 2 channels, 60 B to 4 KB, random links); a run is broken when a channel goes 60
 * updates without a state in its second half, or a state delivered is wrong or older than one before. From a review,
 * 2026-12-03 (NOTES.md, History, Snapshots). Prints each run with `v`. Given a copy of mod.ts whose Snapshots.decode adds
 * 1 to `globalThis.DECODEFAIL` when a would-be newest state fails to rebuild (`if (!bytes) { if (newest) … }`), each run
 * prints that count as `decode n`, as the review counted lost states.
 *
 * @module
 */
// State baseline fuzz: deno run -A state_fuzz.ts [runs] [startSeed]
// Random link (latency, jitter, loss, dup, reorder), 1-4 states sent an update (superseded ones take sequences),
// state sizes that vary the piece count, 1-2 state channels. Checks every delivered state's content, counts
// invalidDropped, and the longest run of updates with no state delivered in the second half (a cascade).
const { Host, memoryNet } = await import(
  Deno.env.get("MODULE") ? new URL(Deno.env.get("MODULE")!, `file://${Deno.cwd()}/`).href : "../mod.ts"
);
import { seeded, seededBytes } from "../test_tools.ts";
const runs = +(Deno.args[0] ?? 200), start = +(Deno.args[1] ?? 1);
const only = Deno.args[2];
function content(t: number, len: number): Uint8Array {
  const a = new Uint8Array(len);
  for (let i = 0; i < len; i++) a[i] = (i * 7 + (i % 97 == t % 97 ? t : 0)) & 255;
  return a;
}
let bad = 0;
for (let seed = start; seed < start + runs; seed++) {
  const r = seeded(seed);
  const link = {
    latencyMs: Math.floor(r() * 120),
    jitterMs: Math.floor(r() * 100),
    loss: r() < 0.5 ? 0 : r() * 0.1,
    duplicate: r() < 0.7 ? 0 : r() * 0.05,
    reorder: r() < 0.7 ? 0 : r() * 0.1,
    seed,
  };
  const perUpdate = 1 + Math.floor(r() * 4);
  const channels = 1 + Math.floor(r() * 2);
  const bigChance = r() < 0.3 ? 0 : r();
  const bigLen = [1500, 2500, 4000][Math.floor(r() * 3)];
  const net = memoryNet(link);
  const server = new Host(net.socket("s"), { random: seededBytes(seed), channels: 4 });
  const client = new Host(net.socket("c"), { random: seededBytes(seed + 1e6), channels: 4 });
  client.connect("s");
  let t = 0;
  const FR = 1200;
  const lastDelivered = new Array(channels).fill(-1);
  let longest = 0, wrong = 0, delivered = 0;
  const lastAt = new Array(channels).fill(FR / 2);
  for (let frame = 0; frame < FR; frame++) {
    for (let k = 0; k < perUpdate; k++, t++) {
      const len = r() < bigChance ? bigLen : 60 + (t % 5);
      for (const ch of Array.from({ length: channels }, (_, i) => i)) {
        for (const p of server.peers) {
          if (p.state === "connected") p.send({ t, len, r: content(t, len) }, { mode: "state", channel: ch });
        }
      }
    }
    server.update();
    client.update();
    net.advance(16);
    while (server.poll());
    for (let e; (e = client.poll());) {
      if (e.type !== "message") continue;
      const d = e.data as { t: number; len: number; r: Uint8Array };
      const exp = content(d.t, d.len);
      if (d.r.length !== d.len || d.r.some((b, i) => b !== exp[i]) || d.t <= lastDelivered[e.channel]) wrong++;
      lastDelivered[e.channel] = d.t;
      if (frame >= FR / 2) {
        longest = Math.max(longest, frame - lastAt[e.channel]);
        lastAt[e.channel] = frame;
        delivered++;
      }
    }
  }
  for (let ch = 0; ch < channels; ch++) longest = Math.max(longest, FR - lastAt[ch]);
  const inv = `${client.peers[0]?.stats.invalidDropped ?? -1} (decode ${
    (globalThis as { DECODEFAIL?: number }).DECODEFAIL ?? 0
  })`;
  (globalThis as { DECODEFAIL?: number }).DECODEFAIL = 0;
  const line =
    `seed ${seed} ${JSON.stringify(link)} per ${perUpdate} ch ${channels} big ${bigChance.toFixed(2)}x${bigLen}: ` +
    `delivered ${delivered} longestGap ${longest} invalid ${inv} wrong ${wrong} peers ${client.peers.length}/${server.peers.length}`;
  const broken = longest > 60 || wrong || client.peers.length !== 1;
  if (broken) bad++;
  if (broken || only) console.log((broken ? "BAD " : "") + line);
}
console.log(`${bad} of ${runs} runs broken`);
