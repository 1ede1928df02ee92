/**
 * `deno task mutants`: does the suite fail when mod.ts (or osc.ts) is wrong?
 * Each mutant below is a deliberate bug, a find/replace on mod.ts, or on
 * osc.ts where it says so. For each, the project's files are copied to a
 * temporary folder, the bug is applied there, and the unit-test files of its
 * module (TESTS_OF) run in one `deno test` with a time limit: a failing or hanging suite kills the mutant, a green one lets it
 * survive. The e2e tests (real sockets, other runtimes) and examples/lobby are
 * left out: too slow to run once per mutant. Ends with the plain
 * line `N of M mutants killed in S s` and exits 1 when any survived.
 *
 * A pattern must match its file exactly once: when a reshaping of it moves
 * the code, the run stops with "pattern not found" and the mutant is
 * retargeted, never silently skipped.
 *
 *     deno task mutants                       all mutants against the current suite
 *     deno task mutants cookie window          only mutants whose name contains a word given
 *     deno task mutants --tests-from=5083fea   the test files as they were at a git commit (absent ones skipped)
 *     deno task mutants --check                only check that every pattern matches mod.ts once, run nothing
 *     MUTANTS_TIME_LIMIT_S=300 deno task mutants   a suite's time limit, 60 s by default (a timeout kills a mutant)
 *     deno task mutants --fail-fast           each suite stops at its first failing test: a mutant killed takes
 *                                             3 to 60 s, not the whole suite (all 371 took 85 min on 2026-12-04)
 *
 * @module
 */
import { runDeno } from "./run_deno.ts";

type Mutant = {
  /** The deliberate bug, as the issue that asked for a test of it names it. */
  name: string;
  /** The module the bug goes in: mod.ts unless it says osc.ts. */
  file?: "osc.ts";
  /** Find/replace pairs applied to its module in order; each `find` must occur exactly once. */
  edits: [find: string, replace: string][];
};

/** How a data packet is recorded for the acks (in receive): moved by the mutant of that name. */
const RECORD = "      if (ahead > 0) {\n" +
  "        // The latest before it joins the bits as bit 0, and they shift up past the new latest (a jump past 32 clears\n" +
  "        // all).\n" +
  "        this.#remoteLatest = sequence;\n" +
  "        this.#remoteBits = ahead > 32 ? 0 : (this.#remoteBits << 1 | 1) << (ahead - 1);\n" +
  "        this.#receiveKey = key;\n" +
  "      } else {\n" +
  "        this.#remoteBits |= 1 << (-ahead - 1);\n" +
  "      }\n";

const MUTANTS: Mutant[] = [
  // ─── the table of issue #16 ─────────────────────────────────────────────────
  {
    name: "any non-zero cookie accepted in a HELLO",
    edits: [["if (third !== cookie) {", "if (!third) {"]],
  },
  {
    name: "sequenced and unreliable messages dropped whenever the measured loss is over 1%",
    edits: [[
      "const take = (piece: Outgoing, isRide?: boolean): boolean => {\n",
      "const take = (piece: Outgoing, isRide?: boolean): boolean => {\n" +
      "      if (piece.mode > 1 && !piece.sent && this.stats.loss > 0.01) {\n" +
      "        piece.sent = 1;\n" +
      "        piece.done = true;\n" +
      "        this.#queuedBytes -= piece.payload.length;\n" +
      "        return true;\n" +
      "      }\n",
    ]],
  },
  {
    name: "unpack allocates an array or map before checking the bytes left",
    edits: [["    inputAt = need(isMap ? 2 * count : count);\n", ""]],
  },
  {
    name: "sequenceAhead: exactly half the range apart counts as ahead",
    edits: [["=> (a - b) << 16 >> 16;", "=> ((a - b + 0x7fff) & 0xffff) - 0x7fff;"]],
  },
  {
    name: "the send window off by one",
    edits: [[
      "(pending[front]?.fragment >> 1) + RECEIVE_WINDOW)",
      "(pending[front]?.fragment >> 1) + RECEIVE_WINDOW + 1)",
    ]],
  },
  {
    name: "no exponential backoff of resends",
    edits: [["this.#resendMs() * 1.5 ** piece.sent++", "this.#resendMs() * 1.5 ** (piece.sent++ && 0)"]],
  },
  {
    name: "no RTO: a piece is resent only when later packets show it lost (fast retransmit)",
    edits: [[
      "piece.dueAt = now + Math.min(MAX_RESEND_MS, this.#resendMs() * 1.5 ** piece.sent++);",
      "piece.dueAt = Infinity, piece.sent++;",
    ]],
  },
  {
    name: "no maxEvents bound",
    edits: [["this.#full(this.#config.maxEvents, this.#sink.events.length - this.#sink.head)", "false"]],
  },
  {
    name: "a full event queue refuses every peer's packets, not only those of a peer with half of it",
    edits: [[
      "this.#full(this.#config.maxEvents, this.#sink.events.length - this.#sink.head)",
      "this.#sink.events.length - this.#sink.head >= this.#config.maxEvents",
    ]],
  },
  {
    name: "the event queue grows past twice maxEvents, a packet of each peer",
    edits: [["max > 2 * this.queued ? 2 * max : max", "max > 2 * this.queued ? Infinity : max"]],
  },
  {
    name: "a peer's count of unpolled messages never goes down (a peer once over half is refused for good)",
    edits: [['if (event.type == "message") sink.queued.set(peer.address, peer.queued - 1);', ""]],
  },
  {
    name: "poll() takes events by shift() (past about 16,000 it copies the queue at each)",
    edits: [
      ["for (let event; (event = events[sink.head]);) {", "for (let event; (event = events.shift());) {"],
      ["if (++sink.head * 2 > events.length) events.splice(0, sink.head), sink.head = 0;", ""],
    ],
  },
  {
    name: "poll() never lets the events it polled go (the queue's array only grows)",
    edits: [[
      "if (++sink.head * 2 > events.length) events.splice(0, sink.head), sink.head = 0;",
      "++sink.head;",
    ]],
  },
  {
    name: "poll() lets the events it polled go only once the queue is drained",
    edits: [["if (++sink.head * 2 > events.length)", "if (++sink.head >= events.length)"]],
  },
  {
    name: "the maxEvents bound counts the events polled and not yet let go (the array's length)",
    edits: [[
      "this.#full(this.#config.maxEvents, this.#sink.events.length - this.#sink.head)",
      "this.#full(this.#config.maxEvents, this.#sink.events.length)",
    ]],
  },
  {
    name: "a HELLO's bound of twice maxEvents counts the events polled and not yet let go",
    edits: [[
      "this.#sink.events.length - this.#sink.head > 2 * this.#config.maxEvents)",
      "this.#sink.events.length > 2 * this.#config.maxEvents)",
    ]],
  },
  {
    name: "a datagram over 65,507 bytes read as a packet",
    edits: [["DATA && datagram.length <= 65507) {", "DATA) {"]],
  },
  {
    name: "no maxQueuedBytes bound",
    edits: [["if (this.#queuedBytes + payload.length > this.#config.maxQueuedBytes) {", "if (false) {"]],
  },
  {
    name: "no held-bytes bound",
    edits: [["(this.#heldBytes + newBytes + this.#rebuiltBytes + rebuilt >", "(this.#rebuiltBytes + rebuilt >"]],
  },
  {
    name: "send() accepts a bad channel",
    edits: [["!(Number.isInteger(channel) && channel >= 0 && channel <= this.#config.channels - 1)", "false"]],
  },
  {
    name: "a received frame on a channel past the Host's channels is accepted",
    edits: [[
      "!frame || this.#config.channels <= frame.channel ||",
      "!frame ||",
    ]],
  },
  {
    name: "timeout takes less than 100 ms (seconds typed for ms)",
    edits: [['["timeout", 10_000, 2 ** 31, 100],', '["timeout", 10_000],']],
  },
  {
    name: "options not validated",
    edits: [["if (!(Number.isInteger(value) && min <= value && value <= max)) {", "if (false) {"]],
  },
  {
    name: "clock requests every 5 s once the samples are in (a sample up to 80 s old under drift)",
    edits: [["const CLOCK_INTERVAL_MS = 1000;", "const CLOCK_INTERVAL_MS = 5000;"]],
  },
  {
    name: "shown(): a string value shown unquoted in every error that shows one",
    edits: [['typeof value != "string" ? value : `"${value}"`', "value"]],
  },
  {
    name: "options: a string value shown unquoted in the error",
    edits: [["is ${shown(value)}: it must be an integer", "is ${value}: it must be an integer"]],
  },
  {
    name: "send(): a channel given as a string shown unquoted in the error",
    edits: [["on channel ${shown(channel)}", "on channel ${channel}"]],
  },
  {
    name: "LinkOptions: a string value shown unquoted in the error",
    edits: [["is ${shown(value)}: it must be a finite number", "is ${value}: it must be a finite number"]],
  },
  {
    name: "options: the greatest value not checked",
    edits: [[
      "if (!(Number.isInteger(value) && min <= value && value <= max)) {",
      "if (!(Number.isInteger(value) && min <= value)) {",
    ]],
  },
  {
    name: "the async iterator yields nothing",
    edits: [[
      "for (let event; (event = this.poll());) yield event;",
      "for (let event; (event = this.poll());) void event;",
    ]],
  },
  {
    name: "condition() ignores its delay",
    edits: [["        }, delay);\n", "        }, 0);\n"]],
  },
  {
    name: "condition() lets what its socket throws out of the timer",
    edits: [[
      '          } catch (error) {\n            notify({ type: "error", address: to, error });',
      "          } catch (error) {\n            throw error;",
    ]],
  },
  {
    name: "condition() ignores its loss",
    edits: [[
      "for (const delay of delays(data.length)) {\n        const copy = data.slice();",
      "for (const delay of [options.latencyMs ?? 0]) {\n        const copy = data.slice();",
    ]],
  },
  {
    name: "memoryNet: a socket's close deafens a newer socket at its address",
    edits: [["if (listeners.get(address) == mine) listeners.delete(address);", "listeners.delete(address);"]],
  },
  {
    name: "Timeline.at takes a time that is no number",
    edits: [[
      "    if (!Number.isFinite(time)) throw new RangeError(`A time is a finite number of ms, not ${time}`);\n    const states",
      "    const states",
    ]],
  },
  {
    name: "LinkOptions not checked",
    edits: [[
      "    if (!(value >= 0 && Number.isFinite(value))) {",
      "    if (false) {",
    ]],
  },
  {
    name: "the goodbye sent once instead of repeated",
    edits: [
      ["const CLOSING_ATTEMPTS = 10;", "const CLOSING_ATTEMPTS = 1;"],
      ["const CLOSE_BURST = 5;", "const CLOSE_BURST = 1;"],
    ],
  },
  {
    name: "fuzz oracle: a float or 64-bit read trusts the length (DataView's own RangeError escapes)",
    edits: [[
      "  let at = need(byteCount);\n  for (let i = 0; i < byteCount;) scratch[i++] = input[at++];\n  return scratchView;",
      "  const at = inputAt;\n  inputAt += byteCount;\n  return new DataView(input.buffer, input.byteOffset + at, byteCount);",
    ]],
  },
  {
    name: "fuzz oracle: malformed input throws a RangeError that is not jamnet's",
    edits: [[
      "throw new RangeError(`Cannot unpack: ${what} at byte ${inputAt}`);",
      "throw new RangeError(`${what} at byte ${inputAt}`);",
    ]],
  },
  {
    name: "pack: -1 as a float 64 (the -0 check takes a reciprocal of -1 too)",
    edits: [["if (1 / value < -1 ||", "if (1 / value <= -1 ||"]],
  },
  {
    name: "pack: the bigint 0 as an int 64",
    edits: [["return put64((value < 0 ? 0xd0", "return put64((value <= 0 ? 0xd0"]],
  },
  {
    name: "pack: U+0080 written as one raw byte",
    edits: [["    if (code >= 128) {", "    if (code > 128) {"]],
  },
  {
    name: "pack: an error's path step given as a replacement string (a key's \"$&\" inserts the match)",
    edits: [["      () => ` at ${typeof key", "      ` at ${typeof key"]],
  },
  {
    name: "pack: an error's path step made before the error is tested (a key no string replaces a getter's own error)",
    edits: [[
      "function throwLocated(key: unknown, error: unknown): never {\n",
      "function throwLocated(key: unknown, error: unknown): never {\n  String(key);\n",
    ]],
  },
  {
    name: "udp sockets: port 0 sent to",
    edits: [["if (!(port > 0 && port < 65536)", "if (!(port >= 0 && port < 65536)"]],
  },
  {
    name: "udp sockets: port 65536 sent to",
    edits: [["if (!(port > 0 && port < 65536)", "if (!(port > 0 && port <= 65536)"]],
  },
  {
    name: "udp sockets: the runtime's socket closed when any send leaves, open or not",
    edits: [["if (!--inFlight && closed) runtime.close();", "if (!--inFlight || closed) runtime.close();"]],
  },
  {
    name: "denoUdp: a receive failing with BadResource on an open socket counted and tried again",
    edits: [["/^(BadResource|Interrupted)$/", "/^(Interrupted)$/"]],
  },
  {
    name: "bunUdp holds one datagram more than MAX_WAITING_DATAGRAMS",
    edits: [[
      "if (waiting.length >= MAX_WAITING_DATAGRAMS) throw",
      "if (waiting.length > MAX_WAITING_DATAGRAMS) throw",
    ]],
  },
  {
    name: "bunUdp sends a datagram the buffer would take only when the next is queued",
    edits: [["hostname), done]) == 1) flush();", "hostname), done]) != 1) flush();"]],
  },
  {
    name: "a connecting WebSocket holds one datagram more than MAX_WAITING_DATAGRAMS",
    edits: [[
      "if (waiting.length >= MAX_WAITING_DATAGRAMS) return notify",
      "if (waiting.length > MAX_WAITING_DATAGRAMS) return notify",
    ]],
  },
  // ─── the packet tag and the bounds behind it (issue #18) ────────────────────
  {
    name: "the tag not checked on receive",
    edits: [[
      "if (!header || !sealed(datagram, key)) return false;",
      "if (!header) return false;",
    ]],
  },
  {
    name: "the tag checked under the sending key: both directions share one key",
    edits: [
      ["this.#sendKey = [cookie, this.nonce];", "this.#sendKey = [this.nonce, cookie];"],
      ["this.#receiveKey = [cookie, this.nonce - 1];", "this.#receiveKey = [this.nonce, cookie - 1];"],
    ],
  },
  {
    name: "the tag's last byte not compared",
    edits: [[
      "viewOf(datagram).getUint32(end) == halfSipHash(key, datagram, end);",
      "viewOf(datagram).getUint32(end) >>> 8 == halfSipHash(key, datagram, end) >>> 8;",
    ]],
  },
  {
    name: "no bound on a packet sequence's jump ahead",
    edits: [["if (ahead > MAX_SEQUENCE_JUMP || !this.#sink.reliable", "if (!this.#sink.reliable"]],
  },
  {
    name: "no stale-ack check (ackAge) on UDP",
    edits: [[
      "|| !this.#sink.reliable && (ackAge > MAX_SEQUENCE_JUMP || ackAge < 1)) {",
      "|| false && ackAge) {",
    ]],
  },
  {
    name:
      "a packet dropped by the held-bytes or maxEvents bound is acked anyway (remoteBits recorded before the checks)",
    edits: [
      [
        RECORD,
        "",
      ],
      [
        '    if (\n      this.state != "disconnecting" &&\n',
        "    if (!(header.flags & ACK_ONLY)) {\n" + RECORD + "    }\n" +
        '    if (\n      this.state != "disconnecting" &&\n',
      ],
    ],
  },
  {
    name: "no stall defence: a reliable stream may wait forever on one missing piece",
    edits: [[
      'for (const stream of this.#streamList) {\n      if (now - stream.waitingSince > this.#config.timeout) return this.end("timeout", true);\n    }',
      "",
    ]],
  },
  {
    name: "a REFUSED for another protocol heard as full",
    edits: [[
      'else connection.end(second != REFUSED_PROTOCOL ? "full" : "refused");',
      'else connection.end("full");',
    ]],
  },
  {
    name: "a HELLO of another protocol answered as if the Host were full",
    edits: [["writeHandshake(REFUSED, second, REFUSED_PROTOCOL)", "writeHandshake(REFUSED, second, REFUSED_FULL)"]],
  },
  {
    name: "a HELLO of another protocol not refused: challenged like any other",
    edits: [["if (first != this.#config.protocol) {", "if (first != first) {"]],
  },
  {
    name: "the CLOSING not re-sent until acked (closingSends 1)",
    edits: [["this.#sink.reliable ? 1 : CLOSING_ATTEMPTS : 0;", "1 : 0;"]],
  },
  {
    name: "an ack goes at once while this side says goodbye (it can take the first goodbye's sequence)",
    edits: [["this.#ackPending > (this.finished() ? 0", 'this.#ackPending > (this.state == "disconnected" ? 0']],
  },
  {
    name: "keeps() drops an ended connection (its last hearing at Infinity read as long ago)",
    edits: [["now - this.#lastReceivedAt < KEEPALIVE_MS", "Math.abs(now - this.#lastReceivedAt) < KEEPALIVE_MS"]],
  },
  {
    name: "three blind CLOSING packets, as before #18",
    edits: [["this.#sink.reliable ? 1 : CLOSING_ATTEMPTS : 0;", "this.#sink.reliable ? 1 : 3 : 0;"]],
  },
  {
    name: "Host.close() sends one goodbye, not a burst",
    edits: [["const CLOSE_BURST = 5;", "const CLOSE_BURST = 1;"]],
  },
  {
    name: "the ack of a CLOSING does not end the closing: all ten are sent",
    edits: [[
      "if (sequenceAhead(header.ack, this.#closingSequence) >= 0 || header.flags & CLOSING) this.#closingSends = 0;",
      "if (header.flags & CLOSING) this.#closingSends = 0;",
    ]],
  },
  {
    name: "non-canonical header accepted: a WIDE_ACK delta that fits a byte",
    edits: [[
      "let canonical = ackBack > 255 || !(flags & WIDE_ACK);",
      "let canonical = true;",
    ]],
  },
  {
    name: "non-canonical header accepted: an ack-bit byte of 0xff written out",
    edits: [["canonical &&= byte < 255 || !(flags & 1 << i);", ""]],
  },
  {
    name: "non-canonical frame accepted: an overlong varint",
    edits: [["if (byte < 128) return shift === 1 || byte ? value : this.#fail();", "if (byte < 128) return value;"]],
  },
  {
    name: "non-canonical frame accepted: HAS_CHANNEL with a channel byte of 0",
    edits: [["== (isNext || !channel) &&", "== (isNext || !channel && !(head & HAS_CHANNEL)) &&"]],
  },
  {
    name: "HostOptions.random ignored: crypto used anyway",
    edits: [[
      "this.#random = options?.random;",
      "this.#random = undefined;",
    ]],
  },
  {
    name: "a random that fills nothing leaves zeros, not crypto's bytes",
    edits: [["const bytes = crypto.getRandomValues(new Uint8Array(4));", "const bytes = new Uint8Array(4);"]],
  },
  {
    name: "a state's time not checked: NaN or Infinity delivered",
    edits: [["const bytes = reader.ok && isFinite(readFloat64(time, 0)) &&", "const bytes = reader.ok &&"]],
  },
  {
    name: "Timeline.add files a time that is not a finite number",
    edits: [[
      "if (!Number.isFinite(time)) throw new RangeError(`A time is a finite number of ms, not ${time}`);\n    insertByTime",
      "insertByTime",
    ]],
  },
  {
    name: "two Hosts connecting to each other at once both take the other's HELLO",
    edits: [[
      "return nonce < this.nonce &&\n",
      "return false &&\n",
    ]],
  },
  {
    name: "a HELLO of an ended peer's nonce makes it again",
    edits: [[
      "} else if (connection?.nonce == second) {",
      '} else if (connection?.nonce == second && connection.state == "connected") {',
    ]],
  },
  {
    name: "webSocketServer keeps a WebSocket closed before accept()",
    edits: [["    if ((ws.readyState ?? 1) < 2) {\n", "    if (ws) {\n"]],
  },
  {
    name: "a held piece counted by its bytes alone, not its bookkeeping",
    edits: [["const HELD_PIECE_BYTES = 256;", "const HELD_PIECE_BYTES = 0;"]],
  },
  {
    name: "an unordered piece's mark keeps its bookkeeping counted when it goes",
    edits: [[
      "        this.#nextDeliver = nextSequence(this.#nextDeliver);\n        this.heldBytes -= HELD_PIECE_BYTES;\n",
      "        this.#nextDeliver = nextSequence(this.#nextDeliver);\n",
    ]],
  },
  {
    name: "a reliable piece delivered keeps its bookkeeping counted",
    // A reliable message's marks go in #hold's walk, a state's pieces in #take: both keep their bookkeeping.
    edits: [[
      "        this.#nextDeliver = nextSequence(this.#nextDeliver);\n        this.heldBytes -= HELD_PIECE_BYTES;\n",
      "        this.#nextDeliver = nextSequence(this.#nextDeliver);\n        if (unordered) this.heldBytes -= HELD_PIECE_BYTES;\n",
    ], [
      "            held.delete(at);\n            this.heldBytes -= HELD_PIECE_BYTES;\n",
      "            held.delete(at);\n",
    ]],
  },
  {
    name: "a state piece let go keeps its bookkeeping counted",
    edits: [[
      "this.heldBytes -= HELD_PIECE_BYTES + piece!.payload.length;",
      "this.heldBytes -= piece!.payload.length;",
    ]],
  },
  {
    name: "copies of messages delivered before count toward the held-bytes bound",
    edits: [[
      "if (pieceAhead > 0 && !stream?.held.has(frame.sequence))",
      "if (pieceAhead !== 0 && !stream?.held.has(frame.sequence))",
    ]],
  },
  {
    name: "held bytes bounded at 2 maxMessageBytes + 1,024, not + maxQueuedBytes",
    edits: [[
      "2 * this.#config.maxMessageBytes + this.#config.maxQueuedBytes + HELD_PIECE_BYTES * RECEIVE_WINDOW ||",
      "2 * this.#config.maxMessageBytes + 1024 + HELD_PIECE_BYTES * RECEIVE_WINDOW ||",
    ]],
  },
  {
    name: "held pieces bounded with no room for a receive window's bookkeeping",
    edits: [[
      "this.#config.maxQueuedBytes + HELD_PIECE_BYTES * RECEIVE_WINDOW ||",
      "this.#config.maxQueuedBytes ||",
    ]],
  },
  {
    name: "a piece acked behind a lost one lets its bytes go from the sender's queue",
    edits: [[
      "    while ((piece = this.#pending[this.#front])?.done) {\n" +
      "      this.#partial += HELD_PIECE_BYTES + piece.payload.length;\n" +
      "      if (piece.fragment & 1) byteCount += this.#partial, this.#partial = 0;\n" +
      "      this.#front++;\n" +
      "    }\n" +
      "    return byteCount;",
      "    return HELD_PIECE_BYTES + piece.payload.length;",
    ]],
  },
  {
    name: "the pieces acked in order let go one an ack, not all",
    edits: [[
      "while ((piece = this.#pending[this.#front])?.done) {",
      "for (let once = 1; once-- && (piece = this.#pending[this.#front])?.done;) {",
    ]],
  },
  {
    name: "a message's pieces acked in order leave the sender's queue before it is whole",
    edits: [[
      "if (piece.fragment & 1) byteCount += this.#partial",
      "if (piece.fragment | 1) byteCount += this.#partial",
    ]],
  },
  {
    name: "connect() on a closed Host returns a peer",
    edits: [[
      "if (this.#closed) throw new TypeError(`Cannot connect",
      "if (false) throw new TypeError(`Cannot connect",
    ]],
  },
  {
    name: "HostOptions.now not called when the Host is made",
    edits: [["    this.#now(); // at once: the clock is wrong from the start more often than not\n", ""]],
  },
  {
    name: "keepalives once a second whatever the timeout",
    edits: [["quiet >= Math.min(KEEPALIVE_MS, this.#config.timeout / 4))", "quiet >= KEEPALIVE_MS)"]],
  },
  {
    name: "keepalives every third of the timeout",
    edits: [["this.#config.timeout / 4))", "this.#config.timeout / 3))"]],
  },
  {
    name: "state pieces ahead of an arriving one kept",
    edits: [[
      "if (Math.abs(sequenceAhead(sequence, old)) <= STATE_PIECES_KEPT &&",
      "if (sequenceAhead(sequence, old) <= STATE_PIECES_KEPT &&",
    ]],
  },
  {
    name: "a sender counts the bytes of its pieces alone, not their bookkeeping",
    edits: [
      ["this.#queuedBytes += HELD_PIECE_BYTES * pieceCount + payload.length;", "this.#queuedBytes += payload.length;"],
      ["this.#queuedBytes -= HELD_PIECE_BYTES + piece.payload.length;", "this.#queuedBytes -= piece.payload.length;"],
      ["byteCount += HELD_PIECE_BYTES + piece.payload.length;", "byteCount += piece.payload.length;"],
      ["this.#partial += HELD_PIECE_BYTES + piece.payload.length;", "this.#partial += piece.payload.length;"],
    ],
  },
  {
    name: "a state stream's held pieces not bounded in bytes",
    edits: [["STATE_PIECES_KEPT && this.heldBytes <= stateBytes) break;", "STATE_PIECES_KEPT) break;"]],
  },
  {
    name: "a state stream's held pieces counted against the connection's bound",
    edits: [["if (frame.mode != STATE) this.#heldBytes +=", "this.#heldBytes +="]],
  },
  {
    name: "a rebuilt state bounded by its delta's size, not maxMessageBytes",
    edits: [["if (length > max) return undefined;", "if (length > delta.length * 8 + base.length) return undefined;"]],
  },
  {
    name: "the messages not yet polled counted per connection, not per address (a reconnect starts from 0)",
    edits: [
      [
        "return this.#sink.queued.get(this.address) ?? 0;",
        "return this.#sink.queued.get(this.address + this.nonce) ?? 0;",
      ],
      [
        "this.#sink.queued.set(this.address, 1 + this.queued);",
        "this.#sink.queued.set(this.address + this.nonce, 1 + this.queued);",
      ],
    ],
  },
  {
    name: "a state sent whole not bounded by maxMessageBytes",
    edits: [[": body.length <= max && body);", ": body);"]],
  },
  {
    name: "the states one update rebuilds not counted",
    edits: [["    this.#rebuiltBytes += rebuilt;\n", ""]],
  },
  {
    name: "the states rebuilt counted from the first update on, never started over",
    edits: [["    this.#rebuiltBytes = 0;\n", ""]],
  },
  // ─── sockets ────────────────────────────────────────────────────────────────
  {
    name: "bunUdp: the datagrams behind one whose send threw stay queued",
    edits: [["      flush(); // the rest: no drain comes for a datagram that was never queued\n", ""]],
  },
  {
    // A stranger's ghost peers under Bun (bench/bun_ghosts.mjs): each bounce of a keepalive to them cost a player a datagram.
    name: "a UDP send that fails once is dropped (Bun's ICMP for an earlier datagram), never tried again",
    edits: [["        if (!retried && error) {\n", "        if (retried && error) {\n"]],
  },
  {
    // A review of the retry (2026-12-05): the runtime's socket closed before a failed send's second try.
    name: "udpSocket closes a closed socket's runtime before a failed send is tried again",
    edits: [["          return go();\n", "          return inFlight--, go();\n"]],
  },
  {
    name: "udpSocket never closes a closed socket's runtime after a send that was tried again",
    edits: [["if (!--inFlight && closed) runtime.close();", "if (!--inFlight && closed && !retried) runtime.close();"]],
  },
  {
    // A player on a link-local IPv6 address, as Node names it: every answer was refused (a review, 2026-12-05).
    name: "the UDP address check refuses a link-local IPv6 address's zone ([fe80::1%eth0]:4000)",
    edits: [[":[\\da-f.:]*(?:%[\\w.-]+)?", ":[\\da-f.:]*"]],
  },
  {
    name: "reliable sockets still resending (pieces kept in flight)",
    edits: [[
      "else if (piece.mode < SEQUENCED && !this.#sink.reliable) this.#inFlight.push(piece);",
      "else if (piece.mode < SEQUENCED) this.#inFlight.push(piece);",
    ]],
  },
  {
    // Since 2026-12-02 one guard in receive keeps every ack off a reliable socket (the ack due, mustAck and the early
    // ack each had their own): this mutant is also the one "an early ack over a reliable socket, which sends no acks" was.
    name: "reliable sockets still acking, an early ack among them",
    edits: [["(statePieces || !this.#sink.reliable) &&\n        (!this.#ackPending++", "(!this.#ackPending++"]],
  },
  {
    name: "a socket send that throws escapes update()",
    edits: [[
      '    } catch {\n      this.#count("socketErrors", connection);\n    }\n',
      "    } finally {\n      // counted nowhere\n    }\n",
    ]],
  },
  {
    name: "the socket's clock ignored",
    edits: [[
      "const clock = options?.now ?? socket.now ?? (() => performance.now());",
      "const clock = options?.now ?? (() => performance.now());",
    ]],
  },
  {
    name: "memoryNet delivers out of time order (the heap's sift-down comparison flipped)",
    edits: [["if (!sooner(heap[child], last)) break;", "if (sooner(heap[child], last)) break;"]],
  },
  {
    name: "memoryNet delivers datagrams due at once in reverse send order",
    edits: [["a[0] == b[0] && a[1] < b[1]", "a[0] == b[0] && a[1] > b[1]"]],
  },
  {
    name: "a WebSocket accepted twice gets a second link",
    edits: [["    if (addresses.has(ws)) return addresses.get(ws)!;\n", ""]],
  },
  {
    name: "condition().close() closes its socket while datagrams wait on their timers",
    edits: [["      if (!waiting) socket.close();\n", "      socket.close();\n"]],
  },
  {
    name: "memoryNet.advance() takes NaN or a negative ms",
    edits: [[
      "      if (!(ms >= 0 && Number.isFinite(end))) {",
      "      if (false) {",
    ]],
  },
  {
    name: "a socket's closed event does not end the peer",
    edits: [['      connection?.end("closed");\n      this.#connections.delete(event.address);\n', ""]],
  },
  {
    name: "a closed WebSocket not reported (no closed notify)",
    edits: [['ws.addEventListener("close", () => notify({ type: "closed", address }));', ""]],
  },
  {
    name: "a WebSocket closed by a runtime's callback not reported (webSocketServer().closed does nothing)",
    edits: [["    closed: forget,\n", "    closed: () => {},\n"]],
  },
  // Issue #11 and the fixes found on the way.
  {
    name: "a state's acked piece never tells its snapshot: no baseline, every state goes whole",
    edits: [["        else piece.acked?.();", "        else piece.acked;"]],
  },
  {
    name: "a state's snapshot waits for one piece more than it has: never acked, every state goes whole",
    edits: [["(snapshot.unacked = pieceCount, ", "(snapshot.unacked = pieceCount + 1, "]],
  },
  {
    name: "the state mode never sends a delta (always the whole state)",
    edits: [[
      "const body = delta && packed.length > delta.length ? delta : packed;",
      "const body = delta && packed.length < 0 ? delta : packed;",
    ]],
  },
  {
    name: "clock sync takes the newest sample, not the one with the shortest round trip",
    edits: [[
      "[this.errorMs, this.offsetMs] = this.#samples.reduce((a, b) => a[0] > b[0] ? b : a);",
      "[this.errorMs, this.offsetMs] = this.#samples.at(-1)!;",
    ]],
  },
  {
    name: "messages that waited behind a lost one take the time of the frame that completed them",
    edits: [[
      "        piece.payload = message;\n        return piece;\n",
      "        return { payload: message };\n",
    ]],
  },
  {
    name: "a sender's window counted from its oldest piece not acked, not from the first piece of its message",
    edits: [[
      "front - (pending[front]?.fragment >> 1) + RECEIVE_WINDOW",
      "front + RECEIVE_WINDOW",
    ]],
  },
  {
    name: "a resent piece never rides along again",
    edits: [["        piece.copies = 1;", "        piece.copies = piece.sent > 1 ? MAX_COPIES : 1;"]],
  },
  // ─── the congestion window and what came with it (issue #13, goal 4) ────────
  {
    name: "window: no congestion window (the fixed cap alone)",
    edits: [["!this.#sink.reliable && this.#packetsInFlight >= this.#window &&", "false &&"]],
  },
  {
    name: "window: a reliable socket held back by it too",
    edits: [[
      "!this.#sink.reliable && this.#packetsInFlight >= this.#window &&",
      "this.#packetsInFlight >= this.#window &&",
    ]],
  },
  {
    name: "window: a flight lost whole never forgotten",
    edits: [[
      "      this.#firstInFlight = this.#nextSequence;\n      this.#forgets++;",
      "      this.#forgets++;",
    ]],
  },
  {
    name: "copies: driven by the short loss estimate again",
    edits: [["this.#fatesLost / Math.min(seen, LOSS_WINDOW_PACKETS)", "this.stats.loss"]],
  },
  {
    name: "copies: a loss never leaves the window",
    edits: [["this.#fatesLost += +!acked - this.#fates[at];", "this.#fatesLost += +!acked;"]],
  },
  {
    name: "copies: the chance left for a piece lost whole the same on a long link",
    edits: [["RESIDUAL_LOSS * Math.min(1, RESIDUAL_RTT_MS / this.stats.rttMs)", "RESIDUAL_LOSS"]],
  },
  {
    name: "rtt: a negative sample taken (a clock stepped back)",
    edits: [[
      "bit < 0 && Math.max(MIN_RTT_SAMPLE_MS, now - packet.sentAt)",
      "bit < 0 && now - packet.sentAt",
    ]],
  },
  {
    name: "timed: before the first clock sample, the sender's clock taken for the receiver's (no provisional offset)",
    edits: [["        this.#samples[0] || isFinite(t0) && (this.offsetMs = t0 - now);\n", ""]],
  },
  {
    name: "timed: the provisional offset kept after the first sample (each request overwrites it)",
    edits: [["this.#samples[0] || isFinite(t0) && (this.offsetMs = t0 - now);", "this.offsetMs = t0 - now;"]],
  },
  {
    name: "clock: a request at +Infinity taken for the provisional offset (remoteTime() Infinity)",
    edits: [["this.#samples[0] || isFinite(t0) && (this.offsetMs", "this.#samples[0] || (this.offsetMs"]],
  },
  {
    name: "clock: a replayed (older or repeated) request or answer taken",
    edits: [["if (this.#newest[kind] < t0) {", "{"]],
  },
  {
    name: "timed: a message timed more than `timeout` ms ahead held",
    edits: [["event.at - now > this.#config.timeout ||", ""]],
  },
  {
    name: "timed: a message at no finite time (a hostile peer's clock) delivered, at -Infinity",
    edits: [["this.#config.timeout || !isFinite(event.at) ||", "this.#config.timeout ||"]],
  },
  {
    name: "timed: a message that arrives at its very millisecond read as late",
    edits: [["event.late = now > event.at;", "event.late = now >= event.at;"]],
  },
  {
    name: "timed: no maxTimedMessages bound",
    edits: [["this.#full(this.#config.maxTimedMessages, this.#sink.held.length)", "false"]],
  },
  {
    name: "timed: a full hold queue refuses every peer's messages, not only those of a peer with half of it",
    edits: [[
      "this.#full(this.#config.maxTimedMessages, this.#sink.held.length)",
      "this.#sink.held.length >= this.#config.maxTimedMessages",
    ]],
  },
  {
    name: "tag: one key for every lap of the packet sequence (the sender's never changes)",
    edits: [[
      "      if (!this.#nextSequence) this.#sendKey![1]++; // a new lap (see receive)\n",
      "",
    ]],
  },
  {
    name: "tag: the receiver keeps the first lap's key (a new lap's packets pass only as its second try)",
    edits: [["        this.#receiveKey = key;\n", ""]],
  },
  {
    name: "tag: a late packet of the lap before checked under this lap's key",
    edits: [[
      "this.#receiveKey[1] + ((ahead + this.#remoteLatest) >> 16)];",
      "this.#receiveKey[1] + Math.max(0, (ahead + this.#remoteLatest) >> 16)];",
    ]],
  },
  {
    name: "window: never cut by loss",
    edits: [[
      "} else if (this.#windowCutAt < packet.sentAt && this.stats.loss > CONGESTION_LOSS) {",
      "} else if (false) {",
    ]],
  },
  {
    name: "window: a forgotten flight without back-off",
    edits: [["this.#resendMs() * 2 ** this.#forgets", "this.#resendMs()"]],
  },
  {
    name: "acks: no loss found past the 32 bits",
    edits: [["for (let bit = -1; 32 + beyond > bit; bit++)", "for (let bit = -1; 32 > bit; bit++)"]],
  },
  {
    name: "acks: loss past the 32 bits even when the oldest bit arrived",
    edits: [["ackBits >>> 31 || this.#sink.reliable ? 0 :", "this.#sink.reliable ? 0 :"]],
  },
  {
    name: "rtt: a sample taken whole, however late the ack",
    edits: [["    rttSampleMs = Math.min(2 * stats.rttMs + ACK_DELAY_MS, rttSampleMs);\n", ""]],
  },
  {
    name: "send: a message in more pieces than the receiver holds accepted",
    edits: [["Math.min(pieceBytes * pieces, this.#config.maxMessageBytes)", "this.#config.maxMessageBytes"]],
  },
  {
    name: "packetsPerUpdate: 1024 over a reliable socket too",
    edits: [["socket.reliable ? 8 : 1024", "1024"]],
  },
  {
    name: "fill: a message in pieces always cut from its start",
    edits: [["let shift = last && !last.sent && !last.done ? frameBytes(last) : 0;", "let shift = 0;"]],
  },
  {
    name: "fill: a message cut to fill a packet even when that adds a piece",
    edits: [["    if ((payload.length - 1) % pieceBytes + shift >= pieceBytes) shift = 0;\n", ""]],
  },
  {
    name: "fill: a cut ending exactly at a piece's end taken, a piece added",
    edits: [[
      "(payload.length - 1) % pieceBytes + shift >= pieceBytes",
      "(payload.length - 1) % pieceBytes + shift > pieceBytes",
    ]],
  },
  {
    name: "held pieces keep their whole datagram alive, however small",
    edits: [["2 * payload.length) piece.payload = payload.slice();", "2 * payload.length) piece.payload = payload;"]],
  },
  {
    name: "fill: a message cut short behind a piece that has left already",
    edits: [["last && !last.sent && !last.done ?", "last ?"]],
  },
  {
    name: "maxEvents: a peer dropped over a reliable socket not told",
    edits: [['this.end("closed", true)', 'this.end("closed")']],
  },
  {
    name: "denoUdp: a receive that throws at once is tried again at once, for good",
    edits: [[
      "const received = conn.receive();\n        try {\n          const [data, from] = await received;",
      "try {\n          const [data, from] = await conn.receive();",
    ]],
  },
  {
    name: "denoUdp: a listener's TypeError ends the process",
    edits: [[
      "          if (!open() || /^(BadResource",
      "          if (error instanceof TypeError) throw error;\n          if (!open() || /^(BadResource",
    ]],
  },
  {
    name: "addresses: a name taken as an address",
    edits: [["|(\\d+(?:\\.\\d+){3})):(\\d{1,5})$/i", "|([^\\s:[\\]]+)):(\\d{1,5})$/i"]],
  },
  {
    name: "addresses: IPv4 of any count of numbers (127.0.0:4000 sent as a name)",
    edits: [["|(\\d+(?:\\.\\d+){3})):(\\d{1,5})$/i", "|([\\d.]+)):(\\d{1,5})$/i"]],
  },
  {
    name: "addresses: an IPv4 address or a name in brackets taken ([127.0.0.1]:4000)",
    edits: [["\\[([\\da-f.]*:[\\da-f.:]*(?:%", "\\[([\\da-f.:]+(?:%"]],
  },
  {
    name: "bytesSent read after the send (a socket that transfers the buffer counts 0)",
    edits: [['this.#count("bytesSent", connection, bytes);', 'this.#count("bytesSent", connection, datagram.length);']],
  },
  {
    name: "send: a time far ahead taken (a Date.now() on a performance.now() clock)",
    edits: [["Number.isFinite(at) && at - now <= this.#config.timeout", "Number.isFinite(at)"]],
  },
  {
    name: "a WebSocket that dropped a datagram (Bun's send() returned 0) stays open",
    edits: [["=== 0) ws.close()", "=== 0) void 0"]],
  },
  {
    name: "webSocketServer: a hibernating WebSocket's accept() throw escapes",
    edits: [[
      "    try {\n      ws.accept?.();\n    } catch {\n      // its events come through message and closed\n    }",
      "    ws.accept?.();",
    ]],
  },
  {
    name: "disconnect: no goodbye",
    edits: [[
      "end(reason?: DisconnectReason, goodbye = !reason)",
      "end(reason?: DisconnectReason, goodbye = false)",
    ]],
  },
  {
    name: "an Extension's bigint type fails in the shift with the engine's error",
    edits: [["|| !Number.isInteger(type) || type != type << 24 >> 24", "|| type != type << 24 >> 24"]],
  },
  {
    name: "send() takes options that are no object: a channel number as none, silently",
    edits: [['if (!options || typeof options != "object") {', "if (!options) {"]],
  },
  {
    name: "a peer still connecting once keyed ends without a goodbye",
    edits: [["goodbye && this.#sendKey ?", 'state != "connecting" && goodbye ?']],
  },
  {
    name: "a peer not keyed yet says goodbye: a packet without a key",
    edits: [["goodbye && this.#sendKey ?", "goodbye ?"]],
  },
  {
    name: "a peer's disconnect goes out ahead of the messages it timed before it left",
    edits: [[
      "if (last) last[2] = event;",
      "if (!this) last[2] = event;",
    ]],
  },
  {
    name: "a peer's disconnect with nothing timed waits for the next poll, behind a new peer's connect",
    edits: [[
      "      else this.#sink.events.push(event);",
      "      else insertByTime(this.#sink.held, -Infinity, event);",
    ]],
  },
  {
    name: "the game's disconnect() leaves that peer's events to come out of poll()",
    edits: [["    this.forgotten = true;\n", ""]],
  },
  {
    name: "poll() hands out the events of a peer the game disconnected",
    edits: [["if (!peer.forgotten && !this.#closed) return event;", "if (!this.#closed) return event;"]],
  },
  {
    name: "poll() hands out events after close()",
    edits: [["if (!peer.forgotten && !this.#closed) return event;", "if (!peer.forgotten) return event;"]],
  },
  {
    name: "disconnect drops what is queued (no disconnecting state)",
    edits: [['if (this.state == "connected" && this.#queuedBytes) this.state = "disconnecting";', "if (!this) this;"]],
  },
  {
    name: "a disconnecting peer never ends once its queue is acked",
    edits: [['    if (this.state == "disconnecting" && !this.#queuedBytes) this.end();', "    if (!this) this.end();"]],
  },
  {
    name: "a disconnecting peer delivers messages and its silence timer runs on",
    edits: [[
      '    if (this.state == "connected") {\n      // Heard after more than 1.5 s of silence',
      "    if (true) {\n      // Heard after more than 1.5 s of silence",
    ]],
  },
  {
    name: "the resend time counts three times the RTT variance, not four",
    edits: [[
      "return this.stats.rttMs ? 4 * this.stats.rttVarianceMs",
      "return this.stats.rttMs ? 3 * this.stats.rttVarianceMs",
    ]],
  },
  {
    name: "a string past ASCII of 31 bytes is packed as a str8",
    edits: [["putLength(byteCount, 0xd9, 0xa0, 32);", "putLength(byteCount, 0xd9, 0xa0, 31);"]],
  },
  {
    name: "the half rule's line is a third of maxEvents",
    edits: [[
      "return (max > 2 * this.queued ? 2 * max : max) <= count;",
      "return (max > 3 * this.queued ? 2 * max : max) <= count;",
    ]],
  },
  {
    name: "an integer of magnitude 255 is packed in 16 bits",
    edits: [[
      "const log = magnitude < 256 ? 0 : magnitude < 65536 ? 1 : 2;",
      "const log = magnitude < 255 ? 0 : magnitude < 65536 ? 1 : 2;",
    ]],
  },
  {
    name: "memoryNet's burst is 7 datagrams by default",
    edits: [["    burstLength = 8,\n", "    burstLength = 7,\n"]],
  },
  {
    name: "the default maxMessageBytes is a byte more",
    edits: [['["maxMessageBytes", 16 + 2 ** 20, 2 ** 30],', '["maxMessageBytes", 17 + 2 ** 20, 2 ** 30],']],
  },
  {
    name: "a full window lets a packet go only after more than 33 ms of quiet",
    edits: [[
      "(this.#packetsThisUpdate || quiet < ACK_DELAY_MS)",
      "(this.#packetsThisUpdate || quiet <= ACK_DELAY_MS)",
    ]],
  },
  {
    name: "a clock that cannot be called throws the runtime's own error, which names no option",
    edits: [["      now = error;\n", "      throw error;\n"]],
  },
  {
    name: "0.0.0.0 taken as an address to send to, and a client's connect times out in silence",
    edits: [[" || /^[0.:]+$/.test(hostname!)", ""]],
  },
  {
    name: "send to a disconnecting peer is taken",
    edits: [[
      'if (this.state == "disconnecting" || this.state == "disconnected") return false;',
      'if (this.state == "disconnected") return false;',
    ]],
  },
  {
    name: "send to a peer gone throws, and a server replying to a player who left ends",
    edits: [[
      'if (this.state == "disconnecting" || this.state == "disconnected") return false;',
      'if (this.state == "disconnecting" || this.state == "disconnected") throw new TypeError("gone");',
    ]],
  },
  {
    name: "connect() to a disconnecting peer's address returns it",
    edits: [[
      'if (!connection || connection.state == "disconnecting" || connection.state == "disconnected") {',
      'if (!connection || connection.state == "disconnected") {',
    ]],
  },
  {
    name: "a disconnecting peer sends nothing but goodbyes",
    edits: [[
      '} else if (this.state == "disconnected") {',
      '} else if (this.state != "connected") {',
    ]],
  },
  {
    name: "host.close() lets the queue go first",
    edits: [[
      "      connection.end();\n      for (let goodbye, i = 0;",
      "      connection.disconnect();\n      for (let goodbye, i = 0;",
    ]],
  },
  {
    name: "a disconnecting peer's packets are refused while the event queue is full",
    edits: [['      this.state != "disconnecting" &&\n', "      true &&\n"]],
  },
  {
    name: "a disconnecting peer holds no maxPeers slot",
    edits: [[
      "if (this.#connections.size - +!!connection >= this.#config.maxPeers) {",
      "if (this.peers.length >= this.#config.maxPeers) {",
    ]],
  },
  {
    name: "a player reconnecting from its address to a full Host refused: its old connection, just ended, counted",
    edits: [[
      "if (this.#connections.size - +!!connection >= this.#config.maxPeers) {",
      "if (this.#connections.size >= this.#config.maxPeers) {",
    ]],
  },
  {
    name: "new Host() takes anything as its socket",
    edits: [["if (!socket?.listen) {", "if (!socket) {"]],
  },
  {
    name: "a keepalive is refused while the event queue is full",
    edits: [[" &&\n          frames.some((frame) => frame.mode < CONTROL))", ")"]],
  },
  {
    name: "a packet of clock frames only counts as one of messages while the queue is full",
    edits: [[" &&\n          frames.some((frame) => frame.mode < CONTROL))", " && frames.length > 0)"]],
  },
  {
    name: "no early ack before a jump that pushes unacked packets out of the bits",
    edits: [[
      "sequenceAhead(sequence, this.#unackedOldest) > 32 && this.#ackPending) {",
      "ahead > 32 && this.#ackPending) {",
    ]],
  },
  {
    name: "the early ack counts the packets unacked as if in a row, not from the oldest",
    edits: [[
      "sequenceAhead(sequence, this.#unackedOldest) > 32 && this.#ackPending) {",
      "ahead + this.#ackPending > 33 && this.#ackPending) {",
    ]],
  },
  {
    name: "the oldest packet unacked is not taken back to a late one",
    edits: [[" || sequenceAhead(sequence, this.#unackedOldest) < 0)\n      ) {", ")\n      ) {"]],
  },
  {
    name: "an unreliable message one byte over a packet taken",
    edits: [["this.#config.maxMessageBytes) : pieceBytes;", "this.#config.maxMessageBytes) : pieceBytes + 1;"]],
  },
  {
    name: "a departed peer's held disconnect takes a place in maxTimedMessages",
    edits: [["if (last) last[2] = event;", "if (last) insertByTime(this.#sink.held, last[0], event);"]],
  },
  {
    name: "a held disconnect never comes out of the hold queue",
    edits: [["this.#sink.events.push(...events as HostEvent[]);", "this.#sink.events.push(events[0]);"]],
  },
  {
    name: "the early ack is built and never sent",
    edits: [["        this.#send(connection.earlyAck, connection);\n", ""]],
  },
  {
    name: "a packet of more state pieces than channels + 1 is taken",
    edits: [["statePieces++ > this.#config.channels", "statePieces++ > 65536"]],
  },
  {
    name: "the state pieces of a packet are allowed one more than channels + 1",
    edits: [["statePieces++ > this.#config.channels", "statePieces++ > this.#config.channels + 1"]],
  },
  {
    name: "a packet of channels + 1 state pieces (a full piece and its state's tiny last, or one a channel) is refused",
    edits: [["statePieces++ > this.#config.channels", "statePieces++ > this.#config.channels - 1"]],
  },
  {
    name: "denoUdp takes what is no datagram conn without a word",
    edits: [['  if (!conn?.receive) throw new TypeError("denoUdp() takes a Deno listenDatagram() socket");\n', ""]],
  },
  {
    name: "nodeUdp takes what is no dgram socket without a word",
    edits: [['  if (!socket?.on) throw new TypeError("nodeUdp() takes a node:dgram socket");\n', ""]],
  },
  {
    name: "bunUdp takes what is no function without a word",
    edits: [[`  if (typeof open != "function") throw new TypeError("bunUdp() takes Bun's udpSocket");\n`, ""]],
  },
  {
    name: "webSocket takes what is no WebSocket without a word",
    edits: [['  if (!ws?.send) throw new TypeError("webSocket() takes a WebSocket");\n', ""]],
  },
  {
    name: "webSocketServer keeps the address of what it could not link",
    edits: [
      [
        "      // The link first: a WebSocket whose linking throws (its addEventListener) leaves no address behind.\n",
        "      addresses.set(ws, address);\n",
      ],
      [
        "        links.set(address, link);\n        addresses.set(ws, address);\n",
        "        links.set(address, link);\n",
      ],
    ],
  },
  {
    name: "an empty packet never takes a sequence number (a peer that only receives measures no RTT)",
    edits: [[
      "if (!pieces.length && this.stats.packetsSent & 31 && !flags)",
      "if (!pieces.length && !flags)",
    ]],
  },
  {
    name: "a packet found lost is counted again by each later ack",
    edits: [["      packet.done = true;\n", ""]],
  },
  {
    name: "webSocketServer().accept() takes what is no WebSocket without a word",
    edits: [['    if (!ws?.send) throw new TypeError("accept() takes a WebSocket");\n', ""]],
  },
  {
    name: "a link option given as a string or Infinity taken",
    edits: [["if (!(value >= 0 && Number.isFinite(value)))", "if (!(value >= 0))"]],
  },
  {
    name: "condition(socket) and net.link(from, to) without options throw on undefined",
    edits: [
      ["function link(options: LinkOptions = {})", "function link(options: LinkOptions = undefined!)"],
      ["export function memoryNet(options?: LinkOptions)", "export function memoryNet(options: LinkOptions = {})"],
    ],
  },
  {
    name: "new Host(socket, null) throws on null",
    edits: [["const value = options?.[name] ?? fallback;", "const value = options![name] ?? fallback;"]],
  },
  {
    name: "memoryNet.advance() takes a string or Infinity",
    edits: [["if (!(ms >= 0 && Number.isFinite(end)))", "if (!(ms >= 0))"]],
  },
  {
    name: "memoryNet.advance() checks ms alone, and two steps of Number.MAX_VALUE make the clock Infinity",
    edits: [["if (!(ms >= 0 && Number.isFinite(end)))", "if (!(ms >= 0 && Number.isFinite(ms)))"]],
  },
  {
    name: "over a reliable socket a refused packet of states alone ends the peer",
    edits: [[
      "if (this.#sink.reliable && frames.some((frame) => frame.mode < STATE)) this.end(",
      "if (this.#sink.reliable) this.end(",
    ]],
  },
  {
    name: "a packet refused for the event queue does not count as hearing from the peer",
    edits: [["      else this.#lastReceivedAt = now;\n", ""]],
  },
  {
    name: "a message that waits is looked at from its first piece each time",
    edits: [["let found = first?.found ?? 0;", "let found = 0;"]],
  },
  {
    name: "a message that waits keeps nothing of what was found",
    edits: [["if (this.#mode != STATE && first) first.found = found;", ""]],
  },
  {
    name: "a state stream resumes where the last look stopped, though it lets go of pieces that wait",
    edits: [["if (this.#mode != STATE && first) first.found = found;", "if (first) first.found = found;"]],
  },
  {
    name: "a second Host on a UDP socket, or a new one on a closed Host's, taken in silence",
    edits: [[
      'if (notify != ignore) throw new Error("new Host() takes a Socket no Host had: open a new one");\n      notify = onEvent;',
      "notify = onEvent;",
    ]],
  },
  {
    name: "a second Host on a webSocket taken in silence",
    edits: [[
      'if (notify != ignore) throw new Error("new Host() takes a Socket no Host had: open a new one"); // as on UDP\n      receive = onData;\n      notify = onEvent;\n    },\n    close:',
      "receive = onData;\n      notify = onEvent;\n    },\n    close:",
    ]],
  },
  {
    name: "a second Host on a webSocketServer taken in silence",
    edits: [[
      'if (notify != ignore) throw new Error("new Host() takes a Socket no Host had: open a new one"); // as on UDP\n      receive = onData;\n      notify = onEvent;\n    },\n    closed:',
      "receive = onData;\n      notify = onEvent;\n    },\n    closed:",
    ]],
  },
  {
    name: "condition() hands the first Host's faults to a second Host its socket refused",
    edits: [["socket.listen(receive, onEvent);\n      notify = onEvent;", "socket.listen(receive, notify = onEvent);"]],
  },
  {
    name: "a second Host on a memoryNet socket taken in silence",
    edits: [["if (mine) throw", "if (false) throw"]],
  },
  // ─── the review of 2026-12-02 ───────────────────────────────────────────────
  {
    name: "the states a packet's deltas claim to rebuild not read (a packet past the bound taken)",
    edits: [["rebuilt += head.varint()", "head.varint()"]],
  },
  {
    name: "streams take turns by the packets of this update (the first stream first whenever an update sends one)",
    edits: [["if ((this.#nextSequence & 3) == 3 && first)", "if ((this.#packetsThisUpdate & 3) == 3 && first)"]],
  },
  {
    name: "the turns go round every stream, idle ones too (each hands its turn to the next busy one)",
    edits: [[
      "this.#streamList.sort((a, b) => +(first == a) - +(first == b))",
      "this.#streamList.push(this.#streamList.shift()!)",
    ]],
  },
  {
    name: "whole messages go first in every packet (pieces of larger ones never first)",
    edits: [["this.#nextSequence & 3 ? [0, 1] : [1, 0]", "[0, 1]"]],
  },
  {
    name: "a late timed message goes to the events at once, ahead of one of its time held",
    edits: [[
      "insertByTime(this.#sink.held, event.at, event);",
      "event.late ? this.#sink.events.push(event) : insertByTime(this.#sink.held, event.at, event);",
    ]],
  },
  {
    name: "a state's head cut short taken (its claim counted 0)",
    edits: [["        if (!head.ok) return false;\n", ""]],
  },
  {
    name: "a HELLO makes a connection however many events wait unpolled",
    edits: [[
      "keeps(now, second) || this.#sink.events.length - this.#sink.head > 2 * this.#config.maxEvents)",
      "keeps(now, second))",
    ]],
  },
  {
    name: "a HELLO past twice maxEvents unpolled refused as full, not left unanswered",
    edits: [[
      "keeps(now, second) || this.#sink.events.length - this.#sink.head > 2 * this.#config.maxEvents)",
      "keeps(now, second))",
    ], [
      "+!!connection >= this.#config.maxPeers) {",
      "+!!connection >= this.#config.maxPeers || this.#sink.events.length - this.#sink.head > 2 * this.#config.maxEvents) {",
    ]],
  },
  {
    name: "a clock of strings taken (isFinite coerces)",
    edits: [["if (!Number.isFinite(now)) throw", "if (!isFinite(now as number)) throw"]],
  },
  {
    name: "the clock checked only while the Host has no peer",
    edits: [["if (!Number.isFinite(now)) throw", "if (!Number.isFinite(now) && !this.#connections.size) throw"]],
  },
  {
    name: "a state drops the older state's unsent pieces before it reads the clock",
    edits: [
      ["const time = modeIndex == STATE ? this.#sink.now() : 0;", "let time = 0;"],
      [
        "const dropped = stream.dropUnsent((payload.length + 11) / pieceBytes);",
        "const dropped = stream.dropUnsent((payload.length + 11) / pieceBytes);\n      time = this.#sink.now();",
      ],
    ],
  },
  {
    name: "a state's send makes its stream before it reads the clock",
    edits: [[
      "    const time = modeIndex == STATE ? this.#sink.now() : 0;\n    const stream = this.#stream(channel << 3 | modeIndex);",
      "    const stream = this.#stream(channel << 3 | modeIndex);\n    const time = modeIndex == STATE ? this.#sink.now() : 0;",
    ]],
  },
  {
    name: "close() reads the clock: a Host whose clock fails cannot close",
    edits: [["(goodbye = connection.goodbye(0))", "(goodbye = connection.goodbye(this.#now()))"]],
  },
  {
    name:
      "over a reliable socket a packet with a state's piece waits for no ack: to a quiet receiver every state goes whole",
    edits: [["(statePieces || !this.#sink.reliable) &&", "!this.#sink.reliable &&"]],
  },
  {
    name: "a closed Host reads its clock: update() and poll() after close() throw for a clock that fails",
    edits: [["    this.#now = () => 0;\n", ""]],
  },
  {
    name: "a keyed peer still connecting says no goodbye when it times out",
    edits: [[
      'this.#config.timeout) return this.end("timeout", true);\n    if (this.state == "disconnecting"',
      'this.#config.timeout) return this.end("timeout", this.state == "connected");\n    if (this.state == "disconnecting"',
    ]],
  },
  {
    name: "a connected peer that times out in silence says no goodbye (the other side half-open)",
    edits: [[
      'this.#config.timeout) return this.end("timeout", true);\n    if (this.state == "disconnecting"',
      'this.#config.timeout) return this.end("timeout", this.state != "connected");\n    if (this.state == "disconnecting"',
    ]],
  },
  {
    name: "a stream that times out on a missing piece says no goodbye",
    edits: [[
      'stream.waitingSince > this.#config.timeout) return this.end("timeout", true);',
      'stream.waitingSince > this.#config.timeout) return this.end("timeout");',
    ]],
  },
  {
    name:
      "a newer state supersedes the unsent pieces of a state begun too: a state in more packets than an update never arrives",
    edits: [["        if (piece.fragment > 1 && !byteCount && pieces >= this.#pending.length - at) return -1;\n", ""]],
  },
  {
    name: "a state sent while one begun goes on is queued behind it, not skipped: states back up",
    edits: [["      if (dropped < 0) return true; // one begun goes on: this one is skipped, as if lost\n", ""]],
  },
  {
    name: "a state not begun, of many pieces, counts as begun once its first piece is dropped",
    edits: [["if (piece.fragment > 1 && !byteCount && pieces >=", "if (piece.fragment > 1 && pieces >="]],
  },
  {
    name: "over a reliable socket a piece past the receive window is refused, and never sent again",
    edits: [[
      "if (pieceAhead >= RECEIVE_WINDOW && !this.#sink.reliable) return false;",
      "if (pieceAhead >= RECEIVE_WINDOW) return false;",
    ]],
  },
  {
    name: "a state begun is superseded by no newer one, whatever its pieces: small states wait behind a large one",
    edits: [[
      "if (piece.fragment > 1 && !byteCount && pieces >= this.#pending.length - at)",
      "if (piece.fragment > 1 && !byteCount)",
    ]],
  },
  {
    name:
      "a newer state's pieces counted without its head: a stream of states just over whole pieces never finishes one",
    edits: [[
      "stream.dropUnsent((payload.length + 11) / pieceBytes)",
      "stream.dropUnsent(payload.length / pieceBytes)",
    ]],
  },
  {
    name: "every state rebuilt kept as a baseline: a late one takes a newer one's slot, and the deltas fail for good",
    edits: [["if (newest || !kept || sequenceAhead(sequence, kept.sequence) > 0) {", "if (newest || true) {"]],
  },
  {
    name: "only the newest state kept, and a baseline only while the sender's slot holds it: a late one is taken",
    edits: [
      ["if (newest || !kept || sequenceAhead(sequence, kept.sequence) > 0) {", "if (newest) {"],
      [
        "(this.#newestAcked < 0 || sequenceAhead(sent.sequence, this.#newestAcked) > 0)\n",
        "(this.#newestAcked < 0 || sequenceAhead(sent.sequence, this.#newestAcked) > 0) &&\n" +
        "      sent == this.#sent[sent.sequence % SNAPSHOT_SLOTS]\n",
      ],
    ],
  },
  {
    name: "a packet's jump bounded by the sent-packet ring: after a second of darkness every packet is refused",
    edits: [["const MAX_SEQUENCE_JUMP = 16 * SENT_PACKET_SLOTS;", "const MAX_SEQUENCE_JUMP = SENT_PACKET_SLOTS;"]],
  },
  {
    name: "the newest acked moved on before the window grows: a window cut to its least never grows again",
    edits: [[
      "    const advance = sequenceAhead(nextSequence(ack), this.#firstInFlight); // how far the newest acked moves on\n",
      "    const advance = sequenceAhead(nextSequence(ack), this.#firstInFlight); // how far the newest acked moves on\n" +
      "    if (advance > 0) this.#firstInFlight = nextSequence(ack);\n",
    ]],
  },
  {
    name: "the newest state kept only when its slot reads older: after half the sequence space none is kept",
    edits: [[
      "if (newest || !kept || sequenceAhead(sequence, kept.sequence) > 0) {",
      "if (!kept || sequenceAhead(sequence, kept.sequence) > 0) {",
    ]],
  },
  {
    name: "lerp of numbers whose difference is not finite computed: Infinity reads NaN",
    edits: [[
      "return (isFinite(b - a) && fraction != 1 ? a + fraction * (b - a) : b) as T;",
      "return (fraction != 1 ? a + fraction * (b - a) : b) as T;",
    ]],
  },
  {
    name: "lerp as a + fraction * (b - a): 1 gives b only to a float's rounding",
    edits: [[
      "return (isFinite(b - a) && fraction != 1 ? a + fraction * (b - a) : b) as T;",
      "return (isFinite(b - a) ? a + fraction * (b - a) : b) as T;",
    ]],
  },
  {
    name: "clock frames only in the first packet of an update: a peer sending large states never syncs",
    edits: [[
      "const controls = room - used < 37 ? [] : this.clock.frames(now);",
      "const controls = this.#packetsThisUpdate || room - used < 37 ? [] : this.clock.frames(now);",
    ]],
  },
  {
    name: "a socket's late close unguarded: a conn the game closed too throws in the send's callback",
    edits: [[
      "        try {\n          if (!--inFlight && closed) runtime.close();\n        } catch {\n          // Closed already: nothing more to do.\n        }",
      "        if (!--inFlight && closed) runtime.close();",
    ]],
  },
  {
    name: "-0 packed as an integer: it comes back as 0",
    edits: [["if (1 / value < -1 || !Number.isSafeInteger(value))", "if (!Number.isSafeInteger(value))"]],
  },
  {
    name: "connect() right after disconnect() hands back the disconnected peer",
    edits: [[
      'if (!connection || connection.state == "disconnecting" || connection.state == "disconnected") {',
      'if (!connection || connection.state == "disconnecting") {',
    ]],
  },
  {
    name: "host.close() again closes the socket again",
    edits: [["  close(): void {\n    if (this.#closed) return;\n", "  close(): void {\n"]],
  },
  {
    name: "a state piece held again with each copy: its copies use up the stream's bound",
    edits: [["      if (held.has(sequence)) return [];\n", ""]],
  },
  {
    name: "a state delta's run past the state's length applied in part, not refused",
    edits: [["    if (length < at + run.length) return undefined;\n", ""]],
  },
  {
    name: "a frame written in full where NEXT applies is read",
    edits: [["isNext == (!timed && follows(frame, previous))", "(!isNext || !timed && follows(frame, previous))"]],
  },
  {
    name: "a wide ack delta of 255, which one byte holds, is read",
    edits: [[
      "let canonical = ackBack > 255 || !(flags & WIDE_ACK);",
      "let canonical = ackBack >= 255 || !(flags & WIDE_ACK);",
    ]],
  },
  {
    name: "varints of 3 bytes at most: a delta of a state over 2 MiB is refused",
    edits: [[
      "for (let shift = 1; shift < 2 ** 28; shift *= 128) {",
      "for (let shift = 1; shift < 2 ** 21; shift *= 128) {",
    ]],
  },
  {
    name: "a frame on the channel one past the last is read",
    edits: [[
      "!frame || this.#config.channels <= frame.channel ||",
      "!frame || this.#config.channels < frame.channel ||",
    ]],
  },
  {
    name: "a piece exactly a receive window ahead is taken",
    edits: [[
      "if (pieceAhead >= RECEIVE_WINDOW && !this.#sink.reliable) return false;",
      "if (pieceAhead > RECEIVE_WINDOW && !this.#sink.reliable) return false;",
    ]],
  },
  {
    name: "a packet past the receive window is passed over uncounted, not refused",
    edits: [[
      "if (pieceAhead >= RECEIVE_WINDOW && !this.#sink.reliable) return false;",
      "if (pieceAhead >= RECEIVE_WINDOW && !this.#sink.reliable) return true;",
    ]],
  },
  {
    name: "the other side's ack of a CLOSING counted invalid by the side that sent it",
    edits: [[
      "header.flags & CLOSING) this.#closingSends = 0;\n      return true;",
      "header.flags & CLOSING) this.#closingSends = 0;\n      return false;",
    ]],
  },
  {
    name: "a jump of exactly 32 clears the ack bits: the latest before it is never acked",
    edits: [["this.#remoteBits = ahead > 32 ? 0 :", "this.#remoteBits = ahead >= 32 ? 0 :"]],
  },
  {
    name: "a packet exactly MAX_SEQUENCE_JUMP ahead is refused",
    edits: [[
      "if (ahead > MAX_SEQUENCE_JUMP || !this.#sink.reliable",
      "if (ahead >= MAX_SEQUENCE_JUMP || !this.#sink.reliable",
    ]],
  },
  {
    name: "a packet whose ack is exactly MAX_SEQUENCE_JUMP old is refused",
    edits: [["(ackAge > MAX_SEQUENCE_JUMP || ackAge < 1)", "(ackAge >= MAX_SEQUENCE_JUMP || ackAge < 1)"]],
  },
  {
    name: "a whole state not yet sent counts as begun: a newer one of more pieces is skipped for it",
    edits: [[
      "if (piece.fragment > 1 && !byteCount && pieces >= this.#pending.length - at) return -1;",
      "if (piece.fragment >= 1 && !byteCount && pieces >= this.#pending.length - at) return -1;",
    ]],
  },
  {
    name: "a sequenced message of the sequence delivered last is delivered again",
    edits: [[
      "sequenceAhead(sequence, this.#nextDeliver - 1) <= 0 && this.#mode === SEQUENCED) return [];",
      "sequenceAhead(sequence, this.#nextDeliver - 1) < 0 && this.#mode === SEQUENCED) return [];",
    ]],
  },
  {
    name: "sequenced messages go through the ordered hold: a mark held for each after a gap",
    edits: [["    if (this.#mode > UNORDERED || frame.fragment", "    if (this.#mode > SEQUENCED || frame.fragment"]],
  },
  {
    name: "unordered messages held in order, as reliable ones: one waits for an earlier one missing",
    edits: [["const unordered = this.#mode;", "const unordered = this.#mode > UNORDERED;"]],
  },
  {
    name: "a whole state of exactly maxMessageBytes dropped",
    edits: [[": body.length <= max && body);", ": body.length < max && body);"]],
  },
  {
    name: "a state of the sequence delivered last counts as newest: delivered again",
    edits: [[
      "const newest = this.#newestDelivered < 0 || sequenceAhead(sequence, this.#newestDelivered) > 0;",
      "const newest = this.#newestDelivered < 0 || sequenceAhead(sequence, this.#newestDelivered) >= 0;",
    ]],
  },
  {
    name: "a HELLO sent again after the answer was lost is not answered again",
    edits: [[
      'if (connection.state == "connected") this.#send(connection.packet(now), connection);',
      'if (connection.state != "connected") this.#send(connection.packet(now), connection);',
    ]],
  },
  {
    name: "a clock answer with a round trip below zero makes a sample",
    edits: [["if (now >= t0 && roundTripMs >= 0 && isFinite(", "if (now >= t0 && isFinite("]],
  },
  {
    name: "a clock answer whose offset is not finite makes a sample",
    edits: [[
      "if (now >= t0 && roundTripMs >= 0 && isFinite(roundTripMs + offsetMs)) {",
      "if (now >= t0 && roundTripMs >= 0) {",
    ]],
  },
  {
    name: "a clock answer to a request from the future makes a sample",
    edits: [["if (now >= t0 && roundTripMs >= 0 && isFinite(", "if (roundTripMs >= 0 && isFinite("]],
  },
  {
    name: "a packet never filled to its last byte: a frame that fits it exactly waits for the next",
    edits: [["      if (used + bytes > room) return false;", "      if (used + bytes >= room) return false;"]],
  },
  {
    name: "a sixth copy of a piece rides along before its resend is due",
    edits: [["if (MAX_COPIES > piece.copies! && residual", "if (MAX_COPIES >= piece.copies! && residual"]],
  },
  {
    name: "a fragment resent is taken as a ride: due again at every update",
    edits: [["take(piece, list > 1));", "take(piece, list >= 1));"]],
  },
  {
    name: "a piece sent in this millisecond rides again in it",
    edits: [["(now == piece.sentAt || piece.done || take(", "(now == piece.sentAt && piece.done || take("]],
  },
  {
    name: "a peer silent exactly timeout ms is dropped",
    edits: [[
      "if (now - this.#lastReceivedAt > this.#config.timeout)",
      "if (now - this.#lastReceivedAt >= this.#config.timeout)",
    ]],
  },
  {
    name: "an ack waits one ms past ACK_DELAY_MS of quiet",
    edits: [["(quiet >= ACK_DELAY_MS && this.#ackPending)", "(quiet > ACK_DELAY_MS && this.#ackPending)"]],
  },
  {
    name: "a keepalive waits one ms past KEEPALIVE_MS of quiet",
    edits: [[
      "quiet >= Math.min(KEEPALIVE_MS, this.#config.timeout / 4))",
      "quiet > Math.min(KEEPALIVE_MS, this.#config.timeout / 4))",
    ]],
  },
  {
    name: "a stream that waited exactly timeout ms ends its peer",
    edits: [[
      "if (now - stream.waitingSince > this.#config.timeout)",
      "if (now - stream.waitingSince >= this.#config.timeout)",
    ]],
  },
  {
    name: "a packet unacked is lost only when the three sent after it are acked",
    edits: [[
      "(!acked && (packet.done || bit < 1))) continue;",
      "(!acked && (packet.done || bit <= 1))) continue;",
    ]],
  },
  {
    name: "a packet overtaken by the one after it is lost when that one is acked",
    edits: [[
      "(!acked && (packet.done || bit < 1))) continue;",
      "(!acked && (packet.done || bit < 0))) continue;",
    ]],
  },
  {
    name: 'a departed peer\'s "disconnect" waits behind the first of its timed messages, not the last',
    edits: [["(entry) => entry[1].peer == this).at(-1);", "(entry) => entry[1].peer == this).at(0);"]],
  },
  {
    name: "a Date from 2^33 seconds takes timestamp 96 where timestamp 64 holds 34 bits",
    edits: [["seconds >= 2 ** 34;", "seconds >= 2 ** 33;"]],
  },
  {
    name: "a UDP socket's send after close() goes on to the runtime",
    edits: [['      if (closed) return notify(sendError("the socket is closed", to));\n', ""]],
  },
  {
    name: "maxQueuedBytes is 5 MiB by default",
    edits: [['["maxQueuedBytes", 4 << 20],', '["maxQueuedBytes", 5 << 20],']],
  },
  {
    name: "maxTimedMessages is 4097 by default",
    edits: [['["maxTimedMessages", 4096],', '["maxTimedMessages", 4097],']],
  },
  {
    name: "a piece waits 199 ms before the first RTT sample",
    edits: [["ACK_DELAY_MS : 200;", "ACK_DELAY_MS : 199;"]],
  },
  {
    name: "any packet of the other side's ends a goodbye, not only an ack of it or its own CLOSING",
    edits: [["if (sequenceAhead(header.ack, this.#closingSequence) >= 0 || header.flags & CLOSING)", "if (true)"]],
  },
  {
    name: "host.close() leaves its socket open",
    edits: [["    this.#closed = true;\n    this.#socket.close();\n", "    this.#closed = true;\n"]],
  },
  {
    name: "update() keeps a finished connection in the Host's table (a peer timed out stays for good)",
    edits: [["        this.#connections.delete(connection.address);\n      }\n", "      }\n"]],
  },
  {
    name: "a state that cannot be rebuilt is kept as a baseline and taken as the newest",
    edits: [["    if (!bytes) return undefined;\n", ""]],
  },
  {
    name: "bunUdp hands nothing Bun delivers to its listener",
    edits: [["        receive = onData;\n", ""]],
  },
  {
    name: "connect() again to an address connecting or connected makes a new peer",
    edits: [[
      'if (!connection || connection.state == "disconnecting" || connection.state == "disconnected") {',
      "if (true) {",
    ]],
  },
  {
    name: "bunUdp reads Bun's error as its handler's second argument (undefined: Bun passes it alone)",
    edits: [["error: (error) => fail(error),", "error: (_, error?: Error) => fail(error),"]],
  },
  {
    name: "bunUdp tells the Host none of its socket's faults",
    edits: [["        fail = onFault;\n", ""]],
  },
  {
    name: "a UDP socket's close() twice closes the runtime's socket twice",
    edits: [["if (!inFlight && !closed) runtime.close();", "if (!inFlight) runtime.close();"]],
  },
  {
    name: "host.close() throws the runtime's error when the game closed its UDP socket first",
    edits: [[
      "      try {\n        if (!inFlight && !closed) runtime.close();\n      } catch {\n        // Closed already: nothing more to do.\n      }",
      "      if (!inFlight && !closed) runtime.close();",
    ]],
  },
  {
    name: "a WebSocket message as a view (Node's Buffer) is taken for text",
    edits: [["if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) {", "if (data instanceof ArrayBuffer) {"]],
  },
  {
    name: "end() leaves the CLOSING's sequence unset: an ack of the goodbye does not end it",
    edits: [["    this.#closingSequence = this.#nextSequence;\n", ""]],
  },
  {
    name: "webSocket tells the Host none of its WebSocket's error events",
    edits: [['    ws.addEventListener("error", (event) => notify({ type: "error", error: event, address }));\n', ""]],
  },
  {
    name: "nodeUdp never listens for its socket's errors (Node ends the process on one)",
    edits: [['  socket.on("error", (error) => fault(error));\n', ""]],
  },
  {
    name: "webSocketServer's close() leaves every WebSocket it accepted open",
    edits: [[
      "      addresses.forEach((_, ws) => end(ws)); // the WebSockets with a link: accept and forget set and delete both\n",
      "",
    ]],
  },
  {
    name: "a state superseded before it leaves keeps its bytes counted in the queue",
    edits: [["      this.#queuedBytes -= dropped;\n", ""]],
  },
  {
    name: "a late state kept as a baseline becomes the newest delivered",
    edits: [["    if (newest) this.#newestDelivered = sequence;", "    this.#newestDelivered = sequence;"]],
  },
  {
    name: "the backoff of forgotten flights never starts over when an ack moves on",
    edits: [[
      "      this.#firstInFlight = nextSequence(ack);\n      this.#forgets = 0;\n",
      "      this.#firstInFlight = nextSequence(ack);\n",
    ]],
  },
  {
    name: "a state stream keeps a whole state's pieces until they are far behind, and takes their bytes off twice",
    edits: [[
      "          if (this.#mode === STATE) {\n            held.delete(at);\n",
      "          if (this.#mode === STATE) {\n",
    ]],
  },
  {
    name: "a state's delta ends with a run of the equal bytes after its last differing one, and one of 0",
    edits: [["if (i == length) break; // the rest", "if (false) break; // the rest"]],
  },
  {
    name: "the Host's stats take no RTT or loss from its peers' packets",
    edits: [["      estimate(this.#sink.stats, !acked, rttSampleMs);\n", ""]],
  },
  {
    name: "a memoryNet socket closed keeps hearing",
    edits: [[
      "if (listeners.get(address) == mine) listeners.delete(address);",
      "if (false) listeners.delete(address);",
    ]],
  },
  {
    name: "for await over a Host never updates it: it answers handshakes and sends nothing else",
    edits: [["    while (!this.#closed) {\n      this.update();\n", "    while (!this.#closed) {\n"]],
  },
  {
    name: "a stream never lets go of the pieces acked at the front of its queue",
    edits: [["if (front * 2 > pending.length) {", "if (false) {"]],
  },
  {
    name:
      "a stream lets go of the done pieces at its front only once 1,024 are done: a peer holds its last 1,023 messages",
    edits: [["if (front * 2 > pending.length) {", "if (front * 2 > pending.length && front > 1024) {"]],
  },
  {
    name: "pack counts a level of nesting at every object, a Date or bytes too: what unpack returns 256 deep throws",
    edits: [[
      "      if (value instanceof Date) {\n        putDate(value);",
      '      if (++depth > MAX_DEPTH) throw new TypeError("nesting deeper");\n      if (value instanceof Date) {\n        putDate(value);',
    ]],
  },
  {
    name: "an RTT sample may be 0, which reads as no sample: a resend on a round trip within one ms waits 200 ms",
    edits: [["Math.max(MIN_RTT_SAMPLE_MS, now - packet.sentAt)", "Math.max(0, now - packet.sentAt)"]],
  },
  {
    name: "a WebSocket's datagrams held while it connected go again with every later send",
    edits: [[
      "waiting.forEach((data) => ws.send(data as Uint8Array<ArrayBuffer>));\n    waiting = [];",
      "waiting.forEach((data) => ws.send(data as Uint8Array<ArrayBuffer>));",
    ]],
  },
  {
    name: "a send on a WebSocket open before its open event goes ahead of the datagrams held",
    edits: [["    try {\n      flush();\n", "    try {\n"]],
  },
  {
    name: "a closed Host takes the datagrams its socket still hands it",
    edits: [[
      "  #receive(datagram: Uint8Array, from: string): void {\n    if (this.#closed) return;",
      "  #receive(datagram: Uint8Array, from: string): void {\n    if (false) return;",
    ]],
  },
  {
    name: "update() leaves the timed messages whose time came for poll(): a message that arrived later goes first",
    edits: [["    const now = this.#now();\n    this.#release(now);\n", "    const now = this.#now();\n"]],
  },
  {
    name: "webSocket leaves its WebSocket's binaryType as it was (a browser's: Blobs)",
    edits: [['    ws.binaryType = "arraybuffer";\n', ""]],
  },
  {
    name: "a WebSocket send that throws is told to nobody",
    edits: [[
      '    } catch (error) {\n      notify({ type: "error", address, error });',
      "    } catch (error) {",
    ]],
  },
  {
    name: "a peer that ended keeps its streams and what they queued",
    edits: [["    this.#streams.clear();\n    this.#streamList = [];\n", "    this.#streamList = [];\n"]],
  },
  {
    name: "the first missing piece stays where a wait ended: a later wait restarts with every arrival and never ends",
    edits: [["    this.#firstMissing = missing;\n    return messages;", "    return messages;"]],
  },
  {
    name: "a timed message's pieces are cut as an untimed one's: with the TIMED frame a full packet passes the mtu",
    edits: [["      pieceBytes -= TIMED_FRAME_BYTES; // each piece goes after a TIMED frame\n", ""]],
  },
  {
    name: "a copy riding along counts as a send: the resend time backs off by 1.5 a copy, not a round",
    edits: [[
      "if (isRide) piece.copies!++;",
      "if (isRide) piece.copies!++, piece.sent++;",
    ]],
  },
  {
    name: "a timed message comes out a ms after its time",
    edits: [["while (held[due]?.[0] <= now) due++;", "while (held[due]?.[0] < now) due++;"]],
  },
  {
    name: "the in-order path leaves the first missing sequence behind",
    edits: [[
      "this.#firstMissing = this.#nextDeliver = nextSequence(sequence);",
      "this.#nextDeliver = nextSequence(sequence);",
    ]],
  },
  {
    name: "host.close() sends one goodbye more than CLOSE_BURST",
    edits: [[
      "for (let goodbye, i = 0; CLOSE_BURST > i && (goodbye",
      "for (let goodbye, i = 0; CLOSE_BURST >= i && (goodbye",
    ]],
  },
  {
    name: "a connection kept against a HELLO of a smaller nonce only while connecting",
    edits: [[
      '(this.state == "connecting" || this.#sendKey?.[0] == this.nonce && now - this.#lastReceivedAt < KEEPALIVE_MS)',
      '(this.state == "connecting")',
    ]],
  },
  {
    name: "a connection made by a HELLO kept against a restarted peer's HELLO of a smaller nonce",
    edits: [["this.#sendKey?.[0] == this.nonce && now", "now"]],
  },
  {
    name: "a connection kept against a HELLO of a smaller nonce in any state",
    edits: [[
      '(this.state == "connecting" || this.#sendKey?.[0] == this.nonce && now - this.#lastReceivedAt < KEEPALIVE_MS)',
      "(true)",
    ]],
  },
  {
    name: "send() refuses a message that fills maxQueuedBytes exactly",
    edits: [[
      "if (this.#queuedBytes + payload.length > this.#config.maxQueuedBytes) {",
      "if (this.#queuedBytes + payload.length >= this.#config.maxQueuedBytes) {",
    ]],
  },
  {
    name: "memoryNet.advance() leaves a datagram due at its end for the next",
    edits: [["while (heap[0]?.[0] <= end) {", "while (heap[0]?.[0] < end) {"]],
  },
  {
    name: "a link loses a datagram of exactly its mtu",
    edits: [[
      "if (burst-- > 0 || mtu < size || random() < loss!) return [];",
      "if (burst-- > 0 || mtu <= size || random() < loss!) return [];",
    ]],
  },
  {
    name: "a link's bursts lose nothing",
    edits: [[
      "if (burst-- > 0 || mtu < size || random() < loss!) return [];",
      "if (mtu < size || random() < loss!) return [];",
    ]],
  },
  {
    name: "a NEXT frame with the channel bit is read",
    edits: [["!(head & HAS_CHANNEL) == (isNext || !channel)", "(isNext || channel || !(head & HAS_CHANNEL))"]],
  },
  // ─── found by sampling automatic mutants, 2026-12-03 (each with its test) ──────
  {
    name: "a message whose bytes are not MessagePack is delivered with data undefined",
    edits: [[
      '        this.count("invalidDropped");\n        continue;\n      }',
      '        this.count("invalidDropped");\n      }',
    ]],
  },
  {
    name: "a message delivered before goes uncounted as a duplicate",
    edits: [['if (!messages) return this.count("duplicatesDropped");', "if (!messages) return;"]],
  },
  {
    name: "a data packet of 65,508 bytes is read",
    edits: [["datagram.length <= 65507) {", "datagram.length <= 65508) {"]],
  },
  {
    name: "a stream's first state, of sequence 0, is delivered twice",
    edits: [["const newest = this.#newestDelivered < 0 ||", "const newest = this.#newestDelivered <= 0 ||"]],
  },
  {
    name: "a state of exactly maxMessageBytes is refused as a delta",
    edits: [["  if (length > max) return undefined;", "  if (length >= max) return undefined;"]],
  },
  {
    name: "goodbyes go one tick later than CLOSING_SPACING_MS apart",
    edits: [[
      "if (now - this.#lastSentAt >= CLOSING_SPACING_MS) return this.goodbye(now);",
      "if (now - this.#lastSentAt > CLOSING_SPACING_MS) return this.goodbye(now);",
    ]],
  },
  {
    name: "two goodbyes over a reliable socket",
    edits: [["this.#sink.reliable ? 1 : CLOSING_ATTEMPTS", "this.#sink.reliable ? 2 : CLOSING_ATTEMPTS"]],
  },
  {
    name: "the first resend backs off by 1.5 already",
    edits: [["this.#resendMs() * 1.5 ** piece.sent++", "this.#resendMs() * 1.5 ** ++piece.sent"]],
  },
  {
    name: "a piece is resent a tick after its resend time",
    edits: [["if (piece.dueAt! > now) {", "if (piece.dueAt! >= now) {"]],
  },
  {
    name: "streams change turns after every data packet",
    edits: [["if ((this.#nextSequence & 3) == 3 && first) {", "if ((this.#nextSequence & 3) == 3 || first) {"]],
  },
  {
    name: "fragments go first in every other group of four packets",
    edits: [[
      "for (const kind of this.#nextSequence & 3 ? [0, 1] : [1, 0]) {",
      "for (const kind of this.#nextSequence & 4 ? [0, 1] : [1, 0]) {",
    ]],
  },
  {
    name: "a frame on a channel past 0 is counted a byte longer",
    edits: [["return length + (frame.channel ? 2 : 1)", "return length + (frame.channel ? 3 : 1)"]],
  },
  {
    name:
      "an ack that cannot wait carries no clock frames: a passive peer sent more than 16 packets in 33 ms never syncs",
    edits: [["connection.packet(now, 0, [], 37, connection.clock.frames(now))", "connection.packet(now)"]],
  },
  {
    name: "clock sync needs a byte more than its 37 of room",
    edits: [["const controls = room - used < 37 ?", "const controls = room - used <= 37 ?"]],
  },
  {
    name: "clock frames never in a packet of their own: a peer whose every packet is too full for them never syncs",
    edits: [["if (this.#packetsThisUpdate++ && !used)", "if (this.#packetsThisUpdate++ && !chosen.length)"]],
  },
  {
    name: "a packet that does not go is not counted, and one that does is not either",
    edits: [["if (this.#packetsThisUpdate++ && !used)", "if (this.#packetsThisUpdate && !used)"]],
  },
  {
    name: "the first packet of an update goes only for an ack or a keepalive, not for the pieces chosen",
    edits: [["!(this.#packetsThisUpdate || used || (quiet", "!(this.#packetsThisUpdate || (quiet"]],
  },
  {
    name: "keepalives every half of timeout",
    edits: [["this.#config.timeout / 4))", "this.#config.timeout / 2))"]],
  },
  {
    name: "the window is not cut for a flight lost whole of exactly MIN_WINDOW_PACKETS",
    edits: [[
      "if (this.#packetsInFlight >= MIN_WINDOW_PACKETS) {",
      "if (this.#packetsInFlight > MIN_WINDOW_PACKETS) {",
    ]],
  },
  {
    name: "the fates of packets are counted from 1",
    edits: [["  #fatesSeen = 0;", "  #fatesSeen = 1;"]],
  },
  {
    name: "the first loss assumed for 31 packets, not 32",
    edits: [["const loss = seen < 32 ? FIRST_PACKETS_LOSS", "const loss = seen < 31 ? FIRST_PACKETS_LOSS"]],
  },
  {
    name: "packetsReceived starts at 1",
    edits: [["  packetsReceived: 0,", "  packetsReceived: 1,"]],
  },
  // ─── found by sampling automatic mutants of the other sections, 2026-12-03 ──────
  {
    name: "a clock round trip of 0 ms is no sample",
    edits: [["now >= t0 && roundTripMs >= 0 &&", "now >= t0 && roundTripMs > 0 &&"]],
  },
  {
    name: "a clock answer in the request's own millisecond is refused",
    edits: [["if (now >= t0 && roundTripMs", "if (now > t0 && roundTripMs"]],
  },
  {
    name: "clock requests go one tick after their interval",
    edits: [["if (now - this.#requestedAt >= interval)", "if (now - this.#requestedAt > interval)"]],
  },
  {
    name: "a Timeline of capacity 2 is refused",
    edits: [["Number.isInteger(capacity) && capacity > 1", "Number.isInteger(capacity) && capacity > 2"]],
  },
  {
    name: "a Timeline keeps 63 states by default",
    edits: [["constructor(capacity = 64) {", "constructor(capacity = 63) {"]],
  },
  {
    name: "webSocketServer accepts a second WebSocket at a taken address",
    edits: [["throw new RangeError(`Cannot accept a WebSocket at ${address}: another one is open there`);", ""]],
  },
  {
    name: "webSocket sends while its WebSocket is closing",
    edits: [["if (state > 1) return notify(", "if (state > 2) return notify("]],
  },
  {
    name: "a varint of 2 ** 14 planned as 2 bytes",
    edits: [["value < 2 ** 14 ? 2 : 3", "value <= 2 ** 14 ? 2 : 3"]],
  },
  {
    name: "the string cache's key reads the byte after the string",
    edits: [["for (let i = at; inputAt > i; i++) {", "for (let i = at; inputAt >= i; i++) {"]],
  },
  {
    name: "memoryNet's heap finds the wrong parent",
    edits: [["heap[parent = (at - 1) >> 1]", "heap[parent = (at - 0) >> 1]"]],
  },
  {
    name: "memoryNet's default mtu is 65,506",
    edits: [["mtu = 65507,", "mtu = 65506,"]],
  },
  // ─── found by sampling the rest of both pools of automatic mutants, 2026-12-04 ──────────
  {
    name: "a replayed copy of the newest clock answer is taken as a new sample",
    edits: [["if (this.#newest[kind] < t0) {", "if (this.#newest[kind] <= t0) {"]],
  },
  {
    name: "webSocketServer links a WebSocket that is closing (readyState 2) and takes its address",
    edits: [[
      "    if ((ws.readyState ?? 1) < 2) {\n",
      "    if ((ws.readyState ?? 1) < 3) {\n",
    ]],
  },
  {
    name: "a state delta's run of differing bytes goes on over 1 equal byte, not 2",
    edits: [["while (xor(i) || xor(i + 1) || xor(i + 2)) i++;", "while (xor(i) || xor(i + 1) || xor(i + 1)) i++;"]],
  },
  {
    name: "a frame of exactly 14 bytes is planned without its length byte",
    edits: [["(length >= NEXT ? varintBytes(length - NEXT) : 0)", "(length > NEXT ? varintBytes(length - NEXT) : 0)"]],
  },
  {
    name: "packets older than an ack's bits are counted lost whenever its oldest bit is a loss",
    edits: [[
      "Math.max(0, Math.min(advance, SENT_PACKET_SLOTS - 33))",
      "Math.max(0, Math.max(advance, SENT_PACKET_SLOTS - 33))",
    ]],
  },
  {
    name: "the loss estimate blends each fate in by 1/33",
    edits: [["stats.loss += (+lost - stats.loss) / 32;", "stats.loss += (+lost - stats.loss) / 33;"]],
  },
  {
    name: "a varint of 2 ** 13 planned as 3 bytes",
    edits: [["value < 2 ** 14 ? 2 : 3", "value < 2 ** 13 ? 2 : 3"]],
  },
  {
    name: "a packet that fills the held pieces' bound exactly is refused",
    edits: [["    let newBytes = 0;\n", "    let newBytes = 1;\n"]],
  },
  {
    name: "a state delta's run of differing bytes ends at the first equal byte unless two differing ones follow",
    edits: [["while (xor(i) || xor(i + 1) || xor(i + 2)) i++;", "while (xor(i) || xor(i + 1) && xor(i + 2)) i++;"]],
  },
  {
    name: "an array of 15 packed as an array 16",
    edits: [["putLength(length, 0xdb, 0x90, 16);", "putLength(length, 0xdb, 0x90, 15);"]],
  },
  {
    name: "copies ride by a residual loss of twice RESIDUAL_LOSS below an RTT of 200 ms",
    edits: [[
      "RESIDUAL_LOSS * Math.min(1, RESIDUAL_RTT_MS / this.stats.rttMs)",
      "RESIDUAL_LOSS * Math.min(2, RESIDUAL_RTT_MS / this.stats.rttMs)",
    ]],
  },
  {
    name: "the first loss assumed for 33 packets, not 32",
    edits: [["const loss = seen < 32 ? FIRST_PACKETS_LOSS", "const loss = seen < 33 ? FIRST_PACKETS_LOSS"]],
  },
  {
    name: "the congestion window grows only past half in use, not at half",
    edits: [["if (2 * this.#packetsInFlight >= this.#window) {", "if (2 * this.#packetsInFlight > this.#window) {"]],
  },
  {
    name: "the held pieces' bound starts a byte full",
    edits: [["  #heldBytes = 0;\n", "  #heldBytes = 1;\n"]],
  },
  {
    name: "for await updates every 15 ms by default",
    edits: [['["tickMs", 16, 60_000],', '["tickMs", 15, 60_000],']],
  },
  {
    name: "an RTT sample counts for at most the estimate and the ack delay, not twice the estimate",
    edits: [[
      "rttSampleMs = Math.min(2 * stats.rttMs + ACK_DELAY_MS, rttSampleMs);",
      "rttSampleMs = Math.min(1 * stats.rttMs + ACK_DELAY_MS, rttSampleMs);",
    ]],
  },
  {
    name: "an early ack goes for a jump of exactly 32, which leaves the oldest in the bits",
    edits: [[
      "if (sequenceAhead(sequence, this.#unackedOldest) > 32 && this.#ackPending) {",
      "if (sequenceAhead(sequence, this.#unackedOldest) >= 32 && this.#ackPending) {",
    ]],
  },
  {
    name: "a peer with no entry counts one message not yet polled",
    edits: [["return this.#sink.queued.get(this.address) ?? 0;", "return this.#sink.queued.get(this.address) ?? 1;"]],
  },
  {
    name: "a packet that acks the next packet, not sent yet, is taken",
    edits: [["ackAge > MAX_SEQUENCE_JUMP || ackAge < 1)", "ackAge > MAX_SEQUENCE_JUMP || ackAge < 0)"]],
  },
  {
    name: "a state delta's run of differing bytes looks 2 bytes ahead twice, not 1 and 2",
    edits: [["while (xor(i) || xor(i + 1) || xor(i + 2)) i++;", "while (xor(i) || xor(i + 2) || xor(i + 2)) i++;"]],
  },
  {
    name: "a peer with few events queued gets in up to three times maxEvents",
    edits: [[
      "return (max > 2 * this.queued ? 2 * max : max) <= count;",
      "return (max > 2 * this.queued ? 3 * max : max) <= count;",
    ]],
  },
  {
    name: "the congestion window grows by 2 an ack before its first cut",
    edits: [[
      "this.#window + (this.#windowCutAt == -Infinity ? 1 : 1 / this.#window),",
      "this.#window + (this.#windowCutAt == -Infinity ? 2 : 1 / this.#window),",
    ]],
  },
  {
    name: "a state delta's run of differing bytes skips the byte after it",
    edits: [["while (xor(i) || xor(i + 1) || xor(i + 2)) i++;", "while (xor(i) || xor(i + 0) || xor(i + 2)) i++;"]],
  },
  {
    name: "a map of 15 keys packed as a map 16",
    edits: [["putLength(keys.length, 0xdd, 0x80, 16);", "putLength(keys.length, 0xdd, 0x80, 15);"]],
  },
  {
    name: "a reliable stream's first missing starts at 1: a stream whose sequence 0 never arrives never times out",
    edits: [["  #firstMissing = 0;\n", "  #firstMissing = 1;\n"]],
  },
  {
    name: "the string cache's key in base 127",
    edits: [["key = key * 128 + input[i];", "key = key * 127 + input[i];"]],
  },
  {
    name: "a short string's byte 0x80 read through the ASCII cache",
    edits: [[
      "if (input[i] > 127 || byteCount > CACHED_STRING_BYTES)",
      "if (input[i] > 128 || byteCount > CACHED_STRING_BYTES)",
    ]],
  },
  {
    name: "memoryNet's default link seed is 0",
    edits: [["    seed = 1,\n", "    seed = 0,\n"]],
  },
  {
    name: "webSocket sends to any address as to its one peer",
    edits: [[
      'throw new RangeError(`Cannot reach "${to}": this WebSocket reaches only "${address}" (socket.address)`);',
      "",
    ]],
  },
  {
    name: "maxEvents is 4095 by default",
    edits: [['["maxEvents", 4096],', '["maxEvents", 4095],']],
  },
  {
    name: "a state begun with exactly as many pieces left as a newer one takes is superseded",
    edits: [[
      "!byteCount && pieces >= this.#pending.length - at) return -1;",
      "!byteCount && pieces > this.#pending.length - at) return -1;",
    ]],
  },
  {
    name: "packets past the ack bits are counted lost only when the two oldest bits are losses",
    edits: [["ackBits >>> 31 || this.#sink.reliable ? 0 :", "ackBits >>> 30 || this.#sink.reliable ? 0 :"]],
  },
  {
    name: "a state delta's run of differing bytes goes on over 3 equal bytes",
    edits: [["while (xor(i) || xor(i + 1) || xor(i + 2)) i++;", "while (xor(i) || xor(i + 1) || xor(i + 3)) i++;"]],
  },
  {
    name: "a message timed exactly timeout ms ahead is dropped",
    edits: [[
      "event.at - now > this.#config.timeout || !isFinite(event.at)",
      "event.at - now >= this.#config.timeout || !isFinite(event.at)",
    ]],
  },
  {
    name: "a late packet 31 behind the latest is dropped as a duplicate",
    edits: [["if (ahead <= 0 && (ahead <= -32 ||", "if (ahead <= 0 && (ahead <= -31 ||"]],
  },
  {
    name: "whole messages' resends planned with the fragments'",
    edits: [["} else plan[+(piece.fragment !== 1)].push(piece);", "} else plan[+(piece.fragment !== 2)].push(piece);"]],
  },
  {
    name: "maxPeers is 63 by default",
    edits: [['["maxPeers", 64, 65536],', '["maxPeers", 63, 65536],']],
  },
  // ─── found by sampling the pools' last 900 automatic mutants, 2026-12-04 (later) ───
  {
    name: "an ASCII string of 31 bytes written as a str8, not a fixstr",
    edits: [["putLength(length, 0xd9, 0xa0, 32);", "putLength(length, 0xd9, 0xa0, 31);"]],
  },
  {
    name: "a packet's pieces of one channel sorted by sequence alone, two modes' pieces interleaved",
    edits: [[
      "a.channel - b.channel || a.mode - b.mode || sequenceAhead",
      "a.channel - b.channel && a.mode - b.mode || sequenceAhead",
    ]],
  },
  {
    name: "a packet's pieces of two modes of one channel sorted by mode only when their sequences differ",
    edits: [[
      "a.channel - b.channel || a.mode - b.mode || sequenceAhead",
      "a.channel - b.channel || a.mode - b.mode && sequenceAhead",
    ]],
  },
  {
    name: "a handshake read from a datagram of any length whose first byte names a kind (1 byte gets 13 back)",
    edits: [[
      "bytes.length == HANDSHAKE_BYTES && bytes[0] <= REFUSED",
      "bytes.length == HANDSHAKE_BYTES || bytes[0] <= REFUSED",
    ]],
  },
  {
    name: "a frame's length past 2 ** 14 planned as a 4-byte varint (the packet not filled exactly)",
    edits: [["value < 2 ** 14 ? 2 : 3;", "value < 2 ** 14 ? 2 : 4;"]],
  },
  {
    name: "a poll counts two off its peer's events not yet polled (the half rule lets it past maxEvents)",
    edits: [["peer.queued - 1)", "peer.queued - 2)"]],
  },
  {
    name: 'webSocketServer names its first WebSocket "ws:2", not "ws:1" as documented',
    edits: [["let count = 0;", "let count = 1;"]],
  },
  // ─── checks no test noticed disabled: an audit of the refusal tests, 2026-12-04 (later) ───
  {
    name: "a REFUSED or CHALLENGE taken without the client's nonce (a stranger ends a connecting peer)",
    edits: [[
      'connection?.state == "connecting" && connection.nonce == first',
      'connection?.state == "connecting"',
    ]],
  },
  {
    name: "a whole reliable message flagged as a piece read as canonical",
    edits: [["    (!hasFlag || flagged(frame)) &&", "    true &&"]],
  },
  {
    name: "a control frame on a channel read as canonical",
    edits: [["(!channel && !timed && length", "(!timed && length"]],
  },
  {
    name: "a control frame timed by a TIMED frame read as canonical",
    edits: [["(!channel && !timed && length", "(!channel && length"]],
  },
  {
    name: "a TIMED frame's time taken though it is not finite",
    edits: [[
      "if (message && isFinite(message.at = readFloat64(frame.payload, 0))) return message;",
      "if (message && ((message.at = readFloat64(frame.payload, 0)), true)) return message;",
    ]],
  },
  // ─── osc.ts: oscMatch (2026-12-04) ──────────────────────────────────────────
  {
    name: "a * in an OSC address pattern matches one character at least",
    file: "osc.ts",
    edits: [["next.fill(1, at);", "next.fill(1, at + 1);"]],
  },
  {
    name: "a ! first in an OSC pattern's set does not negate it",
    file: "osc.ts",
    edits: [['const negated = inside[0] === "!";', "const negated = false;"]],
  },
  {
    name: "an OSC pattern's [ never closed matches as if the pattern ended there",
    file: "osc.ts",
    edits: [[
      'const end = part.indexOf("]", part[at + 1] === "!" ? at + 3 : at + 2);\n      if (end < 0) return undefined;',
      'const end = part.indexOf("]", part[at + 1] === "!" ? at + 3 : at + 2);\n      if (end < 0) return { steps, minLength };',
    ]],
  },
  {
    name: "an OSC pattern of more parts than the address matches its first parts",
    file: "osc.ts",
    edits: [["return parts.length === addressParts.length &&", "return parts.length >= addressParts.length &&"]],
  },
  {
    name: "a - last in an OSC pattern's set makes a range with the ]",
    file: "osc.ts",
    edits: [["index + 2 < inside.length", "index + 1 < inside.length"]],
  },
  {
    name: "a ] right after [! ends an OSC pattern's set",
    file: "osc.ts",
    edits: [['part[at + 1] === "!" ? at + 3 : at + 2', "at + 2"]],
  },
  {
    name: "an OSC pattern part as long as the address part is refused before it is matched",
    file: "osc.ts",
    edits: [["if (minLength > text.length) return false;", "if (minLength >= text.length) return false;"]],
  },
  {
    name: "an OSC pattern's list counts its first option, not its shortest, toward the least it matches",
    file: "osc.ts",
    edits: [["minLength += shortest;", "minLength += options[0].length;"]],
  },
  {
    name: "the last character of an OSC pattern's ASCII range is left out",
    file: "osc.ts",
    edits: [["code <= Math.min(to, 127); code++", "code < Math.min(to, 127); code++"]],
  },
  {
    name: "oscMatch keeps matching the first pattern it compiled",
    file: "osc.ts",
    edits: [["if (pattern !== oscLastPattern) {", "if (!oscLastParts.length) {"]],
  },
  // ─── osc.ts: arrays (2026-12-04) ────────────────────────────────────────────
  {
    name: "a ] in an OSC type tag string does not close its array when decoded",
    file: "osc.ts",
    edits: [["        open.pop();\n", ""]],
  },
  {
    name: "decodeOsc takes a type tag string whose [ and ] do not pair",
    file: "osc.ts",
    edits: [["if (arrayDepth < 0) malformed(", "if (arrayDepth < -1) malformed("]],
  },
  {
    name: "encodeOsc does not step past an array's ]",
    file: "osc.ts",
    edits: [["        next++; // past its ]", ""]],
  },
  {
    name: "encodeOsc takes types of more arguments than args holds",
    file: "osc.ts",
    edits: [["      count === args.length,", "      count >= args.length,"]],
  },
  {
    name: "encodeOsc infers arrays one level deeper than 32",
    file: "osc.ts",
    edits: [["if (depth >= OSC_MAX_ARRAY_DEPTH) {", "if (depth > OSC_MAX_ARRAY_DEPTH) {"]],
  },
  {
    name: "encodeOsc takes an array longer than its tags",
    file: "osc.ts",
    edits: [["Array.isArray(value) && value.length === count", "Array.isArray(value) && value.length >= count"]],
  },
  {
    name: "encodeOsc takes a value that is not an array for a [",
    file: "osc.ts",
    edits: [["Array.isArray(value) && value.length === count", "value.length === count"]],
  },
  {
    name: "encodeOsc counts only an array's first item as a level deeper",
    file: "osc.ts",
    edits: [[
      "inferTags(item, `${place}.${index}`, depth + 1)",
      "inferTags(item, `${place}.${index}`, depth + (index ? 0 : 1))",
    ]],
  },
  {
    name: "an OSC array counts as many arguments as it holds",
    file: "osc.ts",
    edits: [[
      "    if (!depth) count++; // a ] is never",
      '    if (tag !== "[" && tag !== "]") count++; // a ] is never',
    ]],
  },
  // ─── osc.ts: gaps a sample of 250 mutants found (2026-12-04) ────────────────
  {
    name: "oscTime() splits seconds from milliseconds by 1001",
    file: "osc.ts",
    edits: [["Math.floor(unixMs / 1000)", "Math.floor(unixMs / 1001)"]],
  },
  {
    name: "oscTimeToMs() drops a timetag fraction's lowest bit",
    file: "osc.ts",
    edits: [["timetag & 0xffffffffn", "timetag & 0xfffffffen"]],
  },
  {
    name: "encodeOsc() claims 2 bytes a UTF-16 unit for a string, where UTF-8 takes up to 3",
    file: "osc.ts",
    edits: [["claim(value.length * 3 + 1)", "claim(value.length * 2 + 1)"]],
  },
  {
    name: "encodeOsc() lets a blob of 2 ** 31 bytes through, whose size an int32 cannot hold",
    file: "osc.ts",
    edits: [["value.length < 2 ** 31", "value.length <= 2 ** 31"]],
  },
  {
    name: "a set's range past ASCII is left out of an OSC pattern",
    file: "osc.ts",
    edits: [["if (to > 127) wide.push([Math.max(from, 128), to]);", ""]],
  },
  {
    name: "encodeOsc infers 'b' only for a value whose constructor is Uint8Array: a Node Buffer (a subclass) gets none",
    file: "osc.ts",
    edits: [[': value instanceof Uint8Array\n    ? "b"', ': value?.constructor === Uint8Array\n    ? "b"']],
  },
  {
    name: "a peer heard after an outage leaves its pieces in flight to their backed-off resends",
    edits: [["        for (const piece of this.#inFlight) piece.dueAt = now;\n", ""]],
  },
  {
    name: "a peer heard after an outage keeps the flight it sent in the dark",
    edits: [[
      "        this.#firstInFlight = this.#nextSequence;\n        for (const piece of this.#inFlight) piece.dueAt = now;\n      }",
      "        for (const piece of this.#inFlight) piece.dueAt = now;\n      }",
    ]],
  },
  {
    name: "update() deletes a finished connection by its address: one filed there inside its send goes with it",
    edits: [[
      "if (connection.finished() && this.#connections.get(connection.address) == connection) {",
      "if (connection.finished()) {",
    ]],
  },
  {
    name: "receive deletes a finished connection by its address: one filed there inside an ack's send goes with it",
    edits: [[
      "if (connection.finished() && this.#connections.get(from) == connection)",
      "if (connection.finished())",
    ]],
  },
  {
    name:
      "connect() files its connection over the one at its address: one leaving left disconnecting, one made inside its HELLO's send left connected",
    edits: [['      this.#connections.get(address)?.end("closed");', ""]],
  },
  {
    name: "webSocketServer links a WebSocket accepted after close(), and keeps it open",
    edits: [[
      "      if (closed) end(ws);\n      else {",
      "      {",
    ]],
  },
  {
    name: "webSocketServer closes a WebSocket accepted after close() before its link accepts it (Cloudflare's throws)",
    edits: [["      const link = linkWebSocket(\n", "      if (closed) end(ws);\n      const link = linkWebSocket(\n"]],
  },
  {
    name: "webSocketServer closes a connecting WebSocket only at once (Deno's ignores it), after close() or in it",
    edits: [['    if ("addEventListener" in ws) ws.addEventListener("open", () => ws.close());\n', ""]],
  },
];

const root = new URL("../", import.meta.url).pathname;
/** The unit tests of mod.ts: on memoryNet's virtual clock, no real socket. */
const TEST_FILES = ["mod_test.ts", "security_test.ts", "sockets_test.ts", "state_test.ts"];
/** Each module's unit tests: what runs against a bug in it. */
const TESTS_OF = { "mod.ts": TEST_FILES, "osc.ts": ["osc_test.ts"] };
type Module = keyof typeof TESTS_OF;
/** What the unit tests read besides: the README holds the wire table they check; deno.json and deno.lock pin the npm tools. */
const COPIED = [
  "mod.ts",
  "osc.ts",
  ...TEST_FILES,
  "osc_test.ts",
  "test_tools.ts",
  "README.md",
  "deno.json",
  "deno.lock",
];
// The files took 7 s here (2 shared cores, 2026-12); a mutant that hangs them is killed after a minute. On a machine
// busy with other work a sound suite can pass a minute too, and a timeout counts as a kill: raise the limit with
// MUTANTS_TIME_LIMIT_S (say 300) there, so that only a mutant that hangs is killed by it.
const TIME_LIMIT_MS = 1000 * Number(Deno.env.get("MUTANTS_TIME_LIMIT_S") ?? 60);

const words = Deno.args.filter((arg) => !arg.startsWith("--"));
const testsFrom = Deno.args.find((arg) => arg.startsWith("--tests-from="))?.slice("--tests-from=".length);
const chosen = MUTANTS.filter((mutant) => !words.length || words.some((word) => mutant.name.includes(word)));
if (!chosen.length) throw new Error(`No mutant's name contains any of: ${words.join(", ")}`);

const originals: Record<Module, string> = {
  "mod.ts": await Deno.readTextFile(root + "mod.ts"),
  "osc.ts": await Deno.readTextFile(root + "osc.ts"),
};

/** The mutant's module with its bug, or an error naming the pattern that no longer matches once. */
function apply(mutant: Mutant): string {
  const file = mutant.file ?? "mod.ts";
  let source = originals[file];
  for (const [find, replace] of mutant.edits) {
    const count = source.split(find).length - 1;
    if (count !== 1) {
      throw new Error(
        `Mutant "${mutant.name}": pattern ${count ? `found ${count} times` : "not found"} in ${file}: ${
          JSON.stringify(find)
        }`,
      );
    }
    source = source.replace(find, () => replace);
  }
  return source;
}

// Every pattern is checked before anything runs: a stale one fails at once and loudly.
const problems = chosen.flatMap((mutant) => {
  try {
    apply(mutant);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
});
if (problems.length) {
  console.log(problems.join("\n"));
  console.log(`${problems.length} mutant patterns no longer match their module: retarget them`);
  Deno.exit(1);
}
if (Deno.args.includes("--check")) {
  console.log(`${chosen.length} mutant patterns match their module once each`);
  Deno.exit(0);
}

const folder = await Deno.makeTempDir({ prefix: "jamnet_mutants_" });
for (const file of COPIED) await Deno.copyFile(root + file, `${folder}/${file}`);
/** The test files each module's suite runs: at `--tests-from`, those that existed at that commit. */
const testFiles: Record<Module, string[]> = { "mod.ts": [...TESTS_OF["mod.ts"]], "osc.ts": [...TESTS_OF["osc.ts"]] };
if (testsFrom) {
  for (const files of Object.values(testFiles)) {
    for (const file of [...files]) {
      const shown = await new Deno.Command("git", { args: ["show", `${testsFrom}:${file}`], cwd: root }).output();
      if (shown.success) await Deno.writeFile(`${folder}/${file}`, shown.stdout);
      else files.splice(files.indexOf(file), 1);
    }
  }
  if (!testFiles["mod.ts"].length) throw new Error(`No test file of ${TEST_FILES.join(", ")} exists at ${testsFrom}`);
}

type Verdict = { verdict: "passed" | "failed" | "timed out" | "broken"; failing: string[]; output: string };

/** Runs the suite in the copy: "failed" and "timed out" kill a mutant; "broken" is a mutant that did not load. */
async function runSuite(files: string[]): Promise<Verdict> {
  // --no-check: a mutant that does not type-check would count as killed without a test failing.
  const { success, timedOut, output } = await runDeno(
    [
      "test",
      "--lock=deno.lock",
      "-A",
      "--no-check",
      "--v8-flags=--expose-gc",
      "--reporter=dot",
      ...Deno.args.includes("--fail-fast") ? ["--fail-fast"] : [],
      ...files,
    ],
    folder,
    TIME_LIMIT_MS,
  );
  // The dot reporter lists each failed test as "name => security_test.ts:123:6".
  const failing = [...new Set([...output.matchAll(/^(.+?) => \S+_test\.ts:\d+:\d+$/gm)].map((match) => match[1]))];
  const summary = /\| (\d+) failed/.exec(output);
  const verdict = timedOut ? "timed out" : success ? "passed" : summary && Number(summary[1]) > 0 ? "failed" : "broken";
  return { verdict, failing, output };
}

try {
  const baseline = await runSuite([...new Set(chosen.flatMap((mutant) => testFiles[mutant.file ?? "mod.ts"]))]);
  if (baseline.verdict !== "passed") {
    console.log(baseline.output.trim().split("\n").slice(-40).join("\n"));
    throw new Error(`The suite ${baseline.verdict} on the unchanged modules: no mutant can be judged`);
  }
  const runStarted = performance.now();
  let killed = 0;
  const survivors: string[] = [];
  for (const mutant of chosen) {
    const file = mutant.file ?? "mod.ts";
    await Deno.writeTextFile(`${folder}/${file}`, apply(mutant));
    const started = performance.now();
    const { verdict, failing, output } = await runSuite(testFiles[file]);
    await Deno.writeTextFile(`${folder}/${file}`, originals[file]);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    if (verdict === "broken") {
      console.log(output.trim().split("\n").slice(-20).join("\n"));
      throw new Error(`Mutant "${mutant.name}" did not load: fix its replacement`);
    }
    if (verdict === "passed") {
      survivors.push(mutant.name);
      console.log(`SURVIVED  ${mutant.name} (${seconds} s)`);
    } else {
      killed++;
      const by = verdict === "timed out" ? `the suite hung past ${TIME_LIMIT_MS / 1000} s` : failing.join("; ");
      console.log(`killed    ${mutant.name} (${seconds} s) by: ${by}`);
    }
  }
  console.log(
    `${killed} of ${chosen.length} mutants killed in ${((performance.now() - runStarted) / 1000).toFixed(0)} s${
      survivors.length ? `; survived: ${survivors.join("; ")}` : ""
    }`,
  );
  Deno.exitCode = survivors.length ? 1 : 0;
} finally {
  await Deno.remove(folder, { recursive: true });
}
