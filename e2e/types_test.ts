/**
 * The adapters' parameter types accept the runtimes' real objects: Deno's
 * (this file type-checks only if they do), and under tsc the DOM's WebSocket,
 * @types/node's dgram socket and @types/ws's WebSocket, with mod.ts vendored
 * into a project that has the DOM lib, and into one that has only @types/node;
 * mod.ts and osc.ts copied into a project of Vite's strict template; and
 * dist/mod.js and dist/osc.js with their .d.ts under every strict flag.
 *
 * @module
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { denoUdp, nodeUdp, webSocket, webSocketServer } from "../mod.ts";
import { npmInstalled, root, run } from "./tools.ts";

/** Never called: `deno check` (which `deno test` runs) proves that Deno's objects fit. */
export function denoObjectsFit(request: Request): void {
  denoUdp(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }));
  nodeUdp(dgram.createSocket("udp4"));
  webSocket(new WebSocket("ws://127.0.0.1:1/"));
  webSocketServer().accept(Deno.upgradeWebSocket(request).socket);
}

/** Checked by tsc with the DOM lib, @types/node and @types/ws; each @ts-expect-error proves the types are not `any`. */
const withDom = `
import dgram from "node:dgram";
import WS, { WebSocketServer } from "ws";
import { nodeUdp, webSocket, webSocketServer } from "../../../../mod.ts";

const browser: WebSocket = new WebSocket("ws://127.0.0.1:1/");
webSocket(browser);
webSocketServer().accept(browser);
nodeUdp(dgram.createSocket("udp4"));
nodeUdp(dgram.createSocket({ type: "udp6", reuseAddr: true }));
webSocket(new WS("ws://127.0.0.1:1/"));
new WebSocketServer({ port: 0 }).on("connection", (ws) => webSocketServer().accept(ws));
// @ts-expect-error: a string is no WebSocket
webSocket("ws://127.0.0.1:1/");
// @ts-expect-error: a TCP socket is no datagram socket
nodeUdp(new (await import("node:net")).Socket());
`;

/** Checked by tsc with @types/node alone: a Node project without the DOM lib. */
const nodeOnly = `
import dgram from "node:dgram";
import { Host, nodeUdp } from "../../../../mod.ts";

new Host(nodeUdp(dgram.createSocket("udp4")));
`;

/**
 * Checked by tsc with the compiler options of Vite's vanilla-ts template (create-vite's template-vanilla-ts), where a
 * browser game that copied mod.ts and osc.ts into src/ builds with `tsc && vite build`: unused names are errors, and so
 * is TypeScript that is more than types (`erasableSyntaxOnly`: no parameter properties, enums or namespaces, which
 * Node's type stripping refuses too).
 */
const vite = `
import { Host, pack, unpack, webSocket } from "../../../../mod.ts";
import { decodeOsc, encodeOsc } from "../../../../osc.ts";

const host = new Host(webSocket(new WebSocket("ws://127.0.0.1:1/")));
host.update();
console.log(unpack(pack({ x: 1 })), decodeOsc(encodeOsc({ address: "/x", args: [1] })));
`;

/** The options of Vite's vanilla-ts template that differ from, or add to, the ones every check here has. */
const VITE_OPTIONS = {
  target: "es2023",
  module: "esnext",
  allowArbitraryExtensions: true,
  moduleResolution: "bundler",
  verbatimModuleSyntax: true,
  moduleDetection: "force",
  noUnusedLocals: true,
  noUnusedParameters: true,
  erasableSyntaxOnly: true,
  noFallthroughCasesInSwitch: true,
};

/**
 * Checked by tsc with every strict flag on and skipLibCheck off: a project of the strictest settings takes
 * dist/mod.js and dist/mod.d.ts (mod.ts itself does not pass `noUncheckedIndexedAccess`: see README, Vendoring).
 */
const strictest = `
import { Host, pack, unpack, webSocket } from "../../../../dist/mod.js";
import { decodeOsc, encodeOsc } from "../../../../dist/osc.js";

const host = new Host(webSocket(new WebSocket("ws://127.0.0.1:1/")));
host.update();
for (let event; (event = host.poll());) if (event.type === "message") console.log(event.data);
console.log(unpack(pack({ x: 1 })), decodeOsc(encodeOsc({ address: "/x", args: [1] })));
`;

/** The flags of the strictest projects (as @tsconfig/strictest sets them), beside Vite's. */
const STRICTEST_OPTIONS = {
  ...VITE_OPTIONS,
  skipLibCheck: false,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noImplicitReturns: true,
  noImplicitOverride: true,
  noPropertyAccessFromIndexSignature: true,
  isolatedModules: true,
};

const missing = await npmInstalled("e2e/node");
if (missing) console.log(`SKIPPED the tsc type test: ${missing}`);

Deno.test({
  name: "tsc accepts the DOM's WebSocket, @types/node's dgram socket and @types/ws's WebSocket, and rejects others; " +
    "mod.ts and osc.ts pass Vite's strict template",
  ignore: Boolean(missing),
  async fn() {
    const out = `${root}e2e/node/out/`;
    for (
      const [name, source, lib, types] of [
        ["dom", withDom, ["es2022", "dom"], ["node", "ws"]],
        ["node", nodeOnly, ["es2022"], ["node"]],
        ["vite", vite, ["es2023", "dom"], []],
        ["strictest", strictest, ["es2023", "dom"], []],
      ] as const
    ) {
      await Deno.mkdir(out + name, { recursive: true });
      await Deno.writeTextFile(`${out}${name}/check.ts`, source);
      const config = {
        compilerOptions: {
          target: "es2022",
          module: "nodenext",
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          lib,
          types,
          ...name == "vite" ? VITE_OPTIONS : name == "strictest" ? STRICTEST_OPTIONS : {},
        },
        files: ["check.ts"],
      };
      await Deno.writeTextFile(`${out}${name}/tsconfig.json`, JSON.stringify(config));
      const tsc = `${root}e2e/node/node_modules/typescript/bin/tsc`;
      const { success, output } = await run("node", [tsc, "-p", `${out}${name}`], { timeoutMs: 120_000 });
      assert.ok(success, `tsc (${name}):\n${output}`);
    }
  },
});
