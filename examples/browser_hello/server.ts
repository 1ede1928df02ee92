/**
 * The server end of the smallest browser program (index.html beside this file): it serves that page and
 * dist/mod.js on 127.0.0.1, and every WebSocket the page opens becomes a peer of one Host, which welcomes it and
 * answers each of its messages.
 *
 *     deno run --allow-net=127.0.0.1 --allow-read=. examples/browser_hello/server.ts [--port 8000]
 *
 * then open http://127.0.0.1:8000/ in a browser: the page prints `connect`, `message {"t":"welcome",…}` and the
 * answer to its join, and this terminal prints the player's join. `--port 0` takes a free port (it prints which).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Host, webSocketServer } from "../../mod.ts";

/** The port of `--port`, 8000 by default; a mistaken one ends the program with a sentence that says why. */
function portOption(): number {
  try {
    const { port = "8000" } = parseArgs({ args: Deno.args, options: { port: { type: "string" } } }).values;
    if (/^\d{1,5}$/.test(port) && Number(port) <= 65535) return Number(port);
    console.error(`--port ${JSON.stringify(port)}: give a port from 0 to 65535 (0: any free port)`);
  } catch (error) {
    console.error((error as Error).message); // parseArgs's own: an unknown option, or --port without a value
  }
  Deno.exit(1);
}
const port = portOption();

/** What the page asks for, and where it is: the page itself and the library it imports as ./mod.js. */
const FILES: Record<string, [URL, string]> = {
  "/": [new URL("index.html", import.meta.url), "text/html"],
  "/mod.js": [new URL("../../dist/mod.js", import.meta.url), "text/javascript"],
};

// Started from another folder, `--allow-read=.` grants that folder and not the repository: the server said "Open …" and
// answered every page load with a 500 and a stack trace here. Each file is tried once, at the start.
for (const [file] of Object.values(FILES)) {
  try {
    Deno.statSync(file);
  } catch (error) {
    console.error(
      error instanceof Deno.errors.NotFound
        ? `${file.pathname} is missing: \`deno task build\` writes dist/`
        : `Cannot read ${file.pathname}: run this from the repository's root, as \`--allow-read=.\` grants the folder it runs in`,
    );
    Deno.exit(1);
  }
}

/**
 * The page's messages are tiny (its join packs to 20 bytes), and at mod.ts's defaults one page's were held unpacked,
 * by the thousand when timed: 40 of 1 MiB timed 9 s ahead, each an array of a million empty objects, took this server
 * from 40 MB to 1.3 GB in 6 s (a review, 2026-12-06). Here 4 KiB a message (a page's larger one is refused, and over a
 * WebSocket that drops the page), one timed held at most (two in all), 64 KiB waiting for a page. Raise them for a game that needs more.
 */
const HOST_OPTIONS = { maxMessageBytes: 4096, maxQueuedBytes: 64 * 1024, maxTimedMessages: 1 };

const sockets = webSocketServer();
const host = new Host(sockets, HOST_OPTIONS);
/** This server's page, as a browser names it in a WebSocket's Origin: set when the server listens, on its port. */
const pageOrigins = new Set<string>();

try {
  Deno.serve({
    hostname: "127.0.0.1",
    port,
    onListen: ({ port }) => {
      for (const name of ["127.0.0.1", "localhost"]) pageOrigins.add(`http://${name}:${port}`);
      console.log(`Open http://127.0.0.1:${port}/ in a browser (Ctrl+C ends this server)`);
    },
  }, async (request, info) => {
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      // A browser lets a page of any site open a WebSocket to 127.0.0.1, and names that site in Origin: 64 of them took
      // every place in the Host (maxPeers), and this server's own page was refused as "full". Only its page, then, or a
      // program that is no browser (no Origin).
      const origin = request.headers.get("origin");
      if (origin !== null && !pageOrigins.has(origin)) return new Response("not this server's page", { status: 403 });
      const { hostname, port } = info.remoteAddr; // the player's address, read before the upgrade closes the request
      try {
        const { socket, response } = Deno.upgradeWebSocket(request);
        sockets.accept(socket, `${hostname}:${port}`);
        return response;
      } catch (error) {
        return new Response(`not a WebSocket request: ${(error as Error).message}`, { status: 400 });
      }
    }
    const path = new URL(request.url).pathname;
    if (path === "/favicon.ico") return new Response(null, { status: 204 }); // no icon, and no 404 in the console
    const file = FILES[path];
    if (!file || request.method !== "GET") return new Response("not here", { status: 404 });
    return new Response(await Deno.readFile(file[0]), { headers: { "content-type": file[1] } });
  });
} catch (error) {
  if (!(error instanceof Deno.errors.AddrInUse)) throw error;
  console.error(`Port ${port} is taken: stop what uses it, or pick another: --port 8001`);
  Deno.exit(1);
}

// The game loop: 60 updates a second.
setInterval(() => {
  host.update();
  for (let event; (event = host.poll());) {
    const { peer } = event;
    if (event.type === "connect") {
      console.log(`${peer.address} connected`);
      peer.send({ t: "welcome", players: host.peers.length });
    } else if (event.type === "message") {
      // Quoted and cut short: JSON leaves C1's (U+009B, a terminal's CSI) raw, and a message may be 4 KiB. A bigint (an
      // integer past 2^53 unpacks as one) shows with its n: JSON.stringify threw on it, and one 13-byte message,
      // { n: 2n ** 60n }, ended the server (a review, 2026-12-06). JSON leaves bidi controls raw too (Unicode's
      // Bidi_Control: U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), and "\u202e" turned the rest of
      // the log's line around: escaped as well (a review, 2026-12-06). Unicode's other format characters show as they
      // are: ZWJ (U+200D) joins emoji, and moves no text.
      const json = JSON.stringify(event.data, (_key, value) => typeof value === "bigint" ? `${value}n` : value);
      const shown = (json ?? String(typeof event.data)).slice(0, 200)
        .replace(/[\p{Cc}\p{Bidi_Control}]/gu, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
      console.log(`${peer.address} says ${shown}`);
      // A message may be polled after its peer left (its goodbye came in the same batch): no answer then. A message
      // at the size limit is over it once wrapped, and a queue may be full: that player is let go, not the server.
      try {
        if (peer.state === "connected") peer.send({ t: "heard", data: event.data });
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        peer.disconnect();
      }
    } else console.log(`${peer.address} left (${event.reason})`);
  }
}, 16);
