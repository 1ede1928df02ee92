// In-process throughput: jamnet (dist/mod.js) against KCP (node-kcp 1.0.13, the original C ikcp.c, fast mode),
// in one Node process, each over a zero-latency link on a virtual clock, so that what is timed is the CPU cost of
// sending, packing, acking and delivering, never a wait. Run `deno task bench:kcp:throughput`, or
// `deno task build && cd bench/kcp && npm install && node throughput.mjs`.
//
// One tick: update both ends (KCP: `update(now)` on both), hand every datagram sent to its receiver (each library over
// a plain list, see plainNet), take every message delivered, advance the clock TICK_MS. Reliable ordered messages of 32
// bytes (messages per second) and of 1,200 bytes (MB/s of message bytes, 1 MB = 10^6 bytes), at three send backlogs: 64
// messages, 2,048, and a full queue. A full queue is jamnet's send queue filled to its limit (`maxQueuedBytes`, 4 MiB:
// `send` is called until it throws); KCP's send queue has no limit, so it is given the same number of messages. A
// sample times the sends and the ticks until the receiver has the last message; the 64 and 2,048 backlogs repeat on one
// warmed connection until the sample has run SAMPLE_MS, with untimed ticks between bursts for the last acks; a full
// queue is one burst, stopped past CAP_MS.
//
// jamnet: packetsPerUpdate 64 (set when the default was 8, which would have measured that cap; over this unreliable
// link the default is 1,024 now, a cap under the congestion window), the rest defaults. KCP: nodelay(1, 10, 2, 1)
// (fast mode: no delay, 10 ms interval, fast resend after 2 skips, no congestion window), mtu 1400 (its default),
// and send and receive windows of max(128, backlog) segments, at most 65,535 (the window field is 16 bits): every
// message of a burst may leave in the first flush, so the window never throttles it. Each message is one segment
// (both sizes are under KCP's 1,376-byte segment).
//
// Both libraries run every cell in every round, alternating which goes first, so a noisy neighbour slows both
// alike. The table shows medians over rounds and jamnet ÷ KCP as the median of each round's ratio.
// Options (environment): ROUNDS (default 7), TICK_MS (default 16), SAMPLE_MS (default 200), CAP_MS (default 4000),
// FULL_WARM=1 (a full queue timed after one untimed full queue on the same connection),
// MTU (both libraries at this mtu; by default each keeps its own, jamnet 1,200 and KCP 1,400), LINK (jamnet's link:
// "plain", a list as KCP's, the default; "memoryNet", jamnet's test network), RAW=1 prints every sample, JAMNET_JS=path
// runs another build in place of dist/mod.js (a candidate change, as in kcp.mjs).
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
const { Host, memoryNet } = await import(
  process.env.JAMNET_JS ? pathToFileURL(resolve(process.env.JAMNET_JS)).href : "../../dist/mod.js"
);

const { KCP } = createRequire(import.meta.url)(
  "node-kcp/build/Release/kcp.node",
);

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const TICK_MS = Number(process.env.TICK_MS ?? 16);
const SAMPLE_MS = Number(process.env.SAMPLE_MS ?? 200);
const CAP_MS = Number(process.env.CAP_MS ?? 4000);
const RAW = process.env.RAW === "1";
/** FULL_WARM=1: a full queue is timed on a connection that drained one full queue first, untimed, as the other
 * backlogs are timed on a warmed connection (by default a full queue is one burst on a fresh connection). */
const FULL_WARM = process.env.FULL_WARM === "1";
/** The link under jamnet: "plain" (default), a list as KCP's; "memoryNet", jamnet's test network. */
const LINK = process.env.LINK ?? "plain";
/** Both libraries' mtu when set; by default each keeps its own (jamnet 1,200, KCP 1,400). */
const MTU = process.env.MTU ? Number(process.env.MTU) : undefined;
const PACKETS_PER_UPDATE = 64;
/** Virtual time between bursts, untimed, for the last acks: over jamnet's ack delay (33 ms). */
const SETTLE_MS = 100;
const FULL = Infinity;
const KCP_MAX_WINDOW = 65535;

/** Writes the message's index into its first 4 bytes, so that order is checked as it runs. */
function stamp(bytes, index) {
  bytes[0] = index >>> 24;
  bytes[1] = index >>> 16;
  bytes[2] = index >>> 8;
  bytes[3] = index;
  return bytes;
}

/** Counts deliveries and notes the first one out of order or of the wrong size. */
function checker(messageBytes) {
  const check = { received: 0, misorder: undefined };
  check.take = (data) => {
    const index = (data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3]) >>>
      0;
    if (
      (index !== check.received || data.length !== messageBytes) &&
      !check.misorder
    ) {
      check.misorder = `message ${check.received} of ${messageBytes} bytes was due, message ${index} of ` +
        `${data.length} bytes arrived`;
    }
    check.received++;
  };
  return check;
}

/**
 * A zero-latency link as plain as KCP's below: each datagram a socket sends is copied (as node-kcp hands KCP's
 * callback a copy) and pushed on one list, and `advance` hands every datagram on it to its receiver, those sent
 * meanwhile too, then moves the clock. LINK=memoryNet uses jamnet's own test network instead, whose heap, seeded
 * link and closure per datagram are a test harness KCP's side does not carry (its `send` took 9.7% of a CPU profile of
 * 1,200-byte messages, 2026-12-03).
 */
function plainNet() {
  let clock = 0;
  const flying = [];
  const listeners = new Map();
  return {
    now: () => clock,
    advance(ms) {
      for (let i = 0; i < flying.length; i += 3) {
        listeners.get(flying[i])(flying[i + 2], flying[i + 1]);
      }
      flying.length = 0;
      clock += ms;
    },
    socket: (address) => ({
      send: (data, to) => flying.push(to, address, data.slice()),
      listen: (receive) => listeners.set(address, receive),
      close() {},
    }),
  };
}

/** Two jamnet Hosts on a zero-latency link, connected. `send` returns false when the queue is full. */
function jamnetPair(messageBytes) {
  const net = LINK === "memoryNet" ? memoryNet() : plainNet();
  const options = {
    now: net.now,
    packetsPerUpdate: PACKETS_PER_UPDATE,
    ...(MTU && { mtu: MTU }),
  };
  const sender = new Host(net.socket("sender"), options);
  const receiver = new Host(net.socket("receiver"), options);
  const peer = sender.connect("receiver");
  const check = checker(messageBytes);
  let index = 0;
  const pair = {
    check,
    send() {
      try {
        peer.send(stamp(new Uint8Array(messageBytes), index));
      } catch (error) {
        if (error instanceof RangeError) return false; // the queue is full
        throw error;
      }
      index++;
      return true;
    },
    tick() {
      sender.update();
      receiver.update();
      net.advance(TICK_MS);
      while (sender.poll());
      for (let event; (event = receiver.poll());) {
        if (event.type === "message") check.take(event.data);
      }
    },
  };
  for (let ticks = 0; peer.state !== "connected"; ticks++) {
    if (ticks > 100) {
      throw new Error("The two Hosts did not connect in 100 ticks.");
    }
    pair.tick();
  }
  pair.tick(); // the receiver's connect event
  return pair;
}

/** Two KCP endpoints in fast mode joined by a zero-latency link. */
function kcpPair(messageBytes, backlog) {
  const window = Math.min(KCP_MAX_WINDOW, Math.max(128, backlog));
  const flying = [];
  const make = (to) => {
    const kcp = new KCP(1, {});
    kcp.nodelay(1, 10, 2, 1);
    kcp.wndsize(window, window);
    if (MTU) kcp.setmtu(MTU);
    // node-kcp hands the callback a fresh copy of the datagram.
    kcp.output((data, size) => flying.push(to, size === data.length ? data : data.subarray(0, size)));
    return kcp;
  };
  const ends = {};
  const sender = (ends.sender = make("receiver"));
  const receiver = (ends.receiver = make("sender"));
  const check = checker(messageBytes);
  let index = 0;
  let now = 0;
  return {
    check,
    send() {
      sender.send(stamp(Buffer.allocUnsafe(messageBytes), index++));
      return true;
    },
    tick() {
      sender.update(now);
      receiver.update(now);
      for (let i = 0; i < flying.length; i += 2) {
        ends[flying[i]].input(flying[i + 1]);
      }
      flying.length = 0;
      for (let data; (data = receiver.recv());) check.take(data);
      now += TICK_MS;
    },
  };
}

/** How many messages of this size jamnet's full send queue holds: KCP gets the same number. */
function fullQueueMessages(messageBytes) {
  const pair = jamnetPair(messageBytes);
  let count = 0;
  while (pair.send()) count++;
  return count;
}

/** One sample of one cell: fresh endpoints, an untimed warm-up burst, then timed bursts. */
function sample(library, { messageBytes, backlog }) {
  const full = backlog === FULL;
  const count = full ? FULL_QUEUE[messageBytes] : backlog;
  const pair = library === "jamnet" ? jamnetPair(messageBytes) : kcpPair(messageBytes, count);
  const { check } = pair;
  const burst = () => {
    const target = check.received + count;
    const start = performance.now();
    let sent = 0;
    while (sent < count && pair.send()) sent++;
    if (sent < count) {
      throw new Error(
        `${library} took ${sent} of ${count} messages of ${messageBytes} bytes.`,
      );
    }
    let now = start;
    while (check.received < target && now - start <= CAP_MS) {
      pair.tick();
      now = performance.now();
    }
    return {
      messages: check.received - (target - count),
      elapsedMs: now - start,
      capped: check.received < target,
    };
  };
  const settle = () => {
    for (let ms = 0; ms < SETTLE_MS; ms += TICK_MS) pair.tick();
  };
  const total = { messages: 0, elapsedMs: 0, capped: false };
  if (!full || FULL_WARM) {
    // warm-up, untimed: jamnet's first packets carry extra copies while the loss is unknown
    if (burst().capped) throw new Error(`${library}: the untimed warm-up burst stopped at CAP_MS`);
    settle();
  }
  do {
    const { messages, elapsedMs, capped } = burst();
    total.messages += messages;
    total.elapsedMs += elapsedMs;
    if (capped) {
      total.capped = true;
      break;
    }
    settle();
  } while (!full && total.elapsedMs < SAMPLE_MS);
  total.misorder = check.misorder;
  return total;
}

const rate = ({ messageBytes }, { messages, elapsedMs }) =>
  messages * (messageBytes === 32 ? 1 : messageBytes / 1e6) /
  (elapsedMs / 1000);
const median = (values) => {
  const sorted = values.toSorted((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length & 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const format = (value) =>
  value >= 100 ? Math.round(value).toLocaleString("en-US") : String(Number(value.toPrecision(3)));

const FULL_QUEUE = { 32: fullQueueMessages(32), 1200: fullQueueMessages(1200) };
const LIBRARIES = ["jamnet", "KCP"];
const cells = [32, 1200].flatMap((messageBytes) => [64, 2048, FULL].map((backlog) => ({ messageBytes, backlog })));
const key = (library, { messageBytes, backlog }) => `${library} ${messageBytes} ${backlog}`;

// Warm-up: let the JIT see every path of both libraries before anything is timed.
for (const library of LIBRARIES) {
  for (const cell of cells) if (cell.backlog !== FULL) sample(library, cell);
}

const results = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const cell of cells) {
    for (const library of round & 1 ? LIBRARIES.toReversed() : LIBRARIES) {
      const samples = results.get(key(library, cell)) ?? [];
      samples.push(sample(library, cell));
      results.set(key(library, cell), samples);
      if (RAW) {
        console.log(
          `round ${round} ${key(library, cell)}: ${format(rate(cell, samples.at(-1)))}`,
        );
      }
    }
  }
}

const backlogName = (backlog) =>
  backlog === FULL ? "queue filled to its 4 MiB limit" : `${backlog.toLocaleString("en-US")} messages`;
console.log(
  `In-process throughput, zero-latency link: ${ROUNDS} rounds, medians (jamnet ÷ KCP: the median of each round's ` +
    `ratio); one tick = update both ends, deliver, poll, advance ${TICK_MS} virtual ms; jamnet over the ${LINK} link; Node ${process.version}.\n`,
);
console.log(
  "| send backlog | jamnet 32 B msgs/s | KCP 32 B msgs/s | jamnet ÷ KCP | jamnet 1,200 B MB/s | KCP 1,200 B MB/s | " +
    "jamnet ÷ KCP |",
);
console.log("|---|--:|--:|--:|--:|--:|--:|");
const notes = [];
const goals = [];
for (const backlog of [FULL, 2048, 64]) {
  const row = [backlogName(backlog)];
  for (const messageBytes of [32, 1200]) {
    const cell = { messageBytes, backlog };
    const [ours, theirs] = LIBRARIES.map((library) => results.get(key(library, cell)));
    for (const [library, samples] of [["jamnet", ours], ["KCP", theirs]]) {
      const capped = samples.filter((s) => s.capped);
      const where = `${library}, ${messageBytes.toLocaleString("en-US")} B, ${backlogName(backlog)}`;
      if (capped.length) {
        notes.push(
          `- ${where}: stopped at CAP_MS in ${capped.length} of ${samples.length} rounds`,
        );
      }
      const misordered = samples.find((s) => s.misorder);
      if (misordered) {
        notes.push(
          `- ${where}: NOT DELIVERED IN ORDER: ${misordered.misorder}`,
        );
      }
    }
    const ratio = median(
      ours.map((s, round) => rate(cell, s) / rate(cell, theirs[round])),
    );
    row.push(
      format(median(ours.map((s) => rate(cell, s)))),
      format(median(theirs.map((s) => rate(cell, s)))),
    );
    row.push(ratio.toFixed(2));
    const needed = messageBytes === 32 ? 0.8 : 0.5;
    goals.push(
      `- ${messageBytes.toLocaleString("en-US")} B, ${backlogName(backlog)}: at least ${needed}× KCP's: ` +
        `${ratio >= needed ? "holds" : "FAILS"} (${ratio.toFixed(2)})`,
    );
  }
  console.log(`| ${row.join(" | ")} |`);
}
console.log(
  `\nA full queue: ${FULL_QUEUE[32].toLocaleString("en-US")} messages of 32 B or ` +
    `${FULL_QUEUE[1200].toLocaleString("en-US")} of 1,200 B (jamnet's 4 MiB limit; KCP is given as many).`,
);
if (notes.length) {
  console.log(
    `\nStopped at CAP_MS (${CAP_MS} ms), or not in order:\n${notes.join("\n")}`,
  );
}
console.log(`\nGoals of issue #13 (3), in process:\n${goals.join("\n")}`);
