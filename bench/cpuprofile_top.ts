/**
 * `deno run -A bench/cpuprofile_top.ts DIR [COUNT]`: the functions with the
 * most self time in every `.cpuprofile` in DIR (written by `deno run
 * --cpu-prof`, as `PROFILE=DIR deno task bench:throughput` does for each
 * jamnet process), one table per profile: ms and share of the profile's
 * samples, with the function's file and line. COUNT rows each (default 15).
 *
 * @module
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [dir, countText = "15"] = Deno.args;
if (!dir) throw new TypeError("Give the folder of the .cpuprofile files: deno run -A bench/cpuprofile_top.ts DIR");
for await (const entry of Deno.readDir(dir)) {
  if (!entry.name.endsWith(".cpuprofile")) continue;
  const profile = JSON.parse(await Deno.readTextFile(`${dir}/${entry.name}`)) as Profile;
  // Self time per node: each sample's time delta goes to the node it landed in.
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.split("/").pop() || "(native)";
    const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + (selfUs.get(node.id) ?? 0));
  }
  const totalUs = profile.endTime - profile.startTime;
  console.log(`\n${entry.name}: ${(totalUs / 1000).toFixed(0)} ms`);
  console.log("| self ms | share | function |\n|--:|--:|---|");
  const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(countText));
  for (const [key, us] of rows) {
    console.log(`| ${(us / 1000).toFixed(0)} | ${(us / totalUs * 100).toFixed(1)}% | ${key} |`);
  }
}
