/**
 * Node 20 runs the shipped artifacts: `node --test e2e/node/` on dist/mod.js and dist/osc.js
 * with real node:dgram and the ws package (dev-only, installed into
 * e2e/node/ on first use). Skipped, with one line saying why, without node or npm.
 *
 * @module
 */
import assert from "node:assert/strict";
import { available, built, npmInstalled, run } from "./tools.ts";

const missing = !await available("node") ? "node is not installed" : await npmInstalled("e2e/node");
if (missing) console.log(`SKIPPED the Node test of dist/mod.js: ${missing}`);

Deno.test({
  name: "Node runs dist/mod.js (every mode over node:dgram and over ws, and the faults) and dist/osc.js",
  ignore: Boolean(missing),
  async fn() {
    await built();
    const { success, output } = await run("node", [
      "--test",
      "--test-timeout=20000",
      "e2e/node/",
    ], {
      timeoutMs: 60_000,
    });
    assert.ok(success, output);
    assert.match(output, /# pass 7\b/);
  },
});
