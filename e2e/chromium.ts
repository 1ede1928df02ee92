/**
 * Headless Chromium for the browser tests: Debian's package at /usr/bin/chromium (or `$CHROMIUM`), driven by
 * playwright-core, never a downloaded browser. A test skips, with one line saying why, when `missingBrowser` says so.
 *
 * @module
 */
import { type BrowserContext, chromium } from "npm:playwright-core@1.65.1";

/** The browser the tests drive. */
export const executablePath: string = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or undefined when they can. */
export const missingBrowser: string | undefined = await Deno.stat(executablePath).then(
  () => undefined,
  () => `no browser at ${executablePath}`,
);

/**
 * Starts headless Chromium with a fresh profile in a temporary folder. `args` adds flags; `viewport` sizes its pages.
 * `close()` ends it and removes the profile.
 */
export async function launchChromium(
  { args = [], viewport }: { args?: string[]; viewport?: { width: number; height: number } } = {},
): Promise<{ browser: BrowserContext; close(): Promise<void> }> {
  const profile = await Deno.makeTempDir({ prefix: "jamnet-chromium-" });
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    ...(viewport && { viewport }),
    args: [
      ...["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking"],
      ...["--disable-component-update", "--disable-sync", "--no-first-run"],
      ...args,
    ],
    timeout: 30_000,
  });
  return {
    browser,
    async close() {
      await browser.close();
      await Deno.remove(profile, { recursive: true });
    },
  };
}
