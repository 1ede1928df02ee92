// Run by e2e/node24_test.ts with Node 24: mod.ts as it is (type stripping), a ws server (webSocketServer) and Node's
// own WebSocket (global since Node 22, not the ws package's) as the client (webSocket): every mode, then a
// Host.close() heard as "closed", with no resends over the reliable socket. Prints one JSON line with the result.
import { WebSocket as WsWebSocket, WebSocketServer } from "ws";
import { Host, webSocket, webSocketServer } from "../../mod.ts";
import { acceptingWsServer, exchange } from "../exchange.mjs";

const sockets = webSocketServer();
const wss = await acceptingWsServer(WebSocketServer, sockets);
const browserLike = new WebSocket(`ws://127.0.0.1:${wss.address().port}/`);
const socket = webSocket(browserLike);
const server = new Host(sockets);
const client = new Host(socket);
const { clientEvents: _, ...result } = await exchange(server, client, socket.address);
const resent = client.stats.messagesResent + server.stats.messagesResent;
await new Promise((resolve) => wss.close(resolve));
console.log(
  JSON.stringify({
    ...result,
    resent,
    global: browserLike instanceof globalThis.WebSocket && !(browserLike instanceof WsWebSocket),
    runtime: process.version,
  }),
);
process.exit(0);
