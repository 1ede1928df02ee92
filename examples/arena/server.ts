/**
 * The arena's server: one Deno process serves the page and its modules over
 * HTTP, runs the lobby (examples/lobby) as its room directory on one
 * WebSocket path, takes each player's game connection on another into one
 * jamnet Host, steps every room's world 30 times a second and sends each
 * player the world in the `"state"` mode (a delta against the last snapshot
 * that player acknowledged).
 *
 * Two paths, two Hosts: `/lobby` goes to a Host the `Lobby` owns (it polls
 * every event of it), `/play` to the game's Host. A player lists, creates
 * and joins rooms at `/lobby`; the lobby's answer carries a secret ticket,
 * and `/play?ticket=…` seats a player only while `lobby.admitted(ticket)`
 * says its holder is in the room: checked at the upgrade, at the handshake,
 * and at every tick after.
 *
 *     deno task demo                  # 127.0.0.1:8080, two bots in room "demo"
 *     deno run --allow-net=127.0.0.1 --allow-read=. examples/arena/server.ts --port 8081 --bots 0
 *     deno run --allow-net --allow-read=. examples/arena/server.ts --hostname 0.0.0.0   # friends on your network join
 *     deno task demo --cert cert.pem --key key.pem   # https://127.0.0.1:8080/, the PEM files at the repository's root
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Host, type Peer, webSocketServer } from "../../mod.ts";
import { LOBBY_HOST_BOUNDS, ReceiveAllowance } from "../lobby/allowance.ts";
import { Lobby } from "../lobby/lobby.ts";
import { PeerWatch, StalledWatch, upgradeOr400 } from "../lobby/stalled.ts";
import { type Command, MAX_COMMAND_MS, MAX_PLAYERS, TICK_MS } from "./game.js";
import { Rooms, type RoomsOptions } from "./rooms.ts";
import { type Bot, startBot } from "./bot.ts";

/** Options of {@linkcode startArena}; every one has a default. */
export interface ArenaOptions extends RoomsOptions {
  /** Where to listen (default 127.0.0.1: only this machine can join). */
  hostname?: string;
  /** The HTTP port (default 8080; 0 picks a free one). */
  port?: number;
  /** Bots to start in room "demo" (default 0). */
  bots?: number;
  /** Rooms in the lobby at once (default 100). */
  maxRooms?: number;
  /**
   * Players in one room at most (default MAX_PLAYERS, 16): the lobby refuses a room for more. The page and the bots ask
   * for rooms of game.js's MAX_PLAYERS: for smaller rooms lower that one, which this follows; this alone below it
   * leaves them refused ("could not enter room demo: maxPlayers must be an integer from 2 to 8", a review, 2026-12-06).
   */
  maxPlayers?: number;
  /** Where join and leave lines go, the lobby's among them (default console.log; `() => {}` for none). */
  log?: (line: string) => void;
  /** ms a WebSocket has to finish jamnet's handshake before it is closed (default 10,000, a connect()'s timeout). */
  handshakeWaitMs?: number;
  /**
   * Lobby connections from one machine at once (default 32, as examples/lobby/server.ts): past it the lobby
   * disconnects a new one (see `LobbyOptions.maxClientsPerAddress`). Bots connect from this machine and count.
   */
  maxClientsPerAddress?: number;
  /**
   * WebSockets of one IP address, lobby and game, that ended with bytes unread and that Deno may still hold (default
   * 4, see examples/lobby/stalled.ts): past it, a new WebSocket from there gets a 429.
   */
  maxHeldPerAddress?: number;
  /**
   * Bytes of WebSocket messages one IP address may send a second, at /lobby and /play together, with 1 s of it at once
   * (default 320 KiB: 32 players behind one NAT, see RECEIVE_BYTES_PER_SECOND): a WebSocket whose address is past it is
   * closed, and its message goes to no Host.
   */
  receiveBytesPerSecond?: number;
  /**
   * Sites whose pages may open the arena's WebSockets besides its own, as a browser names them (`"https://me.itch.io"`;
   * default none). A browser sends its page's origin with each WebSocket, and one from another site is refused with a
   * 403: before, any site open in a browser on this machine could join the demo on 127.0.0.1 and spend the allowance
   * its page and bots share (a review, 2026-12-06). A program that is no browser sends none and is let in: this keeps
   * out other sites' pages, not other programs. The arena's own pages are those at localhost or an address, on
   * whatever address it listens: a proxy's site, or the arena's own by a name (http://game.example:8080), is named here
   * (see OWN_PAGE). The log names each site refused, once.
   */
  origins?: readonly string[];
  /**
   * The certificate chain, PEM (a file's text, not its path), to serve the page and both WebSocket paths over TLS with
   * `key`: the page is then at https:// and opens wss: WebSockets, as a browser requires of a page at an https address
   * (it refuses a ws: one from there as mixed content). Default none: plain http:// and ws:. The bots trust it besides
   * the usual roots, so a self-signed one does for them when it names the address they dial (127.0.0.1; `url`).
   */
  cert?: string;
  /** The private key of `cert`, PEM: one of the two without the other is refused with a TypeError. */
  key?: string;
}

/** A running arena. */
export interface Arena {
  /** The page's address, `http://127.0.0.1:8080/` (`https://` with `cert` and `key`). */
  readonly url: string;
  /** The game's Host: the `/play` connections. */
  readonly host: Host;
  /** The room directory, on its own Host: the `/lobby` connections. */
  readonly lobby: Lobby;
  readonly rooms: Rooms;
  /**
   * Starts a bot: a headless client of this server, over WebSockets like any
   * player, that enters room `room` through the lobby. Bots enter one after
   * another, so two bots asking for a room nobody opened yet end up in one.
   * One whose game connection times out (the process stopped past the Hosts'
   * `timeout`) enters again, as a new Bot, and the log says so.
   */
  addBot(room: string, name: string): Bot;
  /** Stops the bots, says goodbye to every player and stops serving. */
  close(): Promise<void>;
}

const root = new URL("../../", import.meta.url);
/**
 * This folder from the repository's root: "examples/arena/", or a copy's own ("examples/mygame/"), so that a copy
 * serves its own page and rules. Each file goes at its path from the root, so that the modules' relative imports
 * (`../../dist/mod.js`, `../lobby/client_lib.js`) resolve in the browser as they do on disk.
 */
const folder = new URL(".", import.meta.url).href.slice(root.href.length);

/** The files the page loads, by URL path: only these are served. "/" sends the browser to the folder's page. */
const FILES: Record<string, string> = {
  [`/${folder}`]: `${folder}index.html`,
  ...Object.fromEntries(
    ["page.js", "client.js", "game.js", "lobby.js"].map((name) => [`/${folder}${name}`, folder + name]),
  ),
  "/examples/lobby/client_lib.js": "examples/lobby/client_lib.js",
  "/dist/mod.js": "dist/mod.js",
  "/dist/mod.js.map": "dist/mod.js.map",
};
const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  map: "application/json",
};

/** A name of this machine (127.0.0.1, localhost in any case, 127.0.0.2, ::1): a server that listens on one serves no other. */
const THIS_MACHINE_ONLY = /^(localhost\.?|127\.[\d.]+|\[?::1\]?)$/i;

/**
 * The names a page of the arena has by itself: localhost, or an address. Any other name a request carries is a site's
 * whose DNS pointed its name at this machine after its page loaded (DNS rebinding), or a proxy's or a deployment's,
 * which `origins` names: the page and the Host both carry that name, so they cannot be told apart. So on every address
 * it listens on: a page at http://192.168.1.5:8080 is the arena's own, one at http://game.example:8080 is until
 * `--origin` names it (Vite's `server.allowedHosts` holds its dev server the same way). Before, on 0.0.0.0 a page was
 * its own by any name the Host header carried, and rebinding to the machine's network address stayed open.
 */
const OWN_PAGE = /^(localhost\.?|[\d.]+|\[[\da-f:.]+\])$/i;

/**
 * A 403 for a WebSocket a page of another site opens (see `ArenaOptions.origins`), or undefined: no Origin (no
 * browser), one of `origins`, or this server's own host and port as the request names it, by localhost or an address
 * (see OWN_PAGE).
 */
function foreign(request: Request, url: URL, origins: readonly string[]): Response | undefined {
  const origin = request.headers.get("origin");
  if (origin === null || origins.includes(origin)) return;
  const page = URL.parse(origin);
  if (page?.host === url.host && OWN_PAGE.test(page.hostname)) return;
  return new Response(
    origin === "null"
      ? `A page with no site of its own (Origin: null) may not join the arena at ${url.host}: ${SERVE_FROM_A_SITE}`
      : `A page of ${origin} may not join the arena at ${url.host}: start it with --origin ${origin} to let it`,
    { status: 403 },
  );
}

/**
 * What a page whose Origin is "null" does: a browser sends it for a page in a sandboxed frame or opened from a file, of
 * any site, so no `--origin` lets one in (the 403 said "start it with --origin null", which the command line refuses).
 */
const SERVE_FROM_A_SITE = "serve the page from a site (not a file, nor a sandboxed frame) and name it with --origin";

/**
 * The longest site the log names: https://, a DNS name (253 characters at most) and a port. A program may send an
 * Origin as long as Deno takes a header: one of 60,000 characters made a log line of 120,118 (a review, 2026-12-06).
 */
const MAX_SITE_LENGTH = 267;

/**
 * How many refused sites the log names a minute (REFUSED_SITES_WINDOW_MS), each once a minute: a browser shows its page
 * no reason for a refused WebSocket, so the log is where whoever serves a page by a name learns to add `--origin`; a
 * program may send any Origin, so no more. Named once for good (as until 2026-12-07), 16 sites a program sent kept every
 * site after them out of the log while the arena ran: the one whose pages a game's players opened too.
 */
const MAX_REFUSED_ORIGINS_LOGGED = 16;

/** The log's minute for refused sites (ms): see {@linkcode RefusedSites}. */
const REFUSED_SITES_WINDOW_MS = 60_000;

/**
 * The refused sites the arena's log names: each once a window of `windowMs`, and at most `limit` a window. A refusal
 * of a site the window has no room for is counted, and the first refusal after the window says how many there were (a
 * program's, most likely), whenever it comes: the line names no time, as it may come hours after. One remote address
 * has at most `perAddress` sites named a window: first come, the same 16 sites sent again and again from one address
 * filled every window as it opened, and a game's site, refused each second, was never named (a review, 2026-12-07). A site a window had no room for is named in a later one that has, as
 * its players' pages are refused again: in the next, unless programs on `limit` / `perAddress` addresses or more send
 * their sites every window (then the count says that some go unnamed, and the log stays at `limit` + 1 lines a window).
 * Takes the time, so a test runs it on a virtual clock.
 */
export class RefusedSites {
  #named = new Set<string>();
  /** By remote address: how many sites it had named this window (here once it had one: `limit` addresses at most). */
  #namedFrom = new Map<string, number>();
  #unnamed = 0;
  #since = -Infinity;

  constructor(
    readonly limit = MAX_REFUSED_ORIGINS_LOGGED,
    readonly windowMs = REFUSED_SITES_WINDOW_MS,
    readonly perAddress = Math.ceil(limit / 2),
  ) {}

  /**
   * The lines to log for `site` (an origin as a URL writes it, or "null") refused at `nowMs` to a request from `from`
   * (its remote address), in order.
   */
  refused(site: string, nowMs: number, from: string): string[] {
    const lines: string[] = [];
    if (!(nowMs - this.#since < this.windowMs)) {
      if (this.#unnamed) {
        lines.push(
          `refused ${this.#unnamed} more WebSocket${this.#unnamed == 1 ? "" : "s"} of sites not named (the log names ` +
            `${this.limit} every ${this.windowMs / 1000} s at most: a program may send any Origin)`,
        );
      }
      this.#named.clear();
      this.#namedFrom.clear();
      this.#unnamed = 0;
      this.#since = nowMs;
    }
    if (this.#named.has(site)) return lines;
    const fromCount = this.#namedFrom.get(from) ?? 0;
    if (this.#named.size >= this.limit || fromCount >= this.perAddress) {
      this.#unnamed++;
      return lines;
    }
    this.#named.add(site);
    this.#namedFrom.set(from, fromCount + 1);
    lines.push(
      site === "null"
        ? `refused the WebSockets of a page with no site of its own (Origin: null): ${SERVE_FROM_A_SITE}`
        : `refused the WebSockets of a page of ${site}: start the arena with --origin ${site} to let its pages in`,
    );
    return lines;
  }
}

/** More commands than this in a message are not from our client (nor is a command longer than MAX_COMMAND_MS). */
const MAX_COMMANDS_PER_MESSAGE = 16;

/** Room names as the page offers them: short and safe in a URL and a log line. The lobby checks the length. */
const MAX_ROOM_NAME_LENGTH = 32;

/**
 * Each Host's bounds on what a player sends (README: "a server open to strangers keeps `maxMessageBytes` as small as
 * its messages allow"). A Host unpacks a message whole as it arrives, and one byte may be a whole object, so its size
 * is its cost: a receiver takes a message up to 2 × `maxMessageBytes` + `maxQueuedBytes` + 256 KiB. At the defaults
 * that was 6.25 MiB: one message of 6 MB of empty arrays, on /play or /lobby, took 670 ms of the server's thread and
 * 240 MB of heap; and messages timed 9 s ahead were held that long, unpacked: 40 of 1 MiB took 5.5 s and 1.7 GB, 100
 * took 26 s (every other player timed out) and 4.2 GB (a review, 2026-12-06). Now 328 KiB on /play and 1,088 KiB on
 * /lobby, and one timed message held (two in all, as maxTimedMessages goes): neither the page nor the lobby's clients
 * send one. One channel each, the only
 * one the page, the bots and the lobby's clients use: every channel takes "state" frames, and keeps 32 states of up to
 * `maxMessageBytes` each rebuilt from deltas of a few bytes, so the default 8 let one player make the lobby keep 40 MiB
 * (8 × 32 × 160 KiB; 5 MiB on one channel, 128 KiB on /play).
 */
const HOST_BOUNDS = {
  /** The game's: a player's 16 commands pack to 387 bytes at most, a snapshot to about 120 bytes a player. */
  game: (maxPlayers: number) => ({
    maxMessageBytes: 1024 + 192 * maxPlayers,
    maxQueuedBytes: 64 * 1024,
    maxTimedMessages: 1,
    channels: 1,
  }),
  /** The lobby's, as examples/lobby/server.ts's: LOBBY_HOST_BOUNDS in examples/lobby/allowance.ts. */
  lobby: LOBBY_HOST_BOUNDS,
};

/**
 * What one IP address may send a second, its WebSockets at /lobby and /play together (default of
 * `receiveBytesPerSecond`). HOST_BOUNDS bound a message, not how many come: a player's stream of 300 KB messages, each
 * within them, was unpacked whole at about 55 ms a MB, 12 MB stalled the server 666 ms, and 18 MB a second from one
 * client would take its whole thread (a review, 2026-12-06). An honest player sends little, measured as WebSocket
 * messages from one client a second over 12 s (bots, and Chromium's page holding arrow keys; `deno task bench:arena`
 * has the mean, 1,990 bytes/s out): at /play 1.5 to 2.2 KB in 60 messages, the first second (the handshake) 1.9 KB at
 * most; 6.8 KB from a player 600 ms away, each message then carrying the 16 commands not yet acknowledged; 8.7 KB once
 * its command numbers pass 65,535. At /lobby 62 bytes (the page's list every 2 s), 253 in the first second. So 10 KiB a
 * player, for 32 behind one NAT (the lobby's `maxClientsPerAddress`): 320 KiB a second, and a second of it at once
 * (`ReceiveAllowance` in examples/lobby/allowance.ts). A flood from one address for 10 s, coming back each time it is
 * cut, then took 7 to 18% of the thread, the worst 60 KB messages of empty bins (about 400 ns a byte), and up to 66 ms
 * at once (the burst; 75 ms with 300 KB arrays on both paths; 605 ms with 4 s of burst, measured beside it); without
 * it, 10 s of 300 KB messages stalled the server 17 s, and of 1 MiB ones ended it out of memory at 4 GB (2026-12-06).
 * Per IP address, not per WebSocket: one address opens many, and a ticket serves again once its connection ends. A
 * message that does not fit is not counted, so what an address sends past it costs the one WebSocket, and a NAT's
 * other players play on while the rest fits. Many addresses (an IPv6 network's) are left to a proxy in front, as in
 * stalled.ts.
 */
const RECEIVE_BYTES_PER_SECOND = 32 * 10 * 1024;

/** ms between the lobby's updates: as the lobby server's (examples/lobby/server.ts). */
const LOBBY_TICK_MS = 16;

/** True for what client.js sends: a list of `[sequence, keys, ms]` commands. Anything else is ignored. */
function isCommands(data: unknown): data is Command[] {
  return Array.isArray(data) && data.length <= MAX_COMMANDS_PER_MESSAGE &&
    data.every((command) =>
      Array.isArray(command) && command.length === 3 && Number.isSafeInteger(command[0]) &&
      Number.isInteger(command[1]) && Number.isFinite(command[2]) && command[2] >= 0 && command[2] <= MAX_COMMAND_MS
    );
}

/**
 * Starts the arena: the HTTP server, the lobby on its Host, the game's Host
 * and the 30 Hz loop.
 *
 * @param options where to listen, the bots, the limits of rooms
 * @returns the running arena, once it listens
 */
export async function startArena(options: ArenaOptions = {}): Promise<Arena> {
  const origins = options.origins ?? [];
  // A string would match any part of itself, and "https://me.itch.io/" no browser's Origin: neither ever lets in what
  // the caller meant.
  if (!Array.isArray(origins) || !origins.every((origin) => URL.parse(origin)?.origin === origin)) {
    throw new TypeError(
      `origins takes an array of origins as a browser sends them, such as ["https://me.itch.io"] (no path, no slash at ` +
        `the end), not ${JSON.stringify(origins)}`,
    );
  }
  // Checked before anything starts: otherwise Deno's server refuses it as it starts, with the Hosts already made.
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new TypeError(
      `cert and key go together, both PEM text: the certificate chain and its private key (${
        options.cert === undefined ? "key" : "cert"
      } alone was given)`,
    );
  }
  const tls = options.cert !== undefined && options.key !== undefined
    ? { cert: options.cert, key: options.key }
    : undefined;
  // An empty one (a file that openssl never wrote) was refused by Deno's server as "Both 'cert' and 'key' must be
  // provided", which both were (a review, 2026-12-06).
  const empty = tls && (["cert", "key"] as const).find((name) => typeof tls[name] !== "string" || !tls[name].trim());
  if (empty) throw new TypeError(`${empty} is empty: cert and key take PEM text (-----BEGIN …), not ""`);
  const log = options.log ?? console.log;
  const refusedSites = new RefusedSites();
  /** foreign()'s 403, and a line in the log when a site is refused (see RefusedSites). */
  const refuse = (request: Request, url: URL, ip: string): Response | undefined => {
    const refused = foreign(request, url, origins);
    if (!refused) return refused;
    const origin = request.headers.get("origin")!; // foreign() refuses only a request that has one
    // The site as a URL's origin writes it: ASCII, no control or bidi character. "null", as a browser sends it, is a page
    // of no site (see SERVE_FROM_A_SITE), named too; a URL whose origin is "null" (file:///…) is no browser's.
    const site = origin === "null" ? origin : URL.parse(origin)?.origin;
    if (!site || (site === "null") !== (origin === "null") || site.length > MAX_SITE_LENGTH) return refused;
    for (const line of refusedSites.refused(site, performance.now(), ip)) log(line);
    return refused;
  };
  const rooms = new Rooms(options);
  const lobbySockets = webSocketServer();
  // Every room full, with room to spare: at the default maxPeers (64), 64 WebSockets that finished the handshake and
  // sat idle kept every other player out (a review, 2026-12-03).
  const maxPeers = (options.maxRooms ?? 100) * (options.maxPlayers ?? MAX_PLAYERS) + 64;
  const lobbyHost = new Host(lobbySockets, { maxPeers, ...HOST_BOUNDS.lobby });
  const lobby = new Lobby(lobbyHost, {
    maxRooms: options.maxRooms ?? 100,
    maxPlayers: options.maxPlayers ?? MAX_PLAYERS,
    maxNameLength: MAX_ROOM_NAME_LENGTH,
    // Without it one machine took every seat of maxPeers and every room: 1,664 lobby connections from one script,
    // each of which can open a room, and the next player heard "full" (a review, 2026-12-04).
    maxClientsPerAddress: options.maxClientsPerAddress ?? 32,
    // The world is the server's: a host that leaves (a reload) hands its room on, and the others play on. With the room
    // closed, the server let them all go (a play-test, 2026-12-06).
    handOver: true,
    // No relays: the arena's pages and bots never use them, and the lobby packed each one again for every other member
    // of the room, whose page unpacked it and threw it away: one player relaying 240 KB a second to a room of 16 took
    // 24% of the server's thread, 6% refused (a review, 2026-12-06). Every relay is refused with an error.
    maxRelayBytesPerSecond: 0,
    log: (line) => log(`lobby: ${line}`),
  });
  const sockets = webSocketServer();
  const host = new Host(sockets, { maxPeers, ...HOST_BOUNDS.game(options.maxPlayers ?? MAX_PLAYERS) });
  /** Every WebSocket accepted, lobby and game: one whose remote stops reading is closed (see stalled.ts). */
  const stalled = new StalledWatch(undefined, options.maxHeldPerAddress);
  /** Who connected with which ticket, by the address their WebSocket was accepted at, until the Host says "connect". */
  const joining = new Map<string, { ticket: string; name: string }>();
  /** Every WebSocket accepted, lobby and game: one with no peer, never handshaken or its peer ended, is closed. */
  const peerless = new PeerWatch(options.handshakeWaitMs, undefined, stalled);
  /** Every WebSocket accepted, lobby and game: its address's bytes a second, checked before a Host sees a message. */
  const allowance = new ReceiveAllowance(
    options.receiveBytesPerSecond ?? RECEIVE_BYTES_PER_SECOND,
    (socket) => stalled.close(socket),
  );

  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const http = Deno.serve(
    { hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 8080, onListen: resolve, ...tls },
    async (request, info) => {
      const url = new URL(request.url);
      const { hostname: ip, port: remotePort } = info.remoteAddr; // read before an upgrade closes the request
      const address = `${ip}:${remotePort}`;
      const upgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
      const held = () =>
        new Response("Too many of this address's WebSockets are held unread or unanswered", { status: 429 });
      if (url.pathname === "/lobby") {
        // The room directory: a LobbyClient's WebSocket, upgraded into the lobby's Host.
        if (!upgrade) return new Response("/lobby takes a WebSocket: the lobby's protocol", { status: 426 });
        const refused = refuse(request, url, ip);
        if (refused) return refused;
        if (!stalled.admits(ip)) return held();
        const upgraded = upgradeOr400(request);
        if (upgraded instanceof Response) return upgraded;
        const { socket, response } = upgraded;
        stalled.add(socket, ip);
        allowance.add(socket, ip); // before accept: its listener goes first
        lobbySockets.accept(socket, address);
        peerless.add(socket, lobbyHost, address);
        return response;
      }
      if (url.pathname === "/play") {
        // A player: `/play?ticket=…&name=ann`, upgraded into the game's Host once the lobby vouches for the ticket.
        const refused = refuse(request, url, ip);
        if (refused) return refused;
        const ticket = url.searchParams.get("ticket") ?? "";
        // Without control characters: a name goes into the log, and JSON quoting lets C1's through (see the lobby's).
        // Nor bidi controls (Unicode's Bidi_Control: overrides, isolates, and the marks U+200E, U+200F and U+061C),
        // which turned the log's line and other players' labels around (a review; the marks, a review of 2026-12-06).
        // Unicode's other format characters stay: ZWJ (U+200D) joins emoji, and moves no text.
        // 16 characters, not UTF-16 units: an emoji at the end was cut in two, drawn as "\ufffd" (a play-test, 2026-12-06).
        const cleaned = (url.searchParams.get("name") ?? "").replace(/[\p{Cc}\p{Bidi_Control}]/gu, "").trim();
        const name = Array.from(cleaned).slice(0, 16).join("") || "player";
        if (!lobby.admitted(ticket)) {
          return new Response("Not admitted: join a room through the lobby (/lobby) and bring its ticket", {
            status: 403,
          });
        }
        if (rooms.seated(ticket) || [...joining.values()].some((other) => other.ticket === ticket)) {
          return new Response("This ticket is already playing: one player per ticket", { status: 409 });
        }
        if (!upgrade) return new Response("/play takes a WebSocket", { status: 426 });
        if (!stalled.admits(ip)) return held();
        const upgraded = upgradeOr400(request);
        if (upgraded instanceof Response) return upgraded;
        const { socket, response } = upgraded;
        joining.set(address, { ticket, name });
        socket.addEventListener("close", () => joining.delete(address)); // gone before its handshake finished
        stalled.add(socket, ip);
        allowance.add(socket, ip); // before accept: its listener goes first
        sockets.accept(socket, address);
        peerless.add(socket, host, address);
        return response;
      }
      // The page at the folder's path, its room and link options kept: its script is "page.js", beside it.
      if (url.pathname === "/") return Response.redirect(new URL(`/${folder}${url.search}`, url), 302);
      const file = FILES[url.pathname];
      if (!file) return new Response("Not found", { status: 404 });
      return new Response(await Deno.readFile(new URL(file, root)), {
        headers: { "content-type": CONTENT_TYPES[file.slice(file.lastIndexOf(".") + 1)] },
      });
    },
  );
  const address = await listening;
  // A wildcard is where the server listens, not an address to open: this machine reaches it on its loopback. An IPv6
  // address goes in brackets (`--hostname ::` made "http://:::8084/", an invalid URL the bots threw on: a review).
  const { hostname } = address;
  const reachAt = hostname === "0.0.0.0" ? "127.0.0.1" : hostname === "::" ? "::1" : hostname;
  const url = `${tls ? "https" : "http"}://${reachAt.includes(":") ? `[${reachAt}]` : reachAt}:${address.port}/`;
  // The bots' way in over TLS: a self-signed certificate is in no root store, and without it each bot's WebSocket
  // failed with "invalid peer certificate: UnknownIssuer" (2026-12-06).
  const botClient = tls && Deno.createHttpClient({ caCerts: [tls.cert] });
  const stopLobby = new AbortController();
  const lobbyRunning = lobby.run(LOBBY_TICK_MS, stopLobby.signal);

  /** A player's WebSocket finished jamnet's handshake: seat it in the lobby room its ticket admits it to. */
  function connected(peer: Peer): void {
    const wanted = joining.get(peer.address);
    joining.delete(peer.address);
    const admitted = wanted && lobby.admitted(wanted.ticket);
    if (!wanted || !admitted || rooms.seated(wanted.ticket)) return peer.disconnect(); // left the room meanwhile
    const { room, player } = rooms.join(admitted.room, wanted.name, peer, wanted.ticket);
    log(
      `${JSON.stringify(player.name)} (#${player.id}) joined room ${
        JSON.stringify(room.name)
      } (${room.id}): ${room.members.size} playing`,
    );
  }

  /** A player the lobby no longer counts in its room (it left, its lobby connection ended, the room closed) goes. */
  function dismissTheUnadmitted(): void {
    for (const [peer, { room, ticket }] of rooms.seats()) {
      if (lobby.admitted(ticket)?.room.id === room.id) continue;
      const { player } = rooms.leave(peer)!;
      log(
        `${JSON.stringify(player.name)} (#${player.id}) left room ${
          JSON.stringify(room.name)
        } (${room.id}): no longer in the lobby's room`,
      );
      peer.disconnect();
    }
  }

  /** The players whose message isCommands refused, logged once each. */
  const refused = new WeakSet<Peer>();
  let lastTickAt = performance.now();
  function tick(): void {
    const now = performance.now();
    const elapsedMs = now - lastTickAt;
    lastTickAt = now;
    host.update();
    for (let event; (event = host.poll());) {
      if (event.type === "connect") connected(event.peer);
      else if (event.type === "message") {
        const seat = rooms.seat(event.peer);
        if (seat && isCommands(event.data)) seat.room.world.command(seat.player, event.data);
        else if (seat && !refused.has(event.peer)) {
          // Once a player: a game that changed what a command carries in client.js, and not isCommands, had its
          // players stand still with no word (a review, 2026-12-03).
          refused.add(event.peer);
          log(
            `${JSON.stringify(seat.player.name)} (#${seat.player.id}) sent what is no list of [sequence, keys, ms] ` +
              `commands: ignored (changed what a command carries? change isCommands in server.ts too)`,
          );
        }
      } else {
        joining.delete(event.peer.address);
        const seat = rooms.leave(event.peer);
        if (seat) {
          log(
            `${JSON.stringify(seat.player.name)} (#${seat.player.id}) left room ${
              JSON.stringify(seat.room.name)
            } (${event.reason})`,
          );
        }
      }
    }
    dismissTheUnadmitted();
    stalled.sweep();
    peerless.sweep();
    allowance.sweep();
    for (const room of rooms) {
      room.world.step(elapsedMs);
      for (const [peer, player] of room.members) {
        if (peer.state === "connected") peer.send(room.world.snapshot(player), { mode: "state" });
      }
    }
    host.update(); // send the snapshots now, not at the next tick
  }
  const ticker = setInterval(tick, TICK_MS);

  const bots: Bot[] = [];
  /** The last bot's way into its room: the next bot waits for it (see `addBot`). */
  let lastEntry: Promise<unknown> = Promise.resolve();
  const arena: Arena = {
    url,
    host,
    lobby,
    rooms,
    addBot(room, name) {
      const bot = startBot(url, room, name, {
        after: lastEntry,
        httpClient: botClient,
        // Stopped past the Hosts' timeout (Ctrl-Z then fg, a laptop's lid closed then opened), the process's bots and
        // the arena let each other go, and room "demo" stayed empty for good with no word of it (a review, 2026-12-06).
        // A bot whose game went silent enters again; one let go ("closed": it left its room) stays out. Not after
        // close(): it stops every bot first, and `ended` comes only from a bot's own frame timer, which stop() ends.
        ended: (reason) => {
          if (reason !== "timeout") return;
          bot.stop();
          bots.splice(bots.indexOf(bot), 1);
          log(`"${name}" lost its game (${reason}); entering room "${room}" again`);
          arena.addBot(room, name);
        },
      });
      bots.push(bot);
      lastEntry = bot.ready.catch((error) => log(`${name} could not enter room ${room}: ${error.message}`));
      return bot;
    },
    async close() {
      for (const bot of bots) bot.stop();
      clearInterval(ticker);
      host.close();
      stopLobby.abort();
      await lobbyRunning;
      lobbyHost.close();
      await http.shutdown();
      botClient?.close();
    },
  };
  for (let i = 1; i <= (options.bots ?? 0); i++) arena.addBot("demo", `bot ${i}`);
  return arena;
}

if (import.meta.main) {
  let args;
  try {
    args = parseArgs({
      args: Deno.args,
      options: {
        port: { type: "string" },
        bots: { type: "string" },
        hostname: { type: "string" },
        origin: { type: "string", multiple: true },
        cert: { type: "string" },
        key: { type: "string" },
      },
    });
  } catch (error) {
    console.error(
      `${(error as Error).message}: the options are --port, --bots, --hostname, --origin, --cert and --key`,
    );
    Deno.exit(1);
  }
  const { cert: certFile, key: keyFile } = args.values;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    console.error(
      `--cert and --key go together: --cert FILE --key FILE, the certificate chain and its private key as PEM files ` +
        `(${certFile === undefined ? "--key" : "--cert"} alone was given)`,
    );
    Deno.exit(1);
  }
  /** The TLS flags as given, for a command this prints to start the server again. */
  const tlsFlags = certFile === undefined ? "" : ` --cert ${certFile} --key ${keyFile}`;
  /** How to start this server again on another port: the demo task for the arena, this file's path for a copy. */
  const again = (port: number) =>
    (folder === "examples/arena/"
      ? `deno task demo --port ${port}`
      : `deno run --allow-net=127.0.0.1 --allow-read=. ${folder}server.ts --port ${port}`) + tlsFlags;
  const port = Number(args.values.port ?? 8080);
  const bots = Number(args.values.bots ?? 2);
  const hostname = args.values.hostname ?? "127.0.0.1";
  const origins = args.values.origin ?? [];
  const badOrigin = origins.find((origin) => URL.parse(origin)?.origin !== origin);
  if (badOrigin !== undefined) {
    console.error(
      `--origin takes a site as a browser names it, such as https://me.itch.io (no path, no slash at the end), not ` +
        badOrigin,
    );
    Deno.exit(1);
  }
  const thisMachineOnly = THIS_MACHINE_ONLY.test(hostname);
  // Bots enter room "demo", which takes MAX_PLAYERS: more could never play (and 1e9 of them hung the start).
  if (
    !Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(bots) || bots < 0 || bots > MAX_PLAYERS
  ) {
    console.error(
      `--port takes a port from 0 to 65535 (0: any free one), --bots a whole number from 0 to ${MAX_PLAYERS}: e.g. ` +
        again(8081),
    );
    Deno.exit(1);
  }
  /**
   * This server's command line with every flag given, reading this folder and the PEM files: what a message prints to
   * start it otherwise. A command that dropped --port or --hostname was no way to start the same server (a review,
   * 2026-12-06).
   */
  const runAs = () =>
    `deno run --allow-net${hostname === "127.0.0.1" ? "=127.0.0.1" : ""} ` +
    `--allow-read=.${certFile === undefined ? "" : `,${certFile},${keyFile}`} ${folder}server.ts` +
    (hostname === "127.0.0.1" ? "" : ` --hostname ${hostname}`) + (port === 8080 ? "" : ` --port ${port}`) +
    (bots === 2 ? "" : ` --bots ${bots}`) + origins.map((origin) => ` --origin ${origin}`).join("") + tlsFlags;
  /** Where Deno runs, from which a relative path is read: `deno task demo` runs at the repository's root. */
  const here = (() => {
    try {
      return Deno.cwd();
    } catch {
      return "the folder it runs in";
    }
  })();
  /**
   * A PEM file's text; one line saying why, and exit 1, when it cannot be read or holds nothing to serve. An empty
   * file ended in Deno.serve's stack ("Both 'cert' and 'key' must be provided"), and a key with a passphrase was
   * called "no private key in PEM" (a review, 2026-12-06).
   */
  const readPem = async (flag: "--cert" | "--key", path: string): Promise<string> => {
    const what = flag === "--cert" ? "the certificate chain" : "its private key";
    let text: string | undefined;
    let why: string;
    try {
      text = await Deno.readTextFile(path);
      why = !text.trim()
        ? `${flag} ${path} is empty: it must hold ${what} in PEM (-----BEGIN …)`
        : flag === "--key" && /^-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type: 4,ENCRYPTED/m.test(text)
        ? `--key ${path} is encrypted (a key with a passphrase), and the server takes a plain one: ` +
          `openssl pkey -in ${path} -out plain-key.pem asks the passphrase once and writes it plain`
        : "";
    } catch (error) {
      // The demo task lets Deno read its folder alone, and a task's permissions cannot be widened from its command
      // line: "run again with the --allow-read flag", Deno's advice, cannot be followed there.
      why = error instanceof Deno.errors.NotCapable
        ? `${flag} ${path} is outside what Deno may read here (the demo task: ${here} alone): put the files in it, ` +
          `or run ${runAs()}`
        : `${flag} ${path} cannot be read: ${(error as Error).message}` +
          // `deno task demo` from examples/arena reads cert.pem at the root, not beside the user.
          (error instanceof Deno.errors.NotFound && !path.startsWith("/") ? ` (a path from ${here})` : "");
    }
    if (!why) return text!;
    console.error(why);
    Deno.exit(1);
  };
  const tls = certFile === undefined || keyFile === undefined
    ? {}
    : { cert: await readPem("--cert", certFile), key: await readPem("--key", keyFile) };
  try {
    const arena = await startArena({ port, bots, hostname, origins, ...tls });
    console.log(
      `The arena is at ${arena.url} (room "demo" has ${bots} bots; ?room=name for another room, through the lobby)`,
    );
    // Not on another name of this machine: at `--hostname localhost` it told you others on your network could join.
    if (!thisMachineOnly) {
      const page = new URL(arena.url);
      console.log(`Others on your network open ${page.protocol}//<this machine's IP address>:${page.port}/`);
    }
  } catch (error) {
    // `deno task demo --hostname 0.0.0.0` ended in NotCapable's stack: the task lets Deno listen on 127.0.0.1 alone, and
    // a task's permissions cannot be widened from its command line. The full command can.
    if (error instanceof Deno.errors.NotCapable && /net access/.test(error.message)) {
      const command = runAs();
      const demo = folder === "examples/arena/" ? "deno task demo allows 127.0.0.1 only; " : "";
      const why = thisMachineOnly ? "run" : `${demo}to serve other machines, run`;
      console.error(`${error.message.split(",")[0]}: ${why} ${command}`);
      Deno.exit(1);
    }
    // An address no interface of this machine has, or a name that resolves to none, ended in a stack (a review).
    if (error instanceof Deno.errors.AddrNotAvailable || /failed to lookup address/.test((error as Error)?.message)) {
      console.error(
        `--hostname ${hostname} is no address of this machine: 127.0.0.1 (the default) serves this machine alone, ` +
          `0.0.0.0 every network it is on`,
      );
      Deno.exit(1);
    }
    // Not PEM, or the key of another certificate: Deno's server refused them with a stack.
    if (certFile && (error instanceof Deno.errors.InvalidData || /KeyMismatch/.test((error as Error)?.message))) {
      console.error(
        `--cert ${certFile} and --key ${keyFile} are no certificate chain and its private key in PEM: ` +
          (error as Error).message,
      );
      Deno.exit(1);
    }
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    // The port below past the last: --port 65536 is refused.
    console.error(
      `Port ${port} is taken: stop what uses it, or pick another: ${again(port === 65535 ? 65534 : port + 1)}`,
    );
    Deno.exit(1);
  }
}
