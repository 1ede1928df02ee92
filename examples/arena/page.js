// @ts-check
/**
 * The arena's page: keyboard in, canvas out. Everything networked is in
 * lobby.js (which room) and client.js (the game); this file enters a room
 * through the lobby, reads keys, draws `client.view()` and the overlay of
 * the link's numbers, and lists the lobby's rooms.
 *
 * Address parameters: `?room=demo` (the name of the room to enter: the
 * first the lobby lists by that name, or a new one), `&name=ann`, and
 * `&lag=100&loss=0.1` to put a bad link (100 ms each way, 10% of datagrams
 * lost each way) between this page and the game server.
 *
 * @module
 */
// @ts-types="../../dist/mod.d.ts"
import { webSocket } from "../../dist/mod.js";
import { ArenaClient, badLink, rateMeter } from "./client.js";
import { DOWN, ITEM_RADIUS, LEFT, MAX_PLAYERS, PLAYER_RADIUS, RIGHT, UP, WORLD_HEIGHT, WORLD_WIDTH } from "./game.js";
import { ArenaLobby } from "./lobby.js";

const params = new URLSearchParams(location.search);
const room = params.get("room") || "demo";
const name = params.get("name") || `player ${Math.floor(Math.random() * 1000)}`;
const lagMs = Number(params.get("lag") ?? 0);
const loss = Number(params.get("loss") ?? 0);
// Checked before anything enters: a negative one threw inside the lobby's answer, and the page stayed at "entering
// room…" for good, its place in the room taken; `?loss=10`, meant as 10%, lost everything (a play-test, 2026-12-06).
const linkError = !(lagMs >= 0 && lagMs < Infinity)
  ? `?lag takes ms from 0, not "${params.get("lag")}"`
  : !(loss >= 0 && loss <= 1)
  ? `?loss takes a share from 0 to 1 (0.1 is 10%), not "${params.get("loss")}"`
  : "";

/**
 * A WebSocket to this server at `path`, as a jamnet socket. While the tab is hidden, each message that arrives on it
 * calls `wake`, which updates the Host on it: a hidden tab's timers may run once a minute (Chrome, after 5 minutes
 * hidden), and then the server, hearing nothing, times the player out and the lobby lets the place go. Network events
 * are not throttled, and the server's snapshots (the lobby's keepalives) arrive several times a second.
 *
 * @param {string} path
 * @param {() => void} wake
 */
const connect = (path, wake) => {
  // wss: from a page served over https (server.ts's --cert and --key, or a TLS proxy or tunnel in front), where a
  // browser refuses a plain ws: one as mixed content.
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`);
  const socket = webSocket(ws); // first: its listener hands the message to the Host before `wake` updates it
  ws.addEventListener("message", () => document.hidden && wake());
  return socket;
};

// First the lobby, at /lobby: the room list, and a place in a room. Never behind the bad link: the lobby speaks
// reliable messages, and over a WebSocket (reliable already) jamnet sends no resends, so one lost would be lost.
const lobby = new ArenaLobby(connect("/lobby", () => lobby.update()));
/** @type {ArenaClient | undefined} the game, once the lobby let us in */
let client;
/** @type {string | undefined} the lobby's id of our room */
let roomId;
let status = linkError || `entering room ${room} through the lobby…`;
if (!linkError) enter();

function enter() {
  lobby.enter(room, MAX_PLAYERS).then(({ room: entered, ticket }) => {
    // Then the game, at /play with the lobby's ticket, behind a bad link if the address asks for one.
    let socket = connect(`/play?ticket=${encodeURIComponent(ticket)}&name=${encodeURIComponent(name)}`, () => {
      client?.frame(keys); // keys is 0 while hidden: a blur released them
    });
    if (lagMs || loss) socket = badLink(socket, { latencyMs: lagMs, loss });
    client = new ArenaClient(socket);
    roomId = entered.id;
    status = "";
    left = false;
    Object.assign(globalThis, { arena: client }); // for the console, and for e2e/arena_test.ts
    listRooms();
  }).catch((/** @type {Error} */ error) => status = `could not enter room ${room}: ${error.message}`);
}

// Keys held, as the bits client.js sends. `code` names the key's place, so WASD works on any layout.
/** @type {Record<string, number>} */
const KEY_BITS = {
  ArrowUp: UP,
  KeyW: UP,
  ArrowDown: DOWN,
  KeyS: DOWN,
  ArrowLeft: LEFT,
  KeyA: LEFT,
  ArrowRight: RIGHT,
  KeyD: RIGHT,
};
let keys = 0;
addEventListener("keydown", (event) => {
  if (!KEY_BITS[event.code]) return;
  keys |= KEY_BITS[event.code];
  event.preventDefault(); // no scrolling with the arrows
});
addEventListener("keyup", (event) => keys &= ~(KEY_BITS[event.code] ?? 0));
addEventListener("blur", () => keys = 0); // a key released in another window never sends keyup here

// The game runs on a timer and drawing on animation frames: a hidden tab gets no animation frames at all, and its
// timers run once a second, then (Chrome, after 5 minutes hidden) once a minute: `connect` wakes the Hosts then.
let left = false;
setInterval(() => {
  client?.frame(keys);
  if (client?.ended && !left) {
    // A game connection that ended (refused, timed out, closed) gives its place in the lobby's room back: the page
    // kept it while open, counted among the room's players, and a room it opened stayed listed with no one in it (a
    // play-test, 2026-12-06).
    left = true;
    lobby.leave();
  }
}, 1000 / 60);

// Not id "arena": `window.arena` is the client (set above once the room is entered), and an element of that id was
// `window.arena` until then (a soak test read the canvas for the client).
const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById("field"));
canvas.width = WORLD_WIDTH;
canvas.height = WORLD_HEIGHT;
const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
const rates = rateMeter();

function draw() {
  const now = performance.now();
  // Once the connection ended, nobody: its last snapshot drew players long gone, "2 playing" (a play-test, 2026-12-06).
  const { me, others, items } = (!client?.ended && client?.view(now)) || { me: undefined, others: [], items: [] };
  context.fillStyle = "#14161c";
  context.fillRect(0, 0, WORLD_WIDTH, WORLD_HEIGHT);
  context.strokeStyle = "#1f232c";
  for (let x = 40; x < WORLD_WIDTH; x += 40) line(x, 0, x, WORLD_HEIGHT);
  for (let y = 40; y < WORLD_HEIGHT; y += 40) line(0, y, WORLD_WIDTH, y);

  // The overlay: what the link is doing, from the connection's own counters. Its box goes under the items and the
  // players, its text over them: a player at the top left stays in sight (the box hid it).
  const lines = [`room ${room} · ${others.length + (me ? 1 : 0)} playing · you are ${name}`];
  if (client) {
    const stats = client.stats;
    const { inBytesPerS, outBytesPerS } = rates(stats, now);
    lines.push(
      `RTT ${stats.rttMs.toFixed(0)} ms · loss ${(stats.loss * 100).toFixed(1)}%`,
      `in ${(inBytesPerS / 1000).toFixed(1)} KB/s · out ${(outBytesPerS / 1000).toFixed(1)} KB/s`,
    );
  }
  if (!linkError && (lagMs || loss)) lines.push(`bad link: +${lagMs} ms, ${(loss * 100).toFixed(0)}% lost, each way`);
  if (status) lines.push(status);
  else if (client?.ended) lines.push(`disconnected (${client.ended}): reload to play again`);
  context.font = "13px ui-monospace, monospace";
  // As wide as its longest line: a fixed 330 px cut the longer ones, a room's error among them (a play-test, 2026-12-06).
  const width = Math.max(330, ...lines.map((text) => context.measureText(text).width + 16));
  context.fillStyle = "rgba(0, 0, 0, 0.6)";
  context.fillRect(8, 8, width, 12 + 18 * lines.length);
  context.fillStyle = "#ffd447";
  for (const [x, y] of items) circle(x, y, ITEM_RADIUS);
  for (const player of others) drawPlayer(player, false);
  if (me) drawPlayer(me, true);
  context.fillStyle = "#e8e8e8";
  context.font = "13px ui-monospace, monospace"; // again: drawPlayer set its own
  lines.forEach((text, i) => context.fillText(text, 16, 26 + 18 * i));
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);

/**
 * @param {{ name: string, x: number, y: number, score: number, hue: number }} player
 * @param {boolean} isMe
 */
function drawPlayer(player, isMe) {
  context.fillStyle = `hsl(${player.hue} 70% 55%)`;
  circle(player.x, player.y, PLAYER_RADIUS);
  if (isMe) {
    context.lineWidth = 3;
    context.strokeStyle = "#ffffff";
    context.beginPath();
    context.arc(player.x, player.y, PLAYER_RADIUS, 0, 2 * Math.PI);
    context.stroke();
    context.lineWidth = 1;
  }
  context.textAlign = "center";
  context.font = "12px system-ui, sans-serif";
  context.fillStyle = "#e8e8e8";
  const above = player.y - PLAYER_RADIUS - 6;
  context.fillText(player.name, player.x, above > 12 ? above : player.y + PLAYER_RADIUS + 16); // below, at the top wall
  context.font = "bold 14px system-ui, sans-serif";
  context.fillStyle = "#14161c";
  context.fillText(String(player.score), player.x, player.y + 5); // the score, inside the circle
  context.textAlign = "start";
}

/** @param {number} x @param {number} y @param {number} radius */
function circle(x, y, radius) {
  context.beginPath();
  context.arc(x, y, radius, 0, 2 * Math.PI);
  context.fill();
}

/** @param {number} x0 @param {number} y0 @param {number} x1 @param {number} y1 */
function line(x0, y0, x1, y1) {
  context.beginPath();
  context.moveTo(x0, y0);
  context.lineTo(x1, y1);
  context.stroke();
}

/**
 * This page's address for the room `other`, keeping the player's name and the bad link (`lag`, `loss`): the form
 * lost them, and a player went on as "player 909" over a perfect link (a review, 2026-12-03).
 *
 * @param {string} other a room's name
 */
function roomAddress(other) {
  const kept = new URLSearchParams({ room: other, name });
  for (const key of ["lag", "loss"]) if (params.has(key)) kept.set(key, /** @type {string} */ (params.get(key)));
  return `?${kept}`;
}

// The form: another room, on a fresh page.
const form = /** @type {HTMLFormElement} */ (document.querySelector("aside form"));
form.addEventListener("submit", (event) => {
  event.preventDefault();
  location.search = roomAddress(String(new FormData(form).get("room")));
});

// The room list, from the lobby: a link enters a room of that name through the lobby, on a fresh page.
const list = /** @type {HTMLUListElement} */ (document.getElementById("rooms"));
async function listRooms() {
  // The arena's lobby hands a room on when its host leaves (`handOver`), so this is for a lobby that does not.
  if (lobby.closedSince()) status = `room ${room} closed: its host left; pick another room`;
  const rooms = await lobby.rooms().catch(() => []);
  list.replaceChildren(...rooms.map((other) => {
    const item = document.createElement("li");
    const text = `${other.name} (${other.players}/${other.maxPlayers})`;
    // A locked room takes a password, which this page has no field for: listed, but with no link (entering by its
    // name would open another room of that name, as `enter` passes over locked rooms).
    if (other.locked) {
      item.textContent = `${text} 🔒`;
      return item;
    }
    const link = document.createElement("a");
    link.href = roomAddress(other.name);
    link.textContent = text;
    if (other.id === roomId) link.className = "here";
    item.append(link);
    return item;
  }));
}
listRooms();
setInterval(listRooms, 2000);
