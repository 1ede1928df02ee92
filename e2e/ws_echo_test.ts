/**
 * examples/ws_echo.ts with a second client, one that sends what the server
 * cannot echo: the server lets that client go and echoes its own client's
 * four messages as before.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Host, webSocket } from "../mod.ts";
import { root } from "./tools.ts";

/**
 * ws_echo.ts as it is, but for two things this wrapper does to the Deno.serve it calls: it prints the server's port,
 * and it holds the upgrade of its own client (the path "/") until its input ends (10 s at most): the program leaves
 * 100 ms after its four echoes, which a second client would have to beat.
 */
const WRAPPER = `
const serve = Deno.serve;
const released = new Promise((resolve) => {
  Deno.unrefTimer(setTimeout(resolve, 10_000)); // unref: it would keep the program 10 s
  Deno.stdin.readable.pipeTo(new WritableStream()).then(resolve);
});
Deno.serve = (options, handler) => {
  const server = serve(options, async (request, info) => {
    if (new URL(request.url).pathname === "/") await released;
    return handler(request, info);
  });
  console.log("port " + server.addr.port);
  return server;
};
await import(${JSON.stringify(`file://${root}examples/ws_echo.ts`)});
`;

Deno.test("examples/ws_echo.ts: a client whose message cannot be echoed is let go, and the server runs on", async () => {
  // The echo goes in the mode the message came in: an "unreliable" one larger than the server Host's packet (1,200
  // bytes) makes send throw, as a queue past maxQueuedBytes does. The catch lets that client go; without it the throw
  // left the server's timer and ended the program. This client's Host has a larger mtu, so that its send does not throw.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", WRAPPER],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let printed = "";
  const reading = Promise.all([child.stdout, child.stderr].map(async (stream) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) printed += text;
  }));
  let exited = false;
  const status = child.status.then((status) => (exited = true, status));
  const waitFor = async (what: string, done: () => boolean) => {
    for (const deadline = Date.now() + 15_000; !done();) {
      if (exited || Date.now() > deadline) {
        throw new Error(`Gave up waiting for ${what}; the program printed:\n${printed}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  let host: Host | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    await waitFor("the port", () => /^port \d+$/m.test(printed));
    const socket = webSocket(new WebSocket(`ws://127.0.0.1:${printed.match(/^port (\d+)$/m)![1]}/other`));
    const client = new Host(socket, { mtu: 60_000 });
    host = client;
    const peer = client.connect(socket.address);
    let ended = "";
    timer = setInterval(() => {
      client.update();
      for (let event; (event = client.poll());) if (event.type === "disconnect") ended = event.reason;
    }, 5);
    await waitFor("the connection", () => peer.state === "connected");
    peer.send(new Uint8Array(10_000), { mode: "unreliable" });
    await waitFor("the other client let go", () => ended !== "");
  } finally {
    clearInterval(timer);
    host?.close();
    await child.stdin.close().catch(() => {}); // the program's own client goes on
  }
  const { success } = await status;
  await reading;
  assert.ok(success, printed);
  assert.match(printed, /^server: let 127\.0\.0\.1:\d+ go: /m, printed);
  assert.equal(printed.match(/^client got back .*\(\d of 4\)$/gm)?.length, 4, printed);
});

Deno.test("examples/ws_echo.ts stopped past the timeout (Ctrl-Z, then fg) before its echoes says so, and exits with 1", async () => {
  // Stopped between the connect and the echoes, both Hosts of the one process let each other go when it went on, and
  // it waited for the echoes for good (a review, 2026-12-06). This wrapper holds the process's thread 11 s, past the
  // Hosts' timeout (10 s), right after the client's connect, as SIGSTOP would: no timer, no socket read.
  const stopAfterConnect = `
const log = console.log;
console.log = (...args) => {
  log(...args);
  if (String(args[0]).startsWith("client: connect")) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 11_000);
};
await import(${JSON.stringify(`file://${root}examples/ws_echo.ts`)});
`;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", stopAfterConnect],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 1, output);
  assert.match(output, /^client: disconnected \((timeout|closed)\) before the 4 echoes came back: run this again$/m);
  assert.doesNotMatch(output, /got back/, output);
});
