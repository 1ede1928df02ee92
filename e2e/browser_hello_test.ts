/**
 * The README's browser program, as a newcomer runs it: the page is examples/browser_hello/index.html (the README's
 * block under "**The browser.**", character for character), its server end examples/browser_hello/server.ts started
 * with the README's command (on a free port, `--port 0`), and headless Chromium (the Debian package, driven by
 * playwright-core) opens it. The page must print its connect, the welcome and the answer to its join; the server
 * must print the join and, when the page closes, the player's leaving. Skipped, with one line saying why, when there is
 * no browser.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Host, type Peer, webSocket } from "../mod.ts";
import { built, readmeBlock, root, run, spawnDeno } from "./tools.ts";
import { launchChromium, missingBrowser as missing } from "./chromium.ts";

if (missing) console.log(`SKIPPED the browser hello test: ${missing} (apt-get install -y chromium)`);

const PAGE = "examples/browser_hello/index.html";
/** The longest any step waits: the server to start, the page to print, the server to hear the page leave. */
const WAIT_MS = 15_000;

/**
 * examples/browser_hello/server.ts started as the README starts it, on a free port, and `waitFor`, which checks `test`
 * every 20 ms and gives up after WAIT_MS with what the server printed.
 */
function helloServer() {
  const server = spawnDeno([
    "run",
    "--allow-net=127.0.0.1",
    "--allow-read=.",
    "examples/browser_hello/server.ts",
    "--port",
    "0",
  ]);
  const waitFor = async (what: string, test: () => boolean) => {
    for (const deadline = Date.now() + WAIT_MS; !test();) {
      if (Date.now() > deadline) {
        throw new Error(
          `Gave up waiting for ${what}; the server printed:\n${server.printed()}\nand on stderr:\n${server.complaints()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { server, waitFor };
}

Deno.test("the README's browser program is examples/browser_hello/index.html, character for character", async () => {
  const block = readmeBlock(await Deno.readTextFile(`${root}README.md`), "**The browser.**", "html");
  assert.equal(block, await Deno.readTextFile(root + PAGE));
});

Deno.test({
  name:
    "examples/browser_hello: Chromium opens the page, connects, is welcomed and answered; the server hears it leave",
  ignore: Boolean(missing),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await built();
    const { server, waitFor } = helloServer();
    const { browser, close } = await launchChromium();
    try {
      await waitFor("the server's address", () => /Open http:\/\/127\.0\.0\.1:\d+\//.test(server.printed()));
      const url = server.printed().match(/http:\/\/127\.0\.0\.1:\d+\//)![0];
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(String(error)));
      // A console error too (a 404 for /favicon.ico was one): what a player opening the console would see.
      page.on("console", (message) => message.type() === "error" && pageErrors.push(`console: ${message.text()}`));
      await page.goto(url, { timeout: WAIT_MS });
      const log = () => page.locator("#log").textContent();
      // Three lines printed (each ends in a newline), or the wait's end.
      for (const deadline = Date.now() + WAIT_MS; ((await log())?.split("\n").length ?? 0) <= 3;) {
        if (Date.now() > deadline) throw new Error(`The page printed only: ${await log()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual((await log())!.trim().split("\n"), [
        "connect",
        'message {"t":"welcome","players":1}',
        'message {"t":"heard","data":{"t":"join","name":"ada"}}',
      ]);
      assert.deepEqual(pageErrors, []);
      assert.match(server.printed(), /127\.0\.0\.1:\d+ connected\n127\.0\.0\.1:\d+ says \{"t":"join","name":"ada"\}\n/);
      await page.close();
      await waitFor("the server to hear the page leave", () => server.printed().includes(" left (closed)"));
    } finally {
      await close();
      await server.stop();
    }
  },
});

Deno.test("examples/browser_hello/server.ts: a page's bigint is logged, its timed or 5 KB message drops it alone", async () => {
  // { n: 2n ** 60n } (13 bytes) made the log's JSON.stringify throw and ended the server; at mod.ts's defaults a page's
  // timed messages of 1 MiB were held unpacked by the thousand (1.3 GB in 6 s). No browser needed: a Deno client.
  const { server, waitFor } = helloServer();
  const pages: { host: Host; server: Peer; heard: string[] }[] = [];
  const timer = setInterval(() => {
    for (const page of pages) {
      page.host.update();
      for (let event; (event = page.host.poll());) {
        page.heard.push(event.type === "message" ? (event.data as { t: string }).t : event.type);
      }
    }
  }, 5);
  const open = async (url: string) => {
    const socket = webSocket(new WebSocket(url));
    const host = new Host(socket);
    const page = { host, server: host.connect(socket.address), heard: [] as string[] };
    pages.push(page);
    await waitFor("a connection", () => page.server.state === "connected");
    return page;
  };
  try {
    await waitFor("the server's address", () => /Open http:\/\/127\.0\.0\.1:\d+\//.test(server.printed()));
    const url = `ws://${server.printed().match(/127\.0\.0\.1:\d+/)![0]}/`;
    const big = await open(url);
    big.server.send({ n: 2n ** 60n });
    await waitFor("the bigint logged", () => server.printed().includes('says {"n":"1152921504606846976n"}'));
    big.server.send("x".repeat(5000)); // over the server's 4 KiB: refused, and over a WebSocket the page is let go
    await waitFor("the page with a 5 KB message let go", () => big.heard.includes("disconnect"));
    const timed = await open(url);
    for (const id of [1, 2, 3]) timed.server.send({ t: "timed", id }, { at: performance.now() + 300 });
    await waitFor("the timed message held", () => /says \{"t":"timed"/.test(server.printed()));
    await new Promise((resolve) => setTimeout(resolve, 500)); // time for any other to come
    assert.equal(server.printed().match(/says \{"t":"timed"/g)?.length, 1, server.printed()); // one held: maxTimedMessages
    const ada = await open(url);
    ada.server.send({ t: "join", name: "ada" });
    await waitFor("ada answered", () => ada.heard.includes("heard"));
    assert.deepEqual(big.heard, ["connect", "welcome", "heard", "disconnect"]);
  } finally {
    clearInterval(timer);
    for (const page of pages) page.host.close();
    await server.stop();
  }
});

Deno.test("examples/browser_hello/server.ts logs a page's bidi controls escaped, and an emoji's ZWJ as it is", async () => {
  // JSON leaves bidi controls (Unicode's Bidi_Control) raw: "\u202e" turned the rest of the server's log line around,
  // and a mark moves it too (a review, 2026-12-06). No browser needed: a Deno client.
  const { server, waitFor } = helloServer();
  let host: Host | undefined;
  const timer = setInterval(() => {
    host?.update();
    while (host?.poll());
  }, 5);
  try {
    await waitFor("the server's address", () => /Open http:\/\/127\.0\.0\.1:\d+\//.test(server.printed()));
    const socket = webSocket(new WebSocket(`ws://${server.printed().match(/127\.0\.0\.1:\d+/)![0]}/`));
    host = new Host(socket);
    const page = host.connect(socket.address);
    await waitFor("a connection", () => page.state === "connected");
    page.send({ name: "\u202eevil\u202a\u202c\u2066\u2069\u200e\u200f\u061c", emoji: "\u{1F469}\u200d\u{1F4BB}" });
    await waitFor("the message logged", () => server.printed().includes(' says {"name"'));
    assert.ok(
      server.printed().includes(
        ' says {"name":"\\u202eevil\\u202a\\u202c\\u2066\\u2069\\u200e\\u200f\\u061c","emoji":"\u{1F469}\u200d\u{1F4BB}"}\n',
      ),
      server.printed(),
    );
    assert.doesNotMatch(server.printed(), /\p{Bidi_Control}/u);
  } finally {
    clearInterval(timer);
    host?.close();
    await server.stop();
  }
});

Deno.test("examples/browser_hello/server.ts started from its own folder says to run it from the repository's root", async () => {
  // `--allow-read=.` grants the folder it runs in: from examples/browser_hello, the server said "Open …" and answered each page load
  // with a 500 and a stack trace.
  const { success, output } = await run(Deno.execPath(), [
    "run",
    "--allow-net=127.0.0.1",
    "--allow-read=.",
    "server.ts",
    "--port",
    "0",
  ], { cwd: `${root}examples/browser_hello`, timeoutMs: 10_000 });
  assert.ok(!success, output);
  assert.match(output, /^Cannot read \/.*dist\/mod\.js: run this from the repository's root/, output);
  assert.doesNotMatch(output, /^\s+at /m, output);
});

Deno.test("examples/browser_hello/server.ts takes a WebSocket from its own page, or no page, and refuses another site's", async () => {
  // A browser opens a WebSocket to 127.0.0.1 for a page of any site and names the site in Origin: 64 from
  // http://evil.example filled the Host (maxPeers), and the 65th, the server's own page, heard "full".
  const { server, waitFor } = helloServer();
  try {
    await waitFor("the server's address", () => /Open http:\/\/127\.0\.0\.1:\d+\//.test(server.printed()));
    const port = Number(server.printed().match(/127\.0\.0\.1:(\d+)/)![1]);
    /** The status line of a WebSocket upgrade with `origin`, or none. */
    const upgrade = async (origin?: string) => {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      const lines = [
        "GET / HTTP/1.1",
        `Host: 127.0.0.1:${port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        ...(origin ? [`Origin: ${origin}`] : []),
      ];
      await connection.write(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
      const bytes = new Uint8Array(512);
      const count = await connection.read(bytes);
      connection.close();
      return new TextDecoder().decode(bytes.subarray(0, count ?? 0)).split("\r\n")[0];
    };
    assert.equal(await upgrade("http://evil.example"), "HTTP/1.1 403 Forbidden");
    assert.equal(await upgrade(`http://127.0.0.1:${port}1`), "HTTP/1.1 403 Forbidden");
    assert.equal(await upgrade(`http://127.0.0.1:${port}`), "HTTP/1.1 101 Switching Protocols");
    assert.equal(await upgrade(`http://localhost:${port}`), "HTTP/1.1 101 Switching Protocols");
    assert.equal(await upgrade(), "HTTP/1.1 101 Switching Protocols");
  } finally {
    await server.stop();
  }
});
