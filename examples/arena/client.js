// @ts-check
/**
 * A player's side of the arena, without any drawing: the connection, your own
 * player predicted from your keys, everyone else drawn a little in the past
 * between two snapshots, and the link's numbers. The page (page.js) draws
 * what `view()` returns; the bots (bot.ts) run the same class in Deno.
 *
 * The three ideas, each a few lines below:
 * - **Send inputs, not positions.** Every frame becomes a command (keys held,
 *   for how long), sent with the other commands the server has not yet
 *   acknowledged, in the `"sequenced"` mode: a lost message costs nothing, the
 *   next one carries its commands again.
 * - **Predict your own player.** Apply each command at once with the server's
 *   own `move`; when a snapshot says which command the server applied last
 *   (`ack`), start from the server's position and replay the ones after it.
 * - **Draw the others in the past.** Snapshots go into a `Timeline` by the
 *   server's clock; drawing 100 ms (three snapshots at 30 Hz) before the
 *   newest that can have arrived (`peer.remoteTime()` less the trip from the
 *   server) always falls between two that arrived, so others move smoothly
 *   through jitter and a lost snapshot or two, on a link of any latency.
 *
 * @module
 */
/** @import { LinkOptions, Peer, Socket, Stats } from "../../dist/mod.d.ts" */
/** @import { Command, PlayerState, Snapshot } from "./game.js" */
// @ts-types="../../dist/mod.d.ts"
import { condition, Host, lerp, Timeline } from "../../dist/mod.js";
import { MAX_COMMAND_MS, move } from "./game.js";

/**
 * How far in the past others are drawn, on top of the trip from the server:
 * three snapshot intervals at 30 Hz, so one or two snapshots may be lost or
 * late and there is still a pair to draw between.
 */
export const RENDER_DELAY_MS = 100;
/**
 * Snapshots whose age on arrival renderTime takes the youngest of: two thirds of a second at 30 a second, so a slower
 * link shows within that, and a lone quick one among slow ones is soon forgotten.
 */
const AGES_KEPT = 20;

/**
 * Commands sent in one message at most: the newest 16 not yet acknowledged,
 * 270 ms of frames at 60 per second, which covers a round trip of 250 ms.
 * On a slower link older ones are left to the next snapshot's correction.
 */
const MAX_COMMANDS_PER_MESSAGE = 16;

/** Commands kept for replay until the server acks them (see frame). */
const MAX_PENDING_COMMANDS = 256;

/**
 * What to draw this frame.
 *
 * @typedef {object} View
 * @property {number | undefined} you your player's id, once the first snapshot came
 * @property {(PlayerState & { id: number }) | undefined} me your player, between your last two predictions (a frame behind)
 * @property {(PlayerState & { id: number })[]} others the other players, interpolated at renderTime(now)
 * @property {Snapshot["items"]} items the items, from the newest snapshot
 */

export class ArenaClient {
  /** The Host of this one connection. */
  host;
  /** @type {Peer} the server */
  server;
  /** @type {Timeline<Snapshot>} snapshots by the time the server sent them */
  timeline = new Timeline();
  /** @type {Snapshot | undefined} the newest snapshot */
  newest;
  /** @type {{ x: number, y: number } | undefined} your player, predicted */
  predicted;
  /** @type {Command[]} commands sent, not yet acknowledged by a snapshot: replayed on each one */
  #pending = [];
  #nextSequence = 0;
  /** @type {number | undefined} the time up to which commands were made */
  #commandedUntil;
  /**
   * @type {{ x: number, y: number } | undefined} your player before the last command, and `#stepMs` that command's
   * ms: view() draws you between it and `predicted`, a frame behind
   */
  #stepFrom;
  #stepMs = 0;
  /** @type {number[]} how old the last AGES_KEPT snapshots were when they arrived, on the server's clock (see renderTime) */
  #ages = [];
  /** @type {string | undefined} why the connection ended, once it did */
  ended;

  /** @param {Socket & { readonly address: string }} socket a `webSocket(…)` to the server's /play */
  constructor(socket) {
    this.host = new Host(socket);
    this.server = this.host.connect(socket.address);
  }

  /**
   * One frame: takes in what arrived, turns the keys held since the last frame
   * into a command, predicts with it and sends it.
   *
   * @param {number} keys the keys held now (UP | DOWN | LEFT | RIGHT)
   * @param {number} now the time, ms on this Host's clock (`performance.now()`)
   */
  frame(keys, now = performance.now()) {
    this.host.update();
    for (let event; (event = this.host.poll());) {
      if (event.type === "message" && event.mode === "state" && event.time !== undefined) {
        this.#receive(/** @type {Snapshot} */ (event.data), event.time, now);
      } else if (event.type === "disconnect") this.ended = event.reason;
    }
    if (this.server.state !== "connected" || !this.predicted) return;
    this.#commandedUntil ??= now;
    // Whole milliseconds, so the server replays exactly what we predicted; the fraction waits for the next frame.
    const ms = Math.min(MAX_COMMAND_MS, Math.floor(now - this.#commandedUntil));
    this.#commandedUntil = Math.max(this.#commandedUntil + ms, now - MAX_COMMAND_MS);
    if (ms <= 0) return;
    /** @type {Command} */
    const command = [this.#nextSequence++, keys, ms];
    // Bounded: a server that never acks (one that refuses what this sends) left it growing 60 commands a second, and
    // every snapshot replayed them all. 256 frames (about 4 s at 60 a second) is past any lag a game plays through.
    if (this.#pending.push(command) > MAX_PENDING_COMMANDS) this.#pending.shift();
    this.#stepFrom = this.predicted;
    this.#stepMs = ms;
    this.predicted = move(this.predicted, keys, ms);
    this.server.send(this.#pending.slice(-MAX_COMMANDS_PER_MESSAGE), { mode: "sequenced" });
    this.host.update(); // out now, not a frame later
  }

  /**
   * A snapshot arrived (only ever a newer one: the `"state"` mode drops older ones).
   *
   * @param {Snapshot} snapshot
   * @param {number} time when the server sent it, ms on its clock
   * @param {number} now the time, ms on this Host's clock
   */
  #receive(snapshot, time, now) {
    this.timeline.add(time, snapshot);
    // How old it arrived: the trip from the server, on its clock (before the first clock sample that clock is a guess).
    if (Number.isFinite(this.server.clock.errorMs) && this.#ages.push(this.server.remoteTime(now) - time) > AGES_KEPT) {
      this.#ages.shift();
    }
    this.newest = snapshot;
    // Reconcile: the server's position after our command `ack`, then what we did since.
    this.#pending = this.#pending.filter(([sequence]) => sequence > snapshot.ack);
    const mine = snapshot.players[snapshot.you];
    if (!mine) return;
    let position = { x: mine.x, y: mine.y };
    for (const [, keys, ms] of this.#pending) position = move(position, keys, ms);
    this.predicted = position;
  }

  /**
   * When the others are drawn, on the server's clock: RENDER_DELAY_MS before the newest snapshot that can have arrived
   * by `now`. That is `remoteTime(now)` less the trip from the server, which the clock's best sample measured: its
   * offset less half its round trip (`clock.errorMs`) is its answer's send time less its arrival time, whatever the
   * trip the other way. `remoteTime(now) - RENDER_DELAY_MS` alone was past the newest snapshot whenever the trip took
   * more than 100 ms less a snapshot interval: at `?lag=100` on every frame, and the others stood still two frames in
   * three and then jumped (a review, 2026-12-04). The best sample is one of the last 16, a second apart: when the
   * link gets slower (a Wi-Fi or mobile handover, a queue filling), it keeps the shorter trip for up to 16 s, and the
   * others stood still between snapshots all that while (117 to 120 frames of 120 from 10 ms each way to 150:
   * bench/latency_rise.ts). So the trip is also the youngest age of the last AGES_KEPT snapshots when that is longer:
   * it follows within a second (README "A trip that grows"). Undefined until the first clock sample.
   *
   * @param {number} now the time, ms on this Host's clock
   * @returns {number | undefined}
   */
  renderTime(now = performance.now()) {
    const { errorMs } = this.server.clock;
    if (!Number.isFinite(errorMs)) return undefined;
    const trip = this.#ages.length ? Math.max(errorMs, Math.min(...this.#ages)) : errorMs;
    return this.server.remoteTime(now) - trip - RENDER_DELAY_MS;
  }

  /**
   * What to draw: you between your last two predictions at `now` (a frame behind), the others where they
   * were RENDER_DELAY_MS before the newest snapshot that can have arrived (see renderTime).
   *
   * @param {number} now the time, ms on this Host's clock
   * @returns {View}
   */
  view(now = performance.now()) {
    const newest = this.newest;
    if (!newest) return { you: undefined, me: undefined, others: [], items: [] };
    // Until the first clock sample the server's clock is unknown: draw the newest snapshot as it is.
    const time = this.renderTime(now);
    const [before, after, fraction] = time === undefined
      ? [newest, newest, 0]
      : this.timeline.at(time) ?? [newest, newest, 0];
    // lerp interpolates every number it finds, so only the position is taken from it (a score that changed between
    // the two snapshots was drawn as 89.2963276113573 for a frame or two); the rest comes from the newer snapshot.
    const players = lerp(before.players, after.players, fraction);
    const others = Object.entries(players)
      .filter(([id]) => Number(id) !== newest.you)
      .map(([id, player]) => ({ ...after.players[id], x: player.x, y: player.y, id: Number(id) }));
    const mine = newest.players[newest.you];
    // You, between the position before the last command and the one after it, as far as the time since that command
    // has gone into the next: a frame behind, and never anywhere the prediction does not pass. Drawn at the prediction
    // alone, you moved only when the 60 Hz timer made a command, and the display's frames do not keep step with it:
    // you jumped two steps in one frame about 3 times a second at 60 Hz, and stood still every other frame at 120 Hz.
    // Moved on past the prediction with the keys held at the draw, you stepped back when a key was released before
    // the next command (reviews, 2026-12-04).
    const into = this.#commandedUntil === undefined ? 1 : Math.min(1, (now - this.#commandedUntil) / this.#stepMs);
    const position = this.predicted && this.#stepFrom && into < 1
      ? lerp(this.#stepFrom, this.predicted, Math.max(0, into))
      : this.predicted;
    const me = mine && position ? { ...mine, ...position, id: newest.you } : undefined;
    return { you: newest.you, me, others, items: newest.items };
  }

  /** @returns {Stats} the connection's counters: RTT, loss, bytes each way */
  get stats() {
    return this.server.stats;
  }

  /** Leaves: the server hears `"closed"` at once. */
  close() {
    this.host.close();
  }
}

/**
 * Bytes per second from a connection's counters, over the time between two calls.
 *
 * @returns {(stats: Stats, now: number) => { inBytesPerS: number, outBytesPerS: number }}
 */
export function rateMeter() {
  let last = { at: NaN, received: 0, sent: 0 };
  let rates = { inBytesPerS: 0, outBytesPerS: 0 };
  return (stats, now) => {
    const seconds = (now - last.at) / 1000;
    if (seconds >= 1 || !(seconds > 0)) {
      if (seconds > 0) {
        rates = {
          inBytesPerS: (stats.bytesReceived - last.received) / seconds,
          outBytesPerS: (stats.bytesSent - last.sent) / seconds,
        };
      }
      last = { at: now, received: stats.bytesReceived, sent: stats.bytesSent };
    }
    return rates;
  };
}

/**
 * `socket` behind a bad link in both directions: `condition` delays and loses
 * what it sends, and the same link, run backwards, what it receives (with
 * the next seed, so the two directions lose different datagrams).
 *
 * The arena sends nothing in a reliable mode, and that matters here: a
 * WebSocket is `reliable`, `condition` keeps that, and a Host sends no
 * resends over a reliable socket, so a reliable message this link loses
 * would be lost for good. Inputs (`"sequenced"`) and snapshots (`"state"`)
 * are meant to be lost now and then.
 *
 * @template {Socket} S
 * @param {S & { readonly address: string }} socket
 * @param {LinkOptions} link
 * @returns {Socket & { readonly address: string }}
 */
export function badLink(socket, link) {
  const outgoing = condition(socket, link);
  return {
    ...outgoing,
    address: socket.address,
    listen(receive, notify) {
      const incoming = condition({ send: receive, listen() {}, close() {} }, { ...link, seed: (link.seed ?? 1) + 1 });
      socket.listen((data, from) => incoming.send(data, from), notify);
    },
  };
}
