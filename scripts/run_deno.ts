/**
 * What scripts/test.ts and scripts/mutants.ts share: one deno command run
 * with a time limit, its output collected.
 *
 * @module
 */

/** How a run of deno ended. */
export interface Run {
  /** Exited 0, within its time limit. */
  success: boolean;
  code: number;
  /** Killed at its time limit. */
  timedOut: boolean;
  /** stdout then stderr, without deno's "Download …" lines. */
  output: string;
}

/**
 * Runs deno with `args` in `cwd`; past `timeLimitMs` the process is killed and `timedOut` is set.
 *
 * @param args deno's arguments
 * @param cwd the folder to run in
 * @param timeLimitMs the most it may take
 * @returns how it ended
 */
export async function runDeno(args: string[], cwd: string, timeLimitMs: number): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeLimitMs);
  const { success, code, stdout, stderr } = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  const output = (decoder.decode(stdout) + decoder.decode(stderr)).replace(/^Download .*\n/gm, "");
  return { success: success && !timedOut, code, timedOut, output };
}
