/**
 * A lobby serves no player before its first beat went through: until then it may have no heartbeat entry, and the
 * other lobbies take a lobby with none for one forgotten (see `SharedDirectory.gone`) and drop its members.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Room } from "./client_lib.ts";
import { lobbies, type World } from "./kv_world.ts";
import { Lobby } from "./lobby.ts";

const roomKey = (id: string): Deno.KvKey => ["jamnet-lobby", "rooms", id];

/**
 * A KV handle whose commits that write a heartbeat throw "database is locked" while `failing()` says so: SQLite busy
 * past unlocked()'s 100 tries, or a remote KV's error, so that beat() throws.
 */
function beatsFail(kv: Deno.Kv, failing: () => boolean): Deno.Kv {
  return new Proxy(kv, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (name !== "atomic") return typeof value === "function" ? value.bind(target) : value;
      return () => {
        const operation = target.atomic();
        let beat = false;
        const set = operation.set.bind(operation);
        operation.set = (key: Deno.KvKey, written: unknown, options?: { expireIn?: number }) => {
          if (key[1] === "lobbies") beat = true;
          return set(key, written, options);
        };
        const commit = operation.commit.bind(operation);
        operation.commit = () => beat && failing() ? Promise.reject(new Error("database is locked")) : commit();
        return operation;
      };
    },
  });
}

/**
 * Lobbies X and L, a player on each; L's first two beats throw (each after unlocked()'s 100 tries), and an update that
 * throws is logged and the next goes on, as run() does.
 */
async function firstBeatsFail(test: (w: World) => Promise<void>): Promise<void> {
  const update = Object.getOwnPropertyDescriptor(Lobby.prototype, "update")!;
  const failed: string[] = [];
  Lobby.prototype.update = function () {
    return update.value.call(this).catch((error: unknown) => void failed.push(String(error)));
  };
  let failures = 0;
  try {
    await lobbies(
      ["X", "L"],
      ["X", "L"],
      test,
      { handOver: true },
      undefined,
      (i, kv) => i === 1 ? beatsFail(kv, () => failures++ < 200) : kv,
    );
  } finally {
    Object.defineProperty(Lobby.prototype, "update", update);
  }
  assert.ok(failed.some((error) => error.includes("database is locked")), "L's first beats did not fail");
}

// Before: L served the join while it had no heartbeat entry, and X's next beat dropped the player as a member of a
// lobby forgotten.
Deno.test("a lobby whose first beats failed serves its player's join only after a beat went through: X keeps the member", async () => {
  await firstBeatsFail(async (w) => {
    const { room } = await w.ask(0, { op: "create", name: "r", maxPlayers: 4 }) as { room: Room };
    const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string };
    await w.until(() => false, 150); // past X's next beats
    const stored = (await w.kv.get<Room>(roomKey(room.id))).value!;
    assert.ok(stored.members.some((member) => member.id === joined.you), "the live member on L was dropped");
  });
});

// Before: the host's leave passed over its only heir, on L with no entry yet, and closed the room.
Deno.test("a lobby whose first beats failed: the host's leave hands the room to the member on it", async () => {
  await firstBeatsFail(async (w) => {
    const { room } = await w.ask(0, { op: "create", name: "r", maxPlayers: 4 }) as { room: Room };
    const joined = await w.ask(1, { op: "join", room: room.id }) as { you: string };
    await w.ask(0, { op: "leave" });
    await w.until(() => false, 30);
    const stored = (await w.kv.get<Room>(roomKey(room.id))).value;
    assert.equal(stored?.host, joined.you, "the room closed instead of going to the live member on L");
  });
});
