/**
 * Which player plays in which world (rooms.ts), without a server: a Peer is
 * only a key there, so plain objects stand in for them.
 */
import assert from "node:assert/strict";
import type { Peer } from "../../mod.ts";
import { Rooms } from "./rooms.ts";

const peer = (name: string) => ({ name }) as unknown as Peer;

Deno.test("arena: Rooms seats one player per ticket, and a player who leaves is gone from its world, seat and ticket", () => {
  const named: string[] = [];
  const rooms = new Rooms({ randomFor: (room) => (named.push(room), () => 0.25) });
  const room = { id: "r1", name: "one" };
  const [ann, bob] = [peer("ann"), peer("bob")];
  const annSeat = rooms.join(room, "ann", ann, "ticket-ann");
  rooms.join(room, "bob", bob, "ticket-bob");
  // One world for the room, placed by the generator its name asked for.
  assert.deepEqual(named, ["one"]);
  const [world] = [...rooms];
  assert.deepEqual([annSeat.player.x, annSeat.player.y], [18 + 0.25 * (800 - 36), 18 + 0.25 * (480 - 36)]);
  // A ticket shown twice gives no second player, whoever shows it.
  assert.throws(() => rooms.join(room, "twin", peer("twin"), "ticket-ann"), RangeError);
  assert.equal(world.world.players.size, 2);

  // ann leaves: bob's world, snapshots and seats know her no more, and her ticket is free (a set that kept every
  // ticket ever seated would grow with every player that came and went).
  assert.equal(rooms.leave(ann), annSeat);
  assert.deepEqual([...world.world.players.values()].map((player) => player.name), ["bob"]);
  assert.deepEqual(Object.keys(world.world.snapshot(rooms.seat(bob)!.player).players), [
    String(rooms.seat(bob)!.player.id),
  ]);
  assert.equal(rooms.seat(ann), undefined);
  assert.deepEqual([...rooms.seats()].map(([seated]) => seated), [bob]);
  assert.equal(rooms.seated("ticket-ann"), false);
  assert.equal(rooms.leave(ann), undefined);

  // The last one out closes the world; the room's next player opens a new one.
  rooms.leave(bob);
  assert.deepEqual([...rooms], []);
  assert.equal(rooms.seated("ticket-bob"), false);
  rooms.join(room, "ann", ann, "ticket-ann");
  assert.notEqual([...rooms][0], world);
  assert.deepEqual(named, ["one", "one"]);
});
