// The exchange every real-socket test runs, in Deno, Node, Bun and the browser
// alike: plain JavaScript, given the Hosts, so it runs on mod.ts and on
// dist/mod.js. A client connects to a server; it sends one message in every
// mode (and a 5,000-byte reliable one, which travels in fragments), the server
// echoes each in the same mode; then the client's Host closes and the server
// must hear "closed", not "timeout".

/** The four modes of Peer.send. */
export const MODES = ["reliable", "unordered", "sequenced", "unreliable"];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the exchange; resolves with what happened, rejects on a deadline.
 *
 * @param {object} server the server's Host
 * @param {object} client the client's Host
 * @param {string} address the server's address as the client's socket knows it
 * @param {{ deadlineMs?: number, tickMs?: number }} options
 * @returns {Promise<{ echoed: string[], bigBytes: number, serverHeard: string, clientEvents: string[] }>}
 */
export async function exchange(server, client, address, options = {}) {
  const { deadlineMs = 5000, tickMs = 5 } = options;
  const deadline = Date.now() + deadlineMs;
  const echoed = new Set();
  const clientEvents = [];
  let bigBytes = 0;
  let serverHeard = "";
  let sent = false;
  const peer = client.connect(address);
  const big = new Uint8Array(5000).map((_, i) => i * 7);
  for (;;) {
    if (Date.now() > deadline) {
      throw new Error(
        `exchange over ${address} timed out: echoed ${[
          ...echoed,
        ]}, big ${bigBytes}, server heard "${serverHeard}", client events ${clientEvents}`,
      );
    }
    client.update();
    server.update();
    for (let event; (event = server.poll());) {
      // A message may be polled after its peer left (the goodbye came in the same batch): no echo then.
      if (event.type === "message" && event.peer.state === "connected") {
        const { mode, big: bytes } = event.data;
        // The mode and channel the message was sent in, as the event says: a Host that labelled them wrong echoed all.
        if (event.mode !== mode || event.channel !== (bytes ? 1 : 0)) {
          throw new Error(
            `a message sent ${mode} on channel ${bytes ? 1 : 0} arrived as ${event.mode} on ${event.channel}`,
          );
        }
        event.peer.send(bytes ? { mode, big: bytes } : { mode }, { mode });
      } else if (event.type === "disconnect") serverHeard = event.reason;
    }
    for (let event; (event = client.poll());) {
      clientEvents.push(event.type);
      if (event.type === "message") {
        if (event.mode !== event.data.mode) {
          throw new Error(`an echo sent ${event.data.mode} arrived as ${event.mode}`);
        }
        echoed.add(event.data.mode);
        if (event.data.big) {
          const bytes = event.data.big;
          if (bytes.length !== big.length || bytes.some((byte, i) => byte !== big[i])) {
            throw new Error("the big message changed on the way");
          }
          bigBytes = bytes.length;
        }
      }
    }
    if (peer.state === "connected") {
      if (!sent) {
        for (const mode of MODES) peer.send({ mode }, { mode });
        peer.send({ mode: "reliable", big }, { mode: "reliable", channel: 1 });
        sent = true;
      } else {
        // Sequenced and unreliable messages may be lost: send them again until their echo arrives.
        for (const mode of MODES.slice(2)) if (!echoed.has(mode)) peer.send({ mode }, { mode });
      }
      if (echoed.size === MODES.length && bigBytes) break;
    } else if (peer.state === "disconnected") {
      throw new Error(`the client was disconnected from ${address}: ${clientEvents}`);
    }
    await sleep(tickMs);
  }
  client.close();
  while (!serverHeard) {
    if (Date.now() > deadline) throw new Error(`the server never heard the client leave ${address}`);
    server.update();
    for (let event; (event = server.poll());) if (event.type === "disconnect") serverHeard = event.reason;
    await sleep(tickMs);
  }
  server.close();
  return { echoed: [...echoed].sort(), bigBytes, serverHeard, clientEvents };
}

/**
 * A `ws` package WebSocketServer on 127.0.0.1 (any free port) whose WebSockets `sockets` (a `webSocketServer()`)
 * accepts, each at its peer's address and port. The class is passed in: this file runs in the browser too.
 *
 * @param {new (options: object) => any} WebSocketServer the ws package's class
 * @param {{ accept(ws: unknown, address: string): void }} sockets
 * @returns {Promise<any>} the server, listening
 */
export async function acceptingWsServer(WebSocketServer, sockets) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => wss.once("listening", resolve));
  wss.on(
    "connection",
    (ws, request) => sockets.accept(ws, `${request.socket.remoteAddress}:${request.socket.remotePort}`),
  );
  return wss;
}

/**
 * What a client hears of the server at `url`: a Host over `webSocket(new WebSocket(url))` connects and updates until
 * its peer ends or `ms` pass. Returns the `"disconnect"` event's reason, or `nothing (its peer <state>)` when none came;
 * the client's Host is closed after. `runtime` gives the module's `Host` and `webSocket` and the runtime's `WebSocket`.
 */
export async function clientHears(url, { Host, webSocket, WebSocket }, ms = 5000) {
  const client = new Host(webSocket(new WebSocket(url)));
  const peer = client.connect(url);
  try {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(5)) {
      client.update();
      for (let event; (event = client.poll());) if (event.type === "disconnect") return event.reason;
    }
    return `nothing (its peer ${peer.state})`;
  } finally {
    client.close();
  }
}
