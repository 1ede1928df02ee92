/**
 * `deno task build`: bundles mod.ts into dist/mod.js (ESM, minified, source map,
 * metafile) with esbuild alone, as a user's bundler would; emits dist/mod.d.ts;
 * the same for osc.ts, a module of its own (dist/osc.js, its map, dist/osc.d.ts);
 * and prints the minified and gzip -9 sizes of the whole file, of each import a
 * user makes (tree-shaken), and of each section of mod.ts. Exits 1 past the
 * ceiling.
 *
 * @module
 */
import * as esbuild from "npm:esbuild@0.25.0";
import ts from "npm:typescript@5.9.3";
import { gzipSync } from "node:zlib";

/** The whole library, minified + gzip -9: the build fails past it (the design's ceiling; README.md, "Size"). */
const CEILING_BYTES = 12_288;
/**
 * The imports users make, each tree-shaken, minified and gzipped, with the size
 * it aims at. Aims are printed, never enforced. An import whose names mod.ts
 * does not export yet is left out of the table.
 */
const IMPORTS: { label: string; names: string[]; aimBytes: number }[] = [
  { label: "everything", names: [], aimBytes: 8192 },
  { label: "{ pack, unpack }", names: ["pack", "unpack"], aimBytes: 2048 },
  { label: "{ Host, memoryNet }", names: ["Host", "memoryNet"], aimBytes: 8192 },
  { label: "{ Host, webSocket } (a browser game)", names: ["Host", "webSocket"], aimBytes: 6144 },
  { label: "{ Host, denoUdp } (a Deno server)", names: ["Host", "denoUdp"], aimBytes: 8192 },
];

const root = new URL("../", import.meta.url);
const dist = new URL("dist/", root);
await Deno.mkdir(dist, { recursive: true });
const source = await Deno.readTextFile(new URL("mod.ts", root));

const common = { bundle: true, format: "esm", minify: true, platform: "neutral", target: "es2022" } as const;

const whole = await esbuild.build({
  ...common,
  entryPoints: [new URL("mod.ts", root).pathname],
  outfile: new URL("mod.js", dist).pathname,
  sourcemap: true,
  metafile: true,
  write: false,
});
for (const file of whole.outputFiles) await Deno.writeFile(file.path, file.contents);
await Deno.writeTextFile(new URL("meta.json", dist), JSON.stringify(whole.metafile, null, 2));

/** Minified bytes of an entry that imports only `names` from mod.ts (all of it when empty). */
async function minified(names: string[]): Promise<Uint8Array> {
  const contents = names.length ? `export { ${names.join(", ")} } from "./mod.ts";` : `export * from "./mod.ts";`;
  const result = await esbuild.build({
    ...common,
    stdin: { contents, resolveDir: root.pathname, loader: "ts" },
    write: false,
  });
  return result.outputFiles[0].contents;
}
const gzipBytes = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
const exported = (name: string) => new RegExp(`^export (?:async )?(?:function\\*?|class|const) ${name}\\b`, "m");

const rows: string[][] = [];
let over = false;
for (const { label, names, aimBytes } of IMPORTS) {
  if (!names.every((name) => exported(name).test(source))) continue;
  const bytes = await minified(names);
  const gzip = gzipBytes(bytes);
  const ceiling = names.length === 0 ? CEILING_BYTES : undefined;
  if (ceiling && gzip > ceiling) over = true;
  rows.push([
    label,
    String(bytes.length),
    String(gzip),
    `${aimBytes}${gzip > aimBytes ? ` (${gzip - aimBytes} over)` : ""}`,
    ceiling ? `${ceiling}${gzip > ceiling ? " OVER" : ""}` : "",
  ]);
}

// osc.ts, a module of its own beside mod.ts (mod.ts has no room for it under the ceiling): dist/osc.js for those who
// copy JavaScript, as dist/mod.js is.
{
  const result = await esbuild.build({
    ...common,
    entryPoints: [new URL("osc.ts", root).pathname],
    outfile: new URL("osc.js", dist).pathname,
    sourcemap: true,
    write: false,
  });
  for (const file of result.outputFiles) await Deno.writeFile(file.path, file.contents);
  const bytes = result.outputFiles.find((file) => file.path.endsWith(".js"))!.contents;
  rows.push(["osc.ts (a module of its own)", String(bytes.length), String(gzipBytes(bytes)), "", ""]);
}

// Each banner section of mod.ts alone, minified and gzipped: what a section costs, roughly
// (gzip of a part alone is a little more than its share of the whole).
const sections: string[][] = [];
const banners = [...source.matchAll(/^\/\/ ─── (.+?) ─+$/gm)];
for (const [i, banner] of banners.entries()) {
  const text = source.slice(banner.index, banners[i + 1]?.index ?? source.length);
  const { code } = await esbuild.transform(text, { loader: "ts", minify: true, target: "es2022" });
  const bytes = new TextEncoder().encode(code);
  sections.push([banner[1], String(bytes.length), String(gzipBytes(bytes))]);
}
esbuild.stop();

// Declarations: mod.ts and osc.ts import nothing, so one program over each is the whole API.
const declarationsOf = (module: string) => {
  const program = ts.createProgram([new URL(module, root).pathname], {
    declaration: true,
    emitDeclarationOnly: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    allowImportingTsExtensions: true,
    strict: true,
  });
  let declarations = "";
  const emitted = program.emit(undefined, (name, text) => {
    if (name.endsWith(".d.ts")) declarations = text;
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length || !declarations) {
    console.error(ts.formatDiagnostics(diagnostics, ts.createCompilerHost({})));
    Deno.exit(1);
  }
  return declarations;
};
const declarations = declarationsOf("mod.ts");
await Deno.writeTextFile(new URL("mod.d.ts", dist), declarations);
await Deno.writeTextFile(new URL("osc.d.ts", dist), declarationsOf("osc.ts"));

/** A markdown table, so the README's size tables are this output pasted. */
function table(head: string[], body: string[][]): string {
  const widths = head.map((cell, i) => Math.max(cell.length, ...body.map((row) => row[i].length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => i ? cell.padStart(widths[i]) : cell.padEnd(widths[i])).join(" | ")} |`;
  const rule = `|${widths.map((width, i) => i ? ` ${"-".repeat(width - 1)}: ` : ` ${"-".repeat(width)} `).join("|")}|`;
  return [line(head), rule, ...body.map(line)].join("\n");
}
console.log(table(["import", "minified", "gzip -9", "aim", "ceiling"], rows));
console.log();
console.log(table(["section of mod.ts (alone)", "minified", "gzip -9"], sections));
console.log(
  `wrote dist/mod.js, dist/mod.js.map, dist/meta.json, dist/mod.d.ts (${declarations.length} bytes), dist/osc.js, ` +
    "dist/osc.js.map, dist/osc.d.ts",
);
if (over) {
  console.error(`OVER THE CEILING: the whole library must be at most ${CEILING_BYTES} bytes minified + gzip -9.`);
  Deno.exit(1);
}
