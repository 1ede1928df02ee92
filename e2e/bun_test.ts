/**
 * Bun runs dist/mod.js: two Hosts over bunUdp on 127.0.0.1, with the npm
 * package `bun` (it ships Bun's binary), installed into e2e/bun/ on first
 * use. Skipped, with one line saying why, when it cannot be installed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { available, built, npmInstalled, root, run } from "./tools.ts";
import { MODES } from "./exchange.mjs";

const bun = `${root}e2e/bun/node_modules/.bin/bun`;
const missing = await npmInstalled("e2e/bun") ?? (await available(bun) ? undefined : "its binary does not run here");
if (missing) console.log(`SKIPPED the Bun test (npm package bun): ${missing}`);

Deno.test({
  name: "Bun runs dist/mod.js: two Hosts over bunUdp exchange every mode, and a Host.close() is heard as closed",
  ignore: Boolean(missing),
  async fn() {
    await built();
    const { success, output } = await run(bun, ["e2e/bun/udp.mjs"], { timeoutMs: 30_000 });
    assert.ok(success, output);
    const { runtime: _, ...result } = JSON.parse(output.trim().split("\n").at(-1)!);
    assert.deepEqual(result, { echoed: [...MODES].sort(), bigBytes: 5000, serverHeard: "closed", malformed: true });
  },
});

Deno.test({
  name:
    "Bun runs dist/mod.js: Bun.serve's websocket handlers into webSocketServer exchange every mode, and after its Host closed each WebSocket is closed at once",
  ignore: Boolean(missing),
  async fn() {
    await built();
    const { success, output } = await run(bun, ["e2e/bun/websocket.mjs"], { timeoutMs: 30_000 });
    assert.ok(success, output);
    const lines = output.trim().split("\n");
    assert.equal(lines.length, 1, output); // Bun logged nothing besides the result
    const { runtime: _, ...result } = JSON.parse(lines[0]);
    const exchanged = { echoed: [...MODES].sort(), bigBytes: 5000, serverHeard: "closed", resent: 0 };
    assert.deepEqual(result, {
      accept: exchanged,
      message: exchanged,
      afterClose: { accept: "closed", message: "closed" },
    });
  },
});

for (const adapter of ["bunUdp", "nodeUdp"]) {
  Deno.test({
    name:
      `Bun runs dist/mod.js: an ICMP port unreachable from a port just closed fails no datagram to another peer over ${adapter}`,
    ignore: Boolean(missing),
    async fn() {
      // Bun turns IP_RECVERR on, for node:dgram too: the ICMP for a datagram to a closed port failed the socket's next
      // send, whoever it was to, and the adapter dropped that one (a review, 2026-12-05: a quarter of the packets to
      // the player after one gone, until that one timed out; here 20 of 40). Such a send is tried once more.
      await built();
      const { success, output } = await run(bun, ["e2e/bun/icmp.mjs", adapter], { timeoutMs: 30_000 });
      assert.ok(success, output);
      const { runtime: _, hostSocketErrors, ...result } = JSON.parse(output.trim().split("\n").at(-1)!);
      assert.deepEqual(result, { received: 40, socketErrors: 0, adapter });
      // Bun reports each bounce to a bunUdp socket's error handler, with the error alone: the Host counts them (it
      // counted none while bunUdp read the error as a second argument, a review, 2026-12-05). Bun's node:dgram: none.
      if (adapter === "bunUdp") assert.ok(hostSocketErrors >= 10, `${hostSocketErrors} bounces counted of 20`);
    },
  });
}
