/**
 * The arena's server: one Deno process serves the page and its modules over
 * HTTP, takes each player's WebSocket at /play into one jamnet Host, steps
 * every room's world 30 times a second and sends each player the world in
 * the `"state"` mode (a delta against the last snapshot that player
 * acknowledged).
 *
 *     deno task demo                  # 127.0.0.1:8080, two bots in room "demo"
 *     deno run --allow-net=127.0.0.1 --allow-read=. examples/arena/server.ts --port 8081 --bots 0
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Host, type Peer, webSocketServer } from "../../mod.ts";
import { type Command, TICK_MS } from "./game.js";
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
  /** Where join and leave lines go (default console.log; `() => {}` for none). */
  log?: (line: string) => void;
}

/** A running arena. */
export interface Arena {
  /** The page's address, `http://127.0.0.1:8080/`. */
  readonly url: string;
  readonly host: Host;
  readonly rooms: Rooms;
  /** Starts a bot: a headless client of this server, over a WebSocket like any player. */
  addBot(room: string, name: string): Bot;
  /** Stops the bots, says goodbye to every player and stops serving. */
  close(): Promise<void>;
}

/** The files the page loads, by URL path: only these are served. */
const FILES: Record<string, string> = {
  "/": "examples/arena/index.html",
  "/examples/arena/page.js": "examples/arena/page.js",
  "/examples/arena/client.js": "examples/arena/client.js",
  "/examples/arena/game.js": "examples/arena/game.js",
  "/dist/mod.js": "dist/mod.js",
  "/dist/mod.js.map": "dist/mod.js.map",
};
const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  map: "application/json",
};
const root = new URL("../../", import.meta.url);

/** A command longer than this is not from our client: see MAX_COMMANDS_PER_MESSAGE and MAX_COMMAND_MS. */
const MAX_COMMANDS_PER_MESSAGE = 16;
const MAX_COMMAND_MS = 1000;

/** True for what client.js sends: a list of `[sequence, keys, ms]` commands. Anything else is ignored. */
function isCommands(data: unknown): data is Command[] {
  return Array.isArray(data) && data.length <= MAX_COMMANDS_PER_MESSAGE &&
    data.every((command) =>
      Array.isArray(command) && command.length === 3 && Number.isSafeInteger(command[0]) &&
      Number.isInteger(command[1]) && Number.isFinite(command[2]) && command[2] >= 0 && command[2] <= MAX_COMMAND_MS
    );
}

/**
 * Starts the arena: the HTTP server, the Host and the 30 Hz loop.
 *
 * @param options where to listen, the bots, the limits of rooms
 * @returns the running arena, once it listens
 */
export async function startArena(options: ArenaOptions = {}): Promise<Arena> {
  const log = options.log ?? console.log;
  const rooms = new Rooms(options);
  const sockets = webSocketServer();
  const host = new Host(sockets);
  /** Who asked for which room, by the address their WebSocket was accepted at, until the Host says "connect". */
  const joining = new Map<string, { room: string; name: string }>();

  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const http = Deno.serve(
    { hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 8080, onListen: resolve },
    async (request, info) => {
      const url = new URL(request.url);
      if (url.pathname === "/play") {
        // A player: `/play?room=demo&name=ann`, upgraded into the Host's socket.
        const room = url.searchParams.get("room") ?? "demo";
        const name = (url.searchParams.get("name") ?? "").trim().slice(0, 16) || "player";
        const refused = rooms.check(room);
        if (refused) return new Response(refused, { status: 400 });
        if (request.headers.get("upgrade") !== "websocket") {
          return new Response("/play takes a WebSocket", { status: 426 });
        }
        const address = `${info.remoteAddr.hostname}:${info.remoteAddr.port}`; // read before the upgrade
        const { socket, response } = Deno.upgradeWebSocket(request);
        joining.set(address, { room, name });
        socket.addEventListener("close", () => joining.delete(address)); // gone before its handshake finished
        sockets.accept(socket, address);
        return response;
      }
      if (url.pathname === "/rooms") return Response.json(rooms.list());
      const file = FILES[url.pathname];
      if (!file) return new Response("Not found", { status: 404 });
      return new Response(await Deno.readFile(new URL(file, root)), {
        headers: { "content-type": CONTENT_TYPES[file.slice(file.lastIndexOf(".") + 1)] },
      });
    },
  );
  const address = await listening;
  const url = `http://${address.hostname}:${address.port}/`;

  /** A player's WebSocket finished jamnet's handshake: seat it in the room it asked for. */
  function connected(peer: Peer): void {
    const wanted = joining.get(peer.address);
    joining.delete(peer.address);
    if (!wanted) return peer.disconnect();
    try {
      const [room, player] = rooms.join(wanted.room, wanted.name, peer);
      log(`${player.name} (#${player.id}) joined room ${room.name}: ${room.members.size} playing`);
    } catch (error) {
      log(`${wanted.name} could not join: ${(error as Error).message}`);
      peer.disconnect(); // the room filled between the request and the handshake
    }
  }

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
        if (seat && isCommands(event.data)) seat[0].world.command(seat[1], event.data);
      } else {
        joining.delete(event.peer.address);
        const seat = rooms.leave(event.peer);
        if (seat) log(`${seat[1].name} (#${seat[1].id}) left room ${seat[0].name} (${event.reason})`);
      }
    }
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
  const arena: Arena = {
    url,
    host,
    rooms,
    addBot(room, name) {
      const bot = startBot(`${url.replace("http", "ws")}play?room=${room}&name=${encodeURIComponent(name)}`);
      bots.push(bot);
      return bot;
    },
    async close() {
      for (const bot of bots) bot.stop();
      clearInterval(ticker);
      host.close();
      await http.shutdown();
    },
  };
  for (let i = 1; i <= (options.bots ?? 0); i++) arena.addBot("demo", `bot ${i}`);
  return arena;
}

if (import.meta.main) {
  const args = parseArgs({ args: Deno.args, options: { port: { type: "string" }, bots: { type: "string" } } });
  const port = Number(args.values.port ?? 8080);
  const bots = Number(args.values.bots ?? 2);
  try {
    const arena = await startArena({ port, bots });
    console.log(`The arena is at ${arena.url} (room "demo" has ${bots} bots; ?room=name for another room)`);
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    console.error(`Port ${port} is taken: stop what uses it, or pick another: deno task demo --port 8081`);
    Deno.exit(1);
  }
}
