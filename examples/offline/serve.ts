/**
 * Serves the offline game's page on 127.0.0.1: index.html beside this file, its modules (page.js, worker.js, game.js,
 * port_socket.js) and dist/mod.js, each at its path from the repository's root, so that their relative imports
 * resolve in the browser as they do on disk. The game's server is not here: it runs in the page's Web Worker.
 *
 *     deno run --allow-net=127.0.0.1 --allow-read=. examples/offline/serve.ts [--port 8000]
 *
 * then open http://127.0.0.1:8000/ in a browser: the page prints the server's welcome, the world after 10 moves and
 * the server's "the player left (closed)", as `deno run --allow-read examples/offline/main.ts` does in a terminal.
 * `--port 0` takes a free port (it prints which).
 *
 * @module
 */
import { parseArgs } from "node:util";

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

const root = new URL("../../", import.meta.url);
const PAGE = "/examples/offline/";
/** The files the page loads, by URL path: only these are served. */
const FILES: Record<string, string> = {
  [PAGE]: "examples/offline/index.html",
  ...Object.fromEntries(
    ["page.js", "worker.js", "game.js", "port_socket.js"].map((name) => [PAGE + name, `examples/offline/${name}`]),
  ),
  "/dist/mod.js": "dist/mod.js",
  "/dist/mod.js.map": "dist/mod.js.map",
};

// Started from another folder, `--allow-read=.` grants that folder and not the repository: the server said "Open …" and
// answered every page load with a 500 and a stack trace here. Each file is tried once, at the start.
for (const file of Object.values(FILES).map((path) => new URL(path, root))) {
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

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  map: "application/json",
};

try {
  Deno.serve({
    hostname: "127.0.0.1",
    port,
    onListen: ({ port }) => console.log(`Open http://127.0.0.1:${port}/ in a browser (Ctrl+C ends this server)`),
  }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/") return Response.redirect(new URL(PAGE, request.url), 302);
    const file = FILES[path];
    if (!file || request.method !== "GET") return new Response("not here", { status: 404 });
    return new Response(await Deno.readFile(new URL(file, root)), {
      headers: { "content-type": CONTENT_TYPES[file.slice(file.lastIndexOf(".") + 1)] },
    });
  });
} catch (error) {
  if (!(error instanceof Deno.errors.AddrInUse)) throw error;
  console.error(`Port ${port} is taken: stop what uses it, or pick another: --port 8001`);
  Deno.exit(1);
}
