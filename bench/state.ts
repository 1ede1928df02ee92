/**
 * `deno task bench:state`: bytes per snapshot of the issue's world (64
 * entities `{id, x, y, vx, vy, hp, name}`, 10% of them moving each tick, 20
 * snapshots a second) over 30 s of ticks on a memoryNet, for the ways a game
 * sends its world today:
 *
 * - jamnet's `"state"` mode (a delta against the newest snapshot acked);
 * - a full `pack` of the world each tick;
 * - JSON of the world each tick (UTF-8 bytes);
 * - `@colyseus/schema`: its Encoder's patches (`encode()`, the changes since
 *   the last call; the first is `encodeAll()`), sent reliably, as Colyseus
 *   sends them;
 * - `@geckos.io/snapshot-interpolation`: `SI.snapshot.create(entities)`, as
 *   JSON, and as the schema model its README suggests for compression
 *   (`@geckos.io/typed-array-buffer-schema`, float64 fields: lossless like
 *   the others).
 *
 * Each runs on its own pair of Hosts, on a link of 30 ms one way, without
 * loss and with 20%. A whole world is over one packet, and jamnet sends
 * messages over one packet only in the reliable modes and in `"state"`: the
 * whole-world ways go `"unordered"` (reliable, without waiting for order),
 * Colyseus's patches `"reliable"` (they must apply in order). Wire bytes are
 * every datagram byte the sender's Host sends (`stats.bytesSent`: headers,
 * tags, acks, clock frames and resends included) divided by the snapshots;
 * payload bytes are the message alone.
 *
 * The `"state"` payloads are read off the wire: the bench finds each
 * snapshot's send time in the datagrams, reads which baseline it was coded
 * against, and checks the bytes that follow against its own copy of the XOR
 * delta. Against the same baselines it then codes a structural diff (changed
 * leaf values with their paths, packed), for the comparison the comment in
 * mod.ts's "Snapshots" section makes.
 *
 * A benchmark reports; it never fails the build. The receiver's copy of the
 * last world is checked equal to the sender's wherever delivery is reliable.
 *
 * @module
 */
import { Host, memoryNet, type MessageEvent, pack, type Peer, type Socket } from "../mod.ts";
import { type Entity, world } from "../test_tools.ts";
import { Decoder, Encoder, schema, t } from "npm:@colyseus/schema@5.0.34";
import { SnapshotInterpolation } from "npm:@geckos.io/snapshot-interpolation@1.1.1";
import { BufferSchema, float64, Model, string8, uint64, uint8 } from "npm:@geckos.io/typed-array-buffer-schema@1.2.1";

const SECONDS = 30;
const SNAPSHOTS_PER_SECOND = 20;
const TICKS = SECONDS * SNAPSHOTS_PER_SECOND;
const TICK_MS = 1000 / SNAPSHOTS_PER_SECOND;
/** Hosts update three times a snapshot: a 60 Hz game loop. */
const UPDATES_PER_TICK = 3;
const LATENCY_MS = 30;
/** The message bytes a packet holds at the default MTU of 1,200: the MTU minus the longest header, tag and frame head. */
const PIECE_BYTES = 1200 - 25;

// ─── Deltas: a copy of mod.ts's XOR delta, and a structural diff ────────────

function writeVarint(bytes: Uint8Array, at: number, value: number): number {
  for (; value > 127; value >>>= 7) bytes[at++] = 128 | (value & 127);
  bytes[at++] = value;
  return at;
}

/** mod.ts's xorDelta, byte for byte (the bench checks it against the wire). */
function xorDelta(bytes: Uint8Array, base: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2 + 10);
  const length = bytes.length;
  const differs = (i: number) => i < length && bytes[i] !== (base[i] ?? 0);
  let at = writeVarint(out, 0, length);
  for (let i = 0; i < length;) {
    const same = i;
    while (i < length && !differs(i)) i++;
    if (i === length) break;
    const start = i;
    while (differs(i) || differs(i + 1) || differs(i + 2)) i++;
    at = writeVarint(out, at, start - same);
    at = writeVarint(out, at, i - start);
    for (let j = start; j < i; j++) out[at++] = bytes[j] ^ (base[j] ?? 0);
  }
  return out.subarray(0, at);
}

type Path = (string | number)[];

/**
 * The leaves of `next` that differ from `base`, as a flat list of path and
 * value: objects with the same keys and arrays of the same length are walked
 * key by key, anything else that differs is one leaf, whole.
 */
function changedLeaves(next: unknown, base: unknown, path: Path = [], out: unknown[] = []): unknown[] {
  if (Object.is(next, base)) return out;
  const walkable = (value: unknown) => value !== null && typeof value === "object";
  if (walkable(next) && walkable(base) && Array.isArray(next) === Array.isArray(base)) {
    const nextKeys = Object.keys(next as object);
    const baseKeys = Object.keys(base as object);
    if (nextKeys.length === baseKeys.length && nextKeys.every((key, i) => key === baseKeys[i])) {
      for (const key of nextKeys) {
        const step = Array.isArray(next) ? Number(key) : key;
        changedLeaves(
          (next as Record<string, unknown>)[key],
          (base as Record<string, unknown>)[key],
          [...path, step],
          out,
        );
      }
      return out;
    }
  }
  out.push(path, next);
  return out;
}

/** A structural diff, packed: `[path, value, path, value, …]`, each path an array of keys and indexes. */
const structuralDiff = (next: unknown, base: unknown): Uint8Array => pack(changedLeaves(next, base));

// ─── The other libraries' encodings ─────────────────────────────────────────

const ColyseusEntity = schema({
  id: t.uint8(),
  x: t.float64(),
  y: t.float64(),
  vx: t.float64(),
  vy: t.float64(),
  hp: t.uint8(),
  name: t.string(),
}, "Entity");
const ColyseusWorld = schema({ entities: t.array(ColyseusEntity) }, "World");

/** Colyseus's side of the world: a schema mirror, updated from the plain entities, and its encoder. */
function colyseus(entities: Entity[]): () => Uint8Array {
  const state = new ColyseusWorld();
  for (const entity of entities) state.entities.push(new ColyseusEntity({ ...entity }));
  const encoder = new Encoder(state);
  let first = true;
  return () => {
    entities.forEach((entity, i) => {
      const mirror = state.entities[i] as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(entity)) if (mirror[key] !== value) mirror[key] = value;
    });
    // The encoder hands out a view into its own buffer: copy it before the next encode.
    const bytes = (first ? encoder.encodeAll() : encoder.encode()).slice();
    encoder.discardChanges();
    first = false;
    return bytes;
  };
}

/** The schema model of a geckos snapshot; the bench makes two, as sender and receiver would (decoding rewrites a model's fields). */
function geckosModel(): Model {
  const entity = BufferSchema.schema("entity", {
    id: uint8,
    x: float64,
    y: float64,
    vx: float64,
    vy: float64,
    hp: uint8,
    name: { type: string8, length: 8 },
  });
  const snapshot = BufferSchema.schema("snapshot", { id: { type: string8, length: 6 }, time: uint64, state: [entity] });
  return new Model(snapshot, 16); // 16 KB of buffer: a snapshot is 2.7 KB
}
const geckosEncoder = geckosModel();
const geckosDecoder = geckosModel();
const geckos = new SnapshotInterpolation(SNAPSHOTS_PER_SECOND);
const utf8 = new TextEncoder();

// ─── The run ────────────────────────────────────────────────────────────────

interface Way {
  name: string;
  mode: "state" | "unordered" | "reliable";
  /** What goes to `send` for this tick, and its payload bytes (undefined for state: read off the wire). */
  encode: (entities: Entity[], tick: number) => { value: unknown; payloadBytes?: number };
  /** The entities in a message this way sends, or (`receiver`) rebuilt from every message in order. */
  decode?: (data: unknown) => Entity[];
  receiver?: () => { receive: (data: unknown) => void; world: () => Entity[] };
}

const fromJson = (data: unknown) => JSON.parse(new TextDecoder().decode(data as Uint8Array));

const packed = (value: unknown) => ({ value, payloadBytes: pack(value).length });

function ways(entities: Entity[]): Way[] {
  const colyseusNext = colyseus(entities);
  return [
    {
      name: 'jamnet `"state"`',
      mode: "state",
      encode: (entities) => ({ value: entities }),
      decode: (data) => data as Entity[],
    },
    { name: "full `pack` each tick", mode: "unordered", encode: packed, decode: (data) => data as Entity[] },
    {
      name: "JSON each tick",
      mode: "unordered",
      encode: (entities) => {
        const bytes = utf8.encode(JSON.stringify(entities));
        return { value: bytes, payloadBytes: bytes.length };
      },
      decode: fromJson,
    },
    {
      name: "@colyseus/schema patches",
      mode: "reliable",
      encode: () => {
        const bytes = colyseusNext();
        return { value: bytes, payloadBytes: bytes.length };
      },
      receiver: () => {
        const decoder = new Decoder(new ColyseusWorld());
        return {
          receive: (data) => decoder.decode(data as Uint8Array),
          world: () => (decoder.state.toJSON() as { entities: Entity[] }).entities,
        };
      },
    },
    {
      name: "geckos snapshot, JSON",
      mode: "unordered",
      encode: (entities) => {
        const bytes = utf8.encode(JSON.stringify(geckos.snapshot.create(entities as never)));
        return { value: bytes, payloadBytes: bytes.length };
      },
      decode: (data) => fromJson(data).state,
    },
    {
      name: "geckos snapshot, typed-array-buffer-schema",
      mode: "unordered",
      encode: (entities) => {
        const bytes = new Uint8Array(geckosEncoder.toBuffer(geckos.snapshot.create(entities as never) as never));
        return { value: bytes, payloadBytes: bytes.length };
      },
      // string8 pads a name to its length with spaces.
      decode: (data) =>
        (geckosDecoder.fromBuffer((data as Uint8Array).slice().buffer) as { state: Entity[] }).state
          .map((entity) => ({ ...entity, name: entity.name.trimEnd() })),
    },
  ];
}

interface Delta {
  tick: number;
  /** Its packed bytes. */
  whole: number;
  /** Payloads against the baseline the sender used: the XOR delta (or the whole, when that is smaller), a structural diff. */
  xor: number;
  structural: number;
  /** The same against the snapshot of the tick before. */
  xorPrevious: number;
  structuralPrevious: number;
}

interface Result {
  name: string;
  mode: string;
  wireBytes: number;
  payloadBytes: number;
  delivered: number;
  check: string;
  bytesAt: number[];
  /** For "state": per snapshot with a baseline, the payloads of the XOR delta (as sent) and of a structural diff. */
  deltas?: Delta[];
  /** For "state": the snapshots whose head the bench found on the wire, checked against its XOR delta. */
  matched?: number;
}

const sameFloat64 = (bytes: Uint8Array, at: number, time: Uint8Array) =>
  time.every((byte, i) => bytes[at + i] === byte);

function run(wayIndex: number, loss: number, seed: number): Result {
  const game = world(seed);
  const way = ways(game.entities)[wayIndex];
  const net = memoryNet({ latencyMs: LATENCY_MS, loss, seed });
  // The client's datagrams as they leave, before the link loses any.
  const datagrams: Uint8Array[] = [];
  const inner = net.socket("client");
  const socket: Socket = { ...inner, send: (data, to) => (datagrams.push(data.slice()), inner.send(data, to)) };
  const server = new Host(net.socket("server"));
  const client = new Host(socket);
  const peer: Peer = client.connect("server");
  const receiver = way.receiver?.();
  let delivered = 0;
  const fields = (entities: Entity[]) =>
    JSON.stringify(entities.map(({ id, x, y, vx, vy, hp, name }) => [id, x, y, vx, vy, hp, name]));
  // Every world sent, to its tick: each one received must be one of them.
  const worlds = new Map<string, number>();
  let wrong = 0;
  let undecodable = 0;
  let newest = -1;
  const step = () => {
    client.update();
    server.update();
    net.advance(TICK_MS / UPDATES_PER_TICK);
    for (let event; (event = server.poll());) {
      if (event.type !== "message") continue;
      delivered++;
      const data = (event as MessageEvent).data;
      if (receiver) receiver.receive(data);
      else {
        let tick: number | undefined;
        try {
          tick = worlds.get(fields(way.decode!(data)));
        } catch {
          undecodable++;
        }
        if (tick === undefined) wrong++;
        else newest = Math.max(newest, tick);
      }
    }
    while (client.poll());
  };
  while (peer.state !== "connected") step();
  const bytesBefore = client.stats.bytesSent;
  /** Bytes sent before each tick's snapshot. */
  const bytesAt: number[] = [];
  let payloadBytes = 0;
  // For "state": each snapshot's packed bytes and stream sequence, to find it on the wire.
  const sent: { sequence: number; bytes: Uint8Array; value: Entity[] }[] = [];
  const deltas: Delta[] = [];
  let sequence = 0;
  let matched = 0;
  for (let tick = 0; tick < TICKS; tick++) {
    game.step();
    const { value, payloadBytes: bytes } = way.encode(game.entities, tick);
    const time = new Uint8Array(8);
    new DataView(time.buffer).setFloat64(0, net.now());
    datagrams.length = 0;
    worlds.set(fields(game.entities), tick);
    bytesAt.push(client.stats.bytesSent);
    peer.send(value, { mode: way.mode });
    if (bytes !== undefined) payloadBytes += bytes;
    for (let i = 0; i < UPDATES_PER_TICK; i++) step();
    if (way.mode !== "state") continue;
    const packedBytes = pack(value);
    const copy = structuredClone(game.entities);
    // Find this snapshot's head: a varint (how far back its baseline is) and the send time.
    let found: number | undefined;
    let body = packedBytes;
    for (const datagram of datagrams) {
      for (let at = 1; found === undefined && at + 8 <= datagram.length; at++) {
        if (!sameFloat64(datagram, at, time)) continue;
        const back = datagram[at - 1];
        const base = back ? sent.find((snapshot) => snapshot.sequence === sequence - back) : undefined;
        if (back && !base) continue;
        const candidate = base ? xorDelta(packedBytes, base.bytes) : packedBytes;
        const expected = base && candidate.length < packedBytes.length ? candidate : packedBytes;
        // The first 64 bytes (fewer when the frame is shorter) name the baseline beyond doubt.
        const shown = Math.min(expected.length, 64);
        if (!expected.subarray(0, shown).every((byte, i) => datagram[at + 8 + i] === byte)) continue;
        found = back;
        body = expected;
        const previous = sent.at(-1);
        if (base && previous) {
          deltas.push({
            tick,
            whole: packedBytes.length,
            xor: 1 + 8 + expected.length,
            structural: 1 + 8 + structuralDiff(copy, base.value).length,
            xorPrevious: 1 + 8 + Math.min(xorDelta(packedBytes, previous.bytes).length, packedBytes.length),
            structuralPrevious: 1 + 8 + structuralDiff(copy, previous.value).length,
          });
        }
      }
    }
    if (found !== undefined) matched++;
    payloadBytes += 1 + 8 + body.length;
    sent.push({ sequence, bytes: packedBytes, value: copy });
    if (sent.length > 40) sent.shift();
    sequence += Math.ceil((1 + 8 + body.length) / PIECE_BYTES);
  }
  // A second to finish resends; its keepalives count alike for every way.
  for (let i = 0; i < SNAPSHOTS_PER_SECOND * UPDATES_PER_TICK; i++) step();
  const wireBytes = client.stats.bytesSent - bytesBefore;
  const check = receiver
    ? fields(receiver.world()) === fields(game.entities) ? "last world equal" : "MISMATCH"
    : wrong
    ? `${wrong} of ${delivered} not as sent${undecodable ? ` (${undecodable} threw in decoding)` : ""}`
    : newest === TICKS - 1
    ? "each as sent, the last too"
    : `each as sent, newest tick ${newest}`;
  return {
    name: way.name,
    mode: way.mode,
    wireBytes: wireBytes / TICKS,
    bytesAt,
    payloadBytes: payloadBytes / TICKS,
    delivered,
    check,
    deltas: way.mode === "state" ? deltas : undefined,
    matched: way.mode === "state" ? matched : undefined,
  };
}

/** The first tick after which every entity of the world has moved. */
function settled(seed: number): number {
  const game = world(seed);
  for (let tick = 0;; tick++) {
    game.step();
    if (game.entities.every((entity) => entity.vx !== 0)) return tick + 1;
  }
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const round = (value: number, digits = 0) =>
  value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

const SEED = Number(Deno.env.get("SEED") ?? 7);
console.log(
  `64 entities, 6 moving a tick, ${SNAPSHOTS_PER_SECOND} snapshots/s for ${SECONDS} s (${TICKS} snapshots), ` +
    `${LATENCY_MS} ms one way, seed ${SEED}. Bytes per snapshot.\n`,
);
const count = ways(world(SEED).entities).length;
for (const loss of [0, 0.2]) {
  const results = Array.from({ length: count }, (_, i) => run(i, loss, SEED));
  const full = results[1];
  console.log(`### ${loss * 100}% loss\n`);
  console.log(
    "| way | jamnet mode | wire B | payload B | wire ÷ full pack's | payload ÷ full pack's | delivered | receiver |",
  );
  console.log("|---|---|--:|--:|--:|--:|--:|---|");
  for (const result of results) {
    console.log(
      `| ${result.name} | ${result.mode} | ${round(result.wireBytes)} | ${round(result.payloadBytes)} | ` +
        `${round(result.wireBytes / full.wireBytes, 3)} | ${round(result.payloadBytes / full.payloadBytes, 3)} | ` +
        `${result.delivered} | ${result.check} |`,
    );
  }
  const state = results[0];
  console.log(
    `\nfull pack ÷ "state": ${round(full.wireBytes / state.wireBytes, 1)}× on the wire, ` +
      `${round(full.payloadBytes / state.payloadBytes, 1)}× in payload`,
  );
  console.log(
    `"state" heads found on the wire and checked against the bench's XOR delta: ${state.matched} of ${TICKS}`,
  );
  // From this tick on every entity has moved once: no vx or vy changes width (0, 1 byte, to a float64, 9 bytes) again.
  const settledTick = settled(SEED);
  const wireFrom = (result: Result) =>
    (result.bytesAt.at(-1)! - result.bytesAt[settledTick]) / (TICKS - 1 - settledTick);
  console.log(
    `from tick ${settledTick} on (every entity has moved once): "state" ${round(wireFrom(state))} wire B, ` +
      `full pack ${round(wireFrom(full))}: ${round(wireFrom(full) / wireFrom(state), 1)}×\n`,
  );
  console.log(
    "| delta against | ticks | snapshots | full pack B | XOR delta B | structural diff B | full ÷ XOR | full ÷ structural | structural smaller |",
  );
  console.log("|---|---|--:|--:|--:|--:|--:|--:|--:|");
  for (const previous of [false, true]) {
    for (
      const [label, from, to] of [["all", 0, TICKS], ["before", 0, settledTick], ["after", settledTick, TICKS]] as const
    ) {
      const rows = state.deltas!.filter((delta) => delta.tick >= from && delta.tick < to);
      const xor = mean(rows.map((delta) => previous ? delta.xorPrevious : delta.xor));
      const structural = mean(rows.map((delta) => previous ? delta.structuralPrevious : delta.structural));
      const whole = mean(rows.map((delta) => delta.whole));
      const smaller = rows.filter((delta) =>
        previous ? delta.structuralPrevious < delta.xorPrevious : delta.structural < delta.xor
      ).length;
      console.log(
        `| ${previous ? "the tick before" : "the sender's baseline"} | ${label} ${from}–${to - 1} | ${rows.length} | ` +
          `${round(whole)} | ${round(xor)} | ${round(structural)} | ${round(whole / xor, 2)} | ${
            round(whole / structural, 2)
          } | ${smaller} |`,
      );
    }
  }
  console.log();
}
