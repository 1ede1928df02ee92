/**
 * `deno task bench`: encode and decode speed of jamnet's pack/unpack beside
 * msgpackr (plain pack/unpack), @msgpack/msgpack and JSON with UTF-8
 * conversion, on one game message and on an array of 32 of them.
 *
 * Rounds interleave the libraries so that a noisy neighbour slows them all
 * alike; the table shows the median ops/s over the rounds and jamnet's ratio
 * to each peer. A benchmark reports; it never fails the build.
 *
 * @module
 */
import { pack, unpack } from "../mod.ts";
import { pack as msgpackrPack, unpack as msgpackrUnpack } from "npm:msgpackr@2.1.4";
import { decode as msgpackDecode, encode as msgpackEncode } from "npm:@msgpack/msgpack@3.1.3";

const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 15);
/** Each measurement runs this long; long enough to dwarf timer resolution. */
const SLICE_MS = 40;

const entity = (seq: number) => ({
  t: "state",
  seq,
  x: 12.5,
  y: -3.25,
  vx: 0.5,
  vy: 0,
  hp: 100,
  name: "player7",
  inputs: [1, 0, 1, 1],
});
const payloads: [string, unknown][] = [
  ["1 message", entity(1234)],
  ["32 entities", Array.from({ length: 32 }, (_, i) => entity(1234 + i))],
];

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();
type Codec = { name: string; encode: (value: unknown) => Uint8Array; decode: (bytes: Uint8Array) => unknown };
const codecs: Codec[] = [
  { name: "jamnet", encode: pack, decode: unpack },
  { name: "msgpackr", encode: (value) => msgpackrPack(value), decode: (bytes) => msgpackrUnpack(bytes) },
  { name: "@msgpack/msgpack", encode: (value) => msgpackEncode(value), decode: (bytes) => msgpackDecode(bytes) },
  {
    name: "JSON+UTF-8",
    encode: (value) => utf8Encoder.encode(JSON.stringify(value)),
    decode: (bytes) => JSON.parse(utf8Decoder.decode(bytes)),
  },
];

let sink = 0;
/** Runs `operation` for SLICE_MS and returns operations per second. */
function measure(operation: () => unknown): number {
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < SLICE_MS) {
    for (let i = 0; i < 100; i++) sink ^= (operation() as { length?: number }) ? 1 : 0;
    count += 100;
    elapsed = performance.now() - start;
  }
  return count / elapsed * 1000;
}

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[values.length >> 1];

const results = new Map<string, number[]>();
const record = (key: string, opsPerSecond: number) => results.set(key, [...results.get(key) ?? [], opsPerSecond]);

// Every decoder reads its own encoder's bytes, checked to round-trip first.
for (const [payloadName, value] of payloads) {
  for (const codec of codecs) {
    const bytes = codec.encode(value);
    if (JSON.stringify(codec.decode(bytes)) !== JSON.stringify(value)) {
      throw new Error(`${codec.name} does not round-trip ${payloadName}`);
    }
    console.log(`${payloadName.padEnd(12)} ${codec.name.padEnd(17)} ${bytes.length} bytes`);
  }
}

for (let round = 0; round < ROUNDS; round++) {
  for (const [payloadName, value] of payloads) {
    for (const codec of codecs) {
      const bytes = codec.encode(value).slice();
      record(`${payloadName}|encode|${codec.name}`, measure(() => codec.encode(value)));
      record(`${payloadName}|decode|${codec.name}`, measure(() => codec.decode(bytes)));
    }
  }
}

const format = (opsPerSecond: number) =>
  opsPerSecond >= 1e6 ? `${(opsPerSecond / 1e6).toFixed(2)} M` : `${(opsPerSecond / 1e3).toFixed(0)} k`;
console.log(`\nmedian ops/s over ${ROUNDS} interleaved rounds (${Deno.version.deno}, V8 ${Deno.version.v8})\n`);
console.log(
  "| payload | op | jamnet | msgpackr | @msgpack/msgpack | JSON+UTF-8 | jamnet ÷ msgpackr | jamnet ÷ @msgpack |",
);
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
for (const [payloadName] of payloads) {
  for (const op of ["encode", "decode"]) {
    const ops = codecs.map((codec) => median(results.get(`${payloadName}|${op}|${codec.name}`)!));
    console.log(
      `| ${payloadName} | ${op} | ${ops.map(format).join(" | ")} | ${(ops[0] / ops[1]).toFixed(2)} | ${
        (ops[0] / ops[2]).toFixed(2)
      } |`,
    );
  }
}
if (sink === 2) console.log(""); // keeps the results observable
