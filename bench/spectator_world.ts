// A world for bench/spectator_*.ts: n entities, 10% of them moving each tick.
import { pack } from "../mod.ts";
// A world of n entities; 10% move each tick. Floats from the start, so widths stay steady.
export function makeWorld(n: number, seed = 1) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const entities = Array.from(
    { length: n },
    (_, i) => ({ id: i, x: rnd() * 1000 + 0.5, y: rnd() * 1000 + 0.5, a: rnd() * 6 + 0.01, hp: 100 }),
  );
  const world = { tick: 0, entities };
  return {
    world,
    step() {
      world.tick++;
      for (let k = 0; k < Math.ceil(n / 10); k++) {
        const e = entities[Math.floor(rnd() * n)];
        e.x += rnd() - 0.5 + 0.001;
        e.y += rnd() - 0.5 + 0.001;
      }
    },
  };
}
if (import.meta.main) { for (const n of [64, 500]) console.log(n, pack(makeWorld(n).world).length); }
