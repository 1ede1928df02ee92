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

// ─── Wire constants ─────────────────────────────────────────────────────────

/**
 * Deepest nesting of arrays and maps that pack and unpack accept. Deep enough
 * for any game state; shallow enough that hostile input cannot overflow the
 * call stack (V8 overflows near 10,000 frames of a recursive decoder), and
 * pack uses it to stop on a cycle.
 */
const MAX_DEPTH = 256;
/**
 * A new pack buffer is this large, or twice the message begun and the bytes asked for together when that is more;
 * many small messages share one.
 */
const PACK_CHUNK_BYTES = 8192;
/**
 * ASCII strings up to this many bytes (map keys, short tags) are decoded
 * through a cache: 7 chars of 7 bits fit a number exactly. It makes decoding a
 * 9-key game message about 15% faster in bench/pack.ts.
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
/**
 * How far a packet's sequence may be ahead of the latest received, and its ack behind this side's next: past it, a
 * packet is dropped. An honest sender goes far: one whose link goes dark forgets its flight each resend time, sends a
 * new window (halved, at least 32 packets) and a probe every ACK_DELAY_MS; the time between forgets doubles, up to
 * MAX_RESEND_MS. In a bulk transfer it sends over 1,024 packets in 1.5 s of darkness: with SENT_PACKET_SLOTS as this
 * bound, every packet after those would be refused, both ways, until `"timeout"`. After its first windows it sends
 * about 40 a second (at 60 updates a second, probes and a 32-packet window every 3 s): this bound lasts about 6 minutes
 * of darkness, and stays far under 32,768, the distance the tag's laps tell apart (see Connection's receive).
 */
const MAX_SEQUENCE_JUMP = 16 * SENT_PACKET_SLOTS;
/**
 * Sequences of reliable pieces (each piece of a message takes one) a stream accepts ahead of the next one it delivers;
 * the sender never sends past it (not over a reliable socket, which loses nothing and is not bounded so).
 */
const RECEIVE_WINDOW = 1024;

/** Handshake packets repeat this often until answered. */
const HANDSHAKE_RETRY_MS = 100;
/**
 * The least RTT sample (ms): an SRTT of 0 means none yet, and a round trip within one tick of a whole-millisecond
 * clock reads 0. About a loopback round trip.
 */
const MIN_RTT_SAMPLE_MS = 0.1;
/**
 * An ack waits for a packet to ride in until this side has sent nothing for this long (ms), then goes alone at the
 * next update: two ticks at 60 Hz.
 */
const ACK_DELAY_MS = 33;
/**
 * A receiver acks at once, without waiting for an update, when more than this
 * many packets arrived since it last sent one: each ack covers the last 33, so
 * however fast the sender and however rare the updates, every packet is acked.
 */
const ACK_EVERY_PACKETS = 16;
/**
 * An idle connection sends a packet with no messages (clock frames may ride in it) this often, so the other side
 * does not time it out; every quarter of `timeout` when that is sooner (at a fixed second, a timeout of 500 ms would
 * drop every idle peer).
 */
const KEEPALIVE_MS = 1000;
/**
 * A piece rides along again in later packets (while not yet due for a resend)
 * until all the copies sent would be lost together with at most this chance,
 * at the measured loss, and at most MAX_COPIES in all: one copy on a clean
 * link, three at 5%, five at 20%. Measured with bench/kcp/kcp.mjs (ordered
 * messages wait behind a lost one, so one loss delays a few): 0.001 spends as
 * many bytes as KCP at 5% loss, 0.002 makes the p99 at 20% more than half of
 * KCP's (156 ms against 308); 0.0013 does neither.
 */
const RESIDUAL_LOSS = 0.0013;
/**
 * Past this RTT (ms) the chance RESIDUAL_LOSS allows falls as the RTT grows: a
 * piece whose every copy is lost holds up the messages behind it for a round
 * trip or more, so on a long link each such loss delays more of them. In
 * bench/kcp/kcp.mjs, on the 150 ± 30 ms link (an RTT near 300 ms) at 10% loss,
 * the p99 was at most half of KCP's on 26 seeds of 30, on 28 with this (150:
 * 29), for 2.7% more bytes; the 50 ms links are unchanged.
 */
const RESIDUAL_RTT_MS = 200;
/**
 * At most this many copies of a piece before it is due for a resend: five at
 * 20% loss. In bench/kcp/kcp.mjs at 20% the p99 was at most half of KCP's on
 * 21 seeds of 30 with four (each run lost every copy of about 5 pieces, and
 * each held the messages behind it for a resend), on 30 with five (median
 * 0.35, worst 0.45), for bytes 1.159 of KCP's instead of 1.036. Below about 19%
 * loss (less past an RTT of 200 ms) the fifth copy is never taken.
 */
const MAX_COPIES = 5;
/**
 * The copies follow the loss of the last this many packets' fates, counted
 * exactly (Stats.loss forgets in about 32; as there, a packet counted lost and
 * then acked late, reordered, counts once each way). Following the short
 * estimate, at 5% loss a lucky run of acks takes it near 0, a piece sent then
 * goes once, and its loss holds up the messages behind it: in bench/kcp/kcp.mjs
 * the p99 at 5% was at most half of KCP's on 26 of 30 seeds, on 30 of 30 with
 * this window (128: 27, 512: 29), for 1.7% more bytes there.
 */
const LOSS_WINDOW_PACKETS = 256;
/**
 * The loss a connection assumes until acks or losses of 32 packets measure
 * it: a loss in the first second otherwise stalls what follows (p99 173 ms
 * instead of 146 at 20% loss in bench/kcp/kcp.mjs), while the extra copies
 * cost a clean link 2% more bytes there.
 */
const FIRST_PACKETS_LOSS = 0.2;
/**
 * The congestion window: data packets a connection keeps in flight (sent after
 * the newest one acked), as TCP and QUIC pace. It starts at
 * FIRST_WINDOW_PACKETS and grows by one a packet acked (doubling each round
 * trip), up to MAX_WINDOW_PACKETS. A loss while the measured loss is over
 * CONGESTION_LOSS halves it, down to MIN_WINDOW_PACKETS (a loss of a packet
 * sent before the last cut cuts no more), and from then on it grows by one a
 * round trip (doubling back to where it was cut overruns a receiver's socket
 * buffer again at once: 18,000 resends in 2 s over loopback against 900). A
 * flight unacked past its resend time is forgotten whole, and the window halved
 * if at least MIN_WINDOW_PACKETS were in flight (see update). It grows only
 * while half of it or more is in use, so a game's trickle never builds a window
 * a burst could overrun. 128 packets carry 1 MiB over a 100 ms round trip in
 * 400 ms (bench/transfer.ts; 64 took 512 ms).
 */
const FIRST_WINDOW_PACKETS = 128;
/**
 * The least a cut leaves of the window. The receiver acks at once every ACK_EVERY_PACKETS + 1 packets: a window of
 * twice ACK_EVERY_PACKETS is rarely slowed by its ack delay.
 */
const MIN_WINDOW_PACKETS = 32;
/**
 * The most the window grows to: half the sent-packet ring, so every packet of a full window keeps its slot until its
 * ack comes (the ack of a packet older than the ring finds another packet in its slot, and acks nothing).
 */
const MAX_WINDOW_PACKETS = SENT_PACKET_SLOTS / 2;
/**
 * A loss cuts the window only while the measured loss is over this: random
 * loss (and reordering, which looks like loss until the late ack) is no
 * congestion, and a receiver's full socket buffer loses far more. 1 MiB over a
 * 100 ms round trip at 5% loss took 2,880 ms cutting over 5%, 624 ms over 20%
 * (bench/transfer.ts).
 */
const CONGESTION_LOSS = 0.2;
/** The longest a resend waits, whatever the RTT and the backoff. */
const MAX_RESEND_MS = 3000;
/**
 * `disconnect()` sends CLOSING once an update, at least CLOSING_SPACING_MS
 * apart, until the other side acks it, at most this many times: at 20% loss
 * all ten are lost once in 10 million closes (three blind copies would fail
 * once in 125).
 */
const CLOSING_ATTEMPTS = 10;
/** Two CLOSING packets of a `disconnect()` leave at least this far apart (ms), so one burst of loss takes few. */
const CLOSING_SPACING_MS = 16;
/**
 * `Host.close()` cannot wait for acks: it sends CLOSING this many times at
 * once, before the socket closes (once over a reliable socket, where one
 * arrives for sure). All five are lost at 20% loss once in 3,125.
 */
const CLOSE_BURST = 5;
/** Bytes of the tag that ends every data packet: 32 bits of HalfSipHash-2-4. */
const TAG_BYTES = 4;

// Datagram kinds, the first byte. Handshake packets are small integers; a
// connection's packets have the top bit set and flags below it.
// Each is 13 bytes, three 32-bit words after the kind, so no answer is larger than the hello.
const HANDSHAKE_BYTES = 13;
const HELLO = 1; // protocol, nonce, cookie (0 before the challenge)
const CHALLENGE = 2; // nonce, cookie, 0
const REFUSED = 3; // nonce, why (REFUSED_FULL or REFUSED_PROTOCOL), 0
const REFUSED_FULL = 0; // the Host has maxPeers peers
const REFUSED_PROTOCOL = 1; // the HELLO named another protocol
// The answer to a HELLO with a good cookie is the new connection's first data packet: 8 bytes, empty.
const DATA = 0x80; // | ack-bit bytes present (bits 0-3) | WIDE_ACK | CLOSING | ACK_ONLY
const WIDE_ACK = 0x10; // how far the ack is behind the sequence takes 2 bytes, not 1
const CLOSING = 0x20; // the sender has disconnected
// No message pieces (clock frames may ride): it carries the next sequence number without taking it (the next data
// packet takes it), so nothing acks it back, or two idle peers would ack forever. One that arrives after the data
// packet that took its number reads as a repeat (counted in duplicatesDropped, its acks and clock frames unread).
const ACK_ONLY = 0x40;

// A frame's first byte: mode in bits 0-1, then HAS_CHANNEL, FRAGMENT, and the
// length in bits 4-7: 0 to 13, or 15 for 14 plus a varint that follows, or NEXT.
const HAS_CHANNEL = 4;
const FRAGMENT = 8;
// The frame follows one of its stream in the packet: no channel, its sequence is the one before plus 1,
// a varint length. A packet carrying a message also carries copies of the few before it, so this spares
// 1 to 3 bytes a copy: the sequence's 2 and a channel byte, less at most 1 of length.
const NEXT = 14;
// Modes, in a frame's head and a stream's number: the two reliable ones first, reliable (0: no code tests for it alone,
// so it has no constant) and UNORDERED, so a mode below SEQUENCED is one that delivers every message. A stream's number
// is channel << 3 | mode: the channel, then the mode in the low 3 bits; a packet's pieces are written in this order,
// after its control frames.
const UNORDERED = 1;
const SEQUENCED = 2;
const UNRELIABLE = 3;
// Two more kinds of frame, each a mode's frame with the FRAGMENT bit, which those modes never use otherwise, and
// numbered as that mode plus STATE - SEQUENCED (writeFrame and readFrame map one to the other by it):
const STATE = 4; // a snapshot, in pieces, on the wire a sequenced frame (see "Snapshots")
const CONTROL = 5; // on the wire an unreliable frame; its fragment varint says which kind:
const CLOCK_REQUEST = 0; // float 64: the sender's clock when sent
const CLOCK_ANSWER = 1; // float 64 ×3: the request's time, when it arrived, when answered (the answerer's clock)
const TIMED = 2; // float 64: when to deliver the frame that follows, on the sender's clock
/** Bytes a TIMED control frame adds before the frame it times: head, kind, a float 64. */
const TIMED_FRAME_BYTES = 10;
/**
 * Snapshots a `"state"` channel remembers each way, sent (for baselines) and received (to rebuild from), in slots by the
 * state's first-piece sequence modulo 32: a channel whose states take k pieces each keeps about 32 / k.
 */
const SNAPSHOT_SLOTS = 32;
/**
 * Pieces of snapshots a state stream keeps near the piece that arrived last: the pieces held first are let go while
 * they are more than this many sequences from it, behind or ahead (see Stream.receive). A state packs to at most one
 * piece less, 255 (299,625 bytes at the default MTU), and travels, after its head of up to 11 bytes, in at most 256.
 */
const STATE_PIECES_KEPT = 256;
/**
 * What a piece held costs beyond its bytes, counted with them against a peer's bound: its frame, its payload's
 * view and buffer, its map entry (about 300 bytes in V8). Counted as nothing, empty pieces would be free to hold: 1,023
 * a stream, half a million and 157 MB at `channels` 256. An unordered piece's mark, left when it is handed over, keeps
 * the cost until the mark goes.
 */
const HELD_PIECE_BYTES = 256;
/** Clock samples kept; the one with the shortest round trip gives the offset. */
const CLOCK_SAMPLES = 16;
/**
 * A clock request goes this often (ms) until all CLOCK_SAMPLES are in, then
 * every CLOCK_INTERVAL_MS. Two clocks run at rates apart by up to 100 ppm (a
 * crystal's drift), so the offset moves by up to 0.1 ms a second: the best
 * sample is at most CLOCK_SAMPLES × CLOCK_INTERVAL_MS old, 16 s, an error of
 * up to 1.6 ms (every 5 s, it would be 80 s and 8 ms), for 0.6% more wire bytes
 * at 5% loss in bench/kcp/kcp.mjs.
 */
const CLOCK_FIRST_INTERVAL_MS = 100;
const CLOCK_INTERVAL_MS = 1000;
/** The longest data packet header and tag: flags, sequence, a two-byte ack delta, four ack-bit bytes, the tag. */
const MAX_HEADER_BYTES = 9 + TAG_BYTES;
/**
 * A message piece is at most `mtu` minus this: room for the longest header and tag and a frame head (head, channel,
 * sequence and two varints: 1 + 1 + 2 + 2 + 3 = 9 at most, as varintBytes never counts 4), with 3 bytes to spare.
 */
const PACKET_OVERHEAD_BYTES = MAX_HEADER_BYTES + 12;
/**
 * Datagrams a socket holds while it cannot send yet (a WebSocket still
 * opening, Bun's send buffer full): a game sends a packet or two a peer per
 * update, so 1024 is seconds of a busy game; past it they are dropped and
 * reported.
 */
const MAX_WAITING_DATAGRAMS = 1024;
// Last among the constants: esbuild's minifier inlines the number constants above only while they come first.
/** The payload bytes of each kind of control frame, by kind. */
const CONTROL_BYTES = [8, 24, 8];
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
  declare type: number;
  /** The extension's payload bytes. */
  declare data: Uint8Array;
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
export type HostEvent =
  | { type: "connect"; peer: Peer }
  | MessageEvent
  | { type: "disconnect"; peer: Peer; reason: DisconnectReason };

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
export type SocketEvent =
  | { type: "closed"; address: string }
  | { type: "error"; address?: string; error: unknown };

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

// ─── Bytes ──────────────────────────────────────────────────────────────────

/** Writes `value` (below 2 ** 28) as a varint into `bytes` at `at`; returns where it ended. */
function writeVarint(value: number, bytes: Uint8Array, at: number): number {
  for (; value > 127; value >>>= 7) bytes[at++] = value | 128; // the low 7 bits and 128 for "more" (a byte keeps the low 8 bits)
  bytes[at++] = value;
  return at;
}

/**
 * Bytes a varint of a frame's or a snapshot's header takes: its values are under 2 ** 16 (a length within an mtu of at
 * most 65,507, a fragment below 2,048, a distance between 16-bit sequences), so never 4 bytes.
 */
const varintBytes = (value: number): number => value < 2 ** 7 ? 1 : value < 2 ** 14 ? 2 : 3;

/**
 * Reads a datagram front to back. A read past the end yields 0 and clears
 * `ok` instead of throwing: a parser reads on and checks `ok` once, so
 * hostile input costs no exception.
 */
class ByteReader {
  readonly #bytes: Uint8Array;
  at = 0;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** Bytes not yet read. */
  left(): number {
    return this.#bytes.length - this.at;
  }

  /** One byte. */
  uint8(): number {
    return this.left() ? this.#bytes[this.at++] : this.#fail();
  }

  /** A big-endian unsigned integer of `byteCount` bytes, at most 4. */
  uint(byteCount: number): number {
    let value = 0;
    for (let i = 0; i < byteCount; i++) value = value * 256 + this.uint8();
    return value;
  }

  /** A varint of at most 4 bytes (28 bits), in its shortest form only: a longer one clears `ok`. */
  varint(): number {
    let value = 0;
    for (let shift = 1; shift < 2 ** 28; shift *= 128) {
      const byte = this.uint8();
      value += shift * (byte & 127);
      // A last byte of 0 after the first adds nothing: the same number has a shorter form.
      if (byte < 128) return shift === 1 || byte ? value : this.#fail();
    }
    return this.#fail();
  }

  /** The next `byteCount` bytes, as a view: past the end, an empty one (from `at` to 0). */
  take(byteCount: number): Uint8Array {
    return this.#bytes.subarray(this.at, byteCount <= this.left() ? this.at += byteCount : this.#fail());
  }

  /** True until a read fails (past the end, a varint longer than its shortest form or than 4 bytes): #fail clears it. */
  ok = true;
  #fail(): number {
    this.ok = false;
    return 0;
  }
}

/** Big-endian 32-bit words, each the low 32 bits of an integer: a timestamp's, a handshake's, a cookie's input. */
function uint32s(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(4 * values.length);
  const view = viewOf(bytes);
  for (let i = 0; i < values.length; i++) view.setUint32(4 * i, values[i]);
  return bytes;
}

/** Each value as the eight bytes of a float 64, big-endian: clock readings and delivery times. */
function float64s(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(8 * values.length);
  const view = viewOf(bytes);
  for (let i = 0; i < values.length; i++) view.setFloat64(8 * i, values[i]);
  return bytes;
}

/** A DataView of exactly `bytes`: its reads and writes stay inside them. */
function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The `index`th float 64 of `bytes`. */
const readFloat64 = (bytes: Uint8Array, index: number): number => viewOf(bytes).getFloat64(8 * index);

// ─── Packing: writer ────────────────────────────────────────────────────────

// pack writes into a shared chunk, `out`, and hands out views of it: allocating
// a typed array costs about 300 ns in Deno, as much as packing a small message.
// A region once handed out is never written again.
let outStart = 0;
let outAt = 0;
let out: Uint8Array = /* @__PURE__ */ new Uint8Array();
/** How many packs are running: more than 1 when a getter or proxy packs while a pack reads it. */
let packing = 0;
const textEncoder = /* @__PURE__ */ new TextEncoder();
/** A DataView of `out`, made with it in room(). */
let outView: DataView;

/**
 * Writes an ext: its header (a fixext for 1, 2, 4, 8 or 16 bytes of data, else
 * ext 8, 16 or 32), then the type byte, then the data.
 */
function putExtension(type: number, data: Uint8Array): void {
  const fixed = [1, 2, 4, 8, 16].indexOf(data.length);
  if (fixed < 0) putLength(data.length, 0xc7);
  else put(fixed + 0xd4);
  put(type);
  putBytes(data);
}

/** Writes 8 bytes through the DataView after a type byte: a float 64 (0xcb), or a bigint as two's complement (0xcf, 0xd3). */
function put64(type: number, value: number | bigint): void {
  put(type);
  if (type < 0xcc) outView.setFloat64(outAt, value as number);
  else outView.setBigUint64(outAt, value as bigint);
  outAt += 8;
}

function putBytes(bytes: Uint8Array): void {
  const length = bytes.length;
  room(length);
  out.set(bytes, outAt);
  outAt += length;
}

/** Makes room for `byteCount` more bytes: a full chunk moves the message begun so far to a new one. */
function room(byteCount: number): void {
  if (out.length - outAt < byteCount) {
    const message = out.subarray(outStart, outAt);
    outView = viewOf(out = new Uint8Array(Math.max(2 * (message.length + byteCount), PACK_CHUNK_BYTES)));
    out.set(message);
    outStart = 0;
    outAt = message.length;
  }
}

/**
 * Writes a type byte, then `value` big-endian in `byteCount` bytes (none when
 * left out, or 1, 2 or 4), a negative as two's complement. It makes room for
 * 9 bytes: after a type byte alone, 8 are left for put64.
 */
function put(type: number, value?: number, byteCount?: number): void {
  room(9);
  out[outAt++] = type;
  while (byteCount) out[outAt++] = value! >> --byteCount * 8;
}

/**
 * Writes a Date as the smallest of the timestamp extension's three forms:
 * 32 bits of seconds; 30 bits of nanoseconds and 34 of seconds; 32 bits of
 * nanoseconds and 64 of signed seconds. Each fills the end of three words.
 */
function putDate(date: Date): void {
  const ms = date.getTime();
  if (ms != ms) throw new RangeError("Cannot pack an invalid Date");
  const seconds = Math.floor(ms / 1000);
  const wide = seconds < 0 || seconds >= 2 ** 34;
  const nanoseconds = 1e6 * (ms - seconds * 1000);
  // The three words, and of them the end the form needs. setUint32 keeps the low 32 bits of an integer: the high
  // word of a negative is all ones.
  putExtension(
    TIMESTAMP_TYPE,
    uint32s(nanoseconds, (wide ? 0 : nanoseconds * 4) + Math.floor(seconds / 2 ** 32), seconds)
      .subarray(wide ? 0 : nanoseconds || seconds >= 2 ** 32 ? 4 : 8),
  );
}

/** Writes a str: ASCII byte by byte, anything else through TextEncoder. */
function putString(value: string): void {
  const length = value.length;
  // Room for UTF-8 (3 bytes per UTF-16 unit) and for put's 9, which covers the longest header (5): the
  // buffer must not move under `start`.
  room(length * 3 + 9);
  const start = outAt;
  putLength(length, 0xd9, 0xa0, 32);
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 128) {
      // Encode after room for the longest header, then move the bytes back
      // behind the header their real length needs: one canonical encoding.
      // putBytes moves them within `out` (set copies overlapping bytes as
      // they were), and the room made above keeps `out` where it is.
      const encodedAt = 5 + start;
      const byteCount = textEncoder.encodeInto(value, out.subarray(encodedAt)).written;
      outAt = start;
      putLength(byteCount, 0xd9, 0xa0, 32);
      return putBytes(out.subarray(encodedAt, encodedAt + byteCount));
    }
    out[outAt++] = code;
  }
}

function write(value: unknown, depth: number): void {
  if (value == null) return put(0xc0); // undefined and null are nil
  switch (typeof value) {
    // The cases return, so their order is free: strings first (every key of a plain object is one), a bigint beside the number
    // case that hands it a large integer.
    case "string":
      return putString(value);
    case "bigint":
      if (value >= 2n ** 64n || value < -(2n ** 63n)) {
        throw new RangeError(`Cannot pack ${value}: a bigint must fit in 64 bits`);
      }
      return put64((value < 0 ? 0xd0 : 0xcc) + 3, value); // int 64 0xd3 or uint 64 0xcf: 8 bytes, the form 1 << 3
    case "number":
      // -0 too, or it comes back as 0 (Math.atan2 and Object.is tell them apart): of the integers, only -0 has a
      // reciprocal below -1 (-Infinity).
      if (1 / value < -1 || !Number.isSafeInteger(value)) return put64(0xcb, value);
      if (value > 127 || value < -32) {
        // Past the fixints: unsigned forms start at 0xcc, signed at 0xd0. A negative fits n bytes
        // when -2 * value - 1 < 2^(8n), as a positive fits when value < 2^(8n).
        const magnitude = value < 0 ? value * -2 - 1 : value;
        const log = magnitude < 256 ? 0 : magnitude < 65536 ? 1 : 2;
        return magnitude >= 2 ** 32
          ? write(BigInt(value), depth)
          : put((value < 0 ? 0xd0 : 0xcc) + log, value, 1 << log);
      }
      return put(value); // positive or negative fixint (a byte keeps the low 8 bits)
    case "boolean":
      return put(0xc2 | +value); // false 0xc2, true 0xc3
    case "object":
      // The objects that hold no others first, then a level of nesting for an array or a map alone, as unpack counts:
      // counted at every object, a Date or bytes 256 arrays deep, which unpack returns, would throw when packed again.
      if (value instanceof Date) {
        putDate(value);
      } else if (value instanceof Extension) {
        const type = value.type;
        // A bigint type (not an integer to Number.isInteger) would fail in the shift with the engine's "Cannot mix
        // BigInt" instead of this error.
        if (!(value.data instanceof Uint8Array) || !Number.isInteger(type) || type != type << 24 >> 24) {
          throw new RangeError(`Cannot pack Extension(${type}): type must be an integer -128..127, data a Uint8Array`);
        }
        putExtension(type, value.data);
      } else if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        // A Uint8Array goes as it is: reading `.buffer` of a small one (V8 keeps up to 64 bytes inside the object)
        // moves its bytes to a new ArrayBuffer, about 350 ns, as long as packing a small message. Another view
        // packs the bytes it spans, an ArrayBuffer all of its bytes.
        const bytes = value instanceof Uint8Array
          ? value
          : ArrayBuffer.isView(value)
          ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
          : new Uint8Array(value);
        putLength(bytes.length, 0xc4);
        putBytes(bytes);
      } else if (++depth > MAX_DEPTH) {
        throw new TypeError(`Cannot pack nesting deeper than ${MAX_DEPTH} (a cycle?)`);
      } else if (Array.isArray(value) || value instanceof Set) {
        const items = value instanceof Set ? [...value] : value;
        const length = items.length;
        putLength(length, 0xdb, 0x90, 16);
        let i = 0;
        try {
          for (; length > i; i++) write(items[i], depth);
        } catch (error) {
          throwLocated(i, error);
        }
      } else {
        // Their contents cannot be read now, or at all: an empty map would lose them in silence.
        if (value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet) {
          throw new TypeError(`Cannot pack a ${value.constructor.name}`);
        }
        const isMap = value instanceof Map;
        const keys = isMap ? [...value.keys()] : Object.keys(value);
        putLength(keys.length, 0xdd, 0x80, 16);
        let key;
        try {
          for (key of keys) {
            write(key, depth);
            write(isMap ? value.get(key) : (value as Record<string, unknown>)[key], depth);
          }
        } catch (error) {
          throwLocated(key, error);
        }
      }
      return;
  }
  throw new TypeError(`Cannot pack a ${typeof value}`);
}

/**
 * Writes the header of a str, bin, ext, array or map of `length` in its
 * smallest form: the fix form (`fixType` | length) below `fixLimit`, else the
 * 8, 16 or 32-bit form from `type8` on. Bin and ext have no fix form: they pass
 * neither. Arrays and maps have no 8-bit form: their `type8` is one below their
 * 16-bit type, 0xdb or 0xdd.
 */
function putLength(length: number, type8: number, fixType?: number, fixLimit?: number): void {
  // The 8, 16 or 32-bit form: log 0, 1 or 2 past type8, in 1 << log bytes, as write's integers.
  const log = type8 < 0xdb && length < 256 ? 0 : length < 65536 ? 1 : 2;
  if (length < fixLimit!) put(length | fixType!); // no fixLimit (bin, ext): below undefined is false, as below 0
  else put(log + type8, length, 1 << log);
}

/**
 * Throws a pack error again, told where in the value it happened: on its way
 * out, each array or map around the bad value puts its step in front of the
 * path (`"Cannot pack a function at .player.onHit"`). Errors whose message does
 * not begin "Cannot pack" (a getter's own), and nesting past MAX_DEPTH (a
 * cycle's path is as long as the limit), pass as they are.
 * `key` is the array index or map key the error came from.
 */
function throwLocated(key: unknown, error: unknown): never {
  // The first " at " becomes " at <step>" (the path grows from the front), or the path begins at the end. The step:
  // `.key` for a key that reads as a name, else `[key]`; made by a function, so that a `$` in a key is the key's own
  // (in a replacement string, `"$&"` inserts the match: `pack({ "$&": f })` would read "at []").
  if (error instanceof Error && /^Cannot pack (?!nesting)/.test(error.message)) {
    error.message = error.message.replace(
      / at |$/,
      () => ` at ${typeof key === "string" && /^[a-z_$][\w$]*$/i.test(key) ? `.${key}` : `[${String(key)}]`}`,
    );
  }
  throw error;
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
export function pack(value: unknown): Uint8Array {
  // A pack that throws leaves its bytes behind, never handed out. A pack
  // called from inside another (a getter, a proxy) writes after the bytes of
  // the outer one, hands out a copy and rewinds: the outer message stays whole.
  if (!packing++) outStart = outAt;
  const offset = outAt - outStart; // from outStart, which room() moves
  try {
    write(value, 0);
    const bytes = out.subarray(outStart + offset, outAt);
    return packing === 1 ? bytes : bytes.slice();
  } finally {
    if (--packing) outAt = outStart + offset;
  }
}

// ─── Packing: reader ────────────────────────────────────────────────────────

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
export function unpack(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot unpack ${
        bytes == null ? bytes : typeof bytes === "object" ? "an object" : `a ${typeof bytes}`
      }: it takes a Uint8Array`,
    );
  }
  input = bytes;
  inputAt = 0;
  const value = read(0);
  if (bytes.length > inputAt) malformed("trailing bytes after the value");
  return value;
}

/** Claims `byteCount` more bytes, checked before any length is trusted; returns where they start. */
function need(byteCount: number): number {
  if (byteCount > input.length - inputAt) {
    malformed(`truncated: needs ${byteCount} bytes, has ${input.length - inputAt}`);
  }
  inputAt += byteCount;
  return inputAt - byteCount;
}

/** Every malformed input ends here: a RangeError that says what and where. */
function malformed(what: string): never {
  throw new RangeError(`Cannot unpack: ${what} at byte ${inputAt}`);
}

/** Reads a big-endian unsigned integer of 1, 2 or 4 bytes. */
function readInt(byteCount: number): number {
  let at = need(byteCount);
  let value = 0;
  for (let i = 0; i < byteCount; i++) value = value * 256 + input[at++];
  return value;
}

// Floats and 64-bit integers are copied into one scratch view to be read:
// a DataView per message costs about 110 ns.
const scratch = /* @__PURE__ */ new Uint8Array(8);
// Where in input the next read starts.
let inputAt: number;
/**
 * readString's cache of short ASCII strings, by slot: the key of the string each slot holds (1, then each of its
 * bytes, in base 128), 0 while it holds none. Its strings are shortStrings.
 */
const shortStringKeys = /* @__PURE__ */ new Float64Array(STRING_CACHE_SLOTS);

/** Copies the next `byteCount` bytes (4 or 8) into the scratch view and returns it. */
function readView(byteCount: number): DataView {
  let at = need(byteCount);
  for (let i = 0; i < byteCount;) scratch[i++] = input[at++];
  return scratchView;
}

/**
 * Sets `key` of `object` as an own data property, "__proto__" too: assigned, that key sets the prototype.
 * defineProperty does it in O(1): copying the object per such key would let hostile input cost O(n²).
 */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key == "__proto__") {
    Object.defineProperty(object, key, { configurable: true, enumerable: true, value, writable: true });
  } else object[key] = value;
}

// UTF-8, the label undefined gives; fatal: invalid UTF-8 throws a TypeError instead of becoming U+FFFD; ignoreBOM: a
// leading U+FEFF is data.
const textDecoder = /* @__PURE__ */ new TextDecoder(undefined, { fatal: true, ignoreBOM: true });

/** The view of the scratch bytes that readView hands out. */
const scratchView = /* @__PURE__ */ viewOf(scratch);

/** Reads a str: short ASCII through the cache, the rest strictly decoded. */
function readString(byteCount: number): string {
  const at = need(byteCount);
  let key = 1;
  for (let i = at; inputAt > i; i++) {
    key = key * 128 + input[i];
    if (input[i] > 127 || byteCount > CACHED_STRING_BYTES) return textDecoder.decode(input.subarray(at, inputAt));
  }
  const slot = (key ^ (key / 8192)) & (STRING_CACHE_SLOTS - 1);
  if (shortStringKeys[slot] != key) {
    shortStringKeys[slot] = key;
    shortStrings[slot] = String.fromCharCode(...input.subarray(at, inputAt));
  }
  return shortStrings[slot];
}
// The value being read: unpack sets it, and inputAt above, before any read.
let input: Uint8Array;
/** The strings of readString's cache, by slot: see shortStringKeys. */
const shortStrings: string[] = [];

/** Reads an ext of `byteCount` bytes: a timestamp becomes a Date, any other type an Extension. */
function readExtension(byteCount: number): Date | Extension {
  const type = input[need(1)] << 24 >> 24;
  if (type != TIMESTAMP_TYPE) return new Extension(type, input.slice(need(byteCount), inputAt));
  if (![4, 8, 12].includes(byteCount)) malformed(`timestamp of ${byteCount} bytes (4, 8 or 12)`);
  // The three forms of putDate, read a 32-bit word at a time. The first word is all of the seconds in 4 bytes.
  let nanoseconds = 0;
  let seconds = readInt(4);
  if (byteCount > 4) {
    // Past 4 bytes, the first word is the nanoseconds (in 12 bytes) or holds them in its high 30 bits (in 8), and the
    // seconds are a high part (a signed word, or the first word's low 2 bits) * 2 ** 32 + a low word.
    nanoseconds = byteCount > 8 ? seconds : seconds >>> 2;
    seconds = (byteCount > 8 ? readInt(4) | 0 : seconds & 3) * 2 ** 32 + readInt(4);
  }
  const date = new Date(seconds * 1000 + Math.floor(nanoseconds / 1e6));
  if (nanoseconds >= 1e9 || !isFinite(date.getTime())) malformed("timestamp out of range for a Date");
  return date;
}

function read(depth: number): unknown {
  const type = input[need(1)];
  if (type > 0xdf || type < 0x80) return type << 24 >> 24; // negative and positive fixint
  if (type < 0xa0 || type > 0xdb) {
    // fixmap 0x80, fixarray 0x90, array 16/32 0xdc/0xdd, map 16/32 0xde/0xdf
    if (++depth > MAX_DEPTH) malformed(`nesting deeper than ${MAX_DEPTH}`);
    const count = type < 0xa0 ? type & 15 : readInt(type & 1 ? 4 : 2);
    const isMap = type > 0xdd || type < 0x90;
    // Every element takes at least one byte: check before allocating for a claimed count (claimed, then given back).
    inputAt = need(isMap ? 2 * count : count);
    if (!isMap) {
      const array = Array(count);
      for (let i = 0; i < count;) array[i++] = read(depth);
      return array;
    }
    // A plain object while every key is a string, a Map from the first key that is not.
    const object: Record<string, unknown> = {};
    let map: Map<unknown, unknown> | undefined;
    for (let i = 0; i < count; i++) {
      const key = read(depth);
      const value = read(depth);
      if (map || typeof key !== "string") (map ??= new Map(Object.entries(object))).set(key, value);
      else setOwn(object, key, value);
    }
    return map ?? object;
  }
  if (type < 0xc0) return readString(type & 31); // fixstr
  if (type < 0xc4) {
    // nil, (reserved), false, true
    if (type == 0xc1) malformed("reserved type 0xc1");
    return type == 0xc0 ? null : type == 0xc3;
  }
  if (type < 0xc7) return input.slice(need(readInt(1 << (type - 0xc4))), inputAt); // bin 8/16/32
  if (type < 0xca) return readExtension(readInt(1 << (type - 0xc7))); // ext 8/16/32
  if (type < 0xcc) return type & 1 ? readView(8).getFloat64(0) : readView(4).getFloat32(0); // float 32/64
  if (type < 0xd4) {
    // uint 8/16/32/64 from 0xcc, int 8/16/32/64 from 0xd0
    const byteCount = 1 << (type & 3);
    const signed = type > 0xcf;
    if (byteCount > 4) {
      const value = signed ? readView(8).getBigInt64(0) : readView(8).getBigUint64(0);
      return Number.isSafeInteger(Number(value)) ? Number(value) : value;
    }
    // Shifted to the top of 32 bits and back, a signed value keeps its sign.
    const shift = 32 - byteCount * 8;
    return signed ? readInt(byteCount) << shift >> shift : readInt(byteCount);
  }
  if (type < 0xd9) return readExtension(1 << (type - 0xd4)); // fixext 1/2/4/8/16
  return readString(readInt(1 << (type - 0xd9))); // str 8/16/32
}

// ─── Sequence numbers ───────────────────────────────────────────────────────

/** The sequence after `sequence`, across the wrap. */
const nextSequence = (sequence: number): number => (sequence + 1) & 0xffff;

/**
 * How far 16-bit sequence `a` is ahead of `b`, from -32768 to 32767: it stays
 * right across the wrap from 65535 to 0. Exactly half the range apart counts
 * as behind. The difference's low 16 bits, shifted to the top of 32 bits and
 * back, keep their sign.
 */
const sequenceAhead = (a: number, b: number): number => (a - b) << 16 >> 16;

// ─── Packets ────────────────────────────────────────────────────────────────
// Pure codecs over plain values: the handshake datagram, the tag that ends a
// data packet, its header and its frames. A header and a frame each have one
// encoding, and their readers refuse any other; a handshake's reader checks
// its length and kind, and the Host reads the words it needs.

/**
 * A handshake datagram: its kind (HELLO, CHALLENGE, REFUSED), then three 32-bit words. An array of its own, from byte 0
 * of its buffer: a view 3 bytes into one of four words would save a byte, and break a game's socket that sends
 * `new Uint8Array(data.buffer, 0, data.length)`.
 */
const writeHandshake = (kind: number, first: number, second: number, third?: number): Uint8Array =>
  new Uint8Array([kind, ...uint32s(first, second, third!)]); // no third: 0 (setUint32 writes undefined, NaN, as 0)

/**
 * The keys of a connection's tags, one each way: the handshake's nonce and
 * cookie, which only the two ends and whoever saw the handshake know, in
 * swapped order for the answering side, so a packet sent back to its sender
 * fails. Each lap of the 16-bit packet sequence adds 1 to the second word (see
 * Connection's receive); the hash takes each word modulo 2^32, so that sum
 * needs no wrap of its own.
 */
type TagKey = [key0: number, key1: number];

/**
 * A data packet's header, as numbers, but for its sequence: receive reads that from the datagram's bytes 1 and 2
 * before the tag is checked, to choose the key's lap.
 */
interface PacketHeader {
  /**
   * The first byte's flags: CLOSING and ACK_ONLY are the caller's. Its other bits say which bytes follow:
   * writeHeader sets them, and readHeader leaves them in (the caller tests the two it sends).
   */
  flags: number;
  /** The latest sequence received from the other side. */
  ack: number;
  /** Bit i set: packet `ack - 1 - i` arrived too. */
  ackBits: number;
}

/** Writes packet `sequence`'s header (see PacketHeader) at the start of `out`; returns its length, 4 to 9 bytes. */
function writeHeader(out: Uint8Array, sequence: number, flags: number, ack: number, ackBits: number): number {
  const ackBack = (sequence - ack) & 0xffff;
  let at = 1;
  out[at++] = sequence >> 8;
  out[at++] = sequence;
  if (ackBack > 255) {
    flags |= WIDE_ACK;
    out[at++] = ackBack >> 8;
  }
  out[at++] = ackBack;
  // Ack-bit bytes that are all ones, the news of a healthy link, are left out.
  for (let i = 0; i < 4; i++) {
    const byte = 255 & (ackBits >> (i * 8));
    if (byte < 255) {
      flags |= 1 << i;
      out[at++] = byte;
    }
  }
  out[0] = flags | DATA;
  return at;
}

/**
 * HalfSipHash-2-4 (Aumasson and Bernstein, the 32-bit sibling of SipHash): a
 * keyed hash made for short inputs, with a 64-bit key (two 32-bit words) and a
 * 32-bit result. It tags every data packet and derives the handshake cookie:
 * without the key, a forger's chance per try is 1 in 2^32.
 *
 * @param key the key's two words
 * @param bytes the input
 * @param length how many of its bytes, from the first, to hash (all by default): a packet's tag is of the bytes before
 *   it, hashed where they are (a subarray of them would cost an object a packet, sealed and checked)
 * @returns the 32-bit hash, unsigned
 */
function halfSipHash(key: TagKey, bytes: Uint8Array, length = bytes.length): number {
  const words = length >>> 2;
  // The key as an array, not spread into two arguments: a call with a spread costs about 70 ns, as much as hashing a
  // 45-byte packet.
  let v0 = key[0] | 0;
  let v1 = key[1] | 0;
  let v3 = 0x74656462 ^ v1;
  let v2 = 0x6c796765 ^ v0;
  const view = viewOf(bytes);
  // Every 4 bytes as a little-endian word, two rounds each; then the 0 to 3 bytes left, with the
  // length's low byte on top; then 0xff into v2 and four rounds, as two steps of two with a word of 0.
  // The round is written out twice, not looped: a loop of it runs about 1.2 times slower.
  for (let word = 0; word < words + 3; word++) {
    let value = 0;
    if (word < words) value = view.getInt32(4 * word, true);
    else if (word == 1 + words) v2 ^= 0xff;
    else if (word == words) {
      value = length << 24;
      for (let at = 4 * words; at < length; at++) value |= bytes[at] << (8 * (at & 3));
    }
    v3 ^= value;
    v0 = (v0 + v1) | 0;
    v1 = (v1 << 5 | v1 >>> 27) ^ v0;
    v0 = v0 << 16 | v0 >>> 16;
    v2 = (v2 + v3) | 0;
    v3 = (v3 << 8 | v3 >>> 24) ^ v2;
    v0 = (v0 + v3) | 0;
    v3 = (v3 << 7 | v3 >>> 25) ^ v0;
    v2 = (v2 + v1) | 0;
    v1 = (v1 << 13 | v1 >>> 19) ^ v2;
    v2 = v2 << 16 | v2 >>> 16;
    v0 = (v0 + v1) | 0;
    v1 = (v1 << 5 | v1 >>> 27) ^ v0;
    v0 = v0 << 16 | v0 >>> 16;
    v2 = (v2 + v3) | 0;
    v3 = (v3 << 8 | v3 >>> 24) ^ v2;
    v0 = (v0 + v3) | 0;
    v3 = (v3 << 7 | v3 >>> 25) ^ v0;
    v2 = (v2 + v1) | 0;
    v1 = (v1 << 13 | v1 >>> 19) ^ v2;
    v2 = v2 << 16 | v2 >>> 16;
    v0 ^= value;
  }
  return (v1 ^ v3) >>> 0;
}

/**
 * Reads a data packet header, or undefined when it is truncated or not in the
 * one form writeHeader gives: a wide ack delta that fits a byte, or an ack-bit
 * byte of 0xff that is present. Its first byte has DATA set: the Host hands a
 * connection no other datagram (see Host's receive), so that is not checked again.
 */
function readHeader(reader: ByteReader): PacketHeader | undefined {
  const flags = reader.uint8();
  const sequence = reader.uint(2);
  const ackBack = reader.uint(flags & WIDE_ACK ? 2 : 1);
  let ackBits = 0;
  let canonical = ackBack > 255 || !(flags & WIDE_ACK);
  for (let i = 0; i < 4; i++) {
    const byte = flags & 1 << i ? reader.uint8() : 255;
    ackBits |= byte << (8 * i); // a signed 32-bit word: read with >>> only
    canonical &&= byte < 255 || !(flags & 1 << i);
  }
  if (canonical && reader.ok) {
    return { flags, ack: (sequence - ackBack) & 0xffff, ackBits };
  }
}

/** A message or a piece of one, as a frame carries it. */
interface Frame {
  channel: number;
  /** Reliable (0) to UNRELIABLE, or STATE (a snapshot), or CONTROL (clock sync: `fragment` says which). */
  mode: number;
  /** The piece's sequence in its stream (each piece of a message takes its own); 0 for unreliable and control frames. */
  sequence: number;
  /**
   * A fragment's index × 2, plus 1 for the last; a whole message is 1 (index 0 and the last). For a CONTROL frame, its
   * kind instead: CLOCK_REQUEST, CLOCK_ANSWER or TIMED.
   */
  fragment: number;
  payload: Uint8Array;
  /** When to deliver it, ms on the sender's clock: a TIMED control frame goes just before it. */
  at?: number;
}

/** The kind and three words of a handshake datagram; none for anything else, which then fits no step. */
function readHandshake(bytes: Uint8Array): number[] {
  const reader = new ByteReader(bytes);
  return bytes.length == HANDSHAKE_BYTES && bytes[0] <= REFUSED && bytes[0] >= HELLO
    ? [reader.uint8(), reader.uint(4), reader.uint(4), reader.uint(4)]
    : [];
}

/** True for frames whose head has the FRAGMENT bit: fragments, and every snapshot and control frame. */
const flagged = (frame: Frame): boolean => frame.fragment !== 1 || STATE <= frame.mode;

/** True for frames that carry a message sequence. */
const hasSequence = (mode: number): boolean => mode !== UNRELIABLE && mode !== CONTROL;

/**
 * True when `datagram` ends with its tag under `key`. Its only caller reads the header first, so the datagram is
 * never shorter than the shortest header (4 bytes) and the tag: its length is not checked again.
 */
function sealed(datagram: Uint8Array, key: TagKey): boolean {
  const end = datagram.length - TAG_BYTES;
  return viewOf(datagram).getUint32(end) == halfSipHash(key, datagram, end);
}

/** True when a frame can be written as NEXT after `previous`: same stream, the following sequence, not timed. */
function follows(frame: Frame, previous: Frame | undefined): boolean {
  return hasSequence(frame.mode) && frame.at === undefined && frame.channel === previous?.channel &&
    frame.mode === previous.mode && frame.sequence === nextSequence(previous.sequence);
}

/** Bytes of a frame, head and payload, written as a frame of its own, not as NEXT. */
function frameBytes(frame: Frame): number {
  const length = frame.payload.length;
  // The head byte, and a channel byte after it when the channel is not 0.
  return length + (frame.channel ? 2 : 1) + (hasSequence(frame.mode) ? 2 : 0) +
    (flagged(frame) ? varintBytes(frame.fragment) : 0) + (length >= NEXT ? varintBytes(length - NEXT) : 0) +
    (frame.at === undefined ? 0 : TIMED_FRAME_BYTES);
}

/** Writes `frame` at `at` of `out`, as NEXT when it follows `previous`; returns where it ended. */
function writeFrame(frame: Frame, previous: Frame | undefined, out: Uint8Array, at: number): number {
  // A timed frame never follows: the TIMED frame written before it comes between. That one comes right after
  // `previous`, and as a control frame never follows any.
  const next = follows(frame, previous);
  const channel = frame.channel;
  const mode = frame.mode;
  const length = frame.payload.length;
  if (frame.at !== undefined) {
    at = writeFrame(
      { channel: 0, mode: CONTROL, sequence: 0, fragment: TIMED, payload: float64s(frame.at) },
      previous,
      out,
      at,
    );
  }
  // On the wire a snapshot is a sequenced frame and a control frame an unreliable one, each with the FRAGMENT bit.
  out[at++] = (flagged(frame) ? FRAGMENT : 0) | (mode < STATE ? mode : mode - (STATE - SEQUENCED)) |
    (next ? NEXT << 4 : (channel ? HAS_CHANNEL : 0) | (length >= NEXT ? 15 : length) << 4);
  if (!next) {
    if (channel) out[at++] = channel;
    if (hasSequence(mode)) {
      out[at++] = frame.sequence >> 8;
      out[at++] = frame.sequence;
    }
  }
  if (flagged(frame)) at = writeVarint(frame.fragment, out, at);
  // A NEXT frame's length follows in full; another's head holds a length below NEXT, or 15 and then here how far
  // past NEXT it is.
  if (next || length >= NEXT) at = writeVarint(next ? length : length - NEXT, out, at);
  out.set(frame.payload, at);
  return at + length;
}

/**
 * Reads the frame at the reader (with its delivery time, when a TIMED control
 * frame comes first), or undefined when it is truncated or not in the one
 * form writeFrame gives: a NEXT that follows no frame of its stream or has the
 * channel bit, a frame in full where NEXT applies, a channel byte of 0, a
 * fragment flag on a whole reliable or unordered message, a control frame of
 * an unknown kind or of another length than its kind's, on a channel or
 * timed, a TIMED frame that times nothing or at no finite time, an overlong
 * varint.
 */
function readFrame(reader: ByteReader, previous: Frame | undefined, timed?: boolean): Frame | undefined {
  const head = reader.uint8();
  const wireMode = head & 3;
  const hasFlag = head & FRAGMENT;
  const mode = hasFlag && wireMode >= SEQUENCED ? wireMode + (STATE - SEQUENCED) : wireMode;
  const lengthCode = head >> 4;
  const isNext = lengthCode == NEXT;
  const channel = isNext ? previous?.channel || 0 : head & HAS_CHANNEL && reader.uint8();
  // A NEXT frame first in its packet, which no writer makes, reads as sequence 0 ((undefined + 1) & 0xffff) and is
  // refused below: it follows no frame.
  const sequence = isNext ? nextSequence(previous?.sequence!) : hasSequence(mode) ? reader.uint(2) : 0;
  const fragment = hasFlag ? reader.varint() : 1;
  const length = isNext ? reader.varint() : lengthCode >= NEXT ? NEXT + reader.varint() : lengthCode;
  const frame: Frame = { channel, mode, sequence, fragment, payload: reader.take(length) };
  // The channel bit only on a full frame, and only for a channel byte above 0; NEXT exactly where writeFrame writes it.
  const canonical = !(head & HAS_CHANNEL) == (isNext || !channel) && isNext == (!timed && follows(frame, previous)) &&
    (!hasFlag || flagged(frame)) &&
    (mode !== CONTROL || (!channel && !timed && length == CONTROL_BYTES[fragment]));
  if (canonical && reader.ok) {
    if (mode !== CONTROL || fragment !== TIMED) return frame;
    // A TIMED control frame: the frame it times follows, and is never a control frame itself (`timed` refuses one).
    // That frame takes its time, which must be finite.
    const message = readFrame(reader, previous, true);
    if (message && isFinite(message.at = readFloat64(frame.payload, 0))) return message;
  }
}

// ─── Stream ─────────────────────────────────────────────────────────────────
// One channel and mode of one connection: message sequences out, and
// ordering, de-duplication and reassembly of what comes in.

/** The sequence of the first piece of the message `piece` belongs to. */
const firstPiece = (piece: Frame): number => 0xffff & (piece.sequence - (piece.fragment >> 1));

/** A message piece on its way out, kept until acked if reliable. */
interface Outgoing extends Frame {
  /**
   * Times sent when due: its first send and each resend (its copies riding along count in `copies` and
   * `messagesResent`, not here), so the resend time backs off by 1.5 a round, not a copy.
   */
  sent: number;
  /**
   * Copies in flight since it was last due: each resend rides along again as a new piece does. Set to 1 at each send
   * when due (its first and each resend), as dueAt is: absent before it was first sent, and read only of pieces
   * in flight (#inFlight).
   */
  copies?: number;
  /** When it was last sent, ms (read only once it was, by takePlanned: absent before). */
  sentAt?: number;
  /** When it is due again if still not acked, ms (set at each send when due, see copies; `now` when found lost). */
  dueAt?: number;
  /**
   * Nothing more to do: acked; or sent, for a piece that is never resent (sequenced, unreliable, state, or anything
   * over a reliable socket); or a state's piece dropped unsent. Absent until then, read only for truth.
   */
  done?: boolean;
  /** Called when a packet that carried it is acked: a snapshot learns the receiver has it. */
  acked?: () => void;
}

/** A message a stream hands over whole. */
interface Delivered {
  payload: Uint8Array;
  /** A timed message's time, on the sender's clock: each message keeps its own. */
  at?: number;
}

/** A reliable piece that arrived ahead of delivery. `null` marks one already handed over (set by Stream.#take). */
interface Held extends Delivered {
  fragment: number;
  /** On a message's first piece while the message waits: how many of its pieces, from index 0, were found held. */
  found?: number;
}

class Stream {
  /** The mode, the low bits of the stream's number. */
  readonly #mode: number;
  /** The next sequence to send. */
  sequence = 0;
  /**
   * Pieces not yet let go, in sequence order: for reliable modes every piece not
   * yet acked (over a reliable socket, not yet sent), for the others every
   * piece not yet sent. Done pieces at the front are let go in batches as the
   * front moves on (see nextUnsent).
   */
  #pending: Outgoing[] = [];
  /** Where the next unsent whole message and the next unsent fragment are, at or after the front. */
  #unsent = [0, 0];
  /** Receiving: the first sequence not held, as receive() last found it: the one the stream waits for. */
  #firstMissing = 0;
  /** Since when (ms) pieces have waited for the first missing one; Infinity when none waits. */
  waitingSince = Infinity;
  /**
   * The next reliable sequence to deliver; in sequenced mode, the one after the newest received (an older one is
   * dropped), at first 0: as if 65535 came, so the first sequenced message is newer.
   */
  #nextDeliver = 0;
  /** Bytes of the pieces held, each with HELD_PIECE_BYTES more. */
  heldBytes = 0;
  /**
   * Bytes of the pieces acked in order of the message not yet acked whole, each with HELD_PIECE_BYTES: let go from
   * the queue with its last.
   */
  #partial = 0;
  /** The pieces that wait. */
  held = new Map<number, Held | null>();
  /**
   * Where the pieces not done start, as nextUnsent or acked last found: the done pieces before it wait to be let go
   * (a reliable stream's have left the queue, but for the bytes of a message not yet whole: see acked).
   */
  #front = 0;
  /** A STATE stream's states (its Snapshots), sent and received (made on first use: `declare` emits no field for it). */
  declare states?: Snapshots;

  /** @param id the stream's number, channel << 3 | mode (see the modes) */
  constructor(id: number) {
    this.#mode = id & 7;
  }

  /** Queues a piece. */
  push(piece: Outgoing): void {
    this.#pending.push(piece);
  }

  /** The piece queued last, if it is not let go yet. */
  get last(): Outgoing | undefined {
    return this.#pending.at(-1);
  }

  /** The next reliable sequence to deliver, where the receive window starts: only the stream moves it. */
  get nextDeliver(): number {
    return this.#nextDeliver;
  }

  /**
   * Drops the pieces never sent of a stream that loses nothing by it (a snapshot stream): a newer message, of at most
   * `pieces` pieces, supersedes them. Returns their bytes, each with HELD_PIECE_BYTES; or -1, dropping nothing, when a
   * message has begun to leave with no more pieces left to send than `pieces`: it goes on to its end, and the newer
   * one is skipped. Without that, a state in more packets than one update sends (a WebSocket's 8) would lose its unsent
   * pieces to the next state every update, and none would arrive. A newer message of fewer pieces still supersedes one
   * begun, so that a small state does not wait behind a large one, over UDP perhaps lost already. Either way what is
   * left to send only shrinks, so a stream that sends a piece an update finishes one.
   */
  dropUnsent(pieces: number): number {
    let byteCount = 0;
    for (let at = this.#front; this.#pending.length > at; at++) {
      const piece = this.#pending[at];
      if (!piece.done) {
        // The first piece to send is not a message's first: that message has begun. Its pieces leave in order and
        // nothing waits behind it, so the pieces to the end are its pieces left.
        if (piece.fragment > 1 && !byteCount && pieces >= this.#pending.length - at) return -1;
        byteCount += HELD_PIECE_BYTES + piece.payload.length;
        piece.done = true;
      }
    }
    return byteCount;
  }

  /**
   * The next piece never sent, of whole messages or of fragments, if one may
   * leave now: a reliable piece within RECEIVE_WINDOW of the oldest not acked,
   * so the receiver never has to drop it for being too far ahead.
   */
  nextUnsent(fragments: boolean): Outgoing | undefined {
    const pending = this.#pending;
    let front = this.#front;
    while (pending[front]?.done) front++;
    const kind = +fragments;
    if (front * 2 > pending.length) {
      // Let go of the done pieces at the front, in O(1) amortized: once they are more than half (all of them, on a
      // stream gone quiet). The cursors start over from it: what they had passed was sent or of the other kind, and is
      // passed again once a splice, as rarely. Kept until 1,024 are done, a peer would hold its last 1,023 messages,
      // and a "state" stream the whole states its pieces pin (in a soak of 64 peers sending a 4 KB state each frame:
      // 582 MiB that way, 38 MiB this way).
      pending.splice(0, front);
      this.#unsent = [0, 0];
      front = 0;
    }
    this.#front = front;
    // The receiver's window starts at the first message it has not delivered: the message of the oldest
    // piece not acked, from its first piece on (its other pieces may be acked, held and not delivered). A reliable
    // stream's pieces take a sequence each, in order, so the window ends RECEIVE_WINDOW places past that first piece.
    // It holds back a reliable stream alone: a lossy one's pieces are done once sent, in order, so the piece it sends
    // next is at its front (sequenced and unreliable ones are whole), and a state stream's pieces not done are those of
    // one state (dropUnsent lets the others go), at most 256 from its first piece.
    const end = Math.min(pending.length, front - (pending[front]?.fragment >> 1) + RECEIVE_WINDOW);
    for (let at = Math.max(front, this.#unsent[kind]); end > at; at++) {
      const piece = pending[at];
      this.#unsent[kind] = at;
      if ((piece.fragment !== 1) == fragments && !piece.sent) return piece;
    }
    this.#unsent[kind] = end;
  }

  /**
   * Takes an arrived frame; returns the messages it completes, in the order
   * to deliver them, or undefined for a reliable piece that arrived before.
   * A state stream holds at most `stateBytes` of pieces, each with HELD_PIECE_BYTES.
   */
  receive(frame: Frame, now: number, stateBytes: number): Delivered[] | undefined {
    const held = this.held;
    const sequence = frame.sequence;
    // Sequenced: one not newer than the newest (the one before the next to deliver) is dropped.
    if (sequenceAhead(sequence, this.#nextDeliver - 1) <= 0 && this.#mode === SEQUENCED) return [];
    if (this.#mode === STATE) {
      // Lossy: a snapshot's pieces wait until it is whole. The pieces held first are let go, in the order they came,
      // while they are more than STATE_PIECES_KEPT from this one, behind or ahead (ahead too: pieces sent in falling
      // order would stay), or the stream holds more than stateBytes (this one last): the stream's own bound, outside
      // the connection's (see Connection's #deliver). The first piece that is near while the bytes fit ends it: each
      // piece is let go once, O(1) amortized. A scan of every piece held, for each, would take 200 ms of the Host's
      // thread for a datagram of 21,800 empty pieces. A far piece behind a near one stays until the pieces before it
      // go, as the stream moves on.
      if (held.has(sequence)) return [];
      const messages = this.#hold(frame);
      for (const [old, piece] of held) {
        if (Math.abs(sequenceAhead(sequence, old)) <= STATE_PIECES_KEPT && this.heldBytes <= stateBytes) break;
        this.heldBytes -= HELD_PIECE_BYTES + piece!.payload.length;
        held.delete(old);
      }
      return messages;
    }
    // Sequenced (the newest) and unreliable messages go as they are; so does the common case, the next message whole
    // with nothing waiting (reliable or unordered), never copied or held (#hold would copy an unordered one for
    // nothing). The next to deliver moves on too: sequenced mode reads it as one past the newest. The first missing
    // moves on with it (the lossy modes never read it): left behind, 32,768 messages later it would read as ahead of
    // the next to deliver, the wait below would be dated from the first piece held and never move on, and a stream that
    // keeps delivering while it always holds one would end its peer.
    if (this.#mode > UNORDERED || frame.fragment == 1 && this.#nextDeliver == sequence && !held.size) {
      this.#firstMissing = this.#nextDeliver = nextSequence(sequence);
      return [frame];
    }
    // A duplicate, delivered or held already (never the common case: that one is nextDeliver, with none held).
    if (sequenceAhead(sequence, this.#nextDeliver) < 0 || held.has(sequence)) return undefined;
    const messages = this.#hold(frame);
    // The first sequence not held yet: while it stays missing and later pieces wait, the stream waits.
    let missing = this.#nextDeliver;
    if (sequenceAhead(this.#firstMissing, missing) > 0) missing = this.#firstMissing;
    while (held.has(missing)) missing = nextSequence(missing);
    if (!held.size) this.waitingSince = Infinity;
    else if (this.waitingSince == Infinity || missing != this.#firstMissing) this.waitingSince = now;
    this.#firstMissing = missing;
    return messages;
  }

  /**
   * Marks a reliable piece acked; returns the bytes it lets go from the queue: those of the messages acked whole and
   * in order, up to the first piece not acked, each piece with HELD_PIECE_BYTES. A piece acked behind one lost waits
   * at the receiver, and so does a message not yet whole, so they stay counted until the lost one is acked: what a
   * peer holds for a stream is part of what its sender has queued, and a sender that keeps sending while one piece
   * is lost meets its own `maxQueuedBytes` before the receiver's bound (which refuses every packet once full, the lost
   * piece's resends too: stalled, then a timeout).
   */
  acked(piece: Outgoing): number {
    let byteCount = 0;
    piece.done = true;
    // On from the front through the pieces acked in order, each in turn as `piece`.
    while ((piece = this.#pending[this.#front])?.done) {
      this.#partial += HELD_PIECE_BYTES + piece.payload.length;
      if (piece.fragment & 1) byteCount += this.#partial, this.#partial = 0;
      this.#front++;
    }
    return byteCount;
  }

  /** Holds a piece; returns the messages it completes, in the order to deliver them. */
  #hold(piece: Frame): Delivered[] {
    const messages: Delivered[] = [];
    const unordered = this.#mode; // nonzero for unordered and state: the modes here past reliable (0)
    const held = this.held;
    const payload = piece.payload;
    let message: Delivered | undefined;
    // The frame itself, made for this delivery alone: no copy of it. Its bytes are copied below, if it stays.
    held.set(piece.sequence, piece);
    this.heldBytes += HELD_PIECE_BYTES + piece.payload.length;
    // Unordered and state: only the message this piece belongs to can have become whole; reliable: every message
    // from nextDeliver on, in turn, while one is whole.
    for (
      let start = unordered ? firstPiece(piece) : this.#nextDeliver;
      (message = this.#take(start));
      start = this.#nextDeliver
    ) {
      messages.push(message);
      // Pieces handed over stay as null until nextDeliver passes them: an unordered one's late copy is a duplicate; a
      // reliable message's pieces start at nextDeliver, so they go at once, and nextDeliver moves past the message.
      while (held.get(this.#nextDeliver) === null) {
        held.delete(this.#nextDeliver);
        this.#nextDeliver = nextSequence(this.#nextDeliver);
        this.heldBytes -= HELD_PIECE_BYTES;
      }
      if (unordered) break;
    }
    // Its bytes, unless it was the last piece of a message of several it made whole (#take joined the pieces into
    // bytes of their own): the datagram's own when the piece is more than half of it (a socket hands over each
    // datagram for the Host to keep), else a copy, so that what a stream holds, or Snapshots keeps of a state in one
    // piece, keeps at most twice its bytes alive. Copied before the loop, the piece that makes a message whole would be
    // copied and then joined: the smaller piece of each datagram of a backlog of 1,200-byte messages, two copies for
    // one (an A/B of such a backlog: 1.05 to 1.09 times faster this way). Copied too: a piece of a message made whole
    // that is not its last (rare: pieces out of order), and a message of one piece, even when handed over at once (an
    // unordered one ahead of the next to deliver, at most half its datagram; the next, with none held, never comes
    // here: see receive).
    if (piece.payload == payload && payload.buffer.byteLength >= 2 * payload.length) piece.payload = payload.slice();
    return messages;
  }

  /**
   * The message whose first piece is at `start`, when its pieces from index 0
   * to the last are all held: joined, and let go of (reliable and unordered
   * ones leave a null, which #hold lets go as nextDeliver passes it).
   * Undefined while one is missing.
   *
   * A message that waits keeps, on its first piece, how many of its pieces
   * were found in a row, and the next look goes on from there: each piece is
   * looked at once while it waits. Looked at from the first each time, a
   * player's messages of empty pieces that never become whole, sent in an order
   * that makes every piece walk those before it, would take 60 to 170 ms of the
   * Host's thread a datagram. A state stream lets go of pieces that wait, so
   * what was found may not stay: it looks from the first each time. A packet
   * carries at most `channels` + 1 state pieces and a look is at most a few
   * hundred map reads long (about 770, three for each of 255 pieces, when two
   * pieces far apart hold the ends), so a packet costs little; a state of n
   * pieces in order costs n²/2 map reads (33,660 for 255 pieces, 300 KB: under
   * a millisecond more).
   */
  #take(start: number): Delivered | undefined {
    const held = this.held;
    const first = held.get(start);
    let found = first?.found ?? 0;
    for (let piece; (piece = held.get((start + found) & 0xffff)) && piece.fragment >> 1 == found; found++) {
      if (1 & piece.fragment) {
        // The last: the message is whole, pieces 0 to `found`.
        let byteCount = 0;
        for (let i = 0; i <= found; i++) byteCount += held.get((start + i) & 0xffff)!.payload.length;
        const message = found ? new Uint8Array(byteCount) : piece.payload;
        this.heldBytes -= byteCount;
        byteCount = 0;
        for (let i = 0; i <= found; i++) {
          const at = (start + i) & 0xffff;
          const payload = held.get(at)!.payload;
          message.set(payload, byteCount); // a message of one piece onto itself, which changes nothing
          byteCount += payload.length;
          if (this.#mode === STATE) {
            held.delete(at);
            this.heldBytes -= HELD_PIECE_BYTES;
          } else held.set(at, null); // a mark, which keeps its cost (see HELD_PIECE_BYTES)
        }
        // Handed over as the last piece with the whole message, and its time: no longer held, it is the stream's no more.
        piece.payload = message;
        return piece;
      }
    }
    if (this.#mode != STATE && first) first.found = found;
  }
}

// ─── Connection ─────────────────────────────────────────────────────────────
// One peer's packets: the handshake from the connecting side, headers and
// acks over the ring of sent packets, RTT and loss, choosing the pieces of the
// next packet, feeding arrived frames to streams, keepalive and closing. It
// does no I/O: the Host hands it datagrams and sends what it returns.

/** The Host's numeric options with their defaults filled in. */
type Config = Required<Omit<HostOptions, "now" | "random">>;

/** What a connection reports to its Host: counters and estimates to add to, events to queue. */
interface Sink {
  readonly config: Config;
  /** The socket is ordered and reliable already (WebSocket): send no resends, and ack only packets with a state's piece. */
  readonly reliable?: boolean;
  /** The Host's stats: a connection adds to them as to its own. */
  readonly stats: Stats;
  readonly events: HostEvent[];
  /**
   * The head of the queue: how many at the front of `events` poll() has taken. They go in a batch (see poll); the rest
   * are not yet polled.
   */
  head: number;
  /**
   * Timed messages waiting for their `at` (this Host's clock), soonest first; a peer's `"disconnect"` waits behind
   * its last one, beside it (so it takes no place in maxTimedMessages).
   */
  held: [at: number, event: HostEvent, disconnect?: HostEvent][];
  /** Each address's message events not yet polled (see Connection.queued), while it has any. */
  readonly queued: Map<string, number>;
  /** The Host's clock. */
  readonly now: () => number;
}

/** A packet sent and not yet acked: which pieces it carried, for acks and RTT. */
interface SentPacket {
  sequence: number;
  sentAt: number;
  pieces: Outgoing[];
  /**
   * Done with its fate: counted. A later ack that still lacks it counts nothing more, but one that has it counts it
   * acked too (once each way, as LOSS_WINDOW_PACKETS says); an acked packet leaves the ring. Absent until counted,
   * read only for truth.
   */
  done?: boolean;
}

/** A value as an error shows it: a string quoted, as `"50"` read as 50 is a puzzle. */
const shown = (value: unknown): unknown => typeof value != "string" ? value : `"${value}"`;

class Connection implements Peer {
  /** The other side's clock, estimated (the Clock's methods are this connection's, not the game's). */
  readonly clock: Clock = new Clock();
  state: Peer["state"] = "connecting";
  readonly stats: Stats = newStats();
  #unackedOldest = 0; // the oldest packet received since the last ack was sent (while #ackPending, below)
  /**
   * Tag keys for packets out and in, made of the handshake's secrets: the connecting side's nonce (constructor) and the
   * cookie the answering side derived. The key out is unset until the handshake gives the cookie (then it is keyed),
   * and nothing is sent before; the key in is zero until then, as receive reads it before it checks for the key out.
   */
  #sendKey?: TagKey;
  #receiveKey: TagKey = [0, 0];
  #lastSentAt = -Infinity;
  /**
   * When the last packet of the other side's checked out (not while disconnecting), or the connection began: silence
   * times out from it. Infinity once ended (see end).
   */
  #lastReceivedAt: number;
  /**
   * The streams by number (channel << 3 | mode), and in the order packets take turns in: the order made, then the one
   * that went first moves to the back every few packets (see #nextPacket). end() clears both.
   */
  #streams = new Map<number, Stream>();
  #streamList: Stream[] = [];
  #nextSequence = 0;
  /** Reliable pieces sent and not yet acked, in the order first sent. */
  #inFlight: Outgoing[] = [];
  /**
   * CLOSING packets still to send once the connection ended with a goodbye (see end): at most one an update,
   * CLOSING_SPACING_MS apart, until one is acked or the other side's own CLOSING arrives. 0 until end() sets it (0
   * without a goodbye), as the state turns "disconnected".
   */
  #closingSends = 0;
  #remoteBits = -1; // as if the 32 packets before #remoteLatest arrived too: no news, no ack bytes (signed: >>> only)
  /**
   * Data packets sent this update, at most packetsPerUpdate (pollTransmit), and the call of #nextPacket that found none
   * to send after the first: only the first goes as an ack or keepalive alone, or probes past a full window. Infinity
   * when none may go (while update() runs its timers, after a HELLO); the Host updates a connection before it polls it.
   */
  #packetsThisUpdate = 0;
  /** The first CLOSING's packet sequence: an ack of it or a later one ends the closing. */
  #closingSequence!: number; // set by end(), before any read
  /**
   * The congestion window's size (see FIRST_WINDOW_PACKETS), and #windowCutAt when it was last cut: halved, to
   * MIN_WINDOW_PACKETS at least, by a loss (in #applyAcks) and by a flight forgotten (in update).
   */
  #window = FIRST_WINDOW_PACKETS;
  /** Flights forgotten (see update) since the newest ack moved on: each waits twice as long as the one before. */
  #forgets = 0;
  /**
   * When the congestion window (#window) was last cut: -Infinity until the first cut, while it doubles each round
   * trip; it grows by one a round trip from then on.
   */
  #windowCutAt = -Infinity;
  /**
   * The first of this side's packets after the newest the other side acked, or the next to send once update() or
   * receive() forgot a flight: #packetsInFlight counts from it.
   */
  #firstInFlight = 0;
  #remoteLatest = 0xffff; // as if packet 65535 arrived: it was never sent, so its ack acks nothing
  /** How many fates of data packets were seen (see #fates). */
  #fatesSeen = 0;
  /** How many of the last LOSS_WINDOW_PACKETS fates (#fates) were losses. */
  #fatesLost = 0;
  /** The fates of the last LOSS_WINDOW_PACKETS data packets seen (1 lost, 0 acked): #fatesLost counts the losses. */
  #fates = new Uint8Array(LOSS_WINDOW_PACKETS);

  #stream(id: number): Stream {
    let stream = this.#streams.get(id);
    if (!stream) {
      this.#streams.set(id, stream = new Stream(id));
      this.#streamList.push(stream);
    }
    return stream;
  }

  /** Bytes of the states rebuilt since the last update (see #deliver). */
  #rebuiltBytes = 0;
  /** The sent-packet ring: packet s in slot s & (SENT_PACKET_SLOTS - 1) until acked (then null) or written over. */
  #sent: (SentPacket | null | undefined)[] = [];
  /** Bytes of the pieces queued and not let go, each with HELD_PIECE_BYTES: see HostOptions.maxQueuedBytes. */
  #queuedBytes = 0;
  /**
   * This update's plan: resends due (0: whole messages, 1: fragments) and pieces to ride again (2), each
   * a stack that the packets so far took from (the piece sent first on top), made by update() before any packet
   * goes.
   */
  #plan: Outgoing[][] = [];
  /** Bytes of the received pieces the streams hold, each with HELD_PIECE_BYTES (not a state stream's: see #deliver). */
  #heldBytes = 0;
  /** The Host's side of this connection: its socket's traits, clock, event queue and counts. */
  #sink: Sink;
  #config: Config;
  /**
   * The game is done with this peer (its own disconnect() or close()): poll() hands out no more of its events. Unset
   * before (`declare` emits no field for it): it is only ever tested for truth, as Host's #closed.
   */
  declare forgotten?: boolean;
  /**
   * An ack built in receive() before the packet it took moved the bits on: the Host sends it at once (made on first
   * use, as a stream's states: `declare` emits no field for it).
   */
  declare earlyAck?: Uint8Array;

  /** Adds to a counter of this connection and of its Host. */
  count(name: keyof Stats, amount = 1): void {
    this.stats[name] += amount;
    this.#sink.stats[name] += amount;
  }

  #ackPending = 0; // packets received since the last one sent (over a reliable socket, only those with a state's piece)

  /** The other side's address, as the socket gives it. */
  declare readonly address: string;
  /** The connecting side's nonce, from its HELLO: with the cookie, the secret the tag keys are made of. */
  declare readonly nonce: number;

  /** @param cookie given on the answering side, made by a HELLO with a good cookie: keyed and connected at once */
  constructor(sink: Sink, address: string, nonce: number, now: number, cookie?: number) {
    this.address = address;
    this.#config = sink.config;
    this.#lastReceivedAt = now;
    this.#sink = sink;
    this.nonce = nonce;
    if (cookie) {
      // Keyed: the cookie is the first word of this side's send key. The other side's send key is this side's with its
      // two words swapped; it is taken a lap before the first, as #remoteLatest starts at 0xffff, as if packet 65535
      // had arrived (see receive).
      this.#sendKey = [cookie, this.nonce];
      this.#receiveKey = [nonce, cookie - 1];
      this.#connected();
    }
  }

  /** The HELLO to send (again): with the cookie once the CHALLENGE brought it, or as `cookie` when it just did. */
  hello(now: number, cookie?: number): Uint8Array {
    // As in the constructor, 0 is no cookie (a HELLO's before the challenge): no Host makes one (`|| 1`).
    if (cookie) {
      // Keyed: the cookie is the second word of this side's send key, the first of the other side's (as the
      // constructor's, swapped).
      this.#sendKey = [this.nonce, cookie];
      this.#receiveKey = [cookie, this.nonce - 1];
      this.#lastReceivedAt = now;
    }
    this.#lastSentAt = now;
    // The cookie, once keyed, as it came: a HELLO goes only while connecting, before any data packet, so no lap (see
    // packet) has added to the key's second word yet.
    return writeHandshake(HELLO, this.#config.protocol, this.nonce, this.#sendKey?.[1]);
  }

  /**
   * This peer's message events not yet polled: in the Host's events or held for their time. Counted by address, with
   * those of the connections from it before: a player reconnecting from its address and port starts no new count
   * (with a new count each time, three reconnections in a row would fill the hold queue for every peer).
   */
  get queued(): number {
    return this.#sink.queued.get(this.address) ?? 0;
  }

  /** Data packets sent after the newest one acked. */
  get #packetsInFlight(): number {
    return sequenceAhead(this.#nextSequence, this.#firstInFlight);
  }

  remoteTime(localMs: number = this.#sink.now()): number {
    return this.clock.offsetMs + localMs;
  }

  /** A CLOSING packet now, whatever the spacing: Host.close() sends a few at once before its socket closes. */
  goodbye(now: number): Uint8Array | undefined {
    if (!this.#closingSends) return undefined;
    this.#closingSends--;
    return this.packet(now, CLOSING);
  }

  /**
   * True when a HELLO of `nonce` from this connection's address is not to replace it. Both Hosts connecting to each
   * other at once: the one of the smaller nonce drops its own connect() (its game hears `"closed"`) and answers the
   * other's HELLO; the other keeps its own connect() and ignores the HELLO. Kept while connecting only, a HELLO the
   * other sent before it took this one's that comes late (jitter) would end the connection both kept, for a ghost of
   * keys the other no longer has, and both would time out (60 ms of jitter: 24 runs of 200). Kept in any state, a peer
   * restarted at the same address and port whose new nonce is the smaller would wait for its old self's timeout, and
   * its own connect() would time out first (46 restarts of 100). So kept while connecting, or while the peer is heard
   * from: a peer sends at least every KEEPALIVE_MS, and a restarted one's old self has gone quiet. The latter for this
   * side's own connect() only (its send key starts with its nonce; see hello): in one made by a HELLO `nonce` is the
   * old peer's, and a restarted peer whose new nonce is the smaller would wait up to KEEPALIVE_MS (816 ms in a test).
   * Kept too once ended, while its goodbyes go (its time of last hearing is Infinity then, see end): a late copy of the
   * other's HELLO from a simultaneous connect would otherwise replace it, a ghost of keys the other does not have, and
   * both sides would time out (35 of 600 runs that disconnected at once). So a peer restarted at its address waits out
   * the goodbyes, 10 of this Host's updates, and is taken at its next HELLO retry (its connect() took 272 ms with the
   * Hosts updating every 16 ms: the goodbyes' 160 ms, then a retry HANDSHAKE_RETRY_MS apart).
   */
  keeps(now: number, nonce: number): boolean {
    return nonce < this.nonce &&
      (this.state == "connecting" || this.#sendKey?.[0] == this.nonce && now - this.#lastReceivedAt < KEEPALIVE_MS);
  }

  /**
   * The next datagram to send now, or undefined when nothing is due: a HELLO
   * while connecting, a CLOSING once it ended with a goodbye (see end), else a data packet
   * (at most `packetsPerUpdate` per update) or an ack or keepalive. The Host
   * asks again after each datagram, and stops at undefined until its next update.
   */
  pollTransmit(now: number): Uint8Array | undefined {
    if (this.#packetsThisUpdate < this.#config.packetsPerUpdate) {
      // Connecting or closing: one HELLO or CLOSING at most per update, spaced out. A HELLO ends the update's packets
      // (an answer that came within send must not let data packets follow it in the same update); a CLOSING needs no
      // end: it sets #lastSentAt to now, so the spacing refuses another until the next update, and nothing else goes.
      if (this.state == "connecting") {
        this.#packetsThisUpdate = Infinity;
        if (now - this.#lastSentAt >= HANDSHAKE_RETRY_MS) return this.hello(now);
      } else if (this.state == "disconnected") {
        if (now - this.#lastSentAt >= CLOSING_SPACING_MS) return this.goodbye(now);
      } else return this.#nextPacket(now);
    }
  }

  /**
   * Ends the connection: for `reason`, with the event queued, and no goodbye unless `goodbye`; with no reason (the
   * caller's `disconnect()`) with a goodbye and no event. A timeout says goodbye (its callers pass `goodbye`), so one
   * the caller disconnected does too; the other side's CLOSING needs none (the ack goes at once: see mustAck), nor
   * does a peer let go at once (its socket closed, or another took its address). The event of one the caller
   * disconnected, if one is queued, never comes out of poll() (see `forgotten`).
   */
  end(reason?: DisconnectReason, goodbye = !reason): void {
    // Nothing is received any more: no silence to time out (see update). Set before the check, as it stays Infinity
    // once ended (only a connected peer's packets and a connecting one's hello set it again).
    this.#lastReceivedAt = Infinity;
    if (this.state == "disconnected") return;
    // Over a reliable socket one CLOSING arrives for sure, and nothing acks it. Once keyed (the challenge's cookie
    // came) a peer still connecting says goodbye too: the other side made its connection at the HELLO with that
    // cookie, and without a goodbye it waits `timeout` (10 s by default) to end it.
    this.#closingSends = goodbye && this.#sendKey ? this.#sink.reliable ? 1 : CLOSING_ATTEMPTS : 0;
    this.state = "disconnected";
    this.#closingSequence = this.#nextSequence;
    // Every queued and held piece goes with its stream. Pieces in flight stay (in #inFlight and #sent), never sent
    // again: only a connected (or disconnecting) peer sends pieces.
    this.#streams.clear();
    this.#streamList = [];
    if (reason) {
      // Behind what the peer timed before it left (its last words, timed as its others were), else at once: a
      // new peer from the same address says "connect" after it. Only a peer with messages not yet polled can have
      // one held: the others skip the scan, so a thousand peers ending at once do not scan the queue each.
      const last = this.queued && this.#sink.held.filter((entry) => entry[1].peer == this).at(-1);
      const event: HostEvent = { type: "disconnect", peer: this, reason };
      if (last) last[2] = event;
      else this.#sink.events.push(event);
    }
  }

  /** The handshake completed: the other side's first data packet arrived, or this side answered a HELLO. */
  #connected(): void {
    this.state = "connected";
    this.#sink.events.push({ type: "connect", peer: this });
  }

  /** True once disconnected with nothing left to send: the Host forgets it. */
  finished(): boolean {
    return this.state == "disconnected" && !this.#closingSends;
  }

  disconnect(): void {
    // What is queued goes first (ENet's disconnect_later); update() ends it once all is acked. The game is done
    // with the peer at once: no event of its comes out of poll() any more, one that arrived before or its disconnect.
    if (this.state == "connected" && this.#queuedBytes) this.state = "disconnecting";
    else this.end();
    this.forgotten = true;
  }

  /** How long a piece waits for its ack before it is resent, before backoff. */
  #resendMs(): number {
    // RFC 6298's SRTT + 4 RTTVAR, plus the peer's ack delay (as QUIC adds max_ack_delay): the newest
    // packet in an ack waited for none, so the samples miss it. At least ACK_DELAY_MS, far under RFC
    // 6298's 1 s minimum (games resend sooner); 200 ms before the first sample (an SRTT of 0: a sample is at least
    // MIN_RTT_SAMPLE_MS, see #applyAcks).
    return this.stats.rttMs ? 4 * this.stats.rttVarianceMs + this.stats.rttMs + ACK_DELAY_MS : 200;
  }

  /**
   * A queue of `count` not yet polled is full for this peer: at `max` while it has half of `max` or more not yet polled
   * (`queued`), at twice `max` for every peer. A peer with less than half still gets in: one player filling a queue
   * holds up no other.
   */
  #full(max: number, count: number): boolean {
    return (max > 2 * this.queued ? 2 * max : max) <= count;
  }

  /**
   * Takes one data packet. Parses all of it and checks it before applying
   * any of it: returns false for a packet invalid or refused, to be counted,
   * which changed nothing but, for one refused, that the peer was heard from
   * (over a reliable socket, where nothing would resend it, a packet refused
   * for the bound on held bytes or on events ends the connection, unless it
   * carries states alone, which need no resend); true for
   * one taken, or one that arrived before (a duplicate, counted here).
   */
  receive(datagram: Uint8Array, now: number): boolean {
    // The header (a few bytes, read without a change), then the tag: anything that fails either is not from the peer,
    // and nothing more of it is read. Each lap of the 16-bit packet sequence adds 1 to the key's second word, so that
    // a packet recorded a lap before (65,536 packets ago, about 18 minutes at 60 a second) fails. The lap is the
    // latest received's (#receiveKey's), or the next when the sequence is ahead of it across 0, or the one before when
    // behind it across 0 (a late packet), so a packet still costs one hash. How far ahead plus the latest is the
    // sequence unwrapped (-32,768 to 98,302), and >> 16 gives its lap: -1, 0 or 1.
    const sequence = datagram[1] << 8 | datagram[2]; // 0 for a datagram too short, which fails the header
    const ahead = sequenceAhead(sequence, this.#remoteLatest);
    const key: TagKey = [this.#receiveKey[0], this.#receiveKey[1] + ((ahead + this.#remoteLatest) >> 16)];
    const reader = new ByteReader(datagram.subarray(0, -TAG_BYTES));
    const header = this.#sendKey && readHeader(reader);
    if (!header || !sealed(datagram, key)) return false;
    if (this.state == "disconnected") {
      // Closing: the other side's own CLOSING, or its ack of ours, ends it; nothing else applies.
      if (!this.#closingSends) return false;
      if (sequenceAhead(header.ack, this.#closingSequence) >= 0 || header.flags & CLOSING) this.#closingSends = 0;
      return true;
    }
    // Every frame, parsed. Everything reliable must fit the receive window and the memory bound, or the
    // packet goes unacked and the sender tries again later.
    const frames: Frame[] = [];
    // An honest sender puts one piece of each state stream in a packet, or two of one: a newer state supersedes what
    // of an older one has not left, and a full piece leaves room (6 or 7 bytes) for its state's last piece alone, of 1
    // or 2 bytes (a bound of `channels` would refuse such packets at channels 1). So at most channels + 1: more, 21,800
    // empty pieces in a datagram, each held and let go, would take 50 to 265 ms of the Host's thread each.
    let statePieces = 0;
    let newBytes = 0;
    // How far this side's packets have gone past the one the packet acks: checked with its sequence, below.
    const ackAge = sequenceAhead(this.#nextSequence, header.ack);
    // The bytes the deltas this packet starts claim to rebuild (see #deliver): bounded before the packet is taken, so
    // that a state is never dropped for the bound after its packet was acked (its sender would build the next on it).
    let rebuilt = 0;
    while (reader.left()) {
      const frame = readFrame(reader, frames.at(-1)); // read after the frame before it, which a NEXT frame follows
      if (
        !frame || this.#config.channels <= frame.channel ||
        frame.mode === STATE && statePieces++ > this.#config.channels
      ) return false;
      if (frame.mode === STATE && frame.fragment < 2) {
        // A state's first piece: how far back its baseline is (0: whole, nothing to rebuild), its time, the length.
        // A head cut short is refused: its length would count 0, and the next piece's would go uncounted (50 states
        // of 1 MiB from one datagram). An honest first piece holds the whole head.
        const head = new ByteReader(frame.payload);
        if (head.varint()) head.take(8), rebuilt += head.varint();
        if (!head.ok) return false;
      }
      if (frame.mode < SEQUENCED) {
        const stream = this.#streams.get(frame.channel << 3 | frame.mode);
        const pieceAhead = sequenceAhead(frame.sequence, stream?.nextDeliver ?? 0); // past the next to deliver
        // Bytes that would wait: not a piece held already, not the next to deliver, which frees memory rather than
        // taking it (refusing it would stall the stream for good), and not one delivered before (a ride copy).
        if (pieceAhead > 0 && !stream?.held.has(frame.sequence)) newBytes += HELD_PIECE_BYTES + frame.payload.length;
        // Past the receive window: a sender that saw the piece acked moves on. Over a reliable socket a piece is
        // done once taken, so a sender's window moves on while it fills one packet: a packet can carry the piece that
        // completes the message at nextDeliver and pieces up to a window past the next one: checked here against
        // nextDeliver before the packet, it would be refused and never sent again (the stream would stall, then time
        // out). There the order is the socket's, and the byte bound below holds what waits.
        if (pieceAhead >= RECEIVE_WINDOW && !this.#sink.reliable) return false;
      } // a snapshot's pieces wait too, within their stream's own bound (see #deliver)
      frames.push(frame);
    }

    // Even a packet that passes the tag (a bug, a replay across a restart) must not wedge the
    // connection: its sequence must be near the last one and its ack of a packet sent lately (MAX_SEQUENCE_JUMP).
    // The packet's sequence is the one read first (readHeader returns none); its ack's age is ackAge (above).
    // Over a reliable socket the peer sends no acks of its own, so the ack in its keepalive may be old.
    if (ahead > MAX_SEQUENCE_JUMP || !this.#sink.reliable && (ackAge > MAX_SEQUENCE_JUMP || ackAge < 1)) {
      return false;
    }
    // Late or repeated packets: within the last 32 the bitfield tells (shifted up one, the latest as bit 0); older
    // ones are dropped.
    if (ahead <= 0 && (ahead <= -32 || (this.#remoteBits << 1 | 1) >>> -ahead & 1)) {
      this.count("duplicatesDropped");
      return true;
    }
    // Past maxEvents unpolled, a packet of a peer with half of them or more waits for its sender to resend
    // it. One that arrives below the limit is taken whole (at most a packet's frames over it): refusing a
    // packet of more frames than the limit would refuse it forever. The queue is every peer's: one player
    // filling it must not hold up the others (over a reliable socket they would be dropped), so a peer with less than
    // half still gets in, up to twice maxEvents (past that, every peer's packets wait: else each peer's 64 KB packet of
    // tiny frames would grow the queue by 32,000 events, and poll() would freeze). A peer's share is its count of
    // messages not yet polled (`queued`), not a scan of the queue (44 us a packet while full).
    // A packet of no messages (a keepalive, an ack, clock frames) adds no event: it gets in, or an idle peer would
    // time out (over a reliable socket, be dropped) while the game is slow to poll.
    // A peer leaving (see disconnect) delivers nothing: nothing of its packets waits.
    // The pieces held are bounded at 2 × maxMessageBytes + maxQueuedBytes, and 256 KiB more: the bookkeeping of one
    // stream's receive window of pieces. Without it a good peer's tiny messages behind a lost one (60 at maxQueuedBytes
    // 8,192) would fill the bound, and every packet that carries the lost one again would be refused: stalled for good,
    // then a timeout. Larger messages would fill it the same way if their sender counted a piece acked behind a lost
    // one as gone (see Stream.acked). A state stream's pieces have a bound of their own (see #deliver); the states one
    // update rebuilds share this one.
    if (
      this.state != "disconnecting" &&
      (this.#heldBytes + newBytes + this.#rebuiltBytes + rebuilt >
          2 * this.#config.maxMessageBytes + this.#config.maxQueuedBytes + HELD_PIECE_BYTES * RECEIVE_WINDOW ||
        this.#full(this.#config.maxEvents, this.#sink.events.length - this.#sink.head) &&
          frames.some((frame) => frame.mode < CONTROL))
    ) {
      // Over a reliable socket nothing resends a refused packet: the peer is dropped, and told (else it waits for its
      // timeout, sending all the while); but not for one of state pieces alone, which need no resend (the next state
      // replaces them, and the sender builds on what was acked): dropped for those, a hidden tab polling once a minute
      // would be dropped at maxEvents, and one stalled for 4 s at the bound on bytes rebuilt. Over UDP its sender
      // resends it; the peer was heard from, whole and tagged: not counted so, a game that updates and does not poll
      // for `timeout` would end a busy peer as "timeout" on a perfect link, where an idle one stays. A stream waiting
      // for a piece still ends it after `timeout` (see update): a sender whose options are larger than this side's,
      // refused for held bytes for good (bench/options_mismatch.ts), and, as a limit left, one whose message of several
      // pieces was half taken when the queue of events filled.
      if (this.#sink.reliable && frames.some((frame) => frame.mode < STATE)) this.end("closed", true);
      else this.#lastReceivedAt = now;
      return false;
    }

    // The whole packet checks out: apply it.
    if (this.state == "connecting") this.#connected();
    this.#rebuiltBytes += rebuilt;
    if (!(header.flags & ACK_ONLY)) { // an ACK_ONLY packet took no sequence number: nothing to record or ack
      // A jump so far ahead that the oldest packet received since the last ack would leave the bits (32 behind the
      // latest) unacked: ack it first, or its sender counts it lost and sends it again (bench/throughput.ts, 1,200 B
      // over loopback: from 24-117 pieces received twice a run to 0-19). The oldest, not a count: a gap can lie between.
      if (sequenceAhead(sequence, this.#unackedOldest) > 32 && this.#ackPending) {
        this.earlyAck = this.packet(now);
      }
      if (ahead > 0) {
        // The latest before it joins the bits as bit 0, and they shift up past the new latest (a jump past 32 clears
        // all).
        this.#remoteLatest = sequence;
        this.#remoteBits = ahead > 32 ? 0 : (this.#remoteBits << 1 | 1) << (ahead - 1);
        this.#receiveKey = key;
      } else {
        this.#remoteBits |= 1 << (-ahead - 1);
      }
      // Over a reliable socket, which acks itself, no packet waits for an ack (no early ack, no ack alone after
      // ACK_DELAY_MS) but one with a state's piece: its sender takes a state acked as its baseline, and a receiver that
      // sends nothing (a spectator) would otherwise ack with its keepalives alone, a second apart, and get every state
      // whole.
      if (
        (statePieces || !this.#sink.reliable) &&
        (!this.#ackPending++ || sequenceAhead(sequence, this.#unackedOldest) < 0)
      ) {
        this.#unackedOldest = sequence;
      }
    }
    this.#applyAcks(header.ack, now, header.ackBits);
    // A peer leaving (see disconnect) delivers nothing, and gets `timeout` from the last packet before to let its
    // queue go.
    if (this.state == "connected") {
      // Heard after more than 1.5 s of silence (one and a half keepalives at the default `timeout`), an outage (or a
      // stalled loop) just ended: every piece in flight is due at once, and the flight sent in the dark is forgotten
      // (no ack of it will come). A lone reliable message sent in the dark goes in the next packet, not at its
      // backed-off resend (bench/outage_lone_message.ts, from the link's return: 352 ms against 480 at the median, 992
      // against 1,056 at most). One keepalive lost on an idle link makes such a silence too (about 2 s): 250 wakes in
      // 10 connection-minutes at 30% loss, with nothing in flight, so the same packets; with a reliable message every
      // 2 s, 1.3% more resends and every message delivered as without it. The 1.5 s is fixed: under a `timeout` of 4 s,
      // keepalives go every quarter of it, so it takes two lost in a row at 2 s, it fires only in the last 100 ms at
      // 1.6 s and never at 1.5 s or less (measured over timeouts of 1.6, 2 and 3 s, 0 to 30% loss, 30 seeds × 60 s, 200
      // at 30%: resends within 0.3% of those without it, the p99 0 to 64 ms higher at 30% loss only; real UDP and
      // WebSockets across a 2.5 s stall, the same).
      if (1500 < now - this.#lastReceivedAt) {
        this.#firstInFlight = this.#nextSequence;
        for (const piece of this.#inFlight) piece.dueAt = now;
      }
      this.#lastReceivedAt = now;
      for (const frame of frames) this.#deliver(frame, now);
    }
    if (header.flags & CLOSING) this.end("closed");
    return true;
  }

  #deliver(frame: Frame, now: number): void {
    if (frame.mode === CONTROL) return this.clock.receive(frame, now);
    const stream = this.#stream(frame.channel << 3 | frame.mode);
    const heldBefore = stream.heldBytes;
    // A state stream's bound: a whole state of maxMessageBytes after its head of up to 11 bytes, in up to
    // STATE_PIECES_KEPT pieces (see send). It is the stream's own, outside the connection's bound on held pieces:
    // counted there, twelve state streams would fill that bound by themselves, and a reliable channel beside them would
    // time out. A channel in state mode keeps 32 states of maxMessageBytes besides (Snapshots).
    const messages = stream.receive(
      frame,
      now,
      this.#config.maxMessageBytes + 11 + HELD_PIECE_BYTES * STATE_PIECES_KEPT,
    );
    if (frame.mode != STATE) this.#heldBytes += stream.heldBytes - heldBefore;
    // A duplicate (no messages) is refused before the stream holds or lets go of anything: its bytes did not move (the
    // line above added 0).
    if (!messages) return this.count("duplicatesDropped");
    for (let { payload: message, at } of messages) {
      // A "state" message gets its time below, as its type says; no other gets one.
      const event = {
        type: "message",
        peer: this,
        data: 0,
        channel: frame.channel,
        mode: MODES[frame.mode],
      } as MessageEvent;
      if (frame.mode === STATE) {
        // The snapshot's first piece's sequence names it. The states rebuilt in one update are bounded as held pieces
        // are, by what their deltas claim, before the packet is taken (see receive): a delta of a few bytes may
        // rebuild a state of maxMessageBytes, and 70 of them in one datagram would make 70 MiB of events and take 64 ms
        // of the Host's thread.
        const snapshot = (stream.states ??= new Snapshots()).decode(
          firstPiece(frame),
          message,
          this.#config.maxMessageBytes,
        );
        if (!snapshot) return this.count("invalidDropped");
        if (!snapshot[2]) continue; // older than one delivered: kept as a baseline only
        [message, (event as StateMessageEvent).time] = snapshot;
      }
      try {
        event.data = unpack(message);
      } catch {
        this.count("invalidDropped");
        continue;
      }
      if (at !== undefined) {
        // The sender's time on this clock: the offset is how far the sender's clock is ahead.
        event.at = at - this.clock.offsetMs;
        event.late = now > event.at;
        // At most `timeout` ms ahead, so that what a peer left waiting is gone that long after it: a player's
        // messages timed a billion ms ahead would keep the queue full, for every peer, until the process ends.
        // The hold queue's rule is the event queue's, with maxTimedMessages (else one player keeps it full for all; a
        // scan of it for each message costs 5 s a datagram with 64 players' halves held: `queued` costs nothing).
        // And at a finite time: a hostile peer's clock answers of 8e307 and a time of -1.7e308 make it -Infinity.
        if (
          event.at - now > this.#config.timeout || !isFinite(event.at) ||
          this.#full(this.#config.maxTimedMessages, this.#sink.held.length)
        ) {
          this.count("timedDropped");
          continue;
        }
        // A late one is held too, and goes at the next poll(), in time order: pushed to the events at once, it would
        // come before one of the same time held when it arrived early (an older state after a newer).
        insertByTime(this.#sink.held, event.at, event);
      } else this.#sink.events.push(event);
      this.#sink.queued.set(this.address, 1 + this.queued);
    }
  }

  /**
   * Runs the timers and plans this update's packets: ends the connection
   * after `timeout` ms of silence, finds the resends due and the pieces that
   * ride along again. pollTransmit then hands out the datagrams.
   */
  update(now: number): void {
    // None while the timers run: an update that ends the connection below sends nothing.
    this.#packetsThisUpdate = Infinity;
    // A peer that times out says goodbye (once keyed: see end). The other side may be alive, its packets lost: an
    // outage just under `timeout` can time out one side alone, and without a goodbye leave the other "connected" to
    // nothing for up to `timeout` more; with one, it hears "closed". One still connecting: the other side may have made
    // its connection at a HELLO it answered late (a server stalled past twice maxEvents), a ghost.
    if (now - this.#lastReceivedAt > this.#config.timeout) return this.end("timeout", true);
    if (this.state == "disconnecting" && !this.#queuedBytes) this.end(); // all sent and acked: the goodbye goes
    // A new update's count of states rebuilt (one that ends below delivers nothing more, and never reads it).
    this.#rebuiltBytes = 0;
    // A reliable or unordered stream that has waited `timeout` ms for one missing piece while later ones arrive
    // will wait forever: the sender believes it delivered (a bug or a forged ack), or its link lost every
    // resend for that long (a link no game can use). End the connection rather than stall it in silence, and say
    // goodbye: the sender, still hearing acks, would time out only `timeout` after them.
    for (const stream of this.#streamList) {
      if (now - stream.waitingSince > this.#config.timeout) return this.end("timeout", true);
    }
    this.#packetsThisUpdate = 0;
    // A flight still unacked past its resend time was lost whole (a burst took its tail), or its acks are: forget
    // it, as TCP does on a timeout, or the window stays full of packets no ack will ever speak of. As TCP, back off
    // (twice as long each time until an ack moves on) and halve a window that was in use, so acks that stop
    // coming never make a new window leave every resend time.
    const first = this.#firstInFlight;
    const oldest = this.#sent[first & (SENT_PACKET_SLOTS - 1)];
    if (
      oldest?.sequence === first &&
      now - oldest.sentAt > Math.min(MAX_RESEND_MS, this.#resendMs() * 2 ** this.#forgets)
    ) {
      if (this.#packetsInFlight >= MIN_WINDOW_PACKETS) {
        this.#window = Math.max(MIN_WINDOW_PACKETS, this.#window / 2);
        this.#windowCutAt = now;
      }
      this.#firstInFlight = this.#nextSequence;
      this.#forgets++;
    }
    // Nothing is in flight before the connection is made; after it closed, what is left in flight is planned and never
    // sent (pollTransmit sends only CLOSINGs then; see end).
    const seen = this.#fatesSeen;
    const loss = seen < 32 ? FIRST_PACKETS_LOSS : this.#fatesLost / Math.min(seen, LOSS_WINDOW_PACKETS);
    const residual = RESIDUAL_LOSS * Math.min(1, RESIDUAL_RTT_MS / this.stats.rttMs); // no RTT yet (0): all of it
    const plan: Outgoing[][] = this.#plan = [[], [], []];
    // The pieces in flight (at most RECEIVE_WINDOW per stream, whatever the backlog), once an update: the acked
    // let go, the rest sorted into rides (a piece not yet due for a resend) and resends due.
    for (const piece of this.#inFlight = this.#inFlight.filter((piece) => !piece.done)) {
      if (piece.dueAt! > now) {
        if (MAX_COPIES > piece.copies! && residual < loss ** piece.copies!) plan[2].push(piece);
      } else plan[+(piece.fragment !== 1)].push(piece);
    }
    for (const list of plan) list.reverse(); // taken from the end: the piece sent first on top
  }

  /**
   * Chooses the pieces of the next packet. Whole messages due go first (resends, then new ones within
   * the receive window), then fragments, so a large transfer does not hold up small messages (every fourth
   * packet the fragments go first, so small ones cannot hold it up for good either); then pieces
   * already sent ride along again in the room left, more often the more packets are lost.
   */
  #nextPacket(now: number): Uint8Array | undefined {
    // A data packet goes while the congestion window has room, or after ACK_DELAY_MS of quiet: that one
    // probes a link that lost every ack (and a game's lone packet waits at most that). A reliable socket paces
    // itself.
    const quiet = now - this.#lastSentAt;
    if (
      !this.#sink.reliable && this.#packetsInFlight >= this.#window && (this.#packetsThisUpdate || quiet < ACK_DELAY_MS)
    ) return undefined;
    const chosen: Outgoing[] = [];
    let used = 0;
    const room = this.#config.mtu - MAX_HEADER_BYTES;
    // Takes a piece if its frame fits, as a copy riding again when `isRide`; each frame counted as written on its own
    // (a NEXT frame takes less).
    const take = (piece: Outgoing, isRide?: boolean): boolean => {
      const bytes = frameBytes(piece);
      if (used + bytes > room) return false;
      // A piece sent before (a resend, or a copy riding along: a ride's `sent` is 1 or more) is counted resent. A copy
      // riding along takes no send: counted as one, it would make the backoff 1.5 ** 5 after the first round at 20%
      // loss, and a piece lost twice would wait seconds.
      if (piece.sent) this.count("messagesResent");
      else if (piece.mode < SEQUENCED && !this.#sink.reliable) this.#inFlight.push(piece);
      else {
        piece.done = true; // sequenced, unreliable and state pieces go once, and everything over a reliable socket
        this.#queuedBytes -= HELD_PIECE_BYTES + piece.payload.length;
      }
      chosen.push(piece);
      // Back off by 1.5 (as KCP does in its fast mode), not 2: a game would rather resend than wait.
      if (isRide) piece.copies!++;
      else {
        piece.dueAt = now + Math.min(MAX_RESEND_MS, this.#resendMs() * 1.5 ** piece.sent++);
        piece.copies = 1;
      }
      used += bytes;
      piece.sentAt = now;
      return true;
    };
    // Takes the pieces of one list of the plan in turn while they fit, past those sent already this update or acked
    // (each off the list: the next packet goes on from the first that did not fit).
    const takePlanned = (list: number) => {
      const pieces = this.#plan[list];
      for (let piece; (piece = pieces.at(-1)) && (now == piece.sentAt || piece.done || take(piece, list > 1));) {
        pieces.pop();
      }
    };
    // Whole messages first (kind 0), then fragments (kind 1): the plan's resends due of that kind, then new pieces.
    // Every fourth data packet (by its sequence) fragments go first: else whole messages that fill every packet hold a
    // larger message back for good, and its receiver, waiting for it, ends the connection.
    let first: Stream | undefined;
    for (const kind of this.#nextSequence & 3 ? [0, 1] : [1, 0]) {
      takePlanned(kind);
      // Streams take turns at going first, in the order of #streamList (see below).
      for (const stream of this.#streamList) {
        for (let piece; (piece = stream.nextUnsent(kind > 0)) && take(piece);) first ??= stream;
      }
    }
    // The stream that went first goes to the back of the turns after four data packets (the last of four sequences),
    // so none starves another of its kind, and each goes first in a packet where fragments do. Counted by the packets
    // of this update, the first stream would go first whenever an update sends one packet, and starve the others;
    // counted over every stream, idle ones would hand their turns to the next busy one, which would go first five times
    // as often as the busy one after it behind four idle channels. A stable sort: the others keep their order.
    if ((this.#nextSequence & 3) == 3 && first) {
      this.#streamList.sort((a, b) => +(first == a) - +(first == b));
    }
    // Nothing chosen in the first packet of an update: an ack due (a reliable socket acks itself) or a keepalive,
    // every quarter of `timeout`, at most a second. Sent at the first update past it, the fourth lands just past
    // `timeout`, so three reach the peer within it and two may be lost (at every third of it, two lost in a row would
    // end an idle connection).
    if (
      !(this.#packetsThisUpdate || used || (quiet >= ACK_DELAY_MS && this.#ackPending) ||
        quiet >= Math.min(KEEPALIVE_MS, this.#config.timeout / 4))
    ) return undefined;
    // Clock frames ride in the first packet, in any update, that has room left for the most they take (a request and
    // an answer, 37 bytes): offered the first packet of an update only, they would never ride while a state's pieces
    // fill that one, and a peer sending states of more than a packet every update would never be synced. Traffic, acks
    // and keepalives carry them, and an ack that cannot wait (see Host's #receive).
    const controls = room - used < 37 ? [] : this.clock.frames(now);
    for (const control of controls) used += frameBytes(control);
    // Nothing chosen after the first packet of an update: the frames go in a packet of their own when due, so only
    // when every packet before was too full for them (else a message that fills a packet to within 37 bytes every
    // update starves the clock: no sample ever). A congestion window or `packetsPerUpdate` that those packets filled
    // still holds them back. Copies ride in the room left, as in any packet (while loss is counted, a packet's worth).
    // Counted even when none goes: the Host asks for no more this update.
    if (this.#packetsThisUpdate++ && !used) return undefined;
    takePlanned(2);
    // In the streams' number order (channel, then mode), each stream's in sequence order: a piece right after the one
    // before it in its stream goes as NEXT, 1 to 3 bytes less.
    chosen.sort((a, b) => a.channel - b.channel || a.mode - b.mode || sequenceAhead(a.sequence, b.sequence));
    return this.packet(now, 0, chosen, used, controls);
  }

  /**
   * A data packet with `pieces` and `controls`, whose frames take at most `frameBytes`:
   * also the answer to a HELLO, empty, and an ack that cannot wait, with the clock's frames when due.
   * `flags` is CLOSING or none: ACK_ONLY is decided here.
   */
  packet(now: number, flags = 0, pieces: Outgoing[] = [], frameBytes = 0, controls: Frame[] = []): Uint8Array {
    // Empty: only an ack or a keepalive. It carries the next sequence number without taking it, so the
    // other side's headers never spend ack bits on it (3 bytes a packet at 20% loss); but every 32nd
    // packet takes one, so that a peer that only receives still measures its RTT.
    // A CLOSING takes one, so that the other side acks it. Clock frames need no ack: they ride in empty packets.
    if (!pieces.length && this.stats.packetsSent & 31 && !flags) flags = ACK_ONLY;
    const sequence = this.#nextSequence;
    // The piece written last (for NEXT): none while the control frames go first, which follow no frame anyway.
    // Two loops, not one over controls.concat(pieces): that is an array more a packet, for 6 bytes of the build.
    let previous: Outgoing | undefined;
    const packet = new Uint8Array(frameBytes + MAX_HEADER_BYTES);
    let at = writeHeader(packet, sequence, flags, this.#remoteLatest, this.#remoteBits);
    for (const control of controls) at = writeFrame(control, previous, packet, at);
    for (const piece of pieces) {
      at = writeFrame(piece, previous, packet, at);
      previous = piece;
    }
    // The tag, in the TAG_BYTES after them: HalfSipHash-2-4 of the `at` bytes written. Keyed: a data packet goes only
    // once the handshake gave the cookie.
    viewOf(packet).setUint32(at, halfSipHash(this.#sendKey!, packet, at));
    this.#ackPending = 0;
    if (!(flags & ACK_ONLY)) {
      this.#sent[sequence & (SENT_PACKET_SLOTS - 1)] = { sequence, pieces, sentAt: now };
      this.#nextSequence = nextSequence(sequence);
      if (!this.#nextSequence) this.#sendKey![1]++; // a new lap (see receive)
    }
    this.#lastSentAt = now;
    return packet.subarray(0, TAG_BYTES + at);
  }

  /**
   * Applies an ack of `ack` and the 32 packets before it. When the oldest of the bits is a loss too, the packets
   * that fell out of the bits unacked, as the ack moved on past the newest acked before, are lost too (a burst of
   * loss longer than the bits is found by acks, not by a timeout); not over a reliable socket, which loses nothing.
   */
  #applyAcks(ack: number, now: number, ackBits: number): void {
    const advance = sequenceAhead(nextSequence(ack), this.#firstInFlight); // how far the newest acked moves on
    // Past the 32 bits only while the oldest bit is a loss too (a burst that runs on past them): when it arrived,
    // the packets before it were most likely acked by an ack lost or still on its way. A reliable socket has no acks.
    const beyond = ackBits >>> 31 || this.#sink.reliable ? 0 : Math.max(0, Math.min(advance, SENT_PACKET_SLOTS - 33));
    // Bit -1 is `ack` itself, the one packet timed for the RTT; bits 0 to 31 are ack - 1 - bit; past them, packets the
    // bits no longer cover, never acked here.
    for (let bit = -1; 32 + beyond > bit; bit++) {
      const acked = bit < 0 || (bit < 32 && (ackBits >>> bit) & 1);
      const sequence = (ack - 1 - bit) & 0xffff;
      const slot = sequence & (SENT_PACKET_SLOTS - 1);
      const packet = this.#sent[slot];
      // Unacked while a packet sent two or more after it was acked: lost. Count it once, and resend its pieces now,
      // not after a timeout.
      if (packet?.sequence !== sequence || (!acked && (packet.done || bit < 1))) continue;
      // An acked packet's slot is let go. The congestion window: grown by an ack, cut by a loss of a packet sent since
      // the last cut.
      if (acked) {
        this.#sent[slot] = null;
        if (2 * this.#packetsInFlight >= this.#window) {
          this.#window = Math.min(
            MAX_WINDOW_PACKETS,
            // Before the first cut one more a packet acked (doubling each round trip), from then on one more a round trip.
            this.#window + (this.#windowCutAt == -Infinity ? 1 : 1 / this.#window),
          );
        }
      } else if (this.#windowCutAt < packet.sentAt && this.stats.loss > CONGESTION_LOSS) {
        this.#window = Math.max(MIN_WINDOW_PACKETS, this.#window / 2);
        this.#windowCutAt = now;
      }
      // Never negative: a clock stepped back (Date.now after a correction) would drive the estimate below 0. Never 0
      // either, but at least MIN_RTT_SAMPLE_MS: an SRTT of 0 means no sample yet, to #resendMs (200 ms) and to
      // estimate (the next sample is the first, uncapped), and a whole-millisecond clock (Date.now) on loopback reads
      // most round trips as 0: every resend there would wait 200 ms. A packet other than `ack` gives no sample: false.
      const rttSampleMs = bit < 0 && Math.max(MIN_RTT_SAMPLE_MS, now - packet.sentAt);
      // Its fate joins the last LOSS_WINDOW_PACKETS (update reads their loss), its sample the estimates.
      const at = this.#fatesSeen++ % LOSS_WINDOW_PACKETS;
      packet.done = true;
      this.#fatesLost += +!acked - this.#fates[at];
      estimate(this.#sink.stats, !acked, rttSampleMs);
      estimate(this.stats, !acked, rttSampleMs);
      this.#fates[at] = +!acked;
      for (const piece of packet.pieces) {
        if (!acked) piece.dueAt = now;
        else if (!piece.done) this.#queuedBytes -= this.#stream(piece.channel << 3 | piece.mode).acked(piece);
        else piece.acked?.(); // a state's piece (done once sent) tells its snapshot; any other done piece has no `acked`
      }
    }
    // The newest acked moves on last: the window above grows when it was at least half in use before this ack. Moved
    // on first, an ack of 17 packets (see ACK_EVERY_PACKETS) would leave 15 of a window of 32 in flight, and a window
    // cut to 32 would never grow again: a bulk transfer after a second of darkness would go on at 17 packets an update,
    // a 30th of its rate before the darkness, for good.
    if (advance > 0) {
      this.#firstInFlight = nextSequence(ack);
      this.#forgets = 0;
    }
  }

  send(value: unknown, options: SendOptions = {}): boolean {
    // Unchecked, from JavaScript a mode in place of the options, send(value, "unreliable"), would throw a RangeError
    // about a time (a string's at() read as `at`); a channel, send(value, 1), would go on channel 0, silently; null
    // would fail on `.mode`.
    if (!options || typeof options != "object") {
      throw new TypeError(`Cannot send with options ${options}: give an object, as { mode: "unreliable" }`);
    }
    const { at, channel = 0, mode = "reliable" } = options;
    const modeIndex = MODES.indexOf(mode);
    let pieceBytes = this.#config.mtu - PACKET_OVERHEAD_BYTES;
    if (modeIndex < 0) {
      throw new RangeError(`Cannot send in mode "${mode}": the modes are ${MODES.join(", ")}`);
    }
    if (!(Number.isInteger(channel) && channel >= 0 && channel <= this.#config.channels - 1)) {
      // A string is quoted, as in HostOptions' errors: unquoted, `channel: "1"` (read from a URL) would read
      // "channel 1: it must be an integer from 0 to 7", a puzzle.
      throw new RangeError(
        `Cannot send on channel ${shown(channel)}: it must be an integer from 0 to ${this.#config.channels - 1}`,
      );
    }
    if (at !== undefined) {
      pieceBytes -= TIMED_FRAME_BYTES; // each piece goes after a TIMED frame
      // At most `timeout` ahead, as the receiver holds it: else a Date.now() time on a performance.now() clock would be
      // dropped there, and the sender told nothing.
      const now = this.#sink.now();
      if (!(Number.isFinite(at) && at - now <= this.#config.timeout)) {
        throw new RangeError(
          `Cannot send at ${at}: a time is ms on this Host's clock (now ${now}), at most HostOptions.timeout ahead`,
        );
      }
    }
    const fragments = modeIndex == STATE || modeIndex < SEQUENCED;
    let payload = pack(value);
    // A state goes as a snapshot, made below with its delta.
    let snapshot: SentSnapshot | undefined;
    // A message in more pieces than the receiver holds at once never completes: RECEIVE_WINDOW, or for a state
    // STATE_PIECES_KEPT less one (a state travels after a head of up to 11 bytes).
    const pieces = modeIndex == STATE ? STATE_PIECES_KEPT - 1 : RECEIVE_WINDOW;
    const limit = fragments ? Math.min(pieceBytes * pieces, this.#config.maxMessageBytes) : pieceBytes;
    if (payload.length > limit) {
      throw new RangeError(
        `Cannot send ${payload.length} bytes in mode "${mode}": the limit is ${limit} bytes${
          fragments
            ? ` (HostOptions.maxMessageBytes, or ${pieces} pieces of ${pieceBytes})`
            : `, one packet (a larger message goes "reliable", "unordered" or "state")`
        }`,
      );
    }
    // A peer gone or going takes nothing more, and says so without a throw: a game learns of a departure from poll(),
    // so a send in between (update, a reply to each message, then poll) that threw would end a server that replies to a
    // player who left. The checks above, of the caller's own values, still throw.
    if (this.state == "disconnecting" || this.state == "disconnected") return false;
    if (this.#queuedBytes + payload.length > this.#config.maxQueuedBytes) {
      throw new RangeError(
        `Cannot send ${payload.length} bytes to ${this.address}: ${this.#queuedBytes} bytes are queued (each ` +
          `piece counts 256 more) and the limit is ${this.#config.maxQueuedBytes} (HostOptions.maxQueuedBytes)`,
      );
    }
    // A state reads its time before anything changes, its stream made included: a clock that reads no time throws
    // first (else the stream, made empty, would change the order streams take turns in).
    const time = modeIndex == STATE ? this.#sink.now() : 0;
    const stream = this.#stream(channel << 3 | modeIndex);
    // Checked (a state's checks are of the state whole; what goes is its delta, or it whole, after an 11-byte
    // head at most): now a state may change what is queued. A newer one supersedes an older one not begun, or one
    // begun with more pieces left than its bytes and that head fill; else it is skipped (see Stream.dropUnsent).
    if (modeIndex == STATE) {
      // At most this many pieces, a head of up to 11 bytes included (whole, or a delta when shorter).
      const dropped = stream.dropUnsent((payload.length + 11) / pieceBytes);
      if (dropped < 0) return true; // one begun goes on: this one is skipped, as if lost
      this.#queuedBytes -= dropped;
      [payload, snapshot] = (stream.states ??= new Snapshots()).encode(payload, stream.sequence, time);
    }
    // A message in pieces queued behind a piece that has not left yet (a backlog) starts as if it went on from that
    // piece, in one piece of pieceBytes, when that takes no more pieces: the two fill one packet (else, at the default
    // mtu, a backlog of 1,200-byte messages takes two packets each, one nearly empty).
    const last = stream.last;
    let shift = last && !last.sent && !last.done ? frameBytes(last) : 0;
    if ((payload.length - 1) % pieceBytes + shift >= pieceBytes) shift = 0;
    const pieceCount = Math.ceil((payload.length + shift) / pieceBytes); // pack gives at least 1 byte
    // A state's snapshot counts its pieces not yet acked; each piece's ack tells it.
    const acked = snapshot && (snapshot.unacked = pieceCount, () => stream.states!.acked(snapshot));
    for (let index = 0; index < pieceCount; index++) {
      stream.push({
        at,
        channel,
        mode: modeIndex,
        sequence: stream.sequence,
        acked,
        payload: pieceCount == 1
          ? payload
          : payload.subarray(index && index * pieceBytes - shift, index * pieceBytes - shift + pieceBytes),
        sent: 0,
        fragment: 2 * index + +(index == pieceCount - 1),
      });
      if (hasSequence(modeIndex)) stream.sequence = nextSequence(stream.sequence);
    }
    // Each piece with its bookkeeping, as the receiver counts what it holds (see HostOptions.maxQueuedBytes). The
    // check above is of the bytes alone: one message's bookkeeping may pass the limit, by 256 KiB at most (1,024
    // pieces), which the receiver's bound has room for.
    this.#queuedBytes += HELD_PIECE_BYTES * pieceCount + payload.length;
    return true;
  }

  /**
   * True when the ack cannot wait for the next update: so many packets arrived unacked (see
   * ACK_EVERY_PACKETS), or a CLOSING did, which the closing side waits to hear acked. Not while this side says
   * goodbye: an ack sent then could take the sequence of its first goodbye, and the other side's ack of it would read
   * as the goodbye heard, with none sent (6 of 320 disconnects between two updates on a 1 ms link would end as
   * "timeout" on the other side).
   */
  mustAck(): boolean {
    return this.#ackPending > (this.finished() ? 0 : ACK_EVERY_PACKETS);
  }
}

const MODES: Mode[] = ["reliable", "unordered", "sequenced", "unreliable", "state"];

/**
 * Blends one acked (or lost) packet into `stats`: loss over about 32 packets, RTT as RFC 6298. `rttSampleMs` is false
 * for a packet that gives no sample (a sample is at least MIN_RTT_SAMPLE_MS).
 */
function estimate(stats: Stats, lost: boolean, rttSampleMs: number | false): void {
  stats.loss += (+lost - stats.loss) / 32;
  if (!rttSampleMs) return;
  // RFC 6298: the first sample sets SRTT and RTTVAR, later ones blend in. A later one counts as at most twice
  // SRTT and the ack delay: a lost ack's packet acked again by the other side's keepalive a second later is no
  // round trip, and a real rise still doubles the estimate's input.
  if (!stats.rttMs) {
    stats.rttVarianceMs = 0.5 * rttSampleMs;
    stats.rttMs = rttSampleMs;
  } else {
    rttSampleMs = Math.min(2 * stats.rttMs + ACK_DELAY_MS, rttSampleMs);
    stats.rttVarianceMs = 0.75 * stats.rttVarianceMs + 0.25 * Math.abs(stats.rttMs - rttSampleMs);
    stats.rttMs = 0.875 * stats.rttMs + 0.125 * rttSampleMs;
  }
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
  socketErrors: 0,
  timedDropped: 0,
});

// ─── Host ───────────────────────────────────────────────────────────────────
// One socket and many connections: the stateless handshake and its cookie,
// the table of peers by address, timers, and the event queue. Everything that
// belongs to one connection is the Connection's.

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
export class Host {
  #socket: Socket;
  #config: Config;
  #now: () => number;
  /** The key of the handshake's cookies: 64 random bits. */
  #secret: TagKey;
  /** HostOptions.random, if given. */
  #random?: (bytes: Uint8Array) => void;
  #connections = new Map<string, Connection>();
  /**
   * What the connections share with the Host: its config, stats and clock, the event queue, and the timed messages
   * waiting for their time (soonest first; of one time, in the order they came).
   */
  #sink: Sink;
  /**
   * Counters for the whole Host: every peer's, plus datagrams that belong to
   * no connection. Its RTT and loss are estimated over the packets of all its peers.
   */
  readonly stats: Stats = newStats();
  /** True once close() has run; unset before: it is only ever tested for truth. */
  #closed?: boolean;

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
  constructor(socket: Socket, options?: HostOptions | null) {
    // A runtime's own socket given as it is (a Deno DatagramConn, a WebSocket) has no `listen`, nor has a memoryNet.
    if (!socket?.listen) {
      throw new TypeError(
        "new Host() takes a Socket: wrap yours in denoUdp, nodeUdp, bunUdp or webSocket, or use memoryNet().socket(address)",
      );
    }
    const config = this.#config = {} as Config;
    // Each numeric option: its name, default, greatest value (default 2 ** 31) and least (default 1).
    for (
      const [name, fallback, max = 2 ** 31, min = 1] of [
        ["protocol", 0, 2 ** 32 - 1, 0],
        ["maxMessageBytes", 16 + 2 ** 20, 2 ** 30],
        ["maxPeers", 64, 65536],
        ["mtu", DEFAULT_MTU_BYTES, 65507, 64],
        // From 100 ms, a HELLO's retry: `timeout: 10` (seconds typed for ms) would end every connect in silence as
        // "timeout".
        ["timeout", 10_000, 2 ** 31, 100],
        ["channels", 8, 256],
        ["tickMs", 16, 60_000],
        ["maxQueuedBytes", 4 << 20],
        ["maxEvents", 4096],
        ["packetsPerUpdate", socket.reliable ? 8 : 1024, 1024],
        ["maxTimedMessages", 4096],
      ] as [keyof Config, number, number?, number?][]
    ) {
      const value = options?.[name] ?? fallback;
      if (!(Number.isInteger(value) && min <= value && value <= max)) {
        // A string is quoted: unquoted, `timeout: "5000"` would read "is 5000: it must be an integer", a puzzle.
        throw new RangeError(
          `HostOptions.${name} is ${shown(value)}: it must be an integer from ${min} to ${max}`,
        );
      }
      config[name] = value;
    }
    this.#random = options?.random;
    const clock = options?.now ?? socket.now ?? (() => performance.now());
    this.#socket = socket;
    this.#sink = {
      config,
      events: [],
      held: [],
      head: 0,
      stats: this.stats,
      queued: new Map(),
      reliable: socket.reliable,
      // Every reading is checked: a clock that cannot be called or returns no time (`now: performance.now`, unbound; a
      // function returning nothing) would otherwise throw on every update() or leave timers that never fire, and one
      // NaN would leave a peer that never times out, or one that sends no keepalive. Say so, naming the option (the
      // runtime's own "Illegal invocation" names none).
      now: this.#now = () => {
        let now: unknown;
        try {
          now = clock();
        } catch (error) {
          now = error;
        }
        if (!Number.isFinite(now)) throw new RangeError(`HostOptions.now() gave ${now}: it must return a time in ms`);
        return now as number;
      },
    };
    this.#secret = [this.#randomWord(), this.#randomWord()];
    this.#now(); // at once: the clock is wrong from the start more often than not
    socket.listen((data, from) => this.#receive(data, from), (event) => this.#socketEvent(event));
  }

  /**
   * Runs timers and sends what is due: handshakes, messages, resends, acks, keepalives, timeouts. In order: timed
   * messages due become events; then each connection's update() (its timers, the plan of resends) and pollTransmit()
   * until it has nothing more (every data packet is built in Connection.packet).
   */
  update(): void {
    const now = this.#now();
    this.#release(now);
    for (const connection of this.#connections.values()) {
      connection.update(now);
      for (let datagram; (datagram = connection.pollTransmit(now));) this.#send(datagram, connection);
      // Only if still filed: a socket that runs the game's code inside send may have replaced it meanwhile.
      if (connection.finished() && this.#connections.get(connection.address) == connection) {
        this.#connections.delete(connection.address);
      }
    }
  }

  /**
   * Moves the timed messages due by `now` to the events, all of one time together; a departed peer's "disconnect"
   * right behind its own last one.
   */
  #release(now: number): void {
    const held = this.#sink.held;
    let due = 0;
    while (held[due]?.[0] <= now) due++;
    // Each entry's event, and the disconnect behind it when it has one (an entry is [at, event, disconnect?], and a
    // disconnect is only ever set to an event, never to undefined).
    for (const [, ...events] of held.splice(0, due)) this.#sink.events.push(...events as HostEvent[]);
  }

  /** The next event, or undefined when there is none. */
  poll(): HostEvent | undefined {
    const sink = this.#sink, events = sink.events;
    this.#release(this.#now());
    // By an index, not shift(): past about 16,000 events V8 keeps the array in large-object space and copies it whole
    // at each shift(), so one player's datagram of 30,000 one-byte messages would take 32 ms to poll (1 ms by index:
    // bench/poll_drain.ts).
    for (let event; (event = events[sink.head]);) {
      // Those polled go once they are over half the array (all of it once empty): a batch moves fewer events than it
      // lets go, and a drained queue holds none.
      if (++sink.head * 2 > events.length) events.splice(0, sink.head), sink.head = 0;
      const peer = event.peer as Connection;
      if (event.type == "message") sink.queued.set(peer.address, peer.queued - 1);
      if (!peer.queued) sink.queued.delete(peer.address);
      // After the game's own disconnect() none of that peer's events comes out, timed or not; after close() none.
      if (!peer.forgotten && !this.#closed) return event;
    }
  }

  #randomWord(): number {
    // With no `random`, crypto's bytes stand. A `random` given by mistake that fills nothing (`Math.random`, which
    // TypeScript takes for one) leaves them too, rather than keys anyone can compute.
    const bytes = crypto.getRandomValues(new Uint8Array(4));
    this.#random?.(bytes);
    return new ByteReader(bytes).uint(4);
  }

  #receive(datagram: Uint8Array, from: string): void {
    if (this.#closed) return;
    const connection = this.#connections.get(from);
    const now = this.#now();
    this.#count("bytesReceived", connection, datagram.length);
    this.#count("packetsReceived", connection);
    // No packet is larger than the largest mtu; a WebSocket message can be 64 MiB: one of tiny frames would be
    // thousands of events at once, and poll() would take seconds to hand them out. It is dropped as invalid.
    if (connection && datagram[0] >= DATA && datagram.length <= 65507) {
      if (connection.receive(datagram, now)) {
        if (connection.earlyAck) {
          this.#send(connection.earlyAck, connection);
          connection.earlyAck = undefined;
        }
        // An ack covers 33 packets: past ACK_EVERY_PACKETS unacked, ack at once, not at the next update. With the
        // clock's frames when due (37 bytes at most): a peer that sends nothing and is sent more than ACK_EVERY_PACKETS
        // packets within ACK_DELAY_MS acks only here, and its quiet never reaches the delay after which its own ack
        // carries them (a 12 KB state every update on a 1 ms link: no sample in 20 s). The ack of a peer's goodbye may
        // carry them too, unread: it grows by up to 37 bytes, and no datagram more goes.
        if (connection.mustAck()) {
          this.#send(connection.packet(now, 0, [], 37, connection.clock.frames(now)), connection);
        }
        if (connection.finished() && this.#connections.get(from) == connection) this.#connections.delete(from);
      } else this.#count("invalidDropped", connection);
    } else this.#handshake(connection, readHandshake(datagram), from, now);
  }

  /** Sends a datagram, counted for the Host and for its connection if it has one; what the socket throws passes. */
  #transmit(datagram: Uint8Array, connection: Connection | string): void {
    const bytes = datagram.length; // before the send: a socket may transfer the buffer (postMessage), reading 0 after
    this.#socket.send(datagram, connection instanceof Connection ? connection.address : connection);
    this.#count("bytesSent", connection, bytes);
    this.#count("packetsSent", connection);
  }

  /** What the socket reports: a remote that is gone ends its peer with `"closed"`; a fault is counted. */
  #socketEvent(event: SocketEvent): void {
    const connection = this.#connections.get(event.address!);
    if (event.type == "closed") {
      connection?.end("closed");
      this.#connections.delete(event.address);
    } else this.#count("socketErrors", connection);
  }

  /** Sends a datagram as #transmit does; a socket that throws is counted too, and never stops an update. */
  #send(datagram: Uint8Array, connection: Connection | string): void {
    try {
      this.#transmit(datagram, connection);
    } catch {
      this.#count("socketErrors", connection);
    }
  }

  /** Adds to a counter of a connection (and so of the Host), or of the Host alone for an address with none. */
  #count(name: keyof Stats, connection: Connection | string | undefined, amount = 1): void {
    if (connection instanceof Connection) connection.count(name, amount);
    else this.stats[name] += amount;
  }

  /** Answers a handshake datagram; one that fits no step of the handshake is counted invalid. */
  #handshake(
    connection: Connection | undefined,
    [kind, first, second, third]: number[],
    from: string,
    now: number,
  ): void {
    if (kind == HELLO) {
      // Stateless until the cookie checks out: the challenge is derived, nothing is kept. The cookie is
      // a keyed hash of the nonce, the protocol and the address, under the Host's secret.
      const cookie = halfSipHash(
        this.#secret,
        new Uint8Array([...uint32s(second, first), ...textEncoder.encode(from)]),
      ) || 1;
      if (first != this.#config.protocol) {
        // Another game, or another version of this one: say so at once (13 bytes, as the HELLO).
        this.#send(writeHandshake(REFUSED, second, REFUSED_PROTOCOL), from);
      } else if (third !== cookie) {
        this.#send(writeHandshake(CHALLENGE, second, cookie), from);
      } else if (connection?.nonce == second) {
        // Our first packet was lost: answer again. A connection no longer connected (the game dropped it on
        // "connect") is not made again by a HELLO of its nonce that was sent before our answer arrived: that would be
        // a ghost, with a new "connect".
        if (connection.state == "connected") this.#send(connection.packet(now), connection);
      } else if (
        !(connection?.keeps(now, second) || this.#sink.events.length - this.#sink.head > 2 * this.#config.maxEvents)
      ) {
        // Past twice maxEvents not yet polled (those past the head), no answer and nothing changes:
        // the HELLO comes again (HANDSHAKE_RETRY_MS), and gets in once the game polls. Answered, each HELLO would make
        // a "connect" and, from one address, end the last with a "disconnect": 20,000 with good cookies between two
        // polls would keep 32 MiB; refused as full, a player who joined while the server stalled would end for good.
        connection?.end("closed"); // the same address, a new nonce: the old connection is gone
        // Every peer in the table counts, one leaving (disconnecting) or saying goodbye too, until it is gone (at most
        // CLOSING_ATTEMPTS goodbyes after it ended, CLOSING_SPACING_MS apart or more): memory stays bounded by
        // maxPeers. The one from this address, ended just above, makes way for the new one. Counted, not scanned: a
        // scan of the table for each peer would make 4,096 players connecting at once (a server restarted) a stall of
        // 165 ms, 23 ms at 1,024.
        if (this.#connections.size - +!!connection >= this.#config.maxPeers) {
          this.#send(writeHandshake(REFUSED, second, REFUSED_FULL), from);
        } else {
          this.#connections.set(from, connection = new Connection(this.#sink, from, second, now, cookie));
          this.#send(connection.packet(now), connection);
        }
      }
    } else if (connection?.state == "connecting" && connection.nonce == first) {
      // Answers to our HELLO carry our nonce: a stranger cannot guess it.
      if (kind == CHALLENGE) this.#send(connection.hello(now, second), connection); // again, with the cookie
      else connection.end(second != REFUSED_PROTOCOL ? "full" : "refused");
    } else this.#count("invalidDropped", connection);
  }

  /**
   * The connected peers: one that connected to this Host is among them as soon as its handshake is done, before its
   * `"connect"` event is polled (a list of players built from events may lag it by a poll).
   */
  get peers(): Peer[] {
    return [...this.#connections.values()].filter((connection) => connection.state == "connected");
  }

  /** Async style: updates every `tickMs` and yields each event, until `close()`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<HostEvent, void, undefined> {
    while (!this.#closed) {
      this.update();
      for (let event; (event = this.poll());) yield event;
      await new Promise((resolve) => setTimeout(resolve, this.#config.tickMs));
    }
  }

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
  connect(address: string): Peer {
    if (this.#closed) throw new TypeError(`Cannot connect to ${address}: the Host is closed`);
    let connection = this.#connections.get(address);
    if (!connection || connection.state == "disconnecting" || connection.state == "disconnected") {
      const now = this.#now(); // first: a clock that reads no time throws before anything changes
      // A malformed address is the caller's mistake: the socket throws before the peer exists.
      connection = new Connection(this.#sink, address, this.#randomWord() || 1, now);
      this.#transmit(connection.hello(now), connection);
      // The one there ended: one leaving (disconnecting), which drops its queue (its event never comes out: the game
      // disconnected it), or one made meanwhile (a synchronous socket re-entered).
      this.#connections.get(address)?.end("closed");
      this.#connections.set(address, connection);
    }
    return connection;
  }

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
  close(): void {
    if (this.#closed) return;
    // No clock read: the goodbyes' time is kept only by connections that go with the Host, and a clock that fails
    // must not keep a Host open (with every reading checked, a close() that read it would throw).
    for (const connection of this.#connections.values()) {
      connection.end();
      for (let goodbye, i = 0; CLOSE_BURST > i && (goodbye = connection.goodbye(0)); i++) {
        this.#send(goodbye, connection);
      }
    }
    // Nor after it: update() does nothing and poll() hands out nothing, so neither may throw for a clock that fails
    // (both read it, and a `for await` loop that closes its Host would throw as it goes on).
    this.#now = () => 0;
    this.#connections.clear();
    this.#closed = true;
    this.#socket.close();
  }
}

// ─── Snapshots ──────────────────────────────────────────────────────────────
// The `"state"` mode, as Quake 3 sends its world: every snapshot is sent
// once, unreliably, as a delta against the newest snapshot the receiver is
// known to hold (its packets acked), or whole when there is none; a lost one
// is never resent, the next supersedes it. The receiver rebuilds each exactly
// and delivers only the newest. The seams: Stream holds the pieces, a piece's
// `acked` tells the sender, Connection hands whole snapshots here.
//
// The delta is an XOR of the packed bytes against the baseline's, zero runs
// collapsed: for a world of 64 entities where 10% move per tick, 8.4 times
// fewer wire bytes than packing it whole over 30 s, 12 times once every entity
// has moved (bench/state.ts), from about 40 lines (xorDelta, applyDelta) that know nothing of the values.
// A structural diff (changed leaves and their paths, packed) measured 1.8
// times larger in steady state, and smaller only while numbers change width
// (an integer becoming a float shifts every byte after it for the XOR).

/** One snapshot sent: its packed bytes, and how many of its pieces are not yet acked. */
interface SentSnapshot {
  sequence: number;
  /**
   * Its pieces not yet acked (each is sent once, in one packet): their count once they are queued (absent until then,
   * as no ack comes before), then down to 0.
   */
  unacked?: number;
  bytes: Uint8Array;
}

/**
 * `bytes` as a delta against `base`: its length, then runs of bytes equal to
 * the base (a varint count) and of bytes that differ (a varint count, then
 * each XOR the base). Bytes past the last run equal the base's.
 */
function xorDelta(bytes: Uint8Array, base: Uint8Array): Uint8Array {
  const length = bytes.length;
  const out = new Uint8Array(length * 2 + 10);
  let at = writeVarint(length, out, 0);
  // Byte i XOR the base's, 0 past the end. Past the end of the base its bytes count as 0: XOR takes the
  // undefined there as 0.
  const xor = (i: number) => length > i ? bytes[i] ^ base[i] : 0;
  for (let i = 0; i < length;) {
    let start = i; // of the run at hand: equal bytes, then differing ones
    while (!xor(i) && i < length) i++; // xor is 0 at length: the bound ends the scan there
    if (i == length) break; // the rest equals the base: nothing to say
    at = writeVarint(i - start, out, at);
    start = i;
    // A run of differing bytes goes on over up to 2 equal ones: a new run would cost at least 2 bytes.
    while (xor(i) || xor(i + 1) || xor(i + 2)) i++;
    at = writeVarint(i - start, out, at);
    for (; start < i; start++) out[at++] = xor(start); // its bytes, each XOR the base's
  }
  return out.subarray(0, at);
}

/** One channel's snapshots of one connection: those sent, for baselines, and those received, to rebuild from. */
class Snapshots {
  #newestAcked = -1;
  #sent: (SentSnapshot | undefined)[] = [];
  #received: ({ sequence: number; bytes: Uint8Array } | undefined)[] = [];
  #newestDelivered = -1;

  /**
   * A packet with a piece of `sent` was acked: once all its pieces were, the receiver holds it, a baseline while its
   * slot here holds it (encode checks). The newest acked is taken whatever its slot: taking only one whose slot still
   * holds it, a late one acked with a newer one whose slot has gone would become the baseline, which a receiver that
   * keeps only its newest does not have (21,490 states lost in 300 seeded runs, gaps of 3.5 s).
   */
  acked(sent: SentSnapshot): void {
    if (
      !--sent.unacked! && (this.#newestAcked < 0 || sequenceAhead(sent.sequence, this.#newestAcked) > 0)
    ) {
      this.#newestAcked = sent.sequence;
    }
  }

  /**
   * Rebuilds the snapshot sent as `sequence`: its packed bytes, the time it
   * was sent on the sender's clock and whether it is newer than every one
   * delivered before (to deliver), or undefined when it cannot be (its baseline is
   * gone, it is malformed, or longer than `max` bytes, whole or rebuilt: the
   * receiver's maxMessageBytes; what one update rebuilds in all is bounded
   * before its packet is taken, by Connection's receive). A snapshot
   * rebuilt is kept as a baseline unless its slot holds a newer one.
   */
  decode(
    sequence: number,
    payload: Uint8Array,
    max: number,
  ): [bytes: Uint8Array, time: number, newest: boolean] | undefined {
    const reader = new ByteReader(payload);
    const back = reader.varint();
    const time = reader.take(8);
    const body = reader.take(reader.left());
    const baseSequence = (sequence - back) & 0xffff;
    const kept = this.#received[sequence % SNAPSHOT_SLOTS]; // what its own slot holds (see below)
    const base = this.#received[baseSequence % SNAPSHOT_SLOTS];
    // Its time is validated as a timed message's is: NaN or Infinity in `event.time` would break a Timeline.
    const bytes = reader.ok && isFinite(readFloat64(time, 0)) &&
      (back ? base?.sequence == baseSequence && applyDelta(body, max, base.bytes) : body.length <= max && body);
    const newest = this.#newestDelivered < 0 || sequenceAhead(sequence, this.#newestDelivered) > 0;
    if (!bytes) return undefined;
    // Kept as a baseline unless its slot holds a newer one. Its sender takes the newest state it knows acked (see
    // acked), while its slot holds it (see encode): one this side let go for a newer in the slot, the sender let go
    // too. Kept whatever its slot holds, a state 32 sequences late (states superseded unsent take theirs too) would
    // take a newer one's slot, the baseline of the next delta maybe; that delta would fail, its packets acked all the
    // same, so its sender would build the next on it, and so on: one datagram 160 ms late on a clean link, and half the
    // states lost for good. Keeping only the newest fails too against a sender that takes a late one, acked, as its
    // baseline when the newer one's slot there has gone (see acked).
    if (newest) this.#newestDelivered = sequence;
    // The newest always: else, after 32,768 sequences in other slots (deltas of 2 pieces for minutes, then of 1), the
    // state a slot still holds would read as newer than any new one, and none would be kept again.
    if (newest || !kept || sequenceAhead(sequence, kept.sequence) > 0) {
      this.#received[sequence % SNAPSHOT_SLOTS] = { sequence, bytes };
    }
    return [bytes, readFloat64(time, 0), newest];
  }

  /**
   * The payload of the snapshot `packed` that will be sent as `sequence`:
   * a varint of how far back its baseline is (0: none, the whole state), the
   * sender's clock, then the delta or the whole packed bytes.
   */
  encode(packed: Uint8Array, sequence: number, now: number): [payload: Uint8Array, sent: SentSnapshot] {
    // The baseline: the newest snapshot acked, while its slot holds it (the receiver's slot then holds it too).
    const base = this.#sent[this.#newestAcked % SNAPSHOT_SLOTS];
    // The delta against it when there is one and it is shorter, else the whole packed bytes.
    const delta = base?.sequence == this.#newestAcked && xorDelta(packed, base.bytes);
    const body = delta && packed.length > delta.length ? delta : packed;
    const back = body == packed ? 0 : (sequence - this.#newestAcked) & 0xffff;
    const payload = new Uint8Array(varintBytes(back) + 8 + body.length); // the varint, a float 64, the body
    const at = writeVarint(back, payload, 0);
    viewOf(payload).setFloat64(at, now);
    payload.set(body, at + 8);
    return [
      payload,
      this.#sent[sequence % SNAPSHOT_SLOTS] = { sequence, bytes: packed },
    ];
  }
}

/** The bytes `delta` describes against `base`, or nothing when it is malformed: undefined, or false where its reader failed. */
function applyDelta(delta: Uint8Array, max: number, base: Uint8Array): Uint8Array | false | undefined {
  const reader = new ByteReader(delta);
  const length = reader.varint();
  // A claimed length is bounded before allocating, by what a sender may send: not by the delta's size (a state
  // that grows by zeros has a short delta; states built each on the last could grow 8 times a delta each).
  if (length > max) return undefined;
  const bytes = new Uint8Array(length);
  bytes.set(base.subarray(0, length));
  for (let at = 0; reader.left();) {
    at += reader.varint();
    const run = reader.take(reader.varint());
    if (length < at + run.length) return undefined;
    for (const byte of run) bytes[at++] ^= byte;
  }
  return reader.ok && bytes;
}

// ─── Clock sync ─────────────────────────────────────────────────────────────
// Each side estimates how far the other's clock is ahead of its own, NTP
// style: a request carries its send time t0; the answer carries t0, when the
// request arrived (t1) and when the answer left (t2), both on the other clock;
// it arrives at t3. offset = ((t1 − t0) + (t2 − t3)) / 2 and the round trip
// (t3 − t0) − (t2 − t1). Of the last CLOCK_SAMPLES, the one with the shortest
// round trip wins: the less time in flight, the less room for asymmetry, and
// the true offset is within half its round trip of the estimate.

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

class Clock implements ClockEstimate {
  #samples: [errorMs: number, offsetMs: number][] = [];
  offsetMs = 0;
  /** The last request to answer: its t0, and when it arrived. */
  #toAnswer?: [number, number];
  /**
   * The t0 of the newest request and of the newest answer taken. An older or repeated one is no news: a copy of an
   * empty packet passes as new (see ACK_ONLY), and 20 replayed answers a tick would skew the offset by 15 s.
   */
  #newest = [-Infinity, -Infinity];
  #requestedAt = -Infinity;
  errorMs = Infinity;

  /** The control frames for the next packet: the answer to the last request, and a request when one is due. */
  frames(now: number): Frame[] {
    const frames: Frame[] = [];
    const interval = this.#samples.length < CLOCK_SAMPLES ? CLOCK_FIRST_INTERVAL_MS : CLOCK_INTERVAL_MS;
    if (this.#toAnswer) {
      frames.push({
        channel: 0,
        mode: CONTROL,
        sequence: 0,
        fragment: CLOCK_ANSWER,
        payload: float64s(...this.#toAnswer, now),
      });
      this.#toAnswer = undefined;
    }
    if (now - this.#requestedAt >= interval) {
      frames.push({ channel: 0, mode: CONTROL, sequence: 0, fragment: CLOCK_REQUEST, payload: float64s(now) });
      this.#requestedAt = now;
    }
    return frames;
  }

  /** A control frame arrived at `now`. */
  receive(frame: Frame, now: number): void {
    const t0 = readFloat64(frame.payload, 0);
    const kind = frame.fragment;
    if (this.#newest[kind] < t0) {
      this.#newest[kind] = t0;
      if (kind) { // CLOCK_ANSWER; a CLOCK_REQUEST is 0 (TIMED frames never come here: see readFrame)
        const t1 = readFloat64(frame.payload, 1);
        const t2 = readFloat64(frame.payload, 2);
        const offsetMs = (t1 - t0 + t2 - now) / 2;
        const roundTripMs = now - t0 - (t2 - t1);
        // A round trip below zero or one from the future is no sample: a peer's bug (or a hostile peer) skipped.
        if (now >= t0 && roundTripMs >= 0 && isFinite(roundTripMs + offsetMs)) {
          if (this.#samples.push([roundTripMs / 2, offsetMs]) > CLOCK_SAMPLES) this.#samples.shift();
          [this.errorMs, this.offsetMs] = this.#samples.reduce((a, b) => a[0] > b[0] ? b : a);
        }
      } else {
        // A request (the only other kind this is handed): answered in the next packet. Until the first sample it
        // gives the offset, short by its trip: two machines' clocks differ by their processes' ages, and a message
        // timed before it would be read as if they were one (held seconds, dropped past `timeout`, or flagged late). A
        // request at +Infinity (a hostile peer's) gives none: remoteTime() stays finite.
        this.#samples[0] || isFinite(t0) && (this.offsetMs = t0 - now);
        this.#toAnswer = [t0, now];
      }
    }
  }
}

// ─── Playback ───────────────────────────────────────────────────────────────
// A game draws other players a little in the past, between two snapshots:
// smooth whatever the jitter. A Timeline keeps states by the sender's clock
// (a `"state"` message's `time`); the render time is now on that clock less
// the trip from it (`peer.remoteTime() - peer.clock.errorMs`), minus a delay
// of a snapshot interval or two.

/** Inserts `[time, value]` into `list`, kept in time order, after any of the same time: searched from the end, where times mostly arrive. */
function insertByTime<T>(list: [number, T, ...unknown[]][], time: number, value: T): void {
  let at = list.length;
  while (at && list[at - 1][0] > time) at--; // never list[-1]: a negative index is a slow lookup in V8
  list.splice(at, 0, [time, value]);
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
export function lerp<T>(a: T, b: T, fraction: number): T {
  // Numbers whose difference is not finite (Infinity, such as a time never reached, changed or not) take the later
  // one, as a value that does not interpolate does: interpolated, they would read NaN. So does a fraction of 1,
  // exactly: a + (b - a) can round off b.
  if (typeof a === "number" && typeof b === "number") {
    return (isFinite(b - a) && fraction != 1 ? a + fraction * (b - a) : b) as T;
  }
  // Walked into: two arrays, or two plain objects (a class's instance may hold anything).
  const kind = (value: unknown) => value && typeof value === "object" && Object.getPrototypeOf(value);
  if (kind(a) !== kind(b) || (!Array.isArray(b) && Object.prototype !== kind(b))) return b;
  const out = (Array.isArray(b) ? [] : {}) as Record<string, unknown>;
  for (const key of Object.keys(b as object)) {
    // As unpack keeps it, "__proto__" an own key: assigned, it would set the result's prototype (outside Deno).
    setOwn(out, key, lerp((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], fraction));
  }
  return out as T;
}

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
export class Timeline<T> {
  /** The most states kept: the oldest go first. */
  declare readonly capacity: number;
  /** [time, state], in time order. */
  #states: [number, T][] = [];
  /**
   * Makes an empty timeline.
   *
   * @param capacity the most states kept (default 64: three seconds of 20 Hz snapshots)
   * @throws {RangeError} for a capacity that is not an integer of at least 2
   */
  constructor(capacity = 64) {
    if (!(Number.isInteger(capacity) && capacity > 1)) {
      throw new RangeError(`A Timeline's capacity is ${capacity}: it must be an integer of at least 2`);
    }
    this.capacity = capacity;
  }

  /**
   * The states just before and after `time` and where `time` falls between
   * them, from 0 to 1. Before the first state or after the last, both are
   * that state. Undefined while empty.
   *
   * @param time the render time, ms on the sender's clock
   * @returns the state before, the state after, the fraction between
   * @throws {RangeError} for a time that is not a finite number (unchecked, NaN would find the oldest state)
   */
  at(time: number): [before: T, after: T, fraction: number] | undefined {
    if (!Number.isFinite(time)) throw new RangeError(`A time is a finite number of ms, not ${time}`);
    const states = this.#states;
    let index = 0; // of the first state at or after `time`
    while (states[index]?.[0] < time) index++;
    // Before the first state or after the last, both are that state (none while empty).
    const after = states[index] ?? states.at(-1);
    const before = index ? states[index - 1] : after;
    return before && [before[1], after[1], after == before ? 0 : (time - before[0]) / (after[0] - before[0])];
  }

  /**
   * The state at `time`, interpolated with {@linkcode lerp}; undefined while empty.
   *
   * @param time the render time, ms on the sender's clock
   * @returns the state
   * @throws {RangeError} for a time that is not a finite number
   */
  sample(time: number): T | undefined {
    const around = this.at(time);
    return around && lerp(...around);
  }

  /**
   * Adds a state at `time` (ms on the sender's clock), in time order even when it arrives late.
   *
   * @param time when the state was true
   * @param state the state
   * @throws {RangeError} for a time that is not a finite number (a message's `time` is undefined unless it came in
   *   `"state"` mode): filed, it would make every sample after it NaN
   */
  add(time: number, state: T): void {
    if (!Number.isFinite(time)) throw new RangeError(`A time is a finite number of ms, not ${time}`);
    insertByTime(this.#states, time, state);
    if (this.#states.length > this.capacity) this.#states.shift();
  }
}

// ─── Sockets: the in-memory network and the link conditioner ────────────────

/**
 * A datagram in flight on a memoryNet: due at `at`, the `order`th sent (ties go in send order); `deliver` hands it
 * to the socket at its address. A tuple, not an object: three property names the bundle need not carry.
 */
type Flying = [at: number, order: number, deliver: () => void];

/** The order of memoryNet's heap: sooner first (`at`, index 0); of two due at once, the one sent first (`order`, 1). */
const sooner = (a: Flying, b: Flying): boolean => a[0] < b[0] || a[0] == b[0] && a[1] < b[1];

/** A simulated link: the delays (ms) with which one datagram of `size` bytes arrives, none when lost, two when duplicated. */
function link(options: LinkOptions = {}): (size: number) => number[] {
  // No options, a perfect link: `condition(socket)` and `net.link(from, to)` without them would otherwise throw on
  // undefined.
  let burst = 0; // datagrams of the current burst still to lose
  // A caller's mistake throws here: unchecked, a NaN delay would stop a memoryNet's clock for good, a negative one run
  // it back, and a string (a URL's query, "50") pass `>= 0` and then join as text: 50 ms would take 5 s, and every peer
  // time out.
  for (const [name, value] of Object.entries(options)) {
    if (!(value >= 0 && Number.isFinite(value))) {
      throw new RangeError(`LinkOptions.${name} is ${shown(value)}: it must be a finite number from 0`);
    }
  }
  // The chances left out are 0: random() < undefined is false.
  let {
    jitterMs = 0,
    seed = 1,
    reorder,
    loss,
    burstLoss,
    burstLength = 8,
    duplicate,
    latencyMs = 0,
    mtu = 65507,
  } = options;
  // A 32-bit linear congruential generator (Numerical Recipes' constants): seeded, so every run
  // of a test sees the same link; its high bits, all a float from 0 to 1 needs, are well mixed.
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) | 0) / 2 ** 32 + 0.5;
  // One copy's delay: the latency, the jitter, and one more latency when it is held back behind later ones.
  const delay = () => latencyMs + random() * jitterMs + (random() < reorder! ? latencyMs : 0);
  return (size) => {
    if (random() < burstLoss!) burst = burstLength;
    if (burst-- > 0 || mtu < size || random() < loss!) return [];
    return random() < duplicate! ? [delay(), delay()] : [delay()];
  };
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
export function memoryNet(options?: LinkOptions): MemoryNet {
  let clock = 0;
  let sent = 0;
  const listeners = new Map<string, (data: Uint8Array, from: string) => void>();
  // Datagrams in flight, a binary min-heap by arrival (pushed in send, taken in advance): a flood of n datagrams costs
  // O(n log n), not O(n²).
  const heap: Flying[] = [];
  const links = new Map<string, (size: number) => number[]>();
  const delays = link(options);
  return {
    advance(ms) {
      const end = ms + clock;
      // A caller's mistake throws here: unchecked, NaN would stop the clock for good, a negative ms run it back, a
      // string ("16") make the clock a string. The clock it would reach is checked, not `ms` alone: two finite steps
      // of Number.MAX_VALUE made it Infinity, and every Host on the network threw on every update() and poll().
      if (!(ms >= 0 && Number.isFinite(end))) {
        throw new RangeError(`memoryNet.advance(${ms}): it must be a finite number from 0`);
      }
      while (heap[0]?.[0] <= end) { // the first is due by `end`
        // The first off the heap: the last leaf sifts down from the root.
        const datagram = heap[0];
        let at = 0;
        const last = heap.pop()!;
        for (let child; (child = at * 2 + 1) < heap.length; at = child) {
          if (child + 1 < heap.length && sooner(heap[child + 1], heap[child])) child++;
          if (!sooner(heap[child], last)) break;
          heap[at] = heap[child];
        }
        if (heap.length) heap[at] = last; // none left: the last was the first
        clock = datagram[0]; // its time, never behind: nothing is sent into the past
        datagram[2]();
      }
      clock = end;
    },
    link(from, to, options) {
      links.set(`${from}>${to}`, link(options));
    },
    now: () => clock,
    socket(address) {
      let mine: unknown;
      return {
        send(data, to) {
          for (const delay of (links.get(`${address}>${to}`) ?? delays)(data.length)) {
            const copy = data.slice();
            // To whichever socket listens at `to` when it arrives.
            const datagram: Flying = [clock + delay, sent++, () => listeners.get(to)?.(copy, address)];
            // Onto the heap: it sifts up from a new last leaf, at the end of the array.
            let at = heap.length;
            for (let parent; at && sooner(datagram, heap[parent = (at - 1) >> 1]); at = parent) heap[at] = heap[parent];
            heap[at] = datagram;
          }
        },
        close() {
          // Another socket at this address since (a player back on the same port) keeps listening.
          if (listeners.get(address) == mine) listeners.delete(address);
        },
        listen(receive) {
          // One Host a socket, as on UDP (a new socket at this address is another player, welcome).
          if (mine) throw new Error("new Host() takes a Socket no Host had: open a new one");
          listeners.set(address, mine = receive);
        },
        now: () => clock,
      };
    },
  };
}

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
export function condition(socket: Socket, options?: LinkOptions): Socket {
  // The datagrams still on their timers, and whether close() came: the socket closes after the last of them, so a
  // Host's goodbyes, sent as it closes, still go (closed at once, they would be lost and the peer time out).
  let waiting = 0;
  let closing: boolean | undefined;
  const delays = link(options);
  let notify: (event: SocketEvent) => void = ignore;
  return {
    send(data, to) {
      for (const delay of delays(data.length)) {
        const copy = data.slice();
        waiting++;
        // Sent later, from a timer: what the socket throws is told as a fault, as the Host counts its own sends'.
        // Uncaught, it would end the process (a malformed address, a WebSocket's one peer).
        setTimeout(() => {
          try {
            socket.send(copy, to);
          } catch (error) {
            notify({ type: "error", address: to, error });
          }
          if (!--waiting && closing) socket.close();
        }, delay);
      }
    },
    close() {
      closing = true;
      if (!waiting) socket.close();
    },
    reliable: socket.reliable,
    now: socket.now,
    listen(receive, onEvent = ignore) {
      // The socket first: when it refuses a second Host (it throws), the first Host's faults still come here.
      socket.listen(receive, onEvent);
      notify = onEvent;
    },
  };
}

// ─── Sockets: runtime adapters ──────────────────────────────────────────────
//
// Each adapter takes the runtime's own object, typed by the few members it
// uses, so mod.ts imports nothing and a vendored copy checks under Deno, the
// DOM lib and @types/node alike. UDP addresses are `"host:port"` strings, IPv6
// in brackets (`"[::1]:4000"`). Faults reach `notify` as `"error"` events and
// never throw; a malformed address throws a RangeError at once.

/**
 * What denoUdp, nodeUdp and bunUdp share: an address is checked before anything is
 * sent, faults go to `notify`, and close() waits until the sends in flight
 * have left (a Host sends its goodbyes just before it closes its socket, and
 * an async send cancelled by the close leaves the other side to time out).
 */
function udpSocket(runtime: {
  /** Sends to `to`, split into `port` and `hostname` (the order of Node's and Bun's send); `done` hears how it went. */
  send(data: Uint8Array, port: number, hostname: string, done: (error?: unknown) => void, to: string): void;
  /** Delivers datagrams and faults while `open()` holds. */
  listen(
    receive: (data: Uint8Array, from: string) => void,
    fail: (error: unknown) => void,
    open: () => boolean,
  ): void;
  close(): void;
}): Socket {
  /** True once close() has run; unset before: it is only ever tested for truth. */
  let closed: boolean | undefined;
  let inFlight = 0;
  let notify: (event: SocketEvent) => void = ignore;
  return {
    send(data, to) {
      // `to`, `"127.0.0.1:4000"` or `"[::1]:4000"`, split into IP and port right here (a helper's array would cost
      // every send one more allocation than the match's); a RangeError names a malformed one. A name is malformed: the
      // answers come from its IP, which the Host knows as no peer (`"localhost:7000"` would time out, silently). So is
      // 0.0.0.0, or ::, where a server listens: its answers come from 127.0.0.1 (a connect there would time out). IPv4
      // is four numbers: the runtimes take `127.0.0:4000` or `1.2.3.4.5:4000` as a name, to resolve; in brackets, IPv6,
      // with a colon (`[127.0.0.1]:4000` would time out, its answers from 127.0.0.1:4000), the first class without one,
      // or a long run of colons would backtrack (10 s for 100,000).
      const match = /^(?:\[([\da-f.]*:[\da-f.:]*(?:%[\w.-]+)?)\]|(\d+(?:\.\d+){3})):(\d{1,5})$/i.exec(to);
      const port = +match?.[3]!; // NaN when it does not match: +undefined
      const hostname = match?.[1] ?? match?.[2];
      // Zeros, dots and colons alone: 0.0.0.0 or :: however written, where a server listens, reached at 127.0.0.1.
      if (!(port > 0 && port < 65536) || /^[0.:]+$/.test(hostname!)) {
        throw new RangeError(
          `Cannot reach "${to}": an address is "IP:port" with a port from 1 to 65535, such as "127.0.0.1:4000" or "[::1]:4000" (resolve a name first; reach a server on 0.0.0.0 at 127.0.0.1)`,
        );
      }
      // Tried once more when it fails, the first time: see bunUdp. Bun turns IP_RECVERR on for node:dgram too, so an
      // ICMP "port unreachable" for one datagram fails the socket's next send, whoever it is to; in Node and Deno a
      // send seldom fails, and trying it again costs nothing.
      let retried: boolean | undefined;
      const done = (error?: unknown) => {
        if (!retried && error) {
          retried = true;
          return go();
        }
        // The last send of a closed socket closes it. A game that closes the runtime's socket itself too (a tidy-up
        // after host.close()) makes that close throw here, in the send's callback: uncaught, Deno's BadResource would
        // be a rejection that ends the process.
        try {
          if (!--inFlight && closed) runtime.close();
        } catch {
          // Closed already: nothing more to do.
        }
        if (error) notify({ type: "error", address: to, error });
      };
      const go = () => {
        try {
          runtime.send(data, port, hostname!, done, to);
        } catch (error) {
          done(error);
        }
      };
      if (closed) return notify(sendError("the socket is closed", to));
      inFlight++;
      go();
    },
    listen(receive, onEvent = ignore) {
      // One Host a socket, for good: else a second one would hear nothing (Deno's datagrams go to the last Host made,
      // Node's to both), nor would a new Host on a closed Host's socket (notify stays the first Host's; closed stays
      // closed).
      if (notify != ignore) throw new Error("new Host() takes a Socket no Host had: open a new one");
      notify = onEvent;
      runtime.listen(
        (data, from) => closed || receive(data, from),
        (error) => notify({ type: "error", error }),
        () => !closed,
      );
    },
    close() {
      // The runtime's socket closes now, or after the last send in flight (see done). A game that closes it itself
      // first (a tidy-up before host.close()) would make this throw the runtime's error out of host.close(): Node's
      // dgram throws ERR_SOCKET_DGRAM_NOT_RUNNING when closed twice, Deno's conn BadResource.
      try {
        if (!inFlight && !closed) runtime.close();
      } catch {
        // Closed already: nothing more to do.
      }
      closed = true;
    },
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
 * @throws {TypeError} for what is no datagram conn (it has no `receive`)
 *
 * @example A Host on UDP port 4000
 * ```ts ignore
 * import { denoUdp, Host } from "./mod.ts";
 *
 * const host = new Host(denoUdp(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 4000 })));
 * ```
 */
export function denoUdp(conn: DenoDatagramConn): Socket {
  if (!conn?.receive) throw new TypeError("denoUdp() takes a Deno listenDatagram() socket");
  return udpSocket({
    send: (data, port, hostname, done) =>
      conn.send(data, { hostname, port, transport: "udp" }).then(() => done(), done),
    async listen(receive, fail, open) {
      while (open()) {
        // Called outside the try: a `receive` that throws at once (denoUdp checked there is one) rejects this loop,
        // uncaught. Caught, it would be counted and tried again with no await between: a loop that never lets
        // `new Host` return.
        const received = conn.receive();
        try {
          const [data, from] = await received;
          receive(data.slice(), joinAddress(from.port!, from.hostname!));
        } catch (error) {
          // Any other failed receive is counted, and the socket goes on (Linux tells an unconnected socket nothing
          // of an ICMP port unreachable: see e2e/faults_test.ts). A closed socket's receive fails with BadResource or
          // Interrupted: stop.
          if (!open() || /^(BadResource|Interrupted)$/.test((error as Error)?.name)) break;
          fail(error);
        }
      }
    },
    close: () => conn.close(),
  });
}

/** A `notify` that does nothing, for a socket nobody listens to yet. */
const ignore = (): void => {};

/**
 * Hands a WebSocket message to `receive` as bytes (a view such as Node's
 * Buffer, copied, or an ArrayBuffer); a text message is a fault.
 */
function deliverMessage(
  data: unknown,
  address: string,
  receive: (data: Uint8Array, from: string) => void,
  notify: (event: SocketEvent) => void,
): void {
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) {
    // A Uint8Array made of a Uint8Array is a copy; of an ArrayBuffer, a view of it (a message's own).
    receive(
      new Uint8Array(ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data),
      address,
    );
  } else notify({ type: "error", address, error: new TypeError("A text message arrived where jamnet sends binary") });
}

/** The address string of a port and hostname (the order of Bun's data handler): IPv6 in brackets. */
const joinAddress = (port: number, hostname: string): string =>
  hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;

/** The fault of a send that cannot go, for the reason `why`, to `address`. */
const sendError = (why: string, address: string): SocketEvent => ({
  type: "error",
  address,
  error: new Error(`Cannot send to ${address}: ${why}`),
});

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
export function nodeUdp(socket: NodeDgramSocket): Socket {
  // The options meant for dgram.createSocket, or the dgram module itself, would fail on `socket.on` (in dist/mod.js,
  // which Node users load, as "n.on is not a function").
  if (!socket?.on) throw new TypeError("nodeUdp() takes a node:dgram socket");
  // Node ends the process on an "error" event nobody listens to: listen from the start.
  let fault: (error: Error) => void = ignore;
  socket.on("error", (error) => fault(error));
  return udpSocket({
    send: (data, port, hostname, done) => socket.send(data, port, hostname, done),
    listen(receive, fail) {
      // A copy: Node hands out a Buffer, which may be a slice of a larger pool.
      socket.on("message", (data, from) => receive(new Uint8Array(data), joinAddress(from.port, from.address)));
      fault = fail;
    },
    close: () => socket.close(),
  });
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
export async function bunUdp(
  open: BunUdpOpen,
  options?: { hostname?: string; port?: number },
): Promise<Socket & { readonly address: string }> {
  // The socket Bun.udpSocket() returns (or its promise) in place of the function would reject as "n is not a function"
  // (dist/mod.js). The message names no global: mod.ts names none in its code (scripts/test.ts checks).
  if (typeof open != "function") throw new TypeError("bunUdp() takes Bun's udpSocket");
  let receive: (data: Uint8Array, from: string) => void = ignore;
  let fail: (error: unknown) => void = ignore;
  // Datagrams waiting for `drain` when the send buffer was full: [its send, done].
  // Bun turns IP_RECVERR on (oven-sh/bun#36249): an ICMP "port unreachable" for an earlier datagram fails the next
  // send once, whoever it is to, so udpSocket tries a failed send once more (queued again here), and drops it only if
  // it fails again. Without the retry, a player gone without a goodbye costs the next one a quarter of its packets
  // until it times out, and a stranger's ghost peers (handshakes from sockets it then closed) hold a player's updates
  // up to a second (bench/bun_ghosts.mjs). One retry is enough: the kernel keeps one pending error, not a count.
  const waiting: [() => boolean, (error?: unknown) => void][] = [];
  const flush = () => {
    try {
      while (waiting[0]?.[0]()) waiting.shift()![1]();
    } catch (error) {
      waiting.shift()![1](error);
      flush(); // the rest: no drain comes for a datagram that was never queued
    }
  };
  const udp = await open({
    ...options,
    socket: {
      data: (_, data, port, hostname) => receive(data.slice(), joinAddress(port, hostname)),
      drain: flush,
      // With the error alone: read as a second argument, it would be undefined, and each fault reach the Host as none.
      error: (error) => fail(error),
    },
    binaryType: "uint8array",
  });
  return {
    ...udpSocket({
      send(data, port, hostname, done, to) {
        // Thrown, it reaches `done` all the same: udpSocket's send catches it.
        if (waiting.length >= MAX_WAITING_DATAGRAMS) throw new Error(`Cannot send to ${to}: the send buffer is full`);
        const copy = data.slice();
        if (waiting.push([() => udp.send(copy, port, hostname), done]) == 1) flush();
      },
      listen(onData, onFault) {
        fail = onFault;
        receive = onData;
      },
      close: () => udp.close(),
    }),
    address: joinAddress(udp.port, udp.hostname),
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
 * One WebSocket as datagrams, what {@linkcode webSocket} and {@linkcode webSocketServer} share: it sends one datagram.
 * They close a WebSocket themselves (ws.close()).
 */
type WebSocketLink = (data: Uint8Array) => void;

/**
 * Sends and receives through one WebSocket as `address`: returns its send, which holds what is sent
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
    waiting.forEach((data) => ws.send(data as Uint8Array<ArrayBuffer>));
    waiting = [];
  };
  if ("addEventListener" in ws) {
    ws.binaryType = "arraybuffer";
    ws.addEventListener(
      "message",
      (event) => deliverMessage((event as { data: unknown }).data, address, receive, notify),
    );
    ws.addEventListener("close", () => notify({ type: "closed", address }));
    ws.addEventListener("error", (event) => notify({ type: "error", error: event, address }));
    ws.addEventListener("open", flush);
    // Cloudflare's: its accept() throws for one a Durable Object took with acceptWebSocket (hibernation), whose
    // runtime calls back instead (message and closed).
    try {
      ws.accept?.();
    } catch {
      // its events come through message and closed
    }
  }
  return (data) => {
    const state = ws.readyState ?? 1; // 0 connecting, 1 open, 2 closing, 3 closed
    if (state > 1) return notify(sendError("the socket is closed", address));
    if (!state) {
      if (waiting.length >= MAX_WAITING_DATAGRAMS) return notify(sendError("still connecting", address));
      waiting.push(data.slice());
      return;
    }
    try {
      flush();
      // Every datagram jamnet makes is a view of an ArrayBuffer. Bun's server WebSocket past its backpressure limit
      // drops it, returns 0 and stays open; over a reliable socket nothing is resent, so a reliable message lost there
      // would hold its channel until `timeout` ends the connection: closed, both sides hear it at once.
      if (ws.send(data as Uint8Array<ArrayBuffer>) === 0) ws.close();
    } catch (error) {
      notify({ type: "error", address, error });
    }
  };
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
  const addresses = new Map<WebSocketLike | CallbackWebSocket, string>();
  let count = 0;
  let receive: (data: Uint8Array, from: string) => void = ignore;
  let notify: (event: SocketEvent) => void = ignore;
  /** True once close() has run; unset before: it is only ever tested for truth. */
  let closed: boolean | undefined;
  const links = new Map<string, WebSocketLink>();
  const accept = (ws: WebSocketLike | CallbackWebSocket, address = `ws:${++count}`): string => {
    // Deno.upgradeWebSocket's { socket, response } (not destructured), or the request, would be kept and never heard
    // from, and host.close() then throw "ws.close is not a function".
    if (!ws?.send) throw new TypeError("accept() takes a WebSocket");
    // A second link to one WebSocket would hear each of its messages twice.
    if (addresses.has(ws)) return addresses.get(ws)!;
    if (links.has(address)) {
      throw new RangeError(`Cannot accept a WebSocket at ${address}: another one is open there`);
    }
    // One its client closed already (the server awaited something since the upgrade) fires no close event again:
    // kept, it would hold its link and its address for good. Its peer, never heard from, never starts.
    if ((ws.readyState ?? 1) < 2) {
      // The link first: a WebSocket whose linking throws (its addEventListener) leaves no address behind.
      const link = linkWebSocket(
        ws,
        address,
        (data) => receive(data, address),
        (event) => event.type == "closed" ? forget(ws) : notify(event),
      );
      // One that comes after close() (its Host closed, the server still upgrading) is closed at once and kept nowhere:
      // its client hears `"closed"` rather than wait out its `timeout`. Linked first all the same: Cloudflare's server
      // end throws at a close() before its accept(), which the link makes.
      if (closed) end(ws);
      else {
        links.set(address, link);
        addresses.set(ws, address);
      }
    }
    return address;
  };
  const forget = (ws: WebSocketLike | CallbackWebSocket) => {
    const address = addresses.get(ws)!;
    links.delete(address); // none for one closed before or never accepted: its address is undefined, and no link is there
    if (!addresses.delete(ws)) return; // closed before, or never accepted: its close is told once
    notify({ type: "closed", address });
  };
  // Closes `ws`. Deno's upgraded WebSocket is still connecting when accept() gets it, and ignores a close() until it is
  // open (Deno 2.9.6): closed again then. Closed only once, it would stay open when its Host closed in that moment, or
  // the server upgraded it after that, and its client would wait out its `timeout`.
  const end = (ws: WebSocketLike | CallbackWebSocket) => {
    if ("addEventListener" in ws) ws.addEventListener("open", () => ws.close());
    ws.close();
  };
  return {
    reliable: true,
    message(ws, data) {
      deliverMessage(data, addresses.get(ws) ?? accept(ws), receive, notify);
    },
    close() {
      closed = true;
      addresses.forEach((_, ws) => end(ws)); // the WebSockets with a link: accept and forget set and delete both
      links.clear();
      addresses.clear();
    },
    listen(onData, onEvent = ignore) {
      if (notify != ignore) throw new Error("new Host() takes a Socket no Host had: open a new one"); // as on UDP
      receive = onData;
      notify = onEvent;
    },
    closed: forget,
    accept,
    send(data, to) {
      const link = links.get(to);
      if (link) link(data);
      else notify(sendError("no open WebSocket there", to));
    },
  };
}

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
export function webSocket(ws: WebSocketLike): Socket & { readonly address: string } {
  // The URL in place of the WebSocket would fail as "Cannot use 'in' operator to search for 'addEventListener'".
  if (!ws?.send) throw new TypeError("webSocket() takes a WebSocket");
  const address = ws.url ?? "server";
  let receive: (data: Uint8Array, from: string) => void = ignore;
  let notify: (event: SocketEvent) => void = ignore;
  const link = linkWebSocket(ws, address, (data, from) => receive(data, from), (event) => notify(event));
  return {
    reliable: true,
    listen(onData, onEvent = ignore) {
      if (notify != ignore) throw new Error("new Host() takes a Socket no Host had: open a new one"); // as on UDP
      receive = onData;
      notify = onEvent;
    },
    close: () => ws.close(),
    address,
    send(data, to) {
      if (to !== address) {
        throw new RangeError(`Cannot reach "${to}": this WebSocket reaches only "${address}" (socket.address)`);
      }
      link(data);
    },
  };
}

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
