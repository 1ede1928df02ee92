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
/** Up to this many UTF-16 units, strings are encoded and decoded by hand: faster than TextEncoder for short keys. */
const SHORT_STRING_UNITS = 64;
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

// ─── UTF-8 ──────────────────────────────────────────────────────────────────

const textEncoder = /* @__PURE__ */ new TextEncoder();
let utf8Decoder: TextDecoder | undefined;
/** A strict decoder: invalid UTF-8 throws a TypeError instead of becoming U+FFFD. */
function textDecoder(): TextDecoder {
  return utf8Decoder ??= new TextDecoder("utf-8", { fatal: true });
}

// ─── Packing: writer ────────────────────────────────────────────────────────

// pack writes into a shared chunk and hands out views of it: no copy per
// message, and a region once handed out is never written again.
let packBytes: Uint8Array = /* @__PURE__ */ new Uint8Array(0);
let packView: DataView = /* @__PURE__ */ new DataView(packBytes.buffer);
let packAt = 0;
let packStart = 0;

/** Makes room for `byteCount` more bytes of the message being packed. */
function reserve(byteCount: number): void {
  if (packAt + byteCount > packBytes.length) {
    const used = packAt - packStart;
    const next = new Uint8Array(Math.max(PACK_CHUNK_BYTES, (used + byteCount) * 2));
    next.set(packBytes.subarray(packStart, packAt));
    packBytes = next;
    packView = new DataView(next.buffer);
    packStart = 0;
    packAt = used;
  }
}

/** Writes the low `byteCount` bytes (at most 4) of `value`, big-endian. */
function writeWord(value: number, byteCount: number): void {
  while (byteCount--) packBytes[packAt++] = value >>> (byteCount * 8);
}

/** Writes a type byte and then `value` in `byteCount` bytes. */
function writeTyped(type: number, value: number, byteCount: number): void {
  packBytes[packAt++] = type;
  writeWord(value, byteCount);
}

/** Writes a length in the smallest of the three header forms that start at `type8` (8, 16, 32 bits). */
function writeLength(type8: number, length: number): void {
  if (length < 256) writeTyped(type8, length, 1);
  else if (length < 65536) writeTyped(type8 + 1, length, 2);
  else writeTyped(type8 + 2, length, 4);
}

/** Writes the header of an array (0x90, 0xdc) or map (0x80, 0xde). */
function writeCount(fixType: number, type16: number, count: number): void {
  reserve(5);
  if (count < 16) packBytes[packAt++] = fixType | count;
  else if (count < 65536) writeTyped(type16, count, 2);
  else writeTyped(type16 + 1, count, 4);
}

function writeNumber(value: number): void {
  reserve(9);
  if (!Number.isSafeInteger(value)) {
    packBytes[packAt++] = 0xcb;
    packView.setFloat64(packAt, value);
    packAt += 8;
  } else if (value >= 0) {
    if (value < 128) packBytes[packAt++] = value;
    else if (value < 256) writeTyped(0xcc, value, 1);
    else if (value < 65536) writeTyped(0xcd, value, 2);
    else if (value < TWO_POW_32) writeTyped(0xce, value, 4);
    else writeInt64(0xcf, value);
  } else if (value >= -32) packBytes[packAt++] = value & 0xff;
  else if (value >= -128) writeTyped(0xd0, value, 1);
  else if (value >= -32768) writeTyped(0xd1, value, 2);
  else if (value >= -2147483648) writeTyped(0xd2, value, 4);
  else writeInt64(0xd3, value);
}

/** Writes a safe integer as 8 bytes: the high word is floor(value / 2^32), two's complement when negative. */
function writeInt64(type: number, value: number): void {
  writeTyped(type, Math.floor(value / TWO_POW_32), 4);
  writeWord(value >>> 0, 4);
}

function writeString(value: string): void {
  const units = value.length;
  const maxBytes = units * 3;
  reserve(maxBytes + 5);
  // Reserve the header for the longest possible encoding, then move the bytes
  // back if the real length needs a shorter header: one canonical encoding.
  const headerBytes = headerSize(maxBytes);
  const bodyAt = packAt + headerBytes;
  let at = bodyAt;
  if (units > SHORT_STRING_UNITS) {
    at += textEncoder.encodeInto(value, packBytes.subarray(at)).written;
  } else {
    for (let i = 0; i < units; i++) {
      let code = value.charCodeAt(i);
      if (code < 0x80) {
        packBytes[at++] = code;
        continue;
      }
      if (code < 0x800) {
        packBytes[at++] = 0xc0 | (code >> 6);
      } else {
        if ((code & 0xfc00) === 0xd800 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
          code = 0x10000 + ((code & 0x3ff) << 10) + (value.charCodeAt(++i) & 0x3ff);
          packBytes[at++] = 0xf0 | (code >> 18);
          packBytes[at++] = 0x80 | ((code >> 12) & 63);
        } else {
          // A lone surrogate becomes U+FFFD, as TextEncoder does.
          if ((code & 0xf800) === 0xd800) code = 0xfffd;
          packBytes[at++] = 0xe0 | (code >> 12);
        }
        packBytes[at++] = 0x80 | ((code >> 6) & 63);
      }
      packBytes[at++] = 0x80 | (code & 63);
    }
  }
  const byteCount = at - bodyAt;
  const needed = headerSize(byteCount);
  if (needed < headerBytes) packBytes.copyWithin(packAt + needed, bodyAt, at);
  if (byteCount < 32) packBytes[packAt++] = 0xa0 | byteCount;
  else writeLength(0xd9, byteCount);
  packAt += byteCount;
}

/** Header bytes of a str of `byteCount` bytes: fixstr, str8, str16 or str32. */
function headerSize(byteCount: number): number {
  return byteCount < 32 ? 1 : byteCount < 256 ? 2 : byteCount < 65536 ? 3 : 5;
}

function writeBytes(bytes: Uint8Array): void {
  reserve(bytes.length + 5);
  writeLength(0xc4, bytes.length);
  packBytes.set(bytes, packAt);
  packAt += bytes.length;
}

function writeExtension(type: number, data: Uint8Array): void {
  const length = data.length;
  reserve(length + 6);
  const fixed = [1, 2, 4, 8, 16].indexOf(length);
  if (fixed >= 0) packBytes[packAt++] = 0xd4 + fixed;
  else writeLength(0xc7, length);
  packBytes[packAt++] = type;
  packBytes.set(data, packAt);
  packAt += length;
}

/** Writes a Date as the smallest of the timestamp extension's three forms. */
function writeDate(date: Date): void {
  const ms = date.getTime();
  if (ms !== ms) throw new RangeError("Cannot pack an invalid Date");
  const seconds = Math.floor(ms / 1000);
  const nanoseconds = (ms - seconds * 1000) * 1e6;
  reserve(15);
  if (nanoseconds === 0 && seconds >= 0 && seconds < TWO_POW_32) {
    writeTyped(0xd6, TIMESTAMP_TYPE, 1);
    writeWord(seconds, 4);
  } else if (seconds >= 0 && seconds < 0x400000000) {
    // timestamp 64: 30 bits of nanoseconds, then 34 bits of seconds.
    writeTyped(0xd7, TIMESTAMP_TYPE, 1);
    writeWord(nanoseconds * 4 + Math.floor(seconds / TWO_POW_32), 4);
    writeWord(seconds >>> 0, 4);
  } else {
    writeTyped(0xc7, 12, 1);
    writeTyped(TIMESTAMP_TYPE, nanoseconds, 4);
    writeWord(Math.floor(seconds / TWO_POW_32), 4);
    writeWord(seconds >>> 0, 4);
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
    case "bigint":
      reserve(9);
      if (BigInt.asUintN(64, value) === value) {
        packBytes[packAt++] = 0xcf;
        packView.setBigUint64(packAt, value);
      } else if (BigInt.asIntN(64, value) === value) {
        packBytes[packAt++] = 0xd3;
        packView.setBigInt64(packAt, value);
      } else {
        throw new RangeError(`Cannot pack ${value}: a bigint must fit in 64 bits`);
      }
      packAt += 8;
      return;
    case "object":
      if (value === null) return write(undefined, depth);
      if (++depth > MAX_DEPTH) {
        throw new TypeError(`Cannot pack a value nested deeper than ${MAX_DEPTH} levels (is there a cycle?)`);
      }
      if (Array.isArray(value)) {
        writeCount(0x90, 0xdc, value.length);
        for (let i = 0; i < value.length; i++) write(value[i], depth);
      } else if (value instanceof Uint8Array) {
        writeBytes(value);
      } else if (ArrayBuffer.isView(value)) {
        writeBytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      } else if (value instanceof ArrayBuffer) {
        writeBytes(new Uint8Array(value));
      } else if (value instanceof Date) {
        writeDate(value);
      } else if (value instanceof Map) {
        writeCount(0x80, 0xde, value.size);
        for (const [key, item] of value) {
          write(key, depth);
          write(item, depth);
        }
      } else if (value instanceof Extension) {
        const type = value.type;
        if (!(type >= -128 && type <= 127 && Number.isInteger(type)) || !(value.data instanceof Uint8Array)) {
          throw new RangeError(
            `Cannot pack Extension(${type}): its type must be an integer from -128 to 127, its data a Uint8Array`,
          );
        }
        writeExtension(type, value.data);
      } else {
        const keys = Object.keys(value);
        writeCount(0x80, 0xde, keys.length);
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
let inputView: DataView | undefined;

/** Fails unless `byteCount` more bytes remain: checked before any length is trusted. */
function need(byteCount: number): number {
  const at = inputAt;
  if (at + byteCount > input.length) {
    throw new RangeError(`Cannot unpack: truncated at byte ${at}, needs ${byteCount} more, has ${input.length - at}`);
  }
  inputAt = at + byteCount;
  return at;
}

/** Reads an unsigned big-endian integer of 1, 2 or 4 bytes. */
function readUint(byteCount: number): number {
  let at = need(byteCount);
  let value = 0;
  while (byteCount--) value = value * 256 + input[at++];
  return value;
}

/** Reads a signed big-endian integer of 1, 2 or 4 bytes. */
function readInt(byteCount: number): number {
  const value = readUint(byteCount);
  const half = 2 ** (byteCount * 8 - 1);
  return value >= half ? value - half * 2 : value;
}

/** Reads 64 bits: a number when safe, else a bigint. */
function readInt64(signed: boolean): number | bigint {
  const high = signed ? readInt(4) : readUint(4);
  const low = readUint(4);
  const value = high * TWO_POW_32 + low;
  return Number.isSafeInteger(value) ? value : (BigInt(high) << 32n) + BigInt(low);
}

function readFloat(byteCount: 4 | 8): number {
  const at = need(byteCount) + input.byteOffset;
  if (inputView?.buffer !== input.buffer) inputView = new DataView(input.buffer);
  return byteCount === 4 ? inputView.getFloat32(at) : inputView.getFloat64(at);
}

function readString(byteCount: number): string {
  let at = need(byteCount);
  const end = at + byteCount;
  if (byteCount <= SHORT_STRING_UNITS) {
    let text = "";
    for (; at < end; at++) {
      const byte = input[at];
      if (byte > 0x7f) return textDecoder().decode(input.subarray(end - byteCount, end));
      text += String.fromCharCode(byte);
    }
    return text;
  }
  return textDecoder().decode(input.subarray(at, end));
}

function readArray(count: number, depth: number): unknown[] {
  need(count); // every element takes at least one byte
  inputAt -= count;
  const array = new Array(count);
  for (let i = 0; i < count; i++) array[i] = read(depth);
  return array;
}

/** Reads a map as a plain object while its keys are strings, as a Map once one is not. */
function readMap(count: number, depth: number): Record<string, unknown> | Map<unknown, unknown> {
  need(count * 2);
  inputAt -= count * 2;
  let object: Record<string, unknown> | undefined = {};
  let map: Map<unknown, unknown> | undefined;
  for (let i = 0; i < count; i++) {
    const key = read(depth);
    const value = read(depth);
    if (object && typeof key === "string") {
      // Object.defineProperty keeps "__proto__" an own data property, never a prototype.
      if (key === "__proto__") {
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      } else object[key] = value;
    } else {
      map ??= new Map(Object.entries(object!));
      object = undefined;
      map.set(key, value);
    }
  }
  return object ?? map!;
}

function readExtension(byteCount: number): Date | Extension {
  const type = readInt(1);
  const at = need(byteCount);
  if (type !== TIMESTAMP_TYPE) return new Extension(type, input.slice(at, at + byteCount));
  inputAt = at;
  let nanoseconds = 0;
  let seconds: number;
  if (byteCount === 4) {
    seconds = readUint(4);
  } else if (byteCount === 8) {
    const high = readUint(4);
    nanoseconds = Math.floor(high / 4);
    seconds = (high % 4) * TWO_POW_32 + readUint(4);
  } else if (byteCount === 12) {
    nanoseconds = readUint(4);
    seconds = readInt(4) * TWO_POW_32 + readUint(4);
  } else {
    throw new RangeError(`Cannot unpack a timestamp of ${byteCount} bytes: it has 4, 8 or 12`);
  }
  const date = new Date(seconds * 1000 + Math.floor(nanoseconds / 1e6));
  if (nanoseconds > 999999999 || date.getTime() !== date.getTime()) {
    throw new RangeError(`Cannot unpack timestamp ${seconds}s ${nanoseconds}ns: out of range for a Date`);
  }
  return date;
}

function read(depth: number): unknown {
  const type = input[need(1)];
  if (type < 0x80) return type;
  if (type >= 0xe0) return type - 256;
  if (type < 0xc0 || type >= 0xdc) {
    if (type >= 0xa0 && type < 0xc0) return readString(type & 31);
    if (++depth > MAX_DEPTH) throw new RangeError(`Cannot unpack: nested deeper than ${MAX_DEPTH} levels`);
    if (type < 0x90) return readMap(type & 15, depth);
    if (type < 0xa0) return readArray(type & 15, depth);
    if (type === 0xdc) return readArray(readUint(2), depth);
    if (type === 0xdd) return readArray(readUint(4), depth);
    return readMap(readUint(type === 0xde ? 2 : 4), depth);
  }
  switch (type) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
    case 0xc5:
    case 0xc6: {
      const byteCount = readUint(1 << (type - 0xc4));
      const at = need(byteCount);
      return input.slice(at, at + byteCount);
    }
    case 0xc7:
    case 0xc8:
    case 0xc9:
      return readExtension(readUint(1 << (type - 0xc7)));
    case 0xca:
      return readFloat(4);
    case 0xcb:
      return readFloat(8);
    case 0xcc:
    case 0xcd:
    case 0xce:
      return readUint(1 << (type - 0xcc));
    case 0xcf:
      return readInt64(false);
    case 0xd0:
    case 0xd1:
    case 0xd2:
      return readInt(1 << (type - 0xd0));
    case 0xd3:
      return readInt64(true);
    case 0xd9:
    case 0xda:
    case 0xdb:
      return readString(readUint(1 << (type - 0xd9)));
    case 0xc1:
      throw new RangeError(`Cannot unpack: byte 0xc1 at ${inputAt - 1} is reserved by MessagePack`);
    default: // 0xd4..0xd8: fixext 1, 2, 4, 8, 16
      return readExtension(1 << (type - 0xd4));
  }
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
 *
 * @example
 * ```ts
 * import { unpack } from "./mod.ts";
 *
 * console.log(unpack(Uint8Array.of(0x81, 0xa2, 0x68, 0x70, 0x64))); // { hp: 100 }
 * ```
 */
export function unpack(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("Cannot unpack: expected a Uint8Array");
  input = bytes;
  inputAt = 0;
  const value = read(0);
  if (inputAt !== bytes.length) {
    throw new RangeError(`Cannot unpack: ${bytes.length - inputAt} trailing bytes after the value`);
  }
  return value;
}
