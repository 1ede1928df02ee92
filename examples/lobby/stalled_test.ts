import assert from "node:assert/strict";
import { type BufferedWebSocket, StalledWatch, upgradeOr400 } from "./stalled.ts";

/**
 * A server end of a WebSocket whose remote reads nothing: what is sent stays in bufferedAmount. Its "close" event comes
 * later, as a real WebSocket's does, not inside close().
 */
function unreadSocket() {
  const listeners: (() => void)[] = [];
  const socket = {
    bufferedAmount: 0,
    closes: 0,
    close() {
      socket.closes++;
      setTimeout(() => listeners.forEach((listener) => listener()), 0);
    },
    addEventListener: (_type: "close", listener: () => void) => void listeners.push(listener),
  };
  return socket satisfies BufferedWebSocket;
}

Deno.test("StalledWatch closes only the WebSockets with more than its limit unread, once, and forgets closed ones", async () => {
  const watch = new StalledWatch(1000);
  const [slow, fine, gone] = [unreadSocket(), unreadSocket(), unreadSocket()];
  for (const socket of [slow, fine, gone]) watch.add(socket);
  gone.close();
  await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(watch.size, 2);
  slow.bufferedAmount = 1001;
  fine.bufferedAmount = 1000;
  assert.equal(watch.sweep(), 1);
  assert.deepEqual([slow.closes, fine.closes], [1, 0]);
  // Before its close event arrives: a sweep must not close it again.
  assert.equal(watch.sweep(), 0, "a socket is closed once");
  assert.deepEqual([slow.closes, fine.closes], [1, 0]);
  assert.equal(watch.size, 1);
  await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(watch.size, 1);
});

Deno.test("upgradeOr400: a request that says it is a WebSocket upgrade but is not one gets a 400, not a throw", () => {
  // Without a Sec-WebSocket-Key Deno's upgrade throws: the lobby's and the arena's servers answered 500 and logged a
  // stack trace for each such request, which anyone could send (a review, 2026-12-05).
  const request = new Request("http://127.0.0.1/lobby", { headers: { upgrade: "websocket" } });
  const answer = upgradeOr400(request);
  assert.ok(answer instanceof Response);
  assert.equal(answer.status, 400);
});
