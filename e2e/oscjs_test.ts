/**
 * dist/osc.js against osc.js (npm `osc` 2.4.5), an OSC implementation no one
 * here wrote, under Node 20: `node --test e2e/oscjs/` (installed into
 * e2e/oscjs/ on first use, its install scripts skipped: see its .npmrc).
 * Both write the same bytes for 1,000 random messages, arrays among them, and
 * each reads the other's; bundles' timetags agree. Skipped, with one line
 * saying why, without node or npm.
 *
 * @module
 */
import assert from "node:assert/strict";
import { available, built, npmInstalled, run } from "./tools.ts";

const missing = !await available("node") ? "node is not installed" : await npmInstalled("e2e/oscjs");
if (missing) console.log(`SKIPPED the osc.js test of dist/osc.js: ${missing}`);

Deno.test({
  name: "osc.js and dist/osc.js write the same bytes and read each other's: messages, arrays, bundles",
  ignore: Boolean(missing),
  async fn() {
    await built();
    const { success, output } = await run("node", ["--test", "--test-timeout=20000", "e2e/oscjs/"], {
      timeoutMs: 60_000,
    });
    assert.ok(success, output);
    assert.match(output, /# pass 3\b/);
  },
});
