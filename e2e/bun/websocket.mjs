// Run by e2e/bun_test.ts with Bun: a Bun.serve server whose `websocket`
// handlers go to webSocketServer (dist/mod.js), on 127.0.0.1, its clients
// Bun's WebSockets over webSocket. It exchanges every mode, with accept() in
// `open` and with message() alone; then, its Host closed, it closes each
// WebSocket that comes: the client hears "closed" at once, not its timeout.
// Prints one JSON line with the result.
import { Host, webSocket, webSocketServer } from "../../dist/mod.js";
import { clientHears, exchange } from "../exchange.mjs";

/** Bun.serve on a free port whose WebSockets `sockets` takes: accept() in `open`, or message() alone. */
function serve(sockets, acceptInOpen) {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request, server) => server.upgrade(request) ? undefined : new Response("a jamnet server", { status: 426 }),
    websocket: {
      open: (ws) => acceptInOpen && sockets.accept(ws),
      message: (ws, data) => sockets.message(ws, data),
      close: (ws) => sockets.closed(ws),
    },
  });
}

const result = {};
for (const [name, acceptInOpen] of [["accept", true], ["message", false]]) {
  const sockets = webSocketServer();
  const bun = serve(sockets, acceptInOpen);
  const socket = webSocket(new WebSocket(`ws://127.0.0.1:${bun.port}/`));
  const server = new Host(sockets);
  const client = new Host(socket);
  const { clientEvents: _, ...exchanged } = await exchange(server, client, socket.address);
  exchanged.resent = server.stats.messagesResent + client.stats.messagesResent;
  result[name] = exchanged;
  bun.stop(true);
}

// After host.close(), accept() in `open` closed nothing, and message() accepted and kept the WebSocket: its client
// connected into silence until its own 10 s timeout. Both servers at once, each client given 5 s.
result.afterClose = Object.fromEntries(
  await Promise.all([["accept", true], ["message", false]].map(async ([name, acceptInOpen]) => {
    const sockets = webSocketServer();
    new Host(sockets).close();
    const bun = serve(sockets, acceptInOpen);
    const url = `ws://127.0.0.1:${bun.port}/`;
    const heard = await clientHears(url, { Host, webSocket, WebSocket });
    bun.stop(true);
    return [name, heard];
  })),
);
console.log(JSON.stringify({ ...result, runtime: `bun ${Bun.version}` }));
process.exit(0);
