/**
 * `deno task bench:inprocess [baseline.ts]`: in-process throughput of two
 * Hosts over a zero-latency memoryNet on its virtual clock. Each tick updates
 * both Hosts, advances the net by one tick and polls every event, so the wall
 * time measured is the CPU cost of sending, packing into packets, acking and
 * delivering, not any wait.
 *
 * Two message sizes: reliable ordered 32-byte messages (messages per second)
 * and 1,200-byte messages (MB/s of message bytes, 1 MB = 10^6 bytes; a packed
 * 1,200-byte message is 1,203 bytes and travels in two pieces). Three send
 * backlogs: 64 messages, 2,048 messages, and the send queue filled to its
 * limit (`maxQueuedBytes`, 4 MiB by default: `send` is called until it throws).
 * A sample times the sends and the ticks until the receiver's last message
 * event. The 64 and 2,048 backlogs repeat on one warmed connection until the
 * sample has run SAMPLE_MS, letting acks settle (untimed) between bursts; a
 * full queue is one burst, stopped at the first tick past CAP_MS: a library that does not finish
 * in time is reported by what it delivered by then.
 *
 * Given a path, the baseline module (another copy of mod.ts, for example the
 * last landed one) runs beside `../mod.ts`, each with its own Host and
 * memoryNet, interleaved in one process: every round runs every cell for both,
 * alternating which goes first, so a noisy neighbour slows both alike. The
 * table shows medians over the rounds, and new ÷ baseline as the median of
 * each round's ratio. A benchmark reports; it never fails the build.
 *
 * Options (environment): ROUNDS (default 7), PACKETS_PER_UPDATE (default 64),
 * TICK_MS (virtual ms per tick, default 16: a 60 Hz game frame), SAMPLE_MS
 * (default 200), CAP_MS (default 2000), RAW=1 to print every sample.
 *
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as current from "../mod.ts";

/** What the bench uses of a jamnet module; kept to the API every version has. */
type Library = Pick<typeof current, "Host" | "memoryNet">;

const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 7);
// Wall time, not the per-update cap, bounds the work from 64 up: on 5083fea, 64, 256 and 1,024 gave the same
// rates within noise (the receive window of 1,024 pieces, not the cap, limits what one tick carries). 64
// packets of 27 messages is 1,728 message events a tick, under maxEvents' 4,096, so no packet waits for a
// full event queue. The default of 8 would measure the cap, about 560 KB/s at 60 ticks a second.
const PACKETS_PER_UPDATE = Number(Deno.env.get("PACKETS_PER_UPDATE") ?? 64);
const TICK_MS = Number(Deno.env.get("TICK_MS") ?? 16);
/** Timed length of one sample at the 64 and 2,048 backlogs: long enough to dwarf timer resolution. */
const SAMPLE_MS = Number(Deno.env.get("SAMPLE_MS") ?? 200);
/** Longest time one full-queue sample may run. */
const CAP_MS = Number(Deno.env.get("CAP_MS") ?? 2000);
/** Untimed virtual time between bursts, for the last acks: over ACK_DELAY_MS (33). */
const SETTLE_MS = 100;
const FULL = Infinity;
/** RAW=1 prints every sample as it is taken. */
const RAW = Deno.env.get("RAW") === "1";

interface Cell {
  messageBytes: number;
  backlog: number;
}
const cells: Cell[] = [];
for (const messageBytes of [32, 1200]) {
  for (const backlog of [64, 2048, FULL]) cells.push({ messageBytes, backlog });
}

/** One sample: messages delivered and the wall time they took, summed over its bursts. */
interface Sample {
  messages: number;
  elapsedMs: number;
  /** Messages sent in a burst that was stopped at CAP_MS, or 0 when every burst finished. */
  capped: number;
  /** In a stopped burst, when its last message arrived (ms after its sends began). */
  lastArrivalMs: number;
  /** The first message that arrived out of order, of the wrong size, or in place of a lost one. */
  misorder?: string;
}

/** Two Hosts on a zero-latency memoryNet, connected, and the tick that drives them. */
function connectedPair(library: Library, messageBytes: number) {
  const net = library.memoryNet();
  const options = { now: net.now, packetsPerUpdate: PACKETS_PER_UPDATE };
  const sender = new library.Host(net.socket("sender"), options);
  const receiver = new library.Host(net.socket("receiver"), options);
  const peer = sender.connect("receiver");
  const pair = { peer, tick, received: 0, misorder: undefined as string | undefined };
  // Each message carries its index in its first 4 bytes: reliable ordered delivery is checked as it runs.
  function tick(): void {
    sender.update();
    receiver.update();
    net.advance(TICK_MS);
    while (sender.poll());
    for (let event; (event = receiver.poll());) {
      if (event.type !== "message") continue;
      const data = event.data as Uint8Array;
      const index = (data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3]) >>> 0;
      if ((index !== pair.received || data.length !== messageBytes) && !pair.misorder) {
        pair.misorder = `message ${pair.received} of ${messageBytes} bytes was due, message ${index} of ` +
          `${data.length} bytes arrived`;
      }
      pair.received++;
    }
  }
  for (let ticks = 0; peer.state !== "connected"; ticks++) {
    if (ticks > 100) throw new Error("The two Hosts did not connect in 100 ticks.");
    tick();
  }
  tick(); // the receiver's connect event
  return pair;
}

/** Runs one cell on one library: fresh Hosts, a warm-up burst, then timed bursts. */
function sample(library: Library, { messageBytes, backlog }: Cell): Sample {
  const pair = connectedPair(library, messageBytes);
  let nextIndex = 0;
  const message = () => {
    const bytes = new Uint8Array(messageBytes);
    const index = nextIndex++;
    bytes[0] = index >>> 24;
    bytes[1] = index >>> 16;
    bytes[2] = index >>> 8;
    bytes[3] = index;
    return bytes;
  };
  /** Sends a burst and ticks until it has all arrived or CAP_MS passed. */
  const burst = () => {
    const target = pair.received;
    let sent = 0;
    const start = performance.now();
    if (backlog === FULL) {
      for (;;) {
        try {
          pair.peer.send(message());
          sent++;
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          nextIndex--; // that message was refused: the queue is full
          break;
        }
      }
    } else {
      for (; sent < backlog; sent++) pair.peer.send(message());
    }
    let lastArrivalMs = 0;
    let now = start;
    while (pair.received < target + sent && now - start <= CAP_MS) {
      const before = pair.received;
      pair.tick();
      now = performance.now();
      if (pair.received > before) lastArrivalMs = now - start;
    }
    return { sent, delivered: pair.received - target, elapsedMs: now - start, lastArrivalMs };
  };
  const settle = () => {
    for (let ms = 0; ms < SETTLE_MS; ms += TICK_MS) pair.tick();
  };
  const total: Sample = { messages: 0, elapsedMs: 0, capped: 0, lastArrivalMs: 0 };
  if (backlog !== FULL) {
    burst(); // warm-up, untimed: the first packets of a connection carry extra copies (loss unknown yet)
    settle();
  }
  do {
    const { sent, delivered, elapsedMs, lastArrivalMs } = burst();
    total.messages += delivered;
    total.elapsedMs += elapsedMs;
    if (delivered < sent) {
      total.capped = sent;
      total.lastArrivalMs = lastArrivalMs;
      break;
    }
    settle();
  } while (backlog !== FULL && total.elapsedMs < SAMPLE_MS);
  total.misorder = pair.misorder;
  return total;
}

/** Messages per second for 32-byte messages, MB/s of message bytes for larger ones. */
const rate = (cell: Cell, { messages, elapsedMs }: Sample) =>
  messages * (cell.messageBytes === 32 ? 1 : cell.messageBytes / 1e6) / (elapsedMs / 1000);

const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length & 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Whole numbers from 100 up, with thousands separators; 3 significant digits below. */
const format = (value: number) =>
  value >= 100 ? Math.round(value).toLocaleString("en-US") : String(Number(value.toPrecision(3)));

const baselinePath = Deno.args[0];
const libraries: [string, Library][] = [["new", current]];
if (baselinePath) libraries.push(["baseline", await import(pathToFileURL(resolve(baselinePath)).href)]);

// Warm-up: let the JIT see every path of both libraries before anything is timed.
for (const [, library] of libraries) {
  for (const cell of cells) if (cell.backlog !== FULL) sample(library, cell);
}

const results = new Map<string, Sample[]>();
const key = (name: string, cell: Cell) => `${name} ${cell.messageBytes} ${cell.backlog}`;
for (let round = 0; round < ROUNDS; round++) {
  for (const cell of cells) {
    const order = round & 1 ? libraries.toReversed() : libraries;
    for (const [name, library] of order) {
      const samples = results.get(key(name, cell)) ?? [];
      samples.push(sample(library, cell));
      results.set(key(name, cell), samples);
      if (RAW) console.log(`round ${round} ${key(name, cell)}: ${format(rate(cell, samples.at(-1)!))}`);
    }
  }
}

const backlogName = (backlog: number) =>
  backlog === FULL ? "queue filled to its 4 MiB limit" : `${backlog.toLocaleString("en-US")} messages`;

console.log(
  `In-process throughput over a zero-latency memoryNet: ${ROUNDS} rounds, medians ` +
    `(new ÷ baseline: the median of each round's ratio); packetsPerUpdate ` +
    `${PACKETS_PER_UPDATE}, one tick = update both Hosts, advance ${TICK_MS} virtual ms, poll; ` +
    `Deno ${Deno.version.deno}${baselinePath ? `; baseline: ${baselinePath}` : ""}.\n`,
);
const names = libraries.map(([name]) => name);
const headings = [32, 1200].flatMap((bytes) => {
  const unit = bytes === 32 ? "32 B msgs/s" : "1,200 B MB/s";
  return baselinePath ? [`new ${unit}`, `baseline ${unit}`, "new ÷ baseline"] : [`${unit}`];
});
console.log(`| send backlog | ${headings.join(" | ")} |`);
console.log(`|---|${headings.map(() => "--:").join("|")}|`);
const notes: string[] = [];
const count = (value: number) => Math.round(value).toLocaleString("en-US");
for (const backlog of [FULL, 2048, 64]) {
  const row = [backlogName(backlog)];
  for (const messageBytes of [32, 1200]) {
    const cell = { messageBytes, backlog };
    const medians = names.map((name) => {
      const samples = results.get(key(name, cell))!;
      const where = `${name}, ${messageBytes.toLocaleString("en-US")} B, ${backlogName(backlog)}`;
      const capped = samples.filter((s) => s.capped);
      if (capped.length) {
        notes.push(
          `- ${where}: stopped at CAP_MS in ${capped.length} of ${samples.length} rounds, ` +
            `${count(median(capped.map((s) => s.messages)))} of ${count(capped[0].capped)} messages delivered ` +
            `(median), the last of them ${count(median(capped.map((s) => s.lastArrivalMs)))} ms after the sends ` +
            `began; the rate shown is what arrived ÷ the time run.`,
        );
      }
      const misordered = samples.find((s) => s.misorder);
      if (misordered) notes.push(`- ${where}: NOT DELIVERED IN ORDER: ${misordered.misorder}.`);
      return median(samples.map((s) => rate(cell, s)));
    });
    const mark = (name: string) => results.get(key(name, cell))!.some((s) => s.capped || s.misorder) ? "*" : "";
    row.push(...medians.map((value, i) => format(value) + mark(names[i])));
    if (baselinePath) {
      // The ratio of each round's pair, run back to back, then their median: a neighbour's load that comes
      // and goes between rounds cancels out of a pair.
      const [ours, theirs] = names.map((name) => results.get(key(name, cell))!.map((s) => rate(cell, s)));
      row.push(median(ours.map((value, round) => value / theirs[round])).toFixed(2));
    }
  }
  console.log(`| ${row.join(" | ")} |`);
}
const full = (name: string, bytes: number) => {
  const first = results.get(key(name, { messageBytes: bytes, backlog: FULL }))![0];
  return count(first.capped || first.messages);
};
console.log(
  `\nA full queue held ${
    names.map((name) => `${full(name, 32)} × 32 B or ${full(name, 1200)} × 1,200 B messages (${name})`).join("; ")
  }.`,
);
if (notes.length) {
  console.log(`\n\\* stopped at CAP_MS (${CAP_MS} ms), or not delivered in order:\n${notes.join("\n")}`);
}
