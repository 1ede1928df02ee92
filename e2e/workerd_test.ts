/**
 * Cloudflare's Workers runtime runs the README's Worker: the ```js block after
 * "**A Cloudflare Worker.**", read from README.md as it is, with dist/mod.js
 * beside it, served by workerd (the npm package `workerd` ships its binary,
 * installed into e2e/workerd/ on first use) on 127.0.0.1. A Deno client (mod.ts's
 * webSocket and a Host) sends a message in every mode and a 5,000-byte
 * Uint8Array (fragments), gets each back equal, and closes. Skipped, with one
 * line saying why, when workerd cannot be installed or does not run.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Host, type Mode, webSocket } from "../mod.ts";
import { MODES } from "./exchange.mjs";
import { available, built, npmInstalled, root } from "./tools.ts";

const workerd = `${root}e2e/workerd/node_modules/.bin/workerd`;
const missing = await npmInstalled("e2e/workerd") ??
  (await available(workerd) ? undefined : "its binary does not run here");
if (missing) console.log(`SKIPPED the workerd test (npm package workerd): ${missing}`);

const HEADING = "**A Cloudflare Worker.**";

/** The ```js block that follows the heading, verbatim; throws when the README has none there. */
function workerSnippet(readme: string): string {
  const at = readme.indexOf(`\n${HEADING}`);
  const open = at < 0 ? -1 : readme.indexOf("\n```", at);
  const close = open < 0 ? -1 : readme.indexOf("\n```\n", open + 4);
  if (open < 0 || close < 0 || !readme.startsWith("\n```js\n", open)) {
    throw new Error(`README.md has no \`\`\`js block right after the paragraph "${HEADING}"`);
  }
  return readme.slice(open + "\n```js\n".length, close + 1);
}

/** A port on 127.0.0.1 that was free a moment ago. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/**
 * workerd's config: one service, the Worker's two ES modules, served over HTTP
 * on 127.0.0.1:port. The compatibility date is an old one, before the runtime
 * answers a client's close frame itself (web_socket_auto_reply_to_close, from
 * 2026-04-07): the snippet must close its end itself, else the client's
 * WebSocket stays closing until the server goes away (it did, until the
 * snippet's close handler called `server.close()`).
 */
const config = (port: number) =>
  `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "mod.js", esModule = embed "mod.js"),
  ],
  compatibilityDate = "2024-09-23",
);
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => timer = setTimeout(() => reject(new Error(`${what}: ${ms} ms`)), ms));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test({
  name: "workerd runs the README's Worker: a Deno Host's messages in every mode and 5,000 bytes come back equal",
  ignore: Boolean(missing),
  async fn() {
    await built();
    const folder = await Deno.makeTempDir({ prefix: "jamnet-workerd-" });
    const port = freePort();
    await Deno.writeTextFile(`${folder}/worker.mjs`, workerSnippet(await Deno.readTextFile(`${root}README.md`)));
    await Deno.copyFile(`${root}dist/mod.js`, `${folder}/mod.js`);
    await Deno.writeTextFile(`${folder}/config.capnp`, config(port));

    const child = new Deno.Command(workerd, {
      args: ["serve", "config.capnp"],
      cwd: folder,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let output = "";
    const drain = (stream: ReadableStream<Uint8Array>) =>
      stream.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({ write: (text) => void (output += text) }),
      );
    const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
    let exited = false;
    const status = child.status.then((status) => (exited = true, status));
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000); // the whole test's bound
    try {
      // Up: a plain GET is answered 426 "a jamnet server", as the snippet says.
      const url = `http://127.0.0.1:${port}/`;
      for (const deadline = Date.now() + 15_000;;) {
        if (exited) throw new Error(`workerd exited before it answered:\n${output}`);
        if (Date.now() > deadline) throw new Error(`workerd did not answer ${url} in 15 s:\n${output}`);
        const response = await fetch(url).catch(() => undefined);
        if (response) {
          assert.deepEqual([response.status, await response.text()], [426, "a jamnet server"], output);
          break;
        }
        await sleep(100);
      }

      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      const wsClosed = new Promise((resolve) => ws.addEventListener("close", resolve));
      const socket = webSocket(ws);
      const host = new Host(socket);
      const peer = host.connect(socket.address);
      const big = new Uint8Array(5000).map((_, i) => i * 7);
      const echoes = new Map<string, unknown>();
      let bigEcho: unknown;
      let sent = false;
      for (const deadline = Date.now() + 10_000; echoes.size < MODES.length || !bigEcho;) {
        if (Date.now() > deadline) {
          throw new Error(
            `no echo of ${MODES.filter((mode) => !echoes.has(mode))}${bigEcho ? "" : " big"}:\n${output}`,
          );
        }
        host.update();
        for (let event; (event = host.poll());) {
          if (event.type === "message") {
            if (event.data instanceof Uint8Array) bigEcho = event.data;
            else echoes.set((event.data as { mode: string }).mode, event.data);
          } else if (event.type === "disconnect") throw new Error(`disconnected: ${event.reason}\n${output}`);
        }
        if (peer.state === "connected" && !sent) {
          for (const mode of MODES) peer.send({ mode, text: `in ${mode}` }, { mode: mode as Mode });
          peer.send(big);
          sent = true;
        }
        await sleep(5);
      }
      for (const mode of MODES) assert.deepEqual(echoes.get(mode), { mode, text: `in ${mode}` });
      assert.deepEqual(bigEcho, big);
      // 5,000 bytes do not fit one packet: the echo came in pieces.
      assert.ok(host.stats.packetsReceived > 5, `${host.stats.packetsReceived} packets received`);
      host.close();
      await within(wsClosed, 5_000, "the WebSocket did not close");
      await sleep(100); // the Worker's close handler runs: any error it throws shows in workerd's output
      assert.doesNotMatch(output, /error|uncaught|exception/i, output);
    } finally {
      clearTimeout(killer);
      if (!exited) child.kill("SIGKILL");
      await status;
      await drained;
      await Deno.remove(folder, { recursive: true });
    }
  },
});
