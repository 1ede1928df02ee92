/**
 * How the arena FEELS on a bad link, measured in headless Chromium.
 *
 *     deno task bench:feel (deno run -A bench/arena_feel.ts) [--seconds 25] [--links 0/0,50/0.05,100/0.2,150/0.1] [--load] [--port 8090]
 *
 * Starts `examples/arena/server.ts` (two bots in room "demo") as a subprocess on 127.0.0.1, opens one page per link
 * (`?room=demo&name=ann&lag=…&loss=…`), holds ArrowRight 2 s / ArrowLeft 2 s, and records per animation frame what
 * `arena.view(now)` returned to page.js (wrapped on the instance: no change to the arena's files), every snapshot
 * added to the Timeline, and every prediction correction (the own position before and after a snapshot is applied).
 * `--load` burns 10 ms of every animation frame and 60 ms once a second in the page.
 *
 * The numbers in NOTES.md ("Playback" and "The arena", 2026-12-04) came from it, before and after the two fixes.
 *
 * @module
 */
// The page's side reads the arena's live objects, which have no types here.
// deno-lint-ignore-file no-explicit-any
import { parseArgs } from "node:util";
import { launchChromium } from "../e2e/chromium.ts";
import { built } from "../e2e/tools.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "25" },
    links: { type: "string", default: "0/0,50/0.05,100/0.2,150/0.1" },
    load: { type: "boolean", default: false },
    port: { type: "string", default: "8090" },
    extra: { type: "string", default: "" }, // more query
    "chrome-args": { type: "string", default: "" }, // e.g. "--disable-frame-rate-limit"
  },
});
const SECONDS = Number(args.values.seconds);
const SPEED = 200; // game.js SPEED_PX_PER_S
const port = Number(args.values.port);

await built();
const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-net=127.0.0.1", "--allow-read=.", "examples/arena/server.ts", "--port", String(port)],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
{
  const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  for (let text = ""; !text.includes("The arena is at");) text += (await reader.read()).value ?? "";
  (async () => { // keep draining
    while (!(await reader.read()).done);
  })();
}

const { browser, close } = await launchChromium({
  viewport: { width: 1040, height: 560 },
  args: [
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    ...args.values["chrome-args"].split(" ").filter(Boolean),
  ],
});

type Frame = {
  t: number;
  rt: number;
  known: boolean;
  newest: number;
  oldest: number;
  me?: [number, number];
  others: Record<string, [number, number]>;
  rtt?: number;
  loss?: number;
};
type Snap = { time: number; at: number; players: Record<string, [number, number]>; you: number };
type Correction = { at: number; dx: number; dy: number; near: number };

const INSTRUMENT = () => {
  const g = globalThis as any;
  const arena = g.arena;
  const rec = g.__rec = {
    frames: [] as Frame[],
    snaps: [] as Snap[],
    corrections: [] as Correction[],
    me120: [] as ([number, number] | undefined)[],
  };
  const times: number[] = [];
  const add = arena.timeline.add.bind(arena.timeline);
  let inReceive: Snap | undefined;
  arena.timeline.add = (time: number, snapshot: any) => {
    add(time, snapshot);
    times.push(time);
    times.sort((a, b) => a - b);
    if (times.length > arena.timeline.capacity) times.shift();
    const players: Record<string, [number, number]> = {};
    for (const [id, p] of Object.entries<any>(snapshot.players)) players[id] = [p.x, p.y];
    const snap = { time, at: performance.now(), players, you: snapshot.you };
    rec.snaps.push(snap);
    inReceive = snap;
  };
  let predicted = arena.predicted;
  Object.defineProperty(arena, "predicted", {
    get: () => predicted,
    set(value) {
      if (inReceive && predicted) {
        const mine = inReceive.players[inReceive.you];
        let near = Infinity;
        for (const [id, [x, y]] of Object.entries(inReceive.players)) {
          if (Number(id) !== inReceive.you) near = Math.min(near, Math.hypot(x - mine[0], y - mine[1]));
        }
        rec.corrections.push({ at: performance.now(), dx: value.x - predicted.x, dy: value.y - predicted.y, near });
      }
      inReceive = undefined;
      predicted = value;
    },
  });
  const view = arena.view.bind(arena);
  // A 120 Hz display's frames, sampled on a timer (headless Chromium draws at 60): the own player's drawn position.
  setInterval(() => {
    const me = view(performance.now()).me;
    rec.me120.push(me && [me.x, me.y]);
  }, 1000 / 120);
  arena.view = (now: number = performance.now(), ...rest: unknown[]) => {
    const v = view(now, ...rest);
    const others: Record<string, [number, number]> = {};
    for (const o of v.others) others[o.id] = [o.x, o.y];
    rec.frames.push({
      t: now,
      rt: arena.renderTime?.(now) ?? arena.server.remoteTime(now) - 100,
      known: Number.isFinite(arena.server.clock.errorMs),
      newest: times.at(-1) ?? NaN,
      oldest: times[0] ?? NaN,
      me: v.me && [v.me.x, v.me.y],
      others,
    });
    rec.frames.at(-1)!.rtt = arena.stats.rttMs;
    rec.frames.at(-1)!.loss = arena.stats.loss;
    return v;
  };
};

/** A Timeline over all recorded snapshots: the true position of `id` at server time `t` (undefined outside). */
function truth(snaps: Snap[], id: string, t: number): [number, number] | undefined {
  let i = 0;
  while (i < snaps.length && snaps[i].time < t) i++;
  if (i === 0 || i === snaps.length) return undefined;
  const a = snaps[i - 1], b = snaps[i];
  if (!a.players[id] || !b.players[id]) return undefined;
  const f = (t - a.time) / (b.time - a.time);
  return [
    a.players[id][0] + f * (b.players[id][0] - a.players[id][0]),
    a.players[id][1] + f * (b.players[id][1] - a.players[id][1]),
  ];
}

const pct = (values: number[], p: number) => {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))];
};

async function measure(lag: number, loss: number) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  if (args.values.load) {
    await page.addInitScript(() => {
      const g = globalThis as any;
      const burn = (ms: number) => {
        const end = performance.now() + ms;
        while (performance.now() < end);
      };
      const loop = () => (burn(10), g.requestAnimationFrame(loop));
      g.requestAnimationFrame(loop);
      setInterval(() => burn(60), 1000);
    });
  }
  await page.goto(`http://127.0.0.1:${port}/?room=demo&name=ann&lag=${lag}&loss=${loss}${args.values.extra}`);
  await page.waitForFunction(
    () =>
      (globalThis as any).arena?.predicted && (globalThis as any).arena?.server.clock
          .errorMs < Infinity,
    undefined,
    { timeout: 20_000 },
  );
  await page.waitForTimeout(1500); // the clock's first samples are in
  await page.evaluate(INSTRUMENT);
  const start = Date.now();
  for (let right = true; Date.now() - start < SECONDS * 1000; right = !right) {
    const key = right ? "ArrowRight" : "ArrowLeft";
    await page.keyboard.down(key);
    await page.waitForTimeout(2000);
    await page.keyboard.up(key);
  }
  const overlay = await page.evaluate(() => {
    const a = (globalThis as any).arena;
    return { rtt: a.stats.rttMs, loss: a.stats.loss, ended: a.ended };
  });
  const rec: { frames: Frame[]; snaps: Snap[]; corrections: Correction[]; me120: ([number, number] | undefined)[] } =
    await page.evaluate(() => (globalThis as any).__rec);
  await page.close();

  const frames = rec.frames.filter((f) => f.known);
  const snaps = [...rec.snaps].sort((a, b) => a.time - b.time);
  const ratios: number[] = [];
  const dts: number[] = [];
  let worst: { d: number; dt: number; rtStep: number; pastNewest: number; id: string } | undefined;
  let snapsCount = 0, steps = 0, frozen = 0, moving = 0, past = 0, before = 0;
  const meRatios: number[] = [];
  let meStill = 0, meDouble = 0;
  const meSteps: number[] = [];
  const errorsPx: number[] = [];
  for (let i = 1; i < frames.length; i++) {
    const [a, b] = [frames[i - 1], frames[i]];
    const dt = b.t - a.t;
    dts.push(dt);
    const allowed = SPEED * dt / 1000;
    if (i > 10 && b.rt > b.newest) past++; // the first frames: the bench's own list of times is still filling
    if (i > 10 && b.rt < b.oldest) before++;
    for (const id of Object.keys(b.others)) {
      if (!a.others[id]) continue;
      const d = Math.hypot(b.others[id][0] - a.others[id][0], b.others[id][1] - a.others[id][1]);
      steps++;
      ratios.push(d / allowed);
      if (d > 2 * allowed) snapsCount++;
      if (d > (worst?.d ?? 0)) worst = { d, dt, rtStep: b.rt - a.rt, pastNewest: b.rt - b.newest, id };
      // Really moving over this frame (on all snapshots that eventually arrived), yet drawn still: frozen.
      const [ta, tb] = [truth(snaps, id, a.rt), truth(snaps, id, b.rt)];
      if (ta && tb) {
        const trueD = Math.hypot(tb[0] - ta[0], tb[1] - ta[1]);
        if (trueD > 0.5 * allowed) {
          moving++;
          if (d < 0.05 * allowed) frozen++;
        }
        errorsPx.push(Math.hypot(b.others[id][0] - tb[0], b.others[id][1] - tb[1]));
      }
    }
    if (a.me && b.me) {
      const d = Math.hypot(b.me[0] - a.me[0], b.me[1] - a.me[1]);
      const atWall = (x: number) => x <= 18.5 || x >= 781.5;
      if (!atWall(a.me[0]) && !atWall(b.me[0])) {
        meSteps.push(d);
        meRatios.push(d / allowed);
        if (d < 0.05) meStill++;
        if (d > 1.6 * 200 / 60) meDouble++;
      }
    }
  }
  let still120 = 0, moving120 = 0;
  for (let i = 2; i < rec.me120.length; i++) {
    const [z, a, b] = [rec.me120[i - 2], rec.me120[i - 1], rec.me120[i]];
    if (!z || !a || !b || [z, a, b].some(([x]) => x <= 18.5 || x >= 781.5)) continue;
    if (Math.hypot(z[0] - b[0], z[1] - b[1]) < 1) continue; // not moving over these two samples
    moving120++;
    if (Math.hypot(a[0] - b[0], a[1] - b[1]) < 0.05) still120++;
  }
  const corrections = rec.corrections.map((c) => ({ ...c, size: Math.hypot(c.dx, c.dy) }));
  const alone = corrections.filter((c) => c.near > 60);
  const big = (list: typeof corrections, px: number) => list.filter((c) => c.size > px).length;
  return {
    link: `${lag}ms/${loss * 100}%`,
    frames: frames.length,
    fps: 1000 / pct(dts, 50),
    dtP99: pct(dts, 99),
    remote: {
      steps,
      ratioP50: pct(ratios, 50),
      ratioP95: pct(ratios, 95),
      ratioP99: pct(ratios, 99),
      ratioMax: pct(ratios, 100),
      snaps: snapsCount,
      movingFrames: moving,
      frozen,
      errP50: pct(errorsPx, 50),
      errP99: pct(errorsPx, 99),
    },
    worst,
    renderPastNewest: past / (frames.length - 1),
    renderBeforeOldest: before / (frames.length - 1),
    snapshots: snaps.length,
    snapGapP99: pct(snaps.slice(1).map((s, i) => s.time - snaps[i].time), 99),
    me: {
      frames: meSteps.length,
      stepP5: pct(meSteps, 5),
      stepP50: pct(meSteps, 50),
      stepP95: pct(meSteps, 95),
      stepMax: pct(meSteps, 100),
      ratioP50: pct(meRatios, 50),
      ratioP95: pct(meRatios, 95),
      still: meStill,
      double: meDouble,
      at120: { samples: moving120, still: still120 },
    },
    corrections: {
      n: corrections.length,
      alone: alone.length,
      aloneP50: pct(alone.map((c) => c.size), 50),
      aloneP99: pct(alone.map((c) => c.size), 99),
      aloneMax: pct(alone.map((c) => c.size), 100),
      aloneOver1px: big(alone, 1),
      aloneOver5px: big(alone, 5),
      nearOver5px: big(corrections.filter((c) => c.near <= 60), 5),
    },
    overlay,
    overlayOverRun: {
      rttP50: pct(frames.map((f) => f.rtt!), 50),
      lossMean: frames.reduce((sum, f) => sum + f.loss!, 0) / frames.length,
      lossP5: pct(frames.map((f) => f.loss!), 5),
      lossP95: pct(frames.map((f) => f.loss!), 95),
    },
    errors,
  };
}

try {
  for (const link of args.values.links.split(",")) {
    const [lag, loss] = link.split("/").map(Number);
    console.log(JSON.stringify(await measure(lag, loss)));
  }
} finally {
  await close();
  server.kill("SIGTERM");
  await server.status;
}
