/**
 * The arena's server over real WebSockets on 127.0.0.1: players come in
 * through the lobby and play only while the lobby counts them in the room.
 * Bounded: each wait gives up after a few seconds.
 */
import assert from "node:assert/strict";
import { startArena } from "./server.ts";

const WAIT_MS = 8000;

/** Polls `check` every 20 ms until it returns a value (not undefined) or WAIT_MS pass; throws with `what` then. */
async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline;) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`Gave up after ${WAIT_MS} ms waiting for ${what}`);
}

Deno.test({
  name: "arena: /play seats only a ticket the lobby gave, once, and lets the player go when the lobby does",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const arena = await startArena({ port: 0, log: () => {} });
    try {
      const play = async (query: string) => {
        const response = await fetch(`${arena.url}play?${query}`);
        return [response.status, await response.text()] as const;
      };
      // No ticket, a made-up one: refused before any WebSocket.
      for (const query of ["room=demo&name=x", "ticket=00000000-0000-4000-8000-000000000000"]) {
        const [status, text] = await play(query);
        assert.equal(status, 403, query);
        assert.match(text, /join a room through the lobby/);
      }

      // Two bots enter room "t" through the lobby (the first opens it, so hosts it) and play.
      const [host, guest] = [arena.addBot("t", "host"), arena.addBot("t", "guest")];
      await Promise.all([host.ready, guest.ready]);
      await until("both bots playing", () => guest.client?.newest?.players[2] && host.client?.newest);
      const room = [...arena.rooms][0];
      assert.equal(room.name, "t");
      assert.equal(arena.lobby.admitted(guest.ticket!)?.room.id, room.id);
      // A member id is known to the whole room: it is not a ticket.
      const [, member] = arena.lobby.admitted(guest.ticket!)!.room.members;
      assert.equal((await play(`ticket=${member.id}`))[0], 403);
      // The guest's ticket shown a second time: one player per ticket.
      const [status, text] = await play(`ticket=${guest.ticket}&name=twin`);
      assert.equal(status, 409);
      assert.match(text, /already playing/);
      assert.equal(room.members.size, 2);

      // A member's relays reach the host bot's lobby connection, which keeps none: they piled up in the bots, in the
      // server's process, until a review (2026-12-03; 130 MB in 40 s of 256 KiB relays).
      const bytesBefore = host.lobby.client.peer.stats.bytesReceived;
      for (let i = 0; i < 5; i++) guest.lobby.client.peer.send({ op: "relay", data: new Uint8Array(10_000) });
      await until("the relays at the host bot", () =>
        // 5 × 10,000 bytes, and their headers
        host.lobby.client.peer.stats.bytesReceived - bytesBefore > 50_000 || undefined);
      await new Promise((resolve) => setTimeout(resolve, 100)); // its next updates
      assert.deepEqual(host.lobby.client.notices, []);

      // The guest leaves the lobby's room: the arena lets its player go at once, and the game connection ends.
      await guest.lobby.client.request({ op: "leave" });
      await until("the guest's game connection to end", () => guest.client!.ended);
      assert.deepEqual([...room.members.values()].map((player) => player.name), ["host"]);

      // The host's lobby connection ends: the lobby closes the room, and the arena its world.
      const third = arena.addBot("t", "third");
      await third.ready;
      await until("the third bot playing", () => third.client?.newest);
      host.lobby.close();
      await until("the others' game connections to end", () => host.client!.ended && third.client!.ended);
      assert.deepEqual([...arena.rooms], []);
    } finally {
      await arena.close();
    }
  },
});

Deno.test({
  name: "arena: a WebSocket that never does jamnet's handshake is closed after handshakeWaitMs",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Before, it stayed open for good, however many one address opened (a review, 2026-12-03).
    const arena = await startArena({ port: 0, log: () => {}, handshakeWaitMs: 300 });
    try {
      const silent = new WebSocket(`${arena.url.replace("http", "ws")}lobby`);
      let closed = false;
      silent.addEventListener("close", () => closed = true);
      await until("the silent WebSocket to open", () => silent.readyState === WebSocket.OPEN || undefined);
      await until("the silent WebSocket to be closed", () => closed || undefined);
    } finally {
      await arena.close();
    }
  },
});
