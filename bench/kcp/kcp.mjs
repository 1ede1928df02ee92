// Latency under loss: jamnet (dist/mod.js) against KCP (node-kcp 1.0.13, the original C ikcp.c), side by side
// over the same simulated link on one virtual clock. Run `deno task bench:kcp` (it builds dist/mod.js and
// installs node-kcp), or `deno task build && cd bench/kcp && npm install && node kcp.mjs`.
//
// Link: 50 ms ± 10 ms one way, 1% duplication, 1% reordering (held back one more latency), loss 0%, 5%, 20%.
// Traffic: 2,000 reliable ordered 32-byte messages at 60 a second, one way. Both sides tick every 10 ms
// (KCP's interval in fast mode). Wire bytes count every datagram sent, both directions, plus 28 bytes of IP
// and UDP header each.
import { createRequire } from "node:module";
import { Host } from "../../dist/mod.js";

const { KCP } = createRequire(import.meta.url)("node-kcp/build/Release/kcp.node");

const MESSAGES = 2000;
const SEND_EVERY_MS = 1000 / 60;
const TICK_MS = 10;
const HEADER_BYTES = 28;
// Seeds 1 to 5, or a range given as `node kcp.mjs 11-30`.
const [firstSeed, lastSeed] = (process.argv[2] ?? "1-5").split("-").map(Number);
const SEEDS = Array.from({ length: lastSeed - firstSeed + 1 }, (_, i) => firstSeed + i);

/** A one-way link with its own seeded random numbers (a 32-bit LCG). */
function link(loss, seed) {
  let state = seed * 7919;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) | 0) / 2 ** 32 + 0.5;
  return () => {
    if (random() < loss) return [];
    const delays = [];
    for (let copies = random() < 0.01 ? 2 : 1; copies--;) {
      delays.push(40 + random() * 20 + (random() < 0.01 ? 50 : 0));
    }
    return delays;
  };
}

/** Datagrams in flight between "a" and "b" on a virtual clock; counts wire bytes. */
function network(loss, seed) {
  const links = { a: link(loss, seed), b: link(loss, seed + 1000) };
  const flying = [];
  const net = { now: 0, wireBytes: 0, receivers: {} };
  net.send = (from, to, data) => {
    net.wireBytes += data.length + HEADER_BYTES;
    for (const delay of links[from]()) flying.push({ at: net.now + delay, to, data: Uint8Array.from(data) });
  };
  net.deliver = () => {
    flying.sort((x, y) => x.at - y.at);
    while (flying.length && flying[0].at <= net.now) {
      const { to, data } = flying.shift();
      net.receivers[to](data);
    }
  };
  return net;
}

function message(index) {
  const bytes = new Uint8Array(32);
  new DataView(bytes.buffer).setUint32(0, index);
  return bytes;
}

/** Runs the stream through jamnet; returns each message's latency in ms. */
function runJamnet(net) {
  const socket = (self, other) => ({
    send: (data) => net.send(self, other, data),
    listen: (receive) => (net.receivers[self] = (data) => receive(data, other)),
    close() {},
  });
  const sender = new Host(socket("a", "b"), { now: () => net.now });
  const receiver = new Host(socket("b", "a"), { now: () => net.now });
  const peer = sender.connect("b");
  const latencies = [];
  const sentAt = [];
  let sent = 0;
  let start = -1;
  for (; net.now < 300_000 && latencies.length < MESSAGES; net.now++) {
    net.deliver();
    if (start < 0 && peer.state === "connected") start = net.now;
    while (start >= 0 && sent < MESSAGES && net.now >= start + sent * SEND_EVERY_MS) {
      sentAt[sent] = net.now;
      peer.send(message(sent++));
    }
    if (net.now % TICK_MS === 0) {
      sender.update();
      receiver.update();
    }
    for (let event; (event = receiver.poll());) {
      if (event.type === "message") {
        const index = new DataView(event.data.buffer, event.data.byteOffset).getUint32(0);
        latencies[index] = net.now - sentAt[index];
      }
    }
  }
  return latencies;
}

/** Runs the stream through KCP in fast mode; returns each message's latency in ms. */
function runKcp(net) {
  const make = (self, other) => {
    const kcp = new KCP(1, { self });
    kcp.nodelay(1, 10, 2, 1);
    kcp.wndsize(128, 128);
    kcp.output((data, size) => net.send(self, other, data.subarray(0, size)));
    net.receivers[self] = (data) => kcp.input(Buffer.from(data));
    return kcp;
  };
  const sender = make("a", "b");
  const receiver = make("b", "a");
  const latencies = [];
  const sentAt = [];
  let sent = 0;
  for (; net.now < 300_000 && latencies.length < MESSAGES; net.now++) {
    net.deliver();
    while (sent < MESSAGES && net.now >= sent * SEND_EVERY_MS) {
      sentAt[sent] = net.now;
      sender.send(Buffer.from(message(sent++)));
    }
    if (net.now % TICK_MS === 0) {
      sender.update(net.now);
      receiver.update(net.now);
    }
    for (let data; (data = receiver.recv());) {
      const index = data.readUInt32BE(0);
      latencies[index] = net.now - sentAt[index];
    }
  }
  return latencies;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

console.log("| loss | library | p50 ms | p95 ms | p99 ms | delivered | wire bytes per payload byte |");
console.log("| ---: | ------- | -----: | -----: | -----: | --------: | --------------------------: |");
for (const loss of [0, 0.05, 0.2]) {
  for (const [name, run] of [["jamnet", runJamnet], ["KCP fast", runKcp]]) {
    const all = [];
    let wireBytes = 0;
    let delivered = 0;
    for (const seed of SEEDS) {
      const net = network(loss, seed);
      const latencies = run(net);
      wireBytes += net.wireBytes;
      for (const latency of latencies) {
        if (latency !== undefined) {
          all.push(latency);
          delivered++;
        }
      }
    }
    all.sort((x, y) => x - y);
    const perPayload = wireBytes / (SEEDS.length * MESSAGES * 32);
    console.log(
      `| ${loss * 100}% | ${name} | ${percentile(all, 50)} | ${percentile(all, 95)} | ${percentile(all, 99)} | ` +
        `${delivered}/${SEEDS.length * MESSAGES} | ${perPayload.toFixed(2)} |`,
    );
  }
}
