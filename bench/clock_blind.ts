/**
 * Where clock sync got no sample (a review, 2026-12-06), and since then does. Clock frames ride in room a packet has
 * left (37 bytes at most); until 2026-12-06 they never went in a packet of their own, and now they do after an
 * update's packets when every one was too full for them (see README "Clock sync"). Two cases, on memoryNet's virtual
 * clock:
 *
 * 1. A message that fills a packet every update: the sender's packets never have 37 bytes left, so it neither asked nor
 *    answered. Sizes of a "state" of random bytes (it goes whole), one every 16 ms update, 30 ms each way, swept: those
 *    after which neither side has a sample at 3 s (before the fix: 1,136 to 1,164 and 2,308 to 2,340; now none).
 * 2. A peer that sends nothing while it is sent more than ACK_EVERY_PACKETS (16) packets between its acks: it acks at
 *    once, and its quiet never reaches the ack delay. Those acks carried no clock frames until 2026-12-06 (no sample
 *    in 20 s); now they do. A LAN (1 ms each way), a "state" of n KB every 60 Hz update to a passive client; then the
 *    same client sending a small message each update.
 *
 * `deno run -A bench/clock_blind.ts`
 *
 * @module
 */
import { Host, memoryNet } from "../mod.ts";

const bands: [number, number][] = [[1_100, 1_200], [2_280, 2_380]];
for (const [from, to] of bands) {
  const never: number[] = [];
  for (let size = from; size <= to; size += 4) {
    const net = memoryNet({ latencyMs: 30 });
    const server = new Host(net.socket("server"));
    const client = new Host(net.socket("client"));
    const peer = client.connect("server");
    const blob = new Uint8Array(size);
    let seed = size;
    for (let frame = 0; frame < 190; frame++) {
      for (let i = 0; i < size; i++) blob[i] = (seed = (Math.imul(seed, 1664525) + 1013904223) | 0) >>> 24;
      for (const other of server.peers) other.send(blob, { mode: "state" });
      server.update();
      client.update();
      net.advance(16);
      while (server.poll());
      while (client.poll());
    }
    if (peer.clock.errorMs === Infinity && server.peers[0]?.clock.errorMs === Infinity) never.push(size);
  }
  console.log(
    `a state of ${from} to ${to} B every update (step 4): no sample at 3 s for ${never.join(", ") || "none"}`,
  );
}

// Case 1 with the client sending a message each update too, a 1,150-byte state every 1st, 2nd or 3rd update.
for (const every of [1, 2, 3]) {
  const net = memoryNet({ latencyMs: 30 });
  const server = new Host(net.socket("server"));
  const client = new Host(net.socket("client"));
  const peer = client.connect("server");
  const blob = new Uint8Array(1_150);
  let seed = 1;
  for (let frame = 0; frame < 60 * 10; frame++) {
    if (frame % every == 0) {
      for (let i = 0; i < blob.length; i++) blob[i] = (seed = (Math.imul(seed, 1664525) + 1013904223) | 0) >>> 24;
      for (const other of server.peers) other.send(blob, { mode: "state" });
    }
    if (peer.state === "connected") peer.send(frame, { mode: "unreliable" });
    server.update();
    client.update();
    net.advance(16);
    while (server.poll());
    while (client.poll());
  }
  console.log(
    `a state of 1150 B every ${every} update(s), the client sending a message each update: after 10 s errorMs ${
      peer.clock.errorMs.toFixed(1)
    } (client), ${server.peers[0].clock.errorMs.toFixed(1)} (server)`,
  );
}

for (const sends of [false, true]) {
  for (const kb of [10, 12, 16]) {
    const net = memoryNet({ latencyMs: 1 });
    const server = new Host(net.socket("server"));
    const client = new Host(net.socket("client"));
    const peer = client.connect("server");
    const floats = kb * 1024 / 9 | 0; // a float64 packs in 9 bytes
    const world = { xs: Array.from({ length: floats }, (_, i) => i + 0.5) };
    let most = 0;
    for (let frame = 0; frame < 60 * 20; frame++) {
      for (let i = 0; i < floats; i++) world.xs[i] += 0.37; // every number moves: the delta is about the whole state
      for (const other of server.peers) other.send(world, { mode: "state" });
      if (sends && peer.state === "connected") peer.send(frame, { mode: "unreliable" }); // its input, say
      const before = server.stats.packetsSent;
      server.update();
      client.update();
      most = Math.max(most, server.stats.packetsSent - before);
      net.advance(1000 / 60);
      while (server.poll());
      while (client.poll());
    }
    console.log(
      `a state of ${kb} KB every update on a 1 ms link, up to ${most} packets an update, the client ${
        sends ? "sending a message each update" : "sending nothing"
      }: after 20 s errorMs ${peer.clock.errorMs.toFixed(1)} (client), ${
        server.peers[0].clock.errorMs.toFixed(1)
      } (server)`,
    );
  }
}
