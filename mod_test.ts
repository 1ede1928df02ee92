import assert from "node:assert/strict";
import { decode as theirDecode, encode as theirEncode, ExtData } from "npm:@msgpack/msgpack@3.1.3";
import suite from "npm:msgpack-test-suite@1.0.0/dist/msgpack-test-suite.json" with { type: "json" };
import {
  condition,
  Extension,
  Host,
  type HostEvent,
  type HostOptions,
  type LinkOptions,
  memoryNet,
  type Mode,
  pack,
  type Peer,
  type SendOptions,
  type Socket,
  unpack,
} from "./mod.ts";
import { fakeTimers, randomValue, seeded, seededBytes } from "./test_tools.ts";

/** A full collection, when the runner exposes it (`--v8-flags=--expose-gc`, as `deno task test` and the mutants do). */
const gc = (globalThis as { gc?: () => void }).gc;

/** The heap in use once the garbage of what ran before is gone: three turns of the event loop, each with a collection. */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0)), gc!();
  return Deno.memoryUsage().heapUsed;
}

// ─── helpers ────────────────────────────────────────────────────────────────

/** Bytes from "c4-01-ff" or "c4 01 ff". */
function hex(text: string): Uint8Array {
  const digits = text.replace(/[^0-9a-f]/gi, "");
  return Uint8Array.from({ length: digits.length / 2 }, (_, i) => parseInt(digits.slice(i * 2, i * 2 + 2), 16));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("-");
}

/** The runtime's own message for invalid UTF-8 in a fatal TextDecoder, the one TypeError unpack lets out. */
const INVALID_UTF8_MESSAGE = (() => {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.of(0xff));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("TextDecoder accepted invalid UTF-8");
})();

/**
 * Runs unpack: true when it threw one of its own errors (a RangeError that starts "Cannot unpack", or the
 * TypeError of invalid UTF-8), false when it returned. Any other error, such as "Maximum call stack size
 * exceeded" or "Invalid array length", is thrown on: it is a bug, not a clean rejection.
 */
function unpackRejects(bytes: Uint8Array): boolean {
  try {
    unpack(bytes);
    return false;
  } catch (error) {
    if (error instanceof RangeError && error.message.startsWith("Cannot unpack")) return true;
    if (error instanceof TypeError && error.message === INVALID_UTF8_MESSAGE) return true;
    throw error;
  }
}

// ─── pinned encodings ───────────────────────────────────────────────────────

/** A map of `count` keys, "a", "b" and on, each 0; and its entries in hex (a fixstr of one letter, then 0). */
const letterKeys = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [String.fromCharCode(97 + i), 0]));
const letterEntries = (count: number) =>
  Array.from({ length: count }, (_, i) => ` a1 ${(97 + i).toString(16)} 00`).join("");

const PINNED: [string, unknown, string][] = [
  ["nil", null, "c0"],
  ["undefined as nil", undefined, "c0"],
  ["false", false, "c2"],
  ["true", true, "c3"],
  ["positive fixint", 127, "7f"],
  // The edges a sweep found unpinned (2026-12-03): -1, whose reciprocal is -1 (only -0's is below it), the bigint 0
  // (unsigned, as every bigint from 0), and U+0080, the first character past ASCII.
  ["negative fixint -1", -1, "ff"],
  ["uint8", 128, "cc 80"],
  ["uint8 at its largest", 255, "cc ff"],
  ["uint16 at its smallest", 256, "cd 01 00"],
  ["uint16", 65535, "cd ff ff"],
  ["uint32", 4294967295, "ce ff ff ff ff"],
  ["uint64 for a safe integer past 32 bits", 2 ** 53 - 1, "cf 00 1f ff ff ff ff ff ff"],
  ["negative fixint", -32, "e0"],
  ["int8", -33, "d0 df"],
  ["int8 at its smallest", -128, "d0 80"],
  ["int16 at its largest", -129, "d1 ff 7f"],
  ["int16", -32768, "d1 80 00"],
  ["int32", -2147483648, "d2 80 00 00 00"],
  ["int64", -(2 ** 53 - 1), "d3 ff e0 00 00 00 00 00 01"],
  ["float64 for a fraction", 0.5, "cb 3f e0 00 00 00 00 00 00"],
  ["float64 for an unsafe integer", 2 ** 60, "cb 43 b0 00 00 00 00 00 00"],
  // An int form read back as 0, which Object.is and Math.atan2(0, x) tell from -0.
  ["float64 for -0", -0, "cb 80 00 00 00 00 00 00 00"],
  ["uint64 for a positive bigint", 1n, "cf 00 00 00 00 00 00 00 01"],
  ["uint64 for the bigint 0", 0n, "cf 00 00 00 00 00 00 00 00"],
  ["int64 for a negative bigint", -1n, "d3 ff ff ff ff ff ff ff ff"],
  ["fixstr", "hp", "a2 68 70"],
  ["the empty string as fixstr", "", "a0"],
  ["fixstr at 31 ASCII bytes", "a".repeat(31), "bf" + " 61".repeat(31)],
  ["str8 at 32 bytes", "a".repeat(32), "d9 20" + " 61".repeat(32)],
  ["fixstr at 31 bytes with a character past ASCII", "€".repeat(10) + "a", "bf" + " e2 82 ac".repeat(10) + " 61"],
  ["fixstr for 31 bytes of 3-byte characters reserved as str8", "€".repeat(10), "be" + " e2 82 ac".repeat(10)],
  ["U+0080 as 2 bytes", "\u0080", "a2 c2 80"],
  ["a lone surrogate as U+FFFD", "\ud800", "a3 ef bf bd"],
  ["a surrogate pair as 4 bytes", "🍺", "a4 f0 9f 8d ba"],
  ["bin8", Uint8Array.of(1, 2), "c4 02 01 02"],
  ["bin of a typed array's bytes", Uint16Array.of(0x0102), "c4 02 02 01"],
  ["bin of an ArrayBuffer", Uint8Array.of(9).buffer, "c4 01 09"],
  ["fixarray", [1, [2]], "92 01 91 02"],
  // The fix forms' last lengths, and the 16-bit forms' first (a sample of automatic mutants, 2026-12-04).
  ["fixarray of 15", Array(15).fill(0), "9f" + " 00".repeat(15)],
  ["array16 of 16", Array(16).fill(0), "dc 00 10" + " 00".repeat(16)],
  ["fixmap of 15", letterKeys(15), "8f" + letterEntries(15)],
  ["map16 of 16", letterKeys(16), "de 00 10" + letterEntries(16)],
  ["fixmap", { hp: 100 }, "81 a2 68 70 64"],
  ["a Map with any keys", new Map<unknown, unknown>([[1, true]]), "81 01 c3"],
  ["timestamp 32", new Date(1000), "d6 ff 00 00 00 01"],
  ["timestamp 64 with milliseconds", new Date(1001), "d7 ff 00 3d 09 00 00 00 00 01"],
  // The high word is 999,000,000 × 4 plus 0 (2^32 - 1 seconds are below 2^32): a sum in floats would round it up.
  ["timestamp 64 at its last 32-bit second", new Date(4294967295999), "d7 ff ee 2e 1f 00 ff ff ff ff"],
  ["timestamp 96 before 1970", new Date(-1000), "c7 0c ff 00 00 00 00 ff ff ff ff ff ff ff ff"],
  // 34 bits of seconds fill timestamp 64 to its last second (in the year 2514); a second more takes timestamp 96.
  ["timestamp 64 at its last second, 2^34 - 1", new Date(17179869183999), "d7 ff ee 2e 1f 03 ff ff ff ff"],
  ["timestamp 96 from 2^34 seconds", new Date(17179869184000), "c7 0c ff 00 00 00 00 00 00 00 04 00 00 00 00"],
  ["fixext 1", new Extension(1, Uint8Array.of(0x10)), "d4 01 10"],
  ["ext 8", new Extension(-5, Uint8Array.of(1, 2, 3)), "c7 03 fb 01 02 03"],
];

for (const [name, value, bytes] of PINNED) {
  Deno.test(`pack() writes ${name} as ${bytes}`, () => {
    assert.equal(toHex(pack(value)), toHex(hex(bytes)));
  });
}

Deno.test("unpack() reads every pinned encoding back", () => {
  for (const [name, value, bytes] of PINNED) {
    const expected = value === undefined
      ? null
      : value === "\ud800"
      ? "\ufffd"
      : value instanceof ArrayBuffer || ArrayBuffer.isView(value)
      ? hex(bytes).subarray(2)
      : typeof value === "bigint"
      ? Number(value)
      : value;
    assert.deepEqual(unpack(hex(bytes)), expected, name);
  }
});

Deno.test("pack() keeps earlier results intact while later ones share and outgrow its buffer", () => {
  // Short non-ASCII strings land on every offset of a chunk's end, where the buffer moves mid-message.
  const value = (i: number) => ({ i, pad: "x".repeat(i % 50), short: ["é", "", "€"][i % 3] });
  const results = Array.from({ length: 3000 }, (_, i) => [i, pack(value(i))] as const);
  const big = pack(new Uint8Array(100_000).fill(7));
  for (const [i, bytes] of results) assert.deepEqual(unpack(bytes), value(i));
  // Steer the next message to start `left` bytes before the end of its chunk, one 1-byte pack at a
  // time (a pack keeps 9 bytes free, so 8 is the least left), where the buffer moves mid-message.
  for (let left = 8; left < 40; left++) {
    for (const value of ["é", "€", "é€", "a", "", 2 ** 40, 0.5, [1.5], new Date(1)]) {
      let last = pack(0);
      for (let i = 0; i < 300_000 && last.buffer.byteLength - last.byteOffset - last.length !== left; i++) {
        last = pack(0);
      }
      assert.equal(last.buffer.byteLength - last.byteOffset - last.length, left);
      assert.deepEqual(unpack(pack(value)), value, `${String(value)} with ${left} bytes left`);
    }
  }
  assert.equal(big.length, 100_005);
  assert.deepEqual((unpack(big) as Uint8Array).subarray(99_990), new Uint8Array(10).fill(7));
});

Deno.test("pack() called from a getter while packing leaves both messages whole", () => {
  const inner: Uint8Array[] = [];
  // An object whose property n packs `value` when read, and is how many packs the getters made so far.
  const getter = (value: unknown) =>
    Object.defineProperty({}, "n", { get: () => inner.push(pack(value)), enumerable: true });
  // A short inner message, one that moves the buffer mid-message, one nested two deep, one that throws.
  const big = new Uint8Array(100_000).fill(3);
  const outer = { a: "before", b: getter("inner"), c: getter(big), d: getter({ e: getter([1, 2]) }), f: "after" };
  const failing = {
    a: 1,
    get b() {
      assert.throws(() => pack({ x: "partial", y: () => 0 }), TypeError);
      return 2;
    },
  };
  for (let i = 0; i < 3; i++) {
    inner.length = 0;
    const bytes = pack(outer);
    assert.deepEqual(unpack(bytes), { a: "before", b: { n: 1 }, c: { n: 2 }, d: { n: 4 }, f: "after" });
    assert.deepEqual(inner.map((bytes) => unpack(bytes)), ["inner", big, [1, 2], { e: { n: 3 } }]);
    assert.deepEqual(unpack(pack(failing)), { a: 1, b: 2 });
  }
  // Packs after a throw are top-level again: views of the shared chunk, not 1-byte copies.
  assert.throws(() => pack(Symbol()), TypeError);
  assert.ok(pack(1).buffer.byteLength >= 8192);
});

Deno.test("pack() writes the items an array had when its header was written, though a getter resizes it", () => {
  const list: unknown[] = [1, {
    get x() {
      list.push(3);
      return 2;
    },
  }];
  assert.deepEqual(unpack(pack(list)), [1, { x: 2 }]);
  const shrinking: unknown[] = [
    {
      get x() {
        shrinking.length = 1;
        return 1;
      },
    },
    2,
    3,
  ];
  assert.deepEqual(unpack(pack(shrinking)), [{ x: 1 }, null, null]);
});

Deno.test("unpack() reads every short ASCII string right, though many share a cache slot", () => {
  // 128 × 128 two-char strings and their 7-char neighbours: far more than the 1024 slots.
  for (let a = 0; a < 128; a++) {
    for (let b = 0; b < 128; b += 3) {
      for (const text of [String.fromCharCode(a, b), String.fromCharCode(a, b, 66, 67, 68, 69, 70), "\u00e9" + a]) {
        assert.equal(unpack(pack(text)), text);
      }
    }
  }
});

Deno.test("unpack() tells two 7-char strings apart whatever byte follows each: its cache is keyed by the string alone", () => {
  // Keyed with the byte after the string too, 1 + 8 digits of base 128 passed 2 ** 53 and rounded: "abcdefg" then
  // 127 and "abcdefh" then 0 had one key, and the second read back as the first.
  assert.deepEqual(unpack(pack({ abcdefg: 127 })), { abcdefg: 127 });
  assert.deepEqual(unpack(pack({ abcdefh: 0 })), { abcdefh: 0 });
  assert.deepEqual(unpack(pack(["abcdefg", 127])), ["abcdefg", 127]);
  assert.deepEqual(unpack(pack(["abcdefh", 0])), ["abcdefh", 0]);
});

Deno.test("unpack() tells apart short strings whose bytes would make one number in base 127: its cache key is in base 128", () => {
  // Each byte of an ASCII string is 0 to 127: in base 127, 1, 0, 127 and 1, 1, 0 both made 16,256, one key.
  assert.deepEqual(unpack(pack(["\x00\x7f", "\x01\x00"])), ["\x00\x7f", "\x01\x00"]);
  assert.deepEqual(unpack(pack(["\x01\x00", "\x00\x7f"])), ["\x01\x00", "\x00\x7f"]);
});

Deno.test("unpack() reads a short string's byte 0x7f as ASCII and throws for a lone 0x80, no UTF-8 of its own", () => {
  // Bytes past 127 go to the strict decoder: 0x80 taken through the ASCII cache read back as U+0080.
  assert.equal(unpack(Uint8Array.of(0xa2, 0x61, 0x7f)), "a\x7f");
  for (const bytes of [[0xa1, 0x80], [0xa2, 0x61, 0x80]]) {
    assert.throws(() => unpack(Uint8Array.from(bytes)), { name: "TypeError", message: INVALID_UTF8_MESSAGE });
  }
});

Deno.test("pack() writes long strings through TextEncoder with the shortest header", () => {
  for (const length of [65, 200, 255, 256, 300, 65535, 65536, 70000]) {
    for (const unit of ["a", "é", "€", "🍺"]) {
      const text = unit.repeat(Math.ceil(length / unit.length));
      const bytes = pack(text);
      const bodyLength = new TextEncoder().encode(text).length;
      const header = bodyLength < 32 ? 1 : bodyLength < 256 ? 2 : bodyLength < 65536 ? 3 : 5;
      assert.equal(bytes.length, header + bodyLength, `${length} × ${unit}`);
      assert.equal(unpack(bytes), text);
    }
  }
});

// ─── caller mistakes ────────────────────────────────────────────────────────

Deno.test("pack() throws a TypeError for functions, symbols and cycles", () => {
  const cycle: unknown[] = [];
  cycle.push(cycle);
  for (const value of [() => 1, Symbol("s"), { f: () => 1 }, cycle]) {
    assert.throws(() => pack(value), TypeError);
  }
  assert.throws(() => pack(cycle), /nesting deeper than 256 \(a cycle\?\)/);
  // A failed pack leaves nothing behind for the next one.
  assert.deepEqual(unpack(pack([1, 2])), [1, 2]);
});

Deno.test("pack() takes what unpack returns at its deepest: a Date, bytes or an Extension 256 arrays or maps deep", () => {
  // pack counted every object as a level, unpack arrays and maps alone: a Date 256 arrays deep unpacked, and threw
  // "nesting deeper than 256" when packed again (an audit, 2026-12-04).
  const nest = (leaf: unknown, depth: number, inMap = false) => {
    let value = leaf;
    for (let i = 0; i < depth; i++) value = inMap ? { v: value } : [value];
    return value;
  };
  for (const leaf of [new Date(0), Uint8Array.of(1, 2), new Extension(5, Uint8Array.of(9)), 7]) {
    for (const inMap of [false, true]) {
      const value = nest(leaf, 256, inMap);
      assert.deepEqual(unpack(pack(value)), value);
      assert.deepEqual(pack(unpack(pack(value))), pack(value));
      assert.throws(() => pack(nest(leaf, 257, inMap)), /nesting deeper than 256/);
    }
  }
  // The bytes of a Date in 256 arrays, from another encoder: unpack takes them, and pack gives them back.
  const bytes = hex("91".repeat(256) + " d6 ff 00 00 00 00");
  assert.deepEqual(pack(unpack(bytes)), bytes);
});

Deno.test("pack() throws a RangeError for a bigint past 64 bits, an invalid Date, a bad Extension", () => {
  assert.throws(() => pack(2n ** 64n), /Cannot pack 18446744073709551616: a bigint must fit in 64 bits/);
  assert.throws(() => pack(-(2n ** 63n) - 1n), RangeError);
  assert.throws(() => pack(new Date(NaN)), /Cannot pack an invalid Date/);
  assert.throws(() => pack(new Extension(128, new Uint8Array(1))), RangeError);
  assert.throws(() => pack(new Extension(1.5, new Uint8Array(1))), RangeError);
  // A bigint type threw the engine's "Cannot mix BigInt and other types" (a TypeError naming no Extension).
  for (const type of [1n, "1"]) {
    assert.throws(() => pack(new Extension(type as unknown as number, new Uint8Array(1))), {
      name: "RangeError",
      message: `Cannot pack Extension(${String(type)}): type must be an integer -128..127, data a Uint8Array`,
    });
  }
});

Deno.test("pack() accepts 256 levels of nesting and unpack() reads them", () => {
  let value: unknown = 1;
  for (let i = 0; i < 256; i++) value = [value];
  assert.deepEqual(unpack(pack(value)), value);
  assert.throws(() => pack([value]), TypeError);
});

// ─── malformed input ────────────────────────────────────────────────────────

const MALFORMED: [string, string, typeof Error, RegExp][] = [
  ["empty input", "", RangeError, /truncated: needs 1 bytes, has 0 at byte 0/],
  ["a truncated str8", "d9 05 61 62", RangeError, /truncated: needs 5 bytes, has 2 at byte 2/],
  ["a truncated uint32", "ce 00 01", RangeError, /truncated/],
  ["trailing bytes", "01 02", RangeError, /trailing bytes after the value at byte 1/],
  ["the reserved byte 0xc1", "91 c1", RangeError, /reserved type 0xc1 at byte 2/],
  ["invalid UTF-8", "a2 c3 28", TypeError, /./],
  ["an overlong UTF-8 encoding", "a2 c0 af", TypeError, /./],
  ["UTF-8 of a surrogate", "a3 ed a0 80", TypeError, /./],
  ["a 4 GiB str32 in 5 bytes", "db ff ff ff ff", RangeError, /needs 4294967295 bytes, has 0/],
  ["a 4 GiB bin32 in 5 bytes", "c6 ff ff ff ff", RangeError, /truncated/],
  ["an array32 of 4 billion elements", "dd ff ff ff ff", RangeError, /truncated/],
  ["a map32 of 4 billion pairs", "df ff ff ff ff", RangeError, /truncated/],
  ["an ext32 of 4 GiB", "c9 ff ff ff ff 05", RangeError, /truncated/],
  ["a timestamp of 3 bytes", "c7 03 ff 00 00 00", RangeError, /timestamp of 3 bytes \(4, 8 or 12\)/],
  ["a timestamp with 10^9 nanoseconds", "c7 0c ff 3b 9a ca 00 00 00 00 00 00 00 00 00", RangeError, /out of range/],
  ["a timestamp past the range of Date", "c7 0c ff 00 00 00 00 7f ff ff ff ff ff ff ff", RangeError, /out of range/],
  ["nesting deeper than 256", "91".repeat(257) + " 00", RangeError, /nesting deeper than 256/],
];

for (const [name, bytes, type, message] of MALFORMED) {
  Deno.test(`unpack() rejects ${name} with a ${type.name}`, () => {
    assert.throws(() => unpack(hex(bytes)), (error: Error) => error instanceof type && message.test(error.message));
  });
}

Deno.test("unpack() rejects what is not a Uint8Array with a TypeError", () => {
  assert.throws(() => unpack([1] as unknown as Uint8Array), TypeError);
});

Deno.test("pack() and unpack() keep a leading U+FEFF in a string: it is data, not a byte order mark", () => {
  for (const text of ["\ufeff", "\ufeffhello, world", "\ufeff\u00e9t\u00e9"]) {
    assert.deepEqual([...pack(text).subarray(1, 4)], [0xef, 0xbb, 0xbf]); // a fixstr: one header byte
    assert.equal(unpack(pack(text)), text);
  }
});

Deno.test("unpack() keeps a __proto__ key as data and changes no prototype", () => {
  const value = unpack(hex("82 a9 5f 5f 70 72 6f 74 6f 5f 5f 81 a1 78 01 a1 79 02")) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ["__proto__", "y"]);
  assert.deepEqual(Object.getOwnPropertyDescriptor(value, "__proto__")?.value, { x: 1 });
  assert.equal((value as { x?: number }).x, undefined);
  assert.equal(({} as { x?: number }).x, undefined);
  assert.deepEqual(unpack(pack(value)), value);
});

Deno.test("unpack() reads a map with a non-string key as a Map, keeping earlier pairs", () => {
  const value = unpack(hex("83 a1 61 01 02 a1 62 c3 c0")) as Map<unknown, unknown>;
  assert.ok(value instanceof Map);
  assert.deepEqual([...value], [["a", 1], [2, "b"], [true, null]]);
});

Deno.test("unpack() reads views at any offset and copies the bytes it returns", () => {
  const backing = hex("ff ff c4 02 07 08 cb 3f e0 00 00 00 00 00 00");
  const bin = unpack(backing.subarray(2, 6)) as Uint8Array;
  backing[4] = 0;
  assert.deepEqual(bin, Uint8Array.of(7, 8));
  assert.equal(unpack(backing.subarray(6)), 0.5);
  assert.equal(unpack(hex("ca 3f c0 00 00")), 1.5);
});

Deno.test("unpack() reads 64-bit integers as numbers while safe, else as bigints", () => {
  assert.equal(unpack(hex("cf 00 1f ff ff ff ff ff ff")), 2 ** 53 - 1);
  assert.equal(unpack(hex("cf 00 20 00 00 00 00 00 00")), 2n ** 53n);
  assert.equal(unpack(hex("d3 ff e0 00 00 00 00 00 01")), -(2 ** 53 - 1));
  assert.equal(unpack(hex("d3 ff df ff ff ff ff ff ff")), -(2n ** 53n) - 1n);
  assert.equal(unpack(hex("d3 80 00 00 00 00 00 00 00")), -(2n ** 63n));
  assert.equal(unpack(hex("cf ff ff ff ff ff ff ff ff")), 2n ** 64n - 1n);
});

// ─── msgpack-test-suite ─────────────────────────────────────────────────────

type Case = Record<string, unknown> & { msgpack: string[] };

/** The value a suite case stands for, and what unpack should return for it. */
function suiteValue(testCase: Case): unknown {
  if ("nil" in testCase) return null;
  if ("bool" in testCase) return testCase.bool;
  if ("binary" in testCase) return hex(testCase.binary as string);
  if ("number" in testCase) return testCase.number;
  if ("bignum" in testCase) return BigInt(testCase.bignum as string);
  if ("string" in testCase) return testCase.string;
  if ("array" in testCase) return testCase.array;
  if ("map" in testCase) return testCase.map;
  if ("timestamp" in testCase) {
    const [seconds, nanoseconds] = testCase.timestamp as [number, number];
    return new Date(seconds * 1000 + Math.floor(nanoseconds / 1e6));
  }
  const [type, data] = testCase.ext as [number, string];
  return new Extension(type, hex(data));
}

Deno.test("msgpack-test-suite: every listed encoding decodes, and pack writes one of them", () => {
  let encodings = 0, cases = 0, subMillisecond = 0;
  for (const [file, testCases] of Object.entries(suite as unknown as Record<string, Case[]>)) {
    for (const testCase of testCases) {
      const value = suiteValue(testCase);
      for (const encoding of testCase.msgpack) {
        assert.deepEqual(unpack(hex(encoding)), value, `${file}: ${encoding}`);
        encodings++;
      }
      const packed = toHex(pack(value));
      const timestamp = testCase.timestamp as [number, number] | undefined;
      if (timestamp && timestamp[1] % 1e6) {
        // A Date holds milliseconds: the nanoseconds below them cannot be packed back.
        assert.deepEqual(unpack(pack(value)), value);
        subMillisecond++;
      } else {
        assert.ok(testCase.msgpack.includes(packed), `${file}: pack gave ${packed}, not one of ${testCase.msgpack}`);
      }
      cases++;
    }
  }
  assert.equal(cases, 85);
  assert.equal(encodings, 233);
  assert.equal(subMillisecond, 9);
});

// ─── properties against @msgpack/msgpack ────────────────────────────────────

/**
 * Maps @msgpack/msgpack's choices onto jamnet's: ExtData to Extension, bigints that fit a number to numbers; with
 * `theirPack`, -0 to 0 (their pack writes -0 as the integer 0, where jamnet's writes a float 64).
 */
function normalize(value: unknown, theirPack = false): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (value instanceof ExtData) return new Extension(value.type, value.data as Uint8Array);
  if (value instanceof Extension) return value;
  if (Array.isArray(value)) return value.map((item) => normalize(item, theirPack));
  if (value && typeof value === "object" && !(value instanceof Uint8Array) && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normalize(item, theirPack)]));
  }
  return theirPack && Object.is(value, -0) ? 0 : value;
}

const THEIR_OPTIONS = { useBigInt64: true };

Deno.test("10,000 random values packed by jamnet read the same in @msgpack/msgpack", () => {
  const random = seeded(2008);
  for (let i = 0; i < 10_000; i++) {
    const value = randomValue(random, 0, (type, data) => new Extension(type, data));
    assert.deepEqual(normalize(theirDecode(pack(value), THEIR_OPTIONS)), normalize(value), `value ${i}`);
  }
});

Deno.test("10,000 random values packed by @msgpack/msgpack read the same in jamnet", () => {
  const random = seeded(1229);
  for (let i = 0; i < 10_000; i++) {
    const value = randomValue(random, 0, (type, data) => new ExtData(type, data));
    assert.deepEqual(unpack(theirEncode(value, THEIR_OPTIONS)), normalize(value, true), `value ${i}`);
  }
});

// ─── fuzzing ────────────────────────────────────────────────────────────────

Deno.test("100,000 random and bit-flipped inputs make unpack() throw only its own RangeErrors and the TypeError of invalid UTF-8", () => {
  const random = seeded(7);
  const valid = Array.from(
    { length: 200 },
    () => pack(randomValue(random, 0, (type, data) => new Extension(type, data))),
  );
  let thrown = 0;
  for (let i = 0; i < 100_000; i++) {
    let bytes: Uint8Array;
    if (i % 2) {
      bytes = Uint8Array.from({ length: Math.floor(random() * 24) }, () => random() * 256);
    } else {
      const source = valid[i % valid.length];
      bytes = source.slice(0, random() < 0.2 ? Math.floor(random() * source.length) : source.length);
      for (let flips = 1 + Math.floor(random() * 3); flips-- && bytes.length;) {
        bytes[Math.floor(random() * bytes.length)] ^= 1 << Math.floor(random() * 8);
      }
    }
    if (unpackRejects(bytes)) thrown++;
  }
  // Most random input is malformed; if nothing threw, the decoder accepts garbage.
  assert.ok(thrown > 50_000, `only ${thrown} inputs were rejected`);
});

// ─── connections: helpers ───────────────────────────────────────────────────

const TICK_MS = 16;

/** What a test changes of one side of a pair: its socket, seen through `socket`, and its options. */
interface Side {
  socket?: (inner: Socket) => Socket;
  options?: HostOptions;
}

/**
 * A server and a client Host on one memoryNet; `step` updates both and advances the clock one tick. The client
 * connects at once; `sides` wraps either socket (a filter, `reliable`) or adds options to one side only.
 */
function pair(link: LinkOptions = {}, options: HostOptions = {}, sides: { server?: Side; client?: Side } = {}) {
  const net = memoryNet(link);
  const side = (address: "server" | "client") => {
    const { socket = (inner: Socket) => inner, options: own } = sides[address] ?? {};
    return new Host(socket(net.socket(address)), { now: net.now, ...options, ...own });
  };
  const server = side("server");
  const client = side("client");
  const serverEvents: HostEvent[] = [];
  const clientEvents: HostEvent[] = [];
  const step = (ms = TICK_MS) => {
    client.update();
    server.update();
    net.advance(ms);
    for (let event; (event = server.poll());) serverEvents.push(event);
    for (let event; (event = client.poll());) clientEvents.push(event);
  };
  /** Steps until `done()` holds; throws after `limit` steps, so a broken handshake fails instead of hanging. */
  const stepUntil = (done: () => boolean, what: string, limit = 1000) => {
    for (let steps = 0; !done(); steps++) {
      if (steps >= limit) throw new Error(`${what}: not after ${limit} steps of ${TICK_MS} ms`);
      step();
    }
  };
  const peer = client.connect("server");
  return { net, server, client, peer, step, stepUntil, serverEvents, clientEvents };
}

function messages(events: HostEvent[]): { data: unknown; channel: number; peer: Peer }[] {
  return events.flatMap((event) => event.type === "message" ? [event] : []);
}

/**
 * A pair (see above) whose client records each datagram's length, and `piecesPackets()`: how many of those sent since
 * the last call were more than 50 bytes. After packets too full for them, an update may send clock frames in a packet
 * of their own: 13 bytes of header and tag and 37 of frames at most, on a clean link past the first 32 packets (before,
 * loss is counted as 20%, and copies ride in the room left).
 */
function recordingPair(link: LinkOptions = {}, options: HostOptions = {}) {
  const sizes: number[] = [];
  const sides = {
    client: {
      socket: (inner: Socket): Socket => ({
        ...inner,
        send: (data, to) => (sizes.push(data.length), inner.send(data, to)),
      }),
    },
  };
  const piecesPackets = () => sizes.splice(0).filter((length) => length > 13 + 37).length;
  return { ...pair(link, options, sides), piecesPackets };
}

const LINKS: [string, LinkOptions][] = [
  ["a perfect link", {}],
  ["5% loss", { latencyMs: 30, loss: 0.05 }],
  ["20% loss, 5% duplication and reordering, 40 ms jitter", {
    latencyMs: 30,
    jitterMs: 40,
    loss: 0.2,
    duplicate: 0.05,
    reorder: 0.05,
  }],
  ["bursts of loss", { latencyMs: 30, jitterMs: 5, burstLoss: 0.03, burstLength: 10 }],
];
const MODE_NAMES: Mode[] = ["reliable", "unordered", "sequenced", "unreliable"];

// ─── connections: delivery guarantees ───────────────────────────────────────

for (const mode of MODE_NAMES) {
  for (const [linkName, link] of LINKS) {
    Deno.test(`Host delivers "${mode}" messages as promised over ${linkName}, 20 seeds`, () => {
      for (let seed = 1; seed <= 20; seed++) {
        const { peer, step, serverEvents } = pair({ ...link, seed });
        const random = seeded(seed);
        const sent: { i: number; channel: number; text: string }[] = [];
        for (let tick = 0; tick < 800; tick++) {
          if (tick > 5 && sent.length < 150) {
            for (let n = Math.floor(random() * 3); n--;) {
              const message = { i: sent.length, channel: Math.floor(random() * 3), text: "x".repeat(random() * 40) };
              sent.push(message);
              peer.send(message, { mode, channel: message.channel });
            }
          }
          step();
        }
        const got = messages(serverEvents);
        for (const { data, channel } of got) {
          const message = data as { i: number; channel: number; text: string };
          assert.deepEqual(message, sent[message.i], "arrives uncorrupted");
          assert.equal(channel, message.channel);
        }
        const ids = got.map(({ data }) => (data as { i: number }).i);
        assert.equal(new Set(ids).size, ids.length, `seed ${seed}: never twice`);
        for (let channel = 0; channel < 3; channel++) {
          const mine = got.filter((message) => message.channel === channel).map(({ data }) =>
            (data as { i: number }).i
          );
          const expected = sent.filter((message) => message.channel === channel).map((message) => message.i);
          if (mode === "reliable") assert.deepEqual(mine, expected, `seed ${seed} channel ${channel}: all, in order`);
          if (mode === "unordered") assert.deepEqual(mine.toSorted((a, b) => a - b), expected, `seed ${seed}: all`);
          if (mode === "sequenced") {
            for (let i = 1; i < mine.length; i++) assert.ok(mine[i] > mine[i - 1], `seed ${seed}: never older`);
          }
        }
        if (!link.loss && !link.burstLoss) assert.equal(got.length, sent.length, "a link without loss loses nothing");
      }
    });
  }
}

Deno.test("Host keeps order and acks across the 16-bit wrap of packet and message sequences, both ways", () => {
  const { peer, step, stepUntil, serverEvents, clientEvents, server } = pair({ latencyMs: 20, loss: 0.02, seed: 3 });
  stepUntil(() => server.peers.length > 0, "the server has a peer");
  const back = server.peers[0];
  const total = 67_000;
  for (let i = 0; i < total; i++) {
    peer.send(i);
    back.send(i);
    step();
  }
  for (let i = 0; i < 100; i++) step();
  const toServer = messages(serverEvents).map(({ data }) => data);
  const toClient = messages(clientEvents).map(({ data }) => data);
  assert.equal(toServer.length, total);
  assert.equal(toClient.length, total);
  assert.ok(toServer.every((value, i) => value === i), "client to server in order");
  assert.ok(toClient.every((value, i) => value === i), "server to client in order");
  assert.ok(peer.stats.packetsSent > 65_536, "packet sequence wrapped");
});

Deno.test({
  name: "a stream lets go of the pieces acked: 30,000 messages of 300 bytes sent and acked leave the heap as it was",
  ignore: !gc,
}, async () => {
  // A sender keeps each piece until it is acked, and then lets go of it at the front of its queue, in O(1) amortized.
  // Kept, a long game's every message stayed in memory for good: the heap grew by 9 MB here, where it grows by 0.6.
  const net = memoryNet({ latencyMs: 5 });
  const server = new Host(net.socket("server"), { now: net.now });
  const client = new Host(net.socket("client"), { now: net.now });
  const peer = client.connect("server");
  let got = 0;
  const step = () => {
    client.update();
    server.update();
    net.advance(TICK_MS);
    for (let event; (event = server.poll());) if (event.type === "message") got++;
    while (client.poll());
  };
  for (let i = 0; i < 10; i++) step();
  assert.equal(peer.state, "connected");
  const heapBefore = await settledHeap();
  const message = new Uint8Array(300);
  for (let tick = 0; tick < 1000 && got < 30_000; tick++) {
    if (tick < 300) { for (let i = 0; i < 100; i++) peer.send(message); }
    step();
  }
  assert.equal(got, 30_000);
  for (let i = 0; i < 10; i++) step(); // the last acks
  const growth = await settledHeap() - heapBefore;
  assert.ok(growth < 4_000_000, `the heap grew by ${growth} bytes`);
});

Deno.test("Host carries a 1 MiB message across 10% loss while small messages keep flowing on another channel", () => {
  const { peer, step, stepUntil, serverEvents, net } = pair({ latencyMs: 30, jitterMs: 10, loss: 0.1, seed: 5 });
  stepUntil(() => peer.state === "connected", "the client is connected");
  const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7) & 255);
  peer.send(big, { channel: 1 });
  const sentAt: number[] = [];
  const latencies: number[] = [];
  let bigArrived = -1;
  for (let tick = 0; tick < 3000 && (bigArrived < 0 || sentAt.length < 120); tick++) {
    if (sentAt.length < 120 && tick % 1 === 0) {
      peer.send({ i: sentAt.length }, { channel: 0 });
      sentAt.push(net.now());
    }
    const before = serverEvents.length;
    step(1000 / 60);
    for (const event of serverEvents.slice(before)) {
      if (event.type !== "message") continue;
      if (event.channel === 1) bigArrived = net.now();
      else latencies.push(net.now() - sentAt[(event.data as { i: number }).i]);
    }
  }
  const received = messages(serverEvents).find((event) => event.channel === 1)?.data as Uint8Array;
  assert.ok(received, "the big message arrived");
  assert.deepEqual(received, big);
  assert.equal(latencies.length, 120);
  latencies.sort((a, b) => a - b);
  // One way is 30-40 ms; a loss costs a resend after about one RTT.
  assert.ok(latencies[Math.floor(latencies.length * 0.99)] < 400, `p99 ${latencies.at(-1)} ms`);
});

Deno.test("Host paces by a congestion window: 1 MiB crosses a clean 50 ms link in under 500 ms with the defaults", () => {
  const { peer, step, stepUntil, serverEvents, net } = pair({ latencyMs: 50 });
  stepUntil(() => peer.state === "connected", "the client is connected");
  const start = net.now();
  const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 13) & 255);
  peer.send(big);
  stepUntil(() => messages(serverEvents).length > 0, "1 MiB arrives");
  assert.deepEqual(messages(serverEvents)[0].data, big);
  // 896 packets: 128 in the first round trip, doubling each one after (128 + 256 + 512), plus 50 ms one way.
  assert.ok(net.now() - start < 500, `1 MiB took ${net.now() - start} ms`);
  // A resend timer allows ACK_DELAY_MS for the other side's delayed ack; acked at its next update past
  // that, the last few packets can be resent once for nothing (1 of 896 here).
  assert.ok(peer.stats.messagesResent <= 1, `${peer.stats.messagesResent} resends on a clean link`);
  step();
});

/** A connected pair whose client's packets are lost from now on, with 1 MiB (896 packets, never acked) queued. */
function unackedMebibyte() {
  let lost = false;
  const { peer, step } = pair({ latencyMs: 10 }, {}, {
    server: { options: { timeout: 60_000 } },
    client: { socket: (inner) => filtered(inner, () => !lost) },
  });
  for (let i = 0; i < 10; i++) step();
  assert.equal(peer.state, "connected");
  lost = true;
  const before = peer.stats.packetsSent;
  peer.send(new Uint8Array(1 << 20));
  return { step, sent: () => peer.stats.packetsSent - before };
}

Deno.test("Host's congestion window: unacked, it keeps 128 packets in flight, then probes after 33 ms of quiet", () => {
  const { step, sent } = unackedMebibyte();
  const sentAfter: number[] = [];
  for (let i = 0; i < 8; i++) {
    step();
    sentAfter.push(sent());
  }
  // The window is 128 packets and the newest acked packet is the last one before the loss: 128 more, then
  // one packet at the first update 33 ms (ACK_DELAY_MS) or more after the last one, every third update.
  assert.deepEqual(sentAfter, [128, 128, 128, 129, 129, 129, 130, 130]);
});

Deno.test("Host's congestion window lets one packet go at exactly 33 ms of quiet (ACK_DELAY_MS), not a millisecond later", () => {
  const { step, sent } = unackedMebibyte();
  step(32); // the window's 128 packets leave, then 32 ms pass
  step(1); // 32 ms after them: none
  assert.equal(sent(), 128);
  step(); // 33 ms after them: one
  assert.equal(sent(), 129);
});

Deno.test("Host's congestion window never holds back a reliable socket, which sends no acks", () => {
  const reliable = (inner: Socket): Socket => ({ ...inner, reliable: true });
  const { peer, step, server, client, serverEvents } = pair({ latencyMs: 20 }, {}, {
    server: { socket: reliable },
    client: { socket: reliable, options: { packetsPerUpdate: 1024 } },
  });
  for (let i = 0; i < 10; i++) step();
  assert.equal(peer.state, "connected");
  const serverSent = server.stats.packetsSent;
  const clientSent = client.stats.packetsSent;
  peer.send(new Uint8Array(1 << 20)); // about 890 packets, none ever acked: all leave in the first update
  step();
  const sent = client.stats.packetsSent - clientSent;
  assert.ok(sent > 880, `${sent} packets in the first update, not a window of 128`);
  for (let i = 0; i < 2; i++) step();
  assert.equal(messages(serverEvents).length, 1);
  assert.equal(server.stats.packetsSent, serverSent, "the server sent no acks");
});

Deno.test("over a reliable socket, small messages sent past a large one still in pieces all arrive: no piece refused", () => {
  // A reliable socket marks a piece done once sent, so the sender's receive window starts at its first piece not sent.
  // Small messages go before a large message's last pieces, up to a window past that message's start; the messages
  // before it, sent but still on their way, put the receiver's window further back, and a packet past it was refused,
  // never to be sent again: the channel stalled and the server timed out (a review, 2026-12-03).
  const reliable = (inner: Socket): Socket => ({ ...inner, reliable: true });
  const { peer, step, stepUntil, serverEvents, clientEvents } = pair({ latencyMs: 10 }, { timeout: 3000 }, {
    server: { socket: reliable },
    client: { socket: reliable },
  });
  stepUntil(() => peer.state === "connected", "connected");
  const random = seeded(7);
  const sent: number[] = [];
  for (let tick = 0; tick < 200; tick++) {
    // A large message (about 180 KB, 150 pieces) every tenth tick and a small one each tick: more than 8 packets an
    // update carry, so a backlog builds.
    const big = tick % 10 == 0;
    peer.send(Array.from({ length: big ? 20_000 : 3 }, () => random()).concat(tick));
    sent.push(tick);
    step();
  }
  stepUntil(() => messages(serverEvents).length == sent.length, "every message arrives", 2000);
  assert.deepEqual(messages(serverEvents).map(({ data }) => (data as number[]).at(-1)), sent);
  assert.deepEqual([...serverEvents, ...clientEvents].filter((event) => event.type === "disconnect"), []);
  const [serverPeer] = serverEvents.flatMap((event) => event.type === "connect" ? [event.peer] : []);
  assert.equal(serverPeer.stats.invalidDropped, 0);
});

Deno.test("Host takes no late or reordered ack for a loss: a clean data path gets no resends and keeps its window", () => {
  for (const back of [{ latencyMs: 25, reorder: 0.2, seed: 2 }, { latencyMs: 25, jitterMs: 30, seed: 2 }]) {
    const { peer, net, serverEvents, stepUntil } = pair({ latencyMs: 25 });
    net.link("server", "client", back); // only the acks are reordered
    stepUntil(() => peer.state === "connected", "connected");
    const start = net.now();
    peer.send(new Uint8Array(1 << 20));
    stepUntil(() => messages(serverEvents).length > 0, "1 MiB arrives");
    assert.equal(peer.stats.messagesResent, 0, JSON.stringify(back));
    assert.ok(net.now() - start < 400, `${net.now() - start} ms with ${JSON.stringify(back)}`);
  }
});

Deno.test("Host's congestion window is cut by loss: 1 MiB crosses a link that reorders packets past what acks cover", () => {
  // 40 ms of jitter on 30 ms scatters a window of packets sent together over 80 ms, and a packet that arrives more
  // than 32 behind the newest is dropped as a repeat (the ack bits cover 32), so it is never acked. Cut by the loss
  // that measures, the window shrinks until few arrive that late: about 5.3 s on these seeds. A window never cut
  // sends on into the drops and its resends are dropped too: 8.8 s on seed 1, and on seed 2 the receiver's stream
  // waits past the timeout for one piece and ends the connection.
  for (let seed = 1; seed <= 3; seed++) {
    const link = { latencyMs: 30, jitterMs: 40, loss: 0.2, duplicate: 0.05, reorder: 0.05, seed };
    const { peer, net, serverEvents, clientEvents, stepUntil } = pair(link);
    stepUntil(() => peer.state === "connected", "connected");
    const start = net.now();
    peer.send(new Uint8Array(1 << 20));
    stepUntil(
      () => messages(serverEvents).length > 0 || net.now() - start > 7_200,
      "1 MiB arrives or 7.2 s pass",
    );
    const gone = [...serverEvents, ...clientEvents].filter((event) => event.type === "disconnect");
    assert.deepEqual(gone, [], `seed ${seed}: nobody disconnected`);
    assert.equal(messages(serverEvents).length, 1, `seed ${seed}: 1 MiB arrived in ${net.now() - start} ms`);
  }
});

Deno.test("Host's congestion window forgets a flight lost whole once its resend time passed", () => {
  let drop = 0;
  const { peer, step } = pair({ latencyMs: 20 }, {}, {
    client: { socket: (inner) => filtered(inner, () => !(drop > 0 && drop--)) },
  });
  for (let i = 0; i < 10; i++) step(); // connected; no RTT measured yet, so a resend waits 200 ms
  const before = peer.stats.packetsSent;
  drop = 136; // the whole first window and the next 8 packets are lost: no ack will speak of the window
  peer.send(new Uint8Array(1 << 20));
  for (let i = 0; i < 16; i++) step(); // 256 ms
  // Past the resend time (the update at 208 ms) the flight is forgotten and a new window leaves, resends first,
  // halved to 64 (the flight was lost whole); else only a probe would go each 48 ms, and the next 8 are lost too.
  const sent = peer.stats.packetsSent - before;
  assert.ok(sent > 150, `${sent} packets in 256 ms`);
});

Deno.test("Host's backoff for forgotten flights starts over once acks come back: a second dark spell is forgotten as fast as the first", () => {
  // Each flight forgotten while nothing is acked waits twice as long as the one before (#forgets). An ack that moves
  // on starts it over: kept, after a dark spell of 1.6 s the next spell's flight waited 2^5 times the resend time,
  // and no new window left in its first 400 ms (here one leaves at 240 ms).
  const { net, peer, step } = pair({ latencyMs: 20 });
  for (let i = 0; i < 20; i++) step();
  const dark = (loss: number) => {
    net.link("client", "server", { latencyMs: 20, loss });
    net.link("server", "client", { latencyMs: 20, loss });
  };
  const sentEach: number[] = [];
  const run = (updates: number) => {
    for (let i = 0; i < updates; i++) {
      peer.send(new Uint8Array(3000));
      const before = peer.stats.packetsSent;
      step();
      sentEach.push(peer.stats.packetsSent - before);
    }
  };
  run(60), dark(1), run(100), dark(0), run(100);
  assert.equal(peer.state, "connected");
  const second = sentEach.length;
  dark(1), run(25);
  const window = Math.max(...sentEach.slice(second + 10));
  assert.ok(window >= 16, `at most ${window} packets an update after the first 10 of the second spell`);
});

Deno.test("Host counts no loss for its packets an ack lost in the dark stood for, when a later ack's oldest bit is a loss", () => {
  // Only the packets between the newest acked and an ack's 32 bits count as lost, when its oldest bit is a loss too (a
  // burst that ran on past the bits). Older ones the bits passed while all acked were most likely acked by acks lost on
  // the way: a later loss at the oldest bit counted each as lost too (a loss of 0.44 for one packet lost in 80).
  let drop = 0;
  const isData = (data: Uint8Array) => data[0] >= 0x80 && !(data[0] & 0x40); // a data packet that takes a sequence
  const { net, peer, server, step } = pair({ latencyMs: 10 }, {}, {
    client: { socket: (inner) => filtered(inner, (data) => !(isData(data) && drop > 0 && drop--)) },
  });
  const busy = () => {
    if (peer.state === "connected") peer.send(0, { mode: "unreliable" });
    for (const other of server.peers) other.send(0, { mode: "unreliable" });
    step();
  };
  for (let i = 0; i < 60; i++) busy(); // every packet of both sides acked
  net.link("server", "client", { loss: 1 }); // 50 of the client's packets arrive, and no ack of them
  for (let i = 0; i < 50; i++) busy();
  net.link("server", "client", { latencyMs: 10 });
  for (let i = 0; i < 10; i++) busy();
  assert.equal(peer.stats.loss, 0);
  drop = 1; // one packet lost: the oldest bit of an ack, 32 packets on
  let worst = 0;
  for (let i = 0; i < 60; i++) busy(), worst = Math.max(worst, peer.stats.loss);
  assert.equal(peer.state, "connected");
  assert.ok(worst > 0 && worst < 0.05, `one packet lost: a loss of ${worst}`);
});

Deno.test("Host's loss blends each packet's fate in by 1/32: one lost after a clean run reads 1/32, then 31/32 of that an ack", () => {
  // stats.loss is "over about the last 32 packets": loss += (lost - loss) / 32 per fate counted, acked or lost.
  let drop = 0;
  const isData = (data: Uint8Array) => data[0] >= 0x80 && !(data[0] & 0x40); // a data packet that takes a sequence
  const { peer, server, step } = pair({ latencyMs: 10 }, {}, {
    client: { socket: (inner) => filtered(inner, (data) => !(isData(data) && drop > 0 && drop--)) },
  });
  for (let i = 0; i < 80; i++) {
    if (peer.state === "connected") peer.send(0, { mode: "unreliable" });
    for (const other of server.peers) other.send(0, { mode: "unreliable" });
    if (i == 60) drop = 1;
    step();
  }
  assert.equal(peer.stats.messagesResent, 0);
  const { loss } = peer.stats;
  // 1/32 × (31/32)^n, n the packets acked since the loss: a whole number of them.
  const acked = Math.log(32 * loss) / Math.log(31 / 32);
  assert.ok(acked > 5 && Math.abs(acked - Math.round(acked)) < 1e-6, `a loss of ${loss}: ${acked} acks since`);
});

Deno.test("Host's stats estimate RTT and loss over its peers' packets: with one peer, the peer's estimate to the bit", () => {
  const { client, peer, step } = pair({ latencyMs: 20, loss: 0.1, seed: 3 });
  for (let i = 0; i < 200; i++) {
    if (peer.state === "connected") peer.send(i);
    step();
  }
  assert.ok(peer.stats.rttMs > 40 && peer.stats.loss > 0, `measured: ${peer.stats.rttMs} ms, loss ${peer.stats.loss}`);
  assert.equal(client.stats.rttMs, peer.stats.rttMs);
  assert.equal(client.stats.rttVarianceMs, peer.stats.rttVarianceMs);
  assert.equal(client.stats.loss, peer.stats.loss);
});

Deno.test("Host halves its window for a flight lost whole of 32 packets (MIN_WINDOW_PACKETS) or more, not of 31", () => {
  // A message of `pieces` packets, every one lost; at the update past the resend time (208 ms) the flight is forgotten,
  // and a 1 MiB message queued just before it leaves as far as the window lets: 128 packets, or 64 once halved.
  for (const [pieces, window] of [[31, 128], [32, 64], [33, 64]]) {
    let drop = 0;
    const { peer, step } = pair({ latencyMs: 20 }, {}, {
      client: { socket: (inner) => filtered(inner, () => !(drop > 0 && drop--)) },
    });
    for (let i = 0; i < 10; i++) step(); // connected; no RTT measured yet, so a resend waits 200 ms
    drop = pieces;
    const before = peer.stats.packetsSent;
    peer.send(new Uint8Array(pieces * 1175 - 10)); // pieces of 1,175 bytes at the default mtu
    for (let i = 0; i < 13; i++) step(); // the updates at 0 to 192 ms
    assert.equal(peer.stats.packetsSent - before, pieces, "the flight, and nothing more");
    peer.send(new Uint8Array(1 << 20));
    const forgotten = peer.stats.packetsSent;
    step(); // 208 ms
    assert.equal(peer.stats.packetsSent - forgotten, window, `a flight of ${pieces} lost`);
  }
});

Deno.test("Host's congestion window grows with an ack that finds it half in use or more: 64 of 128 in flight, not 63", () => {
  // A message of `pieces` packets leaves at once; the first ack finds them all in flight and grows the window by one
  // for each packet it acks while twice the packets in flight are at least the window (before any cut). Then a 1 MiB
  // message leaves as far as the window lets, all acked before: the window's size.
  const windows: number[] = [];
  for (const pieces of [63, 64, 65]) {
    const { peer, client, step } = pair({ latencyMs: 20 });
    for (let i = 0; i < 100; i++) step(); // connected, idle, every packet acked
    peer.send(new Uint8Array(pieces * 1175 - 10)); // pieces of 1,175 bytes at the default mtu
    for (let i = 0; i < 20; i++) step();
    const before = client.stats.packetsSent;
    peer.send(new Uint8Array(1 << 20));
    client.update();
    windows.push(client.stats.packetsSent - before);
  }
  assert.deepEqual(windows, [128, 129, 131]);
});

Deno.test("Host's congestion window backs off when acks stop coming: no new window every resend time", () => {
  const { peer, step, net } = pair({ latencyMs: 20 }, { timeout: 60_000 });
  for (let i = 0; i < 10; i++) step();
  net.link("server", "client", { latencyMs: 20, loss: 1 }); // from now on no ack arrives
  for (let i = 0; i < 200; i++) peer.send(new Uint8Array(1100));
  for (let i = 0; i < 125; i++) step(); // 2 s
  const before = peer.stats.packetsSent;
  for (let i = 0; i < 125; i++) step(); // 2 s more
  // Forgetting each flight at every resend time would send a window again and again (about 1,500 packets a
  // second); backing off twice as long each time (at most MAX_RESEND_MS), it sends probes and a few flights.
  const sent = peer.stats.packetsSent - before;
  assert.ok(sent < 150, `${sent} packets in 2 s without an ack`);
});

Deno.test("Host sends 8 packets an update by default over a reliable socket, whose own buffer would take all", () => {
  const reliable = (inner: Socket): Socket => ({ ...inner, reliable: true });
  const { peer, step, client } = pair({ latencyMs: 20 }, {}, {
    server: { socket: reliable },
    client: { socket: reliable, options: { maxQueuedBytes: 1 << 16 } },
  });
  for (let i = 0; i < 10; i++) step();
  assert.equal(peer.state, "connected");
  const before = client.stats.packetsSent;
  peer.send(new Uint8Array(60_000)); // 51 packets
  client.update();
  assert.equal(client.stats.packetsSent - before, 8);
  // What has not left stays queued, so `send` refuses past maxQueuedBytes instead of the socket buffering all.
  assert.throws(() => peer.send(new Uint8Array(20_000)), /maxQueuedBytes/);
});

Deno.test("Host finds a burst of loss longer than an ack's 32 bits by acks, not by a resend timeout", () => {
  let drop = 0; // the next `drop` packets the client sends are lost
  const { peer, step, net, serverEvents } = pair({ latencyMs: 20 }, {}, {
    client: { socket: (inner) => filtered(inner, () => !(drop > 0 && drop--)) },
  });
  for (let i = 0; i < 50; i++) step(); // connected, RTT measured, loss estimate settled at 0
  assert.equal(peer.stats.loss, 0);
  // 60 packets of one message each are lost, then 40 arrive: the acks of those show the 60 missing.
  drop = 60;
  for (let i = 0; i < 100; i++) peer.send(new Uint8Array(1100).fill(i));
  const sentAt = net.now();
  for (let i = 0; i < 4; i++) step();
  // Sent at the first update; the acks of the 40 are back 40 ms later, before the fourth update (48 ms): it
  // finds all 60 lost, long before a timeout would (the RTT of 40 ms + 4 RTTVAR + ACK_DELAY_MS, 73 ms at least),
  // and resends all 60: the acks grew the window, in use before them, from 128 to 145, and the loss halved it to 72
  // (58 while the window grew by what was in flight after the ack: cut from 128 to 64, 6 of them still unacked).
  assert.equal(peer.stats.messagesResent, 60, `resent by ${net.now() - sentAt} ms: ${peer.stats.messagesResent}`);
  assert.ok(peer.stats.loss > 0.4, `loss ${peer.stats.loss}`);
  for (let i = 0; i < 10; i++) step();
  assert.equal(messages(serverEvents).length, 100);
});

Deno.test("Host sends an early ack for a jump of 33 past the oldest unacked, not for one of exactly 32: that one stays in the bits", () => {
  // Packet 1 arrives, then packet 1 + jump (those between lost): an early ack, of packet 1 as the latest, goes only
  // when the jump would push packet 1 out of the bits (33); at 32 it stays there as bit 31, and no ack of it goes.
  const acksOfFirst: number[] = [];
  for (const jump of [32, 33]) {
    let counting = false;
    let sent = 0;
    let first = -1; // packet 1's sequence
    const acks: number[] = [];
    const { peer, step, serverEvents } = pair({ latencyMs: 20 }, { packetsPerUpdate: 64 }, {
      client: {
        socket: (inner) => ({
          ...inner,
          send(data, to) {
            if (!counting || data.length <= 1000) return inner.send(data, to);
            const packet = ++sent;
            if (packet === 1) first = data[1] << 8 | data[2];
            if (packet === 1 || packet > jump) inner.send(data, to);
          },
        }),
      },
      server: {
        socket: (inner) =>
          filtered(inner, (data) => {
            // The ack a data packet's header carries: its sequence less how far back the ack is.
            if (data[0] >= 0x80) {
              acks.push(((data[1] << 8 | data[2]) - (data[0] & 0x10 ? data[3] << 8 | data[4] : data[3])) & 0xffff);
            }
            return true;
          }),
      },
    });
    for (let i = 0; i < 50; i++) step(); // connected, RTT measured
    counting = true;
    for (let i = 0; i < 60; i++) peer.send(new Uint8Array(1100).fill(i)); // a packet each
    for (let i = 0; i < 20; i++) step();
    assert.equal(messages(serverEvents).length, 60);
    acksOfFirst.push(acks.filter((ack) => ack === first).length);
  }
  assert.deepEqual(acksOfFirst, [0, 1]);
});

Deno.test("Host finds a burst of loss past the ack bits by an ack whose oldest bit alone is a loss, the one before it acked", () => {
  // The client's next 100 data packets, numbered from 1, in one update: 1-39 lost, 40 arrives, 41-55 lost, 56-100
  // arrive. The 17th to arrive, 71, is acked at once: its bits reach back to 39 (bit 31, lost) and 40 (bit 30,
  // arrived). Its oldest bit a loss, the packets before the bits and after the newest acked (1-38) are lost too, with
  // the 16 in the bits: all 54 are resent by the next update, not 38 of them a resend time later.
  let counting = false;
  let sent = 0;
  const lost = (packet: number) => packet < 40 || packet > 40 && packet < 56;
  const { peer, step, serverEvents } = pair({ latencyMs: 20 }, {}, {
    client: {
      socket: (inner) => ({
        ...inner,
        send(data, to) {
          if (!counting || data.length <= 1000) return inner.send(data, to);
          if (!lost(++sent)) inner.send(data, to);
        },
      }),
    },
  });
  for (let i = 0; i < 50; i++) step(); // connected, RTT measured, loss estimate settled at 0
  counting = true;
  for (let i = 0; i < 100; i++) peer.send(new Uint8Array(1100).fill(i)); // a packet each
  for (let i = 0; i < 4; i++) step(); // the ack of 71 is back 40 ms later, before the fourth update (48 ms)
  assert.equal(peer.stats.messagesResent, 54);
  for (let i = 0; i < 20; i++) step();
  assert.equal(messages(serverEvents).length, 100);
});

Deno.test("Host takes a late packet 31 behind the latest, the oldest its duplicate check reads: delivered at once", () => {
  // The client's next 40 data packets (numbered from 1) in one update; packet 1 goes after packet 32, so it arrives
  // 31 behind the latest: the bits, shifted up one with the latest as bit 0, tell it never arrived (32 behind and
  // older are dropped). Dropped as a duplicate, the 39 messages after it waited for its resend.
  let counting = false;
  let sent = 0;
  let late: Uint8Array | undefined;
  const { peer, step, server, serverEvents } = pair({ latencyMs: 20 }, {}, {
    client: {
      socket: (inner) => ({
        ...inner,
        send(data, to) {
          if (!counting || data.length <= 1000) return inner.send(data, to);
          if (++sent === 1) late = data;
          else inner.send(data, to);
          if (sent === 32) inner.send(late!, to);
        },
      }),
    },
  });
  for (let i = 0; i < 50; i++) step(); // connected, idle
  counting = true;
  const duplicates = server.stats.duplicatesDropped;
  for (let i = 0; i < 40; i++) peer.send(new Uint8Array(1100).fill(i)); // a packet each
  for (let i = 0; i < 3; i++) step(); // sent at once, arrived 20 ms later; no resend is due yet
  assert.equal(server.stats.duplicatesDropped, duplicates);
  assert.equal(messages(serverEvents).length, 40);
});

Deno.test("Host acks what arrived before a jump that would push it out of the ack bits: nothing that arrived is resent", () => {
  // The client's next data packets (numbered from 1) between two of the server's updates, some lost, then the rest
  // arrive. At the first after the loss the server has packets unacked that the jump pushes out of the bits (32):
  // unacked, the client sent them all again.
  const cases: [string, (packet: number) => boolean, number][] = [
    // 1-10 arrive, 11-40 are lost: 10 unacked, 31 behind the new latest (the 9 after it push out the rest).
    ["10 in a row, then 30 lost", (packet) => packet > 10 && packet <= 40, 30],
    // 1 and 11 arrive: only 2 unacked, but the first is 35 behind packet 36 (a first version counted the unacked
    // as if in a row, 2 + 25, and sent no early ack).
    [
      "two with a gap between them, then 24 lost",
      (packet) => packet >= 2 && packet <= 10 || packet >= 12 && packet <= 35,
      33,
    ],
    // 2 arrives, then 1, late: the oldest unacked is 1, which packet 34 pushes out (2 it would not).
    ["late: 2, then 1, then 31 lost", (packet) => packet >= 3 && packet <= 33, 31],
    // 1 arrives, then 33, exactly 32 ahead: no early ack, 1 stays in the bits as their last (bit 31).
    ["one, then 31 lost: a jump of exactly 32", (packet) => packet >= 2 && packet <= 32, 31],
  ];
  for (const [what, lost, lostCount] of cases) {
    let counting = false;
    let sent = 0;
    let late: Uint8Array | undefined;
    const { peer, step, server, serverEvents } = pair({ latencyMs: 20 }, { packetsPerUpdate: 64 }, {
      client: {
        socket: (inner) => ({
          ...inner,
          send(data, to) {
            if (!counting || data.length <= 1000) return inner.send(data, to);
            const packet = ++sent;
            if (what.startsWith("late") && packet === 1) late = data; // it goes after packet 2
            else if (!lost(packet)) inner.send(data, to);
            if (late && packet === 2) inner.send(late, to);
          },
        }),
      },
    });
    for (let i = 0; i < 50; i++) step(); // connected, RTT measured, loss estimate settled at 0
    assert.equal(peer.stats.loss, 0);
    counting = true;
    for (let i = 0; i < 60; i++) peer.send(new Uint8Array(1100).fill(i)); // a packet each
    for (let i = 0; i < 20; i++) step();
    assert.equal(messages(serverEvents).length, 60, what);
    assert.equal(sent, 60 + lostCount, what);
    // The lost, each once (a packet of 1,100 bytes has no room for a copy), and none that arrived.
    assert.equal(peer.stats.messagesResent, lostCount, what);
    assert.equal(server.stats.duplicatesDropped, 0, what);
  }
});

Deno.test("Host refuses at send() a message in more pieces than the receiver holds, which would never arrive", () => {
  const { peer, stepUntil, serverEvents } = pair({ latencyMs: 10 }, {
    maxMessageBytes: 4 << 20,
    maxQueuedBytes: 8 << 20,
  });
  stepUntil(() => peer.state === "connected", "connected");
  // A piece is at most 1,175 bytes at the default mtu: 1,024 of them are 1,203,200 bytes, a Uint8Array of
  // 1,203,195 packs to that; a state travels in at most 255.
  assert.throws(
    () => peer.send(new Uint8Array(1_203_196)),
    /the limit is 1203200 bytes \(HostOptions.maxMessageBytes, or 1024 pieces of 1175\)/,
  );
  assert.throws(() => peer.send(new Uint8Array(299_621), { mode: "state" }), /or 255 pieces of 1175/);
  assert.equal(peer.state, "connected");
  // Behind a message whose last piece has not left, the largest starts as if it went on from that piece only
  // when that adds no piece: in 1,025 it would never arrive.
  const before = new Uint8Array(2000).fill(3);
  const largest = new Uint8Array(1_203_195).fill(7);
  peer.send(before);
  peer.send(largest);
  stepUntil(() => messages(serverEvents).length > 1, "the largest message arrives", 100);
  assert.deepEqual(messages(serverEvents).map((event) => event.data), [before, largest]);
});

Deno.test("Host's default maxMessageBytes is 1 MiB + 16: a message that packs to that is taken, one byte more refused", () => {
  // 16 past 1 MiB, so that a Uint8Array of exactly 1 MiB (a bin 32: 5 bytes of head) and its wrapping go.
  const { peer } = pair();
  const limit = 2 ** 20 + 16;
  assert.equal(pack(new Uint8Array(limit - 5)).length, limit);
  assert.equal(peer.send(new Uint8Array(limit - 5)), true);
  assert.throws(
    () => peer.send(new Uint8Array(limit - 4)),
    /Cannot send 1048593 bytes in mode "reliable": the limit is 1048592 bytes \(HostOptions.maxMessageBytes/,
  );
});

Deno.test("Host's default maxQueuedBytes is 4 MiB: three messages of 1 MiB queue, a fourth is refused and names the limit", () => {
  // Each piece counts 256 bytes more (see HELD_PIECE_BYTES): three messages of 2^20 bytes, about 900 pieces each, take
  // 3.2 MiB of the 4; a fourth would pass it.
  const { peer } = pair();
  for (let i = 0; i < 3; i++) assert.equal(peer.send(new Uint8Array(2 ** 20)), true);
  assert.throws(
    () => peer.send(new Uint8Array(2 ** 20)),
    /bytes are queued \(each piece counts 256 more\) and the limit is 4194304 \(HostOptions.maxQueuedBytes\)/,
  );
});

Deno.test("Host refuses at send() an unreliable or sequenced message over one packet, and says which modes take more", () => {
  const { peer, stepUntil } = pair({ latencyMs: 10 });
  stepUntil(() => peer.state === "connected", "connected");
  // At the default mtu a piece is at most 1,175 bytes: a Uint8Array of 1,172 packs to 1,175, one of 1,173 to 1,176.
  for (const mode of ["unreliable", "sequenced"] as const) {
    peer.send(new Uint8Array(1172), { mode });
    assert.throws(() => peer.send(new Uint8Array(1173), { mode }), {
      name: "RangeError",
      message: `Cannot send 1176 bytes in mode "${mode}": the limit is 1175 bytes, one packet ` +
        `(a larger message goes "reliable", "unordered" or "state")`,
    });
  }
  peer.send(new Uint8Array(1173)); // reliable: in two pieces
  assert.equal(peer.state, "connected");
});

Deno.test("Host never cuts a message to fill a packet when that would add a piece, to the byte", () => {
  // mtu 64: pieces of 39 bytes, 1,024 of them 39,936. The 5 sent before packs to 1 byte, a frame of 4; the largest
  // packs to 39,933 bytes, and (39,933 - 1) % 39 + 4 = 39: cut by those 4 it would end exactly at a piece's end and
  // need a 1,025th piece, past the receiver's window, and never arrive.
  const { peer, stepUntil, serverEvents } = pair({ latencyMs: 10 }, { mtu: 64 });
  stepUntil(() => peer.state === "connected", "connected");
  const largest = new Uint8Array(39_930).fill(9);
  peer.send(5);
  peer.send(largest);
  stepUntil(() => messages(serverEvents).length > 1, "the largest message arrives", 500);
  assert.deepEqual(messages(serverEvents).map((event) => event.data), [5, largest]);
});

Deno.test("Host cuts a message from its start when its stream's last piece has left: no packet half empty for nothing", () => {
  const sizes: number[] = [];
  const record = (inner: Socket): Socket => ({
    ...inner,
    send: (data, to) => {
      sizes.push(data.length);
      inner.send(data, to);
    },
  });
  const { peer, stepUntil, serverEvents } = pair({}, {}, { client: { socket: record } });
  stepUntil(() => peer.state === "connected", "connected");
  // Two messages of 1,203 bytes packed, the second sent once the first has arrived: each goes as a full piece of
  // 1,175 bytes in a datagram of 1,189 and a piece of 28. Cut as if it went on from the first's last piece (a frame
  // of 33 bytes), the second's first datagram would be 1,156 bytes.
  for (let i = 1; i <= 2; i++) {
    sizes.length = 0;
    peer.send(new Uint8Array(1200).fill(i));
    stepUntil(() => messages(serverEvents).length === i, `message ${i} arrives`, 100);
    assert.equal(Math.max(...sizes), 1189, `message ${i}: datagrams of ${sizes.join(", ")} bytes`);
  }
});

Deno.test("Host fills its packets with a backlog of messages in pieces, in order and intact", () => {
  const { peer, client, stepUntil, serverEvents } = pair();
  stepUntil(() => peer.state === "connected", "connected");
  // 1,200 bytes pack to 1,203, over the 1,175 of a piece at the default mtu: each message is two pieces. Each
  // message's first piece fills the packet its predecessor's last piece went in: 103 packets here, not 200.
  const sent = Array.from({ length: 100 }, (_, i) => new Uint8Array(1200).fill(i));
  const packetsBefore = client.stats.packetsSent;
  for (const message of sent) peer.send(message);
  stepUntil(() => messages(serverEvents).length === sent.length, "100 messages arrive", 100);
  assert.deepEqual(messages(serverEvents).map((event) => event.data), sent);
  const packets = client.stats.packetsSent - packetsBefore;
  assert.ok(packets <= 105, `${packets} packets for 100 messages of 1,203 bytes`);
});

Deno.test("Host's RTT takes no lost ack's late re-ack for a round trip, and still follows a real rise", () => {
  for (const seed of [3, 5]) { // the two of seeds 1-5 where a re-ack once made a 40 ms RTT read 273 ms
    const { peer, step, net } = pair({ latencyMs: 20, loss: 0.3, seed });
    for (let i = 0; i < 60 * 60; i++) { // a minute, mostly idle: a message every 10 s, keepalives
      if (i % 600 === 0 && peer.state === "connected") peer.send("ping");
      step();
    }
    assert.equal(peer.state, "connected");
    assert.ok(peer.stats.rttMs < 80, `RTT ${peer.stats.rttMs} ms for a true 40 (seed ${seed})`);
    // The path grows to 200 ms each way: a message a tick, and within 5 s the estimate follows.
    net.link("client", "server", { latencyMs: 200, seed });
    net.link("server", "client", { latencyMs: 200, seed });
    for (let i = 0; i < 300; i++) {
      peer.send(i);
      step();
    }
    assert.ok(peer.stats.rttMs > 350, `RTT ${peer.stats.rttMs} ms for a true 400 (seed ${seed})`);
  }
});

Deno.test("Host's RTT follows a rise of 10 times within 1.2 s: a sample counts for up to twice the estimate and the ack delay", () => {
  // A sample is taken as at most 2 × rttMs + ACK_DELAY_MS (a lost ack's late re-ack is no round trip), so a real rise
  // from 40 to 400 ms is followed at about 1/8 more a sample: past 350 ms 1.2 s after the rise. Capped at once the
  // RTT and the ack delay, the estimate grew by about 4 ms a sample, and took seconds.
  const { peer, server, step, net } = pair({ latencyMs: 20 });
  const busy = () => {
    if (peer.state === "connected") peer.send(0, { mode: "unreliable" });
    for (const other of server.peers) other.send(0, { mode: "unreliable" });
    step();
  };
  for (let i = 0; i < 100; i++) busy();
  assert.ok(peer.stats.rttMs < 60, `RTT ${peer.stats.rttMs} ms for a true 40`);
  net.link("client", "server", { latencyMs: 200 });
  net.link("server", "client", { latencyMs: 200 });
  for (let i = 0; i < 75; i++) busy(); // 1.2 s
  assert.ok(peer.stats.rttMs > 350, `RTT ${peer.stats.rttMs} ms for a true 400`);
});

Deno.test("maxPeers is 64 by default: 64 players connect, the 65th is refused as full", () => {
  const net = memoryNet({ latencyMs: 5 });
  const server = new Host(net.socket("server"));
  const clients = Array.from({ length: 65 }, (_, i) => new Host(net.socket(`player ${i}`)));
  const peers = clients.slice(0, 64).map((client) => client.connect("server"));
  const ends: string[] = []; // the 65th's
  const step = () => {
    for (const host of [...clients, server]) host.update();
    net.advance(16);
    for (const host of [...clients, server]) {
      for (const event of drain(host)) if (host == clients[64] && event.type == "disconnect") ends.push(event.reason);
    }
  };
  for (let i = 0; i < 10; i++) step();
  clients[64].connect("server");
  for (let i = 0; i < 10; i++) step();
  assert.equal(peers.filter((peer) => peer.state === "connected").length, 64);
  assert.equal(server.peers.length, 64);
  assert.deepEqual(ends, ["full"]);
});

Deno.test("a peer the Host timed out leaves its table: its place under maxPeers is free again", () => {
  // The server ends a silent peer in update() and sends its goodbyes; once they went, update() forgets it. Kept, it
  // held its place under maxPeers for good: the next player was refused as "full".
  const net = memoryNet({ latencyMs: 10 });
  const server = new Host(net.socket("server"), { now: net.now, maxPeers: 1, timeout: 1000 });
  let gone = false; // the first player's machine: nothing in or out (its acks of the goodbyes would end it too)
  const first = new Host(filtered(net.socket("first"), () => !gone), { now: net.now, timeout: 1000 });
  const second = new Host(net.socket("second"), { now: net.now, timeout: 1000 });
  let hosts = [server, first];
  const serverEvents: string[] = [];
  const step = () => {
    for (const host of hosts) host.update();
    net.advance(TICK_MS);
    for (const host of hosts) {
      for (let event; (event = host.poll());) {
        if (host === server) serverEvents.push(event.type === "disconnect" ? event.reason : event.type);
      }
    }
  };
  first.connect("server");
  for (let i = 0; i < 10; i++) step();
  assert.deepEqual(serverEvents, ["connect"]);
  hosts = [server]; // the first player's game stops: no packet, no goodbye
  gone = true;
  for (let i = 0; i < 1000 / TICK_MS + 20; i++) step();
  assert.deepEqual(serverEvents, ["connect", "timeout"]);
  hosts = [server, second];
  const peer = second.connect("server");
  for (let i = 0; i < 10; i++) step();
  assert.equal(peer.state, "connected", "the second player gets the place the first one left");
  assert.deepEqual(serverEvents, ["connect", "timeout", "connect"]);
});

Deno.test("Host handshake: connect, refuse when full, time out, close gracefully", () => {
  const net = memoryNet({ latencyMs: 10 });
  const server = new Host(net.socket("server"), { now: net.now, maxPeers: 1, timeout: 2000 });
  const first = new Host(net.socket("first"), { now: net.now, timeout: 2000 });
  const second = new Host(net.socket("second"), { now: net.now, timeout: 2000 });
  const hosts = [server, first, second];
  const events = new Map<Host, HostEvent[]>(hosts.map((host) => [host, []]));
  const step = () => {
    for (const host of hosts) host.update();
    net.advance(TICK_MS);
    for (const host of hosts) for (let event; (event = host.poll());) events.get(host)!.push(event);
  };
  const firstPeer = first.connect("server");
  for (let i = 0; i < 10; i++) step();
  assert.equal(firstPeer.state, "connected");
  assert.deepEqual(events.get(server)!.map((event) => event.type), ["connect"]);
  const secondPeer = second.connect("server");
  for (let i = 0; i < 10; i++) step();
  assert.equal(secondPeer.state, "disconnected");
  assert.deepEqual(events.get(second)!.map((event) => event.type === "disconnect" && event.reason), ["full"]);
  firstPeer.disconnect();
  for (let i = 0; i < 10; i++) step();
  assert.deepEqual(events.get(server)!.map((event) => event.type === "disconnect" ? event.reason : event.type), [
    "connect",
    "closed",
  ]);
  assert.equal(server.peers.length, 0);
  // Now the server goes silent: the second client, connected at last, times out.
  second.connect("server");
  for (let i = 0; i < 10; i++) step();
  assert.equal(server.peers.length, 1);
  hosts.splice(0, 1);
  for (let i = 0; i < 2000 / TICK_MS + 5; i++) step();
  assert.deepEqual(events.get(second)!.map((event) => event.type === "disconnect" ? event.reason : event.type), [
    "full",
    "connect",
    "timeout",
  ]);
});

Deno.test("Host: 10,000 spoofed connect requests create no peer, and no reply is larger than its request", () => {
  const net = memoryNet();
  const server = new Host(net.socket("server"), { now: net.now });
  const replies: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const spoofed = net.socket(`10.0.${i >> 8}.${i & 255}:9`);
    spoofed.listen((data) => replies.push(data.length));
    const request = Uint8Array.of(1, 0, 0, 0, 0, i >> 24, i >> 16, i >> 8, i, 0, 0, 0, 0);
    spoofed.send(request, "server");
  }
  net.advance(1);
  server.update();
  assert.equal(replies.length, 10_000);
  assert.ok(replies.every((size) => size <= 13), "a challenge is no larger than its 13-byte hello");
  assert.equal(server.peers.length, 0);
  assert.equal(server.poll(), undefined);
});

Deno.test("Host: a handshake's kind byte in a datagram of any other length than 13 gets no reply and makes no peer", () => {
  // A 1-byte datagram of kind HELLO read as a whole HELLO (of protocol 0) would be answered with a 13-byte REFUSED:
  // a reply 13 times its request.
  const net = memoryNet();
  const server = new Host(net.socket("server"), { now: net.now });
  const replies: number[] = [];
  const stranger = net.socket("10.0.0.1:9");
  stranger.listen((data) => replies.push(data.length));
  const hello = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0); // protocol 0, nonce 7, no cookie
  for (const kind of [1, 2, 3]) {
    for (let length = 1; length <= 16; length++) {
      if (length == 13) continue;
      const datagram = new Uint8Array(length);
      datagram.set(hello.subarray(0, Math.min(length, 13)));
      datagram[0] = kind;
      stranger.send(datagram, "server");
    }
  }
  net.advance(1);
  server.update();
  assert.deepEqual(replies, []);
  assert.equal(server.peers.length, 0);
  // The same HELLO at its length is answered (the test can fail): a CHALLENGE, as protocol 0 is the server's (the
  // default), of 13 bytes.
  stranger.send(hello, "server");
  net.advance(1);
  assert.deepEqual(replies, [13]);
});

Deno.test("a packet's size does not depend on how the game interleaves two streams' sends", () => {
  // The chosen pieces go stream by stream, so that each after the first of its stream is a NEXT frame: two modes of
  // one channel as compact as two channels. (Unreliable frames carry no sequence, so none of them is a NEXT frame.)
  const largest = (second: SendOptions) => {
    const sizes: number[] = [];
    const { peer, step, stepUntil } = pair({}, {}, {
      client: {
        socket: (inner) => ({ ...inner, send: (data, to) => (sizes.push(data.length), inner.send(data, to)) }),
      },
    });
    stepUntil(() => peer.state === "connected", "the client is connected");
    sizes.length = 0;
    for (let i = 0; i < 6; i++) {
      peer.send(i, { channel: 0 });
      peer.send(i, second);
    }
    step();
    return Math.max(...sizes);
  };
  // On another channel the first frame of the second stream holds its channel byte: one byte more.
  for (const mode of ["unordered", "sequenced"] as const) {
    assert.equal(largest({ channel: 0, mode }), largest({ channel: 1, mode }) - 1, mode);
  }
});

Deno.test("Host survives 200,000 random and bit-flipped datagrams and counts them", () => {
  const { peer, step, stepUntil, server, serverEvents, net } = pair({ latencyMs: 10, seed: 9 });
  stepUntil(() => peer.state === "connected", "the client is connected");
  for (let i = 0; i < 20; i++) {
    peer.send({ i, pad: "p".repeat(i * 10) }, { mode: MODE_NAMES[i % 4], channel: i % 3 });
    step();
  }
  const forger = net.socket("client"); // sends as the connected client, without taking its listener
  const random = seeded(77);
  const invalidBefore = server.stats.invalidDropped;
  for (let i = 0; i < 200_000; i++) {
    let datagram: Uint8Array;
    if (i % 2) {
      datagram = Uint8Array.from({ length: 1 + Math.floor(random() * 60) }, () => Math.floor(random() * 256));
    } else {
      datagram = pack({ i, x: random() }).slice();
      datagram = Uint8Array.from([0x80 | (i & 31), ...datagram]);
      const bit = Math.floor(random() * datagram.length * 8);
      datagram[bit >> 3] ^= 1 << (bit & 7);
    }
    forger.send(datagram, "server");
    if (i % 1000 === 999) net.advance(11); // past the 10 ms latency: deliver this batch
  }
  assert.ok(server.stats.invalidDropped - invalidBefore > 190_000, `counted ${server.stats.invalidDropped}`);
  const before = serverEvents.length;
  peer.send("still here");
  for (let i = 0; i < 30; i++) step();
  assert.equal(peer.state, "connected");
  assert.ok(messages(serverEvents.slice(before)).some((event) => event.data === "still here"));
});

Deno.test("README wire examples match the datagrams two Hosts send, byte for byte", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", import.meta.url));
  const table = readme.slice(readme.indexOf("<!-- wire examples"));
  const rows = [...table.matchAll(/^\| (\d+) \| (\w+) +\|.*\| `([0-9a-f ]+)` +\|$/gm)];
  assert.equal(rows.length, 6, "the README lists six wire examples");

  const sent: { from: string; hex: string }[] = [];
  {
    // Fixed randomness: every random byte is 7, so the nonce is 0x07070707 and the cookie and tags are fixed too.
    const random = (bytes: Uint8Array) => void bytes.fill(7);
    const net = memoryNet();
    const recorded = (address: string): Socket => {
      const socket = net.socket(address);
      return {
        send(data, to) {
          sent.push({ from: address, hex: [...data].map((byte) => byte.toString(16).padStart(2, "0")).join(" ") });
          socket.send(data, to);
        },
        listen: (receive) => socket.listen(receive),
        close: () => socket.close(),
      };
    };
    const server = new Host(recorded("server"), { now: net.now, random });
    const client = new Host(recorded("client"), { now: net.now, random });
    const peer = client.connect("server");
    for (let i = 0; i < 3; i++) {
      net.advance(1);
      client.update();
      server.update();
    }
    assert.equal(peer.state, "connected");
    peer.send("hi");
    peer.send("ho");
    client.update();
    net.advance(1);
    server.update();
    peer.send("hi", { mode: "unreliable", channel: 2 });
    client.update();
  }
  assert.equal(sent.length, rows.length);
  for (const [i, [, number, from, hex]] of rows.entries()) {
    assert.equal(Number(number), i + 1);
    assert.deepEqual(sent[i], { from, hex }, `README wire example ${number}`);
  }
});

Deno.test("Host sends each reliable piece once on a clean link once measured, and again in later packets once packets are lost", () => {
  // Resends after the first 50 messages (50 packets), and in all.
  const resent = (link: LinkOptions) => {
    const { peer, step, stepUntil, serverEvents } = pair({ latencyMs: 40, ...link });
    stepUntil(() => peer.state === "connected", "the client is connected");
    let early = 0;
    for (let i = 0; i < 300; i++) {
      if (i === 50) early = peer.stats.messagesResent;
      peer.send(i);
      step();
    }
    for (let i = 0; i < 100; i++) step();
    assert.deepEqual(messages(serverEvents).map((message) => message.data), [...Array(300).keys()]);
    return [early, peer.stats.messagesResent];
  };
  const [early, all] = resent({});
  assert.ok(early > 0, "the first 32 packets carry copies: the link is not measured yet");
  assert.equal(all, early, "then nothing is sent twice on a perfect link");
  // At 20% loss each piece rides along in later packets: far more copies than the ~60 pieces lost.
  assert.ok(resent({ loss: 0.2, seed: 3 })[1] > 300, "pieces ride again under loss");
});

Deno.test("Host measures the RTT on both sides of a one-way stream; acks take no sequence number", () => {
  const net = memoryNet({ latencyMs: 40 });
  const acks: Uint8Array[] = [];
  const serverSocket = net.socket("server");
  const server = new Host({ ...serverSocket, send: (data, to) => (acks.push(data), serverSocket.send(data, to)) }, {
    now: net.now,
  });
  const client = new Host(net.socket("client"), { now: net.now });
  const peer = client.connect("server");
  for (let i = 0; i < 200; i++) {
    if (peer.state === "connected") peer.send(i);
    client.update();
    server.update();
    net.advance(16);
  }
  const receiver = server.peers[0];
  // 80 ms there and back, plus up to an ack delay (33 ms) and a tick (16 ms) of waiting.
  for (const [side, stats] of [["sender", peer.stats], ["receiver", receiver.stats]] as const) {
    assert.ok(stats.rttMs >= 80 && stats.rttMs <= 80 + 33 + 16, `${side} RTT ${stats.rttMs}`);
  }
  // The receiver only acks. Its acks (flag 0x40) reuse the next sequence number; every 32nd packet takes
  // one, which is how the receiver measures its RTT.
  const sequences = acks.filter((data) => data[0] >= 0x80).map((data) => [data[0] & 0x40, data[1] * 256 + data[2]]);
  const taken = sequences.filter(([ackOnly]) => !ackOnly).length;
  assert.ok(sequences.length > 50 && taken >= 2 && taken <= sequences.length / 16, `${taken} of ${sequences.length}`);
  assert.equal(new Set(sequences.map(([, sequence]) => sequence)).size, taken + 1);
});

Deno.test("Host acks every packet of a fast sender: no resends on a clean link at 64 packets per update", () => {
  const { peer, step, stepUntil, serverEvents } = pair({ latencyMs: 5 }, { packetsPerUpdate: 64 });
  stepUntil(() => peer.state === "connected", "the client is connected");
  const payload = new Uint8Array(100);
  for (let i = 0; i < 5000; i++) peer.send(payload);
  for (let i = 0; i < 200; i++) step();
  assert.equal(messages(serverEvents).length, 5000);
  // Each ack covers 33 packets; 64 arrive between the receiver's updates, so it must ack without waiting:
  // when it did not, 4015 of the 5000 were resent. A few still are: the ack of a burst's last packets
  // waits for the receiver's update (ACK_DELAY_MS rounded up to its 16 ms ticks).
  assert.ok(peer.stats.messagesResent < 100, `${peer.stats.messagesResent} resent`);
});

Deno.test("Two idle Hosts send about a keepalive and its ack a second, and do not ack each other's acks", () => {
  const { client, server, peer, step } = pair({ latencyMs: 20 });
  for (let i = 0; i < 100; i++) step();
  assert.equal(peer.state, "connected");
  const before = [client.stats.packetsSent, server.stats.packetsSent];
  for (let i = 0; i < 625; i++) step(); // 10 s
  const sent = [client.stats.packetsSent - before[0], server.stats.packetsSent - before[1]];
  // Acking acks was 156 packets each in these 10 s: an ack every 33 ms, forever.
  assert.ok(sent.every((count) => count >= 10 && count <= 25), `packets sent in 10 idle s: ${sent}`);
  assert.equal(peer.state, "connected");
});

/**
 * A client and a server on a memoryNet of `latencyMs` one way; a datagram from the client is lost when `drop()`
 * says so. `run(n)` sends n messages, one a tick, and returns the client's messagesResent (copies count there).
 */
function lossyClient(latencyMs: number, drop: () => boolean) {
  const net = memoryNet({ latencyMs });
  const inner = net.socket("client");
  const socket = { ...inner, send: (data: Uint8Array, to: string) => drop() || inner.send(data, to) };
  const server = new Host(net.socket("server"), { now: net.now });
  const client = new Host(socket, { now: net.now });
  const peer = client.connect("server");
  const run = (messageCount: number) => {
    for (let i = 0; i < messageCount; i++) {
      if (peer.state === "connected") peer.send(i);
      client.update();
      server.update();
      net.advance(TICK_MS);
      while (server.poll());
    }
    return peer.stats.messagesResent;
  };
  return { peer, run };
}

Deno.test("Host's copies follow the loss of the last 256 packets: a lucky run of 150 acks leaves no piece alone", () => {
  let lossy = true;
  let count = 0;
  // Every twentieth datagram from the client is lost (5%) while `lossy` holds.
  const { peer, run } = lossyClient(40, () => lossy && ++count % 20 === 0);
  run(400);
  lossy = false;
  const lucky = run(150);
  // Stats.loss, over about 32 packets, is near 0 by now; the last 256 packets still lost about 2%: a second copy.
  assert.ok(peer.stats.loss < 0.001, `the short estimate ${peer.stats.loss}`);
  const rides = run(20) - lucky;
  assert.ok(rides >= 15, `${rides} copies of 20 messages`);
});

Deno.test("Host sends more copies on a long link, where a piece lost whole holds up more messages", () => {
  // The same loss, every tenth datagram from the client, one way 30 ms and 250 ms: on the long link (an RTT over
  // 500 ms) the chance left for all of a piece's copies to be lost falls with the RTT, and a fourth copy rides.
  const ridesPerMessage = (latencyMs: number) => {
    let count = 0;
    const { run } = lossyClient(latencyMs, () => ++count % 10 === 0);
    const before = run(600);
    return (run(100) - before) / 100;
  };
  const short = ridesPerMessage(30);
  const long = ridesPerMessage(250);
  assert.ok(short > 1.5 && short < 2.5, `${short} rides a message on the short link: three copies at 10% loss`);
  assert.ok(long > 2.5, `${long} rides a message on the long link`);
});

Deno.test("Host's RTT never goes below 0 when its clock steps back, and a clean link keeps one copy", () => {
  // A Date.now clock stepped back 1 s (a correction) gave a negative sample, and the estimate then ran off to minus
  // infinity (each later sample capped at twice it); with it the chance left for a piece lost whole went negative
  // and every piece went four times on a clean link.
  const net = memoryNet({ latencyMs: 30, seed: 1 });
  let skew = 0;
  const server = new Host(net.socket("server"), { now: net.now });
  const client = new Host(net.socket("client"), { now: () => net.now() + skew });
  const peer = client.connect("server");
  let before = 0;
  for (let i = 0; i < 1200; i++) {
    if (i === 300) skew = -1000;
    if (i === 600) before = peer.stats.messagesResent;
    if (peer.state === "connected") peer.send(i);
    client.update();
    server.update();
    net.advance(TICK_MS);
    while (server.poll());
  }
  assert.equal(peer.state, "connected");
  assert.ok(peer.stats.rttMs >= 60 && peer.stats.rttMs < 200, `RTT ${peer.stats.rttMs} ms`);
  assert.equal(peer.stats.messagesResent - before, 0, "no piece sent twice on the clean link");
});

/**
 * Sends 60 messages, one an update, from a client whose Host counts the fates (acked or lost) of its data packets by the
 * acks that arrive, and says with how many fates known copies rode along (a resend in that update) and none did. The
 * client's data packets take sequences from 0, all acked in order, so an ack of packet n is n + 1 fates. With
 * `serverSends`, the server sends each update too, so that each of its packets acks one more: the fates known go up one
 * an update.
 */
function copiesByFatesKnown(serverSends: boolean): { copiesAt: number[]; noneAt: number[] } {
  const net = memoryNet({ latencyMs: 20 });
  let fates = 0;
  const server = new Host(net.socket("server"), { now: net.now });
  const socket = net.socket("client");
  const client = new Host({
    ...socket,
    listen: (receive, event) =>
      socket.listen((data, from) => {
        const ack = ((data[1] << 8 | data[2]) - (data[0] & 0x10 ? data[3] << 8 | data[4] : data[3])) & 0xffff;
        if (data[0] >= 0x80 && ack < 0x8000) fates = Math.max(fates, ack + 1); // 65,535 before any: none
        receive(data, from);
      }, event),
  }, { now: net.now });
  const peer = client.connect("server");
  for (let i = 0; i < 10; i++) client.update(), server.update(), net.advance(16), drain(server), drain(client);
  const copiesAt: number[] = [];
  const noneAt: number[] = [];
  for (let i = 0; i < 60; i++) {
    peer.send(i);
    if (serverSends) { for (const other of server.peers) other.send(i, { mode: "unreliable" }); }
    const [resent, known] = [peer.stats.messagesResent, fates];
    client.update(), server.update(), net.advance(16), drain(server), drain(client);
    (peer.stats.messagesResent > resent ? copiesAt : noneAt).push(known);
  }
  return { copiesAt, noneAt };
}

Deno.test("Host sends copies to ride again until the fates of 32 data packets are known, not one fewer", () => {
  // Before 32 of its packets were acked or lost, a sender takes 20% loss for granted and copies of the pieces in
  // flight ride along; from the 32nd fate on, it goes by what it measured: none on a clean link.
  const { copiesAt, noneAt } = copiesByFatesKnown(false);
  assert.ok(Math.max(...copiesAt) < 32, `copies rode with ${copiesAt} fates known`);
  assert.ok(Math.min(...noneAt.slice(1)) >= 32, `none rode with ${noneAt} fates known`); // the first: nothing in flight
});

Deno.test("Host sends no copy to ride in the update when exactly 32 fates of its data packets are known", () => {
  // The fates known go up one an update, so one update has exactly 32 (the 32nd fate counts: a copy rode there when the
  // first loss was taken for 32 packets and one more).
  const { copiesAt, noneAt } = copiesByFatesKnown(true);
  assert.ok(noneAt.includes(32), `none rode with ${noneAt} fates known`);
  assert.ok(Math.max(...copiesAt) < 32, `copies rode with ${copiesAt} fates known`);
});

Deno.test("Host stops sending pieces again once the link turns clean", () => {
  let lossy = true;
  let count = 0;
  // Every fifth datagram from the client is lost while `lossy` holds.
  const { peer, run } = lossyClient(40, () => lossy && ++count % 5 === 0);
  const lossyResends = run(200);
  assert.ok(lossyResends > 200, "pieces ride again while packets are lost");
  lossy = false;
  const settled = run(300); // the loss estimate decays as packets are acked
  assert.ok(peer.stats.loss < 0.0013, `loss estimate ${peer.stats.loss}`);
  assert.equal(run(200) - settled, 0, "no piece is sent twice on the clean link");
});

// ─── regressions the mutants found (issue #7) ───────────────────────────────
// Each test below fails on one deliberate bug of scripts/mutants.ts (`deno task mutants`), which the
// tests above let through.

Deno.test("Host: 10,000 HELLOs with random non-zero cookies create no peer; every reply is a 13-byte CHALLENGE", () => {
  const net = memoryNet();
  const server = new Host(net.socket("server"), { now: net.now });
  const replies: Uint8Array[] = [];
  const random = seeded(16);
  for (let i = 0; i < 10_000; i++) {
    const spoofed = net.socket(`10.1.${i >> 8}.${i & 255}:9`);
    spoofed.listen((data) => replies.push(data));
    const cookie = 1 + Math.floor(random() * 0xfffffffe); // 1 to 2^32 - 1: a guess, never the "no cookie" 0
    const hello = [1, 0, 0, 0, 0, i >>> 24, i >>> 16, i >>> 8, i, cookie >>> 24, cookie >>> 16, cookie >>> 8, cookie];
    spoofed.send(Uint8Array.from(hello, (value) => value & 255), "server");
  }
  net.advance(1);
  server.update();
  net.advance(1);
  assert.equal(replies.length, 10_000);
  const other = replies.find((reply) => reply.length !== 13 || reply[0] !== 2);
  assert.equal(other && toHex(other), undefined, "every reply is a CHALLENGE (kind 2) of 13 bytes");
  assert.equal(server.peers.length, 0);
  assert.equal(server.poll(), undefined);
});

// The least share of "sequenced" and "unreliable" messages that arrives over each lossy link, per seed, 10
// seeds, one message per tick: measured 0.935, 0.616 and 0.579 for sequenced (0.935, 0.744 and 0.579 for
// unreliable; bursts of 10 lost in a row make the spread). Sequenced drops more at 20%: its 40 ms jitter
// reorders, and an older message is dropped once a newer arrived. A sender that drops these messages while
// its measured loss is over 1% delivers next to none.
const DELIVERY_FLOORS: [string, LinkOptions, Record<"sequenced" | "unreliable", number>][] = [
  ["5% loss", LINKS[1][1], { sequenced: 0.85, unreliable: 0.85 }],
  ["20% loss with jitter", LINKS[2][1], { sequenced: 0.5, unreliable: 0.65 }],
  ["bursts of loss", LINKS[3][1], { sequenced: 0.45, unreliable: 0.45 }],
];

for (const mode of ["sequenced", "unreliable"] as const) {
  Deno.test(`Host delivers at least a floor share of "${mode}" messages over each seeded lossy link`, () => {
    for (const [linkName, link, floors] of DELIVERY_FLOORS) {
      for (let seed = 1; seed <= 10; seed++) {
        const { peer, step, stepUntil, serverEvents } = pair({ ...link, seed });
        stepUntil(() => peer.state === "connected", "the client is connected");
        for (let tick = 0; tick < 300; tick++) {
          peer.send(tick, { mode });
          step();
        }
        for (let tick = 0; tick < 20; tick++) step();
        const ratio = messages(serverEvents).length / 300;
        assert.ok(ratio >= floors[mode], `${linkName}, seed ${seed}: ${ratio} arrived, the floor is ${floors[mode]}`);
      }
    }
  });
}

Deno.test("unpack() rejects a length claim past the input before allocating, with the exact error", () => {
  const cases: [string, string, string][] = [
    ["an array32 of 2^32 - 1 elements", "dd ff ff ff ff", "needs 4294967295 bytes, has 0 at byte 5"],
    [
      "an array32 of 256 elements in 10 bytes",
      "dd 00 00 01 00" + " 00".repeat(10),
      "needs 256 bytes, has 10 at byte 5",
    ],
    // A pair takes at least 2 bytes.
    ["a map32 of 2^32 - 1 pairs", "df ff ff ff ff", "needs 8589934590 bytes, has 0 at byte 5"],
    ["a map32 of 256 pairs in 300 bytes", "df 00 00 01 00" + " 00".repeat(300), "needs 512 bytes, has 300 at byte 5"],
    ["a bin32 of 4 GiB", "c6 ff ff ff ff", "needs 4294967295 bytes, has 0 at byte 5"],
    ["an ext32 of 4 GiB", "c9 ff ff ff ff 05", "needs 4294967295 bytes, has 0 at byte 6"],
    // 768 bytes that claim 256 × 65535 elements: checked first, this costs nothing; allocated first, 133 MiB.
    ["256 nested array16 headers", "dc ff ff ".repeat(256), "needs 65535 bytes, has 765 at byte 3"],
  ];
  for (const [name, bytes, message] of cases) {
    assert.throws(
      () => unpack(hex(bytes)),
      { name: "RangeError", message: `Cannot unpack: truncated: ${message}` },
      name,
    );
  }
});

/** A socket that passes what `keep` allows on to `inner`, and drops the rest. */
function filtered(inner: Socket, keep: (data: Uint8Array) => boolean): Socket {
  return { ...inner, send: (data, to) => keep(data) && inner.send(data, to) };
}

Deno.test("Host treats a sequenced message exactly 32768 ahead of the newest as old, and one 32767 ahead as new", () => {
  const net = memoryNet({ latencyMs: 10 });
  let lost = false;
  // The server hears nothing while the client's packets are lost: a congestion window with no acks sends one
  // packet each 48 ms (three updates), so the loss lasts about 30 s, past the default timeout.
  const server = new Host(net.socket("server"), { now: net.now, timeout: 60_000 });
  // 65,533 messages queued while lost, 259 bytes each with the bookkeeping of its piece: past the default 4 MiB.
  const client = new Host(filtered(net.socket("client"), () => !lost), {
    now: net.now,
    packetsPerUpdate: 64,
    maxQueuedBytes: 32 << 20,
  });
  const peer = client.connect("server");
  const got: string[] = [];
  const step = () => {
    client.update();
    server.update();
    net.advance(TICK_MS);
    for (const { data, channel } of messages(drain(server))) got.push(`${channel}:${data}`);
    drain(client);
  };
  for (let steps = 0; got.length < 2; steps++) {
    assert.ok(steps < 100, "the first messages arrive");
    if (steps === 10) {
      assert.equal(peer.state, "connected");
      peer.send("first", { mode: "sequenced", channel: 0 });
      peer.send("first", { mode: "sequenced", channel: 1 });
    }
    step();
  }
  // Sequences 1 to 32767 on channel 0 and 1 to 32766 on channel 1 are lost: about 720 packets, within the
  // 1024 a packet sequence may jump.
  lost = true;
  for (let i = 1; i < 32768; i++) peer.send(i, { mode: "sequenced", channel: 0 });
  for (let i = 1; i < 32767; i++) peer.send(i, { mode: "sequenced", channel: 1 });
  // Until no packet left for 5 updates (80 ms: a full window lets one go after 33 ms of quiet).
  for (let sent = -1, quiet = 0, i = 0; quiet < 5; i++) {
    assert.ok(i < 5000, "every lost message left");
    quiet = sent === peer.stats.packetsSent ? quiet + 1 : 0;
    sent = peer.stats.packetsSent;
    step();
  }
  lost = false;
  peer.send("half the range ahead", { mode: "sequenced", channel: 0 }); // sequence 32768: behind 0
  peer.send("just under half ahead", { mode: "sequenced", channel: 1 }); // sequence 32767: ahead of 0
  for (let i = 0; i < 10; i++) step();
  assert.deepEqual(got, ["0:first", "1:first", "1:just under half ahead"]);
});

/** Every event the Host has ready. */
function drain(host: Host): HostEvent[] {
  const events: HostEvent[] = [];
  for (let event; (event = host.poll());) events.push(event);
  return events;
}

Deno.test("Host: 3,000 messages queued while the first packets are lost stay within the receive window: nothing counted invalid", () => {
  const net = memoryNet({ latencyMs: 20 });
  let dropped = 0;
  // The first three packets that carry messages are lost: message 0 waits for its resend while the sender
  // fills the receiver's window of 1024 behind it.
  const client = new Host(filtered(net.socket("client"), (data) => data.length < 100 || ++dropped > 3), {
    now: net.now,
  });
  const server = new Host(net.socket("server"), { now: net.now });
  const peer = client.connect("server");
  const got: unknown[] = [];
  for (let i = 0; i < 3000; i++) peer.send(i);
  for (let steps = 0; got.length < 3000; steps++) {
    assert.ok(steps < 1000, `${got.length} of 3000 arrived after 1000 steps`);
    client.update();
    server.update();
    net.advance(TICK_MS);
    got.push(...messages(drain(server)).map(({ data }) => data));
    drain(client);
  }
  assert.equal(dropped > 3, true);
  assert.deepEqual(got, [...Array(3000).keys()]);
  assert.equal(server.stats.invalidDropped, 0, "the server counted honest packets as invalid");
  assert.equal(client.stats.invalidDropped, 0, "the client counted honest packets as invalid");
});

/**
 * A client and server on a clean 20 ms link, connected and past the first 32 packets (so the loss estimate is
 * measured, 0, and nothing rides along), with `lose(data)` deciding which client datagrams are lost.
 */
function measuredPair(lose: (data: Uint8Array) => boolean) {
  const net = memoryNet({ latencyMs: 20 });
  const server = new Host(net.socket("server"), { now: net.now });
  const client = new Host(filtered(net.socket("client"), (data) => !lose(data)), { now: net.now });
  const peer = client.connect("server");
  const got: unknown[] = [];
  const step = () => {
    client.update();
    server.update();
    net.advance(TICK_MS);
    got.push(...messages(drain(server)).map(({ data }) => data));
    drain(client);
  };
  for (let i = 0; i < 110; i++) {
    if (peer.state === "connected" && i < 100) peer.send(i);
    step();
  }
  assert.ok(got.length > 80 && peer.stats.loss === 0, "connected and measured");
  got.length = 0;
  return { net, peer, got, step };
}

Deno.test("Host resends a lost last packet on a clean link by its timer, though no later packet shows it lost", () => {
  let loseNext = false;
  const lose = (data: Uint8Array) => {
    // Acks and keepalives are at most 10 bytes; the one packet with the message is lost.
    if (!loseNext || data.length <= 10) return false;
    loseNext = false;
    return true;
  };
  const { net, peer, got, step } = measuredPair(lose);
  const resentBefore = peer.stats.messagesResent;
  loseNext = true;
  peer.send("the last message");
  const sentAt = net.now();
  for (let steps = 0; !got.length; steps++) {
    // The resend timer is the RTT (about 40 ms) + 4 RTTVAR + the 33 ms ack delay; the next packet that
    // would take a sequence number (and could reveal the loss) is a keepalive 32 seconds away.
    assert.ok(steps < 40, "the last message arrived within 640 ms");
    step();
  }
  assert.equal(loseNext, false, "its first packet was lost");
  assert.deepEqual(got, ["the last message"]);
  assert.equal(peer.stats.messagesResent - resentBefore, 1);
  assert.ok(net.now() - sentAt < 400, `arrived ${net.now() - sentAt} ms after it was sent`);
});

Deno.test("Host backs off: the gaps between resends of a message nobody acks grow by half each time", () => {
  let blackHole = false;
  const resends: number[] = [];
  const message = [...pack("into the void")].join(",");
  const { net, peer, step } = measuredPair((data) => {
    if (blackHole && data.join(",").includes(message)) resends.push(net.now());
    return blackHole;
  });
  blackHole = true;
  peer.send("into the void");
  for (let i = 0; i < 250; i++) step(); // 4 s
  assert.ok(resends.length >= 7, `sent ${resends.length} times in 4 s`);
  const gaps = resends.slice(1).map((at, i) => at - resends[i]);
  // Measured: 128, 192, 288, 416, 624, 928 and 1392 ms.
  for (let i = 1; i < 6; i++) assert.ok(gaps[i] >= 1.3 * gaps[i - 1], `each gap at least 1.3 times the last: ${gaps}`);
  // 1.5 ** 4 = 5.1; rounded to 16 ms ticks, at least 4 times the first.
  assert.ok(gaps[4] >= 4 * gaps[0], `the fifth gap is over 4 times the first: ${gaps}`);
});

Deno.test("Host sends a piece five times a round while it takes 20% loss for granted (four copies ride), and backs off by 1.5 a round", () => {
  // Copies ride while all sent would be lost together with a chance over RESIDUAL_LOSS (0.0013) at the loss taken
  // (20% before 32 fates are known): 0.2 ** 4 = 0.0016 is over it, so a fifth send goes, the most (MAX_COPIES). No ack
  // comes back: the piece goes again at the resend time (200 ms before any RTT sample), four copies riding after it,
  // then again 300 ms later. Counted by every send, ride copies included, the third round waited 1.5 ** 5 times the
  // resend time (1.5 s), and a fourth the 3 s cap: at 20% loss a piece lost twice kept its stream waiting seconds.
  const message = [...pack("rides")].join(",");
  const sends: number[] = [];
  const { net, peer, step } = pair({ latencyMs: 20 }, {}, {
    client: {
      socket: (inner) => filtered(inner, (data) => (data.join(",").includes(message) && sends.push(net.now()), true)),
    },
  });
  for (let i = 0; i < 10; i++) step(); // connected; no RTT measured yet (the client sent no data packet): 200 ms
  net.link("server", "client", { loss: 1 }); // no ack comes back
  peer.send("rides");
  for (let i = 0; i < 50; i++) step(), peer.send(i); // a packet each update, 16 ms apart
  const rounds = [0, 208, 512].map((start) => [0, 16, 32, 48, 64].map((ride) => start + ride)); // 512: 208 + 300, next update
  assert.deepEqual(sends.map((at) => at - sends[0]), rounds.flat());
});

Deno.test("Host's resend time is RFC 6298's: the smoothed RTT, four times its variance, and the ack delay, to the millisecond", () => {
  // A link with jitter, so that the variance counts (at a fixed latency it falls to 0, and its factor shows nowhere);
  // the client updates every millisecond once the message is lost, so its resend shows the time it was due.
  const marker = [...pack("lost once")].join(",");
  const sends: number[] = [];
  let due = 0;
  let variance = 0;
  const { net, peer, step } = pair({ latencyMs: 30, jitterMs: 14, seed: 5 }, {}, {
    client: {
      socket: (inner) =>
        filtered(inner, (data) => {
          if (!data.join(",").includes(marker)) return true;
          if (!sends.length) {
            variance = peer.stats.rttVarianceMs;
            due = net.now() + peer.stats.rttMs + 4 * variance + 33;
          }
          sends.push(net.now());
          return sends.length > 1; // its first send is lost
        }),
    },
  });
  for (let i = 0; i < 150; i++) peer.send(i), step(); // about 2.4 s: the clock's first samples are done, no loss seen
  peer.send("lost once");
  for (let i = 0; i < 400 && sends.length < 2; i++) step(1);
  assert.ok(variance > 4, `an RTT variance of ${variance} ms`);
  assert.ok(sends[1] >= due && sends[1] < due + 1, `due at ${due}, resent at ${sends[1]}`);
});

Deno.test("Host resends a whole message first, at its resend time, though new whole messages fill every packet", () => {
  // Resends due go before new messages of their kind: a lost small message behind a backlog of new ones (the client
  // sends one packet an update, each full) goes again in the first packet at or past its resend time. Planned with
  // the fragments', it waited for a packet where fragments go first (every fourth).
  const marker = [...pack("lost once")].join(",");
  const sends: number[] = [];
  let due = 0;
  let lose = false;
  const { net, peer, step } = pair({ latencyMs: 20 }, {}, {
    client: {
      options: { packetsPerUpdate: 1 },
      socket: (inner) =>
        filtered(inner, (data) => {
          if (!data.join(",").includes(marker)) return true;
          if (!sends.length) due = net.now() + peer.stats.rttMs + 4 * peer.stats.rttVarianceMs + 33; // dueAt
          sends.push(net.now());
          const keep = !lose; // its first send is lost
          lose = false;
          return keep;
        }),
    },
  });
  for (let i = 0; i < 60; i++) peer.send(i), step(); // connected; the loss measured at 0: no copies ride
  lose = true;
  peer.send("lost once");
  for (let i = 0; i < 30; i++) {
    // Whole messages of 1,170 bytes packed: a frame of 1,175 in a packet's 1,187 of room, none left for the resend.
    for (let k = 0; k < 2; k++) peer.send(new Uint8Array(1167));
    step();
  }
  assert.ok(sends.length >= 2, `sent at ${sends}`);
  assert.ok(sends[1] >= due && sends[1] < due + 16, `due at ${due}, resent at ${sends[1]}`);
});

Deno.test("Host's first resend goes at the resend time itself, 200 ms before any RTT sample; the backoff starts after it", () => {
  const message = [...pack("lost once")].join(",");
  const sends: number[] = [];
  let lose = true;
  const { net, peer, step, serverEvents } = pair({ latencyMs: 20 }, {}, {
    client: {
      socket: (inner) =>
        filtered(inner, (data) => {
          if (!data.join(",").includes(message)) return true;
          sends.push(net.now());
          const keep = !lose; // the first send of it is lost
          lose = false;
          return keep;
        }),
    },
  });
  for (let i = 0; i < 10; i++) step(20); // connected and acked; no RTT measured yet: the client sent no data packet
  assert.equal(peer.stats.rttMs, 0);
  peer.send("lost once");
  for (let i = 0; i < 16; i++) step(20); // 320 ms: nothing else goes that a copy could ride in
  // Sent at once, lost, and sent again by the update at 200 ms (updates 20 ms apart): due then, not an update later
  // (a copy to ride in a packet that never goes), nor 1.5 times as late (a backoff begun with the first send).
  assert.deepEqual(sends.map((at) => at - sends[0]), [0, 200]);
  assert.deepEqual(messages(serverEvents).map(({ data }) => data), ["lost once"]);
  assert.equal(peer.stats.messagesResent, 1);
});

Deno.test("a peer's count of messages not yet polled goes back to 0 once they are: none is held against it after", () => {
  // maxEvents 2 over a reliable socket, where a packet refused for a full queue ends its peer: a peer with fewer than
  // half of maxEvents not yet polled gets in up to twice it. A count left at 1 after a peer's first message was polled
  // made it refused at 2, and its message arriving while another player's two waited ended it.
  const net = memoryNet({ latencyMs: 10 });
  const socket = (address: string): Socket => ({ ...net.socket(address), reliable: true });
  const server = new Host(socket("server"), { maxEvents: 2 });
  const [a, b] = [new Host(socket("a")), new Host(socket("b"))];
  const [peerA, peerB] = [a.connect("server"), b.connect("server")];
  const step = () => {
    for (const host of [a, b, server]) host.update();
    net.advance(16);
    while (a.poll() || b.poll());
  };
  for (let i = 0; i < 10; i++) step(), drain(server);
  peerA.send("first");
  step(), step();
  assert.deepEqual(drain(server).map((event) => event.type === "message" && event.data), ["first"]);
  peerB.send(1), peerB.send(2);
  step(), step(); // b's two wait, not polled
  peerA.send("second");
  step(), step();
  const events = drain(server).map((event) => event.type === "message" ? event.data : event.type);
  assert.deepEqual(events, [1, 2, "second"]);
  assert.equal(peerA.state, "connected");
});

Deno.test("past twice maxEvents not yet polled every peer's messages wait, a peer's with none queued too", () => {
  // A peer with fewer than half of maxEvents not yet polled gets in up to twice maxEvents, no further: its packet is
  // refused (over UDP its sender sends it again) until the game polls.
  const net = memoryNet({ latencyMs: 10 });
  const server = new Host(net.socket("server"), { maxEvents: 2 });
  const [a, b] = [new Host(net.socket("a")), new Host(net.socket("b"))];
  const [peerA, peerB] = [a.connect("server"), b.connect("server")];
  const step = () => {
    for (const host of [a, b, server]) host.update();
    net.advance(16);
    while (a.poll() || b.poll());
  };
  for (let i = 0; i < 10; i++) step(), drain(server);
  for (let i = 0; i < 4; i++) peerB.send(i); // one packet: taken whole, 4 events
  step(), step();
  const invalid = server.stats.invalidDropped;
  peerA.send("waits");
  step(), step();
  assert.ok(server.stats.invalidDropped > invalid, "a's packet refused");
  assert.deepEqual(drain(server).map((event) => event.type === "message" && event.data), [0, 1, 2, 3]);
  for (let i = 0; i < 20; i++) step();
  assert.deepEqual(drain(server).map((event) => event.type === "message" && event.data), ["waits"]);
});

Deno.test("maxEvents is 4096 by default: a peer's messages fill the queue to exactly that, the rest refused", () => {
  // Each unreliable message fills a packet of the client's (mtu 200), taken while the peer has fewer than 4,096 events
  // queued; a packet refused takes its message with it, never resent.
  const net = memoryNet({ latencyMs: 10 });
  const server = new Host(net.socket("server"));
  const client = new Host(net.socket("client"), { mtu: 200 });
  const peer = client.connect("server");
  const step = () => {
    client.update(), server.update(), net.advance(16);
    while (client.poll());
  };
  for (let i = 0; i < 10; i++) step();
  assert.deepEqual(drain(server).map((event) => event.type), ["connect"]);
  for (let i = 0; i < 4200; i++) peer.send(new Uint8Array(147), { mode: "unreliable" }); // 150 bytes packed
  for (let i = 0; i < 200; i++) step();
  assert.ok(client.stats.packetsSent > 4200, `every message went: ${client.stats.packetsSent} packets`);
  assert.equal(drain(server).length, 4096);
});

Deno.test("a peer's count of events not yet polled goes down one a poll: past half of maxEvents it fills the queue to maxEvents, no more", () => {
  // maxEvents 8: a peer holding 4 or more of its own events not yet polled may fill the queue to 8, one holding fewer
  // to 16 (the half rule). 8 queued, 6 polled: it holds 2, and 6 more fill the queue again (from 4 on, to 8). Counted
  // down 2 a poll, it would read as holding -4 and reach 4 only at 10.
  const net = memoryNet({ latencyMs: 10 });
  const server = new Host(net.socket("server"), { now: net.now, maxEvents: 8 });
  const client = new Host(net.socket("client"), { now: net.now, mtu: 200 });
  const peer = client.connect("server");
  const step = () => {
    client.update(), server.update(), net.advance(TICK_MS);
    while (client.poll());
  };
  for (let i = 0; i < 10; i++) step();
  assert.deepEqual(drain(server).map((event) => event.type), ["connect"]);
  const sendMany = () => {
    for (let i = 0; i < 20; i++) peer.send(new Uint8Array(147), { mode: "unreliable" }); // a packet each
    for (let i = 0; i < 30; i++) step();
  };
  sendMany();
  for (let i = 0; i < 6; i++) assert.equal(server.poll()?.type, "message");
  sendMany();
  assert.equal(drain(server).length, 8);
});

/**
 * A server of `maxEvents` and two players, "a" and "b", with `options` each, connected over a memoryNet of 10 ms: `step`
 * updates all three and advances 16 ms, the players polling all they get, the server nothing.
 */
function twoPlayers(maxEvents: number, options: HostOptions) {
  const net = memoryNet({ latencyMs: 10 });
  const server = new Host(net.socket("server"), { now: net.now, maxEvents });
  const [a, b] = [
    new Host(net.socket("a"), { now: net.now, ...options }),
    new Host(net.socket("b"), { now: net.now, ...options }),
  ];
  const [peerA, peerB] = [a.connect("server"), b.connect("server")];
  const step = () => {
    for (const host of [a, b, server]) host.update();
    net.advance(16);
    while (a.poll() || b.poll());
  };
  for (let i = 0; i < 10; i++) step();
  return { server, peerA, peerB, step };
}

Deno.test("the half rule's line is half of maxEvents: a peer with 3 of 8 not yet polled still gets in past 8", () => {
  // maxEvents 8: b fills the queue to 8 (from 4 of its own on, its cap is 8). a, holding fewer than 4, may fill it to
  // 16: its fourth message, with 3 of its own waiting, is taken. Counted from a third of maxEvents, it was refused.
  const { server, peerA, peerB, step } = twoPlayers(8, { mtu: 200 });
  assert.deepEqual(drain(server).map((event) => event.type), ["connect", "connect"]);
  const send = (peer: Peer, count: number) => {
    for (let i = 0; i < count; i++) peer.send(new Uint8Array(147), { mode: "unreliable" }); // a packet each
    for (let i = 0; i < 10; i++) step();
  };
  send(peerB, 10);
  send(peerA, 4);
  const events = drain(server);
  const count = (address: string) =>
    events.filter((event) => event.type === "message" && event.peer.address === address).length;
  assert.deepEqual([count("b"), count("a")], [8, 4]);
});

Deno.test("polls between receives: the half rule and twice maxEvents count the events not yet polled, not those polled", () => {
  // poll() takes events by an index and lets those polled go in a batch once they are over half the queue (see
  // bench/poll_drain.ts): until then they sit at its front. maxEvents 8, a message a packet (mtu 200). a fills the
  // queue to 8 and 3 are polled (no batch yet: 3 of 8): a holds 5, so it gets 3 more (to 8 not yet polled). b and c,
  // under half, get 3 each and d 2 (to 16, twice maxEvents). The HELLO of a player e is answered at 16 (none at
  // that index past the polled), f's is not at 17 (e's "connect"). Counted by the array's length, a got none (the
  // half rule) and e waited (the HELLO's bound).
  const net = memoryNet({ latencyMs: 10 });
  const server = new Host(net.socket("server"), { now: net.now, maxEvents: 8 });
  const clients = new Map<string, Host>();
  const step = () => {
    for (const host of [...clients.values(), server]) host.update();
    net.advance(16);
    for (const client of clients.values()) while (client.poll());
  };
  const join = (address: string) => {
    clients.set(address, new Host(net.socket(address), { now: net.now, mtu: 200 }));
    return clients.get(address)!.connect("server");
  };
  const send = (peer: Peer, count: number) => {
    for (let i = 0; i < count; i++) peer.send(Uint8Array.of(i, ...new Uint8Array(146)), { mode: "unreliable" });
    for (let i = 0; i < 10; i++) step();
  };
  const [a, b, c, d] = ["a", "b", "c", "d"].map(join);
  for (let i = 0; i < 10; i++) step();
  assert.equal(drain(server).length, 4, "four connects");
  const name = (event?: HostEvent) =>
    event?.type === "message"
      ? `${event.peer.address}${(event.data as Uint8Array)[0]}`
      : `${event?.type} ${event?.peer.address}`;
  send(a, 10);
  assert.deepEqual([server.poll(), server.poll(), server.poll()].map(name), ["a0", "a1", "a2"]);
  send(a, 10);
  send(b, 3), send(c, 3), send(d, 3);
  const e = join("e");
  for (let i = 0; i < 10; i++) step();
  const f = join("f");
  for (let i = 0; i < 10; i++) step();
  assert.deepEqual([e.state, f.state], ["connected", "connecting"]);
  assert.deepEqual(drain(server).map(name), [
    ...["a3", "a4", "a5", "a6", "a7", "a0", "a1", "a2"],
    ...["b0", "b1", "b2", "c0", "c1", "c2", "d0", "d1", "connect e"],
  ]);
  for (let i = 0; i < 10; i++) step();
  assert.equal(f.state, "connected", "f gets in once the game polls");
});

Deno.test("events polled between receives come out in order across the batches that let the polled go, a departed peer's hidden", () => {
  // poll() lets the polled go once they are over half the queue: a drain of 2,000 reliable messages from a, taken 3
  // an update while 5 arrive, goes through many such batches. b's messages in the queue when the game disconnects b
  // never come out.
  const { server, peerA, peerB, step } = twoPlayers(64, {});
  const serverPeers = drain(server).map((event) => event.peer);
  const fromB = serverPeers.find((peer) => peer.address === "b")!;
  const data: unknown[] = [];
  const take = (count: number) => {
    for (let i = 0, event; i < count && (event = server.poll()); i++) {
      if (event.type === "message") data.push(event.data);
      else data.push(`${event.type} ${event.peer.address}`);
    }
  };
  for (let i = 0; i < 400; i++) {
    for (let k = 0; k < 5; k++) peerA.send(5 * i + k);
    if (i < 100) peerB.send(`b${i}`);
    if (i === 100) fromB.disconnect();
    step(), take(3);
  }
  for (let i = 0; i < 600; i++) step(), take(3);
  const fromA = data.filter((value) => typeof value === "number");
  assert.deepEqual(fromA, Array.from({ length: 2000 }, (_, i) => i), "a's in order, each once");
  const bs = data.filter((value) => typeof value === "string");
  assert.ok(bs.length < 100, `${bs.length} of b's polled before its disconnect, the rest hidden`);
  assert.deepEqual(bs, Array.from({ length: bs.length }, (_, i) => `b${i}`));
  assert.equal(peerB.state, "disconnected");
});

Deno.test({
  name:
    "events polled go with the queue's batches: a drained queue holds none, one polled but for one holds one at most",
  ignore: !gc,
  fn: async () => {
    // poll() takes events by an index: those polled sit at the queue's front until they are over half of it, then go
    // together. Polled events kept never outnumber those not yet polled, and a drained queue keeps none.
    const net = memoryNet({ latencyMs: 10 });
    const server = new Host(net.socket("server"), { now: net.now });
    const client = new Host(net.socket("client"), { now: net.now });
    const peer = client.connect("server");
    for (let i = 0; i < 10; i++) client.update(), server.update(), net.advance(16), client.poll();
    assert.equal(server.poll()?.type, "connect");
    for (let i = 0; i < 100; i++) peer.send(i);
    for (let i = 0; i < 10; i++) client.update(), server.update(), net.advance(16), client.poll();
    const polled: WeakRef<HostEvent>[] = [];
    for (let i = 0; i < 99; i++) polled.push(new WeakRef(server.poll()!));
    const reachable = async () => {
      // A WeakRef keeps its target until the job that made it ends; then a full collection lets go of the rest.
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc!();
      return polled.filter((ref) => ref.deref()).length;
    };
    assert.ok(await reachable() <= 1, "at most one polled kept, beside the one not yet polled");
    const last = server.poll();
    assert.ok(last?.type === "message" && last.data === 99);
    assert.equal(server.poll(), undefined);
    polled.push(new WeakRef(last));
    assert.equal(await reachable(), 1, "the last, held here");
    assert.equal(polled.at(-1)!.deref(), last);
  },
});

Deno.test("Host limits: maxEvents holds datagrams back until the events are polled, and loses none", () => {
  const net = memoryNet({ latencyMs: 10 });
  // 20: the refused messages come back bundled in resends, and a packet of more than maxEvents - 1 pieces is
  // never taken (with maxEvents 10, none of the 44 waiting ever arrived).
  const server = new Host(net.socket("server"), { now: net.now, maxEvents: 20 });
  const client = new Host(net.socket("client"), { now: net.now });
  const peer = client.connect("server");
  const step = () => {
    client.update();
    server.update();
    net.advance(TICK_MS);
    drain(client);
  };
  // One message a tick, and nobody polls the server for about a second.
  for (let i = 0; i < 60; i++) {
    if (i >= 10) peer.send(i - 10);
    step();
  }
  const first = drain(server);
  assert.ok(first.length >= 10 && first.length <= 20, `${first.length} events: those past maxEvents wait`);
  const got = messages(first).map(({ data }) => data);
  for (let steps = 0; got.length < 50; steps++) {
    assert.ok(steps < 300, `${got.length} of 50 arrived`);
    step();
    got.push(...messages(drain(server)).map(({ data }) => data));
  }
  assert.deepEqual(got, [...Array(50).keys()]);
});

Deno.test("Host limits: send() throws past maxQueuedBytes (up to it exactly is taken) with the exact message, and accepts again once acked", () => {
  const { peer, step, stepUntil, serverEvents } = pair({ latencyMs: 10 }, { maxQueuedBytes: 2000 });
  const message = new Uint8Array(200); // 202 bytes packed, one piece: 458 queued with its 256 of bookkeeping
  for (let i = 0; i < 4; i++) peer.send(message);
  assert.throws(() => peer.send(message), {
    name: "RangeError",
    message:
      "Cannot send 202 bytes to server: 1832 bytes are queued (each piece counts 256 more) and the limit is 2000 " +
      "(HostOptions.maxQueuedBytes)",
  });
  peer.send(new Uint8Array(166)); // 168 bytes packed: 1,832 + 168 is the limit exactly, taken
  assert.throws(() => peer.send(0), /2256 bytes are queued/);
  stepUntil(() => messages(serverEvents).length === 5, "the 5 queued messages arrive");
  for (let i = 0; i < 5; i++) step(); // their acks come back
  for (let i = 0; i < 4; i++) peer.send(message);
});

Deno.test("Host limits: a receiver holds at most 2 maxMessageBytes + maxQueuedBytes + 256 KiB behind a missing message", () => {
  const net = memoryNet({ latencyMs: 10 });
  const marker = new Uint8Array(40).fill(0xee);
  // Every datagram carrying message 0 (its 40 bytes of 0xee) is lost.
  const carriesMarker = (data: Uint8Array) => toHex(data).includes(toHex(marker));
  const client = new Host(filtered(net.socket("client"), (data) => !carriesMarker(data)), {
    now: net.now,
  });
  // Held bytes are bounded at 2 × 1000 + 1024 + 262,144, each piece counted with 256 more: about 230 of the 900-byte
  // messages below.
  const server = new Host(net.socket("server"), { now: net.now, maxMessageBytes: 1000, maxQueuedBytes: 1024 });
  const peer = client.connect("server");
  peer.send(marker);
  for (let i = 1; i < 400; i++) peer.send(new Uint8Array(900).fill(i));
  const got: unknown[] = [];
  const step = () => {
    client.update();
    server.update();
    net.advance(TICK_MS);
    got.push(...messages(drain(server)).map(({ data }) => data));
    drain(client);
  };
  for (let i = 0; i < 60; i++) step();
  assert.equal(got.length, 0, "nothing is delivered past the missing message 0");
  // The packets past the bound are refused and counted; without the bound all 99 messages would be held.
  assert.ok(server.stats.invalidDropped > 0, "the server held every message behind the missing one");
  // Not asserted: that all arrive once message 0 gets through. Today they do not: the refused messages come
  // back bundled ten to a packet, and a packet whose reliable bytes would pass the bound is refused whole.
});

/**
 * A client and a server on a memoryNet (5 ms one way), connected, the server with `serverOptions`; the client's link
 * loses every datagram that carries 32 bytes of 0xab (a message marked so) until `lose(ms)` runs out. `step` runs a
 * tick and hands each of the server's events to `onEvent`.
 */
function markedLoss(
  onEvent: (event: HostEvent) => void,
  serverOptions: HostOptions = {},
  clientOptions: HostOptions = {},
) {
  const net = memoryNet({ latencyMs: 5 });
  let lossUntil = 0;
  const marker = toHex(new Uint8Array(32).fill(0xab));
  const client = new Host(
    filtered(net.socket("client"), (data) => !(net.now() < lossUntil && toHex(data).includes(marker))),
    { now: net.now, ...clientOptions },
  );
  const server = new Host(net.socket("server"), { now: net.now, ...serverOptions });
  const peer = client.connect("server");
  const step = () => {
    client.update();
    server.update();
    net.advance(TICK_MS);
    for (const event of drain(server)) onEvent(event);
    drain(client);
  };
  for (let i = 0; i < 20 && peer.state !== "connected"; i++) step();
  return { server, peer, step, lose: (ms: number) => lossUntil = net.now() + ms };
}

Deno.test("Host limits: a good peer's tiny messages behind a lost one never fill the receiver's bound", () => {
  // Each held piece counts 256 bytes of bookkeeping: at maxQueuedBytes 8,192 the bound was 16,384 bytes, 60 messages
  // of one byte behind a lost one filled it, and every packet carrying the lost one again (with newer messages) was
  // refused: the stream stalled for good and the peer timed out (a review, 2026-12-01). The bound now has room for
  // one stream's receive window of pieces. Both ways: 60 nulls queued at once behind a 2-piece message, and one a
  // tick behind a whole message; each first message lost for a second and a half.
  for (const [first, count, perTick] of [[2000, 60, false], [40, 600, true]] as const) {
    const got: unknown[] = [];
    const disconnects: HostEvent[] = [];
    const { peer, step, lose } = markedLoss(
      (event) => (event.type === "message" ? got : disconnects).push(event),
      { maxMessageBytes: 4096, maxQueuedBytes: 8192 },
    );
    lose(1500);
    peer.send(new Uint8Array(first).fill(0xab));
    for (let i = 0; i < count; i++) {
      peer.send(null);
      if (perTick) step();
    }
    for (let i = 0; i < 300 && got.length <= count; i++) step();
    assert.deepEqual(disconnects.filter((event) => event.type === "disconnect"), [], `${count} behind ${first} bytes`);
    assert.equal(got.length, count + 1, `all ${count + 1} arrive (${first} bytes first)`);
  }
});

Deno.test("Host limits: tiny messages on many channels behind lost ones never fill the receiver's bound", () => {
  // Each piece a receiver holds counts 256 bytes of bookkeeping, and each stream may have 1,024 pieces in flight, so
  // many streams of tiny messages behind a lost one filled the bound (room for one stream's window of bookkeeping):
  // two channels each sending 20 nulls a tick behind a first message lost for 1.5 s timed out at maxMessageBytes 4,096
  // and maxQueuedBytes 8,192, and 32 channels at the defaults (a review, 2026-12-01). A sender now counts each piece's
  // bookkeeping in what it has queued, so it meets its own maxQueuedBytes first: `send` throws, the game waits.
  for (
    const [channels, options] of [[2, { maxMessageBytes: 4096, maxQueuedBytes: 8192 }], [32, { channels: 32 }]] as const
  ) {
    const got = new Map<number, unknown[]>();
    const disconnects: HostEvent[] = [];
    const { peer, step, lose } = markedLoss(
      (event) => {
        if (event.type === "message") got.set(event.channel, [...got.get(event.channel) ?? [], event.data]);
        else if (event.type === "disconnect") disconnects.push(event);
      },
      options,
      options,
    ); // both sides with the same options
    const sent = new Map<number, unknown[]>();
    let refused = 0;
    lose(1500);
    for (let channel = 0; channel < channels; channel++) {
      peer.send(new Uint8Array(40).fill(0xab), { channel }); // lost for 1.5 s
      sent.set(channel, [null]);
    }
    for (let tick = 0; tick < 150; tick++) {
      for (let channel = 0; channel < channels; channel++) {
        for (let i = 0; i < 20; i++) {
          try {
            peer.send(tick, { channel });
            sent.get(channel)!.push(tick);
          } catch {
            refused++; // the sender's own limit: the game waits
          }
        }
      }
      step();
    }
    for (let i = 0; i < 300; i++) step();
    assert.deepEqual(disconnects, [], `${channels} channels: no disconnect`);
    for (let channel = 0; channel < channels; channel++) {
      const arrived = got.get(channel)?.slice(1); // after the lost one
      assert.deepEqual(arrived, sent.get(channel)!.slice(1), `${channels} channels: channel ${channel} in order`);
    }
    assert.ok(refused > 0, `${channels} channels: the sender met its own limit`);
  }
});

Deno.test("Host limits: a good peer sending large messages behind lost ones meets its own queue limit, not the receiver's bound", () => {
  // The sender let a piece's bytes go from its queue when the piece was acked, but a piece acked behind a lost one
  // waits at the receiver: six channels each sending 5 messages of 1,100 bytes a tick while each channel's first
  // message was lost for 4 s filled the receiver's bound, every packet (the lost ones' resends too) was refused, and
  // the peer timed out with 2 of 9,308 delivered (a review, 2026-12-01). Now what waits at the receiver stays queued
  // at the sender: `send` throws at the sender's own maxQueuedBytes, and everything it took arrives. Default options.
  const got = new Map<number, number[]>();
  const disconnects: HostEvent[] = [];
  const { server, peer, step, lose } = markedLoss((event) => {
    if (event.type === "disconnect") disconnects.push(event);
    else if (event.type === "message") {
      got.get(event.channel)!.push(Array.isArray(event.data) ? event.data[0] as number : -1);
    }
  });
  lose(4000);
  const sent = new Map<number, number[]>();
  let refused = 0;
  for (let channel = 0; channel < 6; channel++) {
    got.set(channel, []);
    sent.set(channel, [-1]);
    peer.send(new Uint8Array(2000).fill(0xab), { channel });
  }
  const payload = new Uint8Array(1100);
  for (let tick = 0; tick < 60 * 8; tick++) {
    for (let channel = 0; channel < 6; channel++) {
      for (let i = 0; i < 5; i++) {
        const list = sent.get(channel)!;
        // A message is its number and 1,100 bytes: an array [n, bytes].
        try {
          peer.send([list.length, payload], { channel });
          list.push(list.length);
        } catch (error) {
          assert.match((error as Error).message, /HostOptions\.maxQueuedBytes/);
          refused++;
        }
      }
    }
    step();
  }
  const total = () => [...got.values()].reduce((sum, list) => sum + list.length, 0);
  const sentTotal = [...sent.values()].reduce((sum, list) => sum + list.length, 0);
  for (let i = 0; i < 60 * 30 && total() < sentTotal && !disconnects.length; i++) step();
  assert.deepEqual(disconnects, [], "no timeout");
  assert.ok(refused > 0, "the sender met its own maxQueuedBytes while the first messages were lost");
  assert.ok(sentTotal > 5000, `${sentTotal} messages taken`);
  assert.equal(server.stats.invalidDropped, 0, "the receiver refused no packet for its bound");
  for (const [channel, list] of sent) assert.deepEqual(got.get(channel), list, `channel ${channel}: all, in order`);
});

Deno.test("Host limits: large messages on six channels, each missing a piece near its end, all arrive at the default options", () => {
  // A message not yet whole waits at the receiver, its pieces acked or not: up to maxMessageBytes a stream, where the
  // bound has 2 × maxMessageBytes for all of them. The sender let the pieces acked in order go from its queue before
  // the message was whole, so six messages of 1,000,000 bytes, each with the pieces near its end lost for a second,
  // filled the bound: every packet was refused, the lost pieces' resends too, and the peer timed out (a review,
  // 2026-12-01). Now a message's pieces leave the sender's queue together, once it is acked whole.
  for (const mode of ["reliable", "unordered"] as const) {
    const got: number[] = [];
    const disconnects: HostEvent[] = [];
    const { server, peer, step, lose } = markedLoss((event) => {
      if (event.type === "disconnect") disconnects.push(event);
      else if (event.type === "message") {
        const data = event.data as Uint8Array;
        assert.equal(data.length, 1_000_000);
        assert.equal(data[0], event.channel, "the message of its channel, whole");
        got.push(event.channel);
      }
    });
    // Lost for 3 s: since a sender counts each piece's bookkeeping too, only three such messages fit its queue at
    // once, and at 1 s the first three were whole before the others came (the mutant of the early release survived).
    lose(3000);
    const sent = new Set<number>();
    for (let tick = 0; tick < 60 * 30 && got.length < 6 && !disconnects.length; tick++) {
      for (let channel = 0; channel < 6; channel++) {
        if (sent.has(channel)) continue;
        const message = new Uint8Array(1_000_000).fill(channel);
        message.fill(0xab, 990_000, 993_000); // about three pieces near its end: lost for the first second
        try {
          peer.send(message, { channel, mode });
          sent.add(channel);
        } catch (error) {
          assert.match((error as Error).message, /HostOptions\.maxQueuedBytes/); // the sender's own limit: it waits
        }
      }
      step();
    }
    assert.deepEqual(disconnects, [], `${mode}: no timeout`);
    assert.deepEqual(got.toSorted(), [0, 1, 2, 3, 4, 5], `${mode}: all six arrive`);
    assert.equal(server.stats.invalidDropped, 0, `${mode}: the receiver refused no packet for its bound`);
  }
});

Deno.test("Host limits: held pieces give back their bytes and bookkeeping: 3,000 messages a mode arrive at tight limits", () => {
  // Each piece held counts its bytes and 256 more against 2 × maxMessageBytes + maxQueuedBytes + 256 KiB (278,528
  // here, about 1,080 of these pieces), until it is delivered or, unordered, its mark goes: a count not given back
  // would refuse every packet after a few thousand messages.
  for (const mode of ["reliable", "unordered"] as const) {
    // Packets held back behind later ones: about 900 pieces of each mode arrive ahead of their turn and wait.
    const link = { latencyMs: 30, reorder: 0.3, seed: 7 };
    const { peer, step, stepUntil, serverEvents } = pair(link, { maxMessageBytes: 4096, maxQueuedBytes: 8192 });
    stepUntil(() => peer.state === "connected", "connect");
    for (let i = 0; i < 1500; i++) {
      peer.send(i, { mode });
      peer.send(i + 10000, { mode });
      step();
    }
    stepUntil(() => messages(serverEvents).length === 3000, `3,000 ${mode} messages`, 500);
    const got = messages(serverEvents).map(({ data }) => data as number);
    if (mode === "reliable") {
      assert.deepEqual(got, Array.from({ length: 3000 }, (_, i) => (i >> 1) + (i & 1) * 10000));
    }
  }
});

Deno.test("Host limits: three 1 MiB messages at once on three channels all arrive, at the default options", () => {
  // The receiver refused every packet once it held 2 × maxMessageBytes + 1,024 bytes over all its streams: three
  // messages in pieces, each only part there, passed it before any completed, and nothing moved until timeout.
  const net = memoryNet({ latencyMs: 30 });
  const server = new Host(net.socket("server"));
  const client = new Host(net.socket("client"));
  const peer = client.connect("server");
  const got: number[] = [];
  for (let tick = 0; tick < 1500 && got.length < 3; tick++) {
    if (tick === 10) { for (const channel of [0, 1, 2]) peer.send(new Uint8Array(1 << 20).fill(channel), { channel }); }
    client.update();
    server.update();
    net.advance(TICK_MS);
    for (const { data } of messages(drain(server))) got.push((data as Uint8Array)[0]);
    drain(client);
  }
  assert.deepEqual(got.sort(), [0, 1, 2]);
  assert.equal(server.stats.invalidDropped, 0);
});

Deno.test("Host limits: send() throws a RangeError naming the modes and channels for a bad mode or channel", () => {
  const { peer } = pair();
  for (const channel of [8, -1, 1.5, NaN, 256]) {
    assert.throws(() => peer.send(1, { channel }), {
      name: "RangeError",
      message: `Cannot send on channel ${channel}: it must be an integer from 0 to 7`,
    });
  }
  // A channel given as a string (a URL's query, "1") is quoted: unquoted, "channel 1" read as a valid channel.
  assert.throws(() => peer.send(1, { channel: "1" as unknown as number }), {
    name: "RangeError",
    message: `Cannot send on channel "1": it must be an integer from 0 to 7`,
  });
  assert.throws(() => peer.send(1, { mode: "bogus" as Mode }), {
    name: "RangeError",
    message: `Cannot send in mode "bogus": the modes are reliable, unordered, sequenced, unreliable, state`,
  });
  peer.send(1, { channel: 7 });
});

Deno.test("send() given no object for its options (a mode, a channel, null) throws a TypeError naming what to give", () => {
  // From JavaScript, send(value, "unreliable") threw a RangeError about a time (a string's at() read as `at`),
  // send(value, 1) went on channel 0, silently, and null failed on reading `.mode`.
  const { peer, step, stepUntil, serverEvents } = pair();
  stepUntil(() => peer.state === "connected", "connect");
  for (const options of ["unreliable", 1, null, true]) {
    assert.throws(() => peer.send("sent with " + options, options as unknown as SendOptions), {
      name: "TypeError",
      message: `Cannot send with options ${options}: give an object, as { mode: "unreliable" }`,
    });
  }
  peer.send(1, undefined);
  peer.send(2, {});
  peer.send(3);
  peer.send(4, JSON.parse('{ "mode": "unordered", "channel": 1 }'));
  stepUntil(() => messages(serverEvents).length >= 4, "four messages");
  for (let i = 0; i < 10; i++) step();
  assert.deepEqual(messages(serverEvents).map((event) => event.data), [1, 2, 3, 4], "nothing queued by the throws");
});

Deno.test("Host limits: a frame on a channel past the receiver's channels drops its packet and is counted", () => {
  // A Host of 16 channels sends to one of 8.
  const net = memoryNet({ latencyMs: 10 });
  const wide = new Host(net.socket("client"), { now: net.now, channels: 16 });
  const narrow = new Host(net.socket("server"), { now: net.now, channels: 8 });
  const widePeer = wide.connect("server");
  const events: HostEvent[] = [];
  for (let steps = 0; steps < 60; steps++) {
    if (steps === 20) {
      assert.equal(widePeer.state, "connected");
      widePeer.send("on channel 10", { mode: "unreliable", channel: 10 });
    }
    if (steps === 30) widePeer.send("on channel 7", { mode: "unreliable", channel: 7 });
    wide.update();
    narrow.update();
    net.advance(TICK_MS);
    events.push(...drain(narrow));
    drain(wide);
  }
  assert.deepEqual(messages(events).map(({ data, channel }) => [channel, data]), [[7, "on channel 7"]]);
  assert.ok(narrow.stats.invalidDropped >= 1, "the packet with channel 10 is counted");
});

// Each numeric option: its least and greatest value; every value out of range, or not an integer, throws.
const OPTION_RANGES: [keyof HostOptions, number, number][] = [
  ["maxPeers", 1, 65536],
  ["protocol", 0, 0xffffffff],
  ["mtu", 64, 65507],
  // From 100 ms: `timeout: 10`, seconds typed for ms, ended every connect over a 20 ms link in silence as "timeout"
  // (a review, 2026-12-05).
  ["timeout", 100, 2 ** 31],
  ["channels", 1, 256],
  ["maxMessageBytes", 1, 2 ** 30],
  ["maxQueuedBytes", 1, 2 ** 31],
  ["maxEvents", 1, 2 ** 31],
  ["packetsPerUpdate", 1, 1024],
  ["tickMs", 1, 60_000],
];

for (const [name, min, max] of OPTION_RANGES) {
  Deno.test(`new Host() throws a RangeError for HostOptions.${name} outside ${min} to ${max} or not an integer`, () => {
    const net = memoryNet();
    for (const value of [min - 1, max + 1, min + 0.5, NaN]) {
      assert.throws(() => new Host(net.socket("host"), { [name]: value }), {
        name: "RangeError",
        message: `HostOptions.${name} is ${value}: it must be an integer from ${min} to ${max}`,
      });
    }
    for (const value of [min, max]) new Host(net.socket("host"), { [name]: value });
  });
}

Deno.test("new Host() quotes an option given as a string, which reads like a number in the message", () => {
  // Options read from JSON or the environment come as strings: "HostOptions.timeout is 5000: it must be an integer"
  // was a puzzle (a newcomer's first game).
  const net = memoryNet();
  assert.throws(() => new Host(net.socket("host"), { timeout: "5000" as unknown as number }), {
    name: "RangeError",
    message: 'HostOptions.timeout is "5000": it must be an integer from 100 to 2147483648',
  });
});

Deno.test("new Host(socket, null) takes every default, as new Host(socket) does", () => {
  // It threw "Cannot read properties of null (reading 'maxPeers')" (a newcomer's-mistakes audit, 2026-12-02): a game
  // passing the options of a config file that has none.
  const net = memoryNet({ latencyMs: 5 });
  const server = new Host(net.socket("server"), null);
  const client = new Host(net.socket("client"), null);
  const peer = client.connect("server");
  for (let i = 0; i < 10; i++) {
    for (const host of [server, client]) host.update();
    net.advance(5);
  }
  assert.equal(peer.state, "connected");
  assert.equal(server.peers.length, 1);
});

Deno.test("new Host() given no Socket (a runtime's own socket, unwrapped) throws a TypeError naming the adapters", () => {
  // What a newcomer passes: nothing, a Deno DatagramConn or a WebSocket as they are (no listen), a node:dgram socket,
  // a memoryNet itself in place of one of its sockets (the message named only the adapters: the audit of 2026-12-02).
  const unwrapped = [
    undefined,
    null,
    { send() {}, close() {}, receive() {} },
    { send() {}, close() {}, bind() {} },
    memoryNet(),
  ];
  for (const socket of unwrapped) {
    assert.throws(() => new Host(socket as unknown as Socket), {
      name: "TypeError",
      message:
        "new Host() takes a Socket: wrap yours in denoUdp, nodeUdp, bunUdp or webSocket, or use memoryNet().socket(address)",
    });
  }
});

Deno.test("for await over a Host waits tickMs between updates: 16 ms by default", async () => {
  for (const [options, delayMs] of [[{}, 16], [{ tickMs: 40 }, 40]] as const) {
    const host = new Host(memoryNet().socket("a"), options);
    const iterator = host[Symbol.asyncIterator]();
    let next!: Promise<IteratorResult<HostEvent, void>>;
    // The first update and poll run at once; then the loop waits on a timer.
    const timers = fakeTimers((timers) => (next = iterator.next(), timers));
    assert.deepEqual(timers.map(([, ms]) => ms), [delayMs]);
    host.close();
    timers[0][0]();
    assert.deepEqual(await next, { value: undefined, done: true });
  }
});

Deno.test("for await over a Host yields its events (real time, bounded at 2 s)", async () => {
  const net = memoryNet({ latencyMs: 5 });
  const server = new Host(net.socket("server"), { now: net.now, tickMs: 1 });
  const client = new Host(net.socket("client"), { now: net.now });
  client.connect("server").send("hello");
  // The client and the virtual clock run on a real 1 ms timer; the server runs itself through for await. The client
  // answers the server's welcome, which only the server's own updates send.
  const clock = setInterval(() => {
    client.update();
    net.advance(TICK_MS);
    for (let event; (event = client.poll());) if (event.type === "message") event.peer.send(`thanks for ${event.data}`);
  }, 1);
  // A Host whose iterator yields nothing is closed after 2 s, which ends the loop.
  const giveUp = setTimeout(() => server.close(), 2000);
  const seen: string[] = [];
  try {
    for await (const event of server) {
      seen.push(event.type === "message" ? `message ${event.data}` : event.type);
      if (event.type === "connect") event.peer.send("welcome");
      if (event.type === "message" && event.data !== "hello") break;
    }
  } finally {
    clearInterval(clock);
    clearTimeout(giveUp);
    server.close();
    client.close();
  }
  assert.deepEqual(seen, ["connect", "message hello", "message thanks for welcome"]);
});

Deno.test("memoryNet.advance() throws at once for NaN, Infinity, a negative ms or a string, and its clock stays where it was", () => {
  // Unchecked, NaN stopped the network's clock for good (every Host on it then waited forever, with no error) and a
  // negative ms ran it back. Infinity was taken: the clock read Infinity for good, and every Host on the network threw
  // on every update() ("HostOptions.now() gave Infinity"; a review, 2026-12-05).
  const net = memoryNet();
  net.advance(5);
  // A string ("16") made the clock a string ("0161616..."), and every peer timed out on the fourth frame.
  for (const ms of [NaN, Infinity, -1, undefined as unknown as number, "16" as unknown as number]) {
    assert.throws(() => net.advance(ms), {
      name: "RangeError",
      message: `memoryNet.advance(${ms}): it must be a finite number from 0`,
    });
  }
  assert.equal(net.now(), 5);
  net.advance(0);
  assert.equal(net.now(), 5);
});

Deno.test("memoryNet.advance() that would take the clock past the largest number throws, and its Hosts keep updating", () => {
  // Each step finite, the sum not: advance(Number.MAX_VALUE) twice made the clock Infinity, and every Host on the
  // network threw on every update() and poll() from then on ("HostOptions.now() gave Infinity"; a review, 2026-12-06).
  const net = memoryNet();
  const host = new Host(net.socket("a"));
  host.connect("b");
  net.advance(Number.MAX_VALUE);
  assert.throws(() => net.advance(Number.MAX_VALUE), {
    name: "RangeError",
    message: `memoryNet.advance(${Number.MAX_VALUE}): it must be a finite number from 0`,
  });
  assert.equal(net.now(), Number.MAX_VALUE, "the clock stays where it was");
  host.update();
  assert.equal(host.poll()?.type, "disconnect", "the peer times out, as on a finite clock");
});

Deno.test("memoryNet delivers datagrams in the order they are due, whatever order they were sent in; ties in send order", () => {
  // 50 datagrams sent at once, each with its own delay of up to 100 ms: a heap whose parents were looked up wrong
  // handed some out before earlier ones, and the clock, set to each one's time, ran back.
  const net = memoryNet({ jitterMs: 100, seed: 5 });
  const a = net.socket("a");
  const arrivals: number[] = [];
  net.socket("b").listen(() => arrivals.push(net.now()));
  for (let i = 0; i < 50; i++) a.send(Uint8Array.of(i), "b");
  net.advance(100);
  assert.equal(arrivals.length, 50);
  assert.deepEqual(arrivals, arrivals.toSorted((x, y) => x - y));
  // With no jitter, all due at once: in the order sent.
  const still = memoryNet({ latencyMs: 10 });
  const order: number[] = [];
  still.socket("b").listen((data) => order.push(data[0]));
  for (let i = 0; i < 20; i++) still.socket(`a${i}`).send(Uint8Array.of(i), "b");
  still.advance(10);
  assert.deepEqual(order, [...Array(20).keys()]);
});

Deno.test("memoryNet's link seed is 1 by default: a lossy link without one loses what seed 1 loses", () => {
  const arrivals = (options: LinkOptions) => {
    const net = memoryNet(options);
    const got: number[] = [];
    net.socket("b").listen((data) => got.push(data[0]));
    const a = net.socket("a");
    for (let i = 0; i < 100; i++) a.send(Uint8Array.of(i), "b");
    net.advance(0);
    return got;
  };
  const unseeded = arrivals({ loss: 0.5 });
  assert.deepEqual(unseeded, arrivals({ loss: 0.5, seed: 1 }));
  assert.notDeepEqual(unseeded, arrivals({ loss: 0.5, seed: 0 }));
});

Deno.test("memoryNet's burst of loss is 8 datagrams in a row by default, burstLength when given", () => {
  const runs = (options: LinkOptions) => {
    const net = memoryNet(options);
    const got = new Set<number>();
    net.socket("b").listen((data) => got.add(new DataView(data.buffer, data.byteOffset).getUint32(0)));
    const a = net.socket("a");
    const view = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < 20_000; i++) view.setUint32(0, i), a.send(new Uint8Array(view.buffer.slice(0)), "b");
    net.advance(0);
    // The lengths of the runs of lost datagrams.
    const lengths: number[] = [];
    for (let i = 0, run = 0; i <= 20_000; i++) {
      if (i < 20_000 && !got.has(i)) run++;
      else if (run) lengths.push(run), run = 0;
    }
    return lengths;
  };
  for (const [options, length] of [[{ burstLoss: 0.002 }, 8], [{ burstLoss: 0.002, burstLength: 3 }, 3]] as const) {
    const lengths = runs(options);
    // About 40 bursts; one that starts inside another makes a longer run, rarely (8 chances in 500).
    assert.ok(lengths.length > 20, `${lengths.length} runs`);
    assert.ok(lengths.every((run) => run >= length), `runs of ${lengths}`);
    assert.ok(lengths.filter((run) => run === length).length > 0.9 * lengths.length, `runs of ${lengths}`);
  }
});

Deno.test("memoryNet carries a datagram of 65,507 bytes by default, UDP's largest, and loses a larger one, as its mtu says", () => {
  for (const [net, mtu] of [[memoryNet(), 65_507], [memoryNet({ mtu: 1200 }), 1200]] as const) {
    const sizes: number[] = [];
    net.socket("b").listen((data) => sizes.push(data.length));
    const a = net.socket("a");
    for (const size of [mtu - 1, mtu, mtu + 1]) a.send(new Uint8Array(size), "b");
    net.advance(0);
    assert.deepEqual(sizes, [mtu - 1, mtu]);
  }
});

Deno.test("condition() delays each datagram by its latency and loses its share (fake socket, fake timer)", () => {
  const received: number[] = [];
  const fake: Socket = { send: (data) => received.push(data[0]), listen() {}, close() {} };
  fakeTimers((timers) => {
    const slow = condition(fake, { latencyMs: 30 });
    for (let i = 0; i < 10; i++) slow.send(Uint8Array.of(i), "server");
    assert.deepEqual(received, [], "nothing goes out before its delay");
    assert.deepEqual(timers.map(([, delayMs]) => delayMs), Array(10).fill(30));
    for (const [callback] of timers.splice(0)) callback();
    assert.deepEqual(received, [...Array(10).keys()]);

    const lossy = condition(fake, { loss: 0.25, seed: 5 });
    for (let i = 0; i < 1000; i++) lossy.send(Uint8Array.of(1), "server");
    // 750 of 1000 kept on average, with a standard deviation of 14.
    assert.ok(timers.length > 690 && timers.length < 810, `${timers.length} of 1000 kept at 25% loss`);
    const lost = condition(fake, { loss: 1 });
    for (let i = 0; i < 100; i++) lost.send(Uint8Array.of(1), "server");
    assert.ok(timers.length < 810, "a link with loss 1 keeps nothing");
  });
});

Deno.test("condition(): close() closes the socket after the datagrams still on their timers, a Host's goodbyes too", () => {
  // Closed at once, the goodbyes a Host sends as it closes were lost on their timers, and its peer heard nothing until
  // it timed out.
  const sent: number[] = [];
  let closed = 0;
  const fake: Socket = { send: (data) => sent.push(data[0]), listen() {}, close: () => closed++ };
  fakeTimers((timers) => {
    const slow = condition(fake, { latencyMs: 30 });
    slow.send(Uint8Array.of(1), "server");
    slow.send(Uint8Array.of(2), "server");
    slow.close();
    assert.equal(closed, 0, "two datagrams wait for their delay");
    timers.shift()![0]();
    assert.equal(closed, 0, "one datagram waits");
    timers.shift()![0]();
    assert.deepEqual(sent, [1, 2]);
    assert.equal(closed, 1, "closed once the last went");
    const idle = condition(fake, {});
    idle.close();
    assert.equal(closed, 2, "with nothing waiting, closed at once");
    // A Host closing through it: its goodbyes go out, then the socket closes (one that sends nothing once closed, as a
    // UDP socket).
    const net = memoryNet();
    const server = new Host(net.socket("server"));
    const inner = net.socket("client");
    let innerClosed = false;
    const udpLike: Socket = {
      send: (data, to) => innerClosed || inner.send(data, to),
      listen: (receive, onEvent) => inner.listen(receive, onEvent),
      close: () => (innerClosed = true),
      now: inner.now,
    };
    const host = new Host(condition(udpLike, { latencyMs: 30 }), { now: net.now });
    const peer = host.connect("server");
    for (let i = 0; i < 10 && peer.state !== "connected"; i++) {
      for (const [callback] of timers.splice(0)) callback();
      net.advance(40);
      host.update();
      server.update();
      while (server.poll());
    }
    assert.equal(peer.state, "connected");
    host.close();
    assert.ok(timers.length > 0, "the goodbyes wait for their delay");
    for (const [callback] of timers.splice(0)) callback();
    net.advance(40);
    server.update();
    const events = [];
    for (let event; (event = server.poll());) events.push(event);
    assert.deepEqual(events.map((event) => event.type === "disconnect" && event.reason), ["closed"]);
  });
});

Deno.test("condition(): a send the socket throws on, later from its timer, is a fault the Host counts, not thrown", () => {
  // Thrown from a timer it was uncaught, and ended the process (a review, 2026-11-30): a malformed address, or a
  // WebSocket's socket given another address, which the Host counts when the socket throws inside update().
  const broken: Socket = {
    send: (_, to) => {
      throw new RangeError(`Cannot send to "${to}"`);
    },
    listen() {},
    close() {},
  };
  fakeTimers((timers) => {
    const host = new Host(condition(broken, { latencyMs: 30 }), { now: () => 0 });
    host.connect("nonsense");
    assert.equal(timers.length, 1, "the HELLO waits for its delay");
    timers[0][0]();
    assert.equal(host.stats.socketErrors, 1);
  });
});

Deno.test('Host: at 20% loss the other side hears a disconnect as "closed" for at least 192 of 200 seeds', () => {
  let missed = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const { peer, server, step, stepUntil, serverEvents } = pair({ latencyMs: 20, loss: 0.2, seed });
    stepUntil(() => peer.state === "connected" && server.peers.length > 0, `seed ${seed}: connected`);
    peer.disconnect();
    for (let i = 0; i < 10; i++) step();
    if (!serverEvents.some((event) => event.type === "disconnect" && event.reason === "closed")) missed++;
  }
  // Sent three times, the goodbye is lost all three times 0.8% of the time: 1.6 seeds of 200 expected, 2 measured.
  // Sent once, 20%: 40 seeds.
  assert.ok(missed <= 8, `${missed} of 200 seeds missed the goodbye`);
});

Deno.test('disconnect() lets what is queued go first: "disconnecting", then every message and "closed", at 20% loss', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const { peer, client, stepUntil, serverEvents, clientEvents } = pair({ latencyMs: 30, loss: 0.2, seed });
    stepUntil(() => peer.state === "connected", `seed ${seed}: connected`);
    for (let i = 0; i < 20; i++) peer.send(i);
    peer.send(new Uint8Array(3000)); // in fragments
    peer.send("bye");
    peer.disconnect();
    assert.equal(peer.state, "disconnecting");
    assert.equal(client.peers.length, 0, "a leaving peer is no longer among the peers");
    assert.equal(peer.send("more"), false, "a leaving peer takes nothing more");
    assert.throws(
      () => peer.send("more", { mode: "nope" as Mode }),
      { name: "RangeError" },
      "a caller's mistake throws",
    );
    stepUntil(() => serverEvents.some((event) => event.type === "disconnect"), `seed ${seed}: closed`);
    const kinds = serverEvents.map((event) => event.type === "disconnect" ? event.reason : event.type);
    assert.deepEqual(kinds, ["connect", ...Array(22).fill("message"), "closed"], `seed ${seed}`);
    const data = messages(serverEvents).map(({ data }) => data instanceof Uint8Array ? data.length : data);
    assert.deepEqual(data, [...Array(20).keys(), 3000, "bye"]);
    assert.equal(peer.state, "disconnected");
    assert.deepEqual(clientEvents.map((event) => event.type), ["connect"], "no event of one's own");
  }
});

Deno.test("a server that replies to each message before it polls the disconnect goes on: send returns false, no throw", () => {
  // A newcomer's first game (2026-12-01): update, reply to each message polled, and a player's last words, polled
  // after its goodbye arrived in the same update, made send throw and ended the server.
  const net = memoryNet({ latencyMs: 10 });
  const server = new Host(net.socket("server"));
  const client = new Host(net.socket("client"));
  const peer = client.connect("server");
  const replies: boolean[] = [];
  const step = () => {
    client.update();
    server.update();
    net.advance(16);
    for (let event; (event = server.poll());) {
      if (event.type === "message") replies.push(event.peer.send({ echo: event.data }));
    }
  };
  for (let i = 0; peer.state !== "connected"; i++) step();
  peer.send("hello");
  for (let i = 0; i < 5; i++) step();
  peer.send("last words");
  client.update();
  client.close();
  for (let i = 0; i < 5; i++) step();
  assert.deepEqual(replies, [true, false], "the reply to the last words is not queued");
  assert.equal(server.peers.length, 0);
});

Deno.test("over a reliable socket disconnect() lets the queue go too: every message, then closed", () => {
  const reliable = (inner: Socket) => ({ ...inner, reliable: true });
  const { peer, stepUntil, serverEvents, clientEvents } = pair({ latencyMs: 20 }, {}, {
    server: { socket: reliable },
    client: { socket: reliable },
  });
  stepUntil(() => peer.state === "connected" && serverEvents.length > 0, "connected");
  for (let i = 0; i < 50; i++) peer.send(new Uint8Array(1000).fill(i)); // more than one update's packets
  peer.disconnect();
  assert.equal(peer.state, "disconnecting");
  stepUntil(() => serverEvents.some((event) => event.type === "disconnect"), "closed");
  assert.deepEqual(messages(serverEvents).map(({ data }) => (data as Uint8Array)[0]), [...Array(50).keys()]);
  const last = serverEvents.at(-1);
  assert.equal(last?.type === "disconnect" && last.reason, "closed");
  assert.equal(peer.state, "disconnected");
  assert.deepEqual(clientEvents.map((event) => event.type), ["connect"]);
});

Deno.test("disconnect() with nothing queued, called again, or host.close() closes at once and drops the queue", () => {
  const idle = pair({ latencyMs: 30 });
  idle.stepUntil(() => idle.peer.state === "connected" && idle.serverEvents.length > 0, "connected");
  idle.peer.disconnect();
  assert.equal(idle.peer.state, "disconnected");
  assert.equal(idle.peer.send("more"), false);
  const kicked = pair({ latencyMs: 30 });
  kicked.stepUntil(() => kicked.peer.state === "connected" && kicked.serverEvents.length > 0, "connected");
  kicked.peer.send("never");
  kicked.peer.disconnect();
  kicked.peer.disconnect(); // again: at once
  assert.equal(kicked.peer.state, "disconnected");
  const closed = pair({ latencyMs: 30 });
  closed.stepUntil(() => closed.peer.state === "connected" && closed.serverEvents.length > 0, "connected");
  closed.peer.send("never");
  closed.client.close();
  assert.equal(closed.peer.state, "disconnected");
  for (const { step, serverEvents } of [idle, kicked, closed]) {
    for (let i = 0; i < 20; i++) step();
    assert.deepEqual(serverEvents.map((event) => event.type === "disconnect" ? event.reason : event.type), [
      "connect",
      "closed",
    ]);
  }
});

Deno.test("the server's answer to a HELLO lost, the client's HELLO sent again is answered again: connected at the retry", () => {
  // The answer is the server's first data packet. Unanswered, the client would wait for the server's keepalive, a
  // second later (KEEPALIVE_MS), while its HELLOs came every 100 ms (HANDSHAKE_RETRY_MS).
  let dropped = 0;
  const { peer, step } = pair({ latencyMs: 10 }, {}, {
    server: {
      socket: (inner) => ({
        ...inner,
        send: (data, to) => data[0] >= 0x80 && !dropped++ ? undefined : inner.send(data, to), // the first data packet
      }),
    },
  });
  let steps = 0;
  for (; peer.state !== "connected" && steps < 100; steps++) step();
  assert.ok(dropped > 0);
  assert.ok(steps * TICK_MS < 400, `connected after ${steps * TICK_MS} ms`);
});

Deno.test("a packet is filled to its last byte: two messages whose frames take exactly mtu - 13 bytes leave in one", () => {
  const { peer, client, step, stepUntil, serverEvents, piecesPackets } = recordingPair({ latencyMs: 10 });
  stepUntil(() => peer.state === "connected", "connected");
  for (let i = 0; i < 40; i++) {
    peer.send(i); // past the first 32 packets, whose loss is taken as 20%: no copies ride on a clean link
    step();
  }
  for (let i = 0; i < 10; i++) step();
  // 997 bytes pack to 1,000 (a bin 16): a frame of 1 + 2 (sequence) + 2 (length varint) + 1,000 = 1,005 bytes. 175 pack
  // to 177, counted as a frame in full: 182 (it goes as NEXT, 2 less). 1,187: the mtu less the longest header and tag.
  piecesPackets();
  peer.send(new Uint8Array(997));
  peer.send(new Uint8Array(175));
  client.update();
  assert.equal(piecesPackets(), 1);
  stepUntil(() => messages(serverEvents).length === 42, "both delivered", 50);
});

/** Sends two messages of `first` and `second` bytes on a warmed clean link at `mtu`: true when they left in one packet. */
function twoInOnePacket(mtu: number, first: number, second: number): boolean {
  const { peer, client, step, stepUntil, serverEvents, piecesPackets } = recordingPair({ latencyMs: 10 }, { mtu });
  stepUntil(() => peer.state === "connected", "connected");
  for (let i = 0; i < 40; i++) {
    peer.send(i); // past the first 32 packets, whose loss is taken as 20%: no copies ride on a clean link
    step();
  }
  for (let i = 0; i < 10; i++) step();
  piecesPackets();
  peer.send(new Uint8Array(first));
  peer.send(new Uint8Array(second));
  client.update();
  const packets = piecesPackets();
  stepUntil(() => messages(serverEvents).length === 42, "both delivered", 50);
  return packets == 1;
}

Deno.test("a frame whose length takes a 2-byte varint up to 2 ** 14 is planned at that: two frames of exactly the room go in one packet", () => {
  // At mtu 10,200 a packet has 10,187 bytes of room. 9,997 bytes pack to 10,000: a frame of 1 + 2 (sequence) + 2 (a
  // varint of 9,986, which is under 2 ** 14) + 10,000 = 10,005 bytes; 175 pack to 177, counted as a frame in full:
  // 182. Counted with a 3-byte varint, the first took a byte more and the second waited for the next packet.
  assert.ok(twoInOnePacket(10_200, 9997, 175));
});

Deno.test("a frame whose length takes a 3-byte varint, past 2 ** 14, is planned at that: two frames of exactly the room go in one packet", () => {
  // At mtu 30,200 a packet has 30,187 bytes of room. 19,997 bytes pack to 20,000: a frame of 1 + 2 (sequence) + 3 (a
  // varint of 19,986, past 2 ** 14) + 20,000 = 20,006 bytes; 10,173 pack to 10,176, a frame of 1 + 2 + 2 + 10,176 =
  // 10,181, the rest exactly. Counted with a 4-byte varint, the first took a byte more and the second waited.
  assert.ok(twoInOnePacket(30_200, 19997, 10173));
});

Deno.test("frames of exactly 14 bytes, the first length past the head's, are planned with their length byte: 74 to a packet", () => {
  // A frame's head holds a length up to 13; from 14 on it holds 15 and a varint of the length less 14 follows, 0 here,
  // a byte all the same. 12 bytes pack to 14 (a bin 8): an unreliable frame of 1 + 1 + 14 = 16 bytes, 74 of them in
  // the 1,187 bytes of a packet's room. Counted a byte short, 79 were planned and built past the packet's buffer.
  const { peer, client, step, stepUntil, serverEvents, piecesPackets } = recordingPair({ latencyMs: 10 });
  stepUntil(() => peer.state === "connected", "connected");
  for (let i = 0; i < 40; i++) step(); // idle: the clock samples taken, nothing else rides
  assert.equal(pack(new Uint8Array(12)).length, 14);
  piecesPackets();
  for (let i = 0; i < 148; i++) peer.send(new Uint8Array(12).fill(i), { mode: "unreliable" });
  client.update();
  assert.equal(piecesPackets(), 2);
  for (let i = 0; i < 5; i++) step();
  const got = messages(serverEvents).map(({ data }) => (data as Uint8Array)[0]);
  assert.deepEqual(got, [...Array(148).keys()]);
});

Deno.test("frames whose length takes a 3-byte varint (16,398 bytes) are planned at their size: three in a packet arrive whole", () => {
  // 16,395 bytes pack to 16,398 (a bin 16), a frame's length 14 + 16,384: its varint takes 3 bytes. Counted as 2, a
  // packet of three such frames was built 3 bytes past its buffer; with the header at its longest (a wide ack and
  // every ack-bit byte, as half the server's packets are lost) the datagram was cut short and dropped as invalid.
  const { net, peer, server, step, serverEvents } = pair({}, { mtu: 65507 });
  net.link("server", "client", { loss: 0.5, seed: 3 });
  let sent = 0;
  for (let i = 0; i < 200; i++) {
    if (peer.state === "connected" && i < 150) {
      for (let k = 0; k < 3; k++, sent++) peer.send(new Uint8Array(16_395), { mode: "unreliable" });
    }
    for (const other of server.peers) other.send(i, { mode: "unreliable" });
    step();
  }
  assert.ok(sent > 300, `${sent} sent`);
  assert.equal(server.stats.invalidDropped, 0);
  assert.equal(messages(serverEvents).length, sent);
});

Deno.test("connect() again to an address connecting or connected returns the same peer, and sends no second HELLO", () => {
  const { client, peer, step, stepUntil, serverEvents, clientEvents } = pair({ latencyMs: 30 });
  const sent = client.stats.packetsSent;
  assert.equal(client.connect("server"), peer, "while connecting");
  assert.equal(client.stats.packetsSent, sent);
  stepUntil(() => peer.state === "connected" && serverEvents.length > 0, "connected");
  assert.equal(client.connect("server"), peer, "once connected");
  for (let i = 0; i < 20; i++) step();
  assert.deepEqual(serverEvents.map((event) => event.type), ["connect"]);
  assert.deepEqual(clientEvents.map((event) => event.type), ["connect"]);
  assert.deepEqual(client.peers, [peer]);
});

Deno.test("connect() again right after disconnect() makes a new peer, which connects, while the old one is let go", () => {
  // The old peer is "disconnected" at once (nothing queued) but still filed, its goodbyes to send: connect() must not
  // hand it back, a peer that never connects again.
  const { client, peer, stepUntil, serverEvents, clientEvents } = pair({ latencyMs: 30 });
  stepUntil(() => peer.state === "connected" && serverEvents.length > 0, "connected");
  peer.disconnect();
  const again = client.connect("server");
  assert.notEqual(again, peer);
  assert.equal(again.state, "connecting");
  stepUntil(() => again.state === "connected", "connected again", 100);
  again.send("back");
  stepUntil(() => messages(serverEvents).length > 0, "the message", 100);
  const seen = (events: HostEvent[]) =>
    events.map((event) =>
      event.type === "disconnect" ? event.reason : event.type === "message" ? event.data : event.type
    );
  // The server hears the old connection end (the new HELLO from its address) and the new one begin.
  assert.deepEqual(seen(serverEvents), ["connect", "closed", "connect", "back"]);
  assert.deepEqual(seen(clientEvents), ["connect", "connect"]);
  assert.deepEqual(client.peers, [again]);
});

Deno.test("host.close() sends CLOSE_BURST (5) goodbyes to each connected peer at once, and nothing else", () => {
  // A sweep of operator flips found the burst's count untested: a loop that sent `undefined` five times before the
  // goodbyes passed every test.
  const net = memoryNet({ latencyMs: 10 });
  const inner = net.socket("client");
  const sent: unknown[] = [];
  const socket: Socket = { ...inner, send: (data, to) => (sent.push(data), inner.send(data, to)) };
  const server = new Host(net.socket("server"), { now: net.now });
  const client = new Host(socket, { now: net.now });
  const peer = client.connect("server");
  for (let i = 0; i < 20; i++) client.update(), server.update(), net.advance(16);
  assert.equal(peer.state, "connected");
  sent.length = 0;
  client.close();
  assert.equal(sent.length, 5);
  assert.ok(sent.every((data) => data instanceof Uint8Array && data[0] & 0x80), "data packets (CLOSING)");
  net.advance(20);
  const ends: string[] = [];
  server.update();
  for (let event; (event = server.poll());) if (event.type === "disconnect") ends.push(event.reason);
  assert.deepEqual([ends, server.stats.invalidDropped], [["closed"], 4]);
});

Deno.test("over a reliable socket a peer says goodbye once, by disconnect() or close(): nothing there is lost", () => {
  for (const ending of ["disconnect", "close"] as const) {
    const net = memoryNet({ latencyMs: 10 });
    const inner = net.socket("client");
    const sent: Uint8Array[] = [];
    const socket: Socket = { ...inner, reliable: true, send: (data, to) => (sent.push(data), inner.send(data, to)) };
    const server = new Host({ ...net.socket("server"), reliable: true }, { now: net.now });
    const client = new Host(socket, { now: net.now });
    const peer = client.connect("server");
    for (let i = 0; i < 20; i++) client.update(), server.update(), net.advance(16), drain(server), drain(client);
    assert.equal(peer.state, "connected");
    sent.length = 0;
    if (ending === "disconnect") peer.disconnect();
    else client.close();
    const ends: string[] = [];
    for (let i = 0; i < 10; i++) {
      if (ending === "disconnect") client.update();
      server.update(), net.advance(16);
      for (const event of drain(server)) if (event.type === "disconnect") ends.push(event.reason);
    }
    assert.equal(sent.filter((data) => data[0] & 0x20).length, 1, `${ending}: one CLOSING`);
    assert.equal(sent.length, 1, `${ending}: nothing else`);
    assert.deepEqual(ends, ["closed"], ending);
  }
});

Deno.test("the side that says goodbye counts the other side's ack of it as taken, not invalid", () => {
  // The closing side's connection is "disconnected" while its CLOSING waits for an ack; the ack that arrives ends the
  // closing. (The other side counts the CLOSING copies that arrive after the first as invalid: it has let go.)
  const { client, peer, step, stepUntil, serverEvents } = pair({ latencyMs: 30 });
  stepUntil(() => peer.state === "connected" && serverEvents.length > 0, "connected");
  peer.disconnect();
  for (let i = 0; i < 20; i++) step();
  assert.deepEqual(serverEvents.map((event) => event.type === "disconnect" ? event.reason : event.type), [
    "connect",
    "closed",
  ]);
  assert.ok(client.stats.packetsReceived > 0);
  assert.equal(client.stats.invalidDropped, 0);
  assert.deepEqual(client.peers, []);
});

Deno.test("a closed Host takes nothing a socket still hands it: a HELLO gets no answer, a peer's packet counts nothing", () => {
  // A runtime may hand over a datagram read just before its socket closed. A Host that took it answered a stranger's
  // HELLO with a CHALLENGE on a closed socket, and counted the datagram.
  let receive: (data: Uint8Array, from: string) => void = () => {};
  const sent: Uint8Array[] = [];
  const host = new Host({
    send: (data) => void sent.push(data),
    listen: (onData) => void (receive = onData),
    close() {},
  }, {
    now: () => 0,
  });
  host.close();
  receive(Uint8Array.of(1, 0, 0, 0, 0, 7, 7, 7, 7, 0, 0, 0, 0), "127.0.0.1:5000"); // HELLO, protocol 0, no cookie
  assert.deepEqual(sent, []);
  assert.equal(host.stats.packetsReceived, 0);
  assert.equal(host.stats.bytesReceived, 0);
});

Deno.test({
  name:
    "a peer that ended lets go of its queue, though the game keeps the peer: 3,000 messages queued, freed at close()",
  ignore: !gc,
}, async () => {
  // Games keep their players' Peer objects past a disconnect (a list, a map by name). What was queued for one goes
  // with its streams when it ends; kept with them, each such peer held up to maxQueuedBytes (4 MiB by default).
  const net = memoryNet({ latencyMs: 5 });
  const client = new Host(net.socket("client"), { now: net.now });
  const peer = client.connect("nobody"); // no Host there: everything stays queued
  const message = new Uint8Array(1000); // one: no garbage of 3,000 to collect
  for (let i = 0; i < 3000; i++) peer.send(message);
  const queuedHeap = await settledHeap();
  client.close();
  assert.equal(peer.state, "disconnected");
  // The pieces and their views, on the heap: about 650 KB (the bytes themselves are outside it, and V8 lets go of them
  // later). Kept, 3 KB were freed.
  const freed = queuedHeap - await settledHeap();
  assert.ok(freed > 300_000, `${freed} bytes of the heap freed`);
  assert.equal(peer.send("more"), false); // the peer is still here, and refuses
});

Deno.test({
  name: "a stream lets go of what it sent once it is done: 1,000 messages of 1 KB sent and acked leave nothing held",
  ignore: !gc,
}, async () => {
  // Sent and done (acked, or gone once for a lossy mode), pieces stayed in their stream's queue until 1,024 of them
  // were done: a peer kept its last 1,023 messages, a "state" stream the states they pinned (a soak review,
  // 2026-12-04: 64 peers sent a 4 KB state each frame grew to 582 MiB, 9 MiB a peer; 33 MiB once let go).
  for (const mode of ["reliable", "unreliable", "state"] as const) {
    const net = memoryNet({ latencyMs: 5 });
    const server = new Host(net.socket("server"));
    const client = new Host(net.socket("client"));
    const peer = client.connect("server");
    let arrived = 0;
    const tick = () => {
      client.update();
      server.update();
      net.advance(16);
      while (client.poll());
      for (let event; (event = server.poll());) arrived += +(event.type === "message");
    };
    while (peer.state !== "connected") tick();
    for (let i = 0; i < 1000; i++) {
      peer.send(mode === "state" ? { i, blob: new Uint8Array(1000 + i) } : new Uint8Array(1000), { mode });
      if (i % 10 == 9) tick();
    }
    for (let i = 0; i < 100; i++) tick();
    assert.equal(arrived, mode === "state" ? 100 : 1000, mode); // a state an update: the newest of each 10
    const memory = async () => (await settledHeap(), Deno.memoryUsage().heapUsed + Deno.memoryUsage().external);
    const held = await memory();
    client.close();
    server.close();
    // What the Hosts held, the heap and the bytes outside it: 1.3 MB each when kept; what is left now is the Hosts'
    // own, and for states the 32 a stream keeps as baselines (about 150 KB).
    const freed = held - await memory();
    assert.ok(freed < (mode === "state" ? 500_000 : 200_000), `${mode}: ${freed} bytes freed at close()`);
  }
});

Deno.test("host.close() called again does nothing: its socket is closed once, nothing throws", () => {
  // A game's cleanup may close twice; Node's dgram socket throws ERR_SOCKET_DGRAM_NOT_RUNNING when closed again.
  let closes = 0;
  const { net, client, peer, stepUntil, serverEvents } = pair({ latencyMs: 30 }, {}, {
    client: {
      socket: (inner) => {
        return {
          ...inner,
          close() {
            if (closes++) throw new Error("closed twice");
            inner.close();
          },
        };
      },
    },
  });
  stepUntil(() => peer.state === "connected" && serverEvents.length > 0, "connected");
  const sent = client.stats.packetsSent;
  client.close();
  const goodbyes = client.stats.packetsSent - sent;
  assert.equal(closes, 1, "the socket closed with the Host");
  client.close();
  assert.equal(closes, 1);
  assert.equal(client.stats.packetsSent - sent, goodbyes, "no more goodbyes");
  client.update();
  net.advance(TICK_MS);
  assert.equal(client.poll(), undefined);
});

Deno.test("a disconnecting peer whose queue is never acked ends within timeout, silently, and delivers nothing", () => {
  // The client's data packets are lost once it leaves (its small acks and goodbyes pass): its queue cannot drain.
  let leaving = false;
  const { net, peer, server, step, stepUntil, serverEvents, clientEvents } = pair(
    { latencyMs: 20 },
    { timeout: 2000 },
    {
      client: { socket: (inner) => filtered(inner, (data) => !leaving || data.length < 40) },
      server: { options: { timeout: 10_000 } }, // it hears only the goodbye: it must not time out first
    },
  );
  stepUntil(() => peer.state === "connected" && serverEvents.length > 0, "connected");
  leaving = true;
  peer.send(new Uint8Array(100)); // lost on the way
  peer.disconnect();
  const at = net.now();
  serverEvents[0].peer.send("a message to a peer that is leaving"); // arrives, and is not delivered
  assert.equal(server.peers.length, 1);
  stepUntil(() => peer.state === "disconnected", "the leaving peer ends", 400);
  assert.ok(net.now() - at <= 2000 + 2 * TICK_MS, `ended ${net.now() - at} ms after disconnect()`);
  assert.deepEqual(clientEvents.map((event) => event.type), ["connect"], "no message, no event of its own");
  for (let i = 0; i < 20; i++) step();
  assert.deepEqual(serverEvents.map((event) => event.type === "disconnect" ? event.reason : event.type), [
    "connect",
    "closed",
  ]);
});

Deno.test('a disconnecting peer that times out on a stream\'s missing piece still says goodbye: the other side hears "closed"', () => {
  // Large packets are lost both ways: the server's first message never arrives while its second does, so the
  // client's stream waits for the first from then on. The client leaves a second later with a large message of its
  // own, so it is still disconnecting when the stream has waited `timeout`, before its silence would end it (it heard
  // the server's small messages until it left). The timeout with its own goodbye argument (silence) would not do.
  let lossy = false;
  const { net, peer, step, stepUntil, serverEvents } = pair(
    { latencyMs: 20 },
    { timeout: 2000 },
    {
      client: { socket: (inner) => filtered(inner, (data) => !lossy || data.length < 1000) },
      server: {
        socket: (inner) => filtered(inner, (data) => !lossy || data.length < 1000),
        options: { timeout: 10_000 },
      },
    },
  );
  stepUntil(() => peer.state === "connected" && serverEvents.length > 0, "connected");
  lossy = true;
  const far = serverEvents[0].peer;
  far.send(new Uint8Array(1100)); // lost, again and again
  step();
  far.send(1); // arrives: the stream waits for the first from now
  for (let i = 0; i < 60; i++) { // about 1 s, hearing the server
    far.send(i, { mode: "unreliable", channel: 1 });
    step();
  }
  peer.send(new Uint8Array(1100)); // lost: the client cannot finish leaving
  peer.disconnect();
  const at = net.now();
  stepUntil(() => peer.state === "disconnected", "the leaving client ends", 200);
  assert.ok(net.now() - at < 1500, `ended ${net.now() - at} ms after disconnect(): the stream's wait, not silence`);
  for (let i = 0; i < 20; i++) step();
  assert.deepEqual(serverEvents.map((event) => event.type === "disconnect" ? event.reason : event.type), [
    "connect",
    "closed",
  ]);
});

Deno.test("a disconnecting peer holds its maxPeers slot until it ends; connect() to its address drops it", () => {
  // Out of the count, every peer a game kicked with a queue kept it for `timeout`: a player reconnecting from a new
  // port each tick kept hundreds alive on a Host of maxPeers 4 (a review measured 122 MiB).
  let leaving = false;
  const { net, peer, server, step, stepUntil, serverEvents } = pair({ latencyMs: 20 }, { maxPeers: 1, timeout: 1000 }, {
    server: { socket: (inner) => filtered(inner, (data) => !leaving || data.length < 40) },
  });
  stepUntil(() => peer.state === "connected" && serverEvents.length > 0, "connected");
  leaving = true;
  const kicked = serverEvents[0].peer;
  kicked.send(new Uint8Array(100)); // lost on the way, and again, and again
  kicked.disconnect();
  assert.equal(kicked.state, "disconnecting");
  const second = new Host(net.socket("second"), { now: net.now });
  const events: HostEvent[] = [];
  const secondPeer = second.connect("server");
  for (let i = 0; i < 10; i++) step(), second.update(), events.push(...drain(second));
  assert.equal(secondPeer.state, "disconnected", "the leaving peer holds its slot");
  assert.deepEqual(events.map((event) => event.type === "disconnect" && event.reason), ["full"]);
  stepUntil(() => kicked.state === "disconnected", "the leaving peer ends", 100);
  const third = second.connect("server");
  for (let i = 0; i < 10; i++) step(), second.update();
  assert.equal(third.state, "connected", "its slot is free once it ended");
  const other = pair({ latencyMs: 20 });
  other.stepUntil(() => other.peer.state === "connected" && other.serverEvents.length > 0, "connected");
  const first = other.serverEvents[0].peer;
  for (let i = 0; i < 200; i++) first.send(new Uint8Array(1000)); // more than one update's packets
  first.disconnect();
  const back = other.server.connect("client");
  assert.notEqual(back, first);
  assert.equal(first.state, "disconnected", "connect() to a leaving peer's address drops it");
  void server;
});

Deno.test("a disconnecting peer's packets are not refused while the event queue is full: it delivers none of them", () => {
  // Refused, over a reliable socket the leaving peer was ended and its queue dropped; over UDP its acks were lost too.
  for (const reliable of [true, false]) {
    const socket = (inner: Socket) => ({ ...inner, reliable });
    const net = memoryNet({ latencyMs: 20 });
    const server = new Host(socket(net.socket("server")), { now: net.now });
    const client = new Host(socket(net.socket("client")), { now: net.now, maxEvents: 4 });
    const peer = client.connect("server");
    const serverEvents: HostEvent[] = [];
    const step = () => {
      client.update();
      server.update();
      net.advance(TICK_MS);
      serverEvents.push(...drain(server)); // the client's game polls nothing
    };
    for (let i = 0; i < 20 && !serverEvents.length; i++) step();
    const serverPeer = serverEvents[0].peer;
    for (let i = 0; i < 8; i++) serverPeer.send(`world ${i}`); // past the client's maxEvents
    for (let i = 0; i < 10; i++) step();
    for (let i = 0; i < 50; i++) peer.send(new Uint8Array(1000).fill(i));
    peer.disconnect();
    const at = net.now();
    for (let i = 0; i < 200 && !serverEvents.some((event) => event.type === "disconnect"); i++) {
      if (serverPeer.state === "connected") serverPeer.send("tick"); // the other side goes on
      step();
    }
    const got = messages(serverEvents).map(({ data }) => (data as Uint8Array)[0]);
    assert.deepEqual(got, [...Array(50).keys()], `${reliable ? "reliable" : "UDP"}: every message`);
    assert.equal(serverEvents.at(-1)?.type, "disconnect");
    assert.ok(net.now() - at < 500, `${reliable ? "reliable" : "UDP"}: closed ${net.now() - at} ms after`);
  }
});

// ─── what pack cannot lose in silence (issue #10) ───────────────────────────

Deno.test("pack() writes a Set as the array of its values", () => {
  assert.deepEqual(unpack(pack(new Set([1, "two", [3]]))), [1, "two", [3]]);
  assert.deepEqual(unpack(pack({ tags: new Set(["a"]) })), { tags: ["a"] });
});

Deno.test("pack() throws a TypeError that names where a value it cannot take sits", () => {
  const cases: [unknown, string][] = [
    [() => 1, "Cannot pack a function"],
    [{ a: { b: [0, 1, () => 1] } }, "Cannot pack a function at .a.b[2]"],
    [{ p: Promise.resolve(1) }, "Cannot pack a Promise at .p"],
    [[new WeakMap()], "Cannot pack a WeakMap at [0]"],
    [new Map([[7, { s: new WeakSet() }]]), "Cannot pack a WeakSet at [7].s"],
    [{ "two words": [Symbol("s")] }, "Cannot pack a symbol at [two words][0]"],
    [new Set([{ big: 2n ** 70n }]), `Cannot pack ${2n ** 70n}: a bigint must fit in 64 bits at [0].big`],
    // A `$` in a key is the key's own: as a replacement string, "$&" inserted the match (" at ") and "$'" the rest.
    [{ "$&": () => 1 }, "Cannot pack a function at [$&]"],
    [{ a: { "$'": [() => 1] } }, "Cannot pack a function at .a[$'][0]"],
    [new Map([["x$$y", { $1: () => 1 }]]), "Cannot pack a function at .x$$y.$1"],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => pack(value), (error: Error) => error.message === message, message);
  }
  // A getter's own error passes as it is.
  const getterError = new Error("from a getter");
  assert.throws(() =>
    pack({
      get x() {
        throw getterError;
      },
    }), (error) => error === getterError && getterError.message === "from a getter");
  // Under a key that cannot be made a string (an object of no prototype, as a Map key) too: the key is read only for
  // an error that gets a path.
  assert.throws(() =>
    pack(
      new Map([[Object.create(null), {
        get x() {
          throw getterError;
        },
      }]]),
    ), (error) => error === getterError && getterError.message === "from a getter");
});

Deno.test("unpack() of something that is not a Uint8Array says what it got", () => {
  for (
    const [value, what] of [[{}, "an object"], [null, "null"], [undefined, "undefined"], [7, "a number"], [
      "x",
      "a string",
    ]]
  ) {
    assert.throws(() => unpack(value as Uint8Array), {
      name: "TypeError",
      message: `Cannot unpack ${what}: it takes a Uint8Array`,
    });
  }
});

Deno.test("message events carry their mode", () => {
  const { peer, step, serverEvents } = pair({ latencyMs: 10 });
  for (const mode of MODE_NAMES) peer.send(mode, { mode });
  for (let i = 0; i < 20; i++) step();
  const got = messages(serverEvents).map((event) => [event.data, (event as HostEvent & { mode: Mode }).mode]);
  assert.deepEqual(got.sort(), MODE_NAMES.map((mode) => [mode, mode]).sort());
});

Deno.test("over a reliable socket a packet past maxEvents is never lost in silence: the peer is dropped, and told", () => {
  const net = memoryNet({ latencyMs: 5 });
  const server = new Host({ ...net.socket("server"), reliable: true }, { maxEvents: 10 });
  const client = new Host({ ...net.socket("client"), reliable: true });
  const peer = client.connect("server");
  for (let i = 0; i < 10; i++) client.update(), server.update(), net.advance(16);
  assert.equal(peer.state, "connected");
  assert.equal(client.poll()?.type, "connect");
  const clientEvents: HostEvent[] = [];
  let sent = 0;
  for (let i = 0; i < 40; i++) {
    if (peer.state === "connected") peer.send(sent++);
    client.update();
    server.update();
    net.advance(16);
    for (let event; (event = client.poll());) clientEvents.push(event);
  }
  const events: HostEvent[] = [];
  for (let event; (event = server.poll());) events.push(event);
  const got = messages(events).map((event) => event.data);
  assert.deepEqual(got, [...got.keys()], "what arrived arrived in order, with no gap");
  assert.ok(got.length < sent, `${got.length} of ${sent} arrived`);
  const last = events.at(-1);
  assert.equal(last?.type === "disconnect" && last.reason, "closed");
  // The dropped side hears it at once: it went on sending into the void until its timeout, 10 s.
  assert.equal(peer.state, "disconnected");
  assert.deepEqual(clientEvents.map((event) => event.type === "disconnect" ? event.reason : event.type), ["closed"]);
  assert.ok(sent < 40, `the client sent ${sent} messages`);
});

Deno.test("while the game is slow to poll, an idle peer's keepalives still get in: over a reliable socket it stays", () => {
  // Three players fill the queue past twice maxEvents, where every peer's packets wait; the fourth only sends
  // keepalives, which add no event. Refused, it was dropped over a reliable socket (timed out over UDP).
  for (const reliable of [true, false]) {
    const net = memoryNet({ latencyMs: 5 });
    const wrap = (socket: Socket) => reliable ? { ...socket, reliable: true } : socket;
    const server = new Host(wrap(net.socket("server")), { now: net.now, maxEvents: 4, timeout: 3000 });
    const names = ["a", "b", "c", "idle"];
    const clients = names.map((name) => new Host(wrap(net.socket(name)), { now: net.now, timeout: 3000 }));
    const peers = clients.map((client) => client.connect("server"));
    const step = () => {
      for (const host of [...clients, server]) host.update();
      net.advance(16);
      for (const client of clients) while (client.poll());
    };
    for (let i = 0; i < 10; i++) step(), drain(server);
    assert.ok(peers.every((peer) => peer.state === "connected"));
    for (const peer of peers.slice(0, 3)) for (let i = 0; i < 3; i++) peer.send(i);
    for (let i = 0; i < 5000 / 16; i++) step(); // five seconds, the game polling nothing: past the timeout
    assert.equal(peers[3].state, "connected", `${reliable ? "reliable" : "UDP"}: the idle peer stays`);
    const events = drain(server);
    assert.ok(messages(events).length >= 8, `${messages(events).length} messages queued: past twice maxEvents`);
    assert.ok(!events.some((event) => event.type === "disconnect" && event.peer.address === "idle"));
  }
});

Deno.test("while the game does not poll, a peer whose every packet carries a message is refused and stays: all arrives after", () => {
  // A Host that updates and does not poll for longer than `timeout` (a loading screen, a server that only sends):
  // every packet of a busy peer is refused for maxEvents, and a refused packet, though its tag proved it the peer's,
  // did not count as hearing from it: the peer ended as "timeout" on a perfect link (a review, 2026-12-05).
  for (const loss of [0, 0.05, 0.2]) {
    for (let seed = 1; seed <= 5; seed++) {
      const net = memoryNet({ latencyMs: 20, jitterMs: 5, loss, seed });
      const server = new Host(net.socket("server"), { now: net.now, maxEvents: 16, timeout: 3000 });
      const client = new Host(net.socket("client"), { now: net.now, timeout: 3000 });
      const peer = client.connect("server");
      const got: number[] = [];
      let sent = 0;
      for (let tick = 0; tick < 700; tick++) {
        if (peer.state === "connected" && tick < 500) peer.send(sent++);
        client.update();
        server.update();
        net.advance(TICK_MS);
        while (client.poll());
        // The game polls for about a second, then not for 5 s (past the timeout), then again.
        if (tick < 60 || tick >= 60 + 5000 / TICK_MS) {
          for (const event of drain(server)) {
            assert.notEqual(event.type, "disconnect", `loss ${loss}, seed ${seed}: at ${net.now()} ms`);
            if (event.type === "message") got.push(event.data as number);
          }
        }
      }
      assert.equal(peer.state, "connected", `loss ${loss}, seed ${seed}`);
      assert.ok(server.stats.invalidDropped > 0, "the busy peer's packets were refused while the game did not poll");
      assert.deepEqual(got, [...Array(sent).keys()], `loss ${loss}, seed ${seed}: every message, in order`);
    }
  }
});

Deno.test("an honest sender of large messages never sends past the receiver's window: nothing refused at 5% loss", () => {
  // The receiver's window starts at the first message it has not delivered; a sender that counted from its
  // oldest piece not acked (the middle of a message) went past it, and the packets were refused, again and again.
  for (let seed = 1; seed <= 5; seed++) {
    const { peer, server, serverEvents, stepUntil } = pair({ latencyMs: 20, jitterMs: 10, loss: 0.05, seed }, {
      packetsPerUpdate: 64,
    });
    stepUntil(() => peer.state === "connected", "connected");
    const big = new Uint8Array(30_000);
    // 3.6 MB with their pieces' bookkeeping, within the default 4 MiB a sender may queue.
    for (let i = 0; i < 100; i++) peer.send(big.fill(i));
    stepUntil(() => messages(serverEvents).length === 100, "100 messages of 30 KB arrive", 3000);
    assert.equal(server.stats.invalidDropped, 0, `seed ${seed}: an honest packet was refused`);
    assert.deepEqual(messages(serverEvents).map(({ data }) => (data as Uint8Array)[0]), [...Array(100).keys()]);
  }
});

Deno.test("a sender whose oldest piece not acked is mid-message still stops at the receiver's window", () => {
  // The receiver's window starts at the first piece of the message it has not delivered. Piece 500 of a 1 MiB
  // message is lost 8 times while 300 small messages queue behind it: 1,193 pieces, past the 1,024 of the window.
  const marker = new Uint8Array(64).fill(0xab);
  const big = new Uint8Array(1 << 20);
  big.set(marker, 500 * 1175 + 100); // inside piece 500 (a piece is 1,175 bytes, and the first has 5 of pack's)
  let lost = 0;
  const carries = (data: Uint8Array) => {
    for (let at = data.indexOf(0xab); at >= 0 && at + 64 <= data.length; at = data.indexOf(0xab, at + 1)) {
      if (data.subarray(at, at + 64).every((byte) => byte === 0xab)) return true;
    }
    return false;
  };
  const lossy = (inner: Socket): Socket => ({
    ...inner,
    send(data, to) {
      if (carries(data) && lost < 8) lost++;
      else inner.send(data, to);
    },
  });
  const { peer, server, serverEvents, stepUntil } = pair({ latencyMs: 20 }, {}, { client: { socket: lossy } });
  stepUntil(() => peer.state === "connected", "connected");
  peer.send(big);
  for (let i = 0; i < 300; i++) peer.send(new Uint8Array(1100).fill(i));
  stepUntil(() => messages(serverEvents).length === 301, "301 messages arrive");
  assert.equal(lost, 8, "piece 500 was lost 8 times");
  assert.equal(server.stats.invalidDropped, 0, "a piece past the receiver's window was sent");
});

/**
 * A client and a server on a memoryNet of `latencyMs` one way, connected, watching one message or piece: `carried` lists
 * when each client datagram that holds `marker`'s bytes left, and `lose(data, carriedCount)` decides which client
 * datagrams are lost (carriedCount: how many datagrams carried the marker so far, this one included, 0 if it has none).
 * `step(ms)` updates both and advances the clock; `got` lists the messages the server delivered.
 */
function watchedPair(
  latencyMs: number,
  marker: Uint8Array,
  lose: (data: Uint8Array, carriedCount: number) => boolean = () => false,
) {
  const net = memoryNet({ latencyMs });
  const wanted = [...marker].join(",");
  const carried: number[] = [];
  const inner = net.socket("client");
  const socket: Socket = {
    ...inner,
    send(data, to) {
      const marked = data.join(",").includes(wanted);
      if (marked) carried.push(net.now());
      if (!lose(data, marked ? carried.length : 0)) inner.send(data, to);
    },
  };
  const server = new Host(net.socket("server"), { now: net.now });
  const client = new Host(socket, { now: net.now });
  const peer = client.connect("server");
  const got: unknown[] = [];
  const step = (ms = TICK_MS) => {
    client.update();
    server.update();
    net.advance(ms);
    for (let event; (event = server.poll());) if (event.type === "message") got.push(event.data);
  };
  for (let i = 0; i < 40 && peer.state !== "connected"; i++) step();
  assert.equal(peer.state, "connected");
  return { net, client, peer, carried, got, step };
}

Deno.test("a piece whose copies were all lost rides along again after it is resent, as a new piece does", () => {
  // Its first five copies (MAX_COPIES, at the 20% a new connection assumes) are all lost.
  const { peer, carried, got, step } = watchedPair(20, pack("the marked one"), (_, count) => count >= 1 && count <= 5);
  peer.send("the marked one"); // a new connection assumes 20% loss: copies ride in the next packets
  for (let i = 0; i < 60; i++) {
    peer.send(i); // traffic, so packets keep leaving
    step();
  }
  assert.ok(got.includes("the marked one"));
  assert.ok(carried.length >= 7, `carried in ${carried.length} packets`);
  // After the five lost copies, the resend goes with copies riding in the packets after it.
  const afterResend = carried.slice(5);
  assert.ok(afterResend.length >= 2, `after its resend it left in ${afterResend.length} packet(s)`);
  assert.ok(afterResend[1] - afterResend[0] <= 2 * TICK_MS, "the copy rides in a next packet, not after a timer");
});

Deno.test("a piece rides along in at most five packets (MAX_COPIES) before it is due for a resend, at any loss", () => {
  // At 60% loss all of five copies are lost with a chance of 0.6 ** 5 = 0.08, far above RESIDUAL_LOSS: only the cap
  // stops a sixth copy, and those past it are bytes spent where a resend would come soon anyway (an RTT of 200 ms here,
  // a resend due after about 250 ms; a sweep of operator flips found `copies <= MAX_COPIES` passing every test).
  let lossy = false;
  let count = 0;
  // Three of every five client datagrams lost, once `lossy`.
  const { peer, carried, step } = watchedPair(100, pack("the marked one"), () => lossy && ++count % 5 >= 2);
  lossy = true;
  for (let i = 0; i < 400; i++) {
    peer.send(i); // past the first 32 packets: the copies follow the measured loss
    step();
  }
  assert.ok(peer.stats.loss > 0.4, `the loss estimate ${peer.stats.loss}`);
  peer.send("the marked one");
  for (let i = 0; i < 12; i++) { // 192 ms, a packet each tick: before its resend is due
    peer.send(i);
    step();
  }
  assert.equal(carried.length, 5, `carried in packets at ${carried.map((at) => at - carried[0])} ms`);
  assert.deepEqual(carried.map((at) => (at - carried[0]) / TICK_MS), [0, 1, 2, 3, 4], "in the next packets");
});

Deno.test("a fragment resent is due again only after its next resend time, not at every update", () => {
  // A resent fragment taken as a ride kept its resend time in the past, and went again in every update until its ack
  // came (a sweep of operator flips found `list >= 1` for `list > 1` passing every test).
  const message = Uint8Array.from({ length: 3000 }, (_, i) => i % 251);
  message.set([255, 254, 253, 252, 255, 254, 253, 252], 1500); // bytes found nowhere else, in the second of 3 pieces
  // Its first send lost.
  const { peer, carried, got, step } = watchedPair(50, message.subarray(1500, 1508), (_, count) => count === 1);
  for (let i = 0; i < 60; i++) {
    peer.send(i); // past the first 32 packets, on a clean link: no copies ride
    step();
  }
  peer.send(message);
  for (let i = 0; i < 40; i++) step();
  assert.deepEqual(got.at(-1), message);
  assert.equal(carried.length, 2, `carried at ${carried.map((at) => at - carried[0])} ms`);
});

Deno.test("a Host updated twice in one millisecond sends no piece twice in it", () => {
  // A game loop faster than its clock's millisecond updates twice at one time: the pieces sent in the first update are
  // planned again as copies to ride along (a new connection takes its loss as 20%), and would ride in the second
  // update's packets at once, where a copy buys nothing (a sweep of operator flips found the test of `sentAt` untested).
  const { net, client, peer, carried } = watchedPair(20, pack("the marked one"));
  peer.send("the marked one");
  client.update();
  peer.send("another");
  client.update(); // the same millisecond: "another" leaves alone
  assert.deepEqual(carried, [net.now()]);
  net.advance(TICK_MS);
  peer.send("a third");
  client.update(); // the next: the marked message rides along with it
  assert.deepEqual(carried, [net.now() - TICK_MS, net.now()]);
});

Deno.test("a peer silent exactly `timeout` ms is kept; one more ms and it is dropped", () => {
  // HostOptions.timeout: "a peer silent this many ms is dropped". Pinned at its edge (a sweep of operator flips found
  // `>=` for `>` passing every test).
  let now = 0;
  const net = memoryNet();
  const server = new Host(net.socket("server"), { now: () => now, timeout: 1000 });
  const client = new Host(net.socket("client"), { now: () => now, timeout: 1000 });
  const peer = client.connect("server");
  for (let i = 0; i < 10 && peer.state !== "connected"; i++) {
    client.update(), server.update(), net.advance(16), now += 16;
  }
  peer.send("the last word");
  client.update();
  net.advance(1); // delivered: the server hears the client at this time, and never again
  const heard = now;
  const ends: string[] = [];
  for (const at of [heard + 999, heard + 1000, heard + 1001]) {
    now = at;
    server.update();
    for (let event; (event = server.poll());) {
      if (event.type === "disconnect") ends.push(`${event.reason} at ${at - heard}`);
    }
  }
  assert.deepEqual(ends, ["timeout at 1001"]);
});

Deno.test("keepalives leave exactly KEEPALIVE_MS (1,000) apart, an ack exactly ACK_DELAY_MS (33) after the last packet", () => {
  // Updated every ms, so the timers are seen at their edges (a sweep of operator flips found `>` for `>=` passing
  // every test: on a 16 ms tick neither 33 nor 1,000 is ever reached exactly).
  const net = memoryNet();
  const inner = net.socket("server");
  const sentAt: number[] = []; // when the server sent a data packet
  const socket: Socket = {
    ...inner,
    send: (data, to) => (data[0] & 0x80 && sentAt.push(net.now()), inner.send(data, to)),
  };
  const server = new Host(socket, { now: net.now });
  const client = new Host(net.socket("client"), { now: net.now });
  const peer = client.connect("server");
  const step = (ms: number) => {
    for (let i = 0; i < ms; i++) client.update(), server.update(), net.advance(1);
  };
  step(200);
  assert.equal(peer.state, "connected");
  const count = sentAt.length;
  while (sentAt.length < count + 3) step(1); // idle: three keepalives, the last sent just now
  const gaps = sentAt.slice(-3).map((at, i, all) => at - all[i - 1]).slice(1);
  assert.deepEqual(gaps, [1000, 1000], `keepalives at ${sentAt}`);
  const last = sentAt.at(-1)!;
  step(10);
  peer.send("an ack is due"); // arrives 10 ms after the server's last packet: its ack waits for 33 ms of quiet
  step(60);
  assert.equal(sentAt.at(-1)! - last, 33, `the ack left ${sentAt.at(-1)! - last} ms after the server's packet before`);
});

/**
 * Two Hosts with a `timeout` of 1,000 ms on a clean memoryNet, updated every ms, where the client's socket drops every
 * datagram holding the bytes `lost` (so that piece, its copies and resends never arrive). `ends` gets each of the
 * server's disconnects as its reason and the ms since the first datagram holding `after` left the client.
 */
function lostPieceRig(lost: Uint8Array, after: Uint8Array) {
  const net = memoryNet();
  const [lostBytes, afterBytes] = [[...lost].join(","), [...after].join(",")];
  let heldSince = -1; // when the server got the first piece after the lost one
  const inner = net.socket("client");
  const socket: Socket = {
    ...inner,
    send(data, to) {
      const bytes = data.join(",");
      if (bytes.includes(lostBytes)) return; // the lost one, in every copy and resend
      if (bytes.includes(afterBytes) && heldSince < 0) heldSince = net.now();
      inner.send(data, to);
    },
  };
  const server = new Host(net.socket("server"), { now: net.now, timeout: 1000 });
  const client = new Host(socket, { now: net.now, timeout: 1000 });
  const peer = client.connect("server");
  const ends: string[] = [];
  const step = () => {
    client.update(), server.update(), net.advance(1);
    for (let event; (event = server.poll());) {
      if (event.type === "disconnect") ends.push(`${event.reason} ${net.now() - 1 - heldSince}`);
    }
  };
  for (let i = 0; i < 200; i++) step();
  return { peer, ends, step, client };
}

Deno.test("a stream that waited exactly `timeout` ms for a missing piece is kept; one more ms and the peer is dropped", () => {
  // Pinned at its edge, as the silence timeout (a sweep of operator flips found `>=` for `>` passing every test).
  const { peer, ends, step } = lostPieceRig(pack("never arrives"), pack("arrives after it"));
  peer.send("never arrives");
  step();
  peer.send("arrives after it");
  for (let i = 0; i < 1100; i++) {
    if (i % 10 == 0) peer.send(i, { mode: "unreliable" }); // packets without the lost piece: the server hears the client
    step();
  }
  assert.deepEqual(ends, ["timeout 1001"], "dropped at the first update past 1,000 ms of waiting");
});

Deno.test('a peer that times out says goodbye: the other side, whose packets were lost, hears "closed" at once', () => {
  // The server's packets stop reaching the client (an outage one way, or one that ended just before the client's
  // timeout): the client times out. Ended in silence, it left the server "connected" to nothing until its own
  // timeout, 10 s later (a review of outages, 2026-12-04, found it after an outage of 9.92 s in 8 of 10 phases).
  let dark = false;
  const { net, peer, step, stepUntil, serverEvents } = pair({ latencyMs: 20 }, { timeout: 1000 }, {
    server: { socket: (inner) => filtered(inner, () => !dark), options: { timeout: 10_000 } },
  });
  stepUntil(() => peer.state === "connected" && serverEvents.length > 0, "connected");
  dark = true;
  stepUntil(() => peer.state === "disconnected", "the client times out", 100);
  const at = net.now();
  for (let i = 0; i < 10; i++) step();
  const ends = serverEvents.flatMap((event) => event.type === "disconnect" ? [event.reason] : []);
  assert.deepEqual(ends, ["closed"], `${net.now() - at} ms after the client timed out`);
});

Deno.test("a reliable message sent during an outage goes as soon as the peer is heard again, not at its backed-off resend", () => {
  // An idle connection (keepalives once a second), 50 ms one way, dark both ways for 4.5 s; 200 ms in, the client sends
  // one reliable message. Its resends back off by 1.5 a try: in this phase the next was due 976 ms after the link came
  // back. A packet heard after more than 1.5 s of silence now makes every piece in flight due at once: the message
  // goes in the client's next packet after the server's first one arrives. (bench/outage_lone_message.ts sweeps it.)
  let dark = false;
  const unlessDark = (inner: Socket) => filtered(inner, () => !dark);
  const { net, peer, step, serverEvents } = pair({ latencyMs: 50 }, {}, {
    server: { socket: unlessDark },
    client: { socket: unlessDark },
  });
  for (let i = 0; i < 100; i++) step();
  assert.equal(peer.state, "connected");
  dark = true;
  const start = net.now();
  while (net.now() - start < 200) step();
  peer.send("ready");
  while (net.now() - start < 4500) step();
  dark = false;
  const back = net.now();
  while (!messages(serverEvents).length && net.now() - back < 3000) step();
  assert.equal(peer.state, "connected");
  assert.deepEqual(messages(serverEvents).map(({ data }) => data), ["ready"]);
  assert.ok(net.now() - back <= 300, `arrived ${net.now() - back} ms after the link came back`);
});

Deno.test("after an outage a busy peer's backlog goes as soon as the other side is heard: the flight sent in the dark is forgotten", () => {
  // Both sides busy (a reliable message from the client, an unreliable one from the server, every 16 ms tick), 50 ms
  // one way, dark both ways for 6 s. The client's packets sent in the dark fill its congestion window, and only an
  // ack of a packet sent after the return, a round trip and the ack delay later, showed them lost: the backlog came
  // 224 ms after the link (208 with every piece due at once but the flight kept). The first packet heard now
  // forgets that flight: 128 ms.
  let dark = false;
  const unlessDark = (inner: Socket) => filtered(inner, () => !dark);
  const { net, peer, server, client, serverEvents } = pair({ latencyMs: 50 }, {}, {
    server: { socket: unlessDark },
    client: { socket: unlessDark },
  });
  let sent = 0;
  const step = () => {
    if (peer.state === "connected") peer.send(sent++);
    for (const other of server.peers) other.send("tick", { mode: "unreliable" });
    client.update();
    server.update();
    net.advance(TICK_MS);
    for (let event; (event = server.poll());) serverEvents.push(event);
    while (client.poll());
  };
  for (let i = 0; i < 60; i++) step();
  dark = true;
  const start = net.now();
  while (net.now() - start < 6000) step();
  const sentInTheDark = sent;
  dark = false;
  const back = net.now();
  while (messages(serverEvents).length < sentInTheDark && net.now() - back < 3000) step();
  assert.deepEqual(messages(serverEvents).slice(0, sentInTheDark).map(({ data }) => data), [
    ...Array(sentInTheDark).keys(),
  ]);
  assert.ok(net.now() - back <= 160, `the backlog arrived ${net.now() - back} ms after the link came back`);
});

Deno.test('a stream that times out on a missing piece says goodbye: the sender, still hearing acks, hears "closed"', () => {
  const { peer, ends, step, client } = lostPieceRig(pack("never arrives"), pack("arrives after it"));
  peer.send("never arrives");
  step();
  peer.send("arrives after it");
  for (let i = 0; i < 1100 && !ends.length; i++) {
    if (i % 10 == 0) peer.send(i, { mode: "unreliable" });
    step();
  }
  assert.deepEqual(ends, ["timeout 1001"]);
  for (let i = 0; i < 100; i++) step(); // 100 ms: a goodbye takes 1 here; silence would take the client's 1,000
  const events: string[] = [];
  for (let event; (event = client.poll());) if (event.type === "disconnect") events.push(event.reason);
  assert.deepEqual(events, ["closed"]);
});

Deno.test("a stream whose very first message never arrives is dropped after `timeout` though later ones keep arriving", () => {
  // The wait is dated from the first piece held behind the missing one, and later pieces held behind the same one move
  // it no more: the stream waits for sequence 0 here, the first of its stream. Taken as already past 0 before anything
  // arrived, each later piece moved the first missing on, the wait started again with each, and never ran out.
  const { peer, ends, step } = lostPieceRig(pack("never arrives"), new TextEncoder().encode("arrives after it"));
  peer.send("never arrives", { channel: 1 });
  step();
  for (let i = 0; i < 1100 && peer.state == "connected"; i++) {
    if (i % 10 == 0) peer.send(`${i} arrives after it`, { channel: 1 }); // held, behind the lost one
    step();
  }
  assert.deepEqual(ends, ["timeout 1001"], "dropped at the first update past 1,000 ms of waiting");
});

Deno.test("a packet unacked when the two sent after it are acked is lost: its pieces go again then, not at a timer", () => {
  // One later packet acked may be reordering; two mean a loss (a sweep of operator flips found `bit <= 1` for
  // `bit < 1` passing every test: the third packet after it, or the resend timer, 54 ms later here). Its first send
  // lost.
  const { peer, carried, step } = watchedPair(50, pack("the marked one"), (_, count) => count === 1);
  for (let i = 0; i < 3000; i++) {
    if (i % 16 == 0) peer.send(i); // past the first 32 packets: no copies ride
    step(1);
  }
  for (const message of ["the marked one", "one after", "two after"]) peer.send(message), step(1);
  for (let i = 0; i < 400; i++) step(1);
  assert.equal(carried.length, 2);
  // The resend timer waits at least the RTT plus ACK_DELAY_MS (see #resendMs).
  const resentAfter = carried[1] - carried[0];
  assert.ok(resentAfter < peer.stats.rttMs + 33, `resent ${resentAfter} ms after, at an RTT of ${peer.stats.rttMs}`);
});

Deno.test("a piece lost before the first RTT sample is resent 200 ms after it left", () => {
  // The handshake takes no sample; the first packet's piece, its only send lost, waits the default (see #resendMs).
  const { peer, carried, step } = watchedPair(20, pack("the marked one"), (_, count) => count === 1);
  assert.equal(peer.stats.rttMs, 0);
  peer.send("the marked one");
  for (let i = 0; i < 300; i++) step(1);
  assert.deepEqual(carried.map((at) => at - carried[0]), [0, 200]);
});

Deno.test("a round trip of 0 ms is a sample of 0.1 ms: a piece lost after it is resent at the ack delay, not 200 ms; a stall's sample is capped", () => {
  // Both sides send and hear each other within one millisecond (a clock of whole milliseconds, as Date.now, on
  // loopback reads most round trips as 0). Taken as 0, the SRTT read as "no sample yet": every resend on such a link
  // waited 200 ms, and the next sample after a stall was taken as the first, uncapped (a stall of 1 s made the SRTT
  // 311 ms). A sample is at least MIN_RTT_SAMPLE_MS (0.1), and a resend waits SRTT + 4 RTTVAR + ACK_DELAY_MS.
  const net = memoryNet();
  const inner = net.socket("client");
  const marker = [...pack("the marked one")].join(",");
  const carried: number[] = [];
  const socket: Socket = {
    ...inner,
    send(data, to) {
      if (!data.join(",").includes(marker)) return inner.send(data, to);
      carried.push(net.now());
      if (carried.length > 1) inner.send(data, to); // its first send lost
    },
  };
  const server = new Host(net.socket("server"), { now: net.now });
  const client = new Host(socket, { now: net.now });
  const peer = client.connect("server");
  let talking: Peer | undefined;
  const got: unknown[] = [];
  const step = (serverUpdates = true) => {
    for (let i = 0; i < 2; i++) {
      client.update();
      net.advance(0);
      talking?.send("server traffic"); // so that each of the client's packets is acked at once
      if (serverUpdates) server.update();
      net.advance(0);
    }
    net.advance(1);
    for (let event; (event = server.poll());) {
      if (event.type === "connect") talking = event.peer;
      if (event.type === "message") got.push(event.data);
    }
  };
  for (let i = 0; i < 20; i++) step(), peer.send(i);
  assert.equal(peer.stats.rttMs, 0.1, "samples taken, each of 0 ms, the least");
  assert.equal(peer.stats.loss, 0, "so the piece goes once, no copy riding along");
  peer.send("the marked one");
  for (let i = 0; i < 300; i++) step();
  assert.deepEqual(carried.map((at) => at - carried[0]), [0, 34]); // 33.1 ms and a little variance: the next update
  assert.ok(got.includes("the marked one"));
  // The server's game stalls for a second: the sample after it counts for at most twice the SRTT and the ack delay.
  peer.send("before the stall");
  for (let i = 0; i < 1000; i++) step(false);
  step();
  assert.ok(peer.stats.rttMs < 5, `SRTT ${peer.stats.rttMs} ms after a stall of 1 s`);
});

Deno.test("a packet overtaken by the one after it is not lost: an ack of that one alone resends nothing", () => {
  // The other side of the test above: one later packet acked may be reordering (`bit < 0` for `bit < 1` counted it
  // lost and resent its pieces at once). The marked packet leaves 3 ms late, after the one behind it; the server sends
  // every millisecond, so its packets ack each arrival at once, the one after first.
  const net = memoryNet({ latencyMs: 50 });
  const inner = net.socket("client");
  const marker = [...pack("the marked one")].join(",");
  const carried: number[] = [];
  const late: [number, Uint8Array, string][] = [];
  const socket: Socket = {
    ...inner,
    send(data, to) {
      if (!data.join(",").includes(marker)) return inner.send(data, to);
      carried.push(net.now());
      if (carried.length == 1) late.push([net.now() + 3, data.slice(), to]);
      else inner.send(data, to);
    },
  };
  const server = new Host(net.socket("server"), { now: net.now });
  const client = new Host(socket, { now: net.now });
  const peer = client.connect("server");
  const got: unknown[] = [];
  let talking: Peer | undefined;
  const step = () => {
    if (late.length && late[0][0] <= net.now()) {
      const [, data, to] = late.shift()!;
      inner.send(data, to);
    }
    client.update();
    talking?.send("server traffic");
    server.update();
    net.advance(1);
    for (let event; (event = server.poll());) {
      if (event.type === "connect") talking = event.peer;
      if (event.type === "message") got.push(event.data);
    }
  };
  for (let i = 0; i < 3000; i++) {
    if (i % 16 == 0 && peer.state == "connected") peer.send(i); // past the first 32 packets: no copies ride
    step();
  }
  const serverPeer = talking!;
  talking = undefined;
  for (let i = 0; i < 100; i++) step(); // quiet: every ack is in
  talking = serverPeer;
  for (const message of ["the marked one", "one after"]) peer.send(message), step();
  for (let i = 0; i < 300; i++) step();
  assert.ok(got.includes("the marked one") && got.includes("one after"));
  assert.equal(carried.length, 1, `sent at ${carried}`);
});

Deno.test("a reliable stream past 32,768 messages in order, then always holding one while it moves on, is not timed out", () => {
  // The in-order path moved the next sequence to deliver on and left the first missing one where it was: 32,768
  // messages later the old one read as ahead, the wait was dated from the first piece held and never moved on, and a
  // stream that kept delivering while it always held something ended its peer as "timeout" (a helper's pass,
  // 2026-12-03). Here a packet of its own (1,100 bytes) is lost for 400 ms every 300 ms: each waits under `timeout`.
  const run = (inOrder: number) => {
    const net = memoryNet({ latencyMs: 10 });
    const inner = net.socket("client");
    const lostUntil = new Map<string, number>(); // a marked message's first bytes → lost until then
    const socket: Socket = {
      ...inner,
      send(data, to) {
        const bytes = data.join(",");
        for (const [marker, until] of lostUntil) if (net.now() < until && bytes.includes(marker)) return;
        inner.send(data, to);
      },
    };
    const server = new Host(net.socket("server"), { now: net.now, timeout: 1000 });
    const client = new Host(socket, { now: net.now, timeout: 1000 });
    const peer = client.connect("server");
    const ends: string[] = [];
    let got = 0;
    const step = () => {
      client.update(), server.update(), net.advance(TICK_MS);
      for (let event; (event = server.poll());) {
        if (event.type === "message") got++;
        if (event.type === "disconnect") ends.push(event.reason);
      }
    };
    for (let i = 0; i < 10; i++) step();
    let sent = 0;
    while (sent < inOrder) {
      for (let i = 0; i < 200 && sent < inOrder; i++) peer.send(sent++);
      step();
    }
    for (let i = 0; i < 20; i++) step();
    assert.equal(got, inOrder);
    for (let k = 0; k < 12; k++) {
      const marked = new Uint8Array(1100).fill(200 + k);
      lostUntil.set([...marked.subarray(0, 16)].join(","), net.now() + 400);
      peer.send(marked);
      sent++;
      for (let i = 0; i < 19; i++) peer.send(sent++), step(); // 304 ms
    }
    for (let i = 0; i < 100; i++) step();
    assert.deepEqual([ends, got], [[], sent], `${inOrder} in order first`);
  };
  run(100);
  run(33000);
});

Deno.test("a clock that cannot be called or returns no time is refused when the Host is made, not on every update()", () => {
  const net = memoryNet();
  const unbound = performance.now; // `this` is lost: calling it throws "Illegal invocation"
  // The runtime's own TypeError named no option (a newcomer's first game, 2026-12-01): the RangeError names it.
  assert.throws(
    () => new Host(net.socket("a"), { now: unbound }),
    /^RangeError: HostOptions\.now\(\) gave TypeError: Illegal invocation: it must return a time in ms$/,
  );
  for (const now of [() => NaN, (() => {}) as () => number, () => Infinity]) {
    assert.throws(
      () => new Host(net.socket("b"), { now }),
      /HostOptions\.now\(\) gave (NaN|undefined|Infinity): it must/,
    );
  }
  assert.equal(new Host(net.socket("c"), { now: () => 0 }).peers.length, 0);
  assert.equal(new Host(net.socket("d"), { now: () => -3000 }).peers.length, 0, "a clock may start below 0");
});

Deno.test("a clock that reads NaN once throws from update(), poll() and connect(), and leaves the Host whole", () => {
  // Checked only when the Host was made, one NaN from update() left a peer that sent no keepalive again (the other
  // side timed it out on a perfect link), and one while a datagram arrived a peer that never timed out, holding its
  // place in maxPeers for good; a clock of strings ("09600.0") passed isFinite (a review, 2026-12-02).
  const net = memoryNet({ latencyMs: 10 });
  let glitch = false;
  const now = () => glitch ? NaN : net.now();
  const server = new Host(net.socket("server"), { now });
  const client = new Host(net.socket("client"), { now });
  const peer = client.connect("server");
  const events: string[] = [];
  const step = () => {
    client.update(), server.update(), net.advance(16);
    for (let event; (event = server.poll());) events.push(`server ${event.type}`);
    for (let event; (event = client.poll());) events.push(`client ${event.type}`);
  };
  for (let i = 0; i < 10; i++) step();
  assert.equal(peer.state, "connected");
  glitch = true;
  for (const call of [() => client.update(), () => client.poll(), () => client.connect("elsewhere")]) {
    assert.throws(call, /^RangeError: HostOptions\.now\(\) gave NaN: it must return a time in ms$/);
  }
  glitch = false;
  for (let i = 0; i < 1000; i++) step(); // 16 s idle, over the 10 s timeout
  assert.equal(peer.state, "connected", "keepalives went on");
  assert.deepEqual(events, ["server connect", "client connect"]);
  assert.equal(client.peers.length, 1, "no peer made for the address connect() was given");
  assert.throws(
    () => new Host(net.socket("strings"), { now: () => "09600.0" as unknown as number }),
    /^RangeError: HostOptions\.now\(\) gave 09600\.0: it must return a time in ms$/,
  );
});

Deno.test("a clock that reads NaN once changes nothing: a datagram's arrival, a state sent, a reconnect", () => {
  // One NaN while a datagram arrived left a peer that never timed out (its last arrival NaN), holding its place in
  // maxPeers for good (a review, 2026-12-02). Every reading throws before anything changes: a state read its time
  // after it dropped the older state's unsent pieces, and connect() after it ended the peer leaving from the address.
  const net = memoryNet({ latencyMs: 10 });
  let serverGlitch = false, clientGlitch = false;
  const server = new Host(net.socket("server"), { now: () => serverGlitch ? NaN : net.now() });
  const client = new Host(net.socket("client"), { now: () => clientGlitch ? NaN : net.now() });
  const peer = client.connect("server");
  const events: string[] = [];
  const step = (clientToo = true) => {
    if (clientToo) client.update();
    server.update(), net.advance(16);
    for (let event; (event = server.poll());) {
      events.push(
        event.type == "disconnect"
          ? `disconnect ${event.reason}`
          : event.type == "message"
          ? `message ${event.data}`
          : event.type,
      );
    }
    while (client.poll());
  };
  for (let i = 0; i < 10; i++) step();
  const clockError = /^RangeError: HostOptions\.now\(\) gave NaN: it must return a time in ms$/;

  peer.send("a", { mode: "state" }); // queued, not sent: the next state supersedes it
  clientGlitch = true;
  assert.throws(() => peer.send("b", { mode: "state" }), clockError);
  assert.throws(() => peer.send("c", { at: 0 }), clockError);
  clientGlitch = false;
  for (let i = 0; i < 10; i++) step();
  assert.deepEqual(events, ["connect", "message a"], "the state queued before the throw still went");

  peer.send("d");
  client.update();
  serverGlitch = true;
  assert.throws(() => net.advance(16), clockError, "the socket hears it: memoryNet's advance throws");
  serverGlitch = false;
  for (let i = 0; i < 700; i++) step(false); // the client silent 11.2 s, over the 10 s timeout
  assert.deepEqual(events, ["connect", "message a", "disconnect timeout"], "the server's peer timed out");

  const other = new Host(net.socket("other"), { now: () => clientGlitch ? NaN : net.now() });
  const leaving = other.connect("server");
  for (let i = 0; i < 10; i++) other.update(), step(false);
  leaving.send("e");
  leaving.disconnect();
  assert.equal(leaving.state, "disconnecting");
  clientGlitch = true;
  assert.throws(() => other.connect("server"), clockError);
  clientGlitch = false;
  assert.equal(leaving.state, "disconnecting", "the peer leaving from that address is as it was");
  clientGlitch = true;
  other.close(); // it reads no clock: a Host whose clock fails still closes (it threw, a review of 2026-12-02)
  other.update(); // nor after it: update() does nothing, and poll() hands out nothing
  assert.equal(other.poll(), undefined);
  clientGlitch = false;
  assert.throws(() => other.connect("server"), /^TypeError: Cannot connect to server: the Host is closed$/);
  for (let i = 0; i < 10; i++) step(false);
  assert.equal(events.at(-1), "disconnect closed", "its goodbyes went");
});

Deno.test("a state's send that throws for the clock makes no stream: the streams take turns as if it never came", () => {
  // It made its channel's stream (empty) before it read the clock, and the streams take turns at going first in a
  // packet in the order they were made: the messages of three busy channels went in another order (a review,
  // 2026-12-02). Since turns pass over idle streams, only the state's own channel, when it sends at last, shows it: made
  // by the send that threw, its stream went ahead of the three.
  const run = (glitch: boolean) => {
    const net = memoryNet({ latencyMs: 10 });
    let clientGlitch = false;
    const server = new Host(net.socket("server"));
    const client = new Host(net.socket("client"), { now: () => clientGlitch ? NaN : net.now(), packetsPerUpdate: 1 });
    const peer = client.connect("server");
    const order: string[] = [];
    const step = () => {
      client.update(), server.update(), net.advance(16);
      for (let event; (event = server.poll());) {
        if (event.type == "message") order.push(`${event.channel} ${(event.data as Uint8Array)[0]}`);
      }
      while (client.poll());
    };
    for (let i = 0; i < 10; i++) step();
    if (glitch) {
      clientGlitch = true;
      assert.throws(() => peer.send({ x: 1 }, { mode: "state", channel: 1 }), /HostOptions\.now\(\) gave NaN/);
      clientGlitch = false;
    }
    for (let i = 0; i < 8; i++) {
      for (const channel of [0, 2, 3]) peer.send(new Uint8Array(900).fill(i), { channel });
    }
    // The state's channel then sends: its stream takes its turn where it was made, behind the three.
    peer.send(new Uint8Array(900).fill(9), { mode: "state", channel: 1 });
    for (let i = 0; i < 60; i++) step();
    assert.equal(order.length, 25, "every message arrived");
    return order;
  };
  assert.deepEqual(run(true), run(false));
});

Deno.test("busy channels share the packets alike, whatever idle channels sit among them", () => {
  // The turns at going first in a packet were counted over every stream made, and an idle one handed its turn to the
  // next busy one: behind four idle channels, the first of two busy ones delivered 2,490 messages where the second
  // delivered 480 (a review, 2026-12-02).
  const run = (idle: number[], busy: number[]) => {
    const net = memoryNet({ latencyMs: 20 });
    const server = new Host(net.socket("server"));
    const client = new Host(net.socket("client"), { packetsPerUpdate: 1 });
    const peer = client.connect("server");
    const counts = busy.map(() => 0);
    const step = () => {
      client.update(), server.update(), net.advance(16);
      for (let event; (event = server.poll());) {
        if (event.type == "message" && event.data instanceof Uint8Array) counts[busy.indexOf(event.channel)]++;
      }
      while (client.poll());
    };
    for (let i = 0; i < 10; i++) step();
    for (const channel of idle) peer.send(1, { channel });
    for (let i = 0; i < 10; i++) step();
    for (let i = 0; i < 4000; i++) for (const channel of busy) peer.send(new Uint8Array(32), { channel });
    for (let i = 0; i < 100; i++) step(); // about 3,000 messages of the 8,000 or 12,000 queued
    return counts;
  };
  for (const [idle, busy] of [[[], [4, 5]], [[0, 1, 2, 3], [4, 5]], [[1, 3], [0, 2, 4]], [[0, 1], [2, 3, 4]]]) {
    const counts = run(idle, busy);
    assert.ok(Math.min(...counts) > 0.8 * Math.max(...counts), `idle ${idle}, busy ${busy}: ${counts}`);
  }
});

Deno.test("busy channels take turns at going first four data packets at a time, not every packet", () => {
  // The stream that went first goes to the back after the last of four packet sequences, so that each takes its turn
  // in the packet of the four where fragments go first (every fourth). Two channels of messages that fill a packet
  // each: the receiver sees them in runs of four (the first and last runs may be cut short by where the turns start).
  const net = memoryNet({ latencyMs: 10 });
  const server = new Host(net.socket("server"), { now: net.now });
  const client = new Host(net.socket("client"), { now: net.now, packetsPerUpdate: 1 });
  const peer = client.connect("server");
  let order = "";
  const step = () => {
    client.update(), server.update(), net.advance(16);
    for (let event; (event = server.poll());) if (event.type == "message") order += event.channel;
    while (client.poll());
  };
  for (let i = 0; i < 10; i++) step();
  for (let i = 0; i < 12; i++) for (const channel of [0, 1]) peer.send(new Uint8Array(900), { channel });
  for (let i = 0; i < 40; i++) step();
  assert.equal(order.length, 24, "every message arrived");
  const runs = order.match(/0+|1+/g)!.map((run) => run.length);
  assert.deepEqual(runs.slice(1, -1), Array(runs.length - 2).fill(4), `the channels in arrival order: ${order}`);
  assert.ok(runs.length <= 7, `in runs of four: ${order}`);
});

Deno.test("messages on a channel past 0 whose frames fill a packet's room exactly go in one packet", () => {
  // At the default mtu a packet has 1,187 bytes of room for frames (1,200 less 13 of header and tag), each counted as
  // written in full: a head byte, the channel byte, a sequence of 2, a varint of the length past 14, the payload.
  // On channel 1, 1,077 packed bytes take 1,083 and 99 take 104; on channel 0, with no channel byte, 1,079 take 1,084
  // and 99 take 103: 1,187 in all, one packet (a byte more, and the second waits for the next).
  for (const channel of [0, 1]) {
    const { client, peer, step, serverEvents, piecesPackets } = recordingPair({ latencyMs: 10 });
    for (let i = 0; i < 40; i++) step(); // connected, idle
    const large = new Uint8Array(channel ? 1074 : 1076); // 1,077 and 1,079 packed: a bin 16 head of 3 bytes
    const small = new Uint8Array(97); // 99 packed
    peer.send(large, { channel });
    peer.send(small, { channel });
    piecesPackets();
    client.update();
    assert.equal(piecesPackets(), 1, `channel ${channel}: both in one packet`);
    for (let i = 0; i < 5; i++) step();
    assert.deepEqual(messages(serverEvents).map(({ data }) => (data as Uint8Array).length), [large.length, 97]);
  }
});

Deno.test("an idle connection with a timeout under the keepalive's second stays up", () => {
  // Keepalives went once a second whatever `timeout` was: at 500 ms every idle peer was dropped.
  for (const timeout of [300, 500, 999]) {
    const net = memoryNet({ latencyMs: 20 });
    const server = new Host(net.socket("server"), { timeout });
    const client = new Host(net.socket("client"), { timeout });
    const peer = client.connect("server");
    const ends: string[] = [];
    for (let tick = 0; tick < 400; tick++) { // 6.4 s, nothing sent
      client.update();
      server.update();
      net.advance(16);
      for (const host of [server, client]) {
        for (let event; (event = host.poll());) if (event.type === "disconnect") ends.push(event.reason);
      }
    }
    assert.deepEqual(ends, [], `timeout ${timeout}`);
    assert.equal(peer.state, "connected");
  }
});

Deno.test("an idle peer sends a keepalive every quarter of `timeout`, at most a second apart", () => {
  // Four keepalives a timeout, each at the first update past its time, so the fourth comes just past it: three arrive
  // within `timeout`, two may be lost and the peer still hears one in time (every third, the third came past it, and
  // two lost in a row ended an idle connection). On 16 ms updates: the first update at or past 150, 375 and 1,000 ms.
  for (const [timeout, gap] of [[600, 160], [1500, 384], [6000, 1008]]) {
    const net = memoryNet({ latencyMs: 20 });
    const sentAt: number[] = [];
    const server = new Host(net.socket("server"), { now: net.now, timeout });
    const client = new Host(
      filtered(net.socket("client"), () => sentAt.push(net.now()) > 0),
      { now: net.now, timeout },
    );
    client.connect("server");
    for (let i = 0; i < 200; i++) client.update(), server.update(), net.advance(16), drain(server), drain(client);
    const idle = sentAt.filter((at) => at > 1000); // connected and the clock samples taken: nothing but keepalives
    assert.ok(idle.length >= 3, `timeout ${timeout}: ${idle}`);
    const gaps = idle.slice(1).map((at, i) => at - idle[i]);
    assert.deepEqual(gaps, Array(gaps.length).fill(gap), `timeout ${timeout}`);
  }
});

Deno.test("a Host's counters start at 0, and count each datagram sent and received once", () => {
  const net = memoryNet({ latencyMs: 10 });
  const counted = { server: [0, 0], client: [0, 0] }; // datagrams and bytes each side sent
  const host = (address: "server" | "client") =>
    new Host(
      filtered(net.socket(address), (data) => (counted[address][0]++, counted[address][1] += data.length) > 0),
      { now: net.now },
    );
  const server = host("server");
  const client = host("client");
  const zeros = {
    rttMs: 0,
    rttVarianceMs: 0,
    loss: 0,
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    messagesResent: 0,
    duplicatesDropped: 0,
    invalidDropped: 0,
    socketErrors: 0,
    timedDropped: 0,
  };
  assert.deepEqual(server.stats, zeros);
  const peer = client.connect("server");
  for (let i = 0; i < 30; i++) {
    if (peer.state === "connected") peer.send(i);
    client.update(), server.update(), net.advance(16), drain(server), drain(client);
  }
  assert.ok(counted.client[0] > 10 && counted.server[0] > 10);
  const { packetsSent, bytesSent, packetsReceived, bytesReceived } = client.stats;
  assert.deepEqual([packetsSent, bytesSent, packetsReceived, bytesReceived], [...counted.client, ...counted.server]);
  const serverStats = server.stats;
  assert.deepEqual(
    [serverStats.packetsSent, serverStats.bytesSent, serverStats.packetsReceived, serverStats.bytesReceived],
    [...counted.server, ...counted.client],
  );
});

Deno.test("a socket that transfers each datagram's buffer (postMessage's transfer list) has its bytes counted", () => {
  // The Host read the length after the send, which a transferred buffer reads as 0: every datagram's bytes went
  // uncounted (a review of the Socket contract, 2026-12-05).
  const net = memoryNet({ latencyMs: 10 });
  const counted = { server: 0, client: 0 };
  const transferring = (address: "server" | "client"): Socket => {
    const inner = net.socket(address);
    return {
      ...inner,
      send(data, to) {
        counted[address] += data.length;
        inner.send(data.slice(), to);
        (data.buffer as ArrayBuffer).transfer(); // data now reads 0 bytes, as after a postMessage with a transfer list
        assert.equal(data.length, 0);
      },
    };
  };
  const server = new Host(transferring("server"), { now: net.now });
  const client = new Host(transferring("client"), { now: net.now });
  const peer = client.connect("server");
  for (let i = 0; i < 30; i++) {
    if (peer.state === "connected") peer.send(i);
    client.update(), server.update(), net.advance(16), drain(server), drain(client);
  }
  assert.equal(peer.state, "connected");
  assert.ok(counted.client > 100 && counted.server > 100);
  assert.deepEqual([client.stats.bytesSent, server.stats.bytesSent], [counted.client, counted.server]);
  assert.deepEqual([client.stats.bytesReceived, server.stats.bytesReceived], [counted.server, counted.client]);
});

Deno.test("connect() on a closed Host throws at once, and leaves no peer", () => {
  // It returned a peer that sent HELLOs into the closed socket for 10 s, then ended as "timeout".
  const net = memoryNet();
  const host = new Host(net.socket("a"));
  host.close();
  assert.throws(() => host.connect("b"), { name: "TypeError", message: "Cannot connect to b: the Host is closed" });
  host.update();
  assert.equal(host.poll(), undefined);
  assert.equal(host.stats.packetsSent, 0);
});

Deno.test("a bulk transfer goes on after its link went dark for a few seconds", () => {
  // A sender whose link goes dark forgets its flight each resend time and sends a new window and probes: over 1,024
  // packets in 1.5 s, and the receiver refused every packet more than 1,024 ahead of the latest it had, for good (its
  // latest never moved), and the sender every packet whose ack was that old: both timed out (a review, 2026-12-03).
  for (const [darkMs, latencyMs] of [[1500, 5], [2000, 10]]) {
    const net = memoryNet({ latencyMs, seed: 1 });
    const a = new Host(net.socket("a"));
    const b = new Host(net.socket("b"));
    const peer = a.connect("b");
    const ends: string[] = [];
    let before = 0;
    let after = 0;
    let sentDark = 0;
    for (let tick = 0; net.now() < 9000 + darkMs; tick++) {
      if (net.now() >= 3000 && !sentDark) {
        sentDark = -peer.stats.packetsSent;
        net.link("a", "b", { loss: 1 });
        net.link("b", "a", { loss: 1 });
      }
      if (net.now() >= 3000 + darkMs && sentDark < 0) {
        sentDark += peer.stats.packetsSent;
        net.link("a", "b", { latencyMs });
        net.link("b", "a", { latencyMs });
      }
      // The send queue kept full (4 MiB): send throws a RangeError past it.
      for (let i = 0; i < 16 && peer.state === "connected"; i++) {
        try {
          peer.send(new Uint8Array(65536));
        } catch {
          break;
        }
      }
      a.update();
      b.update();
      net.advance(16);
      for (let event; (event = a.poll());) if (event.type === "disconnect") ends.push(`a: ${event.reason}`);
      for (let event; (event = b.poll());) {
        if (event.type === "disconnect") ends.push(`b: ${event.reason}`);
        if (event.type === "message") sentDark > 0 ? after++ : before++;
      }
    }
    const at = `dark ${darkMs} ms, ${latencyMs} ms one way`;
    assert.ok(sentDark > 1024, `${at}: ${sentDark} packets sent into the dark`);
    assert.deepEqual(ends, [], at);
    assert.ok(after > 0, `${at}: ${before} messages before, none in the 6 s after`);
    // The window, cut to its least in the dark, grows again (it did not: 114 messages in the 6 s after a blackout of
    // 1.5 s, 17 packets an update, where 1,667 arrived in the 3 s before; now 771).
    if (darkMs == 1500) assert.ok(after > before / 3, `${at}: ${before} messages before, ${after} in the 6 s after`);
  }
});

Deno.test("two Hosts that connect to each other at once end up connected, once, and talk", () => {
  // Each answered the other's HELLO, then took the other's valid HELLO while its own connect() was still in
  // progress: each ended its own (as "closed") and accepted the other's, with keys that never matched, so both
  // sat "connected" for `timeout`, delivering nothing. The Host of the larger nonce now lets its own go on.
  for (const offsetMs of [0, 16, 48]) {
    const net = memoryNet({ latencyMs: 50 });
    const hosts = ["a", "b"].map((address) => new Host(net.socket(address)));
    const got: string[] = [];
    const ends: string[] = [];
    hosts[0].connect("b");
    for (let tick = 0; tick < 200; tick++) {
      if (tick * 16 === offsetMs) hosts[1].connect("a");
      if (tick === 100) {
        for (const host of hosts) for (const peer of host.peers) peer.send(`hello to ${peer.address}`);
      }
      for (const host of hosts) {
        host.update();
        for (let event; (event = host.poll());) {
          if (event.type === "message") got.push(event.data as string);
          if (event.type === "disconnect" && event.reason !== "closed") ends.push(event.reason);
        }
      }
      net.advance(16);
    }
    assert.deepEqual(hosts.map((host) => host.peers.length), [1, 1], `offset ${offsetMs}`);
    assert.deepEqual(got.sort(), ["hello to a", "hello to b"], `offset ${offsetMs}`);
    assert.deepEqual(ends, []);
  }
});

/**
 * Two Hosts a and b, a connected out to b; at `restartTick` b restarts at its address (a new Host, new nonce) and
 * connects to a. Returns the ms from the restart to the new Host's "connect", or -1 when none came in 400 ticks.
 * `busy`: a message each way every tick.
 */
function restartedConnectsAfterMs(seed: number, restartTick: number, busy: boolean, options: HostOptions = {}): number {
  const net = memoryNet({ latencyMs: 20, seed });
  const a = new Host(net.socket("a"), { ...options, random: seededBytes(seed) });
  const b = new Host(net.socket("b"), { ...options, random: seededBytes(seed + 100) });
  a.connect("b");
  let restarted: Host | undefined;
  for (let tick = 0; tick < 400; tick++) {
    if (tick === restartTick) {
      restarted = new Host(net.socket("b"), { ...options, random: seededBytes(seed + 200) });
      restarted.connect("a");
    }
    if (busy) { for (const peer of [...a.peers, ...(restarted ?? b).peers]) peer.send("busy"); }
    a.update();
    (restarted ?? b).update();
    while (a.poll());
    for (let event; (event = (restarted ?? b).poll());) {
      if (restarted && event.type === "connect") return (tick - restartTick) * 16;
    }
    net.advance(16);
  }
  return -1;
}

Deno.test("a Host restarted at the address a Host connected out to gets in again at once", () => {
  // Keeping a connection of its own connect() against a HELLO of a smaller nonce while connected too (tried on
  // 2026-12-03 for two Hosts connecting to each other over a jittery link) made a restarted peer whose new nonce was
  // the smaller wait for the old connection's timeout, and its own connect() timed out first (a review).
  for (let seed = 1; seed <= 12; seed++) {
    const ms = restartedConnectsAfterMs(seed, 50, false, { timeout: 3000 });
    assert.ok(ms >= 0 && ms < 500, `seed ${seed}: connected ${ms} ms after the restart`);
    // At maxPeers too: the old connection, ended by the new HELLO from its address, makes way for the new one.
    const full = restartedConnectsAfterMs(seed, 50, false, { timeout: 3000, maxPeers: 1 });
    assert.ok(full >= 0 && full < 500, `seed ${seed}, maxPeers 1: connected ${full} ms after the restart`);
  }
});

Deno.test("two Hosts that connect to each other at once, one leaving at its connect: a late HELLO makes no ghost that times out", () => {
  // The Host of the larger nonce keeps its own connect(); its game leaves at the "connect". A late copy of the other's
  // HELLO (60 ms of jitter) must not replace the connection while its goodbyes go: a connection made of that HELLO has
  // keys the other side does not, and both timed out (35 runs of 600 when keeps() took an ended connection for one not
  // heard from; a review of that change, 2026-12-05, which was taken back).
  const timeouts: string[] = [];
  for (let seed = 1; seed <= 200; seed++) {
    const net = memoryNet({ latencyMs: 20, jitterMs: 60, seed });
    const a = new Host(net.socket("a"), { now: net.now, random: seededBytes(seed), timeout: 3000 });
    const b = new Host(net.socket("b"), { now: net.now, random: seededBytes(seed + 1000), timeout: 3000 });
    const mine = new Map<Host, Peer>();
    let left = false;
    for (let tick = 0; tick < 300; tick++) {
      if (tick === 0) mine.set(a, a.connect("b"));
      if (tick === seed % 7) mine.set(b, b.connect("a"));
      for (const [name, host] of [["a", a], ["b", b]] as const) {
        host.update();
        for (let event; (event = host.poll());) {
          if (event.type === "connect" && !left && event.peer === mine.get(host)) left = true, event.peer.disconnect();
          if (event.type === "disconnect" && event.reason === "timeout") timeouts.push(`seed ${seed}: ${name}`);
        }
      }
      net.advance(16);
    }
  }
  assert.deepEqual(timeouts, []);
});

Deno.test("two Hosts that connect to each other at once over a jittery link both keep one working connection", () => {
  // The Host of the larger nonce kept its own connection against the other's HELLO only while connecting: a HELLO the
  // other sent before it took this one's, arriving late (60 ms of jitter), ended the connection both kept, and both
  // timed out, nothing delivered (seeds 3, 20, 31, 33, 34, 39, 43 and 49 of these; a review, 2026-12-03). It is now
  // kept while its peer is heard from.
  for (let seed = 1; seed <= 50; seed++) {
    const net = memoryNet({ latencyMs: 20, jitterMs: 60, seed });
    const a = new Host(net.socket("a"), { random: seededBytes(seed), timeout: 3000 });
    const b = new Host(net.socket("b"), { random: seededBytes(seed + 100), timeout: 3000 });
    const got = { a: 0, b: 0 };
    const ends: string[] = [];
    for (let tick = 0; tick < 400; tick++) {
      if (tick === 0) a.connect("b");
      if (tick === seed % 7) b.connect("a"); // 0 to 6 ticks apart
      for (const [name, host] of [["a", a], ["b", b]] as const) {
        if (tick > 100) { for (const peer of host.peers) peer.send("x"); }
        host.update();
        for (let event; (event = host.poll());) {
          if (event.type === "message") got[name]++;
          if (event.type === "disconnect" && event.reason !== "closed") ends.push(`${name} ${event.reason}`);
        }
      }
      net.advance(16);
    }
    assert.deepEqual([a.peers.length, b.peers.length, ends], [1, 1, []], `seed ${seed}`);
    assert.ok(got.a > 250 && got.b > 250, `seed ${seed}: ${got.a} and ${got.b} messages`);
  }
});

Deno.test("a Host restarted at the address of a busy peer gets in within about a second", () => {
  // As the test above, with a message each way every tick. A connection is kept against a HELLO of a smaller nonce
  // from its address while its peer is heard from, when it is one of the Host's own connect() as here
  // (Connection.keeps, the fix for two Hosts connecting to each other over a jittery link): the restarted Host gets in
  // KEEPALIVE_MS (1 s) after its old self's last packet at most, at once when its new nonce is the larger. Kept in
  // any state, it never got in before its connect() timed out.
  for (let seed = 1; seed <= 12; seed++) {
    const ms = restartedConnectsAfterMs(seed, 100, true);
    assert.ok(ms >= 0 && ms < 1200, `seed ${seed}: connected ${ms} ms after the restart`);
  }
});

Deno.test("a peer the game drops on its connect event does not come back from its own HELLO sent again", () => {
  // The client sends its HELLO again every 100 ms until an answer comes: over a round trip of 120 to 200 ms, one
  // that arrived after the game had dropped the peer made it again, a new "connect" holding a maxPeers slot
  // until timeout (and refusing a real player as "full").
  for (const latencyMs of [60, 80, 100]) {
    const net = memoryNet({ latencyMs });
    const server = new Host(net.socket("server"), { maxPeers: 1 });
    const client = new Host(net.socket("client"));
    client.connect("server");
    let connects = 0;
    for (let tick = 0; tick < 100; tick++) {
      for (const host of [server, client]) host.update();
      net.advance(16);
      for (let event; (event = server.poll());) {
        if (event.type === "connect") connects++, event.peer.disconnect(); // a ban list, a full game
      }
      while (client.poll());
    }
    assert.equal(connects, 1, `${latencyMs} ms one way`);
    assert.deepEqual(server.peers, []);
  }
});

Deno.test("a peer that ends while still connecting, once the challenge came, says goodbye: the other side hears closed", () => {
  // The answering side has a connection from the HELLO with the cookie on; the first data packet back is lost, so
  // the caller is still "connecting". It ended silently, and the other side waited out its timeout (10 s).
  for (const ending of ["disconnect", "close"] as const) {
    // Handshake datagrams (types 1 to 3) pass; the server's data packets (0x80 and up) are lost.
    const dataLost = (inner: Socket) => filtered(inner, (data) => data[0] < 0x80);
    const { peer, client, step, serverEvents } = pair({ latencyMs: 10 }, {}, { server: { socket: dataLost } });
    for (let i = 0; i < 10; i++) step();
    assert.equal(peer.state, "connecting", "the server's data packets are lost");
    assert.deepEqual(serverEvents.map((event) => event.type), ["connect"]);
    if (ending === "disconnect") peer.disconnect();
    else client.close();
    for (let i = 0; i < 10; i++) step();
    assert.deepEqual(
      serverEvents.map((event) => event.type === "disconnect" ? event.reason : event.type),
      ["connect", "closed"],
      ending,
    );
  }
});

Deno.test("a peer that ends before the challenge came sends nothing more: it has no key to tag a goodbye with", () => {
  for (const ending of ["disconnect", "close"] as const) {
    const net = memoryNet({ latencyMs: 10 });
    const client = new Host(net.socket("client"), { now: net.now });
    const peer = client.connect("nobody"); // no Host answers there
    client.update();
    const sent = client.stats.packetsSent;
    assert.equal(sent, 1, "the first HELLO");
    if (ending === "disconnect") peer.disconnect();
    else client.close();
    for (let i = 0; i < 20; i++) {
      if (ending === "disconnect") client.update();
      net.advance(TICK_MS);
    }
    assert.equal(peer.state, "disconnected");
    assert.equal(client.stats.packetsSent, sent, ending);
  }
});

// ─── a socket that runs the game's code inside send ─────────────────────────

/** A network whose send calls the listener at `to` at once; `hook` runs first, and false drops the datagram. */
function synchronousNet() {
  let clock = 0;
  const listeners = new Map<string, (data: Uint8Array, from: string) => void>();
  const net = {
    hook: undefined as ((from: string, to: string, data: Uint8Array) => boolean | void) | undefined,
    now: () => clock,
    advance: (ms: number) => void (clock += ms),
    socket(address: string): Socket {
      let mine: unknown;
      return {
        send(data, to) {
          if (net.hook?.(address, to, data) === false) return;
          listeners.get(to)?.(data.slice(), address);
        },
        listen: (receive) => void listeners.set(address, mine = receive),
        // Its own listening only: a socket made since at its address keeps its.
        close: () => void (listeners.get(address) == mine && listeners.delete(address)),
      };
    },
  };
  return net;
}

/** Updates the Hosts every 16 ms for `ms`; returns the peers the first was handed on "connect". */
function runSynchronous(net: ReturnType<typeof synchronousNet>, hosts: () => Host[], ms: number, connected: Peer[]) {
  for (let t = 0; t < ms; t += 16) {
    for (const host of hosts()) {
      host.update();
      for (let event; (event = host.poll());) {
        if (host === hosts()[0] && event.type === "connect") connected.push(event.peer);
      }
    }
    net.advance(16);
  }
}

/**
 * A and B connect over a synchronous network; then `start` makes A send to B (the old B closed before, or by the
 * hook), and inside that send B restarts at its address and connects again: A makes a new connection at "B" within
 * A's send. After 3 s more, no peer A was handed on "connect" may be connected and out of A's table.
 */
function restartInsideSend(start: (a: Host, old: Host) => void, closeInHook: boolean) {
  const net = synchronousNet();
  const options = { now: net.now, timeout: 2000 };
  const a = new Host(net.socket("A"), options);
  let b = new Host(net.socket("B"), options);
  const connected: Peer[] = [];
  b.connect("A");
  runSynchronous(net, () => [a, b], 320, connected);
  assert.equal(a.peers.length, 1, "connected");
  let armed = true;
  net.hook = (from, to) => {
    if (!(armed && from == "A" && to == "B")) return;
    armed = false;
    if (closeInHook) b.close(); // its goodbye reaches A: A's old connection ends
    b = new Host(net.socket("B"), options);
    b.connect("A");
    net.advance(100);
    b.update(); // HELLO, CHALLENGE, HELLO with the cookie: A makes a new connection at "B"
    return false;
  };
  start(a, b);
  runSynchronous(net, () => [a, b], 3000, connected);
  assert.equal(armed, false, "the hook ran");
  assert.equal(connected.length, 2, "A was handed the new connection");
  const stuck = connected.filter((peer) => peer.state === "connected" && !a.peers.includes(peer));
  assert.deepEqual(stuck, [], "no connected peer out of A's table");
  assert.equal(a.peers.length, 1);
}

Deno.test("a peer made at an address inside update()'s send to it stays in the table: it is never stuck connected", () => {
  // Inside A's update, while A sends to B, B restarts at its address and connects again (a socket that runs the game's
  // code inside send). A's update deleted the connection it found ended, by address: the new one, which had its
  // "connect" and then read "connected" for good, out of A's table, with no event ever after.
  restartInsideSend((a) => a.peers[0].send("x"), true);
});

Deno.test("a peer made at an address inside the send of an ack in receive stays in the table", () => {
  // B closes: its CLOSING reaches A, whose connection ends and acks it at once, inside receive. Inside that ack's send
  // B restarts at its address and connects again: receive then deleted the connection it found ended, by address, the
  // new one with it.
  restartInsideSend((_, old) => old.close(), false); // its CLOSING reaches A at once
});

Deno.test("a peer made at an address inside connect()'s HELLO to it is ended, not overwritten and left connected", () => {
  // Inside A's connect("B"), while its HELLO goes out, B connects to A and gets in; connect() then filed its own
  // connection over that one, which had had its "connect" and read "connected" for good.
  const net = synchronousNet();
  const options = { now: net.now, timeout: 2000 };
  const a = new Host(net.socket("A"), options);
  const b = new Host(net.socket("B"), options);
  const connected: Peer[] = [];
  let armed = true;
  net.hook = (from, to, data) => {
    if (!(armed && from == "A" && to == "B" && data[0] == 1)) return; // A's first HELLO to B
    armed = false;
    b.connect("A");
    net.advance(100);
    b.update(); // A makes a connection at "B", connected, before its own connect() files one there
  };
  a.connect("B");
  runSynchronous(net, () => [a, b], 3000, connected);
  assert.equal(armed, false, "the hook ran");
  assert.ok(connected.length >= 1, "A was handed a peer");
  const stuck = connected.filter((peer) => peer.state === "connected" && !a.peers.includes(peer));
  assert.deepEqual(stuck, [], "no connected peer out of A's table");
  // The one made inside the send was ended (A heard its "disconnect"); A's own connects.
  assert.deepEqual(connected.map((peer) => peer.state), ["disconnected", "connected"]);
  assert.deepEqual([a.peers.length, b.peers.length], [1, 1]);
});
