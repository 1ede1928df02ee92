/**
 * A bot: a headless player that runs the browser's own code in Deno: it
 * enters its room through the lobby (lobby.js, over a WebSocket to /lobby,
 * as the page does), plays with the page's client (client.js, over a
 * WebSocket to /play with the lobby's ticket), and heads for the nearest
 * item. `deno task demo` starts two, and bench/arena.ts eight.
 *
 * @module
 */
// @ts-types="../../dist/mod.d.ts"
import { webSocket } from "../../dist/mod.js";
import { ArenaClient } from "./client.js";
import { DOWN, LEFT, MAX_PLAYERS, RIGHT, type Snapshot, UP } from "./game.js";
import { ArenaLobby } from "./lobby.js";

/** A running bot. */
export interface Bot {
  /** Its game client, once the lobby let it in. */
  readonly client: ArenaClient | undefined;
  /** Its connection to the lobby: it stays in the room while this stays open. */
  readonly lobby: ArenaLobby;
  /** The lobby's ticket, once it let the bot in. */
  readonly ticket: string | undefined;
  /** Resolves once the lobby let the bot into its room and its game connection is opening; rejects when refused. */
  readonly ready: Promise<void>;
  /** Frames it has played. */
  readonly frames: number;
  /** Leaves the game and the lobby. */
  stop(): void;
}

/** A browser draws about 60 frames a second: a bot plays as often, so it sends what a player sends. */
const FRAME_MS = 1000 / 60;

/** Closer than this to its target on an axis, a bot stops pressing that way: no jitter around the goal. */
const DEAD_ZONE_PX = 4;

/**
 * Starts a bot.
 *
 * @param url the arena's address, `http://127.0.0.1:8080/` (or `https://`: the bot then opens wss: WebSockets)
 * @param room the name of the room to enter (joined if the lobby lists one, opened if not)
 * @param name what the bot is called
 * @param options `after`: enter only once this settles (the bot before it entering), so that bots do not open a room
 *   twice; `httpClient`: the one its WebSockets go through (one that trusts the arena's certificate, over TLS);
 *   `ended`: called once with the reason when its game connection ends (not when `stop()` ends it)
 * @returns the bot, on its way in
 */
export function startBot(
  url: string,
  room: string,
  name: string,
  { after = Promise.resolve(), httpClient, ended }: {
    after?: Promise<unknown>;
    httpClient?: Deno.HttpClient;
    ended?: (reason: string) => void;
  } = {},
): Bot {
  const base = url.replace("http", "ws");
  const through = httpClient && { client: httpClient };
  const lobbySocket = new WebSocket(`${base}lobby`, through);
  /**
   * Why the lobby's WebSocket failed, if it did. Over TLS with a certificate for another name than the address dialled,
   * the bot said only "The lobby disconnected: closed"; this says "invalid peer certificate: certificate not valid for
   * name "127.0.0.1"" (2026-12-06).
   */
  let failure: string | undefined;
  lobbySocket.addEventListener("error", (event) => failure ??= (event as ErrorEvent).message);
  const lobby = new ArenaLobby(webSocket(lobbySocket));
  let client: ArenaClient | undefined;
  let ticket: string | undefined;
  let frames = 0;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  const ready = after.then(() => lobby.enter(room, MAX_PLAYERS)).then((admission) => {
    if (stopped) return;
    ticket = admission.ticket;
    const query = `ticket=${encodeURIComponent(ticket)}&name=${encodeURIComponent(name)}`;
    const playing = client = new ArenaClient(webSocket(new WebSocket(`${base}play?${query}`, through)));
    ticker = setInterval(() => {
      frames++;
      playing.frame(keysToward(playing));
      if (!playing.ended) return;
      clearInterval(ticker);
      ended?.(playing.ended);
    }, FRAME_MS);
  }).catch((error) => {
    throw failure ? new Error(failure) : error;
  });
  ready.catch(() => lobby.close()); // refused: nothing to keep open (the caller hears why from `ready`)
  return {
    get client() {
      return client;
    },
    lobby,
    get ticket() {
      return ticket;
    },
    ready,
    get frames() {
      return frames;
    },
    stop() {
      stopped = true;
      clearInterval(ticker);
      client?.close();
      lobby.close();
    },
  };
}

/** The keys that move the bot's player toward the nearest item. */
function keysToward(client: ArenaClient): number {
  const me = client.predicted;
  const items = client.newest?.items ?? [];
  if (!me || !items.length) return 0;
  const distance = ([x, y]: Snapshot["items"][number]) => Math.hypot(x - me.x, y - me.y);
  const [x, y] = items.reduce((a, b) => distance(b) < distance(a) ? b : a);
  return (x > me.x + DEAD_ZONE_PX ? RIGHT : 0) | (x < me.x - DEAD_ZONE_PX ? LEFT : 0) |
    (y > me.y + DEAD_ZONE_PX ? DOWN : 0) | (y < me.y - DEAD_ZONE_PX ? UP : 0);
}
