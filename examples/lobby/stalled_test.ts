import assert from "node:assert/strict";
import { type BufferedWebSocket, StalledWatch } from "./stalled.ts";

/** A server end of a WebSocket whose remote reads nothing: what is sent stays in bufferedAmount. */
function unreadSocket() {
  const listeners: (() => void)[] = [];
  const socket = {
    bufferedAmount: 0,
    closes: 0,
    close() {
      socket.closes++;
      for (const listener of listeners) listener();
    },
    addEventListener: (_type: "close", listener: () => void) => void listeners.push(listener),
  };
  return socket satisfies BufferedWebSocket;
}

Deno.test("StalledWatch closes only the WebSockets with more than its limit unread, once, and forgets closed ones", () => {
  const watch = new StalledWatch(1000);
  const [slow, fine, gone] = [unreadSocket(), unreadSocket(), unreadSocket()];
  for (const socket of [slow, fine, gone]) watch.add(socket);
  gone.close();
  assert.equal(watch.size, 2);
  slow.bufferedAmount = 1001;
  fine.bufferedAmount = 1000;
  assert.equal(watch.sweep(), 1);
  assert.deepEqual([slow.closes, fine.closes], [1, 0]);
  assert.equal(watch.sweep(), 0, "a socket is closed once");
  assert.equal(watch.size, 1);
});
