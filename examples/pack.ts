/**
 * Packs a game's world state with jamnet, shows its size beside JSON, and
 * reads it back. Run: `deno run examples/pack.ts`
 *
 * @module
 */
import { pack, unpack } from "../mod.ts";

const world = {
  tick: 1234,
  players: [
    { id: 1, name: "ada", x: 12.5, y: -3.25, hp: 100, keys: [1, 0, 1, 1] },
    { id: 2, name: "lin", x: 40, y: 8.75, hp: 64, keys: [0, 0, 1, 0] },
  ],
  startedAt: new Date(Date.UTC(2026, 10, 24, 12)),
  tiles: Uint8Array.of(0, 1, 1, 2, 0, 3),
};

const bytes = pack(world);
const json = new TextEncoder().encode(JSON.stringify(world));
console.log(`pack: ${bytes.length} bytes, JSON: ${json.length} bytes`);

const back = unpack(bytes) as typeof world;
console.log(back.players[1].name, back.players[1].x, back.startedAt.toISOString(), back.tiles);
if (back.players[0].y !== -3.25 || back.tiles[5] !== 3) throw new Error("round trip changed the world");
