// A Cloudflare Worker with rooms: a WebSocket to /room/<name> joins the
// Durable Object named <name>, whose one Host sees every player of the room
// and relays each message, in its mode and channel, to all of them (its sender
// too, so one client can try it); when a player comes or goes, it tells them
// all how many are in the room, and each its own address in it, the key of its
// state below: { players: 2, you: "ws:1" }. Players use channels 0 and 1;
// the room's own messages, the count and its pings, come on channel 2
// (ROOM_CHANNEL), where a player sends only its answer to a ping,
// { ping: n } answered { pong: n } (one that sends anything else is let go):
// relayed on channel 0, anyone's { players: 0, you: "ws:7" } passed for the
// room's. A player more than 2 MiB behind what the room sent it, by its
// answers, is closed (see MAX_UNREAD_BYTES). A "state" is the
// exception: a channel's states are one stream, of which a player gets only the
// newest, so the room keeps each player's newest state of a channel and sends
// everyone the room's state of it, every player's under its address in the
// room: { "ws:1": { x: 3 }, "ws:2": { x: -8 } } (relayed one by one, the player
// who sent last silenced the others: 0 of 114 states of one of two players
// reached the third). The Durable Object takes its WebSockets with the
// hibernation API: the runtime calls webSocketMessage and webSocketClose,
// which hand each event to jamnet. e2e/workerd_test.ts runs it in workerd
// (Cloudflare's Workers runtime) with Deno players.
//
// Deploy: copy dist/mod.js beside this file, and with this wrangler.toml run `npx wrangler deploy`:
//
//     name = "jamnet-rooms"
//     main = "room.mjs"
//     compatibility_date = "2024-09-23"
//
//     [[durable_objects.bindings]]
//     name = "ROOM"
//     class_name = "Room"
//
//     [[migrations]]
//     tag = "v1"
//     new_sqlite_classes = ["Room"]
import { Host, pack, webSocketServer } from "./mod.js";

// Every 16 ms, about a 60 Hz frame: how often the room's Host sends and reads.
const TICK_MS = 16;

/**
 * The room's own channel, the last: the count and the pings go out on it, and a player that sends anything there but
 * its answer to a ping is let go (see #handleEvents). A
 * game on more channels moves it up with ROOM_OPTIONS.channels, and its players read the count there. A player's Host
 * needs that many channels: one with fewer drops whole each packet that carries the count, the messages beside it too,
 * which a WebSocket never sends again (`channels: 2` heard 3 of another's 60 messages; a review, 2026-12-06).
 */
const ROOM_CHANNEL = 2;

/**
 * The room's Host options: a Durable Object has 128 MB of memory, and at mod.ts's defaults one peer may have 4 MiB
 * queued and 6.25 MiB of pieces held (2 × maxMessageBytes + maxQueuedBytes + 256 KiB), and each of its 8 channels keeps
 * 32 states of up to maxMessageBytes each way ("state" mode, even one delta of a few bytes rebuilding 1 MiB): the
 * options allowed gigabytes, so one player's large messages, relayed to everyone, could end the object and the room
 * with it. Here 16 players on 3 channels (the players' 0 and 1, the room's 2), messages of at most 16 KiB, 256 KiB
 * queued: a peer holds at most 544 KiB of pieces, 256 KiB queued, 3 MiB of states (1 MiB a channel) and 240 KiB of
 * state pieces not yet whole (each channel's own bound, one state and 64 KiB), 4,112 KiB; about 64.3 MiB for the room.
 * One timed message is held at most (two in all; each is held unpacked until its time; the relay does not keep `at`). A
 * player whose messages pass the bound is dropped (a WebSocket resends nothing, so its refused packet ends it); one
 * that sends on a channel past the third has those packets dropped. Raise them for a game that needs more.
 *
 * Its packets are up to 17 KiB (`mtu`; players' Hosts take any up to 65,507, whatever their own): over a reliable
 * socket a Host sends 8 packets an update, and at the default 1,200 bytes a packet that was each player's whole share of
 * the room's sending, about 550 KB a second. 16 players each sending 700 bytes at 60 Hz, each within its allowance,
 * filled every queue (a packet carries one such message; 16 came each tick, 8 left) and all the 20 and 60 Hz players
 * were let go within 1.3 s; at 17 KiB, 700 and 1,000 bytes play on, and 1,500 pass the relay allowance first
 * (`WORKERD_KILL_MS=60000 deno run -A bench/room_honest.ts 16 700 15`; a review and mine, 2026-12-07). A message of
 * maxMessageBytes goes in one packet, one WebSocket message.
 */
const ROOM_OPTIONS = {
  maxPeers: 16,
  channels: ROOM_CHANNEL + 1,
  maxMessageBytes: 16 * 1024,
  maxQueuedBytes: 256 * 1024,
  maxTimedMessages: 1,
  mtu: 17 * 1024,
};

/**
 * What one player may have the room relay a second, and at once: a message costs its packed bytes and 256 for holding
 * it (as mod.ts counts a piece in `maxQueuedBytes`). The room sends every message to every player, so one player's
 * burst fills every queue as much as its own: 13 messages of 16,000 bytes, each within every bound and its own queue
 * under 256 KiB, left no room in the others', and an honest player's next message let that player go
 * (e2e/workerd_test.ts, 2026-12-06). With this allowance one player fills at most about half of another's queue (96
 * KiB, and 22 KB more for the pieces of 16 KiB messages); a 60 Hz game's messages of 100 bytes cost 21 KB a second. A
 * player past it is let go, and the rest of its messages go nowhere. A game that sends more raises it, and
 * ROOM_OPTIONS.maxQueuedBytes with it. It is a WebSocket's (kept when its player is let go and says HELLO again on it),
 * not a person's: three or four players bursting at once can still fill a queue, one person may open that many
 * WebSockets (up to maxPeers), and one let go may open a new one. Not kept per IP address
 * (`CF-Connecting-IP`), though that would stop one person: it would stop a game jam too, where everyone in the room
 * plays from the venue's one address (or a LAN party's, or a mobile carrier's NAT); ten players relaying 100 bytes at
 * 60 Hz cost 214,800 bytes a second as relayCost counts them, over twice this. A game that knows who plays (an account,
 * a ticket from its lobby) can key the allowance by that.
 */
const RELAY_BYTES_PER_SECOND = 96 * 1024;

/**
 * The most one player's "state" may be, packed: the room's state of a channel holds every player's, under keys of up to
 * 20 bytes packed ("ws:" and a count of up to 16 digits), and must fit ROOM_OPTIONS.maxMessageBytes: 16 × (1,000 + 20)
 * + 3 = 16,323 of 16,384. A player whose state is larger, or nested 256 deep (see stateBytes), is let go (16 players'
 * states of 990 random bytes each, sent every 16 ms for 3 s, let no one go, 2026-12-06). A game whose players' states
 * are larger raises both.
 */
const MAX_PLAYER_STATE_BYTES = 1000;

/**
 * How often the room's state of a channel is sent again, changed or not (ms). A "state" sent while an older one to that
 * player has begun to leave, in more pieces than the older has left, is skipped (mod.ts's Peer.send): sent only when a
 * state came, a room's state of more than 8 pieces (8 leave a WebSocket's update) and a state that came the tick after
 * left every player without that state for as long as no other came (11 players' states of 990 bytes sent at once, and
 * one more 16 ms later: no player had the last 1.5 s after, in 4 runs of 5; a review, 2026-12-06). Sent again unchanged,
 * it is a delta of a few bytes a player. That was with packets of 1,200 bytes; in the room's 17 KiB (ROOM_OPTIONS.mtu) a
 * room's state goes in one piece, replaced while it has not left, and this stays for a queue that is full when one
 * comes (see #tellStates).
 */
const STATE_AGAIN_MS = 250;

/**
 * What one player's WebSocket may send the room a second, and as much at once, counted as each message arrives, before
 * jamnet reads a byte of it (with FRAME_BYTES, so empty messages cost too): past it, the WebSocket is closed (1008),
 * and what it sent after goes nowhere. The relay allowance sees a message only once the Host has read it, and a
 * WebSocket with no peer (junk, or a player let go that sends on) was never cut: its bytes went to the Host for as long
 * as it sent (a review, 2026-12-06). A WebSocket's sender is known, unlike a datagram's, so no one's bytes count against
 * another. Above RELAY_BYTES_PER_SECOND, with room for HELLOs and state acks: an honest player that sends too much is
 * let go by the relay allowance first. What the Host unpacks within it is another matter, as one byte may be a whole
 * object (16 KiB of empty arrays are about 640 KiB of heap): held as events until the tick, 15 players' 600 such
 * messages each, sent at once, took workerd's RSS from about 60 to 220 MB with this allowance as without it, 70 to 80
 * MB more than as many bytes that unpack to one object each; handled as each arrives (#handleEvents), no more than
 * those (`deno run -A bench/room_memory.ts`, 2026-12-06). A WebSocket closed here still has what it sends on handed to
 * webSocketMessage (a Durable Object cannot abort one), which returns at once.
 */
const RECEIVE_BYTES_PER_SECOND = 128 * 1024;

/**
 * WebSockets one room holds at most, open or closing by their client: its players and as many again (one that joins
 * again before its old WebSocket has closed, one more told "full"). Past it an upgrade is refused (503) before the room
 * reads a byte: each WebSocket may send RECEIVE_BYTES_PER_SECOND, and the room took any number of them (a review,
 * 2026-12-06). Those the room closed itself count for PLAYERLESS_MS after, then no more (unless the room had sent them
 * bytes not shown read: see #cutOff): a client that never answers the close keeps one open for as long as its
 * connection lasts (31 that sent past their allowance and answered nothing kept every new player out, 8 s and counting;
 * a review, 2026-12-06), and never counted, each new one would have its RECEIVE_BYTES_PER_SECOND read, one after
 * another without end. Counted a while, a room reads at most MAX_WEBSOCKETS × 128 KiB every PLAYERLESS_MS from them
 * (about 820 KB a second). One person can still fill a room, as with 16 players.
 */
const MAX_WEBSOCKETS = 2 * ROOM_OPTIONS.maxPeers;

/**
 * How long a WebSocket may stay open with no player on it (ms), before the room closes it (1008): one that never says
 * HELLO, or whose player the room let go and which says none again. Each held one of MAX_WEBSOCKETS for as long as its
 * client kept it open, so 31 WebSockets that said nothing kept every new player out for good (a review, 2026-12-06).
 */
const PLAYERLESS_MS = 5_000;

/** A client's WebSocket frame besides its payload, at least: 2 bytes of header and a 4-byte mask (RFC 6455, 5.2). */
const FRAME_BYTES = 6;

/**
 * How often the room asks each player to show that it reads (ms): `{ ping: n }` on ROOM_CHANNEL, a random n, which the
 * player answers there with `{ pong: n }` (the README's player of the room does). See MAX_UNREAD_BYTES.
 */
const PING_MS = 250;

/**
 * What the room may have sent a player's WebSocket that the player has not shown it read, in bytes: past it, the
 * WebSocket is closed (1008) and counts against MAX_WEBSOCKETS for as long as the runtime holds it. A WebSocket's send
 * never waits: workerd keeps every byte its remote has not read, with no limit and no `bufferedAmount` to see it by,
 * and a player that keeps sending (jamnet's keepalives) looks alive to the Host whether it reads or not. 15 such
 * players, each relaying within its allowance and reading nothing, took workerd's RSS from 64 to 474 MB in 24 s, and
 * a Durable Object has 128 MB; with this, they were closed within 6 s, at 119 MB (`deno run -A bench/room_unread.ts`,
 * 2026-12-06). What a pong shows read is what the room had sent before its ping was queued (a WebSocket is ordered).
 * Counted as workerd holds it: each message's bytes and SEND_OVERHEAD_BYTES. A reading player is a ping's interval, a
 * round trip and a turn of its loop behind: at the most the room relays to one player (16 players' allowances, about
 * 1.6 MB a second, in packets of up to 17 KiB: see ROOM_OPTIONS), 100 ms and 60 Hz, about 700 KB as counted. A player
 * whose game stops updating for a second or so at that rate, or whose link takes less than the room sends it, is
 * closed. A pong sent after the player's update() leaves at its next: a hidden tab's loop runs once a second, and one
 * that answered so was closed within 3 s in a room of 16 players sending 400 bytes at 60 Hz (packets of 1,200 bytes
 * then); updating last, 1.4 MB behind at most, it played on (bench/room_honest.ts; a review, 2026-12-07). The room
 * holds at most MAX_WEBSOCKETS such WebSockets, each this much and what the kernels take.
 */
const MAX_UNREAD_BYTES = 2 << 20;

/**
 * What workerd holds for each message a WebSocket sends that its remote has not read, besides its bytes: about 1.5 KB
 * (15 players reading nothing, sent 16,000-byte messages in packets of 1,200 bytes, took it 410 MB in 24 s for 173 MB of
 * bytes; sent a state delta of 28 bytes at each tick, 175 MB in 90 s for 2 MB). Counted by bytes alone, such small
 * datagrams never reached MAX_UNREAD_BYTES: 141 KB each at 90 s, none closed, and on at 2 MB a minute a player (a
 * review, 2026-12-06: `deno run -A bench/room_small_unread.ts`).
 */
const SEND_OVERHEAD_BYTES = 1536;

export default {
  fetch(request, env) {
    const name = new URL(request.url).pathname.match(/^\/room\/([^/]+)$/)?.[1];
    if (!name) return new Response("not found: connect to /room/<name>", { status: 404 });
    if (request.headers.get("Upgrade") !== "websocket") return new Response("a jamnet room", { status: 426 });
    return env.ROOM.get(env.ROOM.idFromName(name)).fetch(request);
  },
};

export class Room {
  #ctx;
  // Made per object, not at global scope, where a Worker may not draw random numbers (the Host's secret).
  #sockets = webSocketServer();
  /** By address in the room: the bytes the Host sent there, and what its player showed it read (see MAX_UNREAD_BYTES). */
  #reads = new Map();
  #host = new Host(countingSends(this.#sockets, this.#reads), ROOM_OPTIONS);
  /** When the room last asked its players to show they read (Date.now()); see PING_MS. */
  #pingedAt = -Infinity;
  /**
   * The WebSockets the room closed with bytes sent and not shown read (past MAX_UNREAD_BYTES, or any closed with some
   * left: see #cutOff): they count against MAX_WEBSOCKETS while the runtime holds them.
   */
  #unread = new WeakSet();
  #ticker;
  /** By WebSocket: what it may still send, in bytes, as of `at` (Date.now()); see RECEIVE_BYTES_PER_SECOND. */
  #received = new WeakMap();
  /**
   * The WebSockets the room closed, past RECEIVE_BYTES_PER_SECOND or PLAYERLESS_MS, and when (Date.now()): nothing they
   * send reaches the Host, and they count against MAX_WEBSOCKETS for PLAYERLESS_MS after.
   */
  #cut = new WeakMap();
  /** By WebSocket: its address in the room (jamnet's), once it sent something. */
  #addresses = new WeakMap();
  /** By WebSocket: since when it has had no player on it (Date.now()); see PLAYERLESS_MS. */
  #playerless = new WeakMap();
  /**
   * Someone came or went since the last tick: a player the room lets go itself (see relay) makes no "disconnect" event,
   * and the others hear the count all the same. Told once a tick, after its events.
   */
  #countChanged = false;
  /** The players whose queue had no room for the last count: told again at the next tick. */
  #untold = new Set();
  /**
   * By a player's address in the room: what it may still have relayed, in bytes, as of `at` (Date.now()); see
   * RELAY_BYTES_PER_SECOND. By address, not by peer: a WebSocket keeps its address, and a player let go that said HELLO
   * again on it was a new peer with a full allowance, so bursts and HELLOs in turn relayed 3.4 times the allowance (1.92
   * MB in 4.7 s; a review, 2026-12-06). Forgotten once refilled (see #forgetRefilled), as if never spent.
   */
  #allowances = new Map();
  /** By channel (the players' own, not ROOM_CHANNEL): each player's newest "state" on it, by player. */
  #states = Array.from({ length: ROOM_CHANNEL }, () => new WeakMap());
  /** The channels whose room state everyone is told at the next tick. */
  #changedStates = new Set();
  /** The channels any player sent a state on: told again when someone comes or goes, and every STATE_AGAIN_MS. */
  #stateChannels = new Set();
  /** By channel: when the room's state of it was last told (Date.now()); see STATE_AGAIN_MS. */
  #statesToldAt = new Map();

  constructor(ctx) {
    this.#ctx = ctx;
    // Woken with WebSockets open (the runtime evicted the object while they stayed connected): this Host knows none of
    // their players, and no tick runs (only fetch() starts it), so each player would hear nothing until its `timeout`.
    // Closed (1012, "service restart"), each player's peer ends at once ("closed"), and its game may join again.
    for (const ws of ctx.getWebSockets()) this.#cutOff(ws, "the room restarted: join again", 1012);
  }

  fetch() {
    const now = Date.now();
    const held = this.#ctx.getWebSockets()
      .filter((ws) => this.#unread.has(ws) || !(now - this.#cut.get(ws) >= PLAYERLESS_MS));
    if (held.length >= MAX_WEBSOCKETS) {
      return new Response(`the room holds ${MAX_WEBSOCKETS} WebSockets at most`, { status: 503 });
    }
    const [client, server] = Object.values(new WebSocketPair());
    this.#ctx.acceptWebSocket(server);
    // A running timer keeps the object in memory: it hibernates only once every player has left.
    this.#ticker ??= setInterval(() => this.#tick(), TICK_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  webSocketMessage(ws, data) {
    if (this.#cut.has(ws)) return;
    const bytes = FRAME_BYTES + (typeof data === "string" ? data.length * 3 : data.byteLength);
    const now = Date.now();
    const left = refilled(this.#received.get(ws), RECEIVE_BYTES_PER_SECOND, now);
    if (left < bytes) {
      this.#cutOff(ws, "past the room's allowance of received bytes"); // its stream means nothing without this message
      return;
    }
    this.#received.set(ws, { left: left - bytes, at: now });
    this.#sockets.message(ws, data);
    // The address the message was taken at: accept() of a WebSocket jamnet holds returns its address, and does no more.
    if (!this.#addresses.has(ws)) this.#addresses.set(ws, this.#sockets.accept(ws));
    this.#handleEvents();
  }

  webSocketClose(ws) {
    this.#sockets.closed(ws);
    // Answers the client's close: before compatibility date 2026-04-07 nothing else does. Not one the room closed.
    if (!this.#cut.has(ws)) ws.close();
  }

  webSocketError(ws) {
    this.#sockets.closed(ws);
  }

  #tick() {
    this.#host.update();
    this.#handleEvents();
    const countChanged = this.#countChanged;
    this.#countChanged = false;
    const now = Date.now();
    for (const channel of this.#stateChannels) {
      if (countChanged || !(now - this.#statesToldAt.get(channel) < STATE_AGAIN_MS)) this.#changedStates.add(channel);
    }
    this.#tellStates();
    if (countChanged || this.#untold.size) this.#tellCount(countChanged ? this.#players() : [...this.#untold]);
    this.#forgetRefilled();
    this.#closePlayerless(now);
    this.#closeUnread();
    if (!(now - this.#pingedAt < PING_MS)) this.#ping(now);
    if (this.#ctx.getWebSockets().length === 0) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  /**
   * Relays the messages the Host has for the room, and notes who came or went (#countChanged). Called for each
   * WebSocket message as it arrives, not only at the tick: the Host unpacks a message whole as it arrives, and one byte
   * may be a whole object, so a burst held as events until the tick was in the heap all at once (see
   * RECEIVE_BYTES_PER_SECOND); relayed at once, each is packed again and its objects are garbage.
   */
  #handleEvents() {
    for (let event; (event = this.#host.poll());) {
      if (event.type === "message") {
        // A player let go earlier in this tick: the rest of its messages go nowhere.
        if (event.peer.state !== "connected") continue;
        // The room's channel is the room's alone: relayed, a player's message there would pass for the room's. Let go,
        // not dropped and counted: a player of this room sends there only its pongs, so one that sends anything else
        // forges, or is a game written for other channels, whose author hears of it at once (a disconnect), not from
        // messages that go nowhere.
        if (event.channel === ROOM_CHANNEL) {
          if (!this.#ponged(event.peer.address, event.data)) {
            event.peer.disconnect();
            this.#countChanged = true;
          }
          continue;
        }
        const cost = relayCost(event.data);
        if (!this.#spend(event.peer.address, cost)) {
          event.peer.disconnect();
          this.#countChanged = true;
          continue;
        }
        if (event.mode === "state") {
          if (stateBytes(event.data) > MAX_PLAYER_STATE_BYTES) {
            event.peer.disconnect();
            this.#countChanged = true;
          } else {
            this.#states[event.channel].set(event.peer, event.data);
            this.#changedStates.add(event.channel);
            this.#stateChannels.add(event.channel);
          }
          continue;
        }
        // Packed again (its cost less 256) past maxMessageBytes, its sender goes. An unreliable or sequenced message
        // goes in one packet, bound by the room's mtu alone (17,383 bytes of it), not by maxMessageBytes: 16,382 bytes
        // unreliable went to every player (a review, 2026-12-07). And a player's msgpack may write a float 32 where
        // pack writes a float 64, so what came within the bound may pack again past it.
        if (cost - 256 > ROOM_OPTIONS.maxMessageBytes) {
          event.peer.disconnect();
          this.#countChanged = true;
          continue;
        }
        // Its sender first: a message the room cannot send on throws there, and that player goes. Sent to each player
        // in turn, one past maxMessageBytes packed again threw for every one, and one message let the whole room go (a
        // review, 2026-12-06; such a one is let go above now, and this stands for any other the room cannot send).
        const options = { mode: event.mode, channel: event.channel };
        if (!relay(event.peer, event.data, options)) {
          this.#countChanged = true;
          continue;
        }
        for (const peer of this.#players()) {
          if (peer !== event.peer && !relay(peer, event.data, options)) this.#countChanged = true;
        }
      } else this.#countChanged = true;
    }
  }

  /**
   * Closes the WebSockets that have had no player on them for PLAYERLESS_MS (a player connecting or connected at their
   * address): each held one of MAX_WEBSOCKETS for as long as its client kept it open.
   *
   * @param {number} now
   */
  #closePlayerless(now) {
    const players = new Set(
      this.#host.peers.filter((peer) => peer.state === "connecting" || peer.state === "connected")
        .map((peer) => peer.address),
    );
    for (const ws of this.#ctx.getWebSockets()) {
      if (this.#cut.has(ws)) continue;
      if (players.has(this.#addresses.get(ws)) || !this.#playerless.has(ws)) this.#playerless.set(ws, now);
      else if (now - this.#playerless.get(ws) >= PLAYERLESS_MS) {
        this.#cutOff(ws, `no player on this WebSocket for ${PLAYERLESS_MS / 1000} s`);
      }
    }
  }

  /**
   * Asks each player to show it reads: `{ ping: n }` on ROOM_CHANNEL, n a random 32-bit number, noting what the room had
   * sent it so far. A player whose queue has no room for it is asked at the next ping. The last 16 pings a player has not
   * answered are kept, so that a slow link's answers still count.
   *
   * @param {number} now
   */
  #ping(now) {
    this.#pingedAt = now;
    for (const peer of this.#players()) {
      const reads = this.#reads.get(peer.address);
      if (!reads) continue; // nothing sent there yet
      const ping = crypto.getRandomValues(new Uint32Array(1))[0];
      try {
        peer.send({ ping }, { channel: ROOM_CHANNEL });
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        continue;
      }
      reads.pings.push([ping, reads.sent]);
      if (reads.pings.length > 16) reads.pings.shift();
    }
  }

  /**
   * Takes a player's message on ROOM_CHANNEL: `{ pong: n }` for one of its pings shows it read what the room had sent
   * before that ping. A pong for a ping no longer kept (a player that stopped for more than 16 of them answers them all
   * when it goes on) shows nothing, and is no fault. Anything else there is no pong, and its sender is let go (see
   * #handleEvents).
   *
   * @param {string} address
   * @param {unknown} data
   * @returns {boolean} true for a pong
   */
  #ponged(address, data) {
    if (typeof data?.pong !== "number" || Object.keys(data).length !== 1) return false;
    const reads = this.#reads.get(address);
    const index = reads?.pings.findIndex(([ping]) => ping === data.pong) ?? -1;
    if (index >= 0) {
      reads.read = reads.pings[index][1];
      reads.pings.splice(0, index + 1);
    }
    return true;
  }

  /**
   * Closes the WebSockets of players more than MAX_UNREAD_BYTES behind what the room sent them, and forgets what was
   * sent to addresses with no WebSocket now (the Host may send to one after it closed).
   */
  #closeUnread() {
    const open = new Set();
    for (const ws of this.#ctx.getWebSockets()) {
      open.add(this.#addresses.get(ws));
      const reads = this.#reads.get(this.#addresses.get(ws));
      if (!reads || this.#cut.has(ws) || reads.sent - reads.read <= MAX_UNREAD_BYTES) continue;
      this.#cutOff(
        ws,
        `more than ${MAX_UNREAD_BYTES} bytes sent and not shown read: answer each { ping } with { pong }`,
      );
    }
    for (const address of this.#reads.keys()) if (!open.has(address)) this.#reads.delete(address);
  }

  /**
   * Closes `ws` (`code`, `reason`) and ends its player, if any ("closed" to the Host, a disconnect event, the others
   * told the count); nothing it sends after reaches the Host, where a message would accept it again as a new player.
   *
   * @param {WebSocket} ws
   * @param {string} reason
   * @param {number} [code] 1008 (policy violation) unless given
   */
  #cutOff(ws, reason, code = 1008) {
    this.#cut.set(ws, Date.now());
    // workerd holds what it sent and its client did not read after the close too: counted PLAYERLESS_MS alone, a player
    // that read nothing and then sent past RECEIVE_BYTES_PER_SECOND had its bytes held with nothing counting them (15
    // such every 5.5 s, each under MAX_UNREAD_BYTES, took workerd from 59 to 180 MB in 10 rounds, 91 MB in 8 when sent
    // nothing: bench/room_cut_unread.ts; a review, 2026-12-07). One whose client answers the close leaves the count then.
    const reads = this.#reads.get(this.#addresses.get(ws));
    if (reads && reads.sent > reads.read) this.#unread.add(ws);
    this.#sockets.closed(ws);
    try {
      ws.close(code, reason);
    } catch {
      // Closed meanwhile (never seen): cut all the same, and the tick goes on.
    }
  }

  /**
   * Takes `bytes` from the relay allowance of the player at `address`, which refills at RELAY_BYTES_PER_SECOND up to a
   * second of it. What a refused message would have cost is taken too: a player let go comes back in debt.
   *
   * @param {string} address
   * @param {number} bytes
   * @returns {boolean} false when less than `bytes` was left
   */
  #spend(address, bytes) {
    const now = Date.now();
    const left = refilled(this.#allowances.get(address), RELAY_BYTES_PER_SECOND, now);
    // A debt of a second at most: a cost of Infinity (a value pack refused) would never be paid off, nor forgotten.
    this.#allowances.set(address, { left: Math.max(left - bytes, -RELAY_BYTES_PER_SECOND), at: now });
    return left >= bytes;
  }

  /**
   * Forgets the allowances that refilled, so the map holds only the addresses that spent in the last second or so (a
   * debt takes longer by its size, a second's at most): the room's WebSockets come and go.
   */
  #forgetRefilled() {
    const now = Date.now();
    for (const [address, last] of this.#allowances) {
      if (refilled(last, RELAY_BYTES_PER_SECOND, now) >= RELAY_BYTES_PER_SECOND) this.#allowances.delete(address);
    }
  }

  /**
   * Sends every player the room's state of each channel whose states changed: each player's newest state on it, under
   * its address. A player whose queue has no room for it is sent it again at the next tick, not let go: others' bursts
   * fill every player's queue alike, and a state, unlike a relayed message, may go later, as only the newest counts
   * (let go, the player of a full queue lost its place for a state; a Left item of 2026-12-06).
   */
  #tellStates() {
    const channels = [...this.#changedStates];
    this.#changedStates.clear();
    const now = Date.now();
    for (const channel of channels) this.#statesToldAt.set(channel, now);
    const players = this.#players();
    for (const channel of channels) {
      const world = {};
      for (const peer of players) {
        if (this.#states[channel].has(peer)) world[peer.address] = this.#states[channel].get(peer);
      }
      for (const peer of players) {
        try {
          peer.send(world, { mode: "state", channel });
        } catch (error) {
          // Its queue is full (the room's state fits a message: see MAX_PLAYER_STATE_BYTES). Everyone is sent it again,
          // a delta of a few bytes where it came, and skipped by mod.ts where an older one is still leaving.
          if (!(error instanceof RangeError)) throw error;
          this.#changedStates.add(channel);
        }
      }
    }
  }

  /** The players connected now. */
  #players() {
    return this.#host.peers.filter((peer) => peer.state === "connected");
  }

  /**
   * Tells `players` how many are in the room, and each its own address, reliable on ROOM_CHANNEL, where no player's
   * message is relayed (a review, 2026-12-06: on channel 0 anyone's { players: 0, you: "ws:7" } was relayed to everyone as
   * the room's, and a player read another's entry of the room's state as its own). A player whose queue has no room for
   * it is told at the next tick, not let go: one player's burst of messages, each within the bounds, fills every
   * player's queue alike, and when its sender was let go, the count that said so let the others go too (B in 5 of 8
   * runs of e2e/workerd_test.ts).
   *
   * @param {import("./mod.js").Peer[]} players
   */
  #tellCount(players) {
    const count = this.#players().length;
    this.#untold.clear();
    for (const peer of players) {
      try {
        peer.send({ players: count, you: peer.address }, { channel: ROOM_CHANNEL });
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        this.#untold.add(peer);
      }
    }
  }
}

/**
 * `sockets` as the room's Host sees it, counting in `reads` what was sent to each address, each message's bytes and
 * SEND_OVERHEAD_BYTES: `{ sent, read, pings }`, made at the first send there (see MAX_UNREAD_BYTES).
 *
 * @param {import("./mod.js").WebSocketServer} sockets
 * @param {Map<string, { sent: number, read: number, pings: [number, number][] }>} reads
 * @returns {import("./mod.js").Socket}
 */
function countingSends(sockets, reads) {
  return {
    reliable: sockets.reliable,
    listen: (receive, notify) => sockets.listen(receive, notify),
    close: () => sockets.close(),
    send(data, to) {
      // By address, not a peer's `stats.bytesSent`: a WebSocket keeps its address when its player, let go, says HELLO
      // again, and what workerd holds for it stays; a new peer's counts start at 0.
      let counted = reads.get(to);
      if (!counted) reads.set(to, counted = { sent: 0, read: 0, pings: [] });
      counted.sent += data.length + SEND_OVERHEAD_BYTES;
      sockets.send(data, to);
    },
  };
}

/**
 * What a token bucket of `perSecond` holds at `now` (ms), a second of it at most: full when `last` is undefined (never
 * spent), else `last.left` as of `last.at` and what refilled since. The room's two allowances are such buckets.
 *
 * @param {{ left: number, at: number } | undefined} last
 * @param {number} perSecond
 * @param {number} now
 * @returns {number}
 */
function refilled(last, perSecond, now) {
  return last ? Math.min(perSecond, last.left + (now - last.at) * perSecond / 1000) : perSecond;
}

/**
 * What relaying `value` costs each player's queue: its packed bytes and 256 for holding it. A value `pack` refuses
 * (none that `unpack` gave is known to be) costs more than any allowance, so its sender goes, as `relay` would let it
 * go, and the tick goes on.
 *
 * @param {unknown} value
 * @returns {number}
 */
function relayCost(value) {
  try {
    return pack(value).length + 256;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return Infinity;
  }
}

/**
 * The packed bytes of a player's `state` as the room's state holds it, a level down, or Infinity when pack refuses it
 * there: a state nested 256 deep (the deepest unpack gives) is 257 deep in the room's state, and pack threw a TypeError
 * out of #tick at each tick a state came, so no player heard a state or a count again (a review, 2026-12-06).
 *
 * @param {unknown} state
 * @returns {number}
 */
function stateBytes(state) {
  try {
    return pack([state]).length - 1;
  } catch (error) {
    if (!(error instanceof RangeError || error instanceof TypeError)) throw error;
    return Infinity;
  }
}

/**
 * Sends, or lets the player go and returns false: past `maxQueuedBytes` (a player that reads nothing, or one that
 * relays faster than the others' links take) `send` throws, and a throw out of the tick ended it for the whole room
 * (the same fault a review found in examples/udp_game.ts, 2026-12-05).
 *
 * @param {import("./mod.js").Peer} peer
 * @param {unknown} value
 * @param {import("./mod.js").SendOptions} [options]
 * @returns {boolean}
 */
function relay(peer, value, options) {
  try {
    peer.send(value, options);
    return true;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    peer.disconnect();
    return false;
  }
}
