/**
 * MessagePack interop against Python's `msgpack` (Debian package `python3-msgpack`, the C-accelerated msgpack-python
 * that a Pygame client would use), an implementation no one here wrote: what jamnet's `pack` writes, Python must read
 * as the same value, of the same kind (an integer stays an integer, a float a float, bytes bytes); what Python's
 * `packb` writes, jamnet's `unpack` must read as the README's table says. Each direction runs one `/usr/bin/python3`
 * process (bounded to 60 s), with the encoding boundaries of every type and 2,000 seeded random values.
 *
 * The tests are skipped, with a line that says so, when Python or its msgpack module is not installed
 * (`apt-get install -y python3-msgpack`; `bash .ci/run` installs it when run as root).
 *
 * @module
 */
import assert from "node:assert/strict";
import { Extension, pack, unpack } from "./mod.ts";
import { PYTHON, pythonWithMsgpack, randomValue, seeded } from "./test_tools.ts";

const TIME_LIMIT_MS = 60_000;

/**
 * The Python side. `read`: frames on stdin (4-byte big-endian length, then one packed value), each unpacked and
 * described on a line of stdout. `write SEED COUNT`: the edge values below and COUNT seeded random ones, each packed
 * (a few with `use_single_float`) and printed as a line `{"hex": …, "description": …}`, described as Python itself
 * reads them back.
 */
const PEER = String.raw`
import json, random, struct, sys
import msgpack
from msgpack import ExtType, Timestamp

def describe(v):
    if v is None: return ["nil"]
    if isinstance(v, bool): return ["bool", v]
    if isinstance(v, int): return ["int", str(v)]
    if isinstance(v, float): return ["float", "nan" if v != v else struct.pack(">d", v).hex()]
    if isinstance(v, str): return ["str", v]
    if isinstance(v, bytes): return ["bin", v.hex()]
    if isinstance(v, ExtType): return ["ext", v.code, v.data.hex()]  # before tuple: ExtType is a namedtuple
    if isinstance(v, (list, tuple)): return ["array", [describe(x) for x in v]]
    if isinstance(v, dict): return ["map", [[describe(k), describe(x)] for k, x in v.items()]]
    if isinstance(v, Timestamp): return ["timestamp", str(v.seconds), v.nanoseconds]
    raise TypeError(type(v).__name__)

def read(data):
    return msgpack.unpackb(data, raw=False, strict_map_key=False, timestamp=0, use_list=False)  # tuples: keys too

def text(r):
    out = []
    for _ in range(r.choice([0, 1, 5, 31, 32, 40, 300])):
        kind = r.random()
        code = (r.randrange(32, 127) if kind < 0.6 else r.randrange(0x80, 0x800) if kind < 0.75 else
                r.randrange(0x800, 0xd800) if kind < 0.9 else r.randrange(0x10000, 0x110000))
        out.append(chr(code))
    return "".join(out)

def bits(r, count):
    return r.getrandbits(count) if count else 0  # getrandbits(0) is 0 only from Python 3.9

def value(r, depth):
    kind = r.randrange(14 if depth < 4 else 10)
    if kind == 0: return None
    if kind == 1: return r.random() < 0.5
    if kind == 2: return bits(r, r.randrange(65))
    if kind == 3: return -bits(r, r.randrange(64))
    if kind == 4: return struct.unpack(">d", r.getrandbits(64).to_bytes(8, "big"))[0]
    if kind in (5, 6): return text(r)
    if kind == 7: return bytes(r.getrandbits(8) for _ in range(r.choice([0, 3, 40, 300])))
    if kind == 8: return Timestamp(r.randrange(-8_600_000_000_000, 8_600_000_000_000), r.randrange(10 ** 9))
    if kind == 9: return ExtType(r.randrange(128), bytes(r.getrandbits(8) for _ in range(r.choice([0, 1, 2, 4, 8, 16, 17]))))
    if kind == 10: return tuple(value(r, depth + 1) for _ in range(r.choice([0, 2, 15, 16])))
    if kind == 11: return [value(r, depth + 1) for _ in range(r.choice([0, 3, 17]))]
    if kind == 12: return {text(r): value(r, depth + 1) for _ in range(r.choice([0, 3, 15, 16]))}
    return {r.choice([r.randrange(-300, 300), text(r), None, True]): value(r, depth + 1) for _ in range(r.randrange(4))}

EDGES = [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 63, 2 ** 64 - 1,
         -1, -32, -33, -128, -129, -32768, -32769, -2 ** 31, -2 ** 31 - 1, -2 ** 53 + 1, -2 ** 53, -2 ** 63,
         0.0, -0.0, 0.5, 1e300, float("inf"), float("-inf"), float("nan"), "", "a" * 31, "a" * 32, "a" * 255,
         "a" * 256, "a" * 65535, "a" * 65536, "\u00e9\u20ac\U0001f600", b"", b"x" * 255, b"x" * 256, b"x" * 65536,
         [], list(range(15)), list(range(16)), [None] * 65536, {}, {str(i): i for i in range(15)},
         {str(i): i for i in range(16)}, {1: "one", "two": 2}, {(1, 2): "a tuple key"},
         Timestamp(0, 0), Timestamp(-1, 999_000_000), Timestamp(2 ** 32 - 1, 0), Timestamp(2 ** 32, 0),
         Timestamp(2 ** 34 - 1, 999_999_999), Timestamp(2 ** 34, 0), Timestamp(-8_640_000_000_000, 0),
         ExtType(0, b""), ExtType(5, b"\x01"), ExtType(127, b"x" * 16), ExtType(1, b"x" * 17), ExtType(2, b"x" * 256),
         ExtType(3, b"x" * 65536), {str(i): i for i in range(65536)}]

if sys.argv[1] == "read":
    data = sys.stdin.buffer.read()
    at = 0
    while at < len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        print(json.dumps(describe(read(data[at + 4:at + 4 + size]))))
        at += 4 + size
else:
    r = random.Random(int(sys.argv[2]))
    values = EDGES + [value(r, 0) for _ in range(int(sys.argv[3]))]
    print(json.dumps({"edges": len(EDGES), "values": len(values) + 7}))
    for i, v in enumerate(values):
        packed = msgpack.packb(v, use_bin_type=True, use_single_float=(i % 10 == 3 and isinstance(v, float)))
        print(json.dumps({"hex": packed.hex(), "description": describe(read(packed))}))
    for f in [0.5, -0.0, 1 / 3, 3.4e38, 1e-45, float("inf"), float("nan")]:
        packed = msgpack.packb(f, use_single_float=True)
        print(json.dumps({"hex": packed.hex(), "description": describe(read(packed))}))
`;

const ready = await pythonWithMsgpack("pack_python_test.ts");

/** Runs the Python side with `args`, `input` on its stdin; returns its stdout's lines, or throws with its stderr. */
async function python(args: string[], input = new Uint8Array()): Promise<string[]> {
  const child = new Deno.Command(PYTHON, {
    args: ["-c", PEER, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(TIME_LIMIT_MS),
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(input);
  await writer.close();
  const { success, stdout, stderr } = await child.output();
  if (!success) throw new Error(`python3 ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
  return new TextDecoder().decode(stdout).split("\n").filter(Boolean);
}

/** A value as both sides can state it: its MessagePack kind, and its content in words JSON carries exactly. */
type Description = [string, ...unknown[]];

const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
const fromHex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
const floatHex = (value: number): string => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value);
  return value !== value ? "nan" : hex(bytes);
};
/** What a JavaScript value given to `pack` means on the wire, by the README's table. */
function described(value: unknown): Description {
  if (value === null || value === undefined) return ["nil"];
  switch (typeof value) {
    case "boolean":
      return ["bool", value];
    case "number":
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? ["int", String(value)] : ["float", floatHex(value)];
    case "bigint":
      return ["int", String(value)];
    case "string":
      return ["str", value];
  }
  if (value instanceof Date) {
    const seconds = Math.floor(value.getTime() / 1000);
    return ["timestamp", String(seconds), (value.getTime() - seconds * 1000) * 1e6];
  }
  if (value instanceof Extension) return ["ext", value.type, hex(value.data)];
  if (ArrayBuffer.isView(value)) return ["bin", hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))];
  if (value instanceof ArrayBuffer) return ["bin", hex(new Uint8Array(value))];
  if (Array.isArray(value) || value instanceof Set) return ["array", [...value].map(described)];
  const entries = value instanceof Map ? [...value] : Object.entries(value as object);
  return ["map", entries.map(([key, item]) => [described(key), described(item)])]; // in the order pack writes them
}

/** The JavaScript value `unpack` must give for what Python describes, by the README's table. */
function expected(description: Description): unknown {
  const [kind, content, more] = description;
  switch (kind) {
    case "nil":
      return null;
    case "bool":
    case "str":
      return content;
    case "int": {
      const number = Number(content);
      return Number.isSafeInteger(number) ? number : BigInt(content as string);
    }
    case "float":
      return content === "nan" ? NaN : new DataView(fromHex(content as string).buffer).getFloat64(0);
    case "bin":
      return fromHex(content as string);
    case "array":
      return (content as Description[]).map(expected);
    case "map": {
      const entries = (content as Description[][]).map(([key, item]) => [expected(key), expected(item)] as const);
      const other = entries.findIndex(([key]) => typeof key != "string");
      if (other < 0) return Object.fromEntries(entries);
      // As the README says: the string keys before the first other key in JavaScript's order for an object's keys
      // (integer-like ones first), the rest in their own.
      return new Map([...Object.entries(Object.fromEntries(entries.slice(0, other))), ...entries.slice(other)]);
    }
    case "timestamp":
      return new Date(Number(content) * 1000 + Math.floor((more as number) / 1e6));
    case "ext":
      return new Extension(content as number, fromHex(more as string));
  }
  throw new Error(`Python described a kind this test does not know: ${kind}`);
}

/** Values at the edge of every MessagePack form jamnet chooses between. */
const EDGES: unknown[] = [
  ...[0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32768],
  ...[-32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53 - 1), 2n ** 64n - 1n, 2n ** 63n, -(2n ** 63n), 0n, -1n],
  ...[0.5, -0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 60), 1e300, 5e-324, Number.MAX_VALUE],
  ...[31, 32, 255, 256, 65535, 65536].map((length) => "a".repeat(length)),
  "é€😀",
  ...[0, 255, 256, 65535, 65536].map((length) => new Uint8Array(length).fill(7)),
  Float32Array.of(1.5, -2),
  new ArrayBuffer(3),
  new DataView(Uint8Array.of(1, 2, 3, 4).buffer, 1, 2),
  ...[15, 16, 65536].map((length) => Array.from({ length }, (_, i) => i % 3 ? i : null)),
  ...[15, 16].map((count) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]))),
  // Not 1 and true together: Python's dict takes them for one key.
  new Map<unknown, unknown>([[1, "one"], [null, true], ["two", 2], [-1.5, "a float"], [[3], "an array"]]),
  new Set([1, "2", [3]]),
  ...[0, -1, 1, 999, -999, 2 ** 32 * 1000 - 1, 2 ** 32 * 1000, 2 ** 34 * 1000 - 1, 2 ** 34 * 1000, -8.64e15, 8.64e15]
    .map((ms) => new Date(ms)),
  // Types 0 to 127 only: the spec keeps the negative ones for itself, and Python's ExtType refuses them.
  ...[0, 1, 2, 4, 8, 16, 17, 256, 65536].map((length) => new Extension(length % 127, new Uint8Array(length).fill(9))),
  Object.fromEntries(Array.from({ length: 65536 }, (_, i) => [`k${i}`, i])),
  { nested: [{ deep: [1, 2.5, "three", Uint8Array.of(4)] }], empty: {}, list: [] },
  { b: 1, 2: "an integer-like key: first in JavaScript's order", a: 3 },
];

/**
 * The order of every map's keys in a value, and where they are: what `deepEqual` leaves out (it takes two objects or
 * Maps with the same entries in any order as equal).
 */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder);
  if (value instanceof Map) return ["Map", [...value].map(([key, item]) => [keyOrder(key), keyOrder(item)])];
  if (!value || typeof value != "object" || ArrayBuffer.isView(value) || value instanceof Date) return null;
  if (value instanceof Extension) return null;
  return ["object", Object.entries(value).map(([key, item]) => [key, keyOrder(item)])];
}

Deno.test({
  name: "values jamnet packs read the same in Python's msgpack, of the same kind (int, float, str, bin, ext…)",
  ignore: !ready,
  async fn() {
    const random = seeded(1949);
    const values = [
      ...EDGES,
      ...Array.from({ length: 2000 }, () => randomValue(random, 0, (type, data) => new Extension(type, data))),
    ];
    assert.equal(values.length, 2080, "the README says how many");
    const frames = values.map((value) => pack(value));
    const input = new Uint8Array(frames.reduce((sum, frame) => sum + 4 + frame.length, 0));
    let at = 0;
    for (const frame of frames) {
      new DataView(input.buffer).setUint32(at, frame.length);
      input.set(frame, at + 4);
      at += 4 + frame.length;
    }
    const lines = await python(["read"], input);
    assert.equal(lines.length, values.length, "Python read one value a frame");
    // Maps too in order: a Python dict keeps its keys in the order they arrived, and pack writes an object's in
    // JavaScript's order and a Map's in its own.
    values.forEach((value, index) => {
      assert.deepEqual(JSON.parse(lines[index]), described(value), `value ${index} (${hex(frames[index])})`);
    });
  },
});

Deno.test({
  name: "values Python's msgpack packs read in jamnet as the README's table says",
  ignore: !ready,
  async fn() {
    const [header, ...lines] = await python(["write", "2008", "2000"]);
    const { edges, values } = JSON.parse(header) as { edges: number; values: number };
    assert.deepEqual([lines.length, values, edges + 2000 + 7], [2074, 2074, 2074], "the README says how many");
    const forms = new Set<string>();
    lines.forEach((line, index) => {
      const { hex: packed, description } = JSON.parse(line) as { hex: string; description: Description };
      forms.add(packed.slice(0, 2));
      const value = unpack(fromHex(packed));
      assert.deepEqual(value, expected(description), `value ${index} (${packed.slice(0, 80)})`);
      assert.deepEqual(keyOrder(value), keyOrder(expected(description)), `value ${index}: the order of its keys`);
    });
    // Every form Python writes came up as a whole value: one of each fix range, and each typed header.
    for (
      const form of [
        ...["00", "e0", "a0", "90", "80", "c0", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "ca", "cb", "cc"],
        ...["cd", "ce", "cf", "d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "da", "db", "dc", "dd"],
        ...["de", "df"],
      ]
    ) assert.ok(forms.has(form), `a value packed as 0x${form} by Python`);
  },
});
