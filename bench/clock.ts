/**
 * `deno task bench:clock`: how well a peer knows the other Host's clock, and
 * how close to its time a timed message is delivered, on the issue's
 * asymmetric link: 50 ms one way each direction, with 0–30 ms of jitter from
 * the client to the server and 0–5 ms back, without loss and with 20% each
 * way, over 30 seeds. The server's clock runs 12,345 ms ahead of the client's.
 *
 * Clock: as state_test.ts's `clockErrors`. The client sends 20 snapshots a
 * second, the Hosts update every 16 ms; from 2 s to 4 s the bench reads, after
 * every update, |peer.clock.offsetMs − 12,345| (the error) and
 * peer.clock.errorMs (the bound the peer claims).
 *
 * Drift: the same link with the server's clock also running 50 or 100 parts
 * per million fast, from 10 to 30 minutes, idle but for keepalives (5 seeds).
 *
 * Timed delivery: after 2.5 s of traffic, the client sends one message a tick
 * for 2 s (reliable, the default mode; at 20% loss also unordered), each with `at` = now + 300 ms on its
 * clock. The Hosts update every 16 ms and the server polls every 1 ms, so a
 * delivery time is known to 1 ms. Lateness is the server's delivery time,
 * on the client's clock (the net's), minus `at`: below zero, early.
 *
 * A benchmark reports; it never fails the build.
 *
 * @module
 */
import { Host, memoryNet, type MessageEvent } from "../mod.ts";

const SEEDS = 30;
const SKEW_MS = 12_345;

/** Two Hosts on the asymmetric link; the server's clock runs SKEW_MS ahead, and `ppm` parts per million fast. */
function setUp(loss: number, seed: number, ppm = 0) {
  const net = memoryNet();
  net.link("client", "server", { latencyMs: 50, jitterMs: 30, loss, seed });
  net.link("server", "client", { latencyMs: 50, jitterMs: 5, loss, seed: seed + 1000 });
  const server = new Host(net.socket("server"), { now: () => net.now() * (1 + ppm * 1e-6) + SKEW_MS });
  const client = new Host(net.socket("client"));
  return { net, server, client, peer: client.connect("server") };
}

function clock(loss: number): { errors: number[]; bounds: number[]; misses: number } {
  const errors: number[] = [];
  const bounds: number[] = [];
  let misses = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const { net, server, client, peer } = setUp(loss, seed);
    for (let tick = 0; net.now() < 4000; tick++) {
      if (peer.state === "connected" && tick % 3 === 0) peer.send({ tick }, { mode: "state" }); // 20 Hz
      client.update();
      server.update();
      net.advance(16);
      while (server.poll() || client.poll());
      if (net.now() < 2000) continue;
      const error = Math.abs(peer.clock.offsetMs - SKEW_MS);
      errors.push(error);
      bounds.push(peer.clock.errorMs);
      if (error > peer.clock.errorMs) misses++;
    }
  }
  return { errors, bounds, misses };
}

/**
 * Clocks that run at rates `ppm` apart (quartz drifts by tens of ppm): the error after every update from 10 to 30
 * minutes, against the truth of the moment, over 5 seeds. Both Hosts idle but for their keepalives.
 */
function drift(loss: number, ppm: number): { errors: number[]; misses: number } {
  const errors: number[] = [];
  let misses = 0;
  for (let seed = 1; seed <= 5; seed++) {
    const { net, server, client, peer } = setUp(loss, seed, ppm);
    while (net.now() < 1_800_000) {
      client.update();
      server.update();
      net.advance(16);
      while (server.poll() || client.poll());
      if (net.now() < 600_000) continue;
      const error = Math.abs(peer.clock.offsetMs - (net.now() * ppm * 1e-6 + SKEW_MS));
      errors.push(error);
      if (error > peer.clock.errorMs) misses++;
    }
  }
  return { errors, misses };
}

function timed(loss: number, mode: "reliable" | "unordered"): { lateness: number[]; late: number; sent: number } {
  const lateness: number[] = [];
  let late = 0;
  let sent = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const { net, server, client, peer } = setUp(loss, seed);
    for (let ms = 0; net.now() < 5500; ms++) {
      const now = net.now();
      if (ms % 16 === 0) {
        if (peer.state === "connected" && ms % 48 === 0) {
          if (now >= 2500 && now < 4500) {
            peer.send(now + 300, { at: now + 300, mode }); // the message is its own intended time
            sent++;
          } else peer.send(0, { mode: "unreliable" }); // traffic for the clock
        }
        client.update();
        server.update();
      }
      net.advance(1);
      for (let event; (event = server.poll());) {
        if (event.type !== "message" || (event as MessageEvent).at === undefined) continue;
        lateness.push(net.now() - ((event as MessageEvent).data as number));
        if ((event as MessageEvent).late) late++;
      }
      while (client.poll());
    }
  }
  return { lateness, late, sent };
}

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
};
const ms = (value: number) => value.toFixed(2);

console.log(
  `Asymmetric link: 50 ms one way, jitter 0–30 ms client→server, 0–5 ms back; ${SEEDS} seeds; ms.\n`,
);
console.log("| loss | clock error p50 | p95 | max | errorMs (claimed bound) p50 | p95 | error over the bound |");
console.log("|--:|--:|--:|--:|--:|--:|--:|");
for (const loss of [0, 0.2]) {
  const { errors, bounds, misses } = clock(loss);
  console.log(
    `| ${loss * 100}% | ${ms(percentile(errors, 0.5))} | ${ms(percentile(errors, 0.95))} | ${
      ms(Math.max(...errors))
    } | ${ms(percentile(bounds, 0.5))} | ${ms(percentile(bounds, 0.95))} | ${misses} of ${errors.length} |`,
  );
}
console.log("\nDrift: the server's clock also runs fast by ppm; from 10 to 30 minutes, 5 seeds, idle peers.\n");
console.log("| drift | loss | clock error p50 | p95 | max | error over the bound |");
console.log("|--:|--:|--:|--:|--:|--:|");
for (const ppm of [0, 50, 100]) {
  for (const loss of [0, 0.2]) {
    const { errors, misses } = drift(loss, ppm);
    console.log(
      `| ${ppm} ppm | ${loss * 100}% | ${ms(percentile(errors, 0.5))} | ${ms(percentile(errors, 0.95))} | ${
        ms(errors.reduce((a, b) => Math.max(a, b)))
      } | ${misses} of ${errors.length} |`,
    );
  }
}
console.log(
  "\n| loss | mode | timed messages delivered | lateness p50 | p95 | max | min | over 10 ms early | flagged late |",
);
console.log("|--:|---|--:|--:|--:|--:|--:|--:|--:|");
for (const [loss, mode] of [[0, "reliable"], [0.2, "reliable"], [0.2, "unordered"]] as const) {
  const { lateness, late, sent } = timed(loss, mode);
  console.log(
    `| ${loss * 100}% | ${mode} | ${lateness.length} of ${sent} | ${ms(percentile(lateness, 0.5))} | ${
      ms(percentile(lateness, 0.95))
    } | ${ms(Math.max(...lateness))} | ${ms(Math.min(...lateness))} | ${
      lateness.filter((value) => value < -10).length
    } | ${late} |`,
  );
}
