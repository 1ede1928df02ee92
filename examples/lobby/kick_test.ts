/**
 * A kick inside a lobby update that then fails: a stand-in Host whose peer reports its disconnect in `state`, and a
 * shared directory whose store throws on one room (a review of 2026-12-03 wrote these stand-ins).
 */
import assert from "node:assert/strict";
import type { Host, HostEvent, Peer } from "../../mod.ts";
import { Lobby, memoryStore, type Room, type RoomStore, type SharedDirectory } from "./lobby.ts";

function standIn(address: string) {
  const events: HostEvent[] = [];
  const sent: Record<string, unknown>[] = [];
  const link = { full: false };
  let disconnects = 0;
  const peer = {
    address,
    get state() {
      return disconnects ? "disconnecting" : "connected";
    },
    send(message: Record<string, unknown>) {
      if (disconnects) return false;
      if (link.full) {
        throw new RangeError(`Cannot send 40 bytes to ${address}: 4194304 bytes are queued and the limit is 4194304`);
      }
      sent.push(message);
      return true;
    },
    disconnect() {
      disconnects++;
    },
  } as unknown as Peer;
  const host = { update() {}, poll: () => events.shift() } as unknown as Host;
  const request = (data: Record<string, unknown>) =>
    events.push({ type: "message", peer, data, channel: 0, mode: "reliable" });
  events.push({ type: "connect", peer });
  return {
    host,
    events,
    sent,
    link,
    request,
    peer,
    get disconnects() {
      return disconnects;
    },
  };
}

/** Fills `who`'s waiting queue to one short of the kick (maxPendingAnswers 1 → 4,097 waiting). */
async function fillToKick(lobby: Lobby, who: ReturnType<typeof standIn>) {
  who.link.full = true;
  for (let id = 100; id < 100 + 4097; id++) who.request({ op: "list", id });
  while (who.events.length) await lobby.update();
}

Deno.test("lobby: a kick that an update failed after (the store threw) is done before the next update's first event", async () => {
  let time = 0;
  const dead = new Set<string>();
  const shared: SharedDirectory = {
    lobby: "here",
    heartbeatMs: 100,
    beat: () => Promise.resolve(),
    alive: (l) => !dead.has(l),
    send: () => Promise.resolve(undefined),
    receive: () => Promise.resolve([]),
  };
  const inner = memoryStore();
  let failFor: string | undefined;
  const store: RoomStore = {
    ...inner,
    shared,
    update: (id, change) => id === failFor ? Promise.reject(new Error("KV busy")) : inner.update!(id, change),
  };
  const k = standIn("k:1"), m = standIn("m:1"), other = standIn("o:1");
  const lobby = new Lobby([k.host, m.host, other.host], { now: () => time, store, maxPendingAnswers: 1 });
  k.request({ op: "create", name: "kroom", maxPlayers: 4, id: 1 });
  other.request({ op: "create", name: "oroom", maxPlayers: 4, id: 1 });
  await lobby.update();
  const kroom = (k.sent[0] as { room: Room }).room, oroom = (other.sent[0] as { room: Room }).room;
  m.request({ op: "join", room: kroom.id, id: 2 });
  await lobby.update();
  const remote = { id: "remote01", address: "x", lobby: "there" };
  for (const id of [kroom.id, oroom.id]) await inner.update!(id, (r) => ({ ...r, members: [...r.members, remote] }));
  (shared as { receive: () => Promise<unknown[]> }).receive = (() => {
    let once = true;
    return () =>
      Promise.resolve(
        once
          ? (once = false,
            [kroom.id, oroom.id].map((room) => ({
              room,
              message: { op: "member", room, member: remote, joined: true },
            })))
          : [],
      );
  })() as never;
  await lobby.update();
  await fillToKick(lobby, k);
  dead.add("there");
  failFor = oroom.id; // the second room's change fails: the update rejects after the kick in the first
  time += 1000;
  await assert.rejects(lobby.update(), /KV busy/);
  assert.equal(k.disconnects, 2);
  // Its leave waits for the next update, and its ticket admits no one meanwhile: it is no client of the lobby now.
  assert.equal(lobby.admitted((k.sent[0] as { ticket: string }).ticket), undefined);
  failFor = undefined;
  m.request({ op: "relay", data: "hi", id: 3 });
  await lobby.update();
  // The kicked host's room closed before M's relay was handled: M is in no room (it read "the peer k:1 is gone",
  // the room still open, a review, 2026-12-03).
  assert.deepEqual(m.sent.slice(-2).map((message) => [message.op, message.error]), [
    ["closed", undefined],
    ["error", "Not in a room: join one to relay"],
  ]);
});

Deno.test("lobby: a kicked client is kicked once and hears nothing more, however many notices come before its leave", async () => {
  // Two deliveries from another lobby in one update, each a notice to a client one short of the kick: the first kicks
  // it; the second must find it gone. Answered again, it was kicked again: its address counted down twice, its
  // disconnect and log line doubled (a mutant of #answer, 2026-12-06).
  let mail: unknown[] = [];
  const shared: SharedDirectory = {
    lobby: "here",
    heartbeatMs: 100,
    beat: () => Promise.resolve(),
    alive: () => true,
    send: () => Promise.resolve(undefined),
    receive: () => Promise.resolve(mail.splice(0) as never),
  };
  const lines: string[] = [];
  const k = standIn("k:1");
  const lobby = new Lobby(k.host, {
    now: () => 0,
    store: { ...memoryStore(), shared },
    maxPendingAnswers: 1,
    log: (line) => lines.push(line),
  });
  k.request({ op: "create", name: "kroom", maxPlayers: 4, id: 1 });
  await lobby.update();
  const { room, ticket } = k.sent[0] as { room: Room; ticket: string };
  await fillToKick(lobby, k);
  assert.equal(k.disconnects, 0);
  mail = ["r1", "r2"].map((id) => ({
    room: room.id,
    message: { op: "member", room: room.id, member: { id, address: "x", lobby: "there" }, joined: true },
  }));
  await lobby.update();
  assert.equal(k.disconnects, 2, "one kick: a disconnect, and one more to drop its queue");
  assert.equal(lines.filter((line) => line.includes("let too many answers pile up")).length, 1);
  assert.equal(lobby.clients, 0);
  assert.equal(lobby.admitted(ticket), undefined);
});
