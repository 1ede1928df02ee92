/**
 * Headless Chromium (the Debian package, /usr/bin/chromium, driven by
 * playwright-core; never a downloaded browser) loads dist/mod.js from a page
 * Deno serves on 127.0.0.1, connects over a WebSocket to a Deno Host and
 * exchanges messages in every mode; the page has no Deno, Node or Bun global,
 * and a module Worker in it runs dist/mod.js too (the edge check). Skipped,
 * with one line saying why, when there is no browser.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Host, webSocketServer } from "../mod.ts";
import { built, root } from "./tools.ts";
import { launchChromium, missingBrowser as missing } from "./chromium.ts";
import { MODES } from "./exchange.mjs";

if (missing) console.log(`SKIPPED the browser test: ${missing} (apt-get install -y chromium)`);

const types: Record<string, string> = { ".mjs": "text/javascript", ".js": "text/javascript", ".html": "text/html" };

Deno.test({
  name:
    "Chromium runs dist/mod.js over a WebSocket to a Deno Host in every mode, with no runtime global, also in a Worker",
  ignore: Boolean(missing),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await built();
    const sockets = webSocketServer();
    const server = new Host(sockets);
    let serverHeard = "";
    const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/ws") {
        const { socket, response } = Deno.upgradeWebSocket(request);
        sockets.accept(socket);
        return response;
      }
      if (path === "/") {
        return new Response(`<!doctype html><script type="module" src="/e2e/browser/page.mjs"></script>`, {
          headers: { "content-type": "text/html" },
        });
      }
      if (!/^\/(dist\/mod\.js|e2e\/browser\/\w+\.mjs)$/.test(path)) return new Response("not here", { status: 404 });
      return new Response(await Deno.readFile(root + path.slice(1)), {
        headers: { "content-type": types[path.slice(path.lastIndexOf("."))] },
      });
    });
    const serving = setInterval(() => {
      server.update();
      for (let event; (event = server.poll());) {
        if (event.type === "message" && event.peer.state === "connected") {
          const { mode, big } = event.data as { mode: "reliable"; big?: Uint8Array };
          if (event.mode !== mode) throw new Error(`a message sent ${mode} arrived as ${event.mode}`);
          event.peer.send(big ? { mode, big } : { mode }, { mode });
        } else if (event.type === "disconnect") serverHeard = event.reason;
      }
    }, 5);
    const { browser, close } = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.goto(`http://127.0.0.1:${http.addr.port}/`, { timeout: 15_000 });
      await page.waitForFunction(() => "result" in globalThis, undefined, { timeout: 15_000 });
      const result = await page.evaluate(() => (globalThis as unknown as { result: unknown }).result);
      assert.deepEqual(errors, []);
      assert.deepEqual(result, {
        echoed: [...MODES].sort(),
        mislabelled: [],
        bigBytes: 5000,
        address: `ws://127.0.0.1:${http.addr.port}/ws`,
        runtimeGlobals: [],
        worker: { runtimeGlobals: [], message: { hello: "edge" }, packs: 2 },
      });
      for (const deadline = Date.now() + 5000; !serverHeard && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(serverHeard, "closed");
    } finally {
      await close();
      clearInterval(serving);
      server.close();
      await http.shutdown();
    }
  },
});
