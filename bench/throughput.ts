/**
 * `deno task bench:throughput`: throughput over real loopback (127.0.0.1),
 * jamnet against the raw socket of the same runtime, in one run.
 *
 * Every cell runs as two processes (bench/throughput_peer.ts): a receiver,
 * started first, and a sender, so neither end's work slows the other's loop
 * and each gets a core of its own where one is free. A cell is one socket
 * (nodeUdp: node:dgram in Deno; denoUdp: Deno.listenDatagram; webSocket: a
 * Deno server and a Deno client), one message size (1,200 or 32 bytes) and
 * one of:
 * - raw: datagrams (WebSocket messages) of the message size, as fast as the
 *   socket takes them while the receiver keeps up. The raw UDP receiver
 *   reports its count back every 16 datagrams and the sender keeps at most
 *   RAW_WINDOW datagrams unreported (a window with no report for 20 ms is
 *   written off as lost), so raw loss shows as stalls, not as a rate the
 *   receiver never saw. The WebSocket sender waits while 1 MiB is buffered.
 * - jamnet at an MTU: two Hosts, reliable ordered Uint8Array messages of the
 *   message size, the sender keeping its queue full; both loop update, poll,
 *   yield. A 1,200-byte Uint8Array packs to 1,203 bytes and a piece holds at
 *   most mtu - 25, so at the default mtu of 1,200 each message is two
 *   fragments (1,175 + 28 bytes) and at 1,400 one piece.
 *
 * What counts is what the receiver delivered: messages, and payload bytes
 * (the message's own bytes), over RUN_MS starting WARMUP_MS after the first
 * arrival. Each cell runs ROUNDS times, the rounds interleaved so that a noisy
 * neighbour slows all cells alike; the table shows medians, and each jamnet
 * ratio is the median over rounds of jamnet ÷ the same round's raw. A
 * benchmark reports; it never fails.
 *
 * Both loops yield with "wake": setImmediate while the last turn sent or
 * delivered something, else sleep until a datagram arrives (or 1 ms). Spinning
 * on setImmediate every turn ran both ends at 100% CPU on this 2-core machine
 * and halved raw UDP; a MessageChannel yield let far fewer receives run
 * (measured 5-20x lower); setTimeout 0 is a 1-2 ms sleep here (about 450 a
 * second), which caps any loop. The receiver also polls its events after
 * every datagram: a WebSocket delivers thousands of messages between two
 * turns of the loop, and Host.poll() shifts an array, which turns quadratic
 * past a few hundred thousand events.
 *
 * Options (environment): ROUNDS (3), RUN_MS (2000), WARMUP_MS (300),
 * PACKETS_PER_UPDATE (64), YIELD (wake | immediate | channel | timeout),
 * RAW_WINDOW (256), MTUS (1200,1400), TRANSPORTS (nodeUdp,denoUdp,webSocket),
 * SIZES (1200,32), PROFILE=dir to write CPU profiles of every jamnet process
 * there (summarize them with bench/cpuprofile_top.ts), JAMNET_MODULE=path to
 * run another copy of mod.ts (a candidate change), RAW=1 to print every
 * sample with both Hosts' stats.
 *
 * @module
 */
import type { Cell, Received, Sent } from "./throughput_peer.ts";

const env = (name: string, fallback: string) => Deno.env.get(name) ?? fallback;
const ROUNDS = Number(env("ROUNDS", "3"));
const RUN_MS = Number(env("RUN_MS", "2000"));
const WARMUP_MS = Number(env("WARMUP_MS", "300"));
// 64 packets an update: a tight loop runs thousands of updates a second, so this is no cap (the sender
// sent 9 packets an update on average, limited by its window); 256 sends bursts that overflow the
// receiver's 208 KB socket buffer at once.
const PACKETS_PER_UPDATE = Number(env("PACKETS_PER_UPDATE", "64"));
const YIELD = env("YIELD", "wake") as Cell["yield"];
const RAW_WINDOW = Number(env("RAW_WINDOW", "256"));
const MTUS = env("MTUS", "1200,1400").split(",").map(Number);
const TRANSPORTS = env("TRANSPORTS", "nodeUdp,denoUdp,webSocket").split(",") as Cell["transport"][];
const SIZES = env("SIZES", "1200,32").split(",").map(Number);
const PROFILE = Deno.env.get("PROFILE");
const RAW = env("RAW", "") === "1";
/** A cell that has not finished this long after its sender should have is killed and reported as 0. */
const CELL_LIMIT_MS = WARMUP_MS + RUN_MS + 15_000;

const peerUrl = new URL("./throughput_peer.ts", import.meta.url);

/** Starts one end of a cell; stdout is read line by line as JSON. */
function start(role: "receive" | "send", cell: Cell, address?: string) {
  const flags = PROFILE && cell.kind === "jamnet" ? [`--cpu-prof`, `--cpu-prof-dir=${PROFILE}`] : [];
  const args = ["run", "-A", "--unstable-net", ...flags, peerUrl.pathname, role, JSON.stringify(cell)];
  if (address) args.push(address);
  const child = new Deno.Command(Deno.execPath(), { args, stdin: "piped", stdout: "piped", stderr: "inherit" })
    .spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return {
    child,
    /** The next line it prints, parsed. */
    async next<T>(): Promise<T> {
      for (;;) {
        const newline = buffered.indexOf("\n");
        if (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          return JSON.parse(line);
        }
        const { value, done } = await lines.read();
        if (done) throw new Error(`The ${role} process of ${describe(cell)} ended without printing its result.`);
        buffered += value;
      }
    },
  };
}

function describe(cell: Cell): string {
  const mtu = cell.kind === "jamnet" ? ` mtu ${cell.mtu}` : "";
  return `${cell.transport} ${cell.kind} ${cell.messageBytes} B${mtu}`;
}

/** Runs one cell: the receiver's counts, or zeros when it did not finish within CELL_LIMIT_MS. */
async function runCell(cell: Cell): Promise<{ received: Received; sent: Sent }> {
  const receiver = start("receive", cell);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${describe(cell)} did not finish in ${CELL_LIMIT_MS} ms.`)),
      CELL_LIMIT_MS,
    );
  });
  let sender: ReturnType<typeof start> | undefined;
  try {
    const work = (async () => {
      const { address } = await receiver.next<{ address: string }>();
      sender = start("send", cell, address);
      const sent = await sender.next<Sent>();
      await sender.child.status;
      await receiver.child.stdin.close();
      const received = await receiver.next<Received>();
      await receiver.child.status;
      return { received, sent };
    })();
    return await Promise.race([work, limit]);
  } catch (error) {
    console.error(String(error));
    for (const child of [receiver.child, sender?.child]) {
      try {
        child?.kill();
      } catch {
        // it had ended
      }
    }
    const received = { messagesPerSecond: 0, bytesPerSecond: 0, messages: 0, updates: 0 };
    return { received, sent: { messages: 0, updates: 0, stalls: 0 } };
  } finally {
    clearTimeout(timer);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const format = (value: number, digits = 1) =>
  value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

const base = { packetsPerUpdate: PACKETS_PER_UPDATE, yield: YIELD, rawWindow: RAW_WINDOW, warmupMs: WARMUP_MS };
const cells: Cell[] = [];
for (const transport of TRANSPORTS) {
  for (const messageBytes of SIZES) {
    cells.push({ ...base, transport, kind: "raw", messageBytes, mtu: 0, runMs: RUN_MS });
    for (const mtu of MTUS) cells.push({ ...base, transport, kind: "jamnet", messageBytes, mtu, runMs: RUN_MS });
  }
}
const results = new Map<Cell, { received: Received; sent: Sent }[]>(cells.map((cell) => [cell, []]));

console.log(
  `jamnet throughput over 127.0.0.1: sender and receiver in separate processes, ${RUN_MS} ms a sample after ` +
    `${WARMUP_MS} ms of warm-up, median of ${ROUNDS}; packetsPerUpdate ${PACKETS_PER_UPDATE}, yield ${YIELD}, ` +
    `raw UDP window ${RAW_WINDOW} datagrams`,
);
for (let round = 0; round < ROUNDS; round++) {
  for (const cell of cells) {
    const result = await runCell(cell);
    results.get(cell)!.push(result);
    if (RAW) {
      const { received, sent } = result;
      const { bytesSent: _, ...stats } = received.stats ?? {};
      console.log(
        `round ${round + 1} ${describe(cell)}: ${format(received.messagesPerSecond / 1000)}k msg/s, ` +
          `${format(received.bytesPerSecond / 1e6)} MB/s; sent ${sent.messages}, received ${received.messages}, ` +
          `sender updates ${sent.updates}, stalls ${sent.stalls}, receiver updates ${received.updates}` +
          (received.misorder ? `, MISORDER ${received.misorder}` : "") +
          (cell.kind === "jamnet"
            ? `\n  receiver ${JSON.stringify(stats)}\n  sender ${JSON.stringify(sent.stats)}`
            : ""),
      );
    }
  }
}

/** Median of each round's jamnet ÷ the same round's raw. */
function ratio(jamnet: Cell, raw: Cell, rate: (received: Received) => number): number {
  const rawRuns = results.get(raw)!;
  return median(results.get(jamnet)!.map(({ received }, round) => rate(received) / rate(rawRuns[round].received)));
}

const medianOf = (cell: Cell, rate: (received: Received) => number) =>
  median(results.get(cell)!.map(({ received }) => rate(received)));
const loss = (cell: Cell) =>
  median(results.get(cell)!.map(({ received, sent }) => sent.messages ? 1 - received.messages / sent.messages : 0));
const percent = (value: number) => `${format(value * 100, 1)}%`;

console.log();
console.log(
  "| socket | message | raw | raw loss | " + MTUS.map((mtu) => `jamnet mtu ${mtu} | ratio`).join(" | ") + " |",
);
console.log("|---|--:|--:|--:|" + MTUS.map(() => "--:|--:|").join("") + "");
for (const transport of TRANSPORTS) {
  for (const messageBytes of SIZES) {
    const row = cells.filter((cell) => cell.transport === transport && cell.messageBytes === messageBytes);
    const raw = row.find((cell) => cell.kind === "raw")!;
    // 1,200-byte messages: payload MB/s (10^6 bytes); smaller ones: messages a second.
    const big = messageBytes >= 1000;
    const rate = big ? (received: Received) => received.bytesPerSecond : (r: Received) => r.messagesPerSecond;
    const show = (value: number) => big ? `${format(value / 1e6)} MB/s` : `${format(value / 1000, 0)}k msg/s`;
    const cellsOut = row.filter((cell) => cell.kind === "jamnet").map((cell) =>
      `${show(medianOf(cell, rate))} | ${format(ratio(cell, raw, rate), 2)}`
    );
    console.log(
      `| ${transport} | ${format(messageBytes, 0)} B | ${show(medianOf(raw, rate))} | ${
        transport === "webSocket" ? "–" : percent(loss(raw))
      } | ${cellsOut.join(" | ")} |`,
    );
  }
}
