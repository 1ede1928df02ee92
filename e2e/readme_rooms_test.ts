/**
 * The README's room server and its player that comes back (the TypeScript
 * block after "**A room server.**" and the JavaScript block after "**A player
 * that comes back.**"), read from README.md as they are and run: the server as
 * a Deno process on 127.0.0.1, four players in this process over Deno's
 * WebSocket, one of them hostile.
 * The README's page (index.html), served by the server, joins too, in headless
 * Chromium. The files are laid out as the README says (mod.ts and mod.js from
 * this repository beside them); only the server's port is swapped (8000, for
 * a free one), and in Deno a `document` that is never hidden stands in for a
 * page's.
 *
 * @module
 */
import assert from "node:assert/strict";
import { launchChromium, missingBrowser } from "./chromium.ts";
import { readmeBlock, root } from "./tools.ts";

/** A TCP port nothing listens on now. */
function freeTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Waits until `done()` holds, calling `poll` (a read of the page) before each look; fails past `ms` with `what` and the
 * players' messages.
 */
async function until(
  what: string,
  done: () => boolean,
  ms: number,
  heard: () => string,
  poll?: () => Promise<unknown>,
): Promise<void> {
  for (const deadline = Date.now() + ms; (await poll?.(), !done());) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${ms} ms; the players heard:\n${heard()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type Message = { t: string; name?: string; text?: string; room?: string; others?: string[] };
type Player = { say(text: string): boolean; leave(): void };

Deno.test("the README's room server and returning player: rooms hear their own, and players come back after a restart", async () => {
  const readme = await Deno.readTextFile(`${root}README.md`);
  const serverCode = readmeBlock(readme, "**A room server.**", "ts");
  const playerCode = readmeBlock(readme, "**A player that comes back.**", "js");
  const pageCode = readmeBlock(readme, "The page, index.html:", "html");
  // The one swap must find its text: a README that drops it fails here, not with a program that listens elsewhere.
  assert.equal(serverCode.split("port: 8000").length, 2, "the server listens on port 8000 once");
  const port = freeTcpPort();
  // The folder the README lays out: rooms.ts, join.js, index.html, and mod.ts and mod.js beside them.
  const folder = await Deno.makeTempDir({ prefix: "jamnet-rooms-" });
  await Deno.writeTextFile(`${folder}/rooms.ts`, serverCode.replace("port: 8000", `port: ${port}`));
  await Deno.writeTextFile(`${folder}/join.js`, playerCode);
  await Deno.writeTextFile(`${folder}/index.html`, pageCode);
  await Deno.copyFile(`${root}mod.ts`, `${folder}/mod.ts`);
  await Deno.copyFile(`${root}dist/mod.js`, `${folder}/mod.js`);
  let serverOutput = "";
  const start = () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--check", "--allow-net=127.0.0.1", "--allow-read=.", "rooms.ts"], // as the README runs it
      cwd: folder,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reading = Promise.all([child.stdout, child.stderr].map(async (stream) => {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) serverOutput += text;
    }));
    return { child, done: Promise.all([child.status, reading]) };
  };
  (globalThis as { document?: { hidden: boolean } }).document = { hidden: false };
  const heard: Record<string, Message[]> = { ada: [], bob: [], cy: [] };
  const players: Player[] = [];
  const chromium = missingBrowser ? undefined : await launchChromium(); // first: a launch that fails leaves no server
  let server = start();
  const listening = () => serverOutput.includes(`Listening on http://127.0.0.1:${port}/`);
  const log = () => `${JSON.stringify(heard, null, 1)}\nserver:\n${serverOutput}`;
  try {
    await until("the server's start", listening, 30_000, log);
    const { join } = await import(`${folder}/join.js`);
    const url = (name: string, room: string) => `ws://127.0.0.1:${port}/?name=${name}&room=${room}`;
    const welcomes = (name: string) => heard[name].filter((message) => message.t === "welcome").length;
    for (const [name, room] of [["ada", "red"], ["bob", "red"], ["cy", "blue"]]) {
      players.push(join(url(name, room), (message: Message) => heard[name].push(message)));
      await until(`${name}'s welcome`, () => welcomes(name) === 1, 10_000, log);
    }
    const [ada, bob, cy] = players;
    assert.deepEqual(heard.ada[0], { t: "welcome", room: "red", others: [] });
    assert.deepEqual(heard.bob[0], { t: "welcome", room: "red", others: ["ada"] });
    assert.deepEqual(heard.cy[0], { t: "welcome", room: "blue", others: [] });
    // A browser asks for /favicon.ico on its own: no icon, and no 404 in the page's console.
    const icon = await fetch(`http://127.0.0.1:${port}/favicon.ico`);
    assert.equal(icon.status, 204);
    await icon.body?.cancel();
    assert.ok(ada.say("hello red"));
    assert.ok(cy.say("hello blue"));
    await until("bob hearing ada", () => heard.bob.some((message) => message.t === "said"), 10_000, log);
    assert.ok(bob.say("hi ada"));
    await until("ada hearing bob", () => heard.ada.some((message) => message.t === "said"), 10_000, log);
    // Each room hears its own, the sender never its own: cy is alone in blue, and nobody heard it.
    assert.deepEqual(heard.ada.slice(1), [{ t: "joined", name: "bob" }, { t: "said", name: "bob", text: "hi ada" }]);
    assert.deepEqual(heard.bob.slice(1), [{ t: "said", name: "ada", text: "hello red" }]);
    assert.deepEqual(heard.cy.slice(1), []);

    // A player that sends a text past what the server passes on (300 KB): the server lets it be, and goes on.
    heard.eve = [];
    const eve = join(url("eve", "red"), (message: Message) => heard.eve.push(message));
    players.push(eve);
    await until("eve's welcome", () => welcomes("eve") === 1, 10_000, log);
    assert.ok(eve.say("x".repeat(300_000)));
    assert.ok(eve.say("short"));
    await until("ada hearing eve", () => heard.ada.some((message) => message.text === "short"), 10_000, log);
    eve.leave();
    await until("eve's leaving", () => heard.ada.some((message) => message.t === "left"), 10_000, log);
    assert.ok(!heard.ada.some((message) => (message.text?.length ?? 0) > 200), "a long text was passed on");

    // The README's page, in Chromium, served by the server as its index.html: dee joins red, and says what it types.
    const page = await chromium?.browser.newPage();
    let pageText = "";
    const readPage = async () => (pageText = page ? await page.locator("#log").textContent() ?? "" : "");
    const pageWelcomes = () => pageText.split('"t":"welcome"').length - 1;
    if (page) {
      await page.goto(`http://127.0.0.1:${port}/?name=dee&room=red`);
      await until("dee's welcome", () => pageWelcomes() === 1, 10_000, log, readPage);
      await until("ada hearing dee join", () => heard.ada.some((message) => message.name === "dee"), 10_000, log);
      await page.locator("#text").fill("from the page");
      await page.locator("#text").press("Enter");
      await until("ada hearing dee", () => heard.ada.some((message) => message.text === "from the page"), 10_000, log);
      // The server sends no one their own text: the page prints it itself, once say() took it.
      await until("dee seeing its own text", () => pageText.includes("me: from the page\n"), 10_000, log, readPage);
    }

    // A player that floods its room (50 texts at once) is let go, past its 10; the others stay, and hear it leave.
    heard.zed = [];
    const zed = join(url("zed", "red"), (message: Message) => heard.zed.push(message));
    players.push(zed);
    await until("zed's welcome", () => welcomes("zed") === 1, 10_000, log);
    for (let i = 0; i < 50; i++) zed.say(`spam ${i}`);
    const zedLeft = () => heard.ada.some((message) => message.t === "left" && message.name === "zed");
    await until("ada hearing zed let go", zedLeft, 10_000, log);
    zed.leave();
    const spam = heard.ada.filter((message) => message.text?.startsWith("spam")).length;
    assert.ok(spam >= 5 && spam <= 20, `ada heard ${spam} of zed's 50`); // 10, and 5 a second more
    assert.equal(welcomes("ada"), 1, "ada was let go for zed's flood");
    assert.equal(welcomes("bob"), 1, "bob was let go for zed's flood");

    // The server goes away and comes back on the same port: each player hears "disconnect", and joins again.
    server.child.kill();
    await server.done;
    serverOutput = "";
    server = start();
    await until("the server's second start", listening, 30_000, log);
    for (const name of ["ada", "bob", "cy"]) {
      await until(
        `${name}'s second welcome`,
        () => welcomes(name) === 2,
        20_000,
        log,
      );
    }
    if (page) await until("dee's second welcome", () => pageWelcomes() === 2, 20_000, log, readPage);
    assert.ok(ada.say("back in red"));
    await until(
      "bob hearing ada again",
      () => heard.bob.some((message) => message.text === "back in red"),
      10_000,
      log,
    );
    assert.ok(!heard.cy.some((message) => message.t === "said"), "blue heard red");
  } finally {
    for (const player of players) player.leave();
    server.child.kill();
    await server.done;
    await chromium?.close();
    delete (globalThis as { document?: unknown }).document;
    await Deno.remove(folder, { recursive: true });
  }
});

// Without Chromium the test above runs without the README's page (dee): this counts that part in the last line's
// skipped, where it would otherwise pass whole.
// (registered only then, never run: it adds nothing to the passed count when Chromium is here).
if (missingBrowser) {
  Deno.test({ name: `the README's page in the room server test (${missingBrowser})`, ignore: true, fn() {} });
}
