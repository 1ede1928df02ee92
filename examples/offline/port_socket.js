// @ts-check
/**
 * A jamnet `Socket` over a MessagePort (one end of a `MessageChannel`): a game's server in a Web Worker, played
 * offline with the same code as online. A port has one peer, the other end, which this socket names `remote`:
 * connect to `socket.address`. A MessagePort loses nothing and keeps order, so the socket is `reliable` (no acks but
 * of states, no resends); it tells nothing when its other end closes, so `close()` posts a word that says so, and the
 * other Host hears `"closed"` at once (a Worker terminated first leaves its peer to time out).
 *
 * Plain JavaScript with JSDoc types, so that a browser page and its Worker load it as it is (index.html beside this
 * file), and Deno imports it too (main.ts, server.ts). It names no runtime global and imports only types.
 *
 * From a review of 2026-12-05 (a developer writing a Socket from the README and the `Socket` JSDoc alone).
 *
 * @module
 */
/** @import { Socket, SocketEvent } from "../../mod.ts" */

const CLOSE = "close";

/**
 * A Socket over `port`, whose one peer is `remote`.
 *
 * @param {MessagePort} port one end of a MessageChannel
 * @param {string} [remote] the name of the other end: connect to `socket.address`
 * @returns {Socket & { readonly address: string }}
 */
export function portSocket(port, remote = "port") {
  /** @type {((data: Uint8Array, from: string) => void) | undefined} */
  let receive;
  /** @type {((event: SocketEvent) => void) | undefined} */
  let notify;
  let closed = false;
  return {
    address: remote,
    reliable: true,
    send(data, to) {
      // An address it cannot reach is a mistake in the program: thrown at once, as a malformed UDP address is.
      if (to !== remote) throw new RangeError(`Cannot reach "${to}": this MessagePort reaches only "${remote}"`);
      // A fault goes to notify (the Host counts it), never thrown: the Socket contract.
      if (closed) return notify?.({ type: "error", address: to, error: new Error("the MessagePort is closed") });
      // A copy whose buffer moves to the other thread: the Host's own bytes stay where they are.
      const copy = data.slice();
      port.postMessage(copy, [copy.buffer]);
    },
    listen(onReceive, onNotify) {
      receive = onReceive;
      notify = onNotify;
      // Setting onmessage starts the port (addEventListener would need port.start()).
      port.onmessage = ({ data }) => {
        if (data instanceof Uint8Array) receive?.(data, remote); // a fresh copy: the Host may keep it
        else if (data === CLOSE) notify?.({ type: "closed", address: remote });
      };
    },
    close() {
      if (closed) return;
      closed = true;
      port.postMessage(CLOSE);
      port.onmessage = null;
      port.close();
    },
  };
}
