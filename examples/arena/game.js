// @ts-check
/**
 * The arena's rules that both sides run: the server to decide where everyone
 * is, the browser to predict where its own player will be before the server
 * says so. One copy of `move` on both sides is what makes a prediction right:
 * the server's answer then differs only where someone bumped into you.
 *
 * Plain JavaScript with JSDoc types, so the browser loads it as it is (no
 * build step) and `deno check` still checks it (the `@ts-check` above).
 *
 * @module
 */

/** The arena's size in pixels; the canvas is drawn at this size. */
export const WORLD_WIDTH = 800;
export const WORLD_HEIGHT = 480;

/** The server steps the world and sends it 30 times a second: a snapshot every 33 ms. */
export const TICK_HZ = 30;
export const TICK_MS = 1000 / TICK_HZ;

/** A player is a circle of this radius, in pixels. */
export const PLAYER_RADIUS = 18;
/** Pixels per second: 4 s to cross the arena, slow enough to watch a prediction being corrected. */
export const SPEED_PX_PER_S = 200;
/** An item is a smaller circle; touching one scores a point and it appears somewhere else. */
export const ITEM_RADIUS = 7;
/** Items in the arena at once. */
export const ITEM_COUNT = 5;

/**
 * Players in one room at most: the arena is 800 × 480 pixels, and 16 circles
 * of 18 px fill it enough. A page opens a lobby room for this many.
 */
export const MAX_PLAYERS = 16;

/**
 * The longest one command may last. A browser tab that was hidden resumes with
 * a long gap between frames: the player should not jump across the arena.
 */
export const MAX_COMMAND_MS = 100;

/** Keys held, as bits of one number: an input packs in one byte. */
export const UP = 1;
export const DOWN = 2;
export const LEFT = 4;
export const RIGHT = 8;

/**
 * One frame of input, as the client sends it: its number (to be acknowledged
 * by the server), the keys held, and for how many whole milliseconds.
 *
 * @typedef {[sequence: number, keys: number, ms: number]} Command
 */

/**
 * A player as the server sends it. Positions are whole pixels: an integer
 * packs in 1 to 3 bytes, a fraction in 9.
 *
 * @typedef {{ name: string, x: number, y: number, score: number, hue: number }} PlayerState
 */

/**
 * What the server sends each player 30 times a second, in the `"state"` mode:
 * every player by id, the items, who you are, and the last of your commands
 * it applied (`ack`), from which you replay the rest.
 *
 * @typedef {{ players: Record<string, PlayerState>, items: [x: number, y: number][], you: number, ack: number }} Snapshot
 */

/**
 * Where a player at (`x`, `y`) ends up after holding `keys` for `ms`,
 * stopped by the walls. Diagonals go at the same speed as straight lines.
 *
 * @param {{ x: number, y: number }} position where it starts
 * @param {number} keys the keys held (UP | DOWN | LEFT | RIGHT)
 * @param {number} ms for how long, in milliseconds
 * @returns {{ x: number, y: number }} where it ends
 */
export function move(position, keys, ms) {
  let dx = (keys & RIGHT ? 1 : 0) - (keys & LEFT ? 1 : 0);
  let dy = (keys & DOWN ? 1 : 0) - (keys & UP ? 1 : 0);
  if (dx && dy) (dx *= Math.SQRT1_2), (dy *= Math.SQRT1_2);
  const step = SPEED_PX_PER_S * Math.min(ms, MAX_COMMAND_MS) / 1000;
  return insideWalls(position.x + dx * step, position.y + dy * step);
}

/**
 * The nearest position to (`x`, `y`) where a whole player fits in the arena.
 *
 * @param {number} x
 * @param {number} y
 * @returns {{ x: number, y: number }}
 */
export function insideWalls(x, y) {
  return {
    x: Math.min(WORLD_WIDTH - PLAYER_RADIUS, Math.max(PLAYER_RADIUS, x)),
    y: Math.min(WORLD_HEIGHT - PLAYER_RADIUS, Math.max(PLAYER_RADIUS, y)),
  };
}
