/**
 * OSC 1.0, with 1.1's arrays, for jamnet: {@linkcode encodeOsc} and {@linkcode decodeOsc} for
 * messages and bundles, {@linkcode oscTime} and {@linkcode oscTimeToMs} for
 * timetags, {@linkcode oscMatch} for address patterns. A module of its own
 * beside mod.ts: it imports nothing, and mod.ts has no room left under its
 * 12,288-byte ceiling for the 3,930 bytes this takes (see the README's
 * "Size").
 *
 * @example Send a note to a music tool
 * ```ts
 * import { decodeOsc, encodeOsc } from "./osc.ts";
 *
 * const bytes = encodeOsc({ address: "/note", args: [60, 0.8] });
 * console.log(decodeOsc(bytes)); // { address: "/note", types: "if", args: [ 60, 0.800000011920929 ] }
 * ```
 *
 * @module
 */

// ─── OSC ────────────────────────────────────────────────────────────────────
//
// Open Sound Control 1.0 (https://opensoundcontrol.stanford.edu/spec-1_0.html),
// so a game can drive music and show-control tools and be driven by their
// controllers. Everything is big-endian and padded to 4 bytes. The codec is
// pure: it reads no clock and touches no socket; an OSC datagram goes out on a
// UDP socket as it is, or rides a Host as bytes.

/**
 * Bundles nest at most this deep, in decodeOsc and encodeOsc alike. Music
 * tools nest two or three levels; a 65,507-byte datagram could nest 3,000
 * (20 bytes a level), and the bound keeps hostile input off the call stack.
 */
const OSC_MAX_BUNDLE_DEPTH = 32;
/** Seconds from the NTP epoch, 1900-01-01, to the Unix epoch, 1970-01-01: 70 years with 17 leap days. */
const NTP_UNIX_OFFSET_SECONDS = 2208988800;
/** Every type tag of an argument this codec reads and writes; `[` and `]` around tags make an array of them. */
const OSC_TYPE_TAGS = "ifsbhdtTFNIcrmS";
/** A type tag string as OSC_TYPE_TAGS allows it: a comma, then known tags and brackets (that they pair: oscArrayDepth). */
const OSC_TYPE_TAG_STRING = /^,[ifsbhdtTFNIcrmS[\]]*$/;
/**
 * Arrays nest at most this deep, as bundles do: a decoded message's arrays
 * stay off a caller's call stack, and an array that holds itself, given to
 * encodeOsc, ends here.
 */
const OSC_MAX_ARRAY_DEPTH = 32;
/**
 * Each type tag: what its argument must be, as encodeOsc's errors say it, and
 * for a number the DataView method (`get`/`set` and this name) that reads and
 * writes it; the bits in the name give its size.
 */
const OSC_TAGS: Record<string, [needs: string, method?: string]> = {
  i: ["an integer number from -(2 ** 31) to 2 ** 31 - 1", "Int32"],
  r: ["an integer number from 0 to 2 ** 32 - 1", "Uint32"],
  f: ["a number", "Float32"],
  d: ["a number", "Float64"],
  h: ["a bigint from -(2 ** 63) to 2 ** 63 - 1", "BigInt64"],
  t: ["a bigint from 0 to 2 ** 64 - 1", "BigUint64"],
  c: ["a string of one ASCII character, U+0000 to U+007F", "Uint32"],
  s: ["a string without NUL or a lone surrogate"],
  S: ["a string without NUL or a lone surrogate"],
  b: ["a Uint8Array of less than 2 ** 31 bytes"],
  m: ["a Uint8Array of 4 bytes"],
  T: ["true"],
  F: ["false"],
  N: ["null"],
  I: ["Infinity"],
};
/** The tags that carry no bytes, and the argument each stands for (encodeOsc also takes `undefined` for N). */
const OSC_CONSTANTS: Record<string, unknown> = { T: true, F: false, N: null, I: Infinity };
/**
 * A lone surrogate: half of a UTF-16 pair, which UTF-8 has no bytes for. TextEncoder writes U+FFFD in its place,
 * so `"a\uD800"` went out as `"a\uFFFD"` without a word; encodeOsc refuses it instead (the `u` flag keeps a whole
 * pair, an emoji, from matching).
 */
const OSC_LONE_SURROGATE = /\p{Cs}/u;
// Strings are UTF-8 (OSC 1.0 says ASCII; liblo and most tools pass UTF-8 through).
// fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: a leading U+FEFF is data, so strings round-trip.
const oscTextDecoder = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const oscTextEncoder = /* @__PURE__ */ new TextEncoder();

/**
 * An OSC message: an address and typed arguments, one per type tag (an
 * array's tags between `[` and `]`).
 *
 * | tag | argument | on the wire |
 * |---|---|---|
 * | `i` | integer number, -2³¹ to 2³¹-1 | int32 |
 * | `f` | number | float32 |
 * | `d` | number | float64 |
 * | `s`, `S` | string (S: a symbol) | UTF-8, NUL, padded |
 * | `b` | Uint8Array (decode gives a copy) | int32 size, bytes, padded |
 * | `h` | bigint | int64 |
 * | `t` | bigint, an NTP timetag (see {@linkcode oscTime}) | uint64 |
 * | `c` | a string of one ASCII character (OSC 1.0; liblo reads one byte) | its code as uint32 |
 * | `r` | number, 0xRRGGBBAA | uint32 |
 * | `m` | Uint8Array of 4: port, status, data 1, data 2 | 4 bytes |
 * | `T` / `F` / `N` / `I` | `true` / `false` / `null` / `Infinity` | nothing |
 * | `[` … `]` | an array of the arguments of the tags between them | those arguments |
 *
 * Arrays, OSC 1.1's `[` and `]` (SuperCollider's server takes them, liblo
 * 0.31 does not), nest up to 32 deep: `types: "s[ff]"` and
 * `args: ["freqs", [440, 660]]`. Any other tag {@linkcode decodeOsc} rejects with a RangeError.
 *
 * @example
 * ```ts
 * import { type OscMessage } from "./osc.ts";
 *
 * const note: OscMessage = { address: "/synth/1/note", types: "if", args: [60, 0.8] };
 * console.log(note.args.length); // 2
 * ```
 */
export interface OscMessage {
  /** Where the message goes: starts with `/`, such as `/oscillator/4/frequency`. */
  address: string;
  /**
   * One tag per argument, without the leading comma: `"if"`, and an array's
   * tags between `[` and `]`: `"s[ff]"`. Decoding always fills it. When
   * encoding without it, each tag is inferred from its argument: an integer in
   * int32 range `i`, any other number `f`, string `s`, Uint8Array `b`, bigint
   * `h`, `true` `T`, `false` `F`, `null` or `undefined` (a hole too) `N`, an
   * array `[`, its items' tags and `]`. So a fader at `0` or `1` goes out as
   * `i`, and `Date.now()` as a float32 rounded to 24 bits: give `types` for a
   * value a receiver expects of one type.
   */
  types?: string;
  /** The arguments, one per type tag (an array for each `[`…`]`), as in the table above. */
  args: unknown[];
}

/**
 * An OSC bundle: messages and bundles to be applied together at one time.
 *
 * @example
 * ```ts
 * import { type OscBundle, OSC_IMMEDIATELY } from "./osc.ts";
 *
 * const chord: OscBundle = {
 *   timetag: OSC_IMMEDIATELY,
 *   elements: [{ address: "/note", args: [60] }, { address: "/note", args: [64] }],
 * };
 * console.log(chord.elements.length); // 2
 * ```
 */
export interface OscBundle {
  /**
   * When to apply the elements: a 64-bit NTP timetag, seconds since 1900 in
   * the high 32 bits and a binary fraction of a second in the low 32
   * ({@linkcode oscTime} converts from Unix milliseconds). {@linkcode OSC_IMMEDIATELY} means now.
   */
  timetag: bigint;
  /** The messages and bundles inside, in order. */
  elements: (OscMessage | OscBundle)[];
}

/**
 * The timetag that means "immediately" (OSC 1.0): 63 zero bits and a 1.
 *
 * @example
 * ```ts
 * import { encodeOsc, OSC_IMMEDIATELY } from "./osc.ts";
 *
 * const bytes = encodeOsc({ timetag: OSC_IMMEDIATELY, elements: [] });
 * console.log(bytes.length); // 16
 * ```
 */
export const OSC_IMMEDIATELY: bigint = 1n;

/**
 * Converts a time in Unix milliseconds to an OSC (NTP) timetag.
 *
 * The 32-bit seconds of a timetag wrap in February 2036; as SNTP does
 * (RFC 4330, section 3), a timetag whose top bit is clear counts from 2036,
 * so times from 1968-01-20T03:14:08Z to 2104-02-26T09:42:24Z are exact to
 * 233 picoseconds.
 *
 * @param unixMs milliseconds since 1970-01-01T00:00:00Z, such as `Date.now()`
 * @returns the timetag
 * @throws {TypeError} when `unixMs` is not a number
 * @throws {RangeError} when it is not a finite number in that range
 *
 * @example Play a bundle half a second from now
 * ```ts
 * import { encodeOsc, oscTime } from "./osc.ts";
 *
 * const bytes = encodeOsc({ timetag: oscTime(Date.now() + 500), elements: [{ address: "/go", args: [] }] });
 * console.log(bytes.length); // 28
 * ```
 */
export function oscTime(unixMs: number): bigint {
  // 1968-01-20T03:14:08Z is 2 ** 31 NTP seconds, -61,505,152 Unix seconds; 2104-02-26T09:42:24Z is
  // 2 ** 31 seconds into the 2036 era, 4,233,462,144 Unix seconds.
  if (typeof unixMs !== "number" || !(unixMs >= -61505152e3 && unixMs < 4233462144e3)) {
    throw new (typeof unixMs === "number" ? RangeError : TypeError)(
      `Cannot convert ${
        oscDescribe(unixMs)
      } to an OSC timetag: it must be a number of ms from 1968-01-20T03:14:08Z to 2104-02-26T09:42:24Z`,
    );
  }
  const unixSeconds = Math.floor(unixMs / 1000);
  // The fraction rounds to 2 ** 32 within 233 ps of the next second and then carries into it;
  // 64 bits wrap the seconds into the 2036 era.
  return BigInt.asUintN(
    64,
    (BigInt(unixSeconds + NTP_UNIX_OFFSET_SECONDS) << 32n) +
      BigInt(Math.round((unixMs - unixSeconds * 1000) / 1000 * 2 ** 32)),
  );
}

/**
 * Converts an OSC (NTP) timetag to Unix milliseconds: the inverse of
 * {@linkcode oscTime}, with the same 1968 to 2104 window: a timetag of `0n`
 * (not "immediately", though some senders mean it) or of a time before 1968
 * reads as 2036 or later.
 *
 * @param timetag a 64-bit NTP timetag
 * @returns milliseconds since 1970-01-01T00:00:00Z, with a fraction; `-Infinity`
 *   for {@linkcode OSC_IMMEDIATELY}, a time that has always passed, so a
 *   scheduler that plays what is due plays it at once
 * @throws {TypeError} when `timetag` is not a bigint
 * @throws {RangeError} when it is outside 0 to 2 ** 64 - 1
 *
 * @example
 * ```ts
 * import { oscTime, oscTimeToMs } from "./osc.ts";
 *
 * console.log(oscTimeToMs(oscTime(1_700_000_000_250))); // 1700000000250
 * ```
 */
export function oscTimeToMs(timetag: bigint): number {
  if (typeof timetag !== "bigint" || BigInt.asUintN(64, timetag) !== timetag) {
    throw new (typeof timetag === "bigint" ? RangeError : TypeError)(
      `Cannot convert ${oscDescribe(timetag)} to Unix ms: an OSC timetag is ${OSC_TAGS.t[0]}`,
    );
  }
  if (timetag === OSC_IMMEDIATELY) return -Infinity;
  const seconds = Number(timetag >> 32n);
  // Top bit clear: the era that starts in 2036 (RFC 4330, section 3). The fraction is rounded to a
  // microsecond: a step is 233 ps, so a time that came from whole milliseconds comes back as the
  // same number rather than one 1e-7 off.
  return (seconds - NTP_UNIX_OFFSET_SECONDS + (seconds < 2 ** 31 ? 2 ** 32 : 0)) * 1000 +
    Math.round(Number(timetag & 0xffffffffn) / 2 ** 32 * 1e6) / 1000;
}

// ─── OSC: encoder ───────────────────────────────────────────────────────────

/** What a caller passed, for an error message: short, and quoted when it is a string. */
function oscDescribe(value: unknown): string {
  return typeof value === "string"
    ? JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)
    : typeof value === "bigint"
    ? value + "n"
    : value instanceof Uint8Array
    ? `a Uint8Array of ${value.length} bytes`
    : Array.isArray(value)
    ? `an array of ${value.length}`
    : typeof value === "function"
    ? "a function"
    : Object(value) === value
    ? "an object"
    : String(value);
}

/** The tag encodeOsc infers for an argument when the message has no `types`; "" when there is none. */
function oscInferTag(value: unknown): string {
  return typeof value === "number"
    ? (value === (value | 0) ? "i" : "f")
    : typeof value === "string"
    ? "s"
    : typeof value === "bigint"
    ? "h"
    : value instanceof Uint8Array
    ? "b"
    : value === true
    ? "T"
    : value === false
    ? "F"
    : value == null
    ? "N"
    : "";
}

/**
 * How deep the arrays of a type tag string nest (0 without any), or -1 when a
 * `[` is never closed or a `]` closes none.
 */
function oscArrayDepth(types: string): number {
  let depth = 0;
  let deepest = 0;
  for (const tag of types) {
    if (tag === "[") deepest = Math.max(deepest, ++depth);
    else if (tag === "]" && --depth < 0) return -1;
  }
  return depth ? -1 : deepest;
}

/** Where the `]` is that closes the array whose tags start at `from`, in a type tag string whose brackets pair. */
function oscArrayEnd(types: string, from: number): number {
  let depth = 0;
  let at = from;
  // Bounded by the string's end too: a string whose brackets do not pair ends there rather than looping.
  for (; at < types.length && (types[at] !== "]" || depth); at++) {
    if (types[at] === "[") depth++;
    else if (types[at] === "]") depth--;
  }
  return at;
}

/** How many arguments a type tag string's outermost tags stand for: an array's `[`…`]` counts one. */
function oscTopLevelCount(types: string): number {
  let depth = 0;
  let count = 0;
  for (const tag of types) {
    if (!depth) count++; // a ] is never at depth 0 in a string whose brackets pair
    if (tag === "[") depth++;
    else if (tag === "]") depth--;
  }
  return count;
}

/**
 * Encodes an OSC message or bundle (OSC 1.0, arrays from 1.1) into the bytes of one datagram.
 *
 * @param packet a message `{ address, types?, args }` or a bundle `{ timetag, elements }`
 * @returns the packet's bytes, a multiple of 4 long
 * @throws {TypeError} when a value does not fit its place: an address that does
 *   not start with `/`, an argument that does not match its type tag or that
 *   has no tag to infer, an unknown tag; the message names the place, such as
 *   `argument 1` of a message in `bundle element 2.0`
 * @throws {RangeError} when a number is out of its tag's range, or bundles or
 *   arrays nest deeper than 32
 *
 * @example The OSC 1.0 specification's first example message
 * ```ts
 * import { encodeOsc } from "./osc.ts";
 *
 * const bytes = encodeOsc({ address: "/oscillator/4/frequency", types: "f", args: [440] });
 * console.log(bytes.length); // 32
 * ```
 */
export function encodeOsc(packet: OscMessage | OscBundle): Uint8Array {
  // One buffer, grown by doubling. Fresh bytes are zeros, so padding is written by skipping it.
  let bytes = new Uint8Array(64);
  let view = new DataView(bytes.buffer);
  let length = 0;
  /** Claims `byteCount` bytes and their padding; returns where they start. Read `bytes` and `view` after it. */
  const claim = (byteCount: number): number => {
    const start = length;
    // The padding as -byteCount & 3: `byteCount + 3 & ~3` wraps to a negative int32 for a blob near 2 ** 31 bytes.
    length += byteCount + (-byteCount & 3);
    if (length > bytes.length) {
      const grown = new Uint8Array(length * 2);
      grown.set(bytes);
      bytes = grown;
      view = new DataView(grown.buffer);
    }
    return start;
  };
  /** Writes a message or bundle; `path` holds the element indices from the top bundle down, such as ".2.0". */
  const write = (packet: OscMessage | OscBundle, path: string, depth: number): void => {
    let where = path && ` (bundle element ${path.slice(1)})`;
    /** Throws unless `ok`, saying what `subject` is and what it must be. */
    const check: (ok: unknown, subject: string, value: unknown, needs: string, error?: ErrorConstructor) => asserts ok =
      (ok, subject, value, needs, error = TypeError) => {
        if (!ok) throw new error(`Cannot encode OSC${where}: ${subject} is ${oscDescribe(value)}: it must be ${needs}`);
      };
    /** Checks argument `place` ("1", or "1.0" in an array), or a bundle's timetag, against its type tag and writes it. */
    const writeArg = (tag: string, value: unknown, place?: string): void => {
      const [needs, method] = OSC_TAGS[tag];
      const fits: (ok: unknown, error?: ErrorConstructor) => asserts ok = (ok, error) => {
        if (!ok) {
          check(ok, place === undefined ? "the timetag" : `argument ${place} (type tag '${tag}')`, value, needs, error);
        }
      };
      if (tag === "c") {
        // One code point: one UTF-16 unit, or two for a code point past U+FFFF (length first: spreading a long
        // string to count its code points would copy it).
        fits(typeof value === "string" && value.length <= 2 && [...value].length === 1);
        // OSC 1.0's 'c' is "an ascii character": liblo 0.31 reads one byte of it (a C char), so "é" (233) reached
        // oscdump as a lone byte 0xe9 and "😀" (0x1f600) as a NUL.
        fits(value.codePointAt(0)! < 0x80, RangeError);
        value = value.codePointAt(0);
      }
      if (method) {
        fits(method[0] === "B" ? typeof value === "bigint" : typeof value === "number");
        const at = claim(+method.slice(-2) / 8); // 32 or 64 bits
        view[("set" + method) as "setUint32"](at, value as number);
        // A value that reads back different was cut to fit: a fraction, or out of range. Floats are rounded by design.
        if (method[0] !== "F") fits(view[("get" + method) as "getUint32"](at) === value, RangeError);
      } else if (tag === "s" || tag === "S") {
        fits(typeof value === "string" && !value.includes("\0") && !OSC_LONE_SURROGATE.test(value));
        // 3 bytes of UTF-8 at most per UTF-16 unit, and the NUL.
        const at = claim(value.length * 3 + 1);
        length = at + (oscTextEncoder.encodeInto(value, bytes.subarray(at)).written + 4 & ~3);
      } else if (tag === "b" || tag === "m") {
        fits(value instanceof Uint8Array);
        // A blob's size is an int32.
        fits(tag === "m" ? value.length === 4 : value.length < 2 ** 31, RangeError);
        if (tag === "b") writeArg("i", value.length);
        const at = claim(value.length);
        bytes.set(value, at);
      } else fits((value ?? null) === OSC_CONSTANTS[tag]);
    };
    check(typeof packet === "object" && packet, "the packet", packet, "a message or a bundle");
    if ("elements" in packet) {
      const { timetag, elements } = packet;
      where = " bundle" + where;
      if (depth >= OSC_MAX_BUNDLE_DEPTH) {
        throw new RangeError(`Cannot encode OSC${where}: bundles nest deeper than ${OSC_MAX_BUNDLE_DEPTH} (a cycle?)`);
      }
      check(Array.isArray(elements), "elements", elements, "an array");
      writeArg("s", "#bundle");
      writeArg("t", timetag);
      // An index loop here and for args, and Array.from for inferred tags: forEach and map skip a hole, so with
      // new Array(2) and only [1] set a bundle lost element 0 without a word, and a message of types "ii" with only
      // args[0] set went out as 12 bytes that decodeOsc rejects. A hole now reads as undefined.
      for (let index = 0; index < elements.length; index++) {
        const sizeAt = claim(4);
        write(elements[index], `${path}.${index}`, depth + 1);
        view.setInt32(sizeAt, length - sizeAt - 4);
      }
      return;
    }
    const { address, args } = packet;
    check(
      typeof address === "string" && address[0] === "/" && !address.includes("\0") &&
        !OSC_LONE_SURROGATE.test(address),
      "the address",
      address,
      'a string that starts with "/" and has no NUL or lone surrogate',
    );
    where = ` message ${address}${where}`;
    check(Array.isArray(args), "args", args, "an array");
    /** The tags of `arg`, argument `place`, when the message has no `types`: an array's inside `[` and `]`. */
    const inferTags = (arg: unknown, place: string, depth: number): string => {
      if (Array.isArray(arg)) {
        if (depth >= OSC_MAX_ARRAY_DEPTH) {
          throw new RangeError(
            `Cannot encode OSC${where}: argument ${place} nests arrays deeper than ${OSC_MAX_ARRAY_DEPTH} (a cycle?)`,
          );
        }
        return `[${Array.from(arg, (item, index) => inferTags(item, `${place}.${index}`, depth + 1)).join("")}]`;
      }
      const tag = oscInferTag(arg);
      check(
        tag,
        `argument ${place}`,
        arg,
        "a number, string, bigint, boolean, null, Uint8Array or an array of them, or types must give its tag",
      );
      return tag;
    };
    const types = packet.types === undefined
      ? Array.from(args, (arg, index) => inferTags(arg, String(index), 0)).join("")
      : packet.types;
    const arrayDepth = typeof types === "string" && OSC_TYPE_TAG_STRING.test("," + types) ? oscArrayDepth(types) : -1;
    check(
      arrayDepth >= 0,
      "types",
      types,
      `a string of the tags ${OSC_TYPE_TAGS}, one per argument ([ and ] around an array's), without a leading comma`,
    );
    const count = oscTopLevelCount(types);
    check(
      count === args.length,
      "types",
      types,
      `the tags of ${args.length} argument${args.length === 1 ? "" : "s"}, as args holds, not of ${count}`,
    );
    if (arrayDepth > OSC_MAX_ARRAY_DEPTH) {
      throw new RangeError(`Cannot encode OSC${where}: types nest arrays deeper than ${OSC_MAX_ARRAY_DEPTH}`);
    }
    writeArg("s", address);
    writeArg("s", "," + types);
    /** The next tag of types to write. */
    let next = 0;
    /** Writes `values` by the tags from `next` to the `]` that closes them, or to the end; `path` names their array. */
    const writeValues = (values: unknown[], path: string): void => {
      for (let index = 0; next < types.length && types[next] !== "]"; index++) {
        const tag = types[next++];
        const place = path + index;
        // An index, not forEach: a hole reads as undefined (see bundles above).
        const value = values[index];
        if (tag !== "[") {
          writeArg(tag, value, place);
          continue;
        }
        const count = oscTopLevelCount(types.slice(next, oscArrayEnd(types, next)));
        check(
          Array.isArray(value) && value.length === count,
          `argument ${place} (type tag '[')`,
          value,
          `an array of ${count} value${count === 1 ? "" : "s"}, one per tag between its [ and ]`,
        );
        writeValues(value, place + ".");
        next++; // past its ]
      }
    };
    writeValues(args, "");
  };
  write(packet, "", 0);
  return bytes.slice(0, length);
}

// ─── OSC: decoder ───────────────────────────────────────────────────────────

/**
 * Decodes one OSC datagram (OSC 1.0, arrays from 1.1): a message or a bundle of them.
 *
 * Strict: sizes must be multiples of 4, padding must be zero, strings must end
 * with a NUL inside their packet, every byte must belong to the packet, and
 * bundles and arrays nest at most 32 deep. A size is checked against the bytes that
 * remain before anything is copied. Tell the two results apart with
 * `"elements" in packet`.
 *
 * @param bytes one whole datagram
 * @returns the message, with `types` filled in, or the bundle
 * @throws {TypeError} when `bytes` is not a Uint8Array, or a string is not valid UTF-8
 * @throws {RangeError} for any other malformed input; the message says what
 *   and at which byte, such as `Cannot decode OSC: nonzero padding after the address at byte 5`
 *
 * @example The OSC 1.0 specification's second example message
 * ```ts
 * import { decodeOsc } from "./osc.ts";
 *
 * const bytes = Uint8Array.of(
 *   0x2f, 0x66, 0x6f, 0x6f, 0, 0, 0, 0, // "/foo"
 *   0x2c, 0x69, 0x73, 0x66, 0, 0, 0, 0, // ",isf"
 *   0, 0, 0x03, 0xe8, 0x68, 0x69, 0, 0, 0x3f, 0x9d, 0xf3, 0xb6, // 1000, "hi", 1.234
 * );
 * const packet = decodeOsc(bytes);
 * if (!("elements" in packet)) console.log(packet.address, packet.types, packet.args); // /foo isf [ 1000, "hi", 1.2339999675750732 ]
 * ```
 */
export function decodeOsc(bytes: Uint8Array): OscMessage | OscBundle {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`Cannot decode OSC from ${oscDescribe(bytes)}: expected a Uint8Array`);
  }
  // A plain Uint8Array over the same bytes: a subclass's slice() may return a view (Node's Buffer
  // does), and blobs must be copies.
  const input = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const view = new DataView(input.buffer, input.byteOffset, input.length);
  /** Where the next read starts, from the start of the input; packets start at multiples of 4 from it. */
  let offset = 0;
  /** Every malformed input ends here: a RangeError that says what and where. */
  const malformed = (what: string, at = offset): never => {
    throw new RangeError(`Cannot decode OSC: ${what} at byte ${at}`);
  };
  /**
   * Moves past `byteCount` bytes that must fit before `end`, then past zeros
   * up to a multiple of 4 (packets end at one, so these fit too); returns where
   * the bytes start.
   */
  const take = (byteCount: number, end: number, what: string): number => {
    const start = offset;
    if (!(byteCount >= 0 && start + byteCount <= end)) malformed(`${what} that runs past the end`);
    for (offset += byteCount; offset & 3; offset++) if (input[offset]) malformed(`nonzero padding after ${what}`);
    return start;
  };
  /** Reads an OSC string ending before `end`: UTF-8, its NUL, then zero padding. */
  const readString = (end: number, what: string): string => {
    let nul = offset;
    let allBits = 0;
    let text = "";
    while (nul < end && input[nul]) allBits |= input[nul++];
    const start = take(nul + 1 - offset, end, what);
    // Short ASCII is read by hand: TextDecoder costs about 290 ns a call whatever the length.
    // Decoding the spec's 5-argument /foo message went from 1,740 ns to 370.
    if (allBits < 128 && nul - start <= 64) {
      for (let at = start; at < nul; at++) text += String.fromCharCode(input[at]);
      return text;
    }
    try {
      return oscTextDecoder.decode(input.subarray(start, nul));
    } catch {
      throw new TypeError(`Cannot decode OSC: invalid UTF-8 in ${what} at byte ${start}`);
    }
  };
  /** Reads the message or bundle that fills the input from `offset` to exactly `end`. */
  const readPacket = (end: number, depth: number): OscMessage | OscBundle => {
    const start = offset;
    const byteLength = end - start;
    if (!byteLength || byteLength & 3) malformed(`a packet of ${byteLength} bytes, not a positive multiple of 4,`);
    const address = readString(end, "the address");
    if (address === "#bundle") {
      if (depth >= OSC_MAX_BUNDLE_DEPTH) malformed(`bundles nested deeper than ${OSC_MAX_BUNDLE_DEPTH}`, start);
      const timetag = view.getBigUint64(take(8, end, "a bundle timetag"));
      const elements: (OscMessage | OscBundle)[] = [];
      while (offset < end) {
        const elementBytes = view.getInt32(take(4, end, "a bundle element size"));
        offset = take(elementBytes, end, `a bundle element of ${elementBytes} bytes`);
        elements.push(readPacket(offset + elementBytes, depth + 1));
      }
      return { timetag, elements };
    }
    if (address[0] !== "/") malformed(`a packet that starts with neither "/" nor "#bundle"`, start);
    // OSC 1.0 asks receivers to accept a message without a type tag string, from older senders.
    if (offset === end) return { address, types: "", args: [] };
    const tagsAt = offset;
    // Arguments with no type tag string before them (older senders: raw int32s after the address) read as an empty
    // tag string with nonzero padding, which named a byte and not the cause.
    if (input[offset] !== 0x2c) {
      malformed('no type tag string after the address (one starts with ","), so its arguments cannot be read');
    }
    const types = readString(end, "the type tag string");
    // Checked before any argument is read: an unknown tag has an unknown size.
    if (!OSC_TYPE_TAG_STRING.test(types)) {
      malformed(`a type tag string that is not "," then tags from ${OSC_TYPE_TAGS} and [ ]`, tagsAt);
    }
    const arrayDepth = oscArrayDepth(types);
    if (arrayDepth < 0) malformed("a type tag string whose [ and ] do not pair", tagsAt);
    if (arrayDepth > OSC_MAX_ARRAY_DEPTH) malformed(`arrays nested deeper than ${OSC_MAX_ARRAY_DEPTH}`, tagsAt);
    const args: unknown[] = [];
    /** The arrays open around the next argument, the message's args first: it goes into the last. */
    const open = [args];
    for (let index = 1; index < types.length; index++) {
      const tag = types[index];
      if (tag === "[") {
        const array: unknown[] = [];
        open[open.length - 1].push(array);
        open.push(array);
        continue;
      }
      if (tag === "]") {
        open.pop();
        continue;
      }
      const method = OSC_TAGS[tag][1];
      let value = OSC_CONSTANTS[tag];
      if (method) {
        const at = take(+method.slice(-2) / 8, end, `an argument of type '${tag}'`);
        value = view[("get" + method) as "getUint32"](at);
        // Past ASCII, as encodeOsc refuses: liblo reads one byte of a 'c' (oscsend's "é" is 0xc3, which read as "Ã").
        if (tag === "c") {
          value = value as number > 0x7f
            ? malformed(`a char of ${value}, past U+007F (OSC 1.0's 'c' is an ASCII character),`, at)
            : String.fromCharCode(value as number);
        }
      } else if (tag === "s" || tag === "S") value = readString(end, `the '${tag}' string`);
      else if (tag === "b" || tag === "m") {
        const byteLength = tag === "m" ? 4 : view.getInt32(take(4, end, "an argument of type 'b'"));
        const at = take(byteLength, end, `a blob of size ${byteLength}`);
        value = input.slice(at, at + byteLength);
      }
      open[open.length - 1].push(value);
    }
    if (offset < end) malformed(`${end - offset} bytes after the last argument`);
    return { address, types: types.slice(1), args };
  };
  return readPacket(input.length, 0);
}

// ─── OSC: address patterns ──────────────────────────────────────────────────
//
// OSC 1.0's dispatch: a message's address is a pattern, matched against the
// addresses of the receiver's methods, part by part between the slashes. The
// pattern usually comes from the network, so matching one part takes time in
// proportion to the pattern's length times the address part's, however the
// wildcards are arranged. A backtracking matcher is exponential in the number
// of `*`: liblo 0.31's lo_pattern_match took 47 s and 59 s in two runs for
// `/*a*a*a*a*a*a*a*a*a*a*a*a*b` against `/` and 40 a's (bench/osc_match.ts).

/**
 * One step of a part's pattern: `*` (any run of characters), `?` (any one),
 * a character code (that character), a test of one character's code (a
 * `[...]` set), or the strings of a `{...}` list.
 */
type OscPatternStep = "*" | "?" | number | ((code: number) => boolean) | string[];

/** One part of a pattern, ready to match: its steps, and the fewest characters they can match. */
interface OscPatternPart {
  steps: OscPatternStep[];
  minLength: number;
}

/**
 * The last pattern oscMatch compiled, and its parts (undefined for a part with
 * a `[` or `{` never closed): a dispatch matches one pattern against each of
 * its methods in turn, and compiles it once.
 */
let oscLastPattern = "";
let oscLastParts: (OscPatternPart | undefined)[] = [];

/**
 * The test of a `[...]` set's contents (without the brackets). `!` first
 * negates it; `a-z` is a range, either way round (OSC 1.0 gives a reversed one
 * no meaning; liblo matches only its two ends); a `-` first or last is itself.
 * Codes under 128 are looked up in a table: a set as long as a datagram costs
 * no more to test than `[ab]`.
 */
function oscCompileSet(inside: string): (code: number) => boolean {
  const negated = inside[0] === "!";
  const ascii = new Uint8Array(128);
  const wide: [from: number, to: number][] = [];
  let index = negated ? 1 : 0;
  while (index < inside.length) {
    const isRange = inside[index + 1] === "-" && index + 2 < inside.length;
    const first = inside.charCodeAt(index);
    const last = isRange ? inside.charCodeAt(index + 2) : first;
    index += isRange ? 3 : 1;
    const from = Math.min(first, last);
    const to = Math.max(first, last);
    for (let code = from; code <= Math.min(to, 127); code++) ascii[code] = 1;
    if (to > 127) wide.push([Math.max(from, 128), to]);
  }
  return (code) => (code < 128 ? ascii[code] === 1 : wide.some(([from, to]) => code >= from && code <= to)) !== negated;
}

/** One part of a pattern (no `/` in it) compiled, or undefined when a `[` or `{` in it is never closed. */
function oscCompilePart(part: string): OscPatternPart | undefined {
  const steps: OscPatternStep[] = [];
  let minLength = 0;
  for (let at = 0; at < part.length; at++) {
    const char = part[at];
    if (char === "*") {
      if (steps.at(-1) !== "*") steps.push("*"); // `**` is `*`
    } else if (char === "[") {
      // A `]` first in a set (after the `!` that negates it) is a member, as in a shell's globs and liblo.
      const end = part.indexOf("]", part[at + 1] === "!" ? at + 3 : at + 2);
      if (end < 0) return undefined;
      steps.push(oscCompileSet(part.slice(at + 1, end)));
      minLength++;
      at = end;
    } else if (char === "{") {
      // Lists do not nest: a `{` inside one is a character of an option. An empty option matches no characters.
      const end = part.indexOf("}", at + 1);
      if (end < 0) return undefined;
      const options = part.slice(at + 1, end).split(",");
      steps.push(options);
      let shortest = Infinity;
      for (const option of options) shortest = Math.min(shortest, option.length);
      minLength += shortest;
      at = end;
    } else {
      steps.push(char === "?" ? "?" : part.charCodeAt(at));
      minLength++;
    }
  }
  return { steps, minLength };
}

/** True when a compiled part of a pattern matches one part of an address (no `/` in it). */
function oscMatchPart({ steps, minLength }: OscPatternPart, text: string): boolean {
  // A pattern built of thousands of steps meets an address part of a few dozen characters here.
  if (minLength > text.length) return false;
  // reach[at]: the steps so far can match text's first `at` characters. One row a step: time is the steps
  // times the text's length, and a `{...}` list's strings' length besides.
  let reach = new Uint8Array(text.length + 1);
  let next = new Uint8Array(text.length + 1);
  reach[0] = 1;
  for (const step of steps) {
    next.fill(0);
    let reached = false;
    for (let at = 0; at <= text.length; at++) {
      if (!reach[at]) continue;
      reached = true;
      if (step === "*") {
        // Any run of characters from the first place reached: every place from it on.
        next.fill(1, at);
        break;
      }
      if (Array.isArray(step)) {
        for (const option of step) if (text.startsWith(option, at)) next[at + option.length] = 1;
      } else if (at < text.length) {
        const code = text.charCodeAt(at);
        if (step === "?" || (typeof step === "number" ? code === step : step(code))) next[at + 1] = 1;
      }
    }
    if (!reached) return false;
    [reach, next] = [next, reach];
  }
  return reach[text.length] === 1;
}

/**
 * True when the OSC address pattern `pattern`, such as a received message's
 * address, matches `address`, such as one of your methods': OSC 1.0's
 * dispatch rules.
 *
 * Both are split at `/` and must have the same number of parts; each part of
 * the pattern matches the address's part in the same place. In a part, `?` is
 * any one character, `*` any run of characters (none too), `[abc]` one of
 * those characters, `[a-z]` one in that range, `[!a-z]` one outside it, and
 * `{fire,jump}` any one of those strings. Every other character is itself. So
 * a wildcard never crosses a `/`: `/synth/*` matches `/synth/1` and not
 * `/synth/1/note` (liblo 0.31 lets `*` and `?` cross one).
 *
 * Where OSC 1.0 does not say: a `-` first or last in a set is itself, and so
 * is a `]` first; a range may run either way (`[z-a]` is `[a-z]`); lists do
 * not nest, and an empty option (`{,s}`) matches no characters; a `[` or `{`
 * never closed matches nothing. Characters are UTF-16 code units (OSC 1.0
 * addresses are printable ASCII): `?` does not match an emoji, `??` does.
 *
 * Matching a part takes time no more than in proportion to the pattern's
 * length times the address part's, however a stranger arranges the
 * wildcards, so a received pattern is safe to match; a dispatch pays that for
 * each method it tries, and compiles the pattern once (oscMatch keeps the last
 * pattern it compiled).
 *
 * @param pattern the address pattern: what a message says it is for (the
 *   received one comes first: swapped, a pattern with a wildcard never matches)
 * @param address the address to test: starts with `/`, with no `?*[]{},#` in it
 * @returns whether the message is for that address
 * @throws {TypeError} when either is not a string
 *
 * @example Dispatch a message to every method it matches
 * ```ts
 * import { oscMatch } from "./osc.ts";
 *
 * const methods = ["/player/1/fire", "/player/2/fire", "/player/1/jump"];
 * console.log(methods.filter((address) => oscMatch("/player/?/fire", address))); // [ "/player/1/fire", "/player/2/fire" ]
 * console.log(oscMatch("/player/[12]/{fire,jump}", "/player/2/jump")); // true
 * ```
 */
export function oscMatch(pattern: string, address: string): boolean {
  if (typeof pattern !== "string" || typeof address !== "string") {
    throw new TypeError(
      `Cannot match OSC pattern ${oscDescribe(pattern)} against ${oscDescribe(address)}: both must be strings`,
    );
  }
  // Most messages name one method: no wildcard, one comparison. The two arguments swapped (`oscMatch(method,
  // received)`) read false for a received pattern with a wildcard; a throw there (tried 2026-12-05) would hand a
  // stranger who sends one a way to throw in the game's receive loop, so the order is the documentation's to tell.
  if (!/[?*[{]/.test(pattern)) return pattern === address;
  if (pattern !== oscLastPattern) {
    oscLastParts = pattern.split("/").map(oscCompilePart);
    oscLastPattern = pattern;
  }
  const parts = oscLastParts;
  const addressParts = address.split("/");
  return parts.length === addressParts.length &&
    parts.every((part, index) => part !== undefined && oscMatchPart(part, addressParts[index]));
}
