/**
 * jamnet: game networking in one file, with no dependencies.
 *
 * {@linkcode pack} and {@linkcode unpack} are a MessagePack encoder and
 * decoder, so that a game written in any language with a msgpack library reads
 * what a jamnet game sends. {@linkcode Host} turns an unreliable datagram
 * socket into connections with reliable, ordered, sequenced and unreliable
 * messages on independent channels; {@linkcode memoryNet} and
 * {@linkcode condition} simulate a bad network for tests and rehearsals.
 *
 * @example Pack a game message and read it back
 * ```ts
 * import { pack, unpack } from "./mod.ts";
 *
 * const bytes = pack({ t: "move", x: 12.5, y: -3, keys: [1, 0, 1] });
 * const message = unpack(bytes) as { t: string; x: number };
 * console.log(bytes.length, message.t, message.x); // 31 "move" 12.5
 * ```
 *
 * @module
 */

// ─── Wire constants ─────────────────────────────────────────────────────────

/**
 * Deepest nesting of arrays and maps that pack and unpack accept. Deep enough
 * for any game state; shallow enough that hostile input cannot overflow the
 * call stack (V8 overflows near 10,000 frames of a recursive decoder), and
 * pack uses it to stop on a cycle.
 */
const MAX_DEPTH = 256;
/** The pack buffer grows in chunks this large; many small messages share one. */
const PACK_CHUNK_BYTES = 8192;
/**
 * ASCII strings up to this many bytes (map keys, short tags) are decoded
 * through a cache: 7 chars of 7 bits fit a number exactly. It made decoding
 * a 9-key game message about 15% faster in bench/pack.ts.
 */
const CACHED_STRING_BYTES = 7;
/** Slots in the decoded-string cache: a power of two. */
const STRING_CACHE_SLOTS = 1024;
/** MessagePack's timestamp extension type. */
const TIMESTAMP_TYPE = -1;

/** Default largest datagram: the IPv6 minimum MTU of 1280 minus 40 bytes of IPv6 and 8 of UDP, rounded down. */
const DEFAULT_MTU_BYTES = 1200;
/** Sent packets remembered for acks and RTT: a power of two, far beyond the 33 packets one header acks. */
const SENT_PACKET_SLOTS = 1024;
/** Reliable messages a stream accepts ahead of the next one it delivers; the sender never goes past it. */
const RECEIVE_WINDOW = 1024;
/** The longest framed message piece: room for the largest packet and frame headers (10 + 10 bytes). */
const PACKET_OVERHEAD_BYTES = 20;
/** Handshake packets repeat this often until answered. */
const HANDSHAKE_RETRY_MS = 100;
/** Data that arrived is acked at most this late when nothing else is sent: two ticks at 60 Hz. */
const ACK_DELAY_MS = 33;
/**
 * A receiver acks at once, without waiting for an update, when this many
 * packets arrived since it last sent one: each ack covers the last 33, so
 * however fast the sender and however rare the updates, every packet is acked.
 */
const ACK_EVERY_PACKETS = 16;
/** An idle connection sends an empty packet this often, so the other side does not time it out. */
const KEEPALIVE_MS = 1000;
/**
 * A piece rides along again in later packets (while not yet due for a resend)
 * until all the copies sent would be lost together with at most this chance,
 * at the measured loss, and at most MAX_COPIES in all: one copy on a clean
 * link, three at 5%, four at 20%. Measured with bench/kcp/kcp.mjs (ordered
 * messages wait behind a lost one, so one loss delays a few): 0.001 spends as
 * many bytes as KCP at 5% loss, 0.002 makes the p99 at 20% more than half of
 * KCP's (156 ms against 308); 0.0013 does neither.
 */
const RESIDUAL_LOSS = 0.0013;
/** A fifth copy at 20% loss costs more bytes than KCP spends there, and the p99 needs no more than four. */
const MAX_COPIES = 4;
/**
 * The loss a connection assumes for its first packets, before acks measure
 * it: a loss in the first second otherwise stalls what follows (p99 173 ms
 * instead of 146 at 20% loss in bench/kcp/kcp.mjs), while the extra copies
 * cost a clean link 2% more bytes there.
 */
const FIRST_PACKETS_LOSS = 0.2;
/** The longest a resend waits, whatever the RTT and the backoff. */
const MAX_RESEND_MS = 3000;
/** A graceful disconnect is sent this many times, in case some are lost. */
const DISCONNECT_REPEATS = 3;

// Datagram kinds, the first byte. Handshake packets are small integers; a
// connection's packets have the top bit set and flags below it.
// Each is 13 bytes, three 32-bit words after the kind, so no answer is larger than the hello.
const HELLO = 1; // protocol, nonce, cookie (0 before the challenge)
const CHALLENGE = 2; // nonce, cookie, 0
const REFUSED = 3; // nonce, 0, 0: the Host is full
// The answer to a HELLO with a good cookie is the new connection's first data packet: 5 bytes, empty.
const DATA = 0x80; // | ack-bit bytes present (bits 0-3) | WIDE_ACK | CLOSING | ACK_ONLY
const WIDE_ACK = 0x10; // the ack is 2 bytes back from the sequence, not 1
const CLOSING = 0x20; // the sender has disconnected
const ACK_ONLY = 0x40; // an empty packet that took no sequence number: not acked back, or two idle peers would ack forever

// A frame's first byte: mode in bits 0-1, then HAS_CHANNEL, FRAGMENT, and the
// length in bits 4-7: 0 to 13, or 15 for 14 plus a varint that follows, or NEXT.
const HAS_CHANNEL = 4;
const FRAGMENT = 8;
// The frame follows one of its stream in the packet: no channel, its sequence is the one before plus 1,
// a varint length. A packet carrying a message also carries copies of the few before it, so this spares
// 2 bytes a copy.
const NEXT = 14;

// ─── Exported types ─────────────────────────────────────────────────────────

/**
 * A MessagePack extension value of a type jamnet does not interpret.
 * {@linkcode unpack} returns one for every extension type other than the
 * timestamp (-1), and {@linkcode pack} writes it back unchanged.
 *
 * @example Carry an application-defined extension
 * ```ts
 * import { Extension, pack, unpack } from "./mod.ts";
 *
 * const vector = new Extension(7, Uint8Array.of(1, 2, 3));
 * const back = unpack(pack(vector)) as Extension;
 * console.log(back.type, back.data); // 7 Uint8Array(3) [ 1, 2, 3 ]
 * ```
 */
export class Extension {
  /** The extension type, an integer from -128 to 127. */
  type: number;
  /** The extension's payload bytes. */
  data: Uint8Array;
  /**
   * Makes an extension value.
   *
   * @param type the extension type, an integer from -128 to 127
   * @param data the payload bytes
   */
  constructor(type: number, data: Uint8Array) {
    this.type = type;
    this.data = data;
  }
}

// ─── Packing: writer ────────────────────────────────────────────────────────

// pack writes into a shared chunk and hands out views of it: allocating a
// typed array costs about 300 ns in Deno, as much as packing a small message.
// A region once handed out is never written again.
let out: Uint8Array = /* @__PURE__ */ new Uint8Array(0);
let outView: DataView;
let outAt = 0;
let outStart = 0;
const textEncoder = /* @__PURE__ */ new TextEncoder();

/** Makes room for `byteCount` more bytes: a full chunk moves the message begun so far to a new one. */
function room(byteCount: number): void {
  if (outAt + byteCount > out.length) {
    const message = out.subarray(outStart, outAt);
    (out = new Uint8Array(Math.max(PACK_CHUNK_BYTES, 2 * (message.length + byteCount)))).set(message);
    outView = new DataView(out.buffer);
    outAt = message.length;
    outStart = 0;
  }
}

/**
 * Writes a type byte, then `value` big-endian in `byteCount` bytes (0, 1, 2
 * or 4), a negative as two's complement. Leaves room for 8 more bytes.
 */
function put(type: number, value = 0, byteCount = 0): void {
  room(9);
  out[outAt++] = type;
  while (byteCount) out[outAt++] = value >> 8 * --byteCount;
}

/**
 * Writes the header of a str, bin, ext, array or map of `length` in its
 * smallest form: the fix form below `fixLimit`, else the 8, 16 or 32-bit form
 * from `type8` on. Arrays and maps have no 8-bit form: their `type8` is one
 * below their 16-bit type, 0xdb or 0xdd.
 */
function putLength(length: number, type8: number, fixType = 0, fixLimit = 0): void {
  if (length < fixLimit) put(fixType | length);
  else if (length < 256 && type8 < 0xdb) put(type8, length, 1);
  else if (length < 65536) put(type8 + 1, length, 2);
  else put(type8 + 2, length, 4);
}

function putBytes(bytes: Uint8Array): void {
  room(bytes.length);
  out.set(bytes, outAt);
  outAt += bytes.length;
}

/** Writes a str: ASCII byte by byte, anything else through TextEncoder. */
function putString(value: string): void {
  const length = value.length;
  // Room for the longest header and UTF-8 (3 bytes per UTF-16 unit), and for put's 9: the
  // buffer must not move under `start`.
  room(length * 3 + 9);
  const start = outAt;
  putLength(length, 0xd9, 0xa0, 32);
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code > 127) {
      // Encode after room for the longest header, then move the bytes back
      // behind the header their real length needs: one canonical encoding.
      const byteCount = textEncoder.encodeInto(value, out.subarray(start + 5)).written;
      outAt = start;
      putLength(byteCount, 0xd9, 0xa0, 32);
      out.copyWithin(outAt, start + 5, start + 5 + byteCount);
      outAt += byteCount;
      return;
    }
    out[outAt++] = code;
  }
}

/** Writes an ext: a fixext for 1, 2, 4, 8 or 16 bytes of data, else ext 8, 16 or 32. */
function putExtension(type: number, data: Uint8Array): void {
  const fixed = [1, 2, 4, 8, 16].indexOf(data.length);
  if (fixed < 0) putLength(data.length, 0xc7);
  put(fixed < 0 ? type : 0xd4 + fixed, type, +(fixed >= 0));
  putBytes(data);
}

/** Writes 8 bytes through the DataView after a type byte: a float 64, or a bigint as two's complement. */
function put64(type: number, value: number | bigint): void {
  put(type);
  if (type > 0xcb) outView.setBigUint64(outAt, value as bigint);
  else outView.setFloat64(outAt, value as number);
  outAt += 8;
}

/**
 * Writes a Date as the smallest of the timestamp extension's three forms:
 * 32 bits of seconds; 30 bits of nanoseconds and 34 of seconds; 32 bits of
 * nanoseconds and 64 of signed seconds. Each fills the end of three words.
 */
function putDate(date: Date): void {
  const ms = date.getTime();
  if (ms !== ms) throw new RangeError("Cannot pack an invalid Date");
  const seconds = Math.floor(ms / 1000);
  const nanoseconds = (ms - seconds * 1000) * 1e6;
  const wide = seconds < 0 || seconds >= 2 ** 34;
  const data = new Uint8Array(12);
  const view = new DataView(data.buffer);
  view.setUint32(0, nanoseconds);
  // setUint32 keeps the low 32 bits of an integer: the high word of a negative is all ones.
  view.setUint32(4, (wide ? 0 : nanoseconds * 4) + Math.floor(seconds / 2 ** 32));
  view.setUint32(8, seconds);
  putExtension(TIMESTAMP_TYPE, data.subarray(wide ? 0 : nanoseconds || seconds >= 2 ** 32 ? 4 : 8));
}

function write(value: unknown, depth: number): void {
  switch (typeof value) {
    case "number":
      if (!Number.isSafeInteger(value)) return put64(0xcb, value);
      if (value < 128 && value >= -32) return put(value & 255); // positive or negative fixint
      {
        // Unsigned forms start at 0xcc, signed at 0xd0. A negative fits n bytes
        // when -2 * value - 1 < 2^(8n), as a positive fits when value < 2^(8n).
        const magnitude = value < 0 ? -2 * value - 1 : value;
        const log = magnitude < 256 ? 0 : magnitude < 65536 ? 1 : 2;
        return magnitude < 2 ** 32 ? put((value < 0 ? 0xd0 : 0xcc) + log, value, 1 << log) : write(BigInt(value), 0);
      }
    case "string":
      return putString(value);
    case "boolean":
      return put(value ? 0xc3 : 0xc2);
    case "undefined":
      return put(0xc0);
    case "bigint":
      if (value < -(2n ** 63n) || value >= 2n ** 64n) {
        throw new RangeError(`Cannot pack ${value}: a bigint must fit in 64 bits`);
      }
      return put64(value < 0 ? 0xd3 : 0xcf, value);
    case "object":
      if (!value) return put(0xc0);
      if (++depth > MAX_DEPTH) throw new TypeError(`Cannot pack nesting deeper than ${MAX_DEPTH} (a cycle?)`);
      if (Array.isArray(value)) {
        const length = value.length;
        putLength(length, 0xdb, 0x90, 16);
        for (let i = 0; i < length; i++) write(value[i], depth);
      } else if (value instanceof Date) {
        putDate(value);
      } else if (value instanceof Extension) {
        const { type, data } = value;
        if (type << 24 >> 24 !== type || !(data instanceof Uint8Array)) {
          throw new RangeError(`Cannot pack Extension(${type}): type must be an integer -128..127, data a Uint8Array`);
        }
        putExtension(type, data);
      } else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
        // An ArrayBuffer has no buffer, offset or length of a view: the Uint8Array spans it whole.
        const view = value as Partial<ArrayBufferView>;
        const bytes = new Uint8Array(view.buffer ?? value as ArrayBuffer, view.byteOffset, view.byteLength);
        putLength(bytes.length, 0xc4);
        putBytes(bytes);
      } else {
        const isMap = value instanceof Map;
        const keys = isMap ? [...value.keys()] : Object.keys(value);
        putLength(keys.length, 0xdd, 0x80, 16);
        for (const key of keys) {
          write(key, depth);
          write(isMap ? value.get(key) : (value as Record<string, unknown>)[key], depth);
        }
      }
      return;
  }
  throw new TypeError(`Cannot pack a ${typeof value}`);
}

/**
 * Encodes a value as MessagePack bytes, each value in its smallest encoding.
 *
 * | JavaScript | MessagePack |
 * |---|---|
 * | `null`, `undefined` | nil |
 * | `boolean` | bool |
 * | safe integer `number` | the smallest int form |
 * | other `number` (fractions, NaN, ±Infinity, unsafe integers) | float 64 |
 * | `bigint` | int 64 if negative, else uint 64 |
 * | `string` | str (UTF-8) |
 * | `Uint8Array`, other typed arrays, `DataView`, `ArrayBuffer` | bin of their bytes |
 * | `Array` | array |
 * | `Map` | map with any keys |
 * | `Date` | timestamp extension (-1), the smallest of its three forms |
 * | {@linkcode Extension} | ext of its type |
 * | any other object | map of its own enumerable string keys |
 *
 * The result may share its ArrayBuffer with earlier results (one buffer
 * serves many small messages): use its `byteOffset` and `byteLength` when
 * you reach for `.buffer`. A getter may itself call pack: its result is a
 * copy, and the outer message stays whole.
 *
 * @param value the value to encode
 * @returns the MessagePack bytes
 * @throws {TypeError} for a function or symbol, or nesting deeper than 256 levels (a cycle)
 * @throws {RangeError} for a bigint beyond 64 bits, an invalid Date or a bad Extension
 *
 * @example
 * ```ts
 * import { pack } from "./mod.ts";
 *
 * console.log(pack({ hp: 100 })); // Uint8Array(5) [ 129, 162, 104, 112, 100 ]
 * ```
 */
export function pack(value: unknown): Uint8Array {
  // A pack that throws leaves its bytes behind, never handed out. A pack
  // called from inside another (a getter, a proxy) writes after the bytes of
  // the outer one, hands out a copy and rewinds: the outer message stays whole.
  if (!packing++) outStart = outAt;
  const offset = outAt - outStart; // from outStart, which room() moves
  try {
    write(value, 0);
    const bytes = out.subarray(outStart + offset, outAt);
    return packing > 1 ? bytes.slice() : bytes;
  } finally {
    if (--packing) outAt = outStart + offset;
  }
}
/** How many packs are running: more than 1 when a getter or proxy packs while a pack reads it. */
let packing = 0;

// ─── Packing: reader ────────────────────────────────────────────────────────

let input: Uint8Array = /* @__PURE__ */ new Uint8Array(0);
let inputAt = 0;
// Floats and 64-bit integers are copied into one scratch view to be read:
// a DataView per message costs about 110 ns.
const scratch = /* @__PURE__ */ new Uint8Array(8);
const scratchView = /* @__PURE__ */ new DataView(scratch.buffer);
// fatal: invalid UTF-8 throws a TypeError instead of becoming U+FFFD; ignoreBOM: a leading U+FEFF is data.
const textDecoder = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Every malformed input ends here: a RangeError that says what and where. */
function malformed(what: string): never {
  throw new RangeError(`Cannot unpack: ${what} at byte ${inputAt}`);
}

/** Claims `byteCount` more bytes, checked before any length is trusted; returns where they start. */
function need(byteCount: number): number {
  if (inputAt + byteCount > input.length) {
    malformed(`truncated: needs ${byteCount} bytes, has ${input.length - inputAt}`);
  }
  return (inputAt += byteCount) - byteCount;
}

/** Reads a big-endian unsigned integer of 1, 2 or 4 bytes. */
function readInt(byteCount: number): number {
  const at = need(byteCount);
  let value = 0;
  for (let i = 0; i < byteCount; i++) value = value * 256 + input[at + i];
  return value;
}

/** Copies the next `byteCount` bytes (4 or 8) into the scratch view and returns it. */
function readView(byteCount: number): DataView {
  const at = need(byteCount);
  for (let i = 0; i < byteCount; i++) scratch[i] = input[at + i];
  return scratchView;
}

/** Reads a str: short ASCII through the cache, the rest strictly decoded. */
function readString(byteCount: number): string {
  const at = need(byteCount);
  let key = 1;
  for (let i = at; i < inputAt; i++) {
    if (input[i] > 127 || byteCount > CACHED_STRING_BYTES) return textDecoder.decode(input.subarray(at, inputAt));
    key = key * 128 + input[i];
  }
  const slot = (key ^ (key / 8192)) & (STRING_CACHE_SLOTS - 1);
  if (shortStringKeys[slot] !== key) {
    shortStringKeys[slot] = key;
    shortStrings[slot] = String.fromCharCode(...input.subarray(at, inputAt));
  }
  return shortStrings[slot];
}
const shortStringKeys = /* @__PURE__ */ new Float64Array(STRING_CACHE_SLOTS);
const shortStrings: string[] = [];

/** Reads an ext of `byteCount` bytes: a timestamp becomes a Date, any other type an Extension. */
function readExtension(byteCount: number): Date | Extension {
  const type = input[need(1)] << 24 >> 24;
  if (type !== TIMESTAMP_TYPE) return new Extension(type, input.slice(need(byteCount), inputAt));
  if (![4, 8, 12].includes(byteCount)) malformed(`timestamp of ${byteCount} bytes (4, 8 or 12)`);
  // The three forms of putDate, read a 32-bit word at a time.
  const first = readInt(4);
  const nanoseconds = byteCount > 8 ? first : byteCount > 4 ? first >>> 2 : 0;
  const seconds = byteCount > 8
    ? (readInt(4) | 0) * 2 ** 32 + readInt(4)
    : byteCount > 4
    ? (first & 3) * 2 ** 32 + readInt(4)
    : first;
  const date = new Date(seconds * 1000 + Math.floor(nanoseconds / 1e6));
  if (nanoseconds > 999999999 || isNaN(date.getTime())) malformed("timestamp out of range for a Date");
  return date;
}

function read(depth: number): unknown {
  const type = input[need(1)];
  if (type < 0x80 || type > 0xdf) return type << 24 >> 24; // positive and negative fixint
  if (type < 0xa0 || type > 0xdb) {
    // fixmap 0x80, fixarray 0x90, array 16/32 0xdc/0xdd, map 16/32 0xde/0xdf
    if (++depth > MAX_DEPTH) malformed(`nesting deeper than ${MAX_DEPTH}`);
    const isMap = type < 0x90 || type > 0xdd;
    const count = type < 0xa0 ? type & 15 : readInt(type & 1 ? 4 : 2);
    // Every element takes at least one byte: check before allocating for a claimed count.
    need(isMap ? count * 2 : count);
    inputAt -= isMap ? count * 2 : count;
    if (!isMap) {
      const array = new Array(count);
      for (let i = 0; i < count; i++) array[i] = read(depth);
      return array;
    }
    // A plain object while every key is a string, a Map from the first key that is not.
    const object: Record<string, unknown> = {};
    let map: Map<unknown, unknown> | undefined;
    for (let i = 0; i < count; i++) {
      const key = read(depth);
      const value = read(depth);
      if (!map && typeof key !== "string") map = new Map(Object.entries(object));
      if (map) map.set(key, value);
      // defineProperty keeps "__proto__" an own data property, never a prototype, in O(1):
      // copying the object per such key would let hostile input cost O(n²).
      else if (key === "__proto__") {
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      } else object[key as string] = value;
    }
    return map ?? object;
  }
  if (type < 0xc0) return readString(type & 31); // fixstr
  if (type < 0xc4) {
    // nil, (reserved), false, true
    if (type === 0xc1) malformed("reserved type 0xc1");
    return type === 0xc0 ? null : type === 0xc3;
  }
  if (type < 0xc7) return input.slice(need(readInt(1 << (type - 0xc4))), inputAt); // bin 8/16/32
  if (type < 0xca) return readExtension(readInt(1 << (type - 0xc7))); // ext 8/16/32
  if (type < 0xcc) return type & 1 ? readView(8).getFloat64(0) : readView(4).getFloat32(0); // float 32/64
  if (type < 0xd4) {
    // uint 8/16/32/64 from 0xcc, int 8/16/32/64 from 0xd0
    const signed = type > 0xcf;
    const byteCount = 1 << (type & 3);
    if (byteCount > 4) {
      const value = signed ? readView(8).getBigInt64(0) : readView(8).getBigUint64(0);
      return Number.isSafeInteger(Number(value)) ? Number(value) : value;
    }
    // Shifted to the top of 32 bits and back, a signed value keeps its sign.
    const shift = 32 - 8 * byteCount;
    const value = readInt(byteCount);
    return signed ? value << shift >> shift : value;
  }
  if (type < 0xd9) return readExtension(1 << (type - 0xd4)); // fixext 1/2/4/8/16
  return readString(readInt(1 << (type - 0xd9))); // str 8/16/32
}

/**
 * Decodes one MessagePack value that fills `bytes` exactly. Maps become plain
 * objects while every key is a string, else a `Map`; integers become numbers
 * when `Number.isSafeInteger` holds, else bigints; bin becomes a fresh
 * `Uint8Array` (a copy: the input may be reused); timestamps become Dates
 * (to the millisecond); other extensions become {@linkcode Extension}s.
 *
 * Malformed input throws, and only ever a `RangeError` (truncated, trailing
 * bytes, the reserved byte 0xc1, nesting deeper than 256, a timestamp out of
 * range) or a `TypeError` (invalid UTF-8). A length is checked against the
 * bytes that remain before anything is allocated for it.
 *
 * @param bytes exactly one MessagePack value
 * @returns the decoded value
 * @throws {TypeError} when `bytes` is not a Uint8Array, or for invalid UTF-8
 * @throws {RangeError} for any other malformed input
 *
 * @example
 * ```ts
 * import { unpack } from "./mod.ts";
 *
 * console.log(unpack(Uint8Array.of(0x81, 0xa2, 0x68, 0x70, 0x64))); // { hp: 100 }
 * ```
 */
export function unpack(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`Cannot unpack a ${typeof bytes}: expected a Uint8Array`);
  input = bytes;
  inputAt = 0;
  const value = read(0);
  if (inputAt < bytes.length) malformed("trailing bytes after the value");
  return value;
}

// ─── Sequence numbers ───────────────────────────────────────────────────────

/**
 * How far 16-bit sequence `a` is ahead of `b`, from -32768 to 32767: it stays
 * right across the wrap from 65535 to 0. Exactly half the range apart counts
 * as behind.
 */
function sequenceAhead(a: number, b: number): number {
  return ((a - b + 32768) & 0xffff) - 32768;
}

/** FNV-1a over `bytes`, seeded: check bytes and cookies. */
function hash(seed: number, bytes: ArrayLike<number>): number {
  let value = seed ^ 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) value = Math.imul(value ^ bytes[i], 16777619);
  return value >>> 0;
}

/** Reads a varint of at most 4 bytes (28 bits) from the shared reader. */
function readVarint(): number {
  let value = 0;
  for (let shift = 1;; shift *= 128) {
    const byte = readInt(1);
    value += (byte & 127) * shift;
    if (byte < 128) return value;
    if (shift > 2 ** 14) malformed("varint");
  }
}

/** Writes `value` (below 2 ** 32) as a varint at `at` of `bytes`; returns where it ended. */
function writeVarint(bytes: Uint8Array, at: number, value: number): number {
  for (; value > 127; value >>>= 7) bytes[at++] = 128 | (value & 127);
  bytes[at++] = value;
  return at;
}

// ─── Channels and peers ─────────────────────────────────────────────────────

/** How a message travels. See {@linkcode SendOptions}. */
export type Mode = "reliable" | "unordered" | "sequenced" | "unreliable";
const MODES: Mode[] = ["reliable", "unordered", "sequenced", "unreliable"];

/** Options of {@linkcode Peer.send}. */
export interface SendOptions {
  /**
   * `"reliable"` (the default): arrives once, in order within its channel.
   * `"unordered"`: arrives once, in any order. `"sequenced"`: may be lost, and
   * an older message is dropped once a newer one arrived. `"unreliable"`: may
   * be lost, duplicated never, ordered never.
   */
  mode?: Mode;
  /** The channel, 0 (the default) up to `HostOptions.channels - 1`; each orders on its own. */
  channel?: number;
}

/** Counters and estimates of a peer, or of a whole Host (summed over its peers). */
export interface Stats {
  /** Smoothed round-trip time in ms (RFC 6298 SRTT), 0 before the first sample. */
  rttMs: number;
  /** Round-trip time variation in ms (RFC 6298 RTTVAR). */
  rttVarianceMs: number;
  /** Estimated packet loss from 0 to 1, over roughly the last 32 packets. */
  loss: number;
  /** Packets sent, handshake included. */
  packetsSent: number;
  /** Packets received, handshake included, dropped ones too. */
  packetsReceived: number;
  /** Bytes of datagrams sent (without IP and UDP headers). */
  bytesSent: number;
  /** Bytes of datagrams received (without IP and UDP headers). */
  bytesReceived: number;
  /** Reliable message pieces sent again, riding along or after a loss. */
  messagesResent: number;
  /** Packets and reliable message pieces that had already arrived. */
  duplicatesDropped: number;
  /** Datagrams dropped as malformed, foreign, stale or over a limit, and messages that did not unpack. */
  invalidDropped: number;
  // SOCKETS: faults the socket reported or threw (a send that failed, a closed socket); none of them throws.
  /** Socket faults: an unreachable port, a send on a closed socket, an oversized datagram, a WebSocket error. */
  socketErrors: number;
}

const newStats = (): Stats => ({
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
  socketErrors: 0, // SOCKETS:
});

/** A message piece on its way out, kept until acked if reliable. */
interface Outgoing {
  stream: number; // channel * 4 + mode
  sequence: number;
  part: number; // 0 for a whole message, else 1 + its fragment varint
  payload: Uint8Array;
  sends: number;
  sentAt: number;
  resendAt: number;
  acked: boolean;
}

/** A packet sent and not yet acked: which pieces it carried, for acks and RTT. */
interface SentPacket {
  sequence: number;
  sentAt: number;
  pieces: Outgoing[];
  lost: boolean;
}

/** A reliable piece that arrived ahead of delivery. `null` marks an unordered one already handed over. */
interface Incoming {
  payload: Uint8Array;
  fragment: number; // index * 2, plus 1 for the last piece
}

/** Per channel and mode: the send sequence and what the receiving side holds. */
interface Stream {
  nextSend: number;
  nextDeliver: number;
  newest: number;
  held: Map<number, Incoming | null>;
}

/** What {@linkcode Host.poll} returns and `for await` yields. */
export type HostEvent =
  | { type: "connect"; peer: Peer }
  | { type: "message"; peer: Peer; data: unknown; channel: number }
  | { type: "disconnect"; peer: Peer; reason: "timeout" | "closed" | "full" };

/** The other end of a connection: made by {@linkcode Host.connect}, or handed over in a `"connect"` event. */
export interface Peer {
  /** The socket address of the other end. */
  readonly address: string;
  /** `"connecting"` until the handshake completes, then `"connected"`, at last `"disconnected"`. */
  readonly state: "connecting" | "connected" | "disconnected";
  /** This connection's counters and estimates. */
  readonly stats: Stats;
  /**
   * Queues a message: any value {@linkcode pack} takes (a Uint8Array arrives
   * as a Uint8Array). It leaves with the Host's next `update`.
   *
   * @param value the message
   * @param options the mode (default `"reliable"`) and channel (default 0)
   * @throws {RangeError} for an unknown mode or channel, a message over the size limit, or a full send queue
   * @throws {TypeError} when the peer is disconnected, or for a value pack cannot take
   */
  send(value: unknown, options?: SendOptions): void;
  /**
   * Closes the connection: the other side gets a `"disconnect"` event with
   * reason `"closed"` (sent a few times, in case of loss). Queued messages are
   * dropped. Does nothing when already disconnected.
   */
  disconnect(): void;
}

/** The Host's numeric options with their defaults filled in. */
type Config = Required<Omit<HostOptions, "now">>;

class Connection implements Peer {
  state: Peer["state"] = "connecting";
  stats: Stats = newStats();
  cookie = 0;
  lastSentAt = -Infinity;
  closingSends = 0;
  nextSequence = 0;
  remoteLatest = 0xffff; // as if packet 65535 arrived: it was never sent, so its ack acks nothing
  remoteBits = -1; // as if the 32 packets before 0 arrived too: no news, no ack bytes
  ackPending = 0; // packets received since the last one sent
  queue: Outgoing[] = [];
  queuedBytes = 0;
  heldBytes = 0;
  sent: (SentPacket | undefined)[] = [];
  streams: Map<number, Stream> = new Map();

  constructor(readonly config: Config, readonly address: string, public nonce: number, public lastReceivedAt: number) {}

  send(value: unknown, options: SendOptions = {}): void {
    const { mode = "reliable", channel = 0 } = options;
    const modeIndex = MODES.indexOf(mode);
    const host = this.config;
    if (this.state === "disconnected") throw new TypeError(`Cannot send to ${this.address}: disconnected`);
    if (modeIndex < 0 || !(channel >= 0 && channel < host.channels && Number.isInteger(channel))) {
      throw new RangeError(
        `Cannot send in mode "${mode}" on channel ${channel}: modes are ${MODES.join(", ")}; channels 0 to ${
          host.channels - 1
        }`,
      );
    }
    const payload = pack(value);
    const pieceBytes = host.mtu - PACKET_OVERHEAD_BYTES;
    const pieceCount = Math.ceil(payload.length / pieceBytes); // pack gives at least 1 byte
    const limit = modeIndex < 2 ? host.maxMessageBytes : pieceBytes;
    if (payload.length > limit) {
      throw new RangeError(`Cannot send ${payload.length} bytes in mode "${mode}": the limit is ${limit}`);
    }
    if (this.queuedBytes + payload.length > host.maxQueuedBytes) {
      throw new RangeError(
        `Cannot send: ${this.queuedBytes} bytes queued, the limit is ${host.maxQueuedBytes}`,
      );
    }
    const streamId = channel * 4 + modeIndex;
    const stream = streamOf(this, streamId);
    for (let index = 0; index < pieceCount; index++) {
      const sequence = stream.nextSend;
      if (modeIndex < 3) stream.nextSend = (sequence + 1) & 0xffff;
      const outgoing = {
        stream: streamId,
        sequence,
        part: pieceCount > 1 ? index * 2 + (index === pieceCount - 1 ? 2 : 1) : 0,
        payload: payload.subarray(index * pieceBytes, (index + 1) * pieceBytes),
        sends: 0,
        sentAt: -1,
        resendAt: 0,
        acked: false,
      };
      this.queue.push(outgoing);
      this.queuedBytes += outgoing.payload.length;
    }
  }

  disconnect(): void {
    if (this.state === "disconnected") return;
    this.closingSends = this.state === "connected" ? DISCONNECT_REPEATS : 0;
    this.state = "disconnected";
    this.queue = [];
  }
}

function streamOf(peer: Connection, id: number): Stream {
  let stream = peer.streams.get(id);
  if (!stream) peer.streams.set(id, stream = { nextSend: 0, nextDeliver: 0, newest: 0xffff, held: new Map() });
  return stream;
}

// ─── Host ───────────────────────────────────────────────────────────────────

// SOCKETS: the contract agreed for the adapters: listen's notify, now, and when send throws.
/** One datagram endpoint: what a Host sends and receives through. */
export interface Socket {
  /**
   * Sends one datagram to an address. It may be lost; a fault (an unreachable
   * port, a closed socket, an oversized datagram) goes to `notify` and never throws.
   *
   * @throws {RangeError} at once for a malformed address, naming it
   */
  send(data: Uint8Array, to: string): void;
  /**
   * Calls `receive` for every datagram that arrives, with the sender's
   * address, and `notify` when a remote is gone or a fault happened.
   */
  listen(receive: (data: Uint8Array, from: string) => void, notify?: (event: SocketEvent) => void): void;
  /** Stops receiving and frees the socket, once what was sent has left. */
  close(): void;
  /** True for a transport that is ordered and reliable already (WebSocket): the Host sends no acks or resends. */
  readonly reliable?: boolean;
  /** The clock in ms this socket lives by (a {@linkcode memoryNet}'s): the Host's when it is given none. */
  readonly now?: () => number;
}

/** Options of {@linkcode Host}; every one has a default. */
export interface HostOptions {
  /** Most connected peers at once (default 64); one more is refused with reason `"full"`. */
  maxPeers?: number;
  /** Any 32-bit number that names your game and its version (default 0): Hosts of another never connect. */
  protocol?: number;
  /** Largest datagram in bytes (default 1200, at least 64). */
  mtu?: number;
  /** A peer silent this many ms is dropped with reason `"timeout"` (default 10,000). */
  timeout?: number;
  /** The clock in ms (default: the socket's `now`, such as a `memoryNet`'s, else `performance.now`). */
  now?: () => number;
  /** Channels per peer, ordering on their own (default 8, at most 256). */
  channels?: number;
  /** Largest reliable message in bytes after packing (default 1 MiB + 16, so a 1 MiB Uint8Array fits); it travels in fragments. */
  maxMessageBytes?: number;
  /** Bytes a peer may have queued and not yet acked (default 4 MiB); `send` throws past it. */
  maxQueuedBytes?: number;
  /** Events not yet polled (default 4096): past it, arriving datagrams wait for the sender to resend. */
  maxEvents?: number;
  /** Packets a peer may send per `update` (default 8): with 1200-byte packets at 60 updates a second, about 560 KB/s. */
  packetsPerUpdate?: number;
  /** In async mode (`for await`), ms between updates (default 16). */
  tickMs?: number;
}

/**
 * Owns one socket and every connection through it; turns datagrams into
 * events. Drive it in sync style (call `update()` every frame, then `poll()`
 * until it returns undefined) or in async style (`for await (const event of host)`).
 *
 * @example Two Hosts on an in-memory network, driven by a virtual clock
 * ```ts
 * import { Host, memoryNet } from "./mod.ts";
 *
 * const net = memoryNet({ latencyMs: 20 });
 * const server = new Host(net.socket("server"), { now: net.now });
 * const client = new Host(net.socket("client"), { now: net.now });
 * client.connect("server").send({ t: "hello" });
 * for (let frame = 0; frame < 20; frame++) {
 *   client.update();
 *   server.update();
 *   net.advance(16);
 *   for (let event; (event = server.poll());) console.log(event.type);
 * }
 * // connect, then message
 * ```
 */
export class Host {
  /**
   * Counters for the whole Host: every peer's, plus datagrams that belong to
   * no connection. Its RTT and loss are estimated over the packets of all its peers.
   */
  readonly stats: Stats = newStats();
  #socket: Socket;
  #config: Config;
  #now: () => number;
  #secret: Uint8Array;
  #connections = new Map<string, Connection>();
  #events: HostEvent[] = [];
  #closed = false;

  /**
   * Makes a Host on a socket and starts listening.
   *
   * @param socket where datagrams go and come from
   * @param options limits and the clock; see {@linkcode HostOptions}
   * @throws {RangeError} for an option out of its range
   */
  constructor(socket: Socket, options: HostOptions = {}) {
    const config = {} as Config;
    // Each numeric option: its name, default, least and greatest value.
    const table: [keyof Config, number, number, number][] = [
      ["maxPeers", 64, 1, 65536],
      ["protocol", 0, 0, 0xffffffff],
      ["mtu", DEFAULT_MTU_BYTES, 64, 65507],
      ["timeout", 10_000, 1, 2 ** 31],
      ["channels", 8, 1, 256],
      ["maxMessageBytes", 2 ** 20 + 16, 1, 2 ** 30],
      ["maxQueuedBytes", 4 << 20, 1, 2 ** 31],
      ["maxEvents", 4096, 1, 2 ** 31],
      ["packetsPerUpdate", 8, 1, 1024],
      ["tickMs", 16, 1, 60_000],
    ];
    for (const [name, fallback, min, max] of table) {
      const value = options[name] ?? fallback;
      if (!(Number.isInteger(value) && value >= min && value <= max)) {
        throw new RangeError(`HostOptions.${name} is ${value}: must be an integer from ${min} to ${max}`);
      }
      config[name] = value;
    }
    this.#socket = socket;
    this.#config = config;
    // SOCKETS: a socket may carry its clock: Hosts on a memoryNet without `now` never connected.
    this.#now = options.now ?? socket.now ?? (() => performance.now());
    this.#secret = crypto.getRandomValues(new Uint8Array(16));
    // SOCKETS: notify: a remote that is gone ends its peer "closed" at once; faults are counted.
    socket.listen((data, from) => this.#receive(data, from), (event) => this.#socketEvent(event));
  }

  /** The connected peers. */
  get peers(): Peer[] {
    return [...this.#connections.values()].filter((connection) => connection.state === "connected");
  }

  /**
   * Starts connecting to a Host at `address`; a `"connect"` event follows, or
   * a `"disconnect"` with reason `"full"` or `"timeout"`. Messages sent before
   * then wait in the queue.
   *
   * @param address the socket address of the other Host
   * @returns the peer, in state `"connecting"`
   * @throws {RangeError} for an address the socket cannot send to (`"nonsense"` on UDP)
   */
  connect(address: string): Peer {
    let connection = this.#connections.get(address);
    if (!connection || connection.state === "disconnected") {
      const nonce = crypto.getRandomValues(new Uint32Array(1))[0] || 1;
      connection = new Connection(this.#config, address, nonce, this.#now());
      this.#connections.set(address, connection);
      // SOCKETS: a malformed address is the caller's mistake: the socket's RangeError leaves nothing behind.
      try {
        this.#handshake(connection, this.#now(), true);
      } catch (error) {
        this.#connections.delete(address);
        throw error;
      }
    }
    return connection;
  }

  /** Runs timers and sends what is due: handshakes, messages, resends, acks, keepalives, timeouts. */
  update(): void {
    const now = this.#now();
    for (const connection of this.#connections.values()) {
      if (connection.state === "disconnected") {
        if (connection.closingSends-- > 0) this.#sendPacket(connection, now, [], 0, CLOSING);
        else this.#connections.delete(connection.address);
      } else if (now - connection.lastReceivedAt > this.#config.timeout) {
        this.#drop(connection, "timeout");
      } else if (connection.state === "connecting") {
        if (now - connection.lastSentAt >= HANDSHAKE_RETRY_MS) this.#handshake(connection, now);
      } else {
        this.#flush(connection, now);
      }
    }
  }

  /** The next event, or undefined when there is none. */
  poll(): HostEvent | undefined {
    return this.#events.shift();
  }

  /** Async style: updates every `tickMs` and yields each event, until `close()`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<HostEvent, void, undefined> {
    while (!this.#closed) {
      this.update();
      for (let event; (event = this.poll());) yield event;
      await new Promise((resolve) => setTimeout(resolve, this.#config.tickMs));
    }
  }

  /** Disconnects every peer (each hears `"closed"`), then closes the socket. */
  close(): void {
    if (this.#closed) return;
    for (const connection of this.#connections.values()) connection.disconnect();
    // Each update sends every connection's CLOSING once more, then forgets the connection.
    for (let i = 0; i <= DISCONNECT_REPEATS; i++) this.update();
    this.#closed = true;
    this.#socket.close();
  }

  #send(connection: Connection | undefined, data: Uint8Array, to: string, rethrow = false): void {
    // SOCKETS: a send that throws is counted and never escapes update(); connect() rethrows it.
    try {
      this.#socket.send(data, to);
    } catch (error) {
      if (rethrow) throw error;
      this.#count(connection, "socketErrors");
    }
    this.#count(connection, "packetsSent");
    this.#count(connection, "bytesSent", data.length);
  }

  // SOCKETS: what a socket's notify reports.
  #socketEvent(event: SocketEvent): void {
    const connection = this.#connections.get(event.address!);
    if (event.type === "error") this.#count(connection, "socketErrors");
    else if (connection?.state === "disconnected") this.#connections.delete(event.address);
    else if (connection) this.#drop(connection, "closed");
  }

  /** Adds to a counter of the Host and of the connection, if there is one. */
  #count(connection: Connection | undefined, name: keyof Stats, amount = 1): void {
    this.stats[name] += amount;
    if (connection) connection.stats[name] += amount;
  }

  #handshake(connection: Connection, now: number, rethrow = false): void {
    connection.lastSentAt = now;
    this.#send(
      connection,
      words(HELLO, this.#config.protocol, connection.nonce, connection.cookie),
      connection.address,
      rethrow, // SOCKETS:
    );
  }

  #drop(connection: Connection, reason: "timeout" | "closed" | "full"): void {
    connection.state = "disconnected";
    this.#connections.delete(connection.address);
    this.#events.push({ type: "disconnect", peer: connection, reason });
  }

  #connected(connection: Connection): void {
    connection.state = "connected";
    this.#events.push({ type: "connect", peer: connection });
  }

  #receive(data: Uint8Array, from: string): void {
    if (this.#closed) return;
    const now = this.#now();
    let connection = this.#connections.get(from);
    this.#count(connection, "packetsReceived");
    this.#count(connection, "bytesReceived", data.length);
    try {
      input = data;
      inputAt = 0;
      const kind = readInt(1);
      if (kind >= DATA) {
        // A connecting peer with a cookie is waiting for the first data packet that checks out.
        if (connection?.cookie && connection.state !== "disconnected" && this.#receivePacket(connection, kind, now)) {
          return;
        }
      } else if (data.length === 13) {
        const protocolOrNonce = readInt(4);
        const second = readInt(4);
        const third = readInt(4);
        if (kind === HELLO && protocolOrNonce === this.#config.protocol) {
          // Stateless until the cookie checks out: the challenge is derived, nothing is kept. The cookie
          // hashes the nonce and protocol (just checked equal to ours) with the Host's secret, then the address.
          const cookie = hash(hash(second ^ protocolOrNonce, this.#secret), textEncoder.encode(from)) || 1;
          if (third !== cookie) return this.#send(undefined, words(CHALLENGE, second, cookie), from);
          if (connection?.nonce === second && connection.state === "connected") {
            return this.#sendPacket(connection, now);
          }
          if (connection && connection.state !== "disconnected") this.#drop(connection, "closed");
          if (this.peers.length >= this.#config.maxPeers) return this.#send(undefined, words(REFUSED, second), from);
          connection = new Connection(this.#config, from, second, now);
          connection.cookie = third;
          this.#connections.set(from, connection);
          this.#connected(connection);
          return this.#sendPacket(connection, now);
        }
        if (connection?.state === "connecting" && protocolOrNonce === connection.nonce) {
          connection.lastReceivedAt = now;
          if (kind === CHALLENGE) {
            connection.cookie = second;
            return this.#handshake(connection, now);
          }
          if (kind === REFUSED) return this.#drop(connection, "full");
        }
      }
    } catch {
      // Truncated or foreign: counted below with everything else that fits no step of the protocol.
    }
    this.#count(connection, "invalidDropped");
  }

  /**
   * Parses a whole data packet, checks it, and only then applies it. Returns
   * false for a packet to drop and count.
   */
  #receivePacket(connection: Connection, flags: number, now: number): boolean {
    const data = input; // read from byte 1 on: #receive read the flags
    readInt(1); // the check byte, tested below
    const sequence = readInt(2);
    const ack = (sequence - readInt(flags & WIDE_ACK ? 2 : 1)) & 0xffff;
    let ackBits = 0;
    for (let i = 0; i < 4; i++) ackBits += (flags >> i & 1 ? readInt(1) : 255) * 2 ** (8 * i);
    if (check(connection, data) !== data[1]) return false;
    // Each frame parsed becomes a delivery to run once the whole packet checks out. Everything
    // reliable must fit the receive window and the memory bound, or the packet goes unacked and
    // the sender tries again later.
    const deliveries: [number, number, Uint8Array, number][] = [];
    let newBytes = 0;
    let channel = 0;
    let frameSequence = 0;
    while (inputAt < data.length) {
      const head = readInt(1);
      const mode = head & 3;
      const lengthCode = head >> 4;
      if (lengthCode === NEXT) frameSequence = (frameSequence + 1) & 0xffff;
      else {
        channel = head & HAS_CHANNEL ? readInt(1) : 0;
        frameSequence = mode < 3 ? readInt(2) : 0;
      }
      // index * 2 + 1 for the last piece: a whole message is piece 0 and the last.
      const fragment = head & FRAGMENT ? readVarint() : 1;
      const length = lengthCode < NEXT ? lengthCode : readVarint() + (lengthCode & 1) * NEXT;
      const at = need(length);
      if (channel >= connection.config.channels || (mode > 1 && head & FRAGMENT)) return false;
      const stream = channel * 4 + mode;
      if (mode < 2) {
        if (sequenceAhead(frameSequence, connection.streams.get(stream)?.nextDeliver ?? 0) >= RECEIVE_WINDOW) {
          return false;
        }
        newBytes += length;
      }
      deliveries.push([stream, frameSequence, data.subarray(at, at + length), fragment]);
    }

    // An 8-bit check lets 1 in 256 forged datagrams through: also insist on a sequence near the
    // last one and an ack of a packet sent lately. A real peer never jumps 1024 packets at once.
    const ahead = sequenceAhead(sequence, connection.remoteLatest);
    const ackAge = sequenceAhead(connection.nextSequence, ack);
    // SOCKETS: a reliable socket cannot be spoofed, and its peer sends no acks: an ack may be far behind.
    const reliable = this.#socket.reliable;
    if (ahead > SENT_PACKET_SLOTS || (!reliable && (ackAge < 1 || ackAge > SENT_PACKET_SLOTS))) return false;
    // Late or repeated packets: within the last 32 the bitfield tells; older ones are dropped.
    if (ahead <= 0 && (ahead <= -32 || ahead === 0 || (connection.remoteBits >>> (-ahead - 1)) & 1)) {
      this.#count(connection, "duplicatesDropped");
      return true;
    }
    if (connection.heldBytes + newBytes > 2 * connection.config.maxMessageBytes + RECEIVE_WINDOW) return false;
    if (this.#events.length + deliveries.length + 1 > this.#config.maxEvents) return false;

    if (connection.state === "connecting") this.#connected(connection); // the handshake is complete
    connection.lastReceivedAt = now;
    if (flags & ACK_ONLY) {
      // Its sequence number was not taken: nothing to record.
    } else if (ahead > 0) {
      const shifted = ahead < 32 ? connection.remoteBits << ahead : 0;
      connection.remoteBits = (shifted | (ahead <= 32 ? 1 << (ahead - 1) : 0)) >>> 0;
      connection.remoteLatest = sequence;
    } else {
      connection.remoteBits = (connection.remoteBits | (1 << (-ahead - 1))) >>> 0;
    }
    this.#acked(connection, ack, ackBits, now);
    for (const delivery of deliveries) this.#deliver(connection, ...delivery);
    // An ack covers 33 packets: past ACK_EVERY_PACKETS unacked, ack at once, not at the next update.
    if (!(flags & ACK_ONLY) && ++connection.ackPending > ACK_EVERY_PACKETS && !reliable) { // SOCKETS: no acks
      this.#sendPacket(connection, now);
    }
    if (flags & CLOSING) this.#drop(connection, "closed");
    return true;
  }

  #acked(connection: Connection, ack: number, ackBits: number, now: number): void {
    for (let bit = -1; bit < 32; bit++) {
      const sequence = (ack - 1 - bit) & 0xffff;
      const slot = sequence & (SENT_PACKET_SLOTS - 1);
      const packet = connection.sent[slot];
      const acked = bit < 0 || (ackBits >>> bit) & 1;
      // Unacked while two later packets arrived: lost. Count it once, and resend its pieces now,
      // not after a timeout.
      if (packet?.sequence !== sequence || (!acked && (bit < 1 || packet.lost))) continue;
      if (acked) connection.sent[slot] = undefined;
      packet.lost = true;
      for (const piece of packet.pieces) {
        if (acked) piece.acked = true;
        else piece.resendAt = now;
      }
      // The peer's estimates, and the Host's over all its peers.
      for (const stats of [connection.stats, this.stats]) {
        stats.loss += (+!acked - stats.loss) / 32;
        if (bit < 0) {
          // RFC 6298: the first sample sets SRTT and RTTVAR, later ones blend in.
          const sample = now - packet.sentAt;
          const first = stats.rttMs === 0;
          stats.rttVarianceMs = first ? sample / 2 : 0.75 * stats.rttVarianceMs + 0.25 * Math.abs(stats.rttMs - sample);
          stats.rttMs = first ? sample : 0.875 * stats.rttMs + 0.125 * sample;
        }
      }
    }
  }

  #deliver(
    connection: Connection,
    id: number,
    sequence: number,
    payload: Uint8Array,
    fragment: number,
  ): void {
    const mode = id & 3;
    const stream = streamOf(connection, id);
    if (mode > 1) {
      if (mode === 2) {
        if (sequenceAhead(sequence, stream.newest) <= 0) return; // 0xffff at first: just behind 0
        stream.newest = sequence;
      }
      return this.#emit(connection, id, payload);
    }
    const held = stream.held;
    if (sequenceAhead(sequence, stream.nextDeliver) < 0 || held.has(sequence)) {
      return this.#count(connection, "duplicatesDropped");
    }
    held.set(sequence, { payload: payload.slice(), fragment });
    connection.heldBytes += payload.length;
    // A message is ready when its pieces from index 0 to the last are all held.
    for (let start = mode ? (sequence - (fragment >> 1)) & 0xffff : stream.nextDeliver;; start = stream.nextDeliver) {
      const pieces: Uint8Array[] = [];
      let byteCount = 0;
      for (let at = start;; at = (at + 1) & 0xffff) {
        const piece = held.get(at);
        if (!piece || piece.fragment >> 1 !== pieces.length) return;
        pieces.push(piece.payload);
        byteCount += piece.payload.length;
        if (piece.fragment & 1) break;
      }
      const message = new Uint8Array(byteCount);
      connection.heldBytes -= byteCount;
      byteCount = 0;
      for (let i = 0; i < pieces.length; i++) {
        message.set(pieces[i], byteCount);
        byteCount += pieces[i].length;
        if (mode) held.set((start + i) & 0xffff, null);
        else held.delete((start + i) & 0xffff);
      }
      if (!mode) stream.nextDeliver = (start + pieces.length) & 0xffff;
      while (held.get(stream.nextDeliver) === null) {
        held.delete(stream.nextDeliver);
        stream.nextDeliver = (stream.nextDeliver + 1) & 0xffff;
      }
      this.#emit(connection, id, message);
      if (mode) return;
    }
  }

  #emit(connection: Connection, id: number, payload: Uint8Array): void {
    try {
      this.#events.push({ type: "message", peer: connection, data: unpack(payload), channel: id >> 2 });
    } catch {
      this.#count(connection, "invalidDropped");
    }
  }

  /** Sends what is due to a connected peer: new pieces and resends, then pieces riding along again. */
  #flush(connection: Connection, now: number): void {
    const oldest = new Map<number, number>();
    connection.queuedBytes = 0;
    const queue = connection.queue = connection.queue.filter((piece) => {
      if (piece.acked) return false;
      connection.queuedBytes += piece.payload.length;
      if (!oldest.has(piece.stream)) oldest.set(piece.stream, piece.sequence);
      return true;
    });
    const stats = connection.stats;
    const resendMs = stats.rttMs
      // RFC 6298's SRTT + 4 RTTVAR, plus the peer's ack delay (as QUIC adds max_ack_delay): the newest
      // packet in an ack waited for none, so the samples miss it. At least ACK_DELAY_MS, far under RFC
      // 6298's 1 s minimum (games resend sooner), and at most MAX_RESEND_MS.
      ? stats.rttMs + 4 * stats.rttVarianceMs + ACK_DELAY_MS
      : 200;
    const room = connection.config.mtu - 10; // the largest packet header
    const loss = stats.packetsSent < 32 ? FIRST_PACKETS_LOSS : stats.loss; // 32: the loss estimate's window
    for (let packet = 0; packet < this.#config.packetsPerUpdate; packet++) {
      const chosen: Outgoing[] = [];
      let size = 0;
      // Three passes: whole messages due (new ones within the receive window, or resends), then
      // fragments due, so a large transfer never holds up small messages; then pieces already sent
      // riding along again in the room left, more often the more packets are lost.
      for (const pass of [0, 1, 2]) {
        const ride = pass > 1;
        for (const piece of queue) {
          const due = ride
            ? piece.sends < MAX_COPIES && loss ** piece.sends > RESIDUAL_LOSS && piece.resendAt > now // unsent: resendAt 0
            : !piece.part === !pass &&
              (piece.sends
                ? piece.resendAt <= now
                : (piece.stream & 3) > 1 || sequenceAhead(piece.sequence, oldest.get(piece.stream)!) < RECEIVE_WINDOW);
          // Counted with the largest frame head, 10 bytes: a packet holds fewer tiny messages than would
          // fit, but counting exactly cost 18 bytes of mod.ts's size budget.
          if (!due || piece.sentAt === now || size + piece.payload.length + 10 > room) continue;
          piece.sentAt = now;
          chosen.push(piece);
          size += piece.payload.length + 10;
          if (piece.sends++) this.#count(connection, "messagesResent");
          // Unreliable pieces go once (no piece here is acked yet), and so does everything on a reliable socket.
          piece.acked = this.#socket.reliable || (piece.stream & 3) > 1; // SOCKETS: reliable socket
          // Back off by 1.5 (as KCP does in its fast mode), not 2: a game would rather resend than wait.
          if (!ride) piece.resendAt = now + Math.min(MAX_RESEND_MS, resendMs * 1.5 ** (piece.sends - 1));
        }
        if (!chosen.length && pass === 1) {
          const quiet = now - connection.lastSentAt;
          // SOCKETS: a reliable socket sends no acks, only keepalives.
          const ackDue = connection.ackPending && !this.#socket.reliable && quiet >= ACK_DELAY_MS;
          if (packet || !(ackDue || quiet >= KEEPALIVE_MS)) return;
        }
      }
      chosen.sort((a, b) => a.stream - b.stream || sequenceAhead(a.sequence, b.sequence));
      this.#sendPacket(connection, now, chosen, size);
    }
  }

  /** Sends a data packet with `pieces`, whose frames take at most `used` bytes. */
  #sendPacket(connection: Connection, now: number, pieces: Outgoing[] = [], used = 0, flags = 0): void {
    const sequence = connection.nextSequence;
    // Empty: only an ack or a keepalive. It carries the next sequence number without taking it, so the
    // other side's headers never spend ack bits on it (3 bytes a packet at 20% loss); but every 32nd
    // packet takes one, so that a peer that only receives still measures its RTT.
    if (!used && connection.stats.packetsSent & 31) flags |= ACK_ONLY;
    const ackBack = (sequence - connection.remoteLatest) & 0xffff;
    // Exactly the bytes needed: at most 10 of header, then the frames.
    const packet = new Uint8Array(used + 10);
    packet[2] = sequence >> 8;
    packet[3] = sequence;
    let at = 4;
    if (ackBack > 255) {
      flags |= WIDE_ACK;
      packet[at++] = ackBack >> 8;
    }
    packet[at++] = ackBack;
    for (let i = 0; i < 4; i++) {
      const byte = (connection.remoteBits >>> (8 * i)) & 255;
      if (byte !== 255) {
        flags |= 1 << i;
        packet[at++] = byte;
      }
    }
    packet[0] = DATA | flags;
    let previous: Outgoing | undefined;
    for (const piece of pieces) {
      const { stream, sequence, part, payload } = piece;
      // The frame: its head, then channel and sequence unless it is NEXT, the fragment and length varints.
      const length = payload.length;
      const channel = stream >> 2;
      const next = previous?.stream === stream && sequence === ((previous.sequence + 1) & 0xffff);
      packet[at++] = (stream & 3) | (part ? FRAGMENT : 0) |
        (next ? NEXT << 4 : (channel ? HAS_CHANNEL : 0) | (length < NEXT ? length : 15) << 4);
      if (!next) {
        if (channel) packet[at++] = channel;
        if ((stream & 3) < 3) {
          packet[at++] = sequence >> 8;
          packet[at++] = sequence;
        }
      }
      if (part) at = writeVarint(packet, at, part - 1);
      if (next || length >= NEXT) at = writeVarint(packet, at, next ? length : length - NEXT);
      packet.set(payload, at);
      at += length;
      previous = piece;
    }
    const datagram = packet.subarray(0, at);
    datagram[1] = check(connection, datagram);
    if (!(flags & ACK_ONLY)) {
      connection.sent[sequence & (SENT_PACKET_SLOTS - 1)] = {
        sequence,
        sentAt: now,
        pieces,
        lost: false,
      };
      connection.nextSequence = (sequence + 1) & 0xffff;
    }
    connection.lastSentAt = now;
    connection.ackPending = 0;
    this.#send(connection, datagram, connection.address);
  }
}

/**
 * A data packet's check byte: a hash over the rest, seeded with the
 * connection's nonce and cookie, so packets of another connection or
 * application fail it 255 times in 256.
 */
function check(connection: Connection, data: Uint8Array): number {
  return hash(connection.nonce ^ connection.cookie ^ data[0], data.subarray(2)) & 255;
}

/** A handshake datagram: a kind byte, then three 32-bit words. */
function words(kind: number, ...values: number[]): Uint8Array {
  const bytes = new Uint8Array(13);
  bytes[0] = kind;
  for (let i = 0; i < 12; i++) bytes[1 + i] = values[i >> 2] >>> (24 - 8 * (i & 3));
  return bytes;
}

// ─── Sockets: the in-memory network and the link conditioner ────────────────

/** How a simulated link treats datagrams. Every field defaults to a perfect link. */
export interface LinkOptions {
  /** One-way delay in ms (default 0). */
  latencyMs?: number;
  /** Extra delay, uniform from 0 to this many ms, per datagram (default 0): it reorders too. */
  jitterMs?: number;
  /** Chance from 0 to 1 that a datagram is lost (default 0). */
  loss?: number;
  /** Chance from 0 to 1 that a datagram starts a burst of loss (default 0). */
  burstLoss?: number;
  /** Datagrams lost in a row by a burst (default 8). */
  burstLength?: number;
  /** Chance from 0 to 1 that a datagram arrives twice (default 0). */
  duplicate?: number;
  /** Chance from 0 to 1 that a datagram is held back by one more latency, behind later ones (default 0). */
  reorder?: number;
  /** Datagrams larger than this many bytes are lost (default 65507). */
  mtu?: number;
  /** Seed of the link's random numbers (default 1): the same seed, the same losses. */
  seed?: number;
}

/** The delays (ms) with which one datagram of `size` bytes arrives: none when lost, two when duplicated. */
function link(options: LinkOptions): (size: number) => number[] {
  const { latencyMs = 0, jitterMs = 0, loss = 0, burstLoss = 0, burstLength = 8, duplicate = 0, reorder = 0 } = options;
  let seed = options.seed ?? 1;
  // A 32-bit linear congruential generator (Numerical Recipes' constants): seeded, so every run
  // of a test sees the same link; its high bits, all a float from 0 to 1 needs, are well mixed.
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) | 0) / 2 ** 32 + 0.5;
  let burst = 0;
  return (size) => {
    if (random() < burstLoss) burst = burstLength;
    if (burst-- > 0) return [];
    if (size > (options.mtu ?? 65507) || random() < loss) return [];
    const delays = [];
    for (let copies = random() < duplicate ? 2 : 1; copies--;) {
      delays.push(latencyMs + random() * jitterMs + (random() < reorder ? latencyMs : 0));
    }
    return delays;
  };
}

/** An in-memory network on a virtual clock: see {@linkcode memoryNet}. */
export interface MemoryNet {
  /** A socket at `address` on this network. */
  socket(address: string): Socket;
  /** The network's clock in ms, starting at 0: pass it as `HostOptions.now`. */
  now: () => number;
  /** Moves the clock forward by `ms`, delivering every datagram due by then, in time order. */
  advance(ms: number): void;
}

/**
 * An in-memory network where every datagram crosses the same simulated link,
 * on a virtual clock: tests and rehearsals run deterministically and never
 * sleep. A test drives time itself: call each Host's `update()`, then
 * `net.advance(ms)` to deliver what is due by then, and repeat.
 *
 * @param options the link: latency, jitter, loss, bursts, duplication, reordering, MTU, seed
 * @returns the network
 *
 * @example
 * ```ts
 * import { memoryNet } from "./mod.ts";
 *
 * const net = memoryNet({ latencyMs: 50, loss: 0.05, seed: 7 });
 * const a = net.socket("a");
 * net.socket("b").listen((data, from) => console.log(data, from, net.now()));
 * a.send(Uint8Array.of(1, 2), "b");
 * net.advance(100); // Uint8Array(2) [ 1, 2 ] a 50
 * ```
 */
export function memoryNet(options: LinkOptions = {}): MemoryNet {
  const delays = link(options);
  const listeners = new Map<string, (data: Uint8Array, from: string) => void>();
  // Datagrams in flight: sorted by arrival time before each delivery (a stable sort keeps send order).
  const flying: { at: number; data: Uint8Array; from: string; to: string }[] = [];
  let clock = 0;
  return {
    socket(address) {
      return {
        send(data, to) {
          for (const delay of delays(data.length)) {
            flying.push({ at: clock + delay, data: data.slice(), from: address, to });
          }
        },
        listen(receive) {
          listeners.set(address, receive);
        },
        close() {
          listeners.delete(address);
        },
        now: () => clock, // SOCKETS: a Host on this socket needs no `now` option
      };
    },
    now: () => clock,
    advance(ms) {
      const end = clock + ms;
      while (flying.sort((a, b) => a.at - b.at)[0]?.at <= end) {
        const datagram = flying.shift()!;
        clock = datagram.at; // never behind: nothing is sent into the past
        listeners.get(datagram.to)?.(datagram.data, datagram.from);
      }
      clock = end;
    },
  };
}

/**
 * The same socket seen through a bad link: what it sends is lost, delayed,
 * duplicated and reordered as `options` say, on real timers. For rehearsing a
 * game on a bad network; tests use {@linkcode memoryNet} and its virtual clock.
 *
 * @param socket the socket to wrap
 * @param options the link
 * @returns a socket that sends through the link
 */
export function condition(socket: Socket, options: LinkOptions): Socket {
  const delays = link(options);
  return {
    send(data, to) {
      for (const delay of delays(data.length)) {
        const copy = data.slice();
        setTimeout(() => socket.send(copy, to), delay);
      }
    },
    listen: (receive, notify) => socket.listen(receive, notify), // SOCKETS: notify passes through
    close: () => socket.close(),
    reliable: socket.reliable,
    now: socket.now, // SOCKETS:
  };
}

// ─── Sockets: runtime adapters ──────────────────────────────────────────────
//
// Each adapter takes the runtime's own object, typed by the few members it
// uses, so mod.ts imports nothing and a vendored copy checks under Deno, the
// DOM lib and @types/node alike. UDP addresses are `"host:port"` strings, IPv6
// in brackets (`"[::1]:4000"`). Faults reach `notify` as `"error"` events and
// never throw; a malformed address throws a RangeError at once.

/** What `notify` of {@linkcode Socket.listen} hears: a remote that is gone, or a fault (the Host counts it). */
export type SocketEvent =
  | { type: "closed"; address: string }
  | { type: "error"; address?: string; error: unknown };

/**
 * Datagrams a socket holds while it cannot send yet (a WebSocket still
 * opening, Bun's send buffer full): a Host sends at most 8 packets a peer per
 * update by default, so 1024 is seconds of a busy game; past it they are
 * dropped and reported.
 */
const MAX_WAITING_DATAGRAMS = 1024;

/** Splits `"127.0.0.1:4000"` or `"[::1]:4000"` into hostname and port; a RangeError names a malformed one. */
function splitAddress(address: string): [hostname: string, port: number] {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || !(port > 0 && port < 65536)) {
    throw new RangeError(
      `Cannot send to "${address}": an address is "host:port" with a port from 1 to 65535, such as "127.0.0.1:4000" or "[::1]:4000"`,
    );
  }
  return [match[1] ?? match[2], port];
}

/** The address string of a hostname and port: IPv6 in brackets. */
const joinAddress = (hostname: string, port: number): string =>
  hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;

/** A `notify` that does nothing, for a socket nobody listens to yet. */
const ignore = (): void => {};

/** The fault of a send on a socket already closed. */
const closedError = (address: string): SocketEvent => ({
  type: "error",
  address,
  error: new Error(`Cannot send to ${address}: the socket is closed`),
});

/**
 * Counts sends in flight, and closes only once they have all left: a Host
 * sends its goodbye packets just before it closes its socket, and an async
 * send cancelled by the close leaves the other side to time out (10 s).
 */
function sendsInFlight(): { start(): void; done(): void; close(close: () => void): void } {
  let inFlight = 0;
  let pendingClose: (() => void) | undefined;
  return {
    start: () => void inFlight++,
    done: () => void (--inFlight || pendingClose?.()),
    close: (close) => inFlight ? pendingClose = close : close(),
  };
}

/** The part of `Deno.DatagramConn` (from `Deno.listenDatagram`, which needs `--unstable-net`) that {@linkcode denoUdp} uses. */
export interface DenoDatagramConn {
  /** Sends one datagram. */
  send(data: Uint8Array, to: { transport: "udp"; hostname: string; port: number }): Promise<number>;
  /** Waits for one datagram: a view into a 64 KB buffer, and where it came from. */
  receive(): Promise<[Uint8Array, { transport: string; hostname?: string; port?: number }]>;
  /** Frees the socket; a pending `receive` rejects. */
  close(): void;
}

/**
 * A {@linkcode Socket} over Deno's UDP, `Deno.listenDatagram`, which needs
 * `--unstable-net` (or `"unstable": ["net"]` in deno.json).
 *
 * @param conn the listening datagram connection
 * @returns a socket; the datagrams it hands out are copies, not views of Deno's buffer
 *
 * @example A Host on UDP port 4000
 * ```ts ignore
 * import { denoUdp, Host } from "./mod.ts";
 *
 * const host = new Host(denoUdp(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 4000 })));
 * ```
 */
export function denoUdp(conn: DenoDatagramConn): Socket {
  let closed = false;
  let notify: (event: SocketEvent) => void = ignore;
  const sends = sendsInFlight();
  return {
    send(data, to) {
      const [hostname, port] = splitAddress(to);
      if (closed) return notify(closedError(to));
      sends.start();
      conn.send(data, { transport: "udp", hostname, port }).then(sends.done, (error) => {
        sends.done();
        notify({ type: "error", address: to, error });
      });
    },
    async listen(receive, onEvent = ignore) {
      notify = onEvent;
      while (!closed) {
        try {
          const [data, from] = await conn.receive();
          if (!closed) receive(data.slice(), joinAddress(from.hostname!, from.port!));
        } catch (error) {
          // Linux reports an ICMP port unreachable as ECONNREFUSED on a later receive: counted, and
          // the socket goes on. A closed socket's receive fails with BadResource or Interrupted: stop.
          const name = (error as Error)?.name;
          if (closed || name === "BadResource" || name === "Interrupted") break;
          notify({ type: "error", error });
        }
      }
    },
    close() {
      if (closed) return;
      closed = true;
      sends.close(() => conn.close());
    },
  };
}

/** The part of a `node:dgram` socket that {@linkcode nodeUdp} uses. */
export interface NodeDgramSocket {
  /** Sends one datagram; the callback hears how it went. */
  send(data: Uint8Array, port: number, address: string, callback: (error: Error | null) => void): void;
  /** Calls `listener` for every datagram that arrives. */
  on(event: "message", listener: (data: Uint8Array, from: { address: string; port: number }) => void): unknown;
  /** Calls `listener` for every fault. */
  on(event: "error", listener: (error: Error) => void): unknown;
  /** Frees the socket. */
  close(): unknown;
}

/**
 * A {@linkcode Socket} over a `node:dgram` socket, in Node, Deno or Bun. Bind
 * it first (`socket.bind(port, hostname, callback)`).
 *
 * @param socket a bound `dgram.createSocket("udp4")` or `"udp6"`
 * @returns a socket
 *
 * @example A Host on UDP port 4000 in Node
 * ```ts ignore
 * import dgram from "node:dgram";
 * import { Host, nodeUdp } from "./mod.ts";
 *
 * const udp = dgram.createSocket("udp4");
 * udp.bind(4000, "127.0.0.1", () => {
 *   const host = new Host(nodeUdp(udp));
 * });
 * ```
 */
export function nodeUdp(socket: NodeDgramSocket): Socket {
  let closed = false;
  let notify: (event: SocketEvent) => void = ignore;
  const sends = sendsInFlight();
  socket.on("error", (error) => notify({ type: "error", error }));
  return {
    send(data, to) {
      const [hostname, port] = splitAddress(to);
      if (closed) return notify(closedError(to));
      sends.start();
      try {
        socket.send(data, port, hostname, (error) => {
          sends.done();
          if (error) notify({ type: "error", address: to, error });
        });
      } catch (error) {
        sends.done();
        notify({ type: "error", address: to, error });
      }
    },
    listen(receive, onEvent = ignore) {
      notify = onEvent;
      // A copy: Node hands out a Buffer, which may be a slice of a larger pool.
      socket.on(
        "message",
        (data, from) => closed || receive(new Uint8Array(data), joinAddress(from.address, from.port)),
      );
    },
    close() {
      if (closed) return;
      closed = true;
      sends.close(() => socket.close());
    },
  };
}

/** A UDP socket Bun opened for {@linkcode bunUdp}: the part of Bun's `udp.Socket` it uses. */
export interface BunUdpSocket {
  /** Sends one datagram; false when the send buffer is full (wait for `drain`). */
  send(data: Uint8Array, port: number, address: string): boolean;
  /** Frees the socket. */
  close(): void;
  /** The local port. */
  readonly port: number;
  /** The local hostname. */
  readonly hostname: string;
}

/** `Bun.udpSocket`, as far as {@linkcode bunUdp} uses it. */
export type BunUdpOpen = (options: {
  hostname?: string;
  port?: number;
  binaryType: "uint8array";
  socket: {
    data(socket: BunUdpSocket, data: Uint8Array, port: number, address: string): void;
    drain(socket: BunUdpSocket): void;
    error(socket: BunUdpSocket, error: Error): void;
  };
}) => Promise<BunUdpSocket>;

/**
 * A {@linkcode Socket} over Bun's UDP. It opens the socket itself, because
 * Bun takes the data handler when the socket opens: it ignores `reload()` on
 * a UDP socket (bun 1.3.3 and 1.4.5).
 *
 * @param open `Bun.udpSocket`
 * @param options the local hostname and port (default: any free port on every interface)
 * @returns the socket, open, with the `"host:port"` it is bound to
 *
 * @example A Host on UDP port 4000 in Bun
 * ```ts ignore
 * import { bunUdp, Host } from "./mod.ts";
 *
 * const host = new Host(await bunUdp(Bun.udpSocket, { hostname: "127.0.0.1", port: 4000 }));
 * ```
 */
export async function bunUdp(
  open: BunUdpOpen,
  options: { hostname?: string; port?: number } = {},
): Promise<Socket & { readonly address: string }> {
  let closed = false;
  let closeWhenDrained = false;
  let receive: (data: Uint8Array, from: string) => void = ignore;
  let notify: (event: SocketEvent) => void = ignore;
  // Datagrams waiting for `drain` when the send buffer was full: [data, port, hostname, address].
  const waiting: [Uint8Array, number, string, string][] = [];
  const flush = () => {
    try {
      while (waiting.length && udp.send(waiting[0][0], waiting[0][1], waiting[0][2])) waiting.shift();
    } catch (error) {
      notify({ type: "error", address: waiting.shift()![3], error });
    }
    if (closeWhenDrained && !waiting.length) udp.close();
  };
  const udp = await open({
    ...options,
    binaryType: "uint8array",
    socket: {
      data: (_, data, port, hostname) => closed || receive(data.slice(), joinAddress(hostname, port)),
      drain: flush,
      error: (_, error) => notify({ type: "error", error }),
    },
  });
  return {
    address: joinAddress(udp.hostname, udp.port),
    send(data, to) {
      const [hostname, port] = splitAddress(to);
      if (closed) return notify(closedError(to));
      if (waiting.length >= MAX_WAITING_DATAGRAMS) {
        return notify({
          type: "error",
          address: to,
          error: new Error(`Cannot send to ${to}: the send buffer is full`),
        });
      }
      waiting.push([data.slice(), port, hostname, to]);
      if (waiting.length === 1) flush();
    },
    listen(onData, onEvent = ignore) {
      receive = onData;
      notify = onEvent;
    },
    close() {
      if (closed) return;
      closed = true;
      if (waiting.length) closeWhenDrained = true;
      else udp.close();
    },
  };
}

/**
 * A WebSocket as {@linkcode webSocket} and {@linkcode WebSocketServer.accept}
 * use it: the browser's, Deno's, Node 22's, the `ws` package's, Cloudflare's.
 */
export interface WebSocketLike {
  /** 0 while connecting, 1 when open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Set to `"arraybuffer"`, so binary messages arrive as ArrayBuffers (not Blobs, not Buffers). */
  binaryType?: string;
  /** The server's URL, on a client WebSocket. */
  readonly url?: string;
  /** Sends one binary message. */
  send(data: Uint8Array): unknown;
  /** Closes the WebSocket. */
  close(code?: number, reason?: string): unknown;
  /** Calls `listener` with every event of `type`. */
  addEventListener(type: "open" | "message" | "close" | "error", listener: (event: unknown) => void): unknown;
  /** Cloudflare's server end of a `WebSocketPair` must be accepted before it delivers. */
  accept?(): unknown;
}

/** A WebSocket of a runtime that reports events by callback (Bun's `ServerWebSocket`, a hibernating Durable Object's). */
export interface CallbackWebSocket {
  /** 0 while connecting, 1 when open, 2 closing, 3 closed. */
  readonly readyState?: number;
  /** Sends one binary message. */
  send(data: Uint8Array): unknown;
  /** Closes the WebSocket. */
  close(code?: number, reason?: string): unknown;
}

/** One WebSocket as datagrams: what {@linkcode webSocket} and {@linkcode webSocketServer} share. */
interface WebSocketLink {
  send(data: Uint8Array): void;
  close(): void;
}

/** The bytes of a WebSocket message: an ArrayBuffer, or a view such as Node's Buffer; text is none. */
function messageBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

/**
 * Sends and receives through one WebSocket as `address`, holding what is sent
 * while it is still connecting; listens to its events unless the runtime
 * calls back instead (then `message` and `closed` come from outside).
 */
function linkWebSocket(
  ws: WebSocketLike | CallbackWebSocket,
  address: string,
  receive: (data: Uint8Array, from: string) => void,
  notify: (event: SocketEvent) => void,
): WebSocketLink {
  let waiting: Uint8Array[] = [];
  const flush = () => {
    for (const data of waiting) ws.send(data);
    waiting = [];
  };
  if ("addEventListener" in ws) {
    ws.binaryType = "arraybuffer";
    ws.addEventListener("open", flush);
    ws.addEventListener("message", (event) => {
      const data = messageBytes((event as { data: unknown }).data);
      if (data) receive(data, address);
      else notify({ type: "error", address, error: new TypeError("A text message arrived where jamnet sends binary") });
    });
    ws.addEventListener("close", () => notify({ type: "closed", address }));
    ws.addEventListener("error", (event) => notify({ type: "error", address, error: event }));
    ws.accept?.();
  }
  return {
    send(data) {
      const state = ws.readyState ?? 1;
      if (state > 1) return notify(closedError(address));
      if (state === 0) {
        if (waiting.length < MAX_WAITING_DATAGRAMS) return void waiting.push(data.slice());
        return notify({ type: "error", address, error: new Error(`Cannot send to ${address}: still connecting`) });
      }
      try {
        flush();
        ws.send(data);
      } catch (error) {
        notify({ type: "error", address, error });
      }
    },
    close() {
      ws.close();
    },
  };
}

/**
 * A {@linkcode Socket} over a client WebSocket: the browser's, Deno's,
 * Node 22's, or the `ws` package's. Its one peer's address is the WebSocket's
 * URL as the runtime normalized it (`ws.url`, `"ws://127.0.0.1:8080/"`), also
 * the socket's `address`: pass that to `Host.connect`. The socket is
 * `reliable`, so the Host sends no acks or resends over it.
 *
 * @param ws the WebSocket, connecting or open
 * @returns the socket, with the address of its peer
 *
 * @example A browser game connects to its server
 * ```ts ignore
 * import { Host, webSocket } from "./mod.ts";
 *
 * const socket = webSocket(new WebSocket("wss://game.example/play"));
 * const host = new Host(socket);
 * const server = host.connect(socket.address);
 * server.send({ t: "join", name: "ada" });
 * ```
 */
export function webSocket(ws: WebSocketLike): Socket & { readonly address: string } {
  const address = ws.url ?? "server";
  let receive: (data: Uint8Array, from: string) => void = ignore;
  let notify: (event: SocketEvent) => void = ignore;
  const link = linkWebSocket(ws, address, (data, from) => receive(data, from), (event) => notify(event));
  return {
    address,
    reliable: true,
    send(data, to) {
      if (to !== address) {
        throw new RangeError(`Cannot send to "${to}": this WebSocket reaches only "${address}" (socket.address)`);
      }
      link.send(data);
    },
    listen(onData, onEvent = ignore) {
      receive = onData;
      notify = onEvent;
    },
    close: () => link.close(),
  };
}

/** Many WebSockets that clients opened, as one {@linkcode Socket}: see {@linkcode webSocketServer}. */
export interface WebSocketServer extends Socket {
  /**
   * Takes an incoming WebSocket (Deno's `upgradeWebSocket`, the `ws`
   * package's, Cloudflare's `WebSocketPair` server end, Bun's on `open`).
   *
   * @param ws the WebSocket
   * @param address its peer's address (default `"ws:1"`, `"ws:2"`, …), such as the client's `"host:port"`
   * @returns the address its messages come from
   * @throws {RangeError} when another open WebSocket has that address
   */
  accept(ws: WebSocketLike | CallbackWebSocket, address?: string): string;
  /** A message on a WebSocket, for runtimes that call back (Bun's `message`, Durable Objects' `webSocketMessage`). */
  message(ws: WebSocketLike | CallbackWebSocket, data: unknown): void;
  /** A WebSocket closed, for runtimes that call back (Bun's `close`, Durable Objects' `webSocketClose`). */
  closed(ws: WebSocketLike | CallbackWebSocket): void;
}

/**
 * A {@linkcode Socket} for a server of WebSockets: each client's WebSocket is
 * one peer, at the address `accept` gave it. The socket is `reliable`, and a
 * WebSocket that closes ends its peer with reason `"closed"` at once. A send
 * to an address with no open WebSocket is reported, not thrown.
 *
 * @returns the socket, with `accept` for each incoming WebSocket and `message`
 * and `closed` for runtimes that call back
 *
 * @example A Deno server
 * ```ts ignore
 * import { Host, webSocketServer } from "./mod.ts";
 *
 * const sockets = webSocketServer();
 * const host = new Host(sockets);
 * Deno.serve({ port: 8080 }, (request, info) => {
 *   const { hostname, port } = info.remoteAddr; // before the upgrade, which closes the request
 *   const { socket, response } = Deno.upgradeWebSocket(request);
 *   sockets.accept(socket, `${hostname}:${port}`);
 *   return response;
 * });
 * ```
 */
export function webSocketServer(): WebSocketServer {
  let receive: (data: Uint8Array, from: string) => void = ignore;
  let notify: (event: SocketEvent) => void = ignore;
  let count = 0;
  const links = new Map<string, WebSocketLink>();
  const addresses = new Map<WebSocketLike | CallbackWebSocket, string>();
  const forget = (ws: WebSocketLike | CallbackWebSocket) => {
    const address = addresses.get(ws);
    if (address === undefined) return;
    addresses.delete(ws);
    links.delete(address);
    notify({ type: "closed", address });
  };
  const server: WebSocketServer = {
    reliable: true,
    accept(ws, address = `ws:${++count}`) {
      if (links.has(address)) {
        throw new RangeError(`Cannot accept a WebSocket at ${address}: another one is open there`);
      }
      addresses.set(ws, address);
      links.set(
        address,
        linkWebSocket(ws, address, (data, from) => receive(data, from), (event) => {
          if (event.type === "closed") forget(ws);
          else notify(event);
        }),
      );
      return address;
    },
    message(ws, data) {
      const bytes = messageBytes(data);
      const address = addresses.get(ws) ?? server.accept(ws);
      if (bytes) receive(bytes, address);
      else notify({ type: "error", address, error: new TypeError("A text message arrived where jamnet sends binary") });
    },
    closed: forget,
    send(data, to) {
      const link = links.get(to);
      if (link) link.send(data);
      else notify({ type: "error", address: to, error: new Error(`Cannot send to ${to}: no open WebSocket there`) });
    },
    listen(onData, onEvent = ignore) {
      receive = onData;
      notify = onEvent;
    },
    close() {
      for (const link of links.values()) link.close();
      links.clear();
      addresses.clear();
    },
  };
  return server;
}
