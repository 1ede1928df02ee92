/**
 * examples/chat_udp.ts started wrong: a guest with no host to join, and a
 * second host on the port the first one holds. Each says what to do in one
 * line and exits with 1 (it said "the host is gone", and printed AddrInUse's
 * stack).
 *
 * @module
 */
import assert from "node:assert/strict";
import { freeUdpPort, run } from "./tools.ts";

const FLAGS = ["run", "--unstable-net", "--allow-net=127.0.0.1", "examples/chat_udp.ts"];

Deno.test("examples/chat_udp.ts: a guest whose input ends with no host to join says no host answered, and exits with 1", async () => {
  const port = freeUdpPort(); // free a moment ago: nothing answers there
  // run() gives no input: it ends at once, and the guest waits 2 s for a handshake before it leaves.
  const { success, output } = await run(Deno.execPath(), [...FLAGS, `127.0.0.1:${port}`, "ada"], { timeoutMs: 30_000 });
  assert.ok(!success, output);
  assert.equal(
    output,
    `joining 127.0.0.1:${port} as ada…\nno host answered at 127.0.0.1:${port} (in 2 s): start the host first\n`,
  );
});

Deno.test("examples/chat_udp.ts: a second host on port 7000 says it is taken in one line, and exits with 1", async () => {
  // The host's port is fixed at 7000: hold it here, unless something else already does, which serves as well.
  let held: Deno.DatagramConn | undefined;
  try {
    held = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 7000 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
  }
  try {
    const { success, output } = await run(Deno.execPath(), FLAGS, { timeoutMs: 30_000 });
    assert.ok(!success, output);
    assert.equal(
      output,
      "Port 7000 is taken: stop what uses it, or join it: deno run -A examples/chat_udp.ts 127.0.0.1:7000 ada\n",
    );
  } finally {
    held?.close();
  }
});
