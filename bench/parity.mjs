// Plain copies against XOR parity, on paper: which pieces survive a lossy link when each packet carries
// copies of recent messages, or XORs of them. Run `node bench/parity.mjs` (no build, no dependencies).
//
// Why: at 20% loss jamnet sends each message 4 times (in 4 packets in a row, "copies" in mod.ts), which keeps
// its p99 under half of KCP's but costs 2-3% more wire bytes than KCP (bench/kcp/kcp.mjs). A parity unit, the
// XOR of two or more recent messages (with their lengths), costs what one copy costs and rebuilds any one of
// them that is missing. This script measures, for each scheme, what share of messages a receiver cannot
// rebuild from the packets that arrive in the scheme's window (they wait for a resend, a round trip later,
// and hold up the ordered messages behind them), and how late the rebuilt ones come.
//
// The model: one message per packet (bench/kcp/kcp.mjs sends 32-byte messages at 60 a second, each update
// one packet). Packet i carries the message i - d for each d of `plain`, and for each list of `parity` the XOR
// of messages i - d over its offsets. Links: each packet lost on its own with 5%, 10% or 20%, or the
// Gilbert–Elliott burst link of bench/kcp/kcp.mjs (2% chance to enter a state that drops half, 5 packets in
// it on average). A receiver rebuilds while any parity misses exactly one message (peeling). Units: payload
// copies per message, what the bytes grow with (a parity unit also carries its lengths and which messages it
// covers: about 3 bytes more than a copy). The clock of the random numbers is seeded: every run prints the
// same table.
//
// "coded": a sliding-window random linear code over GF(256), as an erasure code would be sent. Packet i carries
// message i and `count` coded units, each a combination of the messages i - window to i - 1 with random non-zero
// coefficients (a real sender would code over its unacked pieces, and derive the coefficients from the packet
// sequence, so they cost no bytes). The receiver solves for what it misses by Gauss-Jordan elimination: a message
// is rebuilt once the units that arrived pin it down, whatever the pattern of loss. A unit costs what a copy costs
// plus a few bytes of head; the decoder keeps rows for `HORIZON` packets, then counts what they miss as never.

const PACKETS = 1_000_000;

/** A 32-bit LCG, as bench/kcp/kcp.mjs uses: seeded, so every run is the same. */
function random(seed) {
  let state = seed * 7919;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) | 0) / 2 ** 32 + 0.5;
}

const LINKS = [
  ["5% loss", (next) => () => next() < 0.05],
  ["10% loss", (next) => () => next() < 0.1],
  ["20% loss", (next) => () => next() < 0.2],
  ["burst (Gilbert–Elliott)", (next) => {
    let bad = false;
    return () => {
      bad = bad ? next() >= 0.2 : next() < 0.02;
      return bad && next() < 0.5;
    };
  }],
];

const HORIZON = 64;

/** GF(256) with the polynomial 0x11d: exp and log tables, products and quotients. */
const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++, x = x & 0x80 ? (x << 1) ^ 0x11d : x << 1) {
  EXP[i] = EXP[i + 255] = x;
  LOG[x] = i;
}
const times = (a, b) => (a && b ? EXP[LOG[a] + LOG[b]] : 0);
const over = (a, b) => (a ? EXP[LOG[a] + 255 - LOG[b]] : 0);

/** row -= factor × other, both maps of message -> coefficient (no zero kept). */
function subtract(row, factor, other) {
  for (const [message, coefficient] of other) {
    const value = (row.get(message) ?? 0) ^ times(factor, coefficient);
    if (value) row.set(message, value);
    else row.delete(message);
  }
}

/**
 * The coded scheme on one run of losses: when each message became known (the packet index), or Infinity. Rows are
 * kept in reduced form: each has a pivot message that no other row holds.
 */
function decodeCoded({ count, window }, lost, next) {
  const knownAt = new Float64Array(lost.length).fill(Infinity);
  const rows = new Map(); // pivot message -> row
  let now = 0;
  const learn = (message) => {
    knownAt[message] = now;
    const again = [];
    for (const [pivot, row] of rows) {
      if (!row.delete(message)) continue;
      rows.delete(pivot);
      again.push(row);
    }
    for (const row of again) add(row);
  };
  const add = (row) => {
    for (const message of row.keys()) if (knownAt[message] !== Infinity) row.delete(message);
    for (const [pivot, other] of rows) {
      if (row.has(pivot)) subtract(row, over(row.get(pivot), other.get(pivot)), other);
    }
    if (row.size <= 1) {
      if (row.size) learn(row.keys().next().value);
      return;
    }
    const pivot = Math.min(...row.keys());
    for (const other of rows.values()) {
      if (other.has(pivot)) subtract(other, over(other.get(pivot), row.get(pivot)), row);
    }
    rows.set(pivot, row);
    // Rows the elimination left with one message each rebuild it (and learning one may leave others so).
    for (let single = true; single;) {
      single = false;
      for (const [pivot, other] of rows) {
        if (other.size !== 1) continue;
        rows.delete(pivot);
        learn(pivot);
        single = true;
        break;
      }
    }
  };
  for (let i = 0; i < lost.length; i++) {
    now = i;
    for (const pivot of rows.keys()) if (pivot < i - HORIZON) rows.delete(pivot);
    if (lost[i]) continue;
    if (knownAt[i] === Infinity) learn(i);
    for (let unit = 0; unit < count; unit++) {
      const row = new Map();
      for (let message = Math.max(0, i - window); message < i; message++) {
        row.set(message, 1 + Math.floor(next() * 255));
      }
      add(row);
    }
  }
  return knownAt;
}

const SCHEMES = [
  { name: "plain 2 (jamnet at about 2% loss)", plain: [0, 1], parity: [] },
  { name: "plain 3 (jamnet at 5%)", plain: [0, 1, 2], parity: [] },
  { name: "plain 4 (jamnet at 20%)", plain: [0, 1, 2, 3], parity: [] },
  { name: "plain at +0, +1, +4, +8 (copies spread in time)", plain: [0, 1, 4, 8], parity: [] },
  { name: "plain 2 + X(2,3)", plain: [0, 1], parity: [[2, 3]] },
  { name: "plain 2 + X(3,6)", plain: [0, 1], parity: [[3, 6]] },
  { name: "plain 1 + X(1,2) + X(3,5)", plain: [0], parity: [[1, 2], [3, 5]] },
  { name: "plain 3 + X(3,4)", plain: [0, 1, 2], parity: [[3, 4]] },
  { name: "plain 2 + X(2,3) + X(4,6)", plain: [0, 1], parity: [[2, 3], [4, 6]] },
  { name: "plain 1 + coded 1 over 8", plain: [0], parity: [], coded: { count: 1, window: 8 } },
  { name: "plain 1 + coded 2 over 4", plain: [0], parity: [], coded: { count: 2, window: 4 } },
  { name: "plain 1 + coded 2 over 8", plain: [0], parity: [], coded: { count: 2, window: 8 } },
  { name: "plain 1 + coded 3 over 8", plain: [0], parity: [], coded: { count: 3, window: 8 } },
];

/**
 * One scheme on one link: the share of messages never rebuilt, and the shares known only more than 2 and more
 * than 5 packets after their own. At 60 packets a second over bench/kcp/kcp.mjs's 50 ms one-way delay, +2 is
 * about 83 ms from send to arrival and +5 about 133: under half of KCP's p99 at 5% loss (193 ms) and at 20%
 * (293 ms) respectively. A message never rebuilt waits for a resend (about 220 ms there).
 */
function run(scheme, lossy, seed) {
  const lost = new Uint8Array(PACKETS);
  const next = random(seed);
  const drop = lossy(next);
  for (let i = 0; i < PACKETS; i++) lost[i] = +drop();
  // When each message became known: the packet that brought it, or Infinity.
  const knownAt = scheme.coded ? decodeCoded(scheme.coded, lost, next) : new Float64Array(PACKETS).fill(Infinity);
  for (let i = 0; i < PACKETS; i++) {
    if (lost[i]) continue;
    for (const d of scheme.plain) if (i >= d) knownAt[i - d] = Math.min(knownAt[i - d], i);
  }
  // Peel in packet order, again until nothing changes: a parity missing one message rebuilds it when it arrives
  // (or when the last other message it needs arrives, whichever is later).
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < PACKETS; i++) {
      if (lost[i]) continue;
      for (const offsets of scheme.parity) {
        let missing = -1;
        let unknown = 0;
        let latest = i;
        for (const d of offsets) {
          const j = i - d;
          if (j < 0) continue;
          if (knownAt[j] === Infinity) missing = j, unknown++;
          else latest = Math.max(latest, knownAt[j]);
        }
        if (unknown === 1) {
          knownAt[missing] = latest;
          changed = true;
        }
      }
    }
  }
  let never = 0;
  let after2 = 0;
  let after5 = 0;
  const margin = 16; // the ends of the run, where a message has fewer packets than the scheme gives it
  for (let j = margin; j < PACKETS - margin; j++) {
    if (knownAt[j] === Infinity) never++;
    else {
      if (knownAt[j] - j > 2) after2++;
      if (knownAt[j] - j > 5) after5++;
    }
  }
  const counted = PACKETS - 2 * margin;
  return { never: never / counted, after2: after2 / counted, after5: after5 / counted };
}

const percent = (share) => (share * 100).toFixed(2) + "%";
console.log(`${PACKETS.toLocaleString("en-US")} packets a cell, one message each.\n`);
console.log(
  `| scheme | units | ${LINKS.map(([name]) => `${name}: never / after +2 / after +5`).join(" | ")} |`,
);
console.log(`|---|--:|${LINKS.map(() => "--:|").join("")}`);
for (const scheme of SCHEMES) {
  const cells = LINKS.map(([, lossy], index) => {
    const { never, after2, after5 } = run(scheme, lossy, index + 1);
    return `${percent(never)} / ${percent(after2)} / ${percent(after5)}`;
  });
  console.log(
    `| ${scheme.name} | ${scheme.plain.length + scheme.parity.length + (scheme.coded?.count ?? 0)} | ${
      cells.join(" | ")
    } |`,
  );
}
