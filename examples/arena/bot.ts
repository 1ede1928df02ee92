/**
 * A bot: a headless player that runs the browser's own client (client.js)
 * in Deno, over a WebSocket like any player, and heads for the nearest item.
 * `deno task demo` starts two, and bench/arena.ts eight.
 *
 * @module
 */
// @ts-types="../../dist/mod.d.ts"
import { webSocket } from "../../dist/mod.js";
import { ArenaClient } from "./client.js";
import { DOWN, LEFT, RIGHT, UP } from "./game.js";

/** A running bot. */
export interface Bot {
  readonly client: ArenaClient;
  /** Frames it has played. */
  readonly frames: number;
  /** Leaves the game. */
  stop(): void;
}

/** A browser draws about 60 frames a second: a bot plays as often, so it sends what a player sends. */
const FRAME_MS = 1000 / 60;

/** Closer than this to its target on an axis, a bot stops pressing that way: no jitter around the goal. */
const DEAD_ZONE_PX = 4;

/**
 * Starts a bot.
 *
 * @param url the server's WebSocket address, `ws://127.0.0.1:8080/play?room=demo&name=bot`
 * @returns the bot, already playing
 */
export function startBot(url: string): Bot {
  const client = new ArenaClient(webSocket(new WebSocket(url)));
  let frames = 0;
  const ticker = setInterval(() => {
    frames++;
    client.frame(keysToward(client));
    if (client.ended) clearInterval(ticker);
  }, FRAME_MS);
  return {
    client,
    get frames() {
      return frames;
    },
    stop() {
      clearInterval(ticker);
      client.close();
    },
  };
}

/** The keys that move the bot's player toward the nearest item. */
function keysToward(client: ArenaClient): number {
  const me = client.predicted;
  const items = client.newest?.items ?? [];
  if (!me || !items.length) return 0;
  const distance = ([x, y]: [number, number]) => Math.hypot(x - me.x, y - me.y);
  const [x, y] = items.reduce((a, b) => distance(b) < distance(a) ? b : a);
  return (x > me.x + DEAD_ZONE_PX ? RIGHT : 0) | (x < me.x - DEAD_ZONE_PX ? LEFT : 0) |
    (y > me.y + DEAD_ZONE_PX ? DOWN : 0) | (y < me.y - DEAD_ZONE_PX ? UP : 0);
}
