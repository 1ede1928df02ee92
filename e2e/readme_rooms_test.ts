/**
 * The README's room server and its player that comes back (the TypeScript
 * block after "**A room server.**" and the JavaScript block after "**A player
 * that comes back.**"), read from README.md as they are and run: the server as
 * a Deno process on 127.0.0.1, four players in this process over Deno's
 * WebSocket, one of them hostile.
 * Only the server's port (8000, for a free one) and the two imports (for this
 * repository's mod.ts and dist/mod.js) are swapped, and a `document` that is
 * never hidden stands in for the page's.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readmeBlock, root } from "./tools.ts";

/** A TCP port nothing listens on now. */
function freeTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Waits until `done()` holds; fails past `ms` with `what` and the players' messages. */
async function until(what: string, done: () => boolean, ms: number, heard: () => string): Promise<void> {
  for (const deadline = Date.now() + ms; !done();) {
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
  // Each swap must find its text: a README that drops one fails here, not with a program that connects nowhere.
  assert.equal(serverCode.split('from "./mod.ts"').length, 2, 'the server imports "./mod.ts" once');
  assert.equal(serverCode.split("port: 8000").length, 2, "the server listens on port 8000 once");
  assert.equal(playerCode.split('from "./mod.js"').length, 2, 'the player imports "./mod.js" once');
  const port = freeTcpPort();
  const serverFile = await Deno.makeTempFile({ suffix: ".ts" });
  const playerFile = await Deno.makeTempFile({ suffix: ".js" });
  await Deno.writeTextFile(
    serverFile,
    serverCode.replace('from "./mod.ts"', `from "${root}mod.ts"`).replace("port: 8000", `port: ${port}`),
  );
  await Deno.writeTextFile(playerFile, playerCode.replace('from "./mod.js"', `from "${root}dist/mod.js"`));
  let serverOutput = "";
  const start = () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--check", "--allow-net=127.0.0.1", "--allow-read", serverFile],
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
  let server = start();
  const listening = () => serverOutput.includes(`Listening on http://127.0.0.1:${port}/`);
  const log = () => `${JSON.stringify(heard, null, 1)}\nserver:\n${serverOutput}`;
  try {
    await until("the server's start", listening, 30_000, log);
    const { join } = await import(playerFile);
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
    delete (globalThis as { document?: unknown }).document;
    await Deno.remove(serverFile);
    await Deno.remove(playerFile);
  }
});
