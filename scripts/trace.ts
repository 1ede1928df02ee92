/**
 * `deno run -A scripts/trace.ts [path/to/mod.ts]`: a hash of every datagram and event of about 40 seeded scenarios on
 * memoryNet (links with loss, jitter, duplication and reordering, per direction, a reliable socket, large messages,
 * states, timed messages, disconnects and closes, many peers, churn), printed as `<lines> <hash>`. A change to mod.ts
 * that should change no behaviour (a bytes pass, a comment, a reader that refuses what no writer makes) prints the same
 * line before and after: run it on `git show HEAD:mod.ts > /tmp/before.ts` and on mod.ts.
 *
 * @module
 */
import type { HostEvent, Mode, Peer } from "../mod.ts";

const path = Deno.args[0] ?? "mod.ts";
const m: typeof import("../mod.ts") = await import(new URL(path, `file://${Deno.cwd()}/`).href);
const { Host, memoryNet, pack, unpack, Extension, Timeline, lerp } = m;

let h = 0x811c9dc5;
const lines: string[] = [];
function mix(s: string) {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
}
function ser(v: unknown, d = 0): string {
  if (d > 20) return "…";
  if (v instanceof Uint8Array) return `u8[${[...v].join(",")}]`;
  if (v instanceof Map) return `Map{${[...v].map(([k, x]) => ser(k, d + 1) + ":" + ser(x, d + 1)).join(",")}}`;
  if (v instanceof Date) return `Date(${v.getTime()})`;
  if (v instanceof Extension) return `Ext(${v.type},${ser(v.data)})`;
  if (typeof v === "bigint") return `${v}n`;
  if (Array.isArray(v)) return `[${v.map((x) => ser(x, d + 1)).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v).map((k) => k + ":" + ser((v as Record<string, unknown>)[k], d + 1)).join(",")}}`;
  }
  if (typeof v === "number" && Object.is(v, -0)) return "-0";
  return String(v);
}
function log(s: string) {
  mix(s);
  lines.push(s);
}
function ev(tag: string, e: HostEvent) {
  const o: Record<string, unknown> = { ...e };
  o.peer = (e.peer as { address: string }).address;
  log(`${tag} ev ${ser(o)}`);
}
function err(tag: string, f: () => unknown) {
  try {
    const r = f();
    log(`${tag} ok ${ser(r)}`);
  } catch (e) {
    log(`${tag} throw ${(e as Error).constructor.name}: ${(e as Error).message}`);
  }
}
function seeded(seed: number) {
  let s = seed | 0;
  return (b: Uint8Array) => {
    for (let i = 0; i < b.length; i++) b[i] = (s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 16;
  };
}
function rnd(seed: number) {
  let s = seed | 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) | 0) >>> 0) / 2 ** 32;
}

type Sc = {
  link?: Record<string, number>;
  ab?: Record<string, number>;
  ba?: Record<string, number>;
  reliable?: boolean;
  opts?: Record<string, unknown>;
  steps?: number;
  big?: boolean;
  state?: boolean;
  timed?: boolean;
  disconnect?: "a" | "b" | "close" | "twice";
  many?: boolean;
  dt?: number;
  churn?: boolean;
};

function run(idx: number, sc: Sc) {
  const tag = `s${idx}`;
  const net = memoryNet(sc.link);
  if (sc.ab) net.link("a", "b", sc.ab);
  if (sc.ba) net.link("b", "a", sc.ba);
  const wrap = (addr: string) => {
    const s = net.socket(addr);
    const send = s.send.bind(s);
    let n = 0;
    s.send = (d: Uint8Array, to: string) => {
      log(`${tag} ${addr}>${to} #${n++} t=${net.now()} ${[...d].map((x) => x.toString(16)).join("")}`);
      send(d, to);
    };
    if (sc.reliable) return { ...s, reliable: true, send: s.send, listen: s.listen, close: s.close, now: s.now };
    return s;
  };
  const A = new Host(wrap("a"), { random: seeded(idx * 7 + 1), ...sc.opts });
  const B = new Host(wrap("b"), { random: seeded(idx * 7 + 2), ...sc.opts });
  const r = rnd(idx + 100);
  const pa = A.connect("b");
  const modes: Mode[] = ["reliable", "unordered", "sequenced", "unreliable", "state"];
  let pb: Peer | undefined;
  const steps = sc.steps ?? 300;
  const dt = sc.dt ?? 16;
  for (let i = 0; i < steps; i++) {
    if (i > 5 && i < steps - 60) {
      const k = sc.many ? 6 : 2;
      for (let j = 0; j < k; j++) {
        const mode = modes[Math.floor(r() * (sc.state ? 5 : 4))];
        const channel = Math.floor(r() * 3);
        let v: unknown = { i, j, s: "x".repeat(Math.floor(r() * 40)), f: r(), u: "é" };
        if (mode === "state") v = { pos: [i % 10, j, 3], hp: i % 7 > 3 ? 100 : 90, name: "p" };
        if (sc.big && r() < 0.05 && mode !== "unreliable" && mode !== "sequenced") {
          v = new Uint8Array(Math.floor(r() * 5000)).map((_, q) => q * 31 + i);
        }
        const at = sc.timed && r() < 0.3 ? net.now() + Math.floor(r() * 200) : undefined;
        err(`${tag} a.send`, () => pa.send(v, { mode, channel, at }));
        if (pb) err(`${tag} b.send`, () => pb!.send([i, j, mode], { mode, channel }));
      }
    }
    if (sc.churn && i === 120) err(`${tag} reconnect`, () => A.connect("b").state);
    if (i === steps - 50) {
      if (sc.disconnect === "a") pa.disconnect();
      if (sc.disconnect === "b" && pb) pb.disconnect();
      if (sc.disconnect === "twice") {
        pa.disconnect();
        pa.disconnect();
      }
      if (sc.disconnect === "close") B.close();
    }
    err(`${tag} A.update`, () => A.update());
    err(`${tag} B.update`, () => B.update());
    for (let e; (e = A.poll());) ev(`${tag} A`, e);
    for (let e; (e = B.poll());) {
      if (e.type === "connect") pb = e.peer;
      ev(`${tag} B`, e);
    }
    net.advance(dt);
  }
  log(`${tag} A.stats ${ser(A.stats)} B.stats ${ser(B.stats)}`);
  log(`${tag} pa ${pa.state} ${ser(pa.stats)} ${pa.clock.offsetMs} ${pa.clock.errorMs} ${pa.remoteTime(5)}`);
  log(`${tag} peers ${A.peers.length} ${B.peers.length}`);
  A.close();
  B.close();
}

const scenarios: Sc[] = [
  {},
  { link: { latencyMs: 20 } },
  { link: { latencyMs: 30, jitterMs: 20, seed: 3 } },
  { link: { loss: 0.1, seed: 4 } },
  { link: { loss: 0.3, latencyMs: 10, seed: 5 } },
  { link: { duplicate: 0.2, latencyMs: 5, seed: 6 } },
  { link: { reorder: 0.2, latencyMs: 15, jitterMs: 10, seed: 7 } },
  { link: { burstLoss: 0.05, burstLength: 5, latencyMs: 25, seed: 8 } },
  { ab: { latencyMs: 50, loss: 0.2, seed: 9 }, ba: { latencyMs: 10, jitterMs: 5, seed: 10 } },
  { state: true },
  { state: true, link: { loss: 0.2, latencyMs: 20, seed: 11 } },
  { state: true, link: { duplicate: 0.3, reorder: 0.2, latencyMs: 20, seed: 12 } },
  { big: true },
  { big: true, link: { loss: 0.15, latencyMs: 20, jitterMs: 10, seed: 13 } },
  { big: true, state: true, link: { loss: 0.05, duplicate: 0.05, latencyMs: 30, seed: 14 } },
  { timed: true, link: { latencyMs: 40, jitterMs: 10, seed: 15 } },
  { timed: true, state: true, link: { loss: 0.1, latencyMs: 20, seed: 16 } },
  { disconnect: "a", link: { latencyMs: 10, seed: 17 } },
  { disconnect: "b", link: { latencyMs: 10, loss: 0.2, seed: 18 } },
  { disconnect: "twice", link: { latencyMs: 10, seed: 19 }, big: true },
  { disconnect: "close", link: { latencyMs: 10, seed: 20 } },
  { reliable: true },
  { reliable: true, state: true, big: true, link: { latencyMs: 20, seed: 21 } },
  { reliable: true, disconnect: "a", many: true },
  { many: true, link: { loss: 0.1, latencyMs: 30, seed: 22 }, state: true },
  { many: true, big: true, link: { latencyMs: 60, jitterMs: 40, loss: 0.05, seed: 23 }, steps: 500 },
  { opts: { mtu: 300, channels: 4 }, big: true, state: true, link: { loss: 0.1, latencyMs: 10, seed: 24 } },
  { opts: { maxQueuedBytes: 20000 }, big: true, many: true, link: { latencyMs: 50, seed: 25 } },
  { opts: { maxEvents: 16 }, many: true, link: { latencyMs: 5, seed: 26 } },
  { opts: { timeout: 500 }, link: { loss: 0.6, latencyMs: 20, seed: 27 }, steps: 400 },
  { opts: { packetsPerUpdate: 2 }, many: true, big: true, link: { latencyMs: 10, seed: 28 } },
  { opts: { protocol: 5 }, churn: true, link: { latencyMs: 10, seed: 29 } },
  { opts: { maxTimedMessages: 3 }, timed: true, many: true, link: { latencyMs: 10, seed: 30 } },
  { opts: { maxMessageBytes: 3000 }, big: true, link: { latencyMs: 10, seed: 31 } },
  { dt: 1, steps: 500, link: { latencyMs: 3, jitterMs: 3, seed: 32 } },
  { dt: 100, steps: 200, link: { latencyMs: 80, loss: 0.1, seed: 33 }, state: true, big: true },
  {
    link: { loss: 0.4, duplicate: 0.1, reorder: 0.3, latencyMs: 20, jitterMs: 30, seed: 34 },
    state: true,
    big: true,
    many: true,
    timed: true,
  },
];
scenarios.forEach((sc, i) => err(`run${i}`, () => run(i, sc)));

// Protocol mismatch / full / refused handshakes.
{
  const net = memoryNet({ latencyMs: 5 });
  const mk = (a: string, o: Record<string, unknown> = {}) => {
    const s = net.socket(a);
    const send = s.send.bind(s);
    s.send = (d: Uint8Array, to: string) => {
      log(`hs ${a}>${to} ${[...d].join(",")}`);
      send(d, to);
    };
    return new Host(s, { random: seeded(a.length * 13 + a.charCodeAt(0)), ...o });
  };
  const S = mk("srv", { maxPeers: 1 });
  const C1 = mk("c1"), C2 = mk("c2"), C3 = mk("c3", { protocol: 9 });
  C1.connect("srv");
  C2.connect("srv");
  C3.connect("srv");
  for (let i = 0; i < 40; i++) {
    for (const [n, H] of [["S", S], ["C1", C1], ["C2", C2], ["C3", C3]] as const) {
      H.update();
      for (let e; (e = H.poll());) ev(`hs ${n}`, e);
    }
    net.advance(10);
  }
  log(`hs stats ${ser(S.stats)} ${ser(C2.stats)} ${ser(C3.stats)}`);
}

// pack/unpack and errors.
const values: unknown[] = [
  0,
  1,
  -1,
  127,
  128,
  -32,
  -33,
  255,
  256,
  65535,
  65536,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  -(2 ** 53) + 1,
  1.5,
  -0,
  NaN,
  Infinity,
  2n ** 63n,
  -(2n ** 63n),
  2n ** 64n - 1n,
  "",
  "a",
  "é",
  "x".repeat(31),
  "x".repeat(32),
  "y".repeat(300),
  "z".repeat(70000),
  true,
  false,
  null,
  undefined,
  [],
  [1, [2, [3]]],
  new Array(20).fill(1),
  {},
  { a: 1, b: "c" },
  { __proto__: 1 },
  JSON.parse('{"__proto__":{"x":1}}'),
  new Map<unknown, unknown>([[1, 2], ["a", { b: 3 }]]),
  new Set([1, 2, 3]),
  new Date(0),
  new Date(-1),
  new Date(1e12),
  new Date(2 ** 34 * 1000 + 5),
  new Date(1234.5),
  new Date(NaN),
  new Uint8Array([1, 2, 3]),
  new Uint16Array([1, 2]),
  new ArrayBuffer(4),
  new DataView(new ArrayBuffer(3)),
  new Extension(5, new Uint8Array([1])),
  new Extension(-2, new Uint8Array(8)),
  new Extension(3, new Uint8Array(3)),
  new Extension(200, new Uint8Array(1)),
  new Extension(1, [1] as unknown as Uint8Array),
  () => 1,
  Symbol("s"),
  Promise.resolve(),
  new WeakMap(),
  { a: { b: [1, () => 2] } },
  [1, 2, { c: Symbol() }],
  new Map([[{ k: 1 }, 1]]),
  { "a-b": [undefined, 2n ** 70n] },
];
const deep: unknown[] = [];
let cur = deep;
for (let i = 0; i < 300; i++) cur.push(cur = []);
values.push(deep);
const cyc: Record<string, unknown> = {};
cyc.self = cyc;
values.push(cyc);
values.forEach((v, i) =>
  err(`pack${i}`, () => {
    const b = pack(v);
    return [b, unpack(b)];
  })
);
const bads: unknown[] = [
  [],
  [0xc1],
  [0xdc, 0, 5, 1],
  [0x92, 1],
  [0xd9, 5, 65],
  [0xc7, 3, 0xff, 1, 2, 3],
  [0xd6, 0xff, 0, 0, 0, 1],
  [0xd7, 0xff, 255, 255, 255, 255, 255, 255, 255, 255],
  [0xc7, 12, 0xff, ...new Array(12).fill(255)],
  [1, 2],
  [0xa2, 0xff, 0xfe],
  [0xcf, 255, 255, 255, 255, 255, 255, 255, 255],
  [0xd3, 128, 0, 0, 0, 0, 0, 0, 0],
  [0xca, 63, 128, 0, 0],
  [0xcb, 63, 240, 0, 0, 0, 0, 0, 0],
  [0x81, 1, 2],
  [0x82, 0xa1, 97, 1, 1, 2],
  [0xc4, 2, 1, 2],
  [0xc5, 0, 1, 9],
  [0xd4, 1, 1],
  [0xdd, 0, 0, 0, 1, 0xc0],
];
bads.forEach((b, i) => err(`unpack${i}`, () => unpack(new Uint8Array(b as number[]))));
for (const b of ["x", null, undefined, {}, 5]) err(`unpackT`, () => unpack(b as unknown as Uint8Array));
{
  const r = rnd(99);
  for (let i = 0; i < 3000; i++) {
    const b = new Uint8Array(Math.floor(r() * 20)).map(() => Math.floor(r() * 256));
    err(`fuzz${i}`, () => unpack(b));
  }
}

// Options errors.
const net = memoryNet();
for (
  const o of [
    { mtu: 10 },
    { mtu: "1200" },
    { channels: 0 },
    { timeout: 1.5 },
    { maxPeers: NaN },
    { protocol: -1 },
    { tickMs: 1e9 },
    { packetsPerUpdate: 0 },
    { now: () => NaN },
    {
      now: () => {
        throw 5;
      },
    },
  ]
) err(`opt`, () => new Host(net.socket("o" + JSON.stringify(o)), o as never) && 1);
err(`sock`, () => new Host({} as never));
{
  const H = new Host(net.socket("sx"), { random: seeded(1) });
  const p = H.connect("sy");
  for (
    const o of [
      "unreliable",
      null,
      { mode: "bogus" },
      { channel: 9 },
      { channel: "1" },
      { channel: -1 },
      { at: NaN },
      { at: 1e9 },
      { mode: "unreliable" },
    ]
  ) err(`sendopt`, () => p.send(1, o as never));
  err(`toolarge`, () => p.send(new Uint8Array(5000), { mode: "unreliable" }));
  err(`toolarge2`, () => p.send(new Uint8Array(2e6)));
  err(`toolarge3`, () => p.send(new Uint8Array(400000), { mode: "state" }));
  for (let i = 0; i < 5; i++) err(`queue`, () => p.send(new Uint8Array(1e6)));
  H.close();
  err(`closed`, () => H.connect("z"));
}
for (const o of [{ loss: -1 }, { latencyMs: NaN }, { seed: "1" }]) err(`link`, () => memoryNet(o as never) && 1);
err(`adv`, () => net.advance(-1));
{
  const t = new Timeline<unknown>(3);
  err(`tl`, () => new Timeline(1));
  t.add(0, { x: 0, y: [1, 2] });
  t.add(10, { x: 10, y: [3, 4] });
  t.add(5, { x: 5, y: [2, 3] });
  t.add(20, { x: 20, y: [5, 6] });
  for (const q of [-5, 0, 3, 7, 12, 25]) err(`tl@${q}`, () => [t.sample(q), t.at(q)]);
  err(`tl bad`, () => t.add(NaN, 1));
  err(`tl bad2`, () => t.at(Infinity));
  err(`lerp`, () => lerp({ a: [1, { b: 2 }], c: "s" }, { a: [3, { b: 4 }], c: "t" }, 0.25));
}

console.log(lines.length, h.toString(16));
if (Deno.env.get("TRACE_OUT")) Deno.writeTextFileSync(Deno.env.get("TRACE_OUT")!, lines.join("\n"));
