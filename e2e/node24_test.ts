/**
 * Node 24 runs mod.ts and osc.ts as they are: Node strips the types of a .ts
 * file and runs it, with no build and no tsconfig, and refuses TypeScript that
 * is more than types (parameter properties, enums, namespaces). A game that
 * copied the one file into a Node project runs it so; and Node's own
 * WebSocket (global since Node 22) works with `webSocket`, where Node 20 needs
 * the ws package's. Node 24 comes from the
 * npm package `node` (it ships the binary), installed into e2e/node24/ on
 * first use. Skipped, with one line saying why, when it cannot be installed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { available, npmInstalled, root, run } from "./tools.ts";
import { MODES } from "./exchange.mjs";

const node24 = `${root}e2e/node24/node_modules/.bin/node`;
const missing = await npmInstalled("e2e/node24") ??
  (await available(node24) ? undefined : "its binary does not run here");
if (missing) console.log(`SKIPPED the Node 24 test (npm package node): ${missing}`);

/** Runs `script` (from e2e/node24/) under Node 24; returns the JSON line it printed, less its `runtime`, checked. */
async function underNode24(script: string): Promise<Record<string, unknown>> {
  const { success, output } = await run(node24, [`e2e/node24/${script}`], { timeoutMs: 30_000 });
  assert.ok(success, output);
  const { runtime, ...result } = JSON.parse(output.split("\n").findLast((line) => line.startsWith("{")) ?? "{}");
  assert.match(runtime, /^v24\./);
  return result;
}

Deno.test({
  name: "Node 24 runs mod.ts and osc.ts by type stripping: every mode over nodeUdp, a close heard, OSC and pack",
  ignore: Boolean(missing),
  async fn() {
    assert.deepEqual(await underNode24("copied.ts"), {
      echoed: [...MODES].sort(),
      bigBytes: 5000,
      serverHeard: "closed",
      osc: { address: "/player/1", types: "ifs", args: [1, 0.5, "run"] },
      packed: { x: 1.5, name: "ada", tags: [1, 2] },
    });
  },
});

Deno.test({
  name:
    "Node 24's own WebSocket (webSocket) and a ws server (webSocketServer), mod.ts as it is: every mode, no resends",
  ignore: Boolean(missing),
  async fn() {
    assert.deepEqual(await underNode24("websocket.mjs"), {
      echoed: [...MODES].sort(),
      bigBytes: 5000,
      serverHeard: "closed",
      resent: 0,
      global: true, // Node's own WebSocket, not the ws package's
    });
  },
});
