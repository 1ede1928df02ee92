import assert from "node:assert/strict";
import { type BufferedWebSocket, StalledWatch, upgradeOr400 } from "./stalled.ts";

/**
 * A server end of a WebSocket whose remote reads nothing: what is sent stays in bufferedAmount. Its "close" event comes
 * later, as a real WebSocket's does, not inside close(); `fire("error")` is Deno's word that a write failed.
 */
function unreadSocket() {
  const listeners = { close: [] as (() => void)[], error: [] as (() => void)[] };
  const fire = (type: "close" | "error") => listeners[type].forEach((listener) => listener());
  const socket = {
    bufferedAmount: 0,
    closes: 0,
    close() {
      socket.closes++;
      setTimeout(() => fire("close"), 0);
    },
    addEventListener: (type: "close" | "error", listener: () => void) => void listeners[type].push(listener),
    fire,
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

Deno.test("StalledWatch holds a WebSocket it closed against its address until Deno's error event: admits() says no at maxHeldPerAddress", async () => {
  // Deno keeps what waited on a closed WebSocket, and its connection, until the remote reads or goes away, and its
  // close event comes at the remote's next frame: counted until then, 30 strangers' connections held 345 MiB, and more
  // came (a helper, 2026-12-05).
  const watch = new StalledWatch(1000, 2);
  const [first, second, other] = [unreadSocket(), unreadSocket(), unreadSocket()];
  watch.add(first, "203.0.113.7");
  watch.add(second, "203.0.113.7");
  watch.add(other, "198.51.100.1");
  first.bufferedAmount = 1001;
  assert.equal(watch.sweep(), 1);
  assert.ok(watch.admits("203.0.113.7"), "one held of 2");
  second.bufferedAmount = 1001;
  assert.equal(watch.sweep(), 1);
  assert.deepEqual([watch.admits("203.0.113.7"), watch.admits("198.51.100.1")], [false, true]);
  // The close events (at the remotes' next frames) say nothing of what Deno holds.
  await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(watch.held, 2);
  assert.ok(!watch.admits("203.0.113.7"));
  // A write failed: the connection is gone, and what waited with it. Told twice, counted once.
  first.fire("error");
  first.fire("error");
  assert.equal(watch.held, 1);
  assert.ok(watch.admits("203.0.113.7"));
  second.fire("error");
  assert.equal(watch.held, 0);
  assert.equal(watch.size, 1);
});

Deno.test("StalledWatch holds a WebSocket that ended by itself while its last sweep saw more than its floor unread, not one with less", () => {
  // A remote that half-closes its connection ends its WebSocket at once, Deno's close event and all, and Deno keeps
  // what waited (64 MiB, measured): uncounted, it was a way around the limit. But a sweep sees the sends of its turn
  // still waiting on a reader too: counting any byte, one address was refused after 4 honest leaves (a review,
  // 2026-12-05).
  const watch = new StalledWatch(1000, 1, 100);
  const [behind, caughtUp, fine, reading] = [unreadSocket(), unreadSocket(), unreadSocket(), unreadSocket()];
  for (const socket of [behind, caughtUp, fine, reading]) watch.add(socket, "203.0.113.7");
  behind.bufferedAmount = 500;
  caughtUp.bufferedAmount = 500;
  reading.bufferedAmount = 100;
  assert.equal(watch.sweep(), 0);
  caughtUp.bufferedAmount = 0;
  watch.sweep();
  fine.fire("close");
  caughtUp.fire("close");
  reading.fire("close");
  assert.equal(watch.held, 0);
  assert.ok(watch.admits("203.0.113.7"));
  behind.fire("close");
  assert.equal(watch.held, 1);
  assert.ok(!watch.admits("203.0.113.7"));
  assert.equal(watch.size, 0);
  behind.fire("error");
  assert.ok(watch.admits("203.0.113.7"));
  assert.equal(new StalledWatch().floor, 64 << 10);
});

Deno.test("StalledWatch forgets a hold after heldMs when Deno's error event never comes, and the address with it", async () => {
  // Under load Deno's error event sometimes never came after the remote reset its connection, and one before the close
  // event is missed: with no end to the count, an address stayed refused until a restart (a review, 2026-12-05).
  const watch = new StalledWatch(1000, 1, 64 << 10, 40);
  const socket = unreadSocket();
  watch.add(socket, "10.0.0.1");
  socket.bufferedAmount = 1001;
  watch.sweep();
  assert.equal(watch.admits("10.0.0.1"), false);
  assert.equal(watch.held, 1);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(watch.admits("10.0.0.1"), true, "admitted once heldMs passed, with no error event");
  assert.equal(watch.held, 0);
  socket.fire("error"); // late: nothing left to release, and nothing goes below 0
  assert.equal(watch.held, 0);
});

Deno.test("upgradeOr400: a request that says it is a WebSocket upgrade but is not one gets a 400, not a throw", () => {
  // Without a Sec-WebSocket-Key Deno's upgrade throws: the lobby's and the arena's servers answered 500 and logged a
  // stack trace for each such request, which anyone could send (a review, 2026-12-05).
  const request = new Request("http://127.0.0.1/lobby", { headers: { upgrade: "websocket" } });
  const answer = upgradeOr400(request);
  assert.ok(answer instanceof Response);
  assert.equal(answer.status, 400);
});
