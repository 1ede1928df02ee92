/**
 * examples/udp_game.ts as the README runs it: a server and two players, each
 * its own Deno process over UDP on 127.0.0.1. Each player says hello and hears
 * the other's hello through the server, prints the other where its Timeline
 * draws it, and leaves after 5 s; the server hears both leave as "closed".
 *
 * @module
 */
import assert from "node:assert/strict";
import { freeUdpPort, root, run } from "./tools.ts";

Deno.test("examples/udp_game.ts: two players see each other move and hear each other's hello", async () => {
  const port = freeUdpPort();
  const flags = ["run", "--unstable-net", "--allow-net=127.0.0.1", "examples/udp_game.ts"];
  // The server runs until it is killed, once the players have left.
  const stop = new AbortController();
  const server = new Deno.Command(Deno.execPath(), {
    args: [...flags, String(port)],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: stop.signal,
  }).output();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const [ann, bob] = await Promise.all(
    ["ann", "bob"].map((name) => run(Deno.execPath(), [...flags, `127.0.0.1:${port}`, name], { timeoutMs: 30_000 })),
  );
  await new Promise((resolve) => setTimeout(resolve, 500)); // for the goodbyes
  stop.abort();
  const { stdout, stderr } = await server;
  const served = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.ok(ann.success && bob.success, `a player failed:\n${ann.output}\n${bob.output}`);
  for (const [name, other, { output }] of [["ann", "bob", ann], ["bob", "ann", bob]] as const) {
    assert.match(output, new RegExp(`^${name} heard: p\\d says hello, ${other} here$`, "m"), output);
    // Moving 2 a frame, the other is drawn 100 ms in the past somewhere along its way, never at 0.
    assert.match(output, new RegExp(`^${name} at \\d+; sees p\\d at (?!0\\.0)\\d+\\.\\d$`, "m"), output);
    assert.doesNotMatch(output, /disconnected/, output);
    assert.match(served, new RegExp(`^p\\d says "hello, ${name} here"$`, "m"), served);
  }
  assert.equal(served.match(/^p\d left \(closed\)$/gm)?.length, 2, served);
});
