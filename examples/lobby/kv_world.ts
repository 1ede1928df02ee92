/**
 * Lobbies on one Deno KV file, as Lobby instances in one test process: each has its own Host, its own socket on one
 * memoryNet, its own KV handle (`Deno.openKv` on one file) and its own kvStore, on the memoryNet's virtual clock, for
 * the Hosts and the heartbeats alike. For kv_test.ts, handover_test.ts and burial_test.ts; for the kvStore tests of the
 * last two, an in-memory KV and stores on a clock of their own.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Host, memoryNet } from "../../mod.ts";
import { kvStore } from "./kv.ts";
import { type Delivery, Lobby, LobbyClient, type LobbyOptions, type Member, type SharedDirectory } from "./lobby.ts";

const TICK_MS = 16;

export interface Player {
  host: Host;
  client: LobbyClient;
}

export interface World {
  lobbies: Lobby[];
  /** Each lobby's id in the directory (its store's `shared.lobby`), in the order of `lobbies`. */
  ids: string[];
  logs: string[][];
  kv: Deno.Kv;
  net: ReturnType<typeof memoryNet>;
  players: Player[];
  addPlayer(lobby: string): Player;
  until(done: () => boolean, limit?: number): Promise<void>;
  /** Ticks one at a time until `done`, which may read the KV, holds: it fails the test past `limit` ticks (400). */
  untilRead(done: () => Promise<boolean>, limit?: number): Promise<void>;
  ask(player: number, request: Record<string, unknown>): Promise<Record<string, unknown>>;
  settle(promise: Promise<Record<string, unknown>>): Promise<Record<string, unknown> | Error>;
  /** The lobby stops updating: no heartbeats, no answers, no goodbye. */
  crash(lobby: number): void;
  /** A crashed lobby updates again, as one that stalled (a GC pause, a locked KV) and went on. */
  wake(lobby: number): void;
}

/**
 * Lobbies named `names`, and a player connected to each lobby named in `players`, for `test`.
 *
 * @param options every Lobby's options
 * @param wrap replaces lobby `i`'s store: one that sees or hears late (see sharedWith)
 * @param wrapKv replaces lobby `i`'s KV handle, before its store is made: one held inside a call (see listingHooked)
 */

export async function lobbies(
  names: string[],
  players: string[],
  test: (world: World) => Promise<void>,
  options: LobbyOptions = {},
  wrap: (i: number, store: ReturnType<typeof kvStore>) => ReturnType<typeof kvStore> = (_, store) => store,
  wrapKv: (i: number, kv: Deno.Kv) => Deno.Kv = (_, kv) => kv,
): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const kvs = [...names.map(() => Deno.openKv(path)), Deno.openKv(path)];
  const opened = await Promise.all(kvs);
  try {
    const net = memoryNet({ latencyMs: 5 });
    const logs: string[][] = names.map(() => []);
    const stores = names.map((_, i) => wrap(i, storeOn(wrapKv(i, opened[i]), net.now)));
    const all = names.map((address, i) =>
      new Lobby(new Host(net.socket(address), { now: net.now }), {
        ...options,
        now: net.now,
        log: (line) => logs[i].push(line),
        store: stores[i],
      })
    );
    const list: Player[] = [];
    let n = 0;
    const addPlayer = (lobby: string) => {
      const host = new Host(net.socket(`player${n++}`), { now: net.now });
      const player = { host, client: new LobbyClient(host.connect(lobby)) };
      list.push(player);
      return player;
    };
    for (const lobby of players) addPlayer(lobby);
    const crashed = new Set<Lobby>();
    const until = async (done: () => boolean, limit = 300) => {
      for (let tick = 0; tick < limit && !done(); tick++) {
        for (const { host } of list) host.update();
        await Promise.all(all.filter((lobby) => !crashed.has(lobby)).map((lobby) => lobby.update()));
        net.advance(TICK_MS);
        for (const { host, client } of list) for (let event; (event = host.poll());) client.handle(event);
      }
    };
    const untilRead = async (done: () => Promise<boolean>, limit = 400) => {
      for (let tick = 0; !(await done()); tick++) {
        assert.ok(tick < limit, `not done in ${limit} ticks`);
        await until(() => false, 1);
      }
    };
    const settle = async (promise: Promise<Record<string, unknown>>) => {
      let result: Record<string, unknown> | Error | undefined;
      promise.then((value) => result = value, (error) => result = error);
      await until(() => result !== undefined);
      assert.ok(result, "no answer");
      return result;
    };
    const ask = async (player: number, request: Record<string, unknown>) => {
      const result = await settle(list[player].client.request(request));
      if (result instanceof Error) throw result;
      return result;
    };
    await until(() => list.every(({ client }) => client.peer.state === "connected"));
    await test({
      lobbies: all,
      ids: stores.map((store) => store.shared.lobby),
      logs,
      kv: opened.at(-1)!,
      net,
      players: list,
      addPlayer,
      until,
      untilRead,
      ask,
      settle,
      crash: (i) => crashed.add(all[i]),
      wake: (i) => crashed.delete(all[i]),
    });
  } finally {
    for (const kv of opened) kv.close();
    await Deno.remove(path);
  }
}

/** A kvStore on `kv` whose clock is `now`, with every lobby's options here: heartbeatMs 1000, staleAfterMs 3000. */
export const storeOn = (kv: Deno.Kv, now: () => number): ReturnType<typeof kvStore> =>
  kvStore(kv, { now, heartbeatMs: 1000, staleAfterMs: 3000 });

/** Runs `test` on a fresh in-memory KV, and closes the KV after it. */
export async function inMemoryKv(test: (kv: Deno.Kv) => Promise<void>): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    await test(kv);
  } finally {
    kv.close();
  }
}

export const heard = (client: LobbyClient, op: string) => client.notices.filter((notice) => notice.op === op);

/** The leaves `client` heard, in order, each as the member's id and the new host it named (undefined if none). */
export const leavesHeard = (client: LobbyClient): [string, unknown][] =>
  heard(client, "member").filter((notice) => !notice.joined)
    .map((notice) => [(notice.member as Member).id, notice.host]);

/** A kvStore whose shared directory has some of its methods replaced: a lobby that sees or hears late, in a test. */
export function sharedWith(
  store: ReturnType<typeof kvStore>,
  replaced: Partial<Pick<SharedDirectory, "beat" | "alive" | "wasBuried" | "gone" | "lost" | "send" | "receive">>,
): ReturnType<typeof kvStore> {
  const shared = store.shared;
  return {
    ...store,
    shared: {
      lobby: shared.lobby,
      heartbeatMs: shared.heartbeatMs,
      beat: (taken) => shared.beat(taken),
      alive: (lobby: string) => shared.alive(lobby),
      wasBuried: (lobby: string) => shared.wasBuried?.(lobby) ?? false,
      gone: (lobby: string) => shared.gone?.(lobby) ?? false,
      lost: () => shared.lost?.() ?? false,
      send: (lobby: string, delivery: Delivery) => shared.send(lobby, delivery),
      receive: () => shared.receive(),
      ...replaced,
    },
  };
}

/** `store`, its lobby reading no mail while `held()`: what comes for it waits in its mailbox. */
export const mailHeldWhile = (store: ReturnType<typeof kvStore>, held: () => boolean): ReturnType<typeof kvStore> =>
  sharedWith(store, { receive: () => held() ? Promise.resolve([]) : store.shared.receive() });

/**
 * A KV handle whose `list` awaits `hook` before it lists (`listed` 0), after each entry it yields (`listed` counts them)
 * and once at the end (`listed` undefined): a lobby held between a read and the writes that follow, in a test.
 */
export function listingHooked(
  kv: Deno.Kv,
  hook: (prefix: Deno.KvKey, listed?: number) => Promise<void> | void,
): Deno.Kv {
  return new Proxy(kv, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (name !== "list") return typeof value === "function" ? value.bind(target) : value;
      return async function* (selector: { prefix: Deno.KvKey }, options?: Deno.KvListOptions) {
        let listed = 0;
        await hook(selector.prefix, listed);
        for await (const entry of target.list(selector, options)) {
          yield entry;
          await hook(selector.prefix, ++listed);
        }
        await hook(selector.prefix);
      };
    },
  });
}

/** Two KV keys, the same. */
export const sameKey = (a: Deno.KvKey, b: Deno.KvKey | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A lobby's heartbeat as kv.ts keeps it, the fields the tests read. */
export interface LobbyBeat {
  beatAt: number;
  buried?: boolean;
}

/**
 * Lobby `i` stalls (`w.crash(i)`) right after its next beat. Returns a reader of its heartbeat, and the time of its beat
 * before that one.
 */
export async function stallAfterBeat(w: World, i: number): Promise<{ beat: () => Promise<LobbyBeat>; before: number }> {
  const beat = async () => (await w.kv.get<LobbyBeat>(["jamnet-lobby", "lobbies", w.ids[i]])).value!;
  const before = (await beat()).beatAt;
  await w.untilRead(async () => (await beat()).beatAt !== before, 100);
  w.crash(i);
  return { beat, before };
}
