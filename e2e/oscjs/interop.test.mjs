// Run by e2e/oscjs_test.ts as `node --test e2e/oscjs/`: dist/osc.js against osc.js 2.4.5 (npm osc), an OSC
// implementation no one here wrote, for messages of the tags both know (i f d s b T F N I), arrays included, and
// bundles. Seeded: the same messages every run.
import assert from "node:assert/strict";
import { test } from "node:test";
import osc from "osc";
import { decodeOsc, encodeOsc, oscTime, oscTimeToMs } from "../../dist/osc.js";

/** Seeded PRNG (mulberry32). */
function random(seed) {
  return () => {
    seed = seed + 0x6d2b79f5 | 0;
    let value = Math.imul(seed ^ seed >>> 15, 1 | seed);
    value = value + Math.imul(value ^ value >>> 7, 61 | value) ^ value;
    return ((value ^ value >>> 14) >>> 0) / 2 ** 32;
  };
}

const TAGS = "ifdsbTFNI";

/** A random argument for `tag`, as dist/osc.js takes and gives it. */
function randomValue(next, tag) {
  const int = (bits) => Math.floor(next() * 2 ** bits);
  switch (tag) {
    case "i":
      return int(32) - 2 ** 31;
    case "f":
      return Math.fround((next() - 0.5) * 10 ** int(3));
    case "d":
      return (next() - 0.5) * 10 ** (int(8) - 128);
    case "s":
      return Array.from({ length: int(3) }, () => ["a", "Z", " ", "é", "/", ","][int(3) % 6]).join("");
    case "b":
      return Uint8Array.from({ length: int(3) }, () => int(8));
  }
  return { T: true, F: false, N: null, I: Infinity }[tag];
}

/** Up to 5 random arguments and their type tags, arrays among them up to `depth` deep. */
function randomArgs(next, depth) {
  let types = "";
  const args = [];
  for (let count = Math.floor(next() * 6); count > 0; count--) {
    if (depth > 0 && next() < 0.2) {
      const [inner, items] = randomArgs(next, depth - 1);
      types += `[${inner}]`;
      args.push(items);
    } else {
      const tag = TAGS[Math.floor(next() * TAGS.length)];
      types += tag;
      args.push(randomValue(next, tag));
    }
  }
  return [types, args];
}

/** A message as osc.js writes it with metadata: each argument `{ type, value }`, an array a JS array of them. */
function toOscJs({ address, types, args }) {
  let at = 0;
  const walk = (values) => {
    const out = [];
    for (let index = 0; at < types.length && types[at] !== "]"; index++) {
      const tag = types[at++];
      if (tag === "[") {
        out.push(walk(values[index]));
        at++; // past its ]
      } else out.push({ type: tag, value: values[index] });
    }
    return out;
  };
  return { address, args: walk(args) };
}

/** What osc.js read, as dist/osc.js gives it: plain values, I as Infinity (osc.js reads it as 1), and the tags. */
function fromOscJs({ address, args }) {
  const walk = (items) =>
    items.reduce(([types, values], item) => {
      if (Array.isArray(item)) {
        const [innerTypes, innerValues] = walk(item);
        return [`${types}[${innerTypes}]`, [...values, innerValues]];
      }
      const value = item.type === "I" ? Infinity : item.type === "b" ? Uint8Array.from(item.value) : item.value;
      return [types + item.type, [...values, value]];
    }, ["", []]);
  const [types, values] = walk(args);
  return { address, types, args: values };
}

const ADDRESSES = ["/s_new", "/synth/1/freq", "/a", "/game/é"];

test("osc.js writes 1,000 random messages, arrays 2 deep among them, in the bytes dist/osc.js writes, and it reads them", () => {
  const next = random(5);
  let arrays = 0;
  for (let round = 0; round < 1000; round++) {
    const [types, args] = randomArgs(next, 2);
    const message = { address: ADDRESSES[round % 4], types, args };
    if (types.includes("[")) arrays++;
    const theirs = osc.writePacket(toOscJs(message), { metadata: true });
    assert.deepEqual(Uint8Array.from(theirs), encodeOsc(message), `message ${round}: ${types}`);
    assert.deepEqual(decodeOsc(theirs), message, `message ${round}: ${types}`);
  }
  assert.ok(arrays > 300, `${arrays} of 1,000 messages held arrays`);
});

test("osc.js reads 1,000 random messages dist/osc.js writes, arrays among them (osc.js 2.4.5 reads no nested array)", () => {
  const next = random(6);
  for (let round = 0; round < 1000; round++) {
    const [types, args] = randomArgs(next, 1);
    const message = { address: ADDRESSES[round % 4], types, args };
    assert.deepEqual(fromOscJs(osc.readPacket(encodeOsc(message), { metadata: true })), message, `${round}: ${types}`);
  }
  // Its own limit, not ours: a nested array osc.js itself wrote, it cannot read back; dist/osc.js can.
  const nested = osc.writePacket({ address: "/n", args: [[[{ type: "i", value: 1 }]]] }, { metadata: true });
  assert.throws(() => osc.readPacket(nested, { metadata: true }), /open array type tag/);
  assert.deepEqual(decodeOsc(nested), { address: "/n", types: "[[i]]", args: [[[1]]] });
});

test("bundles: osc.js's timetag reads as the same ms in dist/osc.js, and the other way", () => {
  const ms = 1_700_000_000_001; // a fraction that needs rounding both ways
  const theirs = osc.writePacket(
    { timeTag: osc.timeTag(0, ms), packets: [{ address: "/a", args: [{ type: "i", value: 1 }] }] },
    { metadata: true },
  );
  const read = decodeOsc(theirs);
  assert.ok(Math.abs(oscTimeToMs(read.timetag) - ms) < 0.001, `${oscTimeToMs(read.timetag)}`);
  assert.deepEqual(read.elements, [{ address: "/a", types: "i", args: [1] }]);
  const ours = osc.readPacket(encodeOsc({ timetag: oscTime(ms), elements: [{ address: "/b", args: ["x"] }] }), {
    metadata: true,
  });
  assert.ok(Math.abs(ours.timeTag.native - ms) < 1, `${ours.timeTag.native}`);
  assert.deepEqual(ours.packets, [{ address: "/b", args: [{ type: "s", value: "x" }] }]);
});
