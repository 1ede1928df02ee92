// ─── OSC ────────────────────────────────────────────────────────────────────
//
// Open Sound Control 1.0 (https://opensoundcontrol.stanford.edu/spec-1_0.html),
// so a game can drive music and show-control tools and be driven by their
// controllers. Everything is big-endian and padded to 4 bytes. The codec is
// pure: it reads no clock and touches no socket; an OSC datagram goes out on a
// UDP socket as it is, or rides a Host as bytes.
//
// This section imports nothing and is meant to be pasted into mod.ts as it is;
// its constants may move up to "Wire constants" there.

/**
 * Bundles nest at most this deep, in decodeOsc and encodeOsc alike. Music
 * tools nest two or three levels; a 65,507-byte datagram could nest 3,000
 * (20 bytes a level), and the bound keeps hostile input off the call stack.
 */
const OSC_MAX_BUNDLE_DEPTH = 32;
/** Seconds from the NTP epoch, 1900-01-01, to the Unix epoch, 1970-01-01: 70 years with 17 leap days. */
const NTP_UNIX_OFFSET_SECONDS = 2208988800;
/** A bundle starts with these 8 bytes, then its 64-bit timetag. */
const OSC_BUNDLE_HEADER = "#bundle\0";
/** Every type tag this codec reads and writes. */
const OSC_TYPE_TAGS = "ifsbhdtTFNIcrmS";
/** The tags that carry no bytes, and the argument each stands for (encodeOsc also takes `undefined` for N). */
const OSC_CONSTANTS: Record<string, unknown> = { T: true, F: false, N: null, I: Infinity };
/** The first encode buffer: a typical control message (address, 2-3 numbers) fits without growing. */
const OSC_FIRST_BUFFER_BYTES = 64;
// Strings are UTF-8 (OSC 1.0 says ASCII; liblo and most tools pass UTF-8 through).
// fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: a leading U+FEFF is data, so strings round-trip.
const oscTextDecoder = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const oscTextEncoder = /* @__PURE__ */ new TextEncoder();

/**
 * An OSC message: an address and typed arguments, one per type tag.
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
 * | `c` | a string of one character | its code point as uint32 |
 * | `r` | number, 0xRRGGBBAA | uint32 |
 * | `m` | Uint8Array of 4: port, status, data 1, data 2 | 4 bytes |
 * | `T` / `F` / `N` / `I` | `true` / `false` / `null` / `Infinity` | nothing |
 *
 * Arrays (`[`, `]`) are not supported: {@linkcode decodeOsc} rejects them,
 * like any tag not in this table, with a RangeError.
 *
 * @example
 * ```ts
 * import { type OscMessage } from "./osc_section.ts";
 *
 * const note: OscMessage = { address: "/synth/1/note", types: "if", args: [60, 0.8] };
 * console.log(note.args.length); // 2
 * ```
 */
export interface OscMessage {
  /** Where the message goes: starts with `/`, such as `/oscillator/4/frequency`. */
  address: string;
  /**
   * One tag per argument, without the leading comma: `"if"`. Decoding always
   * fills it. When encoding without it, each tag is inferred from its
   * argument: an integer in int32 range `i`, any other number `f`, string `s`,
   * Uint8Array `b`, bigint `h`, `true` `T`, `false` `F`, `null` or `undefined` `N`.
   */
  types?: string;
  /** The arguments, one per type tag, as in the table above. */
  args: unknown[];
}

/**
 * An OSC bundle: messages and bundles to be applied together at one time.
 *
 * @example
 * ```ts
 * import { type OscBundle, OSC_IMMEDIATELY } from "./osc_section.ts";
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
 * import { encodeOsc, OSC_IMMEDIATELY } from "./osc_section.ts";
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
 * import { encodeOsc, oscTime } from "./osc_section.ts";
 *
 * const bytes = encodeOsc({ timetag: oscTime(Date.now() + 500), elements: [{ address: "/go", args: [] }] });
 * console.log(bytes.length); // 28
 * ```
 */
export function oscTime(unixMs: number): bigint {
  if (typeof unixMs !== "number") {
    throw new TypeError(`Cannot convert ${oscDescribe(unixMs)} to an OSC timetag: expected a number of ms`);
  }
  const unixSeconds = Math.floor(unixMs / 1000);
  // 1968-01-20T03:14:08Z is 2 ** 31 NTP seconds; 2104-02-26T09:42:24Z is 2 ** 31 seconds into the 2036 era.
  if (
    !(unixSeconds >= 2 ** 31 - NTP_UNIX_OFFSET_SECONDS && unixSeconds < 2 ** 31 + 2 ** 32 - NTP_UNIX_OFFSET_SECONDS)
  ) {
    throw new RangeError(
      `Cannot convert ${unixMs} ms to an OSC timetag: it must be a time from 1968-01-20T03:14:08Z to 2104-02-26T09:42:24Z`,
    );
  }
  let seconds = unixSeconds + NTP_UNIX_OFFSET_SECONDS;
  let fraction = Math.round((unixMs - unixSeconds * 1000) / 1000 * 2 ** 32);
  // Within half a fraction step (233 ps) of the next second: that second, fraction 0.
  if (fraction === 2 ** 32) seconds++, fraction = 0;
  return BigInt(seconds % 2 ** 32) << 32n | BigInt(fraction);
}

/**
 * Converts an OSC (NTP) timetag to Unix milliseconds: the inverse of
 * {@linkcode oscTime}, with the same 1968 to 2104 window.
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
 * import { oscTime, oscTimeToMs } from "./osc_section.ts";
 *
 * console.log(oscTimeToMs(oscTime(1_700_000_000_250))); // 1700000000250
 * ```
 */
export function oscTimeToMs(timetag: bigint): number {
  if (typeof timetag !== "bigint") {
    throw new TypeError(`Cannot convert ${oscDescribe(timetag)} to Unix ms: expected a bigint OSC timetag`);
  }
  if (timetag < 0n || timetag >= 1n << 64n) {
    throw new RangeError(`Cannot convert ${timetag} to Unix ms: an OSC timetag is from 0 to 2 ** 64 - 1`);
  }
  if (timetag === OSC_IMMEDIATELY) return -Infinity;
  const seconds = Number(timetag >> 32n);
  // Top bit clear: the era that starts in 2036 (RFC 4330, section 3).
  const unixSeconds = seconds - NTP_UNIX_OFFSET_SECONDS + (seconds < 2 ** 31 ? 2 ** 32 : 0);
  const fractionMs = Number(timetag & 0xffffffffn) / 2 ** 32 * 1000;
  // Rounded to a microsecond: a fraction step is 233 ps, so a time that came from whole
  // milliseconds comes back as the same number rather than one 1e-7 off.
  return unixSeconds * 1000 + Math.round(fractionMs * 1000) / 1000;
}

// ─── OSC: encoder ───────────────────────────────────────────────────────────

/** A growing output buffer. Fresh buffers are zero-filled, so padding is written by skipping it. */
interface OscWriter {
  bytes: Uint8Array;
  view: DataView;
  length: number;
}

/** Claims `byteCount` more bytes, growing the buffer by doubling; returns where they start. */
function oscClaim(writer: OscWriter, byteCount: number): number {
  const start = writer.length;
  writer.length += byteCount;
  if (writer.length > writer.bytes.length) {
    const grown = new Uint8Array(Math.max(writer.length, writer.bytes.length * 2));
    grown.set(writer.bytes.subarray(0, start));
    writer.bytes = grown;
    writer.view = new DataView(grown.buffer);
  }
  return start;
}

/** Writes an OSC string: UTF-8, a NUL, zeros up to a multiple of 4. The caller checked it has no NUL. */
function oscWriteString(writer: OscWriter, text: string): void {
  // 3 bytes of UTF-8 at most per UTF-16 unit, and 1 to 4 of NUL and padding.
  const start = oscClaim(writer, text.length * 3 + 4);
  const { bytes } = writer;
  // ASCII (addresses, type tags, most names) is copied by hand: with one encodeInto call per
  // string, encoding the spec's 5-argument /foo message took 1,130 ns; by hand, 670.
  let written = 0;
  for (let code; written < text.length && (code = text.charCodeAt(written)) < 128; written++) {
    bytes[start + written] = code;
  }
  if (written < text.length) written = oscTextEncoder.encodeInto(text, bytes.subarray(start)).written;
  writer.length = start + written + 4 - (written & 3);
}

/** What a caller passed, for an error message: short, and quoted when it is a string. */
function oscDescribe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`;
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The tag encodeOsc infers for an argument when the message has no `types`. */
function oscInferTag(value: unknown): string | undefined {
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 ? "i" : "f";
    case "string":
      return "s";
    case "bigint":
      return "h";
    case "boolean":
      return value ? "T" : "F";
    case "undefined":
      return "N";
  }
  if (value === null) return "N";
  if (value instanceof Uint8Array) return "b";
}

/** Checks a caller's integer for a tag whose wire form holds `min` to `max`: a number, or for 64 bits a bigint. */
function oscCheckInteger(
  value: unknown,
  min: number | bigint,
  max: number | bigint,
  fail: (error: "type" | "range", expected: string) => never,
): void {
  if (typeof value !== typeof min) fail("type", `a ${typeof min}`);
  if (!(Number.isInteger(value) || typeof value === "bigint") || (value as number) < min || (value as number) > max) {
    fail("range", `an integer from ${min} to ${max}`);
  }
}

/** Writes one argument after checking that it matches its tag. */
function oscWriteArg(
  writer: OscWriter,
  tag: string,
  value: unknown,
  fail: (error: "type" | "range", expected: string) => never,
): void {
  // Checked first, then the bytes are claimed: a claim may move the buffer, so
  // `writer.view` and `writer.bytes` are read only after it.
  let byteCount = 4;
  switch (tag) {
    case "i":
      oscCheckInteger(value, -(2 ** 31), 2 ** 31 - 1, fail);
      break;
    case "r":
      oscCheckInteger(value, 0, 2 ** 32 - 1, fail);
      break;
    case "f":
    case "d":
      if (typeof value !== "number") fail("type", "a number");
      byteCount = tag === "d" ? 8 : 4;
      break;
    case "h":
      oscCheckInteger(value, -(1n << 63n), (1n << 63n) - 1n, fail);
      byteCount = 8;
      break;
    case "t":
      oscCheckInteger(value, 0n, (1n << 64n) - 1n, fail);
      byteCount = 8;
      break;
    case "s":
    case "S":
      if (typeof value !== "string") fail("type", "a string");
      if ((value as string).includes("\0")) fail("type", "a string without NUL characters (OSC ends strings with NUL)");
      return oscWriteString(writer, value as string);
    case "c": {
      const codePoint = typeof value === "string" ? value.codePointAt(0) ?? 0 : 0;
      // One code point: one UTF-16 unit, or two for a code point past U+FFFF.
      if (typeof value !== "string" || value.length !== (codePoint > 0xffff ? 2 : 1)) {
        fail("type", "a string of one character");
      }
      break;
    }
    case "m":
      if (!(value instanceof Uint8Array)) fail("type", "a Uint8Array of 4 bytes");
      if ((value as Uint8Array).length !== 4) fail("range", "a Uint8Array of 4 bytes (port, status, data 1, data 2)");
      break;
    case "b": {
      if (!(value instanceof Uint8Array)) fail("type", "a Uint8Array");
      const { length } = value as Uint8Array;
      if (length >= 2 ** 31) fail("range", "a Uint8Array of less than 2 ** 31 bytes (its size is an int32)");
      byteCount = 4 + length + (-length & 3);
      break;
    }
    case "T":
    case "F":
    case "N":
    case "I":
      if ((value ?? null) !== OSC_CONSTANTS[tag]) fail("type", String(OSC_CONSTANTS[tag]));
      return;
  }
  const at = oscClaim(writer, byteCount);
  const { view, bytes } = writer;
  switch (tag) {
    case "i":
      return view.setInt32(at, value as number);
    case "r":
      return view.setUint32(at, value as number);
    case "f":
      return view.setFloat32(at, value as number);
    case "d":
      return view.setFloat64(at, value as number);
    case "h":
      return view.setBigInt64(at, value as bigint);
    case "t":
      return view.setBigUint64(at, value as bigint);
    case "c":
      return view.setUint32(at, (value as string).codePointAt(0)!);
    case "m":
      return bytes.set(value as Uint8Array, at);
  }
  view.setInt32(at, (value as Uint8Array).length);
  bytes.set(value as Uint8Array, at + 4);
}

/** Where a packet sits, for an error message: `""` at the top, `" (bundle element 2.0)"` inside bundles. */
function oscPlace(path: number[]): string {
  return path.length ? ` (bundle element ${path.join(".")})` : "";
}

/** Writes a message or bundle; `path` holds the element indices from the top bundle down. */
function oscWritePacket(writer: OscWriter, packet: OscMessage | OscBundle, path: number[]): void {
  const place = oscPlace(path);
  if (typeof packet !== "object" || packet === null) {
    throw new TypeError(`Cannot encode OSC${place}: ${oscDescribe(packet)} is neither a message nor a bundle`);
  }
  if ("elements" in packet) {
    const { timetag, elements } = packet;
    if (path.length >= OSC_MAX_BUNDLE_DEPTH) {
      throw new RangeError(`Cannot encode OSC${place}: bundles nest deeper than ${OSC_MAX_BUNDLE_DEPTH} (a cycle?)`);
    }
    if (!Array.isArray(elements)) {
      throw new TypeError(`Cannot encode OSC bundle${place}: elements is ${oscDescribe(elements)}, not an array`);
    }
    if (typeof timetag !== "bigint") {
      throw new TypeError(`Cannot encode OSC bundle${place}: timetag is ${oscDescribe(timetag)}, not a bigint`);
    }
    if (timetag < 0n || timetag >= 1n << 64n) {
      throw new RangeError(`Cannot encode OSC bundle${place}: timetag ${timetag} is outside 0 to 2 ** 64 - 1`);
    }
    oscWriteString(writer, OSC_BUNDLE_HEADER.slice(0, 7));
    const timetagAt = oscClaim(writer, 8);
    writer.view.setBigUint64(timetagAt, timetag);
    for (let index = 0; index < elements.length; index++) {
      const sizeAt = oscClaim(writer, 4);
      path.push(index);
      oscWritePacket(writer, elements[index], path);
      path.pop();
      writer.view.setInt32(sizeAt, writer.length - sizeAt - 4);
    }
    return;
  }
  const { address, args } = packet;
  if (typeof address !== "string" || address[0] !== "/" || address.includes("\0")) {
    throw new TypeError(
      `Cannot encode OSC${place}: the address ${
        oscDescribe(address)
      } must be a string that starts with "/" and has no NUL`,
    );
  }
  const where = `Cannot encode OSC message ${address}${place}`;
  if (!Array.isArray(args)) throw new TypeError(`${where}: args is ${oscDescribe(args)}, not an array`);
  let { types } = packet;
  if (types === undefined) {
    types = "";
    for (let index = 0; index < args.length; index++) {
      const tag = oscInferTag(args[index]);
      if (!tag) {
        throw new TypeError(
          `${where}: argument ${index} is ${
            oscDescribe(args[index])
          }, which has no OSC type tag (pass types to choose one)`,
        );
      }
      types += tag;
    }
  } else if (typeof types !== "string") {
    throw new TypeError(`${where}: types is ${oscDescribe(types)}, not a string`);
  } else {
    for (let index = 0; index < types.length; index++) {
      if (!OSC_TYPE_TAGS.includes(types[index])) {
        throw new TypeError(
          `${where}: types ${oscDescribe(types)} has the unknown tag ${oscDescribe(types[index])} at index ${index}` +
            ` (the tags are ${OSC_TYPE_TAGS}, without a leading comma)`,
        );
      }
    }
    if (types.length !== args.length) {
      throw new TypeError(
        `${where}: types ${oscDescribe(types)} has ${types.length} tags for ${args.length} arguments`,
      );
    }
  }
  oscWriteString(writer, address);
  oscWriteString(writer, "," + types);
  let index = 0;
  const fail = (error: "type" | "range", expected: string): never => {
    const found = `argument ${index} is ${oscDescribe(args[index])}`;
    const message = `${where}: ${found}; type tag '${types[index]}' needs ${expected}`;
    throw error === "type" ? new TypeError(message) : new RangeError(message);
  };
  for (; index < args.length; index++) oscWriteArg(writer, types[index], args[index], fail);
}

/**
 * Encodes an OSC 1.0 message or bundle into the bytes of one datagram.
 *
 * @param packet a message `{ address, types?, args }` or a bundle `{ timetag, elements }`
 * @returns the packet's bytes, a multiple of 4 long
 * @throws {TypeError} when a value does not fit its place: an address that does
 *   not start with `/`, an argument that does not match its type tag or that
 *   has no tag to infer, an unknown tag; the message names the place, such as
 *   `argument 1` of a message in `bundle element 2.0`
 * @throws {RangeError} when a number is out of its tag's range, or bundles nest
 *   deeper than 32
 *
 * @example The OSC 1.0 specification's first example message
 * ```ts
 * import { encodeOsc } from "./osc_section.ts";
 *
 * const bytes = encodeOsc({ address: "/oscillator/4/frequency", types: "f", args: [440] });
 * console.log(bytes.length); // 32
 * ```
 */
export function encodeOsc(packet: OscMessage | OscBundle): Uint8Array {
  const bytes = new Uint8Array(OSC_FIRST_BUFFER_BYTES);
  const writer: OscWriter = { bytes, view: new DataView(bytes.buffer), length: 0 };
  oscWritePacket(writer, packet, []);
  return writer.bytes.slice(0, writer.length);
}

// ─── OSC: decoder ───────────────────────────────────────────────────────────

/** Input being decoded; `offset` is where the next read starts, counted from the start of the input. */
interface OscReader {
  bytes: Uint8Array;
  view: DataView;
  offset: number;
}

/** Every malformed input ends here: a RangeError that says what and where. */
function oscMalformed(what: string, at: number): never {
  throw new RangeError(`Cannot decode OSC: ${what} at byte ${at}`);
}

/** Reads an OSC string ending before `end`: its NUL, then zero padding to a multiple of 4. */
function oscReadString(reader: OscReader, end: number, what: string): string {
  const { bytes } = reader;
  const start = reader.offset;
  let nul = start;
  let allBits = 0;
  while (nul < end && bytes[nul] !== 0) allBits |= bytes[nul++];
  if (nul === end) oscMalformed(`${what} with no NUL before the end`, start);
  // Packets start 4-aligned from byte 0, so a multiple of 4 from the input's start is one in the
  // packet; and since `end` is one too, the padding cannot run past it.
  const next = nul + 4 - (nul & 3);
  for (let at = nul + 1; at < next; at++) if (bytes[at] !== 0) oscMalformed(`nonzero padding after ${what}`, at);
  reader.offset = next;
  // Short ASCII is read by hand: TextDecoder costs about 290 ns a call whatever the length; the
  // loop took 48 ns for 8 bytes, 180 for 23, and broke even at 64 (Deno 2.9.6). Decoding the spec's
  // 5-argument /foo message went from 1,740 ns to 370.
  if (allBits < 128 && nul - start <= 64) {
    let text = "";
    for (let at = start; at < nul; at++) text += String.fromCharCode(bytes[at]);
    return text;
  }
  try {
    return oscTextDecoder.decode(bytes.subarray(start, nul));
  } catch {
    throw new TypeError(`Cannot decode OSC: invalid UTF-8 in ${what} at byte ${start}`);
  }
}

/** Reads the argument for `tag`, ending before `end`. */
function oscReadArg(reader: OscReader, end: number, tag: string): unknown {
  const { bytes, view } = reader;
  const at = reader.offset;
  if (tag in OSC_CONSTANTS) return OSC_CONSTANTS[tag];
  if (tag === "s" || tag === "S") return oscReadString(reader, end, `the '${tag}' string`);
  const byteCount = tag === "h" || tag === "t" || tag === "d" ? 8 : 4;
  if (at + byteCount > end) oscMalformed(`an argument of type '${tag}' cut off by the end`, at);
  reader.offset = at + byteCount;
  switch (tag) {
    case "i":
      return view.getInt32(at);
    case "f":
      return view.getFloat32(at);
    case "r":
      return view.getUint32(at);
    case "d":
      return view.getFloat64(at);
    case "h":
      return view.getBigInt64(at);
    case "t":
      return view.getBigUint64(at);
    case "m":
      return bytes.slice(at, at + 4);
    case "c": {
      const codePoint = view.getUint32(at);
      if (codePoint > 0x10ffff) oscMalformed(`a char of ${codePoint}, past U+10FFFF,`, at);
      return String.fromCodePoint(codePoint);
    }
  }
  // "b": the size is checked against the bytes that remain before anything is copied.
  const byteLength = view.getInt32(at);
  if (byteLength < 0 || byteLength > end - at - 4) {
    oscMalformed(`a blob of ${byteLength} bytes that runs past the end`, at);
  }
  // `end` is a multiple of 4, so the padding cannot run past it.
  const next = at + 4 + byteLength + (-byteLength & 3);
  for (let padAt = at + 4 + byteLength; padAt < next; padAt++) {
    if (bytes[padAt] !== 0) oscMalformed("nonzero padding after a blob", padAt);
  }
  reader.offset = next;
  return bytes.slice(at + 4, at + 4 + byteLength);
}

/** Reads the message or bundle that fills the input from `reader.offset` to exactly `end`. */
function oscReadPacket(reader: OscReader, end: number, depth: number): OscMessage | OscBundle {
  const { bytes, view } = reader;
  const start = reader.offset;
  const byteLength = end - start;
  if (byteLength === 0) oscMalformed("an empty packet", start);
  if (byteLength % 4) oscMalformed(`a packet of ${byteLength} bytes, not a multiple of 4,`, start);
  if (bytes[start] === 0x23) { // "#"
    if (byteLength < 16) oscMalformed(`a bundle of ${byteLength} bytes, shorter than its 16-byte header,`, start);
    for (let index = 0; index < 8; index++) {
      if (bytes[start + index] !== OSC_BUNDLE_HEADER.charCodeAt(index)) {
        oscMalformed(`a packet that starts with "#" but not "#bundle" and a NUL`, start);
      }
    }
    if (depth >= OSC_MAX_BUNDLE_DEPTH) oscMalformed(`bundles nested deeper than ${OSC_MAX_BUNDLE_DEPTH}`, start);
    const timetag = view.getBigUint64(start + 8);
    const elements: (OscMessage | OscBundle)[] = [];
    reader.offset = start + 16;
    while (reader.offset < end) {
      const sizeAt = reader.offset;
      const elementBytes = view.getInt32(sizeAt);
      if (elementBytes < 0 || elementBytes > end - sizeAt - 4) {
        oscMalformed(`a bundle element of ${elementBytes} bytes that runs past the end of its bundle`, sizeAt);
      }
      reader.offset = sizeAt + 4;
      elements.push(oscReadPacket(reader, sizeAt + 4 + elementBytes, depth + 1));
    }
    return { timetag, elements };
  }
  if (bytes[start] !== 0x2f) oscMalformed(`a packet that starts with neither "/" nor "#bundle"`, start); // "/"
  const address = oscReadString(reader, end, "the address");
  // OSC 1.0 asks receivers to accept a message without a type tag string, from older senders.
  if (reader.offset === end) return { address, types: "", args: [] };
  const tagsAt = reader.offset;
  if (bytes[tagsAt] !== 0x2c) oscMalformed(`a type tag string that does not start with ","`, tagsAt); // ","
  const types = oscReadString(reader, end, "the type tag string").slice(1);
  for (let index = 0; index < types.length; index++) {
    // Checked before any argument is read: an unknown tag has an unknown size.
    if (!OSC_TYPE_TAGS.includes(types[index])) {
      oscMalformed(`unknown type tag ${JSON.stringify(types[index])}`, tagsAt + 1 + index);
    }
  }
  const args: unknown[] = [];
  for (const tag of types) args.push(oscReadArg(reader, end, tag));
  if (reader.offset < end) oscMalformed(`${end - reader.offset} bytes after the last argument`, reader.offset);
  return { address, types, args };
}

/**
 * Decodes one OSC 1.0 datagram: a message or a bundle of them.
 *
 * Strict: sizes must be multiples of 4, padding must be zero, strings must end
 * with a NUL inside their packet, every byte must belong to the packet, and
 * bundles nest at most 32 deep. A size is checked against the bytes that
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
 * import { decodeOsc } from "./osc_section.ts";
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
  const reader: OscReader = {
    bytes: input,
    view: new DataView(input.buffer, input.byteOffset, input.length),
    offset: 0,
  };
  return oscReadPacket(reader, input.length, 0);
}
