/**
 * Lobbies on one Deno KV file, as Lobby instances in one test process: each has its own Host, its own socket on one
 * memoryNet, its own KV handle (`Deno.openKv` on one file) and its own kvStore, on the memoryNet's virtual clock, for
 * the Hosts and the heartbeats alike. For kv_test.ts and handover_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Host, memoryNet } from "../../mod.ts";
import { kvStore } from "./kv.ts";
import { type Delivery, Lobby, LobbyClient, type LobbyOptions, type SharedDirectory } from "./lobby.ts";

const TICK_MS = 16;

export interface Player {
  host: Host;
  client: LobbyClient;
}

export interface World {
  lobbies: Lobby[];
  logs: string[][];
  kv: Deno.Kv;
  net: ReturnType<typeof memoryNet>;
  players: Player[];
  addPlayer(lobby: string): Player;
  until(done: () => boolean, limit?: number): Promise<void>;
  ask(player: number, request: Record<string, unknown>): Promise<Record<string, unknown>>;
  settle(promise: Promise<Record<string, unknown>>): Promise<Record<string, unknown> | Error>;
  crash(lobby: number): void;
}

export async function lobbies(
  names: string[],
  players: string[],
  test: (world: World) => Promise<void>,
  options: LobbyOptions = {},
  wrap: (i: number, store: ReturnType<typeof kvStore>) => ReturnType<typeof kvStore> = (_, store) => store,
): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const kvs = [...names.map(() => Deno.openKv(path)), Deno.openKv(path)];
  const opened = await Promise.all(kvs);
  try {
    const net = memoryNet({ latencyMs: 5 });
    const logs: string[][] = names.map(() => []);
    const all = names.map((address, i) =>
      new Lobby(new Host(net.socket(address), { now: net.now }), {
        ...options,
        now: net.now,
        log: (line) => logs[i].push(line),
        store: wrap(i, kvStore(opened[i], { now: net.now, heartbeatMs: 1000, staleAfterMs: 3000 })),
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
      logs,
      kv: opened.at(-1)!,
      net,
      players: list,
      addPlayer,
      until,
      ask,
      settle,
      crash: (i) => crashed.add(all[i]),
    });
  } finally {
    for (const kv of opened) kv.close();
    await Deno.remove(path);
  }
}

export const heard = (client: LobbyClient, op: string) => client.notices.filter((notice) => notice.op === op);

/** A kvStore whose shared directory has some of its methods replaced: a lobby that sees or hears late, in a test. */
export function sharedWith(
  store: ReturnType<typeof kvStore>,
  replaced: Partial<Pick<SharedDirectory, "beat" | "alive" | "receive">>,
): ReturnType<typeof kvStore> {
  const shared = store.shared;
  return {
    ...store,
    shared: {
      lobby: shared.lobby,
      heartbeatMs: shared.heartbeatMs,
      beat: (taken) => shared.beat(taken),
      alive: (lobby: string) => shared.alive(lobby),
      send: (lobby: string, delivery: Delivery) => shared.send(lobby, delivery),
      receive: () => shared.receive(),
      ...replaced,
    },
  };
}
