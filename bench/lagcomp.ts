// Server-side lag compensation (Source style) on jamnet's memoryNet, from a review of 2026-12-05 (a shooter's developer).
// deno run -A bench/lagcomp.ts [seeds=20] [dur=15000] [every=2] [delay=100] [only=name,name] [clamp=0]
// A server at 60 updates a second moves 2 to 8 bots on known paths and sends the world as a "state" every `every`
// ticks; it keeps its own history of what it sent, by its own clock (a Timeline). A client draws the world with a
// Timeline at peer.remoteTime() - peer.clock.errorMs - delay (README, Playback) and each frame fires a reliable
// shot at its target's drawn position with the render time it used. The server rewinds to that time and checks the
// hit; it also tries the naive rewinds, arrival - rttMs/2 - delay and arrival - rttMs - delay.
import { Host, lerp, type LinkOptions, memoryNet, Timeline } from "../mod.ts";

const args = Object.fromEntries(Deno.args.map((a) => a.split("=") as [string, string]));
const SEEDS = Number(args.seeds ?? 20);
const DUR = Number(args.dur ?? 15000);
const EVERY = Number(args.every ?? 2);
const DELAY = Number(args.delay ?? 100);
const CLAMP = args.clamp === "1"; // the client sends min(render time, newest state's time)
const ONLY = args.only?.split(",");
const RENDER = args.render ?? "readme"; // "old": remoteTime() - delay (the README before 2026-12-04)
const NOWAIT = args.nowait === "1"; // fire before the first clock sample too (errorMs read as 0)
const SPEED = 5; // units a second, every bot
const BODY = 0.32; // hit radius: 64 ms of a bot's travel (Source: 16 units of a 250 u/s player)
const HEAD = 0.1; // 20 ms of travel

type V = { x: number; y: number };
type World = { bots: Record<string, V>; tick: number };

// Known paths: the truth at any server time t (ms).
function truth(i: number, tMs: number): V {
  const t = tMs / 1000;
  const cx = (i % 4) * 10, cy = Math.floor(i / 4) * 10;
  switch (i % 3) {
    case 0: { // circle of radius 3 at SPEED
      const w = SPEED / 3, a = w * t + i;
      return { x: cx + 3 * Math.cos(a), y: cy + 3 * Math.sin(a) };
    }
    case 1: { // zigzag: a straight line back and forth, turning every 0.7 s
      const P = 0.7, s = (t + i * 0.13) % (2 * P), u = s < P ? s : 2 * P - s;
      return { x: cx + SPEED * u * 0.8, y: cy + SPEED * u * 0.6 };
    }
    default: { // a figure of eight, about SPEED
      const w = 1.1, a = w * t + i;
      return { x: cx + 3 * Math.sin(a), y: cy + 1.5 * Math.sin(2 * a) };
    }
  }
}
const dist = (a: V, b: V) => Math.hypot(a.x - b.x, a.y - b.y);

function seeded(seed: number) {
  let s = (seed * 2654435761) >>> 0 || 1;
  const next = () => (s ^= s << 13, s ^= s >>> 17, s ^= s << 5, s >>> 0);
  return (bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 255;
  };
}

type Scenario = { name: string; up: LinkOptions; down: LinkOptions; ahead?: number };
const SCENARIOS: Scenario[] = [
  { name: "clean 30", up: { latencyMs: 30 }, down: { latencyMs: 30 } },
  { name: "80 ±20 jitter", up: { latencyMs: 80, jitterMs: 20 }, down: { latencyMs: 80, jitterMs: 20 } },
  { name: "120 up / 30 down", up: { latencyMs: 120 }, down: { latencyMs: 30 } },
  { name: "30 up / 120 down", up: { latencyMs: 30 }, down: { latencyMs: 120 } },
  { name: "50, 10% loss", up: { latencyMs: 50, loss: 0.1 }, down: { latencyMs: 50, loss: 0.1 } },
  { name: "50, 20% loss", up: { latencyMs: 50, loss: 0.2 }, down: { latencyMs: 50, loss: 0.2 } },
  { name: "clean 30, client +5 s", up: { latencyMs: 30 }, down: { latencyMs: 30 }, ahead: 5000 },
  {
    name: "80±20, 20% loss, +5 s",
    up: { latencyMs: 80, jitterMs: 20, loss: 0.2 },
    down: { latencyMs: 80, jitterMs: 20, loss: 0.2 },
    ahead: 5000,
  },
];
if (args.extra === "1") {
  SCENARIOS.splice(
    0,
    SCENARIOS.length,
    { name: "clean 30, client −5 s", up: { latencyMs: 30 }, down: { latencyMs: 30 }, ahead: -5000 },
    { name: "clean 30, client +1 h", up: { latencyMs: 30 }, down: { latencyMs: 30 }, ahead: 3_600_000 },
    { name: "50 ±100 jitter", up: { latencyMs: 50, jitterMs: 100 }, down: { latencyMs: 50, jitterMs: 100 } },
    {
      name: "40, bursts 2% of 8",
      up: { latencyMs: 40, burstLoss: 0.02 },
      down: { latencyMs: 40, burstLoss: 0.02, seed: 5 },
    },
    {
      name: "100–200 one way, 20% loss",
      up: { latencyMs: 100, jitterMs: 100, loss: 0.2 },
      down: { latencyMs: 100, jitterMs: 100, loss: 0.2 },
    },
  );
}

type Method = { hits: number; head: number; n: number; err: number[] };
const method = (): Method => ({ hits: 0, head: 0, n: 0, err: [] });

function run(sc: Scenario, seed: number) {
  const net = memoryNet();
  net.link("client", "server", { ...sc.up, seed });
  net.link("server", "client", { ...sc.down, seed: seed + 1000 });
  const ahead = sc.ahead ?? 0;
  const server = new Host(net.socket("server"), { random: seeded(seed) });
  const client = new Host(net.socket("client"), { random: seeded(seed + 7), now: () => net.now() + ahead });
  const N = 2 + (seed % 7);
  const history = new Timeline<World>(256); // the server's, by its own clock: 8.5 s at 30 states a second
  const byTick = new Map<number, World>(); // the same states by tick, for the "ticks" method (exact by construction)
  const view = new Timeline<World>(); // the client's
  let newest = -Infinity; // the newest state's time the client holds (a Timeline does not say)
  const peer = client.connect("server");
  const connectAt = net.now();
  let firstSample = NaN, firstShot = NaN, serverFirstRtt = NaN, firstState = NaN;
  const clock = method(), half = method(), full = method(), ticksM = method();
  let clamped = 0, shots = 0;
  const early = { n: 0, hits: 0 }; // clock method, shots fired in the first second of shooting
  const delays: number[] = [];
  const posMs: number[] = []; // clock method: |aim - rewound position| in ms of a bot's travel
  const pre = { n: 0, hits: 0 }; // clock method, shots fired before the client's first clock sample (nowait=1)
  const headMiss = { clamped: 0, gap: 0 }; // clock method head misses: render time past the newest state, or not
  const clockErr: number[] = []; // |remoteTime() - the server's true clock|, at each shot
  let tick = 0, frame = 0;
  const sentAt: Record<number, number> = {};
  while (net.now() < DUR) {
    const now = net.now();
    // Server: tick, move, record and send.
    if (tick % EVERY === 0) {
      const bots: Record<string, V> = {};
      for (let i = 0; i < N; i++) bots[i] = truth(i, now);
      const world = { bots, tick };
      let sent = false;
      for (const p of server.peers) sent = p.send(world, { mode: "state" }) || sent;
      if (sent) history.add(now, world), byTick.set(tick, world), byTick.delete(tick - 600); // the state's time is the server Host's clock when send() was called
    }
    tick++;
    // Client: draw and fire.
    const { errorMs } = peer.clock;
    if (errorMs < Infinity && Number.isNaN(firstSample)) firstSample = now - connectAt;
    if ((errorMs < Infinity || NOWAIT) && newest > -Infinity && peer.state === "connected") {
      const T = peer.remoteTime() - (RENDER === "old" || errorMs === Infinity ? 0 : errorMs) - DELAY;
      const beforeSample = errorMs === Infinity;
      const drawn = view.sample(T)!;
      const [b, a, fr] = view.at(T)!; // what the client drew: two states and the fraction between
      const target = String(Math.floor(now / 2000) % N);
      const aim = drawn.bots[target];
      const drawnTime = Math.min(T, newest);
      if (T > newest) clamped++;
      if (Number.isNaN(firstShot)) firstShot = now - connectAt;
      clockErr.push(Math.abs(peer.remoteTime() - now));
      const id = shots++;
      sentAt[id] = now;
      peer.send({
        id,
        t: CLAMP ? drawnTime : T,
        drawnTime,
        target,
        aim,
        early: now - connectAt - firstShot < 1000,
        beforeSample,
        ticks: [b.tick, a.tick, fr],
      }, {
        mode: "reliable",
      });
    }
    frame++;
    server.update();
    client.update();
    net.advance(frame % 3 === 0 ? 16 : 17); // 50 ms a 3 frames: 60 a second
    for (let e; (e = server.poll());) {
      if (e.type !== "message") continue;
      const arrival = net.now();
      const shot = e.data as {
        id: number;
        t: number;
        drawnTime: number;
        target: string;
        aim: V;
        early: boolean;
        beforeSample: boolean;
        ticks: [number, number, number];
      };
      if (sentAt[shot.id] > DUR - 1000) continue; // the last second: not all arrive
      {
        const [tb, ta, fr] = shot.ticks;
        const sb = byTick.get(tb), sa = byTick.get(ta);
        if (sb && sa) {
          const d = dist(shot.aim, lerp(sb, sa, fr).bots[shot.target]);
          ticksM.n++, d < BODY && ticksM.hits++, d < HEAD && ticksM.head++;
        }
      }
      const rtt = e.peer.stats.rttMs;
      if (rtt > 0 && Number.isNaN(serverFirstRtt)) serverFirstRtt = arrival - connectAt;
      const delay = arrival - sentAt[shot.id];
      delays.push(delay);
      for (
        const [m, T] of [[clock, shot.t], [half, arrival - rtt / 2 - DELAY], [full, arrival - rtt - DELAY]] as const
      ) {
        const pos = history.sample(T)!.bots[shot.target];
        const d = dist(shot.aim, pos);
        m.n++;
        if (d < BODY) m.hits++;
        if (d < HEAD) m.head++;
        m.err.push(T - shot.drawnTime);
        if (m === clock && shot.early) early.n++, d < BODY && early.hits++;
        if (m === clock) {
          posMs.push(d / SPEED * 1000);
          if (shot.beforeSample) pre.n++, d < BODY && pre.hits++;
          if (d >= HEAD) shot.t > shot.drawnTime ? headMiss.clamped++ : headMiss.gap++;
        }
      }
    }
    for (let e; (e = client.poll());) {
      if (e.type === "message" && e.mode === "state") {
        view.add(e.time, e.data as World);
        if (e.time > newest) newest = e.time;
        if (Number.isNaN(firstState)) firstState = net.now() - connectAt;
      }
    }
  }
  return {
    ticksM,
    posMs,
    pre,
    headMiss,
    clock,
    half,
    full,
    clamped,
    shots,
    early,
    delays,
    firstSample,
    firstShot,
    firstState,
    serverFirstRtt,
    clockErr,
  };
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const f = (x: number, d = 1) => Number.isFinite(x) ? x.toFixed(d) : String(x);
const rate = (m: { hits: number; n: number }) => (100 * m.hits / m.n).toFixed(1) + "%";

console.log(
  `seeds=${SEEDS} dur=${DUR} every=${EVERY} delay=${DELAY} clamp=${CLAMP ? 1 : 0} render=${RENDER} nowait=${
    NOWAIT ? 1 : 0
  }; body ${BODY} u (64 ms of travel), head ${HEAD} u (20 ms)\n`,
);
console.log(
  "| link | shots | clock: body | head | time error p50/p95/max ms | aim−rewound, ms of travel p99/max | render past newest | head misses (past newest/not) | naive rtt/2: body | head | time error p50/p95 ms | naive rtt: body | head | time error p50/p95 ms | first clock sample ms after connect | shot delay p95/max ms |",
);
console.log("|---|--:|--:|--:|--|--|--:|--|--:|--:|--|--:|--:|--|--|--|");
for (const sc of SCENARIOS) {
  if (ONLY && !ONLY.some((o) => sc.name.includes(o))) continue;
  const all = { clock: method(), half: method(), full: method() };
  let clamped = 0, shots = 0;
  const ticksM = method();
  const early = { n: 0, hits: 0 }, pre = { n: 0, hits: 0 }, headMiss = { clamped: 0, gap: 0 };
  const rttFirsts: number[] = [];
  const firsts: number[] = [], delays: number[] = [], firstShots: number[] = [], posMs: number[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = run(sc, seed);
    for (const k of ["clock", "half", "full"] as const) {
      all[k].hits += r[k].hits, all[k].head += r[k].head, all[k].n += r[k].n;
      for (const x of r[k].err) all[k].err.push(x);
    }
    ticksM.n += r.ticksM.n, ticksM.hits += r.ticksM.hits, ticksM.head += r.ticksM.head;
    clamped += r.clamped, shots += r.shots, early.n += r.early.n, early.hits += r.early.hits;
    pre.n += r.pre.n, pre.hits += r.pre.hits;
    headMiss.clamped += r.headMiss.clamped, headMiss.gap += r.headMiss.gap;
    firsts.push(r.firstSample), firstShots.push(r.firstShot), rttFirsts.push(r.serverFirstRtt);
    for (const d of r.delays) delays.push(d);
    for (const d of r.posMs) posMs.push(d);
  }
  const e = (m: Method) => `${f(pct(m.err, 0.5))} / ${f(pct(m.err, 0.95))}`;
  const head = (m: Method) => rate({ hits: m.head, n: m.n });
  console.log(
    `| ${sc.name} | ${all.clock.n} | ${rate(all.clock)} | ${head(all.clock)} | ${e(all.clock)} / ${
      f(Math.max(...all.clock.err))
    } | ${f(pct(posMs, 0.99))} / ${f(Math.max(...posMs))} | ${
      (100 * clamped / shots).toFixed(1)
    }% | ${headMiss.clamped} / ${headMiss.gap} | ${rate(all.half)} | ${head(all.half)} | ${e(all.half)} | ${
      rate(all.full)
    } | ${head(all.full)} | ${e(all.full)} | ${f(pct(firsts, 0.5), 0)} (${f(Math.min(...firsts), 0)}–${
      f(Math.max(...firsts), 0)
    }) | ${f(pct(delays, 0.95), 0)} / ${f(Math.max(...delays), 0)} |`,
  );
  if (NOWAIT) console.log(`  shots before the first sample: ${pre.n}, body hits ${pre.n ? rate(pre) : "-"}`);
  console.log(
    `  ticks method (client sends at()'s two ticks and fraction): body ${rate(ticksM)} head ${
      head(ticksM)
    } of ${ticksM.n}`,
  );
  console.log(
    `  first 1 s of shots (clock, body): ${rate(early)}; first shot ${f(pct(firstShots, 0.5), 0)} ms (${
      f(Math.min(...firstShots), 0)
    }–${f(Math.max(...firstShots), 0)}); server's first rttMs seen with a shot ${f(pct(rttFirsts, 0.5), 0)} ms`,
  );
}
