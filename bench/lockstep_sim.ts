// A two-player deterministic lockstep game over jamnet, on memoryNet's virtual clock (bench/lockstep.ts runs it over
// many delays and links). Each player's input for frame F is sent at frame F - delay and applied at frame F on both
// sides; a frame whose other input has not arrived waits a tick. A hash of the state goes every 60 frames on channel 1.
// One run: `deno run -A bench/lockstep_sim.ts method=reliable delay=4 loss=0.05 seed=1` (also lat, jit, burst, blen,
// frames, phase, cap) prints the run's figures as JSON. Methods: "reliable" (one reliable ordered channel of
// [frame, input]), "unordered", "sequenced", "timed" (reliable with `at` = now + delay), "redundant" (every input not
// yet acked by the other side, unreliable, with its own ack), "reliableping" (reliable, and a 1-byte unreliable message
// each frame it waits).
import { Host, type LinkOptions, memoryNet, type Peer, type Socket } from "../mod.ts";

export type Method = "reliable" | "redundant" | "timed" | "sequenced" | "unordered" | "reliableping";
export interface Opts {
  method: Method;
  delay: number; // input delay in frames
  frames: number; // frames to simulate
  link: LinkOptions; // each direction gets its own seed
  seed: number;
  phaseMs: number; // B ticks this much after A
  hitch?: { who: 0 | 1; atMs: number; ms: number }; // one side's loop (and its socket reads) frozen
  outage?: { atMs: number; ms: number }; // link loss 1 both ways
  clockB?: { offsetMs: number; ppm: number; stepAtMs?: number; stepMs?: number };
  redundancyCap: number;
  loop?: "end" | "start" | "twice"; // where the game calls host.update(): after its sends (default), before poll, or both
  hostOptions?: Record<string, number>;
  timeBurst?: { perSecond: number; ms: number }; // bursts in time, each direction on its own
  onFrame?: (p: { id: number; frame: number; now: number }) => void;
  log?: boolean;
  maxSimMs?: number;
}

const FRAME_MS = 1000 / 60;

// Each player's input: 4 bits (left, right, attack, block), held for a few frames like a human.
function inputFor(player: number, frame: number): number {
  let h = Math.imul(player + 1, 0x9e3779b1) ^ Math.imul(Math.floor(frame / 7) + 1, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 15;
}

class Sim {
  x = [100, 200];
  hp = [1000, 1000];
  step(i0: number, i1: number) {
    const ins = [i0, i1];
    for (let p = 0; p < 2; p++) {
      const dx = ((ins[p] >> 1) & 1) - (ins[p] & 1);
      this.x[p] = Math.max(0, Math.min(300, this.x[p] + dx * 3));
    }
    for (let p = 0; p < 2; p++) {
      const o = 1 - p;
      if ((ins[p] & 4) && Math.abs(this.x[p] - this.x[o]) < 40 && !(ins[o] & 8)) this.hp[o] -= 1 + (this.x[p] & 1);
    }
  }
  hash(frame: number) {
    let h = 0x811c9dc5;
    for (const v of [frame, ...this.x, ...this.hp]) h = Math.imul(h ^ v, 16777619) >>> 0;
    return h;
  }
}

interface Player {
  id: number;
  host: Host;
  peer?: Peer;
  sim: Sim;
  frame: number; // next frame to simulate
  local: Map<number, number>;
  remote: Map<number, number>;
  hashes: Map<number, number>;
  remoteHashes: Map<number, number>;
  stallTicks: number;
  stalledFrames: number; // frames that needed at least one stall tick
  curStall: number;
  maxStall: number;
  recvCount: Map<number, number>; // per input frame, how many times a message carrying it as its newest arrived
  lastRecvFrame: number;
  reordered: number;
  duplicates: number;
  arrivalLatency: number[]; // ms from send to the poll that found it (first time available)
  sentAt: Map<number, number>;
  remoteAck: number; // newest frame the other side said it has (redundant)
  gotUpTo: number; // newest contiguous remote frame held
  desyncs: number;
  hashChecks: number;
  applied: number[]; // remote inputs applied, for cross-check
  lateTimed: number;
  frozenUntil: number;
  events: string[];
}

export function run(o: Opts) {
  const net = memoryNet();
  const linkAB = { ...o.link, seed: o.seed * 2 + 1 };
  const linkBA = { ...o.link, seed: o.seed * 2 + 2 };
  net.link("a", "b", linkAB);
  net.link("b", "a", linkBA);
  const sentTimes = [new Map<number, number>(), new Map<number, number>()]; // by sender
  const players: Player[] = [];
  const mk = (id: number, sock: Socket, now?: () => number) => {
    const host = new Host(sock, { ...(o.hostOptions ?? {}), ...(now ? { now } : {}) });
    const p: Player = {
      id,
      host,
      sim: new Sim(),
      frame: 0,
      local: new Map(),
      remote: new Map(),
      hashes: new Map(),
      remoteHashes: new Map(),
      stallTicks: 0,
      stalledFrames: 0,
      curStall: 0,
      maxStall: 0,
      recvCount: new Map(),
      lastRecvFrame: -1,
      reordered: 0,
      duplicates: 0,
      arrivalLatency: [],
      sentAt: sentTimes[id],
      remoteAck: -1,
      gotUpTo: o.delay - 1,
      desyncs: 0,
      hashChecks: 0,
      applied: [],
      lateTimed: 0,
      frozenUntil: -1,
      events: [],
    };
    for (let f = 0; f < o.delay; f++) {
      p.local.set(f, 0);
      p.remote.set(f, 0);
    }
    return p;
  };
  // A freezable socket: while the owner is frozen, datagrams wait (as in a real socket buffer).
  const freezable = (inner: Socket, who: number): Socket => {
    let recv: (d: Uint8Array, f: string) => void = () => {};
    const waiting: [Uint8Array, string][] = [];
    let seed = o.seed * 7919 + who * 104729 + 17;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) | 0) >>> 0) / 2 ** 32;
    let badUntil = -1, lastT = 0;
    const s: Socket & { flush(): void } = {
      send: (d, t) => {
        const tb = o.timeBurst;
        if (tb) {
          const now = net.now();
          // a burst starts in (lastT, now] with chance perSecond * dt
          if (now > badUntil && rnd() < tb.perSecond * (now - lastT) / 1000) badUntil = now + tb.ms;
          lastT = now;
          if (now <= badUntil) return;
        }
        inner.send(d, t);
      },
      listen(r, n) {
        recv = r;
        inner.listen((d, f) => {
          if (players[who] && net.now() < players[who].frozenUntil) waiting.push([d, f]);
          else recv(d, f);
        }, n);
      },
      close: () => inner.close(),
      now: inner.now,
      flush() {
        for (const [d, f] of waiting.splice(0)) recv(d, f);
      },
    };
    return s;
  };
  const sockA = freezable(net.socket("a"), 0);
  const sockB = freezable(net.socket("b"), 1);
  const cb = o.clockB;
  const clockB = cb
    ? () =>
      net.now() + cb.offsetMs + net.now() * cb.ppm * 1e-6 +
      (cb.stepAtMs !== undefined && net.now() >= cb.stepAtMs ? cb.stepMs! : 0)
    : undefined;
  players.push(mk(0, sockA), mk(1, sockB, clockB));
  const [A, B] = players;
  A.peer = A.host.connect("b");
  const clockOf = (p: Player) => (p.id === 1 && clockB ? clockB() : net.now());

  const sendInput = (p: Player, f: number) => {
    const peer = p.peer!;
    if (peer.state !== "connected" && peer.state !== "connecting") return;
    p.sentAt.set(f, net.now());
    const input = p.local.get(f)!;
    if (o.method === "reliable" || o.method === "unordered") peer.send([f, input], { mode: o.method });
    else if (o.method === "reliableping") peer.send([f, input]);
    else if (o.method === "sequenced") peer.send([f, input], { mode: "sequenced" });
    else if (o.method === "timed") {
      const at = clockOf(p) + o.delay * FRAME_MS;
      peer.send([f, input], { at });
    } else {
      // redundant: every input since the other side's ack, newest last, unreliable
      const start = Math.max(p.remoteAck + 1, f - o.redundancyCap + 1, 0);
      const ins: number[] = [];
      for (let g = start; g <= f; g++) ins.push(p.local.get(g)!);
      peer.send([start, p.gotUpTo, ins], { mode: "unreliable" });
    }
  };

  const gotRemote = (p: Player, f: number, input: number, now: number) => {
    if (!p.remote.has(f)) {
      p.remote.set(f, input);
      const sentAt = sentTimes[1 - p.id].get(f);
      if (sentAt !== undefined) p.arrivalLatency.push(now - sentAt);
      while (p.remote.has(p.gotUpTo + 1)) p.gotUpTo++;
    }
  };

  const tick = (p: Player) => {
    const now = net.now();
    if (now < p.frozenUntil) return;
    if (o.loop === "start" || o.loop === "twice") p.host.update();
    for (let e; (e = p.host.poll());) {
      if (e.type === "connect") {
        p.peer = e.peer;
        p.events.push(`${now.toFixed(0)} connect`);
      } else if (e.type === "disconnect") {
        p.events.push(`${now.toFixed(0)} disconnect ${e.reason}`);
      } else if (e.type === "message") {
        if (e.channel === 2) continue;
        if (e.channel === 1) {
          const [f, h] = e.data as [number, number];
          p.remoteHashes.set(f, h);
          continue;
        }
        if (o.method === "redundant") {
          const [start, ack, ins] = e.data as [number, number, number[]];
          p.remoteAck = Math.max(p.remoteAck, ack);
          const newest = start + ins.length - 1;
          p.recvCount.set(newest, (p.recvCount.get(newest) ?? 0) + 1);
          if (newest < p.lastRecvFrame) p.reordered++;
          p.lastRecvFrame = Math.max(p.lastRecvFrame, newest);
          ins.forEach((v, k) => gotRemote(p, start + k, v, now));
        } else {
          const [f, v] = e.data as [number, number];
          const c = (p.recvCount.get(f) ?? 0) + 1;
          p.recvCount.set(f, c);
          if (c > 1) p.duplicates++;
          if (f < p.lastRecvFrame) p.reordered++;
          p.lastRecvFrame = Math.max(p.lastRecvFrame, f);
          if (e.late) p.lateTimed++;
          gotRemote(p, f, v, now);
        }
      }
    }
    // Simulate one frame if both inputs are in.
    const f = p.frame;
    if (f < o.frames && p.peer?.state === "connected" && p.remote.has(f)) {
      if (p.curStall > 0) p.stalledFrames++;
      p.maxStall = Math.max(p.maxStall, p.curStall);
      p.curStall = 0;
      const g = f + o.delay;
      p.local.set(g, inputFor(p.id, g));
      sendInput(p, g);
      const mine = p.local.get(f)!, theirs = p.remote.get(f)!;
      p.applied.push(theirs);
      if (p.id === 0) p.sim.step(mine, theirs);
      else p.sim.step(theirs, mine);
      p.frame++;
      o.onFrame?.({ id: p.id, frame: f, now });
      if (f % 60 === 59) {
        const h = p.sim.hash(f);
        p.hashes.set(f, h);
        p.peer.send([f, h], { channel: 1 });
      }
    } else if (f < o.frames) {
      p.stallTicks++;
      p.curStall++;
      if (o.method === "redundant" && p.peer?.state === "connected") sendInput(p, f + o.delay - 1);
      if (o.method === "reliableping" && p.peer?.state === "connected") {
        p.peer.send(0, { mode: "unreliable", channel: 2 });
      }
    } else if (o.method === "redundant" && p.peer?.state === "connected") {
      // keep resending the tail until acked
      if (p.remoteAck < f + o.delay - 1) sendInput(p, f + o.delay - 1);
    }
    // desync check
    for (const [hf, h] of p.remoteHashes) {
      if (p.hashes.has(hf)) {
        p.hashChecks++;
        if (p.hashes.get(hf) !== h) p.desyncs++;
        p.remoteHashes.delete(hf);
      }
    }
    if (o.loop !== "start") p.host.update();
  };

  // Connect first (not counted), then align: both start frame 0 on the first tick after connect.
  let t = 0;
  while (!(A.peer.state === "connected" && B.peer?.state === "connected")) {
    A.host.update();
    B.host.update();
    net.advance(1);
    for (let e; (e = B.host.poll());) if (e.type === "connect") B.peer = e.peer;
    while (A.host.poll());
    if (++t > 5000) throw new Error("no connect");
  }
  const start = net.now();
  const bytes0 = [A.peer.stats.bytesSent, B.peer!.stats.bytesSent];
  const nextTick = [start, start + o.phaseMs];
  const maxSim = o.maxSimMs ?? (o.frames * FRAME_MS * 4 + 20000);
  let hitchStarted = false, outageStarted = false, outageEnded = false;
  while ((A.frame < o.frames || B.frame < o.frames) && net.now() - start < maxSim) {
    const who = nextTick[0] <= nextTick[1] ? 0 : 1;
    const when = nextTick[who];
    if (when > net.now()) net.advance(when - net.now());
    const rel = net.now() - start;
    if (o.hitch && !hitchStarted && rel >= o.hitch.atMs) {
      hitchStarted = true;
      players[o.hitch.who].frozenUntil = net.now() + o.hitch.ms;
    }
    if (o.outage && !outageStarted && rel >= o.outage.atMs) {
      outageStarted = true;
      net.link("a", "b", { loss: 1 });
      net.link("b", "a", { loss: 1 });
    }
    if (o.outage && outageStarted && !outageEnded && rel >= o.outage.atMs + o.outage.ms) {
      outageEnded = true;
      net.link("a", "b", { ...linkAB, seed: linkAB.seed + 100 });
      net.link("b", "a", { ...linkBA, seed: linkBA.seed + 100 });
    }
    const p = players[who];
    if (p.frozenUntil >= 0 && net.now() >= p.frozenUntil) {
      p.frozenUntil = -1;
      ((who === 0 ? sockA : sockB) as unknown as { flush(): void }).flush();
    }
    tick(p);
    nextTick[who] += FRAME_MS;
  }
  const durS = (net.now() - start) / 1000;
  // cross-check applied inputs
  let mismatch = 0;
  for (let f = 0; f < Math.min(A.applied.length, B.applied.length); f++) {
    if (A.applied[f] !== B.local.get(f)) mismatch++;
    if (B.applied[f] !== A.local.get(f)) mismatch++;
  }
  const pct = (a: number[], q: number) => {
    const s = [...a].sort((x, y) => x - y);
    return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
  };
  return {
    done: A.frame >= o.frames && B.frame >= o.frames,
    frames: [A.frame, B.frame],
    durS,
    slowdown: durS / (o.frames * FRAME_MS / 1000),
    stallTicks: [A.stallTicks, B.stallTicks],
    stalledFrames: [A.stalledFrames, B.stalledFrames],
    stalledFrac: (A.stalledFrames + B.stalledFrames) / (A.frame + B.frame),
    maxStall: [A.maxStall, B.maxStall],
    lat: players.map((p) => [pct(p.arrivalLatency, 0.5), pct(p.arrivalLatency, 0.99), pct(p.arrivalLatency, 1)]),
    bytesPerS: [0, 1].map((i) => Math.round((players[i].peer!.stats.bytesSent - bytes0[i]) / durS)),
    duplicates: A.duplicates + B.duplicates,
    reordered: A.reordered + B.reordered,
    mismatch,
    desyncs: A.desyncs + B.desyncs,
    hashChecks: A.hashChecks + B.hashChecks,
    lateTimed: A.lateTimed + B.lateTimed,
    timedDropped: A.host.stats.timedDropped + B.host.stats.timedDropped,
    resent: A.peer!.stats.messagesResent + B.peer!.stats.messagesResent,
    events: [A.events, B.events],
    clock: [A.peer.clock.offsetMs, B.peer!.clock.offsetMs, A.peer.clock.errorMs, B.peer!.clock.errorMs],
    rtt: A.peer.stats.rttMs,
  };
}

if (import.meta.main) {
  const args = Object.fromEntries(Deno.args.map((a) => a.split("=")));
  const link: LinkOptions = { latencyMs: +(args.lat ?? 40), jitterMs: +(args.jit ?? 20), loss: +(args.loss ?? 0) };
  if (args.burst) Object.assign(link, { burstLoss: +args.burst, burstLength: +(args.blen ?? 8) });
  const r = run({
    method: (args.method ?? "reliable") as Method,
    delay: +(args.delay ?? 4),
    frames: +(args.frames ?? 3600),
    link,
    seed: +(args.seed ?? 1),
    phaseMs: +(args.phase ?? 7),
    redundancyCap: +(args.cap ?? 30),
  });
  console.log(JSON.stringify(r));
}
