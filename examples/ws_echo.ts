/**
 * A Deno WebSocket server and client in one process: the server Host echoes
 * what the client Host sends, in the same mode; then the client leaves.
 *
 *     deno run -A examples/ws_echo.ts
 *
 * @module
 */
import { Host, type Mode, webSocket, webSocketServer } from "../mod.ts";

// The server: every WebSocket that Deno.serve upgrades becomes a peer of one Host.
const sockets = webSocketServer();
const server = new Host(sockets);
const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request, info) => {
  const { hostname, port } = info.remoteAddr; // before the upgrade, which closes the request
  const { socket, response } = Deno.upgradeWebSocket(request);
  sockets.accept(socket, `${hostname}:${port}`);
  return response;
});

// The client: a WebSocket's one peer has the WebSocket's URL as its address.
const socket = webSocket(new WebSocket(`ws://127.0.0.1:${http.addr.port}/`));
const client = new Host(socket);
const peer = client.connect(socket.address);

const modes: Mode[] = ["reliable", "unordered", "sequenced", "unreliable"];
let echoes = 0;
let sent = false;
const ticker = setInterval(() => {
  server.update();
  client.update();
  for (let event; (event = server.poll());) {
    if (event.type === "message") {
      // A message may be polled after its peer left (the goodbye came in the same batch): no echo then.
      // The echo goes in the mode the message came in (the event says it), never one read from the message: a null
      // or a { mode: "bogus" } made send throw, and ended the server (a review, 2026-12-05).
      if (event.peer.state !== "connected") continue;
      try {
        event.peer.send(event.data, { mode: event.mode });
      } catch (error) {
        // A RangeError: the peer's queue is past maxQueuedBytes (it sends faster than a WebSocket Host's 576 KB a
        // second goes back), or its unreliable message does not fit this Host's packet. Uncaught, it would end the
        // server: that peer alone is let go.
        console.log(`server: let ${event.peer.address} go: ${(error as Error).message}`);
        event.peer.disconnect();
      }
    } else {
      console.log(
        `server: ${event.type} ${event.peer.address}${event.type === "disconnect" ? ` (${event.reason})` : ""}`,
      );
    }
  }
  for (let event; (event = client.poll());) {
    if (event.type === "message") console.log("client got back", event.data, `(${++echoes} of ${modes.length})`);
    else if (event.type === "connect") console.log(`client: connect ${event.peer.address}`);
    else {
      // Stopped past the timeout (Ctrl-Z, then fg) between the connect and the echoes, both Hosts let each other go
      // and the program waited for echoes for good, its last line "client: disconnect" (a review, 2026-12-06).
      console.log(`client: disconnected (${event.reason}) before the ${modes.length} echoes came back: run this again`);
      clearInterval(ticker);
      client.close();
      server.close();
      http.shutdown();
      Deno.exitCode = 1;
    }
  }
  if (peer.state === "connected" && !sent) {
    for (const mode of modes) peer.send({ mode, text: `hello in ${mode}` }, { mode });
    sent = true;
  }
  if (echoes === modes.length) {
    echoes = -1;
    client.close(); // the server hears "closed" at once
    setTimeout(async () => {
      clearInterval(ticker);
      server.close();
      await http.shutdown();
    }, 100);
  }
}, 16);
