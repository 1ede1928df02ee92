/**
 * jamnet: game networking in one file, with no dependencies.
 *
 * This release ships the first layer: {@linkcode pack} and {@linkcode unpack},
 * a MessagePack encoder and decoder, so that a game written in any language
 * with a msgpack library reads what a jamnet game sends.
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
const TWO_POW_32 = 4294967296;

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

// ─── Bytes ──────────────────────────────────────────────────────────────────

// Floats go through one 8-byte scratch view, copied in or out byte by byte:
// no DataView is made per message or per received buffer.
const floatBytes = /* @__PURE__ */ new Uint8Array(8);
const floatView = /* @__PURE__ */ new DataView(floatBytes.buffer);

// ─── Packing: writer ────────────────────────────────────────────────────────

// pack writes into a shared chunk and hands out views of it: no copy per
// message, and a region once handed out is never written again.
let packBytes: Uint8Array = /* @__PURE__ */ new Uint8Array(0);
let packAt = 0;
let packStart = 0;
const textEncoder = /* @__PURE__ */ new TextEncoder();

/** Makes room for `byteCount` more bytes of the message being packed. */
function reserve(byteCount: number): void {
  if (packAt + byteCount > packBytes.length) {
    const message = packBytes.subarray(packStart, packAt);
    packBytes = new Uint8Array(Math.max(PACK_CHUNK_BYTES, (message.length + byteCount) * 2));
    packBytes.set(message);
    packAt = message.length;
    packStart = 0;
  }
}

/** Writes the low `byteCount` bytes (at most 4) of `value`, big-endian; negatives as two's complement. */
function writeWord(value: number, byteCount: number): void {
  while (byteCount--) packBytes[packAt++] = value >>> (byteCount * 8);
}

/** Writes a type byte, then `value` in `byteCount` bytes. */
function writeTyped(type: number, value: number, byteCount: number): void {
  packBytes[packAt++] = type;
  writeWord(value, byteCount);
}

/**
 * Writes the header of a str, bin, ext, array or map of `length` in its
 * smallest form: the fix form under `fixLimit`, then the 8, 16 and 32-bit
 * forms around `type16`. Arrays and maps (0xdc and up) have no 8-bit form.
 */
function writeHeader(length: number, type16: number, fixType = 0, fixLimit = 0): void {
  reserve(5);
  if (length < fixLimit) packBytes[packAt++] = fixType | length;
  else if (length < 256 && type16 < 0xdc) writeTyped(type16 - 1, length, 1);
  else if (length < 65536) writeTyped(type16, length, 2);
  else writeTyped(type16 + 1, length, 4);
}

function writeRaw(bytes: Uint8Array): void {
  reserve(bytes.length);
  packBytes.set(bytes, packAt);
  packAt += bytes.length;
}

/** Writes a safe integer in the smallest int form, anything else as float 64. */
function writeNumber(value: number): void {
  reserve(9);
  if (!Number.isSafeInteger(value)) {
    floatView.setFloat64(0, value);
    packBytes[packAt++] = 0xcb;
    for (let i = 0; i < 8; i++) packBytes[packAt++] = floatBytes[i];
  } else if (value < 128 && value >= -32) {
    packBytes[packAt++] = value & 255; // positive or negative fixint
  } else {
    // Unsigned forms start at 0xcc, signed at 0xd0. A negative fits n bytes
    // when (-value - 1) * 2 < 2^(8n), as a positive fits when value < 2^(8n).
    const type = value < 0 ? 0xd0 : 0xcc;
    const magnitude = value < 0 ? (-value - 1) * 2 : value;
    if (magnitude < 256) writeTyped(type, value, 1);
    else if (magnitude < 65536) writeTyped(type + 1, value, 2);
    else if (magnitude < TWO_POW_32) writeTyped(type + 2, value, 4);
    else writeInt64(type + 3, Math.floor(value / TWO_POW_32), value >>> 0);
  }
}

function writeInt64(type: number, high: number, low: number): void {
  reserve(9);
  writeTyped(type, high, 4);
  writeWord(low, 4);
}

/** Writes a str: ASCII byte by byte, anything else through TextEncoder. */
function writeString(value: string): void {
  const length = value.length;
  reserve(length * 3 + 5);
  const start = packAt;
  writeHeader(length, 0xda, 0xa0, 32);
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code > 127) {
      // Encode after room for the longest header, then move the bytes back
      // behind the header their real length needs: one canonical encoding.
      packAt = start + 5;
      const byteCount = textEncoder.encodeInto(value, packBytes.subarray(packAt)).written;
      packAt = start;
      writeHeader(byteCount, 0xda, 0xa0, 32);
      packBytes.copyWithin(packAt, start + 5, start + 5 + byteCount);
      packAt += byteCount;
      return;
    }
    packBytes[packAt++] = code;
  }
}

/** Writes a Date as the smallest of the timestamp extension's three forms. */
function writeDate(date: Date): void {
  const ms = date.getTime();
  if (ms !== ms) throw new RangeError("Cannot pack an invalid Date");
  const seconds = Math.floor(ms / 1000);
  const nanoseconds = (ms - seconds * 1000) * 1e6;
  const high = Math.floor(seconds / TWO_POW_32);
  reserve(15);
  if (seconds < 0 || high > 3) {
    // timestamp 96: 32 bits of nanoseconds, 64 of signed seconds.
    writeTyped(0xc7, 12, 1);
    writeTyped(TIMESTAMP_TYPE, nanoseconds, 4);
    writeWord(high, 4);
    writeWord(seconds >>> 0, 4);
  } else if (nanoseconds || high) {
    // timestamp 64: 30 bits of nanoseconds, then 34 bits of seconds.
    writeTyped(0xd7, TIMESTAMP_TYPE, 1);
    writeWord(nanoseconds * 4 + high, 4);
    writeWord(seconds >>> 0, 4);
  } else {
    writeTyped(0xd6, TIMESTAMP_TYPE, 1);
    writeWord(seconds, 4);
  }
}

function write(value: unknown, depth: number): void {
  switch (typeof value) {
    case "number":
      return writeNumber(value);
    case "string":
      return writeString(value);
    case "boolean":
      reserve(1);
      packBytes[packAt++] = value ? 0xc3 : 0xc2;
      return;
    case "undefined":
      reserve(1);
      packBytes[packAt++] = 0xc0;
      return;
    case "bigint": {
      const type = BigInt.asUintN(64, value) === value ? 0xcf : BigInt.asIntN(64, value) === value ? 0xd3 : 0;
      if (!type) throw new RangeError(`Cannot pack ${value}: a bigint must fit in 64 bits`);
      return writeInt64(type, Number(value >> 32n), Number(value & 0xffffffffn));
    }
    case "object":
      if (value === null) return write(undefined, depth);
      if (++depth > MAX_DEPTH) throw new TypeError(`Cannot pack nesting deeper than ${MAX_DEPTH} (a cycle?)`);
      if (Array.isArray(value)) {
        writeHeader(value.length, 0xdc, 0x90, 16);
        for (let i = 0; i < value.length; i++) write(value[i], depth);
      } else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
        const bytes = value instanceof ArrayBuffer
          ? new Uint8Array(value)
          : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        writeHeader(bytes.length, 0xc5);
        writeRaw(bytes);
      } else if (value instanceof Date) {
        writeDate(value);
      } else if (value instanceof Map) {
        writeHeader(value.size, 0xde, 0x80, 16);
        for (const [key, item] of value) {
          write(key, depth);
          write(item, depth);
        }
      } else if (value instanceof Extension) {
        const { type, data } = value;
        if (!(type >= -128 && type <= 127 && Number.isInteger(type) && data instanceof Uint8Array)) {
          throw new RangeError(`Cannot pack Extension(${type}): type must be an integer -128..127, data a Uint8Array`);
        }
        const fixed = [1, 2, 4, 8, 16].indexOf(data.length);
        reserve(6);
        if (fixed < 0) writeHeader(data.length, 0xc8);
        else packBytes[packAt++] = 0xd4 + fixed; // fixext 1, 2, 4, 8, 16
        packBytes[packAt++] = type;
        writeRaw(data);
      } else {
        const keys = Object.keys(value);
        writeHeader(keys.length, 0xde, 0x80, 16);
        for (const key of keys) {
          writeString(key);
          write((value as Record<string, unknown>)[key], depth);
        }
      }
      return;
    default:
      throw new TypeError(`Cannot pack a ${typeof value}`);
  }
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
 * you reach for `.buffer`.
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
  if (packBytes.length - packAt < 64) reserve(PACK_CHUNK_BYTES);
  packStart = packAt;
  try {
    write(value, 0);
  } catch (error) {
    packAt = packStart;
    throw error;
  }
  return packBytes.subarray(packStart, packAt);
}

// ─── Packing: reader ────────────────────────────────────────────────────────

let input: Uint8Array = /* @__PURE__ */ new Uint8Array(0);
let inputAt = 0;
let textDecoder: TextDecoder | undefined;

/** Every malformed input ends here: a RangeError that says what and where. */
function malformed(what: string): never {
  throw new RangeError(`Cannot unpack: ${what} at byte ${inputAt}`);
}

/** Claims `byteCount` more bytes, checked before any length is trusted; returns where they start. */
function need(byteCount: number): number {
  if (inputAt + byteCount > input.length) {
    malformed(`truncated: needs ${byteCount} bytes, has ${input.length - inputAt}`);
  }
  inputAt += byteCount;
  return inputAt - byteCount;
}

/** Reads a big-endian integer of 1, 2 or 4 bytes. */
function readInt(byteCount: number, signed?: boolean): number {
  const at = need(byteCount);
  let value = 0;
  for (let i = 0; i < byteCount; i++) value = value * 256 + input[at + i];
  return signed && value >= 2 ** (byteCount * 8 - 1) ? value - 2 ** (byteCount * 8) : value;
}

/** Reads a str: short ASCII through the cache, the rest with a strict TextDecoder. */
function readString(byteCount: number): string {
  const at = need(byteCount);
  let key = 1;
  for (let i = 0; i < byteCount; i++) {
    const code = input[at + i];
    if (code > 127 || byteCount > CACHED_STRING_BYTES) {
      // Invalid UTF-8 throws a TypeError instead of becoming U+FFFD.
      textDecoder ??= new TextDecoder("utf-8", { fatal: true });
      return textDecoder.decode(input.subarray(at, at + byteCount));
    }
    key = key * 128 + code;
  }
  const slot = (key ^ (key / 8192)) & (STRING_CACHE_SLOTS - 1);
  if (shortStringKeys[slot] !== key) {
    shortStringKeys[slot] = key;
    shortStrings[slot] = String.fromCharCode(...input.subarray(at, at + byteCount));
  }
  return shortStrings[slot];
}
const shortStringKeys = /* @__PURE__ */ new Float64Array(STRING_CACHE_SLOTS);
const shortStrings: string[] = [];

/** Reads a map as a plain object while its keys are strings, as a Map once one is not. */
function readMap(count: number, depth: number): Record<string, unknown> | Map<unknown, unknown> {
  const object: Record<string, unknown> = {};
  let map: Map<unknown, unknown> | undefined;
  for (let i = 0; i < count; i++) {
    const key = read(depth);
    const value = read(depth);
    if (map) map.set(key, value);
    else if (typeof key !== "string") (map = new Map<unknown, unknown>(Object.entries(object))).set(key, value);
    // defineProperty keeps "__proto__" an own data property, never a prototype, in O(1):
    // copying the object per such key would let hostile input cost O(n²).
    else if (key === "__proto__") {
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    } else object[key] = value;
  }
  return map ?? object;
}

/** Reads an ext of `byteCount` bytes: a timestamp becomes a Date, any other type an Extension. */
function readExtension(byteCount: number): Date | Extension {
  const type = readInt(1, true);
  const at = need(byteCount);
  if (type !== TIMESTAMP_TYPE) return new Extension(type, input.slice(at, at + byteCount));
  inputAt = at;
  let nanoseconds = 0;
  let seconds: number;
  if (byteCount === 4) {
    seconds = readInt(4);
  } else if (byteCount === 8) {
    // 30 bits of nanoseconds, then 34 bits of seconds.
    const high = readInt(4);
    nanoseconds = high >>> 2;
    seconds = (high & 3) * TWO_POW_32 + readInt(4);
  } else if (byteCount === 12) {
    nanoseconds = readInt(4);
    seconds = readInt(4, true) * TWO_POW_32 + readInt(4);
  } else {
    malformed(`timestamp of ${byteCount} bytes (4, 8 or 12)`);
  }
  const date = new Date(seconds * 1000 + Math.floor(nanoseconds / 1e6));
  if (nanoseconds > 999999999 || isNaN(date.getTime())) malformed("timestamp out of range for a Date");
  return date;
}

function read(depth: number): unknown {
  const type = input[need(1)];
  if (type < 0x80) return type; // positive fixint
  if (type > 0xdf) return type - 256; // negative fixint
  if (type < 0xa0 || type > 0xdb) {
    // fixmap 0x80, fixarray 0x90, array 16/32 0xdc/0xdd, map 16/32 0xde/0xdf
    if (++depth > MAX_DEPTH) malformed(`nesting deeper than ${MAX_DEPTH}`);
    const isMap = type < 0x90 || type > 0xdd;
    const count = type < 0xa0 ? type & 15 : readInt(type & 1 ? 4 : 2);
    // Every element takes at least one byte: check before allocating for a claimed count.
    need(isMap ? count * 2 : count);
    inputAt -= isMap ? count * 2 : count;
    if (isMap) return readMap(count, depth);
    const array = new Array(count);
    for (let i = 0; i < count; i++) array[i] = read(depth);
    return array;
  }
  if (type < 0xc0) return readString(type & 31); // fixstr
  if (type < 0xc4) {
    // nil, (reserved), false, true
    if (type === 0xc1) malformed("reserved type 0xc1");
    return type === 0xc0 ? null : type === 0xc3;
  }
  if (type < 0xc7) {
    const byteCount = readInt(1 << (type - 0xc4)); // bin 8/16/32
    const at = need(byteCount);
    return input.slice(at, at + byteCount);
  }
  if (type < 0xca) return readExtension(readInt(1 << (type - 0xc7))); // ext 8/16/32
  if (type < 0xcc) {
    const byteCount = type === 0xca ? 4 : 8; // float 32/64
    const at = need(byteCount);
    for (let i = 0; i < byteCount; i++) floatBytes[i] = input[at + i];
    return byteCount === 4 ? floatView.getFloat32(0) : floatView.getFloat64(0);
  }
  if (type < 0xd4) {
    // uint 8/16/32/64 from 0xcc, int 8/16/32/64 from 0xd0
    const signed = type > 0xcf;
    if ((type & 3) < 3) return readInt(1 << (type & 3), signed);
    const high = readInt(4, signed);
    const low = readInt(4);
    const value = high * TWO_POW_32 + low;
    return Number.isSafeInteger(value) ? value : (BigInt(high) << 32n) + BigInt(low);
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
