// `deno run -A bench/timed.ts [AHEAD_MS] [MODE] [EVERY_MS] [BESIDE_MS] [MODULE]`: how late a timed chord comes at
// loss (README, Timed delivery: "A lost packet costs a timed message what it costs any other"). bench:clock's link on
// memoryNet: 50 ms one way, 0 to 30 ms of jitter from the client to the server and 0 to 5 ms back, 20% loss each way
// (seed and seed + 1000), the server's clock 12,345 ms ahead; 10 seeds of 10 s. From 2.5 s to 9 s the client sends the
// chord of three notes every EVERY_MS (480), `at` its clock now + AHEAD_MS (200), in MODE (reliable); with BESIDE_MS
// (default 0: none) also an unreliable message of one byte every BESIDE_MS, as a game's inputs. Hosts update every 16 ms,
// the server polls every 1 ms. Lateness is when the server delivered a note (on the client's clock) minus `at`. Prints
// the notes delivered, how many came flagged `late`, lateness p50, p95 and max; then the same chord without loss on a
// path of 120 ms one way and 20 back (both ways round), where the clock reads the offset off by half the difference.
import type { LinkOptions, MessageEvent } from "../mod.ts";

const { Host, memoryNet } = await import(
  Deno.args[4] ? new URL(Deno.args[4], `file://${Deno.cwd()}/`).href : "../mod.ts"
) as typeof import("../mod.ts");
const ahead = Number(Deno.args[0] ?? 200);
const mode = (Deno.args[1] ?? "reliable") as "reliable" | "unordered" | "unreliable";
const every = Number(Deno.args[2] ?? 480);
const beside = Number(Deno.args[3] ?? 0);
const SEEDS = 10;
const SKEW_MS = 12_345;

function run(up: LinkOptions, down: LinkOptions) {
  const lateness: number[] = [];
  let late = 0, sent = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const net = memoryNet();
    net.link("client", "server", { ...up, seed });
    net.link("server", "client", { ...down, seed: seed + 1000 });
    const server = new Host(net.socket("server"), { now: () => net.now() + SKEW_MS });
    const client = new Host(net.socket("client"));
    const peer = client.connect("server");
    for (let ms = 0; ms < 10_000; ms++) {
      if (ms % 16 === 0) {
        if (ms >= 2500 && ms <= 9000 && ms % every === 0) {
          const at = net.now() + ahead;
          for (const note of [60, 64, 67]) peer.send({ note, at }, { at, mode }), sent++;
        }
        if (beside && ms % beside === 0 && peer.state === "connected") peer.send(0, { mode: "unreliable" });
        client.update();
        server.update();
      }
      net.advance(1);
      while (client.poll());
      for (let event; (event = server.poll());) {
        if (event.type !== "message" || (event as MessageEvent).at === undefined) continue;
        lateness.push(net.now() - ((event as MessageEvent).data as { at: number }).at);
        if ((event as MessageEvent).late) late++;
      }
    }
  }
  const sorted = lateness.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
  return `${lateness.length} of ${sent} notes, ${late} flagged late (${(100 * late / lateness.length).toFixed(1)}%); ` +
    `lateness p50 ${at(0.5)} ms, p95 ${at(0.95)}, max ${sorted.at(-1)}, min ${sorted[0]}`;
}

const besides = beside ? `, an unreliable byte every ${beside} ms beside` : ", nothing beside";
console.log(`chord every ${every} ms, at now + ${ahead} ms, ${mode}${besides}`);
console.log(
  `  50 ms one way, 20% loss: ${
    run({ latencyMs: 50, jitterMs: 30, loss: 0.2 }, { latencyMs: 50, jitterMs: 5, loss: 0.2 })
  }`,
);
console.log(`  120 ms client to server, 20 back: ${run({ latencyMs: 120 }, { latencyMs: 20 })}`);
console.log(`  20 ms client to server, 120 back: ${run({ latencyMs: 20 }, { latencyMs: 120 })}`);
