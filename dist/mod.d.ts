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
 * console.log(bytes.length, message.t, message.x); // 31 move 12.5
 * ```
 *
 * @module
 */
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
export declare class Extension {
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
    constructor(type: number, data: Uint8Array);
}
/** How a message travels. See {@linkcode SendOptions}. */
export type Mode = "reliable" | "unordered" | "sequenced" | "unreliable" | "state";
/** Options of {@linkcode Peer.send}. */
export interface SendOptions {
    /**
     * `"reliable"` (the default): arrives once, in order within its channel.
     * `"unordered"`: arrives once, in any order. `"sequenced"`: may be lost, and
     * an older message is dropped once a newer one arrived. `"unreliable"`: may
     * be lost, never duplicated, in no set order. `"state"`: the whole state of
     * a world, sent Quake 3 style as a delta against the newest state the
     * receiver acknowledged; the receiver gets the whole latest state, never an
     * older one after a newer (see the README's "Snapshots").
     */
    mode?: Mode;
    /** The channel, 0 (the default) up to `HostOptions.channels - 1`; each orders on its own. */
    channel?: number;
    /**
     * Deliver at this time, ms on the sender's clock: the receiver converts it
     * through its clock estimate and holds the message until then. Messages of
     * one `at` are delivered together (in send order on one channel in
     * "reliable" mode, else as they arrived). One whose time has passed when it
     * arrives is held too, with `late: true`, and comes out of the next `poll()`
     * in time order, behind those of its time held before it (one that arrives at
     * its very millisecond is on time). `send` throws for
     * a time more than this Host's `timeout` ms ahead (10 s by default), such as
     * a `Date.now()` time on a `performance.now()` clock, and the receiver drops
     * one more than its own `timeout` ahead, or at no finite time on its clock (a hostile peer's clock), counted in `stats.timedDropped`
     * (for a time further off, send the time in the message).
     */
    at?: number;
}
/**
 * Counters and estimates of a peer, or of a whole Host: its counters are its peers' summed, with the datagrams of no
 * peer; its estimates are made over the packets of all its peers.
 */
export interface Stats {
    /**
     * Smoothed round-trip time in ms (RFC 6298 SRTT), 0 before the first sample: a side that sends only acks and
     * keepalives samples once in 32 packets (about 30 s on an idle connection). A sample counts the time its ack waited
     * for the other side's next `update()`: up to one of its frames more than the network's round trip (16 ms on a
     * memoryNet of no latency, both sides updating every 16 ms), or up to ACK_DELAY_MS (33 ms) where the other side
     * has nothing to send and its ack goes alone.
     */
    rttMs: number;
    /** Round-trip time variation in ms (RFC 6298 RTTVAR). */
    rttVarianceMs: number;
    /**
     * Estimated loss of the packets this side sends, from 0 to 1, over roughly the last 32 of them: the other direction's
     * is the other side's `stats.loss`.
     */
    loss: number;
    /** Packets sent, handshake included. */
    packetsSent: number;
    /** Packets received, handshake included, dropped ones too. */
    packetsReceived: number;
    /** Bytes of datagrams sent (without IP and UDP headers). */
    bytesSent: number;
    /** Bytes of datagrams received (without IP and UDP headers). */
    bytesReceived: number;
    /**
     * Reliable message pieces sent again: copies that ride along in later packets while the link loses packets (more
     * the more it loses; before the first 32 packets' fates are known, as at 20% loss), and resends after a loss.
     */
    messagesResent: number;
    /**
     * Packets and reliable message pieces that had already arrived: on a lossy link mostly the copies of
     * `messagesResent` whose piece got through before them, so some are expected even on a link that duplicates nothing;
     * also an empty packet (an ack or keepalive) reordered behind the data packet that took the sequence number it
     * carried.
     */
    duplicatesDropped: number;
    /** Datagrams dropped as malformed, foreign, stale or over a limit, and messages that did not unpack. */
    invalidDropped: number;
    /** Socket faults, counted and never thrown: a send that failed, a closed socket, an oversized datagram. */
    socketErrors: number;
    /**
     * Timed messages dropped: `HostOptions.maxTimedMessages` were waiting already, or it was over `timeout` ms ahead, or
     * at no finite time on this Host's clock.
     */
    timedDropped: number;
}
/** What {@linkcode Host.poll} returns and `for await` yields. */
export type HostEvent = {
    type: "connect";
    peer: Peer;
} | MessageEvent | {
    type: "disconnect";
    peer: Peer;
    reason: DisconnectReason;
};
/**
 * Why a peer is gone: `"timeout"` (silent for `HostOptions.timeout` ms, or a
 * reliable or unordered channel of it waited that long for a missing piece), `"closed"` (it
 * disconnected, its Host closed, or it timed out and its goodbye arrived; also for a WebSocket
 * that closed, a new connection from its address, and the cases that {@linkcode Host.connect}
 * and `HostOptions.maxEvents` tell), `"full"` (its Host has `maxPeers`
 * peers), `"refused"` (its Host runs another `protocol`).
 */
export type DisconnectReason = "timeout" | "closed" | "full" | "refused";
/**
 * A message that arrived: see {@linkcode HostEvent}. A `"state"` message
 * always has its `time` and no other has one, so TypeScript knows it once
 * `mode` is checked:
 *
 * @example
 * ```ts
 * import { Host, memoryNet, Timeline } from "./mod.ts";
 *
 * const host = new Host(memoryNet().socket("client"));
 * const world = new Timeline<unknown>();
 * for (let event; (event = host.poll());) {
 *   if (event.type === "message" && event.mode === "state") world.add(event.time, event.data); // time: a number
 * }
 * ```
 */
export type MessageEvent = StateMessageEvent | PlainMessageEvent;
/** What every {@linkcode MessageEvent} has. */
export interface MessageEventBase {
    /** Always `"message"`. */
    type: "message";
    /** Who sent it. */
    peer: Peer;
    /** The message, unpacked. */
    data: unknown;
    /** The channel it came on. */
    channel: number;
    /** The mode it was sent in. */
    mode: Mode;
    /** A timed message: when it was due, ms on this Host's clock. */
    at?: number;
    /** A timed message whose time had passed when it arrived (one that arrives at its very millisecond is on time). */
    late?: boolean;
}
/** A {@linkcode MessageEvent} of a `"state"` message: the newest snapshot, with the time it was sent. */
export interface StateMessageEvent extends MessageEventBase {
    /** Always `"state"`. */
    mode: "state";
    /**
     * When it was sent: the sending Host's clock (its `now`, else its socket's, else `performance.now()`) read at its
     * `send()`, ms (for a {@linkcode Timeline}).
     */
    time: number;
}
/** A {@linkcode MessageEvent} of any mode but `"state"`: it has no `time`. */
export interface PlainMessageEvent extends MessageEventBase {
    /** The mode it was sent in: any but `"state"`. */
    mode: Exclude<Mode, "state">;
    /** Only a `"state"` message has one. */
    time?: undefined;
}
/** The other end of a connection: made by {@linkcode Host.connect}, or handed over in a `"connect"` event. */
export interface Peer {
    /** The socket address of the other end. */
    readonly address: string;
    /**
     * `"connecting"` until the handshake completes, then `"connected"`, at last `"disconnected"`; between the last
     * two `"disconnecting"` while `disconnect()` lets the queue go.
     */
    readonly state: "connecting" | "connected" | "disconnecting" | "disconnected";
    /** This connection's counters and estimates. */
    readonly stats: Stats;
    /** The other Host's clock, as estimated from timestamps the two exchange: see the README's "Clock sync". */
    readonly clock: ClockEstimate;
    /**
     * The other Host's clock reading at a time on this Host's clock.
     *
     * @param localMs a time on this Host's clock (default: now)
     * @returns the same moment on the other Host's clock, within `clock.errorMs` (and the clocks' drift: see it); before
     *   the first clock sample, short by up to a one-way trip once a clock request of the other side's has arrived, and
     *   `localMs` itself before that
     */
    remoteTime(localMs?: number): number;
    /**
     * Queues a message: any value {@linkcode pack} takes (a Uint8Array arrives
     * as a Uint8Array). It leaves with the Host's next `update`.
     *
     * @param value the message
     * @param options the mode (default `"reliable"`) and channel (default 0)
     * @returns true when queued; false, and nothing queued, when the peer is `"disconnecting"` or `"disconnected"`
     *   (it may have left in the last `update`, before the game polled its `"disconnect"`). A `"state"` sent while an
     *   older state has begun to leave, and whose bytes (with an 11-byte head) fill as many pieces as the older has
     *   left, or more, is skipped, as if lost: true.
     * @throws {RangeError} for an unknown mode or channel, a message over the size limit, a full send queue, an
     *   `at` that is no finite number or more than `timeout` ahead, or a value pack refuses as out of range (a bigint
     *   beyond 64 bits, an invalid Date, a bad Extension)
     * @throws {TypeError} for a value pack cannot take, or for options that are no object (a mode or a channel in
     *   their place: `send(value, { mode: "unreliable" })`, not `send(value, "unreliable")`)
     */
    send(value: unknown, options?: SendOptions): boolean;
    /**
     * Closes the connection: the other side gets a `"disconnect"` event with
     * reason `"closed"` (sent a few times, in case of loss). Messages still
     * queued go first: the peer is `"disconnecting"` (no longer in `host.peers`
     * but in the `maxPeers` count, no events, `send` returns false, `connect()` to its
     * address drops it) until every one is sent and acked, at most `timeout`
     * ms. Called again, or on a peer not yet connected, it drops them and
     * closes at once. No event of this peer comes out of `poll()` any more,
     * not even one that arrived before.
     */
    disconnect(): void;
}
/**
 * One datagram endpoint: what a Host sends and receives through. jamnet's
 * adapters make one of a runtime's socket: {@linkcode denoUdp},
 * {@linkcode nodeUdp}, {@linkcode bunUdp}, {@linkcode webSocket},
 * {@linkcode webSocketServer}; {@linkcode memoryNet} makes simulated ones.
 */
export interface Socket {
    /**
     * Sends one datagram to an address. It may be lost; a fault (an unreachable
     * port, a closed socket, an oversized datagram) goes to `notify` and never throws.
     * The Host makes `data` for this call alone and reads nothing of it after
     * (`stats.bytesSent` takes its length before): a socket may keep it, or
     * transfer its buffer (`postMessage` with a transfer list). `data` may be a
     * view of a larger buffer (a data packet is): send its bytes, never
     * `data.buffer` whole.
     *
     * @throws {RangeError} at once for a malformed address, naming it
     */
    send(data: Uint8Array, to: string): void;
    /**
     * Calls `receive` for every datagram that arrives, with the sender's
     * address, and `notify` when a remote is gone or a fault happened. The Host
     * may keep a datagram's bytes: hand each one over in bytes nothing writes to
     * again (jamnet's adapters copy what the runtime reuses). jamnet's sockets listen once: called again (a second
     * Host) they throw.
     */
    listen(receive: (data: Uint8Array, from: string) => void, notify?: (event: SocketEvent) => void): void;
    /** Stops receiving and frees the socket, once what was sent has left. */
    close(): void;
    /**
     * True for a transport that is ordered and reliable already (WebSocket): the Host sends no resends, and acks only
     * packets with a `"state"` piece (a state becomes a baseline once acked). `HostOptions.packetsPerUpdate` defaults to
     * 8 then (see it): a socket with no send buffer to fill (a MessagePort in one process) can take 1024.
     */
    readonly reliable?: boolean;
    /** The clock in ms this socket lives by (a {@linkcode memoryNet}'s): the Host's when it is given none. */
    readonly now?: () => number;
}
/** What `notify` of {@linkcode Socket.listen} hears: a remote that is gone, or a fault (the Host counts it). */
export type SocketEvent = {
    type: "closed";
    address: string;
} | {
    type: "error";
    address?: string;
    error: unknown;
};
/** Options of {@linkcode Host}; every one has a default. */
export interface HostOptions {
    /**
     * Most peers at once (default 64), connecting, connected or disconnecting, the Host's own `connect()` peers
     * included, and one that ended while its goodbyes still go (10 at most, one an update and at least 16 ms apart:
     * about 150 ms at 60 updates a second or slower, more updates at a faster rate, until one is acked): a peer
     * connecting past it is refused with reason `"full"`; `connect()` itself is never refused by it. A Host that only
     * connects (a client over UDP, whose port a lobby or a chat may show) takes 1: anyone else who connects to it is
     * refused, rather than heard in the same `poll()` as its server.
     */
    maxPeers?: number;
    /**
     * An integer from 0 to 2 ** 32 - 1 that names your game and its version (default 0): Hosts of another never connect.
     * Unsigned: a hash made with `| 0` may be negative, which throws; `>>> 0` makes it fit.
     */
    protocol?: number;
    /** Largest datagram in bytes this side sends (default 1200, from 64 to 65,507); it receives any up to 65,507. */
    mtu?: number;
    /**
     * A peer silent this many ms is dropped with reason `"timeout"` (default 10,000, from 100: ms, not seconds); also
     * how far ahead a timed message may be (see SendOptions.at). An idle peer sends a keepalive every second, or every
     * quarter of it if that is sooner.
     */
    timeout?: number;
    /**
     * The clock in ms (default: the socket's `now`, such as a `memoryNet`'s, else `performance.now()`). A
     * monotonic one: a clock that steps back (`Date.now` after a correction) delays timers and resends until it
     * catches up. Give a function that needs no `this`: `() => performance.now()`, not `performance.now`. Every
     * reading is checked: one that is not a finite number throws a RangeError from the call that read it (`new Host`,
     * `update`, `poll`, `connect`, `send` with `at` or a state, `remoteTime()`; a datagram's arrival: into the socket's
     * listener), and changes nothing. `close` reads none, nor do `update` and `poll` after it.
     */
    now?: () => number;
    /**
     * Fills an array with random bytes, as `crypto.getRandomValues` does (the
     * default): the handshake's nonces and the cookie secret come from it. A
     * seeded one makes a test on `memoryNet` replay byte for byte; anything
     * else must be unpredictable, or strangers can forge packets. It writes
     * over bytes from `crypto.getRandomValues`: one that writes nothing (such as
     * `Math.random`, given by mistake) leaves them. Give each Host a seed of its
     * own: two with the same draw the same nonces, and if they `connect()` to
     * each other at once the tie-break (the smaller nonce) finds no loser, and
     * both end as `"timeout"`.
     */
    random?: (bytes: Uint8Array) => void;
    /** Channels per peer, ordering on their own (default 8, at most 256). */
    channels?: number;
    /**
     * Largest reliable message in bytes after packing (default 1 MiB + 16, so a 1 MiB Uint8Array fits); it travels in
     * fragments, at most 1024 (255 for a state), as many as the receiver holds at once: 1,203,200 bytes at the default mtu.
     */
    maxMessageBytes?: number;
    /**
     * Bytes a peer may have queued and not yet acked (default 4 MiB); `send` throws past it. Each piece of a message
     * (one up to the mtu) counts 256 bytes of bookkeeping besides its own, as a receiver counts a piece it holds: a
     * 1-byte message counts 257. A reliable or unordered message stays counted until it is acked whole and so is every
     * message before it on its stream, as its receiver holds it meanwhile. A receiver holds pieces that wait, over all
     * its streams, up to 2 × maxMessageBytes + this + 256 KiB, so a sender with the same options never fills it (many
     * streams of tiny messages would, if a sender counted their bytes alone); a "state" stream's pieces count apart, up
     * to maxMessageBytes + 64 KiB a channel. Give both sides the same maxMessageBytes and maxQueuedBytes: a sender with
     * larger ones can fill its receiver's bound (behind a lost piece, or with large messages sent at once on several
     * channels, each held until whole: 6 of 1 MiB from a sender of 8 MiB), and the receiver then refuses its packets
     * until the connection times out (bench/options_mismatch.ts).
     */
    maxQueuedBytes?: number;
    /**
     * Events not yet polled (default 4096). Once they reach it, a datagram with messages from a peer that has half of
     * them or more is refused and waits for its sender to resend it (over a reliable socket, where nothing is resent,
     * that peer is dropped, `"closed"` on both sides, but for a datagram of states alone, which need no resend), and the
     * peer stays while the game does not poll (but for one whose
     * message of several pieces was half taken: after `timeout`, `"timeout"`); other peers' datagrams still go in, up to
     * twice it. There every peer's datagrams with messages wait, and past it a new peer's HELLO goes unanswered until a
     * poll (its Host sends it again every 100 ms until `timeout`).
     */
    maxEvents?: number;
    /**
     * Packets a peer may send per `update`. Over UDP (default 1024, the most) a cap under the congestion window,
     * which paces by acks and loss. Over a reliable socket (WebSocket: no acks, no window) default 8, so that its
     * own unbounded buffer does not take all: with 1200-byte packets at 60 updates a second, about 576 KB/s, and
     * past it `send` throws at `maxQueuedBytes`.
     */
    packetsPerUpdate?: number;
    /** In async mode (`for await`), ms between updates (default 16). */
    tickMs?: number;
    /**
     * Timed messages (`send(value, { at })`) waiting for their time, over all peers (default 4096): past it, a peer
     * with half of them or more waiting has its further ones dropped and counted, and the others' still go in, up to
     * twice it (as `maxEvents`). A peer's `"disconnect"` waiting behind its last one takes no place of its own.
     */
    maxTimedMessages?: number;
}
/**
 * How a simulated link treats datagrams. Every field defaults to a perfect link, and each is a finite number from 0:
 * another (NaN, Infinity, a negative delay, undefined given as a value) throws a RangeError that names it.
 */
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
    /**
     * Chance from 0 to 1 that a datagram is held back by one more `latencyMs`, behind later ones (default 0): with no
     * `latencyMs` it holds nothing back (use `jitterMs` to reorder on a link of no latency).
     */
    reorder?: number;
    /** Datagrams larger than this many bytes are lost (default 65507). */
    mtu?: number;
    /** Seed of the link's random numbers (default 1, an integer from 0): the same seed, the same losses. */
    seed?: number;
}
/** An in-memory network on a virtual clock: see {@linkcode memoryNet}. */
export interface MemoryNet {
    /** A socket at `address` on this network; its `close()` ends its own listening, not a newer socket's there. */
    socket(address: string): Socket;
    /** The network's clock in ms, starting at 0. A Host on one of its sockets reads it by itself; read it for `at` times. */
    now: () => number;
    /**
     * Moves the clock forward by `ms`, delivering every datagram due by then, in time order.
     *
     * @throws {RangeError} when `ms` is not a finite number from 0, or would take the clock past the largest number
     */
    advance(ms: number): void;
    /**
     * Gives datagrams from `from` to `to` a link of their own (one direction:
     * an asymmetric path is two calls); the others keep the network's. Called
     * again for the same pair, it replaces that link for the datagrams sent from
     * then on (those in flight keep theirs): `{ loss: 1 }`, later the old link
     * again, is an outage. Each call starts its random numbers from its `seed`
     * (default 1), so two calls of one seed lose the same datagrams: give each
     * direction its own.
     *
     * @param from the sending socket's address
     * @param to the receiving socket's address
     * @param options the link (default: a perfect one)
     * @throws {RangeError} for a link option that is not a finite number from 0
     */
    link(from: string, to: string, options?: LinkOptions): void;
}
/**
 * Encodes a value as MessagePack bytes: integers and lengths in their smallest
 * form, other numbers as float 64, bigints as 64-bit integers.
 *
 * | JavaScript | MessagePack |
 * |---|---|
 * | `null`, `undefined` | nil |
 * | `boolean` | bool |
 * | safe integer `number` | the smallest int form |
 * | other `number` (fractions, NaN, ±Infinity, unsafe integers, -0) | float 64 |
 * | `bigint` | int 64 if negative, else uint 64 |
 * | `string` | str (UTF-8) |
 * | `Uint8Array`, other typed arrays, `DataView`, `ArrayBuffer` | bin of their bytes |
 * | `Array`, `Set` | array (a Set's values) |
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
 * @throws {TypeError} for a function, a symbol, a Promise, WeakMap or WeakSet, or nesting deeper than 256 levels (a cycle)
 * @throws {RangeError} for a bigint beyond 64 bits, an invalid Date or a bad Extension
 *
 * @example
 * ```ts
 * import { pack } from "./mod.ts";
 *
 * console.log(pack({ hp: 100 })); // Uint8Array(5) [ 129, 162, 104, 112, 100 ]
 * ```
 */
export declare function pack(value: unknown): Uint8Array;
/**
 * Decodes one MessagePack value that fills `bytes` exactly. Maps become plain
 * objects while every key is a string, else a `Map`; integers become numbers
 * when `Number.isSafeInteger` holds, else bigints; bin becomes a fresh
 * `Uint8Array` (a copy: the input may be reused; from a Node `Buffer`, whose
 * `slice` is a view, a `Buffer` over the input's bytes: copy a Buffer that is
 * reused first); timestamps become Dates
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
export declare function unpack(bytes: Uint8Array): unknown;
/**
 * Owns one socket and every connection through it; turns datagrams into
 * events. Drive it in sync style (call `update()` every frame, then `poll()`
 * until it returns undefined) or in async style (`for await (const event of host)`),
 * one or the other: both take from one queue, so a timer polling beside a
 * `for await` loop takes events the loop never sees. After `close()`,
 * `update()` does nothing and `poll()` returns undefined.
 *
 * @example Two Hosts on an in-memory network, driven by a virtual clock
 * ```ts
 * import { Host, memoryNet } from "./mod.ts";
 *
 * const net = memoryNet({ latencyMs: 20 });
 * const server = new Host(net.socket("server")); // on the network's clock: its sockets carry it
 * const client = new Host(net.socket("client"));
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
export declare class Host {
    #private;
    /**
     * Counters for the whole Host: every peer's, plus datagrams that belong to
     * no connection. Its RTT and loss are estimated over the packets of all its peers.
     */
    readonly stats: Stats;
    /**
     * Makes a Host on a socket and starts listening.
     *
     * @param socket where datagrams go and come from
     * @param options limits and the clock; see {@linkcode HostOptions} (none, undefined or null: every default)
     * @throws {TypeError} for what is no Socket (a runtime's socket not wrapped in its adapter, or a memoryNet itself)
     * @throws {RangeError} for an option out of its range
     * @throws {Error} from jamnet's sockets, for a socket that has or had a Host: one Host a socket (a Host connects to
     *   many peers), and `close()` closes it
     */
    constructor(socket: Socket, options?: HostOptions | null);
    /**
     * Runs timers and sends what is due: handshakes, messages, resends, acks, keepalives, timeouts. In order: timed
     * messages due become events; then each connection's update() (its timers, the plan of resends) and pollTransmit()
     * until it has nothing more (every data packet is built in Connection.packet).
     */
    update(): void;
    /** The next event, or undefined when there is none. */
    poll(): HostEvent | undefined;
    /**
     * The connected peers: one that connected to this Host is among them as soon as its handshake is done, before its
     * `"connect"` event is polled (a list of players built from events may lag it by a poll).
     */
    get peers(): Peer[];
    /** Async style: updates every `tickMs` and yields each event, until `close()`. */
    [Symbol.asyncIterator](): AsyncGenerator<HostEvent, void, undefined>;
    /**
     * Starts connecting to a Host at `address`; a `"connect"` event follows, or
     * a `"disconnect"` with reason `"full"` (the Host has `maxPeers`),
     * `"refused"` (it runs another `protocol`), `"timeout"` (no answer), or
     * `"closed"` (that Host connected to this one at the same moment, and its
     * connection is the one kept: its `"connect"` arrives). Messages sent before
     * then wait in the queue. A wrong port, or no server there, is a `"timeout"`
     * after `timeout` ms: UDP hears no answer, and Linux reports nothing. A
     * server listening on 0.0.0.0 answers from the address it is reached at:
     * connect to "127.0.0.1:port": over UDP `connect` throws a RangeError for 0.0.0.0,
     * :: and 0 (its answers would come from an address that is no peer). Connecting again to an
     * address connecting or connected returns the same peer.
     *
     * @param address the socket address of the other Host
     * @returns the peer: a new one in state `"connecting"`, or the one already connecting or connected there
     * @throws {RangeError} for an address the socket cannot send to (`"nonsense"` on UDP); no peer is left behind
     * @throws {TypeError} once the Host is closed
     */
    connect(address: string): Peer;
    /**
     * Disconnects every peer (each hears `"closed"`: CLOSE_BURST copies of the
     * goodbye leave at once, as nothing can wait for their acks; one over a
     * reliable socket; none for a peer still waiting for its challenge, of which
     * the other Host keeps nothing yet), then closes the socket. `poll()` hands
     * out nothing after it. One burst of loss can take every copy (44 of 1,000
     * seeded goodbyes on a link of 1% bursts of 8, bench/close_jittered.ts): where the game can wait, call
     * `disconnect()` on each peer and `update()` for about 160 ms first: those
     * goodbyes go at most once an update and at least 16 ms apart until acked,
     * 10 at most (1 of 1,000 lost there).
     */
    close(): void;
}
/** What a peer knows of the other side's clock: see {@linkcode Peer.clock}. */
export interface ClockEstimate {
    /**
     * The other Host's clock minus this one's, ms: 0 until a clock request or sample arrives. Before the first sample, a
     * provisional one from the newest request: its send time less its arrival, short by its one-way trip.
     */
    offsetMs: number;
    /**
     * The offset is right within this many ms (half the best sample's round trip) for clocks that run at one rate;
     * clocks that drift apart add up to their drift × the age of the oldest of the last 16 samples (one a second: 16 s
     * without loss, about 25 s at 20% loss each way; 1.6 and 2.5 ms at 100 ppm). Infinity before the first sample.
     * `peer.remoteTime() - errorMs` is when a message arriving now left the other Host, on its clock, if it took as long
     * as the best sample's answer did (on a path whose two ways differ, `errorMs`, half the round trip, is not that trip;
     * the sum holds), so snapshots drawn a delay before that time are drawn between two that arrived.
     */
    errorMs: number;
}
/**
 * Interpolates between `a` and `b`: numbers by `fraction`, as
 * `a + fraction * (b - a)`, and `b` itself at 1 (so a Timeline sampled at a
 * state's time gives that state; two equal numbers give that number), arrays and plain objects
 * key by key, anything else (and any key `a` lacks) taken from `b`.
 *
 * @param a the earlier value
 * @param b the later value
 * @param fraction where between them, from 0 to 1
 * @returns the value between
 *
 * @example
 * ```ts
 * import { lerp } from "./mod.ts";
 *
 * console.log(lerp({ x: 0, y: 10, name: "ada" }, { x: 10, y: 20, name: "ada" }, 0.25)); // { x: 2.5, y: 12.5, name: "ada" }
 * ```
 */
export declare function lerp<T>(a: T, b: T, fraction: number): T;
/**
 * States by time, for drawing between them: add each snapshot with the time
 * it was sent, then ask for any time in between.
 *
 * @example Render a remote player 100 ms in the past
 * ```ts
 * import { Timeline } from "./mod.ts";
 *
 * const timeline = new Timeline<{ x: number }>();
 * timeline.add(1000, { x: 0 });
 * timeline.add(1050, { x: 10 });
 * console.log(timeline.at(1020)); // [ { x: 0 }, { x: 10 }, 0.4 ]
 * console.log(timeline.sample(1020)); // { x: 4 }
 * ```
 */
export declare class Timeline<T> {
    #private;
    /** The most states kept: the oldest go first. */
    readonly capacity: number;
    /**
     * Makes an empty timeline.
     *
     * @param capacity the most states kept (default 64: three seconds of 20 Hz snapshots)
     * @throws {RangeError} for a capacity that is not an integer of at least 2
     */
    constructor(capacity?: number);
    /**
     * The states just before and after `time` and where `time` falls between
     * them, from 0 to 1. Before the first state or after the last, both are
     * that state. Undefined while empty.
     *
     * @param time the render time, ms on the sender's clock
     * @returns the state before, the state after, the fraction between
     * @throws {RangeError} for a time that is not a finite number (unchecked, NaN would find the oldest state)
     */
    at(time: number): [before: T, after: T, fraction: number] | undefined;
    /**
     * The state at `time`, interpolated with {@linkcode lerp}; undefined while empty.
     *
     * @param time the render time, ms on the sender's clock
     * @returns the state
     * @throws {RangeError} for a time that is not a finite number
     */
    sample(time: number): T | undefined;
    /**
     * Adds a state at `time` (ms on the sender's clock), in time order even when it arrives late.
     *
     * @param time when the state was true
     * @param state the state
     * @throws {RangeError} for a time that is not a finite number (a message's `time` is undefined unless it came in
     *   `"state"` mode): filed, it would make every sample after it NaN
     */
    add(time: number, state: T): void;
}
/**
 * An in-memory network where every datagram crosses one simulated link (one
 * sequence of random numbers for every pair and both directions) unless
 * `net.link` gives a direction its own,
 * on a virtual clock: tests and rehearsals run deterministically and never
 * sleep. A test drives time itself: call each Host's `update()`, then
 * `net.advance(ms)` to deliver what is due by then, and repeat.
 *
 * @param options the link: latency, jitter, loss, bursts, duplication, reordering, MTU, seed
 * @returns the network
 * @throws {RangeError} for a link option that is not a number from 0
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
export declare function memoryNet(options?: LinkOptions): MemoryNet;
/**
 * The same socket seen through a bad link: what it sends is lost, delayed,
 * duplicated and reordered as `options` say, on real timers. For rehearsing a
 * game on a bad network; tests use {@linkcode memoryNet} and its virtual clock.
 * What it receives passes as it came: for a bad link both ways, condition the
 * other end's socket too, or wrap this one's `listen` as examples/arena's
 * `badLink` does. The result keeps `reliable` and `now`, not an adapter's
 * `address`: connect to the wrapped socket's.
 * In front of a reliable socket (a WebSocket) give it `latencyMs` and
 * `duplicate` alone: a WebSocket never loses or reorders, and its Host resends
 * nothing, so a reliable message the link loses (`loss`, `burstLoss`, `mtu`),
 * or delivers 32 packets or more behind a later one (`jitterMs`, `reorder`), is
 * lost for good and its channel stalls until `"timeout"`; sequenced,
 * unreliable and `"state"` messages bear it, as the arena's page shows.
 * The socket sends later, from a timer: what it throws then (a malformed
 * address, too) reaches the Host as a fault, counted in `socketErrors`.
 * `close()` closes the socket once the datagrams on their timers have gone.
 *
 * @param socket the socket to wrap
 * @param options the link (default: a perfect one)
 * @returns a socket that sends through the link
 * @throws {RangeError} for a link option that is not a number from 0
 */
export declare function condition(socket: Socket, options?: LinkOptions): Socket;
/** The part of `Deno.DatagramConn` (from `Deno.listenDatagram`, which needs `--unstable-net`) that {@linkcode denoUdp} uses. */
export interface DenoDatagramConn {
    /** Sends one datagram. */
    send(data: Uint8Array, to: {
        transport: "udp";
        hostname: string;
        port: number;
    }): Promise<number>;
    /** Waits for one datagram: a view into a 64 KB buffer, and where it came from. */
    receive(): Promise<[Uint8Array, {
        transport: string;
        hostname?: string;
        port?: number;
    }]>;
    /** Frees the socket; a pending `receive` rejects. */
    close(): void;
}
/**
 * A {@linkcode Socket} over Deno's UDP, `Deno.listenDatagram`, which needs
 * `--unstable-net` (or `"unstable": ["net"]` in deno.json).
 *
 * @param conn the listening datagram connection
 * @returns a socket; the datagrams it hands out are copies, not views of Deno's buffer
 * @throws {TypeError} for what is no datagram conn (it has no `receive`)
 *
 * @example A Host on UDP port 4000
 * ```ts ignore
 * import { denoUdp, Host } from "./mod.ts";
 *
 * const host = new Host(denoUdp(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 4000 })));
 * ```
 */
export declare function denoUdp(conn: DenoDatagramConn): Socket;
/** The part of a `node:dgram` socket that {@linkcode nodeUdp} uses. */
export interface NodeDgramSocket {
    /** Sends one datagram; the callback hears how it went. */
    send(data: Uint8Array, port: number, address: string, callback: (error: Error | null) => void): void;
    /** Calls `listener` for every datagram that arrives. */
    on(event: "message", listener: (data: Uint8Array, from: {
        address: string;
        port: number;
    }) => void): unknown;
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
 * @throws {TypeError} for what is no dgram socket (it has no `on`)
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
export declare function nodeUdp(socket: NodeDgramSocket): Socket;
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
        /** Called with the error alone, the socket as `this` (Bun 1.4.5): an ICMP bounce's ECONNREFUSED, and others. */
        error(this: BunUdpSocket, error: Error): void;
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
 * @throws {TypeError} (as a rejection) when `open` is no function, such as the socket `Bun.udpSocket()` returns
 *
 * @example A Host on UDP port 4000 in Bun
 * ```ts ignore
 * import { bunUdp, Host } from "./mod.ts";
 *
 * const host = new Host(await bunUdp(Bun.udpSocket, { hostname: "127.0.0.1", port: 4000 }));
 * ```
 */
export declare function bunUdp(open: BunUdpOpen, options?: {
    hostname?: string;
    port?: number;
}): Promise<Socket & {
    readonly address: string;
}>;
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
    send(data: Uint8Array<ArrayBuffer>): unknown;
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
    send(data: Uint8Array<ArrayBuffer>): unknown;
    /** Closes the WebSocket. */
    close(code?: number, reason?: string): unknown;
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
export declare function webSocketServer(): WebSocketServer;
/**
 * A {@linkcode Socket} over a client WebSocket: the browser's, Deno's,
 * Node 22's, or the `ws` package's. Its one peer's address is the WebSocket's
 * URL as the runtime normalized it (`ws.url`, `"ws://127.0.0.1:8080/"`), also
 * the socket's `address`: pass that to `Host.connect`. The socket is
 * `reliable`, so the Host sends no resends over it, and acks only packets
 * that carry a piece of a `"state"` (its sender takes a state acked as its
 * next baseline).
 *
 * @param ws the WebSocket, connecting or open
 * @returns the socket, with the address of its peer
 * @throws {TypeError} when `ws` is no WebSocket (such as its URL)
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
export declare function webSocket(ws: WebSocketLike): Socket & {
    readonly address: string;
};
/** Many WebSockets that clients opened, as one {@linkcode Socket}: see {@linkcode webSocketServer}. */
export interface WebSocketServer extends Socket {
    /**
     * Takes an incoming WebSocket (Deno's `upgradeWebSocket`, the `ws`
     * package's, Cloudflare's `WebSocketPair` server end, Bun's on `open`).
     * After `close()` (its Host closed) it closes the WebSocket at once, so
     * its client hears `"closed"`.
     *
     * @param ws the WebSocket
     * @param address its peer's address (default `"ws:1"`, `"ws:2"`, …), such as the client's `"host:port"`
     * @returns the address its messages come from: for a WebSocket accepted before, the address it has (each message
     * arrives once, whatever `address` says)
     * @throws {RangeError} when another open WebSocket has that address
     * @throws {TypeError} for what is no WebSocket (`Deno.upgradeWebSocket`'s `{ socket, response }` whole, a URL)
     */
    accept(ws: WebSocketLike | CallbackWebSocket, address?: string): string;
    /** A message on a WebSocket, for runtimes that call back (Bun's `message`, Durable Objects' `webSocketMessage`). */
    message(ws: WebSocketLike | CallbackWebSocket, data: unknown): void;
    /** A WebSocket closed, for runtimes that call back (Bun's `close`, Durable Objects' `webSocketClose`). */
    closed(ws: WebSocketLike | CallbackWebSocket): void;
}
