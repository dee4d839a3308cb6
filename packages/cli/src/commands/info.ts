import { createRequire } from 'node:module';
import os from 'node:os';
import type { CommandSpec, Parsed } from '../args.js';
import { backendStatuses } from '../backends.js';

export const infoSpec: CommandSpec = {
  name: 'info',
  usage: 'soma info',
  title: 'which backends load here, and why not',
  summary: 'Which backends load on this machine, and for those that do not, why.',
  positionals: [],
  options: {},
  examples: ['soma info'],
};

export async function infoCommand(_: Parsed, print: (line: string) => void): Promise<number> {
  const require = createRequire(import.meta.url);
  const version = (pkg: string) => {
    try {
      return (require(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  print(`Node ${process.version} on ${os.platform()} ${os.arch()}, ${os.availableParallelism?.() ?? os.cpus().length} cores`);
  print(`@soma/core ${version('@soma/core')}, @soma/cli ${version('@soma/cli')}`);
  for (const b of await backendStatuses()) print(`  ${b.name.padEnd(8)} ${b.ok ? 'loads' : `does not load: ${b.reason}`}`);
  return 0;
}
