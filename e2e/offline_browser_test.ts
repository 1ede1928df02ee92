/**
 * Offline play in a browser (examples/offline/index.html): examples/offline/serve.ts serves the page on 127.0.0.1 (a
 * free port, `--port 0`) and headless Chromium (the Debian package, driven by playwright-core) opens it. The page
 * starts the game's server in a module Web Worker and plays it over a MessagePort through port_socket.js, with
 * dist/mod.js as it is on disk (`deno task test` builds it first). Within 20 s the page must print the same three
 * lines as `deno run --allow-read examples/offline/main.ts`, the last one relayed from the Worker; the Worker must
 * close itself; no error and no TypeScript file may reach the browser. The page's modules type-check as browser
 * modules. The browser part is skipped, with one line saying why, when there is no browser.
 *
 * @module
 */
import assert from "node:assert/strict";
import { root, run, spawnDeno } from "./tools.ts";
import { launchChromium, missingBrowser as missing } from "./chromium.ts";

if (missing) console.log(`SKIPPED the offline browser test: ${missing} (apt-get install -y chromium)`);

/** What the game prints, in Deno and in the page. */
const LINES = [
  'client: the server says "welcome to the offline server"',
  'client: the world after 10 moves: {"xs":[10]}',
  "server: the player left (closed)",
];
/** The longest any step waits: the server to start, the page to print its three lines, the Worker to close. */
const WAIT_MS = 20_000;

Deno.test("examples/offline: the page's and the Worker's modules type-check with es2022 + dom alone", async () => {
  const { success, output } = await run(Deno.execPath(), [
    "check",
    "--config",
    "scripts/browser.json",
    "examples/offline/page.js",
    "examples/offline/worker.js",
  ]);
  assert.ok(success, output);
});

Deno.test("examples/offline/main.ts prints the three lines in Deno", async () => {
  const { success, output } = await run(Deno.execPath(), ["run", "--allow-read", "examples/offline/main.ts"], {
    timeoutMs: WAIT_MS,
  });
  assert.ok(success, output);
  assert.deepEqual(output.trim().split("\n"), LINES);
});

Deno.test({
  name:
    "examples/offline in Chromium: the server in a module Worker; the page prints the three lines; the Worker closes",
  ignore: Boolean(missing),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = spawnDeno([
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read=.",
      "examples/offline/serve.ts",
      "--port",
      "0",
    ]);
    /** Resolves when `test` holds, checked every 20 ms; rejects after WAIT_MS with `why()`. */
    const waitFor = async (test: () => boolean | Promise<boolean>, why: () => string | Promise<string>) => {
      for (const deadline = Date.now() + WAIT_MS; !await test();) {
        if (Date.now() > deadline) throw new Error(`Gave up after ${WAIT_MS / 1000} s: ${await why()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const { browser, close } = await launchChromium();
    try {
      await waitFor(
        () => /Open http:\/\/127\.0\.0\.1:\d+\//.test(server.printed()),
        () => `no address from serve.ts; it printed:\n${server.printed()}\nand on stderr:\n${server.complaints()}`,
      );
      const url = server.printed().match(/http:\/\/127\.0\.0\.1:\d+\//)![0];
      // Every request of the page and of its Worker (the context sees both), by path.
      const requested: string[] = [];
      browser.on("request", (request) => requested.push(new URL(request.url()).pathname));
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(String(error)));
      page.on("console", (message) => message.type() === "error" && pageErrors.push(`console: ${message.text()}`));
      let workerClosed = false;
      page.on("worker", (worker) => worker.on("close", () => workerClosed = true));
      await page.goto(url, { timeout: WAIT_MS });
      const log = async () => (await page.locator("#log").textContent()) ?? "";
      // Three lines printed (each ends in a newline), or the wait's end.
      await waitFor(
        async () => (await log()).split("\n").length > LINES.length,
        async () => `the page printed only:\n${await log()}\nerrors: ${JSON.stringify(pageErrors)}`,
      );
      assert.deepEqual((await log()).trim().split("\n"), LINES);
      await waitFor(() => workerClosed, () => "the server's Worker did not close itself");
      assert.deepEqual(pageErrors, []);
      for (const module of ["page.js", "worker.js", "game.js", "port_socket.js"]) {
        assert.ok(requested.includes(`/examples/offline/${module}`), `no request for ${module}: ${requested}`);
      }
      // The Worker loads its modules itself, after worker.js: dist/mod.js among them.
      const byWorker = requested.slice(requested.indexOf("/examples/offline/worker.js"));
      assert.ok(byWorker.includes("/dist/mod.js"), `the Worker loaded no /dist/mod.js: ${requested}`);
      assert.deepEqual(requested.filter((path) => path.endsWith(".ts")), [], "a TypeScript file reached the browser");
      await page.close();
    } finally {
      await close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "examples/offline/index.html opened as a file says why nothing runs, and how to serve it",
  ignore: Boolean(missing),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // A page called "offline" invites a double click: its modules do not load from file://, and the page showed its
    // paragraph and nothing else (the reason only in the console).
    const { browser, close } = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`file://${root}examples/offline/index.html`, { timeout: WAIT_MS });
      await page.waitForLoadState("load");
      assert.match(await page.locator("#log").textContent() ?? "", /examples\/offline\/serve\.ts/);
      await page.close();
    } finally {
      await close();
    }
  },
});

Deno.test("examples/offline/serve.ts started from its own folder says to run it from the repository's root", async () => {
  // `--allow-read=.` grants the folder it runs in: from examples/offline, the server said "Open …" and answered each page load
  // with a 500 and a stack trace.
  const { success, output } = await run(Deno.execPath(), [
    "run",
    "--allow-net=127.0.0.1",
    "--allow-read=.",
    "serve.ts",
    "--port",
    "0",
  ], { cwd: `${root}examples/offline`, timeoutMs: 10_000 });
  assert.ok(!success, output);
  assert.match(output, /^Cannot read \/.*dist\/mod\.js: run this from the repository's root/, output);
  assert.doesNotMatch(output, /^\s+at /m, output);
});
