/**
 * A jamnet `Socket` over a MessagePort (one end of a `MessageChannel`): a game's server in a Web Worker, played
 * offline with the same code as online. A port has one peer, the other end, which this socket names `remote`:
 * connect to `socket.address`. A MessagePort loses nothing and keeps order, so the socket is `reliable` (no acks but
 * of states, no resends); it tells nothing when its other end closes, so `close()` posts a word that says so, and the
 * other Host hears `"closed"` at once (a Worker terminated first leaves its peer to time out).
 *
 * From a review of 2026-12-05 (a developer writing a Socket from the README and the `Socket` JSDoc alone).
 *
 * @module
 */
import type { Socket, SocketEvent } from "../../mod.ts";

const CLOSE = "close";

/** A Socket over `port`, whose one peer is `remote`. */
export function portSocket(port: MessagePort, remote = "port"): Socket & { readonly address: string } {
  let receive: ((data: Uint8Array, from: string) => void) | undefined;
  let notify: ((event: SocketEvent) => void) | undefined;
  let closed = false;
  return {
    address: remote,
    reliable: true,
    send(data, to) {
      if (to !== remote) throw new RangeError(`Cannot send to "${to}": this MessagePort reaches only "${remote}"`);
      if (closed) throw new Error("Cannot send: the MessagePort is closed");
      // A copy whose buffer moves to the other thread: the Host's own bytes stay where they are.
      const copy = data.slice();
      port.postMessage(copy, [copy.buffer]);
    },
    listen(onReceive, onNotify) {
      receive = onReceive;
      notify = onNotify;
      // Setting onmessage starts the port (addEventListener would need port.start()).
      port.onmessage = ({ data }: MessageEvent) => {
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
