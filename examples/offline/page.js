// @ts-check
/**
 * Offline play in a browser page (index.html): the game's server in a module Web Worker (worker.js), the client here,
 * over a MessagePort through port_socket.js, with the Host of dist/mod.js. The same game as main.ts in Deno
 * (game.js): the page prints the server's welcome and the world after 10 moves, and the server's lines, which the
 * Worker posts on its own channel (not the game's port), as they come.
 *
 * @module
 */
// @ts-types="../../dist/mod.d.ts"
import { Host } from "../../dist/mod.js";
import { play } from "./game.js";
import { portSocket } from "./port_socket.js";

const output = /** @type {HTMLElement} */ (document.querySelector("#log"));
output.textContent = ""; // index.html's word for a page whose modules did not load
/** @param {string} line */
const log = (line) => void output.append(line + "\n");

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
worker.addEventListener("message", ({ data }) => log(data)); // the server's lines
// A module that fails to load gives a bare Event, with no message.
worker.addEventListener("error", (event) => log(`the server's Worker failed: ${event.message || "it did not load"}`));
const channel = new MessageChannel();
worker.postMessage(channel.port2, [channel.port2]);

const socket = portSocket(channel.port1, "server");
play(new Host(socket), socket.address, log);
