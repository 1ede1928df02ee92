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
export declare const OSC_IMMEDIATELY: bigint;
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
export declare function oscTime(unixMs: number): bigint;
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
export declare function oscTimeToMs(timetag: bigint): number;
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
export declare function encodeOsc(packet: OscMessage | OscBundle): Uint8Array;
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
export declare function decodeOsc(bytes: Uint8Array): OscMessage | OscBundle;
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
export declare function oscMatch(pattern: string, address: string): boolean;
