// Latency under loss: jamnet (dist/mod.js) against KCP (node-kcp 1.0.13, the original C ikcp.c), side by side
// over the same simulated link on one virtual clock. Run `deno task bench:kcp` (it builds dist/mod.js and
// installs node-kcp), or `deno task build && cd bench/kcp && npm install && node kcp.mjs`.
//
//   node kcp.mjs [first-last]          every condition below on each seed (default 1-30): per-condition
//                                      ratios, the seeds that miss, and the chart latency.svg
//   node kcp.mjs --pooled [first-last] the older table: 0%, 5% and 20% loss, latencies of all seeds pooled
//                                      (default 1-5)
//   --svg=FILE                         where the chart goes (default latency.svg beside this file); --svg=
//                                      writes none
//   JAMNET_JS=path node kcp.mjs …      runs another build in place of dist/mod.js (a candidate change,
//                                      bundled from a copy of mod.ts), so that two can be compared
//
// Traffic: 2,000 reliable ordered 32-byte messages at 60 a second, one way. Both sides tick every 10 ms (KCP's
// interval in fast mode). Link, each direction on its own seeded random numbers: one-way delay uniform in
// 50 ± 10 ms (150 ± 30 on the long link), 1% of datagrams duplicated, 1% reordered (held back one more base
// delay), and the condition's loss. Wire bytes count every datagram sent, both directions, plus 28 bytes of IP
// and UDP header each. The clock is virtual, so every run gives the same numbers.
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolve } from "node:path";
const { Host } = await import(
  process.env.JAMNET_JS ? pathToFileURL(resolve(process.env.JAMNET_JS)).href : "../../dist/mod.js"
);

const { KCP } = createRequire(import.meta.url)(
  "node-kcp/build/Release/kcp.node",
);

const MESSAGES = 2000;
const SEND_EVERY_MS = 1000 / 60;
const TICK_MS = 10;
const HEADER_BYTES = 28;

const args = process.argv.slice(2);
const POOLED = args.includes("--pooled");
const range = args.find((arg) => /^\d+-\d+$/.test(arg)) ??
  (POOLED ? "1-5" : "1-30");
const [firstSeed, lastSeed] = range.split("-").map(Number);
const SEEDS = Array.from(
  { length: lastSeed - firstSeed + 1 },
  (_, i) => firstSeed + i,
);
const svgArg = args.find((arg) => arg.startsWith("--svg="));
const SVG_PATH = svgArg ? svgArg.slice(6) : fileURLToPath(new URL("latency.svg", import.meta.url));

/** Loss that forgets: each datagram is dropped with the same chance. */
const independentLoss = (chance) => (random) => random() < chance;

/**
 * Gilbert–Elliott loss: a good state that drops nothing and a bad state that drops half. Each datagram first
 * moves the state (into the bad one with a 2% chance, out of it with 20%: 5 datagrams in it on average), then
 * is dropped with the bad state's chance. About 9% of datagrams meet the bad state, so about 4.5% are lost, in
 * bursts.
 */
const burstLoss = ({ enterChance, leaveChance, badLossChance }) => {
  return () => {
    let bad = false;
    return (random) => {
      bad = bad ? random() >= leaveChance : random() < enterChance;
      return bad && random() < badLossChance;
    };
  };
};

/** The conditions of issue #13's table, and a clean link as the reference. */
const CONDITIONS = [
  {
    name: "0% loss",
    label: "0%",
    loss: () => independentLoss(0),
    delayMs: 50,
    jitterMs: 10,
  },
  {
    name: "5% loss",
    label: "5%",
    loss: () => independentLoss(0.05),
    delayMs: 50,
    jitterMs: 10,
    goal: true,
  },
  {
    name: "20% loss",
    label: "20%",
    loss: () => independentLoss(0.2),
    delayMs: 50,
    jitterMs: 10,
    goal: true,
  },
  {
    name: "burst loss (Gilbert–Elliott)",
    label: "burst",
    loss: burstLoss({
      enterChance: 0.02,
      leaveChance: 0.2,
      badLossChance: 0.5,
    }),
    delayMs: 50,
    jitterMs: 10,
    burst: true,
  },
  {
    name: "10% loss, 150 ± 30 ms",
    label: "10%, 150 ms",
    loss: () => independentLoss(0.1),
    delayMs: 150,
    jitterMs: 30,
    goal: true,
  },
];

/** A one-way link with its own seeded random numbers (a 32-bit LCG). */
function link(condition, seed) {
  let state = seed * 7919;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) | 0) / 2 ** 32 + 0.5;
  const lost = condition.loss();
  const { delayMs, jitterMs } = condition;
  return () => {
    if (lost(random)) return [];
    const delays = [];
    for (let copies = random() < 0.01 ? 2 : 1; copies--;) {
      delays.push(
        delayMs - jitterMs + random() * 2 * jitterMs +
          (random() < 0.01 ? delayMs : 0),
      );
    }
    return delays;
  };
}

/** Datagrams in flight between "a" and "b" on a virtual clock; counts wire bytes. */
function network(condition, seed) {
  const links = { a: link(condition, seed), b: link(condition, seed + 1000) };
  const flying = [];
  const net = { now: 0, wireBytes: 0, receivers: {} };
  net.send = (from, to, data) => {
    net.wireBytes += data.length + HEADER_BYTES;
    for (const delay of links[from]()) {
      flying.push({ at: net.now + delay, to, data: Uint8Array.from(data) });
    }
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
    while (
      start >= 0 && sent < MESSAGES && net.now >= start + sent * SEND_EVERY_MS
    ) {
      sentAt[sent] = net.now;
      peer.send(message(sent++));
    }
    if (net.now % TICK_MS === 0) {
      sender.update();
      receiver.update();
    }
    for (let event; (event = receiver.poll());) {
      if (event.type === "message") {
        const index = new DataView(event.data.buffer, event.data.byteOffset)
          .getUint32(0);
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

const LIBRARIES = [["jamnet", runJamnet], ["KCP fast", runKcp]];

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (values) => {
  const sorted = values.toSorted((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length & 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** One library on one condition and seed: its latencies (sorted, delivered only) and wire bytes. */
function measure(run, condition, seed) {
  const net = network(condition, seed);
  const latencies = run(net).filter((latency) => latency !== undefined).sort((
    x,
    y,
  ) => x - y);
  return { latencies, wireBytes: net.wireBytes };
}

if (POOLED) {
  console.log(`Seeds ${range}, latencies of all seeds pooled.\n`);
  console.log(
    "| loss | library | p50 ms | p95 ms | p99 ms | delivered | wire bytes per payload byte |",
  );
  console.log(
    "| ---: | ------- | -----: | -----: | -----: | --------: | --------------------------: |",
  );
  for (const condition of CONDITIONS.slice(0, 3)) {
    for (const [name, run] of LIBRARIES) {
      const all = [];
      let wireBytes = 0;
      for (const seed of SEEDS) {
        const result = measure(run, condition, seed);
        wireBytes += result.wireBytes;
        all.push(...result.latencies);
      }
      all.sort((x, y) => x - y);
      const perPayload = wireBytes / (SEEDS.length * MESSAGES * 32);
      console.log(
        `| ${condition.label} | ${name} | ${percentile(all, 50)} | ${percentile(all, 95)} | ${percentile(all, 99)} | ` +
          `${all.length}/${SEEDS.length * MESSAGES} | ${perPayload.toFixed(2)} |`,
      );
    }
  }
  process.exit(0);
}

// Every condition on every seed; each seed's p99 and bytes compared between the two libraries.
const results = CONDITIONS.map((condition) => {
  const seeds = SEEDS.map((seed) => {
    const [jamnet, kcp] = LIBRARIES.map(([, run]) => measure(run, condition, seed));
    const p = (result, at) => percentile(result.latencies, at);
    return {
      seed,
      delivered: [jamnet.latencies.length, kcp.latencies.length],
      p50: [p(jamnet, 50), p(kcp, 50)],
      p95: [p(jamnet, 95), p(kcp, 95)],
      p99: [p(jamnet, 99), p(kcp, 99)],
      p99Ratio: p(jamnet, 99) / p(kcp, 99),
      bytesRatio: jamnet.wireBytes / kcp.wireBytes,
      bytesPerPayload: [
        jamnet.wireBytes / (MESSAGES * 32),
        kcp.wireBytes / (MESSAGES * 32),
      ],
    };
  });
  return { condition, seeds };
});

const n = SEEDS.length;
const fixed = (value, digits = 2) => value.toFixed(digits);
const worst = (seeds, key) => seeds.reduce((a, b) => (b[key] > a[key] ? b : a));
const ms = (value) => String(Math.round(value));

console.log(
  `Seeds ${range} (${n}); ${MESSAGES.toLocaleString("en-US")} messages of 32 B at 60/s per seed; ` +
    `p50/p95/p99 are medians over seeds of each seed's percentile; a ratio is jamnet ÷ KCP on one seed.\n`,
);
console.log(
  "| condition | jamnet p50 / p95 / p99 ms | KCP p50 / p95 / p99 ms | p99 jamnet ÷ KCP (median) | seeds at ≤ 0.5 | " +
    "worst p99 ratio (seed) | bytes jamnet ÷ KCP, median | max (seed) | seeds with bytes ≤ KCP's |",
);
console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
for (const { condition, seeds } of results) {
  const side = (i) =>
    ["p50", "p95", "p99"].map((key) => ms(median(seeds.map((s) => s[key][i]))))
      .join(" / ");
  const worstLatency = worst(seeds, "p99Ratio");
  const worstBytes = worst(seeds, "bytesRatio");
  console.log(
    `| ${condition.name} | ${side(0)} | ${side(1)} | ${fixed(median(seeds.map((s) => s.p99Ratio)))} | ` +
      `${seeds.filter((s) => s.p99Ratio <= 0.5).length}/${n} | ${
        fixed(worstLatency.p99Ratio)
      } (${worstLatency.seed}) | ` +
      `${fixed(median(seeds.map((s) => s.bytesRatio)), 3)} | ${
        fixed(worstBytes.bytesRatio, 3)
      } (${worstBytes.seed}) | ` +
      `${seeds.filter((s) => s.bytesRatio <= 1).length}/${n} |`,
  );
}

console.log(
  "\nSeeds that miss (p99 ratio over 0.5, or more wire bytes than KCP), as jamnet/KCP p99 ms = ratio:",
);
for (const { condition, seeds } of results) {
  if (!condition.goal && !condition.burst) continue; // the clean link is a reference, with no goal
  const slow = seeds.filter((s) => s.p99Ratio > 0.5)
    .map((s) => `${s.seed}: ${s.p99[0]}/${s.p99[1]} = ${fixed(s.p99Ratio)}`);
  const heavy = seeds.filter((s) => s.bytesRatio > 1).map((s) => `${s.seed}: ${fixed(s.bytesRatio, 3)}`);
  const lost = seeds.filter((s) => s.delivered.some((count) => count < MESSAGES))
    .map((s) => `${s.seed}: ${s.delivered.join("/")}`);
  console.log(
    `- ${condition.name}: p99 over 0.5 on ${slow.length}/${n}${slow.length ? ` (${slow.join("; ")})` : ""}`,
  );
  console.log(
    `  bytes over KCP's on ${heavy.length}/${n}${heavy.length ? ` (${heavy.join("; ")})` : ""}`,
  );
  if (lost.length) {
    console.log(`  NOT ALL DELIVERED (jamnet/KCP): ${lost.join("; ")}`);
  }
}

// Issue #13's latency goals, checked on these seeds.
console.log("\nGoals of issue #13, on these seeds:");
const verdict = (holds) => (holds ? "holds" : "FAILS");
for (const { condition, seeds } of results) {
  const atHalf = seeds.filter((s) => s.p99Ratio <= 0.5).length;
  const worstRatio = worst(seeds, "p99Ratio").p99Ratio;
  const heavy = seeds.filter((s) => s.bytesRatio > 1).length;
  if (condition.goal) {
    const needed = Math.ceil((28 / 30) * n);
    console.log(
      `- ${condition.name}: p99 ≤ 0.5× KCP's on ≥ ${needed}/${n} seeds: ${verdict(atHalf >= needed)} (${atHalf}); ` +
        `never over 0.7×: ${verdict(worstRatio <= 0.7)} (worst ${fixed(worstRatio)}); bytes ≤ KCP's on every seed: ` +
        `${verdict(heavy === 0)} (${n - heavy}/${n})`,
    );
  } else if (condition.burst) {
    const middle = median(seeds.map((s) => s.p99Ratio));
    console.log(
      `- ${condition.name}: median p99 ≤ 0.5× KCP's: ${verdict(middle <= 0.5)} (${fixed(middle)})`,
    );
  }
}

if (SVG_PATH) {
  writeFileSync(SVG_PATH, chart(results));
  console.log(`\nChart: ${SVG_PATH}`);
}

/**
 * The p99 of every seed as a dot, jamnet and KCP side by side per condition, with a bar at the median of
 * seeds. Plain SVG written here, no library: the README shows it.
 */
function chart(results) {
  const width = 760;
  const height = 380;
  const left = 56;
  const right = 16;
  const top = 44;
  const bottom = 64;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const highest = Math.max(
    ...results.flatMap(({ seeds }) => seeds.flatMap((s) => s.p99)),
  );
  const stepMs = 100;
  const topMs = Math.ceil(highest / stepMs) * stepMs;
  const y = (value) => top + plotHeight - (value / topMs) * plotHeight;
  const colors = ["#1f77b4", "#d62728"];
  const groupWidth = plotWidth / results.length;
  const parts = [];
  const text = (x, yAt, content, extra = "") =>
    `<text x="${x.toFixed(1)}" y="${yAt.toFixed(1)}"${extra}>${content}</text>`;
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="12" fill="#222">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    text(
      left,
      20,
      `p99 latency under loss, jamnet and KCP fast mode (${n} seeds: a dot each, a bar at the median)`,
      ` font-size="14" font-weight="bold"`,
    ),
    text(
      left,
      36,
      `${MESSAGES.toLocaleString("en-US")} reliable ordered 32-byte messages at 60/s, one-way 50 ± 10 ms ` +
        `unless noted, 1% duplication and reordering`,
      ` fill="#555"`,
    ),
  );
  for (let value = 0; value <= topMs; value += stepMs) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" ` +
        `stroke="${value ? "#e4e4e4" : "#888"}"/>`,
      text(
        left - 6,
        y(value) + 4,
        String(value),
        ` text-anchor="end" fill="#555"`,
      ),
    );
  }
  parts.push(
    text(
      14,
      top + plotHeight / 2,
      "p99 latency, ms",
      ` transform="rotate(-90 14 ${top + plotHeight / 2})" ` +
        `text-anchor="middle" fill="#555"`,
    ),
  );
  results.forEach(({ condition, seeds }, group) => {
    const center = left + groupWidth * (group + 0.5);
    LIBRARIES.forEach(([name], side) => {
      const x = center + (side ? 1 : -1) * groupWidth * 0.2;
      const middle = median(seeds.map((s) => s.p99[side]));
      parts.push(
        `<line x1="${(x - 22).toFixed(1)}" x2="${(x + 22).toFixed(1)}" y1="${y(middle).toFixed(1)}" ` +
          `y2="${y(middle).toFixed(1)}" stroke="${colors[side]}" stroke-width="3"/>`,
      );
      seeds.forEach((s, i) => {
        // Spread the dots sideways by seed so that equal values stay visible.
        const dx = ((i * 7) % n) / n * 28 - 14;
        parts.push(
          `<circle cx="${(x + dx).toFixed(1)}" cy="${y(s.p99[side]).toFixed(1)}" r="2.6" fill="${colors[side]}" ` +
            `fill-opacity="0.45"><title>${name}, ${condition.name}, seed ${s.seed}: p99 ${s.p99[side]} ms</title>` +
            `</circle>`,
        );
      });
      // The median's value outside its bar, clear of the dots; a white outline keeps it readable over grid lines.
      parts.push(
        text(
          x + (side ? 25 : -25),
          y(middle) + 4,
          ms(middle),
          ` text-anchor="${side ? "start" : "end"}" fill="${colors[side]}" font-size="11" font-weight="bold" ` +
            `stroke="#fff" stroke-width="3" paint-order="stroke"`,
        ),
      );
    });
    const ratio = median(seeds.map((s) => s.p99Ratio));
    parts.push(
      text(
        center,
        top + plotHeight + 18,
        condition.label,
        ` text-anchor="middle" font-weight="bold"`,
      ),
      text(
        center,
        top + plotHeight + 34,
        `jamnet ÷ KCP ${fixed(ratio)}`,
        ` text-anchor="middle" fill="#555"`,
      ),
    );
  });
  LIBRARIES.forEach(([name], side) => {
    const x = width - right - 190 + side * 95;
    parts.push(
      `<circle cx="${x}" cy="${height - 14}" r="5" fill="${colors[side]}"/>`,
      text(x + 10, height - 10, name),
    );
  });
  parts.push(
    text(
      left,
      height - 10,
      "burst: Gilbert–Elliott, 2% chance to enter a state that drops 50%, 5 packets in it",
      ` fill="#555" font-size="11"`,
    ),
    "</svg>",
  );
  return parts.join("\n") + "\n";
}
