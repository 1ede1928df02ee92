/**
 * One room's world, as the server keeps it: the only copy that counts.
 * Players' commands move them (with the same `move` the browsers predict
 * with), then the world settles what no single player decides: players who
 * overlap push each other apart, and items touched are scored.
 *
 * @module
 */
import {
  type Command,
  insideWalls,
  ITEM_COUNT,
  ITEM_RADIUS,
  move,
  PLAYER_RADIUS,
  type Snapshot,
  TICK_MS,
  WORLD_HEIGHT,
  WORLD_WIDTH,
} from "./game.js";

/** A player as the server keeps it: exact position, and what it knows of the player's commands. */
export interface Player {
  id: number;
  name: string;
  x: number;
  y: number;
  score: number;
  /** Its colour, 0 to 359 on the colour wheel. */
  hue: number;
  /** The sequence of the last command applied: sent back as `ack`, so the client replays only the rest. */
  lastCommand: number;
  /**
   * Milliseconds of movement the player may still spend. It grows with the
   * time that passes, up to COMMAND_BUDGET_MS: a client that claims more time
   * than has passed (a cheat, or a clock that runs fast) moves no faster.
   */
  budgetMs: number;
}

/**
 * A burst of commands may arrive at once after a lag spike: a second of them
 * is honoured, so a player whose link stalls for up to a second loses no
 * movement. With 250 ms, a key held through a stall of 600 ms lost 350 ms of
 * it (70 px), which the player's own screen took back in steps of up to 38
 * px; through a stall of 1 s, by up to 115 px (a review in Chromium,
 * 2026-12-06). What a lying client gains is the same second: at any moment it
 * has not spent it, moving or not, one message of 16 long commands spends it
 * in one tick, a jump of 200 px (50 px with 250 ms); to jump again it must
 * claim less time than passes, such as by standing still for a second.
 */
export const COMMAND_BUDGET_MS = 1000;

/** Colours go round the wheel by the golden angle, so any few players look different. */
const GOLDEN_ANGLE_DEGREES = 137.5;
/** Player hues run from 80 (green) round to 20 (red-orange): the yellow between is the items'. */
const PLAYER_HUES_FROM = 80;
const PLAYER_HUES = 300;

export class World {
  readonly players: Map<number, Player> = new Map();
  /** The items, each a position. */
  readonly items: { x: number; y: number }[] = [];
  /** Where players and items appear: a number from 0 to 1, as Math.random gives. */
  readonly random: () => number;
  #nextId = 1;

  constructor(random: () => number = Math.random) {
    this.random = random;
    for (let i = 0; i < ITEM_COUNT; i++) this.items.push(this.#somewhere(ITEM_RADIUS));
  }

  /** Adds a player at a free-looking random spot; returns it. */
  join(name: string): Player {
    const id = this.#nextId++;
    const player: Player = {
      id,
      name,
      ...this.#somewhere(PLAYER_RADIUS),
      score: 0,
      hue: Math.round(PLAYER_HUES_FROM + (id * GOLDEN_ANGLE_DEGREES) % PLAYER_HUES) % 360,
      lastCommand: -1,
      budgetMs: COMMAND_BUDGET_MS,
    };
    this.players.set(id, player);
    return player;
  }

  leave(id: number): void {
    this.players.delete(id);
  }

  /**
   * Applies a player's commands that are newer than the last one applied.
   * The client sends its recent unacknowledged commands in every message, so
   * most arrive several times: the sequence number keeps each to one go.
   */
  command(player: Player, commands: Command[]): void {
    for (const [sequence, keys, ms] of commands) {
      if (sequence <= player.lastCommand) continue;
      player.lastCommand = sequence;
      const spent = Math.min(ms, player.budgetMs);
      player.budgetMs -= spent;
      Object.assign(player, move(player, keys, spent));
    }
  }

  /**
   * One tick: players push apart, items are picked up, budgets refill by the
   * time since the last tick (which is TICK_MS only when the timer keeps time:
   * on a busy machine ticks come later, and players must not slow down).
   */
  step(elapsedMs: number = TICK_MS): void {
    const players = [...this.players.values()];
    for (let i = 0; i < players.length; i++) {
      const a = players[i];
      a.budgetMs = Math.min(COMMAND_BUDGET_MS, a.budgetMs + elapsedMs);
      for (let j = i + 1; j < players.length; j++) bump(a, players[j]);
    }
    for (const player of players) {
      for (const [index, item] of this.items.entries()) {
        if (Math.hypot(player.x - item.x, player.y - item.y) < PLAYER_RADIUS + ITEM_RADIUS) {
          player.score++;
          this.items[index] = this.#somewhere(ITEM_RADIUS);
        }
      }
    }
  }

  /** What player `you` is sent this tick. Positions are rounded to whole pixels: see `PlayerState`. */
  snapshot(you: Player): Snapshot {
    const players: Snapshot["players"] = {};
    for (const { id, name, x, y, score, hue } of this.players.values()) {
      players[id] = { name, x: Math.round(x), y: Math.round(y), score, hue };
    }
    return {
      players,
      items: this.items.map(({ x, y }) => [Math.round(x), Math.round(y)]),
      you: you.id,
      ack: you.lastCommand, // last: its width grows as it counts, and bytes after it would all shift
    };
  }

  /** A random position at least `radius` from the walls. */
  #somewhere(radius: number): { x: number; y: number } {
    return {
      x: radius + this.random() * (WORLD_WIDTH - 2 * radius),
      y: radius + this.random() * (WORLD_HEIGHT - 2 * radius),
    };
  }
}

/** Two overlapping players are pushed apart, each half the overlap, along the line between their centres. */
function bump(a: Player, b: Player): void {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const distance = Math.hypot(dx, dy);
  const overlap = 2 * PLAYER_RADIUS - distance;
  if (overlap <= 0) return;
  // Exactly on top of each other: any direction will do, so push along x.
  const [nx, ny] = distance > 0 ? [dx / distance, dy / distance] : [1, 0];
  Object.assign(a, insideWalls(a.x - nx * overlap / 2, a.y - ny * overlap / 2));
  Object.assign(b, insideWalls(b.x + nx * overlap / 2, b.y + ny * overlap / 2));
}
