// timeout 120 deno run -A bench/offline_port.ts
// jamnet's own examples/offline/port_socket.js (a Socket over a MessagePort, `reliable`) between a client Host in the
// main thread and a server Host in a Deno Web Worker (bench/offline_port_worker.ts), as examples/offline does; a new
// Worker, port and pair of Hosts for each line. No network; the process ends by itself. Measures:
// 1. the round trip of a small reliable message, a ping answered by a pong, 1,000 one after another (from 1 s after
//    connecting), with `update()` called (a) then `poll()` every 16 ms on each side, (b) the same and `update()` again
//    after the events are handled, (c) `update()` also on each port message and right after each `send`;
// 2. a 1 MiB reliable message, client to server, with (a): from `send` until the server's `poll()` returned it (the
//    Worker says so over its own postMessage), at the defaults (`reliable` makes `packetsPerUpdate` 8) and with
//    `packetsPerUpdate: 1024` on both sides;
// 3. the server thread busy for 1.5 s: the client sends a message with 100 bytes of padding every 16 ms for 180 frames,
//    the server echoes each, and the block arrives with the 61st; the client's `stats.messagesResent` and
//    `stats.bytesSent` (the whole connection) with portSocket, and with the same socket but `reliable: false`.
// Printed on 2026-12-05 (Deno 2.9.6), two runs (about 80 s each), first / second:
//   round trip (a): median 49.88 / 49.97 ms, p99 67.23 / 66.78 ms
//   round trip (b): median 16.66 / 16.68 ms, p99 34.33 / 18.21 ms
//   round trip (c): median 0.13 / 0.05 ms, p99 0.93 / 0.55 ms
//   1 MiB one way: 1852 / 1840 ms at the defaults, 34 / 36 ms with packetsPerUpdate 1024
//   stall, reliable: messagesResent 0 / 0, bytesSent 24020 / 24000 (180 of 180 echoes back)
//   stall, reliable false: messagesResent 393 / 401, bytesSent 71596 / 72566 (180 of 180 echoes back)
import { Host, type HostEvent, type HostOptions, type Peer } from "../mod.ts";
import { portSocket } from "../examples/offline/port_socket.js";

type Update = "a" | "b" | "c";
interface Client {
  host: Host;
  peer: Peer;
  send(value: unknown): void;
  on(handler: (e: HostEvent) => void): void;
  fromWorker(t: string): Promise<void>;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One Worker, port and pair of Hosts: connects, runs `body`, then closes the client Host and waits for the Worker. */
async function session(
  update: Update,
  reliable: boolean,
  options: HostOptions | undefined,
  body: (c: Client) => Promise<void>,
) {
  const worker = new Worker(new URL("./offline_port_worker.ts", import.meta.url), { type: "module" });
  const waiting = new Map<string, () => void>();
  worker.onmessage = ({ data }) => waiting.get(data.t)?.();
  const fromWorker = (t: string) => new Promise<void>((r) => waiting.set(t, r));
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ port: port2, update, reliable, options }, [port2]);
  const socket = portSocket(port1, "server");
  const host = new Host(reliable ? socket : { ...socket, reliable: false }, options);
  const peer = host.connect(socket.address);
  let handler = (_: HostEvent) => {};
  const frame = () => {
    host.update();
    for (let event; (event = host.poll());) handler(event);
    if (update === "b") host.update();
  };
  const timer = setInterval(frame, 16);
  if (update === "c") port1.addEventListener("message", () => queueMicrotask(frame));
  const send = (value: unknown) => {
    peer.send(value);
    if (update === "c") host.update();
  };
  await new Promise<void>((r) => handler = (e) => e.type === "connect" && r());
  handler = () => {};
  await body({ host, peer, send, on: (h) => handler = h, fromWorker });
  const closed = fromWorker("closed");
  clearInterval(timer);
  host.close();
  await closed;
}

const q = (sorted: number[], p: number) => sorted[Math.floor((sorted.length - 1) * p)];
const labels = {
  a: "(a) update+poll every 16 ms",
  b: "(b) and update() after the events",
  c: "(c) and update() per port message and send",
};
for (const update of ["a", "b", "c"] as const) {
  await session(update, true, undefined, async ({ send, on }) => {
    await sleep(1000);
    const rtts: number[] = [];
    let sentAt = 0;
    await new Promise<void>((done) => {
      const ping = () => (sentAt = performance.now(), send({ t: "ping" }));
      on((e) => {
        if (e.type !== "message") return;
        rtts.push(performance.now() - sentAt);
        if (rtts.length < 1000) ping();
        else done();
      });
      ping();
    });
    rtts.sort((x, y) => x - y);
    console.log(
      `round trip, ${labels[update]}: median ${q(rtts, 0.5).toFixed(2)} ms, p99 ${q(rtts, 0.99).toFixed(2)} ms`,
    );
  });
}

for (const options of [undefined, { packetsPerUpdate: 1024 }]) {
  await session("a", true, options, async ({ send, fromWorker }) => {
    const b = new Uint8Array(1 << 20).map((_, i) => i * 7);
    const got = fromWorker("big");
    const start = performance.now();
    send({ t: "big", b });
    await got;
    const what = options ? "packetsPerUpdate 1024" : "defaults (packetsPerUpdate 8)";
    console.log(`1 MiB one way, ${what}: ${(performance.now() - start).toFixed(0)} ms`);
  });
}

for (const reliable of [true, false]) {
  await session("a", reliable, undefined, async ({ host, send, on }) => {
    let echoes = 0;
    on((e) => e.type === "message" && echoes++);
    for (let i = 0; i < 180; i++) {
      if (i === 60) send({ t: "block", ms: 1500 });
      send({ t: "echo", i, pad: "x".repeat(100) });
      await sleep(16);
    }
    for (const end = performance.now() + 3000; echoes < 180 && performance.now() < end;) await sleep(16);
    const { messagesResent, bytesSent } = host.stats;
    console.log(
      `1.5 s stall, reliable: ${reliable}: ${echoes} of 180 echoes back; client messagesResent ${messagesResent}, ` +
        `bytesSent ${bytesSent}`,
    );
  });
}
