/**
 * The smallest real-time game over UDP in Deno: one server, any number of players, positions printed instead of drawn.
 * Each player sends its position 20 times a second in the "state" mode; the server sends every player the whole world
 * 20 times a second, also as a "state"; each player prints the others as they were 100 ms ago, between two snapshots
 * (a Timeline). Each player also says hello once, in a reliable message, which the server passes on, and tells
 * whoever joins later.
 *
 *     deno run -A examples/udp_game.ts                     # the server, on 127.0.0.1:7000 (Ctrl+C ends it)
 *     deno run -A examples/udp_game.ts 127.0.0.1:7000 ann  # a player, for 5 s: start two
 *     deno run -A examples/udp_game.ts 7001                # the server on another port
 *
 * Outside this repository add --unstable-net: Deno.listenDatagram needs it, and this repository's deno.json turns it on.
 *
 * @module
 */
import { denoUdp, Host, type Peer, type SendOptions, Timeline } from "../mod.ts";

type Position = { x: number; y: number };
/** What the server sends each player, every snapshot: everyone's position by id (an object, not an array, so that
 * `lerp` never mixes two players when one joins or leaves), and which id is yours. */
type World = { you: string; players: Record<string, Position> };

/** A player sends what it likes: the server takes a position of two finite numbers, and chat lines this long. */
const isPosition = (data: unknown): data is Position =>
  typeof data === "object" && data !== null && Number.isFinite((data as Position).x) &&
  Number.isFinite((data as Position).y);
const MAX_CHAT_LENGTH = 200;
/** What a chat line may not hold: a control character (C0, DEL, C1) or a bidi control (see the server's loop). */
const UNSHOWN = /[\p{Cc}\p{Bidi_Control}]/u;
/**
 * Both ends' Host options: this game's messages are small (a world of 64 players packs to about 2 KB, a chat line to
 * 600 bytes), and at mod.ts's defaults one player's messages were held unpacked: 30 messages of 1 MiB timed 9 s ahead,
 * each an array of a million empty objects, took the server from 40 MB to 1.19 GB in 5 s (a review, 2026-12-06). Here a
 * message of 4 KiB at most, a timed message held at most (two in all; nothing here sends one), one channel (each state channel keeps 32
 * states of maxMessageBytes), and what may wait for a player: a newcomer is sent every player's last line at once.
 */
const HOST_OPTIONS = { maxMessageBytes: 4096, maxQueuedBytes: 256 * 1024, maxTimedMessages: 1, channels: 1 };

// No argument, or a port: the server. "IP:port" and a name: a player. A mistaken one says so in a line: it threw
// "Invalid port: NaN" from Deno.listenDatagram (for "127.0.0.1"), or connect's stack (for "localhost:7000").
const [given, name = "player"] = Deno.args;
const join = given?.replace(/^localhost:/, "127.0.0.1:"); // an address is an IP and a port
const port1To65535 = (text = "") => /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
if (
  join !== undefined &&
  !(port1To65535(join) || /^\d{1,3}(\.\d{1,3}){3}:/.test(join) && port1To65535(join.split(":")[1]))
) {
  const usage = "give the server a port (7001), or a player the server's IP:port and a name (127.0.0.1:7000 ann)";
  console.error(`${JSON.stringify(given)}: ${usage}`);
  Deno.exit(1);
}
const serverPort = join?.includes(":") ? undefined : Number(join ?? 7000);
const port = serverPort ?? 0; // a player binds port 0: any free one
let socket;
try {
  socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port });
} catch (error) {
  // A second server on the same port: one line that says what to do, not AddrInUse's stack.
  if (!(error instanceof Deno.errors.AddrInUse)) throw error;
  // The port below past the last: 65536 is no port (the next run said so).
  const again = `deno run -A examples/udp_game.ts ${port === 65535 ? 65534 : port + 1}`;
  console.error(`Port ${port} is taken: stop what uses it, or pick another: ${again}`);
  Deno.exit(1);
}
// A player's Host takes no peer but its server (maxPeers counts the one it connects to): it took any, and a stranger
// at a player's port ended it with a message a template string cannot print (a review, 2026-12-06).
const host = new Host(denoUdp(socket), serverPort === undefined ? { ...HOST_OPTIONS, maxPeers: 1 } : HOST_OPTIONS);
let frame = 0; // the loops below run 60 times a second and send every third frame: 20 times a second

if (serverPort !== undefined) {
  console.log(
    `server on 127.0.0.1:${port}: start players with \`deno run -A examples/udp_game.ts 127.0.0.1:${port} ann\``,
  );
  const ids = new Map<Peer, string>(); // a short id per player, told to everyone (rather than its address)
  const positions = new Map<Peer, Position>();
  const said = new Map<Peer, string>(); // each player's last chat line: a player who joins later hears it too
  let nextId = 1;
  /** Forgets a player: at its "disconnect", or when let go below (a peer the game lets go makes no such event). */
  const forget = (peer: Peer) => {
    ids.delete(peer);
    positions.delete(peer);
    said.delete(peer);
  };
  /**
   * A player whose queue is full (it reads nothing) is let go: a throw here ended the server for everyone. And
   * forgotten: kept, it stood in every snapshot and its last line went to every newcomer, for good (a review,
   * 2026-12-06).
   */
  const sendOrDrop = (peer: Peer, message: unknown, options?: SendOptions) => {
    try {
      peer.send(message, options);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      console.log(`${ids.get(peer)} reads nothing: let go`);
      forget(peer);
      peer.disconnect();
    }
  };
  setInterval(() => {
    host.update(); // without update() nothing leaves and nothing is heard
    for (let event; (event = host.poll());) {
      const id = ids.get(event.peer) ?? `p${nextId++}`;
      ids.set(event.peer, id);
      if (event.type === "connect") {
        console.log(`${id} joined from ${event.peer.address}`);
        for (const [peer, line] of said) sendOrDrop(event.peer, `${ids.get(peer)} says ${line}`);
      } else if (event.type === "message" && event.mode === "state") {
        if (isPosition(event.data)) positions.set(event.peer, { x: event.data.x, y: event.data.y }); // no more keys
      } else if (event.type === "message") { // a reliable chat line: pass it on to the others
        // No control characters: a line goes into logs, and JSON quoting lets C1's (U+009B, a terminal's CSI) through.
        // Nor bidi controls (Unicode's Bidi_Control: U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), which
        // JSON lets through too: "\u202e" turned the log's line around, and the line of every player it went to (a
        // review, 2026-12-06). Unicode's other format characters pass: ZWJ (U+200D) joins emoji, and moves no text.
        if (typeof event.data !== "string" || event.data.length > MAX_CHAT_LENGTH || UNSHOWN.test(event.data)) {
          continue;
        }
        console.log(`${id} says ${JSON.stringify(event.data)}`);
        said.set(event.peer, event.data);
        for (const peer of host.peers) if (peer !== event.peer) sendOrDrop(peer, `${id} says ${event.data}`);
      } else {
        console.log(`${id} left (${event.reason})`);
        forget(event.peer);
      }
    }
    if (++frame % 3 === 0) {
      const players: Record<string, Position> = {};
      for (const [peer, position] of positions) players[ids.get(peer)!] = position;
      for (const peer of host.peers) sendOrDrop(peer, { you: ids.get(peer)!, players }, { mode: "state" });
      host.update(); // send the snapshots now, not a frame later
    }
  }, 16);
} else {
  const server = host.connect(join); // "IP:port": not a name such as localhost
  const world = new Timeline<World>();
  const me: Position = { x: 0, y: 100 };
  // Until the server answers, "sees no one" would be a lie: with no server running, ten of them looked like a lonely
  // game that went well (a newcomer's walk-through, 2026-12-06).
  let connected = false;
  console.log(`joining ${join} as ${name}…`);
  const ticker = setInterval(() => {
    host.update();
    for (let event; (event = host.poll());) {
      if (event.type === "connect") {
        connected = true;
        console.log(`${name}: connected`);
        server.send(`hello, ${name} here`); // "reliable", the default mode
      } else if (event.type === "message" && event.mode === "state") world.add(event.time, event.data as World);
      else if (event.type === "message") {
        // What the server passes on, as it checks it: a server that does not (another's, or one changed) sent "\u202e"
        // and "\x1b[2J" straight to the player's terminal (a review, 2026-12-06).
        if (typeof event.data === "string" && !UNSHOWN.test(event.data)) console.log(`${name} heard: ${event.data}`);
      } else {
        // The connection is the game: stopped past the timeout (Ctrl-Z, then fg 10 s later), the player printed
        // "disconnected (timeout)", then the others where they stood when it stopped, twice a second, as if it still
        // played (a review, 2026-12-06). It says what happened and ends. A "timeout" before the server answered is no
        // server, as at frame 300: stopped (or 300 frames slower than 10 s, a busy machine) while it joined, it said
        // "the server … turned this player away (timeout)" of a server that was never there (a review, 2026-12-06).
        clearInterval(ticker);
        host.close();
        console.error(
          connected
            ? `${name}: lost the server at ${join} (${event.reason}): run this again to rejoin`
            : event.reason === "timeout"
            ? `${name}: never connected to ${join}: is the server running?`
            : `${name}: the server at ${join} turned this player away (${event.reason})`,
        );
        Deno.exit(1);
      }
    }
    frame++;
    me.x += 2; // whole numbers: an integer packs in 1 to 3 bytes, a fraction in 9
    if (frame % 3 === 0) server.send(me, { mode: "state" });
    if (connected && frame % 30 === 0) { // a game draws every frame; this prints twice a second
      // The server's world 100 ms before the newest snapshot that can have arrived (the server's clock now, less the
      // trip from it: `errorMs`, Infinity until the first clock sample), between the two snapshots around that time.
      const { errorMs } = server.clock;
      const drawn = errorMs < Infinity ? world.sample(server.remoteTime() - errorMs - 100) : undefined;
      const others = Object.entries(drawn?.players ?? {}).filter(([id]) => id !== drawn?.you);
      console.log(
        `${name} at ${me.x}; sees ${others.map(([id, p]) => `${id} at ${p.x.toFixed(1)}`).join(", ") || "no one"}`,
      );
    }
    if (frame === 300) { // 5 s: leave; host.close() says goodbye, and the server hears "closed"
      clearInterval(ticker);
      host.close();
      if (!connected) {
        console.error(`${name}: never connected to ${join}: is the server running?`);
        Deno.exit(1);
      }
    }
  }, 16);
}
