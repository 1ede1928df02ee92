// @ts-check
/**
 * The game's server in a browser: a module Web Worker that page.js starts. The page posts it one end of a
 * MessageChannel; it serves the game there (game.js's `serve`) with the Host of dist/mod.js, as server.ts does in
 * Deno, and posts each line it prints to the page, on the Worker's own channel. When its last player leaves, it
 * closes its Host and itself.
 *
 * @module
 */
// @ts-types="../../dist/mod.d.ts"
import { Host } from "../../dist/mod.js";
import { serve } from "./game.js";
import { portSocket } from "./port_socket.js";

// Checked with the dom lib (scripts/browser.json), where `self` is a Window: its postMessage(message) is the Worker's.
self.onmessage = async ({ data }) => {
  await serve(new Host(portSocket(data, "player")), (line) => self.postMessage(line));
  self.close();
};
