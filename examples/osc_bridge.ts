/**
 * An OSC bridge: a game talks to music tools and is played from a controller.
 *
 *     controller ──OSC/UDP──▶ bridge ──jamnet──▶ game
 *     music tool ◀──OSC/UDP── bridge ◀──jamnet── game
 *
 * The game is a jamnet Host with a ball bouncing in a box and a paddle. The
 * bridge is a second Host connected to it over UDP. OSC from a controller (a
 * fader app, TouchOSC, `oscsend`) becomes game messages: `/paddle f` moves
 * the paddle (sent `"sequenced"`: only the newest position matters), and
 * `/fire` launches the ball (sent `"reliable"`); a message's address is an
 * OSC pattern, so `/f*` fires too, and `/*` reaches both. Game events become OSC for
 * a music tool (SuperCollider, Pure Data, Max, `oscdump`): each bounce is a
 * bundle of `/game/bounce ff x y` and `/game/note ii pitch velocity`, timed
 * 50 ms ahead so the synth plays it on time despite network jitter; a paddle
 * move is `/game/paddle f y`.
 *
 * Run the self-contained demo (3 s; a stand-in controller and music tool on
 * free ports, printing what they exchange):
 *
 *     deno run -A examples/osc_bridge.ts
 *
 * Try it with liblo's tools (`apt-get install liblo-tools`), until Ctrl-C:
 *
 *     oscdump 9000                                   # terminal 1: the "music tool"
 *     deno run -A examples/osc_bridge.ts --live      # terminal 2: listens on 127.0.0.1:9001
 *     oscsend 127.0.0.1 9001 /paddle f 0.25          # terminal 3: the "controller"
 *     oscsend 127.0.0.1 9001 /fire
 *
 * `--music-port` and `--controller-port` change 9000 and 9001 in live mode.
 *
 * @module
 */
import dgram from "node:dgram";
import { parseArgs } from "node:util";
import { Host, type Peer, type Socket } from "../mod.ts";
// OSC lives in osc.ts beside mod.ts: mod.ts has no room for it under its size ceiling.
import {
  decodeOsc,
  encodeOsc,
  OSC_IMMEDIATELY,
  type OscBundle,
  oscMatch,
  type OscMessage,
  oscTime,
  oscTimeToMs,
} from "../osc.ts";
import { udpSocket } from "./lobby/udp.ts";

const options = parseArgs({
  args: Deno.args,
  options: {
    live: { type: "boolean", default: false },
    "music-port": { type: "string", default: "9000" },
    "controller-port": { type: "string", default: "9001" },
  },
}).values;
const live = options.live;
/**
 * A port from the command line: unchecked, `--music-port abc` ran as port NaN until the first bounce threw out of the
 * frame timer and ended the bridge, and `--controller-port abc` listened on a random port where no controller looked.
 */
function port(name: "music-port" | "controller-port"): number {
  const text = options[name];
  if (!/^\d+$/.test(text) || !(Number(text) >= 1 && Number(text) <= 65535)) {
    console.error(`--${name} is ${JSON.stringify(text)}: it must be a UDP port, a whole number from 1 to 65535`);
    Deno.exit(1);
  }
  return Number(text);
}
// Checked before any socket is bound: a mistake in them ends the bridge at once, saying which.
const musicPort = live ? port("music-port") : 0;
const controllerPort = live ? port("controller-port") : 0;
/** How long the demo runs; live mode runs until Ctrl-C. */
const DEMO_MS = 3000;
/** The longest address pattern the bridge matches: its own methods' addresses are 7 characters. */
const MAX_ADDRESS_LENGTH = 256;
/**
 * The most messages the bridge takes from one datagram, its bundles' included: a controller sends one, or a bundle of
 * a few. A stranger's 65,504-byte bundle of 8,186 messages took 190 ms of the bridge's one thread and printed 8,186
 * lines; one of 3,274 /paddle moves sent 3,274 datagrams to the music tool (a review, 2026-12-06).
 */
const MAX_MESSAGES_PER_DATAGRAM = 32;
/** Type tags a log line shows at most: a controller's messages have a few (`/paddle f`, `/fire`). */
const MAX_SHOWN_TYPES = 64;
/** Game and bridge update every 16 ms: one frame at 60 Hz. */
const FRAME_MS = 16;
/**
 * Bounces reach the music tool timed this far ahead: jamnet's hop and the
 * OSC hop on a LAN take a few ms, and a synth that plays a bundle when due
 * sounds steady instead of jittery (SuperCollider's default latency is 200 ms;
 * 50 is plenty on one machine).
 */
const MUSIC_AHEAD_MS = 50;

/**
 * Text from the network, quoted for a log line: JSON escapes the control characters under U+0020, and this the rest,
 * DEL and C1's (U+009B is a terminal's CSI as much as ESC [ is: a review, 2026-12-04), and the bidi controls (Unicode's
 * Bidi_Control: U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), which turned the rest of the line around
 * (an int to "/\u202eevil" reached no method, and its line read `bridge: no game message for OSC "/i "live` in GNU
 * FriBidi 1.0.16: a review, 2026-12-06). Unicode's other format characters show as they are: ZWJ (U+200D) joins emoji,
 * and moves no text.
 */
function quoted(text: string): string {
  return JSON.stringify(text).replace(
    /[\p{Cc}\p{Bidi_Control}]/gu,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * A message's type tags for a log line: the first MAX_SHOWN_TYPES, then how many more. Tags are ASCII letters and
 * brackets (decodeOsc refuses any other), but a datagram's may run to 65,000: one line of /x and 65,000 N's (no
 * argument bytes) went into the log whole (a review, 2026-12-06).
 */
function shownTypes(types: string): string {
  return types.length > MAX_SHOWN_TYPES
    ? `${types.slice(0, MAX_SHOWN_TYPES)}… (${types.length - MAX_SHOWN_TYPES} more)`
    : types;
}

/** Binds a plain UDP socket (raw OSC needs no jamnet Host) to 127.0.0.1. */
async function bind(port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, "127.0.0.1", () => resolve());
  });
  return socket;
}

/** One line per OSC packet, much as oscdump prints it, for the demo's stand-in music tool. */
function show(packet: OscMessage | OscBundle): string {
  if ("elements" in packet) {
    const aheadMs = Math.round(oscTimeToMs(packet.timetag) - Date.now());
    return `bundle, due in ${aheadMs} ms: ${packet.elements.map(show).join(" + ")}`;
  }
  const args = packet.args.map((arg) =>
    typeof arg === "number" && !Number.isInteger(arg) ? arg.toFixed(3) : String(arg)
  );
  return [packet.address, packet.types, ...args].join(" ");
}

// ─── The game: a ball in a unit box, and a paddle on the right wall ─────────

/**
 * `socket` hearing `address` alone: what anyone else sends it never reaches its Host. The game and the bridge are each
 * the other's one peer (maxPeers 1), and a Host takes the first peer to finish the handshake: a stranger on this
 * machine (the ports are in `ss -uanp` from their bind on, the protocol here) that said HELLO to the game's port
 * before the bridge did took the game's one place, and the bridge heard "full" and reached no game for as long as it
 * ran (a review, 2026-12-06). Before that, one that connected and sent `null` ended the bridge with "Cannot read
 * properties of null (reading 't')". Now a stranger hears nothing, and its connect() times out.
 */
function only(socket: Socket, address: string): Socket {
  return {
    send: (data, to) => socket.send(data, to),
    listen: (receive, notify) => socket.listen((data, from) => from === address && receive(data, from), notify),
    close: () => socket.close(),
  };
}

// Both bound first: each Host hears the other's address alone.
const gameSocket = await udpSocket(0);
const bridgeSocket = await udpSocket(0);
const game = new Host(only(gameSocket, bridgeSocket.address), { protocol: 0x05c0, maxPeers: 1 });
const ball = { x: 0.5, y: 0.5, vx: 0, vy: 0 };
let paddleY = 0.5;

/** Advances the ball one frame; sends each bounce to every peer (the bridge). */
function stepGame(): void {
  // A fire goes from where the frame's moves leave the paddle: moves ride channel 1 and fires channel 0, and a packet
  // carries its pieces channel by channel, so a /paddle and a /fire of one frame (one bundle) arrive fire first.
  let fired = false;
  for (let event; (event = game.poll());) {
    if (event.type !== "message") continue;
    const message = event.data as { t: string; y?: number };
    if (message.t === "paddle" && Number.isFinite(message.y)) paddleY = Math.min(1, Math.max(0, message.y!)); // not NaN
    if (message.t === "fire") fired = true;
  }
  if (fired) Object.assign(ball, { x: 0.1, y: paddleY, vx: 0.9, vy: 0.6 });
  ball.x += ball.vx * FRAME_MS / 1000;
  ball.y += ball.vy * FRAME_MS / 1000;
  for (const axis of ["x", "y"] as const) {
    const speed = axis === "x" ? "vx" : "vy";
    if (ball[axis] < 0 || ball[axis] > 1) {
      ball[axis] = Math.min(1, Math.max(0, ball[axis]));
      ball[speed] = -ball[speed];
      // The right wall is the paddle's: a hit sounds higher than a plain wall.
      const hit = axis === "x" && ball.x === 1 && Math.abs(ball.y - paddleY) < 0.2;
      for (const peer of game.peers) peer.send({ t: "bounce", x: ball.x, y: ball.y, hit });
    }
  }
  game.update();
}

// ─── The bridge: OSC in and out, a jamnet Host to the game ──────────────────

/** In the demo, a stand-in music tool prints what it receives. */
const musicTool = live ? undefined : await bind(0);
const musicAddress = { port: musicTool?.address().port ?? musicPort, host: "127.0.0.1" };
const oscOut = await bind(0);
const oscIn = await bind(controllerPort).catch((error) => {
  // A second bridge, or another OSC program on the port: one line that says what to do, not EADDRINUSE's stack.
  if ((error as { code?: string }).code !== "EADDRINUSE") throw error;
  const music = musicPort === 9000 ? "" : ` --music-port ${musicPort}`; // kept: else the next run sends to 9000
  // The port below past the last: "--controller-port 65536" ended the next run at once.
  const next = controllerPort === 65535 ? 65534 : controllerPort + 1;
  const again = `deno run -A examples/osc_bridge.ts --live${music} --controller-port ${next}`;
  console.error(`Port ${controllerPort} is taken: stop what uses it, or pick another: ${again}`);
  Deno.exit(1);
});
const bridge = new Host(only(bridgeSocket, gameSocket.address), { protocol: 0x05c0, maxPeers: 1 });
/** The bridge's peer, the game: connected again whenever it ends (see stepBridge). */
let toGame: Peer = bridge.connect(gameSocket.address);
const counts = { oscIn: 0, oscOut: 0, malformed: 0, crowded: 0, refused: 0 };

/** Sends one OSC packet to the music tool. */
function sendMusic(packet: OscMessage | OscBundle): void {
  oscOut.send(encodeOsc(packet), musicAddress.port, musicAddress.host);
  counts.oscOut++;
}

/**
 * The bridge's OSC methods, by address: each takes a message's arguments and says whether it made a game message of
 * them. `send` returns false, and queues nothing, once the game's peer is leaving or gone; it throws a RangeError
 * while the queue to the game is full (a controller flooding the bridge), which the caller counts and logs.
 */
const oscMethods: Record<string, (args: unknown[]) => boolean> = {
  "/paddle": ([value]) => {
    if (typeof value !== "number" || !Number.isFinite(value)) return false; // NaN would reach a note and throw
    // Clamped here, as the game clamps it: the music tool heard 3 where the paddle stopped at 1 (a review).
    const y = Math.min(1, Math.max(0, value));
    if (!toGame.send({ t: "paddle", y }, { mode: "sequenced", channel: 1 })) return false;
    sendMusic({ address: "/game/paddle", types: "f", args: [y] });
    return true;
  },
  "/fire": () => toGame.send({ t: "fire" }),
};

// Controller to game. A datagram from the network may be anything: a malformed one is counted, never thrown.
oscIn.on("message", (datagram) => {
  let packet: OscMessage | OscBundle;
  try {
    packet = decodeOsc(new Uint8Array(datagram.buffer, datagram.byteOffset, datagram.byteLength));
  } catch (error) {
    counts.malformed++;
    console.log(`bridge: dropped a malformed OSC datagram (${(error as Error).message})`);
    return;
  }
  counts.oscIn++;
  // A bundle from the controller is applied at once, the bundles inside it too, in order: the game has its own clock.
  const messages = (packet: OscMessage | OscBundle): OscMessage[] =>
    "elements" in packet ? packet.elements.flatMap(messages) : [packet];
  const received = messages(packet);
  // Refused whole, before any of it reaches the game: a datagram is taken all or not at all.
  if (received.length > MAX_MESSAGES_PER_DATAGRAM) {
    counts.crowded++;
    console.log(
      `bridge: dropped an OSC datagram of ${received.length} messages (${MAX_MESSAGES_PER_DATAGRAM} at most)`,
    );
    return;
  }
  for (const message of received) {
    // Matching costs the pattern's length times each method's address: a stranger's 60 KB pattern is refused first.
    if (message.address.length > MAX_ADDRESS_LENGTH) {
      console.log(`bridge: no game message for an OSC address of ${message.address.length} characters`);
      continue;
    }
    // A message's address is a pattern (OSC 1.0): it goes to every method it matches, "/*" to both.
    const reached: string[] = [];
    /** The methods it matched whose game message the full queue refused: "no game message" said nothing of why. */
    const full: string[] = [];
    for (const address of Object.keys(oscMethods)) {
      if (!oscMatch(message.address, address)) continue;
      try {
        if (oscMethods[address](message.args)) reached.push(address);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        counts.refused++; // the queue to the game is full: this message is dropped, the next may go
        full.push(address);
      }
    }
    // Quoted: an address from the network may hold a terminal's escape sequences.
    const shown = quoted(message.address) + (message.types && ` ${shownTypes(message.types)}`);
    if (full.length) {
      const methods = full.length === 1 && full[0] === message.address ? "" : ` for ${full.join(", ")}`;
      console.log(`bridge: OSC ${shown} dropped${methods}: the queue to the game is full`);
    }
    if (!reached.length && !full.length) console.log(`bridge: no game message for OSC ${shown}`);
    else if (reached.length && reached[0] !== message.address) {
      console.log(`bridge: OSC pattern ${shown} reached ${reached.join(", ")}`);
    }
  }
});

/** Game to music tool: each bounce a bundle, timed MUSIC_AHEAD_MS ahead. */
function stepBridge(): void {
  bridge.update();
  for (let event; (event = bridge.poll());) {
    if (event.type === "connect") console.log(`bridge: connected to the game at ${event.peer.address}`);
    // Stopped past the timeout (Ctrl-Z, then fg 10 s later), both Hosts let each other go, and the bridge stayed
    // without a game, saying only "no game message" for every /paddle after (a review, 2026-12-06): it connects again.
    if (event.type === "disconnect" && event.peer === toGame) {
      console.log(`bridge: lost the game (${event.reason}); connecting again`);
      toGame = bridge.connect(gameSocket.address);
    }
    if (event.type !== "message") continue;
    const bounce = event.data as { t: string; x: number; y: number; hit: boolean };
    if (bounce.t !== "bounce") continue;
    // Pitch from the height, an octave up for a paddle hit: C4 (60) to C5 (72).
    const pitch = 60 + Math.round(bounce.y * 12) + (bounce.hit ? 12 : 0);
    sendMusic({
      timetag: oscTime(Date.now() + MUSIC_AHEAD_MS),
      elements: [
        { address: "/game/bounce", types: "ff", args: [bounce.x, bounce.y] },
        { address: "/game/note", types: "ii", args: [pitch, bounce.hit ? 127 : 80] },
      ],
    });
  }
}

// ─── Stand-ins for the demo: a controller that moves a fader, a music tool that prints ──

let demoFrame = 0;
const controller = live ? undefined : await bind(0);
musicTool?.on("message", (datagram) => console.log(`music tool got: ${show(decodeOsc(new Uint8Array(datagram)))}`));

/**
 * Every 10 frames the stand-in controller moves the fader; it fires twice and sends one broken datagram. The demo
 * ends after DEMO_MS of its frames, so a slow machine shows the same script.
 */
function stepController(): void {
  if (!controller || toGame.state !== "connected") return;
  const send = (bytes: Uint8Array) => controller.send(bytes, oscIn.address().port, "127.0.0.1");
  if (++demoFrame > DEMO_MS / FRAME_MS) return finish();
  if (demoFrame % 10 === 0) {
    send(encodeOsc({ address: "/paddle", types: "f", args: [0.5 + 0.4 * Math.sin(demoFrame / 20)] }));
  }
  if (demoFrame === 5) send(encodeOsc({ address: "/fire", args: [] }));
  // The second fire is an address pattern in a bundle in a bundle, as a controller may send it: it matches /fire alone.
  const fire: OscMessage = { address: "/f{ire,oo}", args: [] };
  const bundle = (element: OscMessage | OscBundle): OscBundle => ({ timetag: OSC_IMMEDIATELY, elements: [element] });
  if (demoFrame === 45) send(encodeOsc(bundle(bundle(fire))));
  if (demoFrame === 60) send(Uint8Array.of(0x2f, 0x78, 0, 0, 0x2c, 0x69, 0, 0)); // /x ,i with its int missing
  if (demoFrame === 75) send(encodeOsc({ address: "/\u009b2J", args: [] })); // C1's CSI: logged escaped, never raw
}

// ─── Run ────────────────────────────────────────────────────────────────────

console.log(
  live
    ? `live: OSC in on udp 127.0.0.1:${oscIn.address().port}, OSC out to 127.0.0.1:${musicAddress.port}; Ctrl-C stops`
    : `demo for ${DEMO_MS / 1000} s: a stand-in controller and music tool on free ports`,
);
const frames = setInterval(() => {
  stepController();
  stepGame();
  stepBridge();
}, FRAME_MS);
let finish = () => {};
const finished = new Promise<void>((resolve) => finish = resolve);
// A demo that never connects ends too, at ten times its length.
const timer = live ? undefined : setTimeout(finish, 10 * DEMO_MS);
Deno.addSignalListener("SIGINT", finish);
await finished;
clearTimeout(timer);
Deno.removeSignalListener("SIGINT", finish);
clearInterval(frames);
// Datagrams already read go to no handler: past the close below they reached no game, and each printed "no game
// message" after the last line (a review, 2026-12-06).
oscIn.removeAllListeners("message");
bridge.close();
game.close();
for (const socket of [oscIn, oscOut, musicTool, controller]) socket?.close();
console.log(
  `OSC datagrams in ${counts.oscIn}, out ${counts.oscOut}, malformed dropped ${counts.malformed}` +
    (counts.crowded ? `, of too many messages dropped ${counts.crowded}` : "") +
    (counts.refused ? `, messages refused by a full queue ${counts.refused}` : ""),
);
