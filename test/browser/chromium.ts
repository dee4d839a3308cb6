// Headless Chromium for the browser tests: WebGPU on SwiftShader (Chromium's own CPU Vulkan, the
// same adapter on every machine), a throwaway profile, and a stop that ends every helper process.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** Starts Chromium with its profile under `dir`, opening `url`, plus any `extraArgs`. */
export function launchChromium(dir: string, url: string, extraArgs: string[] = [], stdio: StdioOptions = 'ignore'): ChildProcess {
  return spawn(chromiumPath!, [
    '--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader',
    '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${join(dir, 'profile')}`, ...extraArgs, url,
  ], { stdio, detached: true });
}

/** Chromium starts helper processes: ends the whole process group, then waits for the main one. */
export async function stopChromium(browser: ChildProcess): Promise<void> {
  const exited = new Promise((r) => browser.once('exit', r));
  try {
    process.kill(-browser.pid!, 'SIGKILL');
  } catch {
    browser.kill('SIGKILL');
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
}
