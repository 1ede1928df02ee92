// @ts-check
/**
 * The offline game itself, one source for Deno and the browser: the server's loop and the client's, each on a Host
 * its caller made over a MessagePort (port_socket.js). Plain JavaScript with JSDoc types that imports only types, so
 * a page loads it as it is: in Deno, main.ts and server.ts hand it Hosts from mod.ts; in the browser, page.js and
 * worker.js hand it Hosts from dist/mod.js. Each loop prints through `log`.
 *
 * @module
 */
/** @import { Host, Peer } from "../../mod.ts" */

/**
 * What the loops use of a Host: its shape, so that a Host from mod.ts and one from dist/mod.js both fit (a class with
 * private fields is its own type to TypeScript, even built from the same source).
 *
 * @typedef {Pick<Host, "update" | "poll" | "connect" | "close">} GameHost
 */

/**
 * The game's server: the same Host and loop as a server over UDP or WebSocket. Each player has an x that its
 * `{ move }` messages change; the world goes to every player as a `"state"` each frame. When its last player leaves,
 * it closes its Host and resolves (then its Worker may close).
 *
 * @param {GameHost} host on the server's end of the port
 * @param {(line: string) => void} log prints a line
 * @returns {Promise<void>}
 */
export function serve(host, log) {
  return new Promise((resolve) => {
    /** @type {Map<Peer, number>} */
    const players = new Map();
    const frame = setInterval(() => {
      host.update();
      for (let event; (event = host.poll());) {
        if (event.type === "connect") {
          players.set(event.peer, 0);
          event.peer.send("welcome to the offline server");
        } else if (event.type === "message") {
          // A player may send anything: only a move of -1, 0 or 1 is taken.
          const move = /** @type {{ move?: unknown } | null} */ (event.data)?.move;
          if (move === -1 || move === 0 || move === 1) players.set(event.peer, (players.get(event.peer) ?? 0) + move);
        } else if (event.type === "disconnect") {
          players.delete(event.peer);
          log(`server: the player left (${event.reason})`);
          if (!players.size) return clearInterval(frame), host.close(), resolve();
        }
      }
      const world = { xs: [...players.values()] };
      for (const peer of players.keys()) peer.send(world, { mode: "state" });
    }, 16);
  });
}

/**
 * The client: connects to `address`, moves 10 times, prints the server's welcome and the world it last saw, then
 * leaves (its Host's close says goodbye to the server and closes the port) and resolves.
 *
 * @param {GameHost} host on the client's end of the port
 * @param {string} address the server's end: the socket's `address`
 * @param {(line: string) => void} log prints a line
 * @returns {Promise<void>}
 */
export function play(host, address, log) {
  return new Promise((resolve) => {
    const server = host.connect(address);
    let moves = 0;
    /** @type {unknown} */
    let world;
    const frame = setInterval(() => {
      if (server.state === "connected" && moves < 10) server.send({ move: 1 }), moves++;
      host.update();
      for (let event; (event = host.poll());) {
        if (event.type === "message" && event.mode === "state") world = event.data;
        else if (event.type === "message") log(`client: the server says "${event.data}"`);
        else if (event.type === "disconnect") {
          log(`client: disconnected (${event.reason})`); // the server went away: stop, and let the process end
          clearInterval(frame);
          host.close();
          return resolve();
        }
      }
      if (moves === 10 && JSON.stringify(world) === '{"xs":[10]}') {
        log(`client: the world after 10 moves: ${JSON.stringify(world)}`);
        clearInterval(frame);
        host.close(); // says goodbye to the server, and closes the port
        resolve();
      }
    }, 16);
  });
}
