// A bottleneck link for jamnet (and KCP), on a virtual clock.
//
//   deno task build && cd bench/kcp && npm install && node bottleneck.mjs [--kcp] [--only=32k,125k/200ms,...] [--trace]
//     [--bulk=MiB] [--no-game] [--rates=16000] [--queues=50pkt,200ms] [--warmup=0] [--inf]
//   JAMNET_JS=path node bottleneck.mjs   runs another build in place of dist/mod.js (a candidate change). The window,
//   cuts and forgets columns need a build that calls globalThis.__jn, __jnCut and __jnForget (a copy of mod.ts with
//   those hooks added, from a review of 2026-12-04); dist/mod.js calls none, and they read "-".
//
// Link, each direction on its own: datagrams (plus 28 bytes of IP/UDP header) are serialised at RATE bytes/s through
// a drop-tail FIFO of QUEUE bytes (counting every byte not yet on the wire, the one being serialised too), then
// travel DELAY_MS (25) one way. Nothing else is lost, nothing reordered. The clock advances 1 ms at a time; every
// datagram due is handed over at each ms; both Hosts update every TICK_MS (16), as a game.
//
// Run: connect; 2 s of game traffic alone (the baseline); then BULK (2 MiB) of reliable 1,200-byte messages is queued
// at once on channel 0, while the game goes on: one 32-byte reliable message on channel 1 and one 32-byte unreliable
// on channel 2 before every update of the sender (62.5/s each); runs until the bulk is delivered, plus 3 s.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const JS = process.env.JAMNET_JS ??
  new URL("../../dist/mod.js", import.meta.url).pathname;
const { Host } = await import(pathToFileURL(resolve(JS)).href);
const { KCP } = createRequire(import.meta.url)(
  "node-kcp/build/Release/kcp.node",
);

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const found = args.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
};
const TICK_MS = 16;
const DELAY_MS = Number(arg("delay", 25));
const HEADER = 28;
const BULK_BYTES = Number(arg("bulk", 2)) * 1048576;
const MESSAGE = 1200;
const WARMUP_MS = Number(arg("warmup", 2000));
const AFTER_MS = 3000;
const CAP_MS = 400_000;
const GAME = !args.includes("--no-game");
const TRACE = args.includes("--trace");
const WITH_KCP = args.includes("--kcp");
const KCP_ONLY = args.includes("--kcp-only");

const RATES = [["32k", 32_000], ["125k", 125_000], ["1.25M", 1_250_000]].concat(
  arg("rates", "").split(",").filter(Boolean).map((
    r,
  ) => [`${r / 1000}k`, Number(r)]),
);
// --queues=50pkt,200ms,... : each "<n>pkt" (n datagrams of 1,228 bytes) or "<n>ms" (n ms of the rate)
const QUEUES = arg("queues", "50pkt,200ms").split(",").map((q) =>
  q.endsWith("pkt") ? [q, () => parseFloat(q) * (1200 + HEADER)] : [q, (rate) => parseFloat(q) / 1000 * rate]
);
if (args.includes("--inf")) QUEUES.push(["inf", () => 1e12]); // no drops: the ceiling of goodput over headers
const only = arg("only", "").split(",").filter(Boolean);
const SCENARIOS = RATES.flatMap(([rl, rate]) =>
  QUEUES.map(([ql, q]) => ({
    label: `${rl}/${ql}`,
    rate,
    queueBytes: Math.round(q(rate)),
  }))
).filter((s) => !only.length || only.some((o) => s.label.startsWith(o) || s.label === o));

/** One direction of the bottleneck. */
class Pipe {
  constructor(rate, queueBytes) {
    Object.assign(this, {
      rate,
      queueBytes,
      busyUntil: 0,
      fifo: [],
      head: 0,
      drops: 0,
      accepted: 0,
      bytes: 0,
      acceptedBytes: 0,
    });
  }
  backlogMs(now) {
    return Math.max(0, this.busyUntil - now);
  }
  send(data, now) {
    const size = data.length + HEADER;
    this.bytes += size;
    if (this.backlogMs(now) * this.rate / 1000 + size > this.queueBytes) {
      return void this.drops++;
    }
    this.accepted++;
    this.acceptedBytes += size;
    this.busyUntil = Math.max(now, this.busyUntil) + size * 1000 / this.rate;
    this.fifo.push({
      at: this.busyUntil + DELAY_MS,
      data: Uint8Array.from(data),
    });
  }
  deliver(now, receive) {
    while (this.head < this.fifo.length && this.fifo[this.head].at <= now) {
      receive(this.fifo[this.head++].data);
    }
    if (this.head > 4096) this.fifo = this.fifo.slice(this.head), this.head = 0;
  }
}

const sorted = (values) => Float64Array.from(values).sort();
const pct = (
  s,
  p,
) => (s.length ? s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] : NaN);
const r0 = (v) => (Number.isFinite(v) ? String(Math.round(v)) : "-");

function stamp(index, bytes) {
  const data = new Uint8Array(bytes);
  new DataView(data.buffer).setUint32(0, index);
  return data;
}
const index = (data) => new DataView(data.buffer, data.byteOffset).getUint32(0);

/** The measures common to both libraries, filled during a run. */
function recorder() {
  return {
    game: [], // [sentAt, latency or undefined, reliable]
    queueSamples: [],
    window: [], // [now, window, inFlight]
    cuts: 0,
    forgets: 0,
    disconnects: [],
    bulkStart: undefined,
    bulkEnd: undefined,
    bulkBytes: 0,
    perSecond: new Map(),
  };
}

function runJamnet(s) {
  const net = { now: 0 };
  const pipes = {
    a: new Pipe(s.rate, s.queueBytes),
    b: new Pipe(s.rate, s.queueBytes),
  };
  const receivers = {};
  const socket = (self, other) => ({
    send: (data) => pipes[self].send(data, net.now),
    listen: (receive) => (receivers[self] = (data) => receive(data, other)),
    close() {},
  });
  const rec = recorder();
  const client = new Host(socket("a", "b"), { now: () => net.now });
  const server = new Host(socket("b", "a"), { now: () => net.now });
  const peer = client.connect("b");
  globalThis.__jn = (conn, now, window, inFlight) => {
    if (
      conn === peer && rec.bulkStart !== undefined && rec.bulkEnd === undefined
    ) rec.window.push([now, window, inFlight]);
  };
  globalThis.__jnCut = (conn) =>
    conn === peer && rec.bulkStart !== undefined && rec.bulkEnd === undefined &&
    rec.cuts++;
  globalThis.__jnForget = (conn) =>
    conn === peer && rec.bulkStart !== undefined && rec.bulkEnd === undefined &&
    rec.forgets++;
  let start;
  let gameSent = 0;
  let end = CAP_MS;
  const sentAt = [];
  const messages = Math.ceil(BULK_BYTES / MESSAGE);
  let dropsAtStart;
  for (; net.now < end; net.now++) {
    pipes.a.deliver(net.now, (d) => receivers.b(d));
    pipes.b.deliver(net.now, (d) => receivers.a(d));
    if (start === undefined && peer.state === "connected") start = net.now;
    if (rec.bulkStart !== undefined && rec.bulkEnd === undefined) {
      rec.queueSamples.push(pipes.a.backlogMs(net.now));
    }
    if (net.now % TICK_MS === 0) {
      if (start !== undefined && peer.state === "connected") {
        if (rec.bulkStart === undefined && net.now >= start + WARMUP_MS) {
          rec.bulkStart = net.now;
          dropsAtStart = [
            pipes.a.drops,
            pipes.b.drops,
            peer.stats.messagesResent,
            peer.stats.packetsSent,
            pipes.a.acceptedBytes,
          ];
          for (let i = 0; i < messages; i++) peer.send(new Uint8Array(MESSAGE));
        }
        if (GAME) {
          sentAt[gameSent] = net.now;
          peer.send(stamp(gameSent, 32), { channel: 1 });
          peer.send(stamp(gameSent, 32), { channel: 2, mode: "unreliable" });
          rec.game[gameSent] = [net.now, undefined, undefined];
          gameSent++;
        }
      }
      client.update();
      server.update();
    }
    for (const host of [client, server]) {
      for (let event; (event = host.poll());) {
        if (event.type === "disconnect") {
          rec.disconnects.push(
            `${host === client ? "sender" : "receiver"} ${event.reason} at ${
              ((net.now - (rec.bulkStart ?? 0)) / 1000).toFixed(1)
            } s`,
          );
        }
        if (event.type !== "message") continue;
        if (event.channel === 0) {
          rec.bulkBytes += event.data.length;
          const sec = Math.floor((net.now - rec.bulkStart) / 1000);
          rec.perSecond.set(
            sec,
            (rec.perSecond.get(sec) ?? 0) + event.data.length,
          );
          if (rec.bulkBytes >= messages * MESSAGE) {
            rec.bulkEnd = net.now;
            rec.linkBytes = pipes.a.acceptedBytes - dropsAtStart[4] -
              pipes.a.backlogMs(net.now) * s.rate / 1000;
            end = net.now + AFTER_MS;
          }
        } else {
          const i = index(event.data);
          rec.game[i][event.channel] = net.now - sentAt[i];
        }
      }
    }
    if (rec.disconnects.length && end > net.now + AFTER_MS) {
      end = net.now + AFTER_MS;
    }
  }
  rec.drops = pipes.a.drops - (dropsAtStart?.[0] ?? 0);
  rec.reverseDrops = pipes.b.drops - (dropsAtStart?.[1] ?? 0);
  rec.resends = peer.stats.messagesResent - (dropsAtStart?.[2] ?? 0);
  rec.packets = peer.stats.packetsSent - (dropsAtStart?.[3] ?? 0);
  rec.wireBytes = pipes.a.bytes;
  rec.rttMs = peer.stats.rttMs;
  return rec;
}

/**
 * KCP: one conversation for the bulk (conv 1: fast mode, nodelay(1, 10, 2, nc), nc=1 no congestion window, nc=0 KCP's
 * own cwnd), one for the game's reliable messages (conv 2, fast mode nc=1), on the same link; windows 128 as in
 * bench/kcp/kcp.mjs. KCP has no unreliable mode: the game's unreliable columns stay empty.
 */
function runKcp(s, nc) {
  const net = { now: 0 };
  const pipes = {
    a: new Pipe(s.rate, s.queueBytes),
    b: new Pipe(s.rate, s.queueBytes),
  };
  const rec = recorder();
  const make = (self, conv) => {
    const kcp = new KCP(conv, { self });
    kcp.nodelay(1, 10, 2, conv === 1 ? nc : 1); // the game's conversation always in fast mode, as bench/kcp
    kcp.wndsize(128, 128);
    kcp.output((data, size) => pipes[self].send(data.subarray(0, size), net.now));
    return kcp;
  };
  const ends = {
    a: [make("a", 1), make("a", 2)],
    b: [make("b", 1), make("b", 2)],
  };
  const input = (side) => (data) => ends[side][data[0] - 1].input(Buffer.from(data)); // conv is little-endian
  const messages = Math.ceil(BULK_BYTES / MESSAGE);
  const sentAt = [];
  let gameSent = 0;
  let end = CAP_MS;
  let packetsAtStart;
  const all = [...ends.a, ...ends.b];
  for (; net.now < end; net.now++) {
    pipes.a.deliver(net.now, input("b"));
    pipes.b.deliver(net.now, input("a"));
    if (rec.bulkStart !== undefined && rec.bulkEnd === undefined) {
      rec.queueSamples.push(pipes.a.backlogMs(net.now));
    }
    if (net.now % TICK_MS === 0) {
      if (rec.bulkStart === undefined && net.now >= WARMUP_MS) {
        rec.bulkStart = net.now;
        packetsAtStart = [
          pipes.a.drops,
          pipes.b.drops,
          pipes.a.accepted + pipes.a.drops,
          pipes.a.acceptedBytes,
        ];
        for (let i = 0; i < messages; i++) {
          ends.a[0].send(Buffer.alloc(MESSAGE));
        }
      }
      if (GAME) {
        sentAt[gameSent] = net.now;
        ends.a[1].send(Buffer.from(stamp(gameSent, 32)));
        rec.game[gameSent] = [net.now, undefined, undefined];
        gameSent++;
      }
      for (const kcp of all) kcp.update(net.now);
    }
    for (let data; (data = ends.b[0].recv());) {
      rec.bulkBytes += data.length;
      const sec = Math.floor((net.now - rec.bulkStart) / 1000);
      rec.perSecond.set(sec, (rec.perSecond.get(sec) ?? 0) + data.length);
      if (rec.bulkBytes >= messages * MESSAGE && rec.bulkEnd === undefined) {
        rec.bulkEnd = net.now;
        rec.linkBytes = pipes.a.acceptedBytes - packetsAtStart[3] -
          pipes.a.backlogMs(net.now) * s.rate / 1000;
        end = net.now + AFTER_MS;
      }
    }
    for (let data; (data = ends.b[1].recv());) {
      const i = data.readUInt32BE(0);
      rec.game[i][1] = net.now - sentAt[i];
    }
  }
  rec.drops = pipes.a.drops - packetsAtStart[0];
  rec.reverseDrops = pipes.b.drops - packetsAtStart[1];
  rec.packets = pipes.a.accepted + pipes.a.drops - packetsAtStart[2];
  rec.resends = NaN;
  rec.wireBytes = pipes.a.bytes;
  return rec;
}

function summarise(s, rec) {
  const t0 = rec.bulkStart;
  const t1 = rec.bulkEnd ?? Infinity;
  const done = rec.bulkEnd !== undefined;
  const seconds = ((done ? t1 : CAP_MS) - t0) / 1000;
  const queue = sorted(rec.queueSamples);
  const windows = sorted(rec.window.map((w) => w[1]));
  const gameRow = (channel) => {
    const base = sorted(
      rec.game.filter((g) => g[0] < t0 && g[0] >= t0 - WARMUP_MS + 500 && g[channel] !== undefined).map((g) =>
        g[channel]
      ),
    );
    const during = rec.game.filter((g) => g[0] >= t0 && g[0] < t1);
    const got = sorted(
      during.filter((g) => g[channel] !== undefined).map((g) => g[channel]),
    );
    const limit = pct(base, 50) + 100;
    // Ms of game time (sends TICK_MS apart) whose message came over 100 ms later than the baseline's median, or never.
    const late = during.filter((g) => g[channel] === undefined || g[channel] > limit)
      .length * TICK_MS;
    // The longest run of such sends.
    let run = 0, longest = 0;
    for (const g of during) {
      (g[channel] === undefined || g[channel] > limit) ? (longest = Math.max(longest, ++run)) : (run = 0);
    }
    return {
      base: `${r0(pct(base, 50))}/${r0(pct(base, 99))}`,
      during: `${r0(pct(got, 50))}/${r0(pct(got, 99))}/${r0(got.at(-1))}`,
      delivered: during.length ? `${(100 * got.length / during.length).toFixed(1)}%` : "-",
      late: `${(late / 1000).toFixed(1)} s (${
        during.length ? Math.round(100 * late / (during.length * TICK_MS)) : 0
      }%)`,
      longest: `${(longest * TICK_MS / 1000).toFixed(1)} s`,
    };
  };
  return {
    label: s.label,
    queueBytes: s.queueBytes,
    time: done ? seconds.toFixed(1) : `>${seconds.toFixed(0)} (${(100 * rec.bulkBytes / BULK_BYTES).toFixed(0)}%)`,
    goodput: (100 * rec.bulkBytes / seconds / s.rate).toFixed(0) + "%",
    // Of the bottleneck's time during the transfer: busy (utilisation), and of what it carried, bulk payload.
    busy: rec.linkBytes ? (100 * rec.linkBytes / seconds / s.rate).toFixed(0) + "%" : "-",
    useful: rec.linkBytes ? (100 * rec.bulkBytes / rec.linkBytes).toFixed(0) + "%" : "-",
    drops: `${rec.drops} (${(100 * rec.drops / rec.packets).toFixed(1)}%)`,
    reverseDrops: rec.reverseDrops,
    queue: `${r0(pct(queue, 50))}/${r0(pct(queue, 95))}/${r0(queue.at(-1))}`,
    queueCap: Math.round(s.queueBytes * 1000 / s.rate),
    resends: rec.resends,
    packets: rec.packets,
    wire: (rec.wireBytes / BULK_BYTES).toFixed(2),
    window: windows.length ? `${r0(windows[0])}/${r0(pct(windows, 50))}/${r0(windows.at(-1))}` : "-",
    cuts: windows.length ? `${rec.cuts}/${rec.forgets}` : "-",
    disconnects: rec.disconnects.join("; ") || "none",
    rel: gameRow(1),
    unrel: GAME ? gameRow(2) : undefined,
    rec,
  };
}

function trace(s, rec) {
  const t0 = rec.bulkStart;
  console.log(
    `\ntrace ${s.label}: per second since the bulk began: goodput KB/s, queue ms max, window min-max (inflight max), game rel latency max`,
  );
  const end = (rec.bulkEnd ?? CAP_MS) - t0;
  for (let sec = 0; sec * 1000 < end; sec++) {
    const q = rec.queueSamples.slice(sec * 1000, sec * 1000 + 1000);
    const w = rec.window.filter(([t]) => t - t0 >= sec * 1000 && t - t0 < sec * 1000 + 1000);
    const g = rec.game.filter(([t]) => t - t0 >= sec * 1000 && t - t0 < sec * 1000 + 1000).map((x) => x[1] ?? Infinity);
    console.log(
      `${String(sec).padStart(4)}  ${((rec.perSecond.get(sec) ?? 0) / 1000).toFixed(0).padStart(6)}  ${
        r0(Math.max(...q)).padStart(5)
      }  ` +
        (w.length
          ? `${r0(Math.min(...w.map((x) => x[1])))}-${r0(Math.max(...w.map((x) => x[1])))} (${
            Math.max(...w.map((x) => x[2]))
          })`
          : "-").padEnd(16) +
        `  ${r0(Math.max(...g))}`,
    );
  }
}

const libs = [];
if (!KCP_ONLY) libs.push([`jamnet (${JS.split("/").pop()})`, runJamnet]);
if (WITH_KCP || KCP_ONLY) {
  libs.push(["KCP fast, nc=1, wnd 128", (s) => runKcp(s, 1)], [
    "KCP nc=0 (cwnd), wnd 128",
    (s) => runKcp(s, 0),
  ]);
}
console.log(
  `Bottleneck: ${DELAY_MS} ms one way, ${
    (BULK_BYTES / 1048576).toFixed(0)
  } MiB of ${MESSAGE}-byte reliable messages queued at once; ` +
    `updates every ${TICK_MS} ms; game ${GAME ? "on" : "off"}\n`,
);
for (const [name, run] of libs) {
  const rows = [];
  for (const s of SCENARIOS) {
    const rec = run(s);
    rows.push(summarise(s, rec));
    if (TRACE) trace(s, rec);
  }
  console.log(`\n${name}: bulk`);
  console.log(
    "| link R/Q (Q ms) | time s | goodput / R | link busy | bulk payload / link bytes | drops fwd (of pkts) | drops rev | queue ms p50/p95/max | msgs resent | pkts sent | wire B / payload B | window min/med/max | cuts/forgets | disconnects |",
  );
  console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
  for (const r of rows) {
    console.log(
      `| ${r.label} (${r.queueCap}) | ${r.time} | ${r.goodput} | ${r.busy} | ${r.useful} | ${r.drops} | ${r.reverseDrops} | ${r.queue} | ${r.resends} | ${r.packets} | ${r.wire} | ${r.window} | ${r.cuts} | ${r.disconnects} |`,
    );
  }
  if (GAME) {
    console.log(`\n${name}: game messages (32 B, one per update), latency ms`);
    console.log(
      "| link | rel base p50/p99 | rel during bulk p50/p99/max | rel late >base+100ms (share) | longest late run | unrel base p50/p99 | unrel during p50/p99/max | unrel delivered | unrel late or lost |",
    );
    console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
    for (const r of rows) {
      const u = r.unrel?.base && r.rec.game[0]?.[2] !== undefined ? r.unrel : undefined;
      console.log(
        `| ${r.label} | ${r.rel.base} | ${r.rel.during} | ${r.rel.late} | ${r.rel.longest} | ${u?.base ?? "-"} | ${
          u?.during ?? "-"
        } | ${u?.delivered ?? "-"} | ${u?.late ?? "-"} |`,
      );
    }
  }
}
