import { helpText, parseCommand, UsageError, type CommandSpec, type Parsed } from './args.js';
import { benchCommand, benchSpec } from './commands/bench.js';
import { evalCommand, evalSpec } from './commands/eval.js';
import { exportCommand, exportSpec } from './commands/export.js';
import { importCommand, importSpec } from './commands/import.js';
import { infoCommand, infoSpec } from './commands/info.js';
import { plotCommand, plotSpec } from './commands/plot.js';
import { predictCommand, predictSpec } from './commands/predict.js';
import { summaryCommand, summarySpec } from './commands/summary.js';
import { train, trainSpec } from './commands/train.js';

type Run = (p: Parsed, print: (line: string) => void) => Promise<number>;

const COMMANDS: Record<string, { spec: CommandSpec; run: Run }> = {
  train: { spec: trainSpec, run: train },
  eval: { spec: evalSpec, run: evalCommand },
  predict: { spec: predictSpec, run: predictCommand },
  export: { spec: exportSpec, run: exportCommand },
  import: { spec: importSpec, run: importCommand },
  summary: { spec: summarySpec, run: summaryCommand },
  info: { spec: infoSpec, run: infoCommand },
  plot: { spec: plotSpec, run: plotCommand },
  bench: { spec: benchSpec, run: benchCommand },
};

const USAGE = [
  'usage: soma <command> [arguments] [options]', '',
  'commands:',
  ...Object.values(COMMANDS).map(({ spec }) => `  ${spec.name.padEnd(10)}${spec.title}`),
  '', 'soma <command> --help shows a command\'s options and examples.',
];

/** Control characters other than newline and tab, shown as \xNN (\x1b for ESC). */
export function printable(line: string): string {
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const escaped = (write: (line: string) => void) => (line: string) => write(printable(line));

/**
 * Runs the `soma` command line and returns the exit code: 0 on success, 2 for a usage mistake
 * (one line on stderr), 1 when the command fails (one line naming the command and the cause).
 */
export async function main(argv: readonly string[], io: { out?: (line: string) => void; err?: (line: string) => void } = {}): Promise<number> {
  // Every line is printed escaped: names and producer strings come from files, and a control
  // character in one (an escape sequence) must not clear the screen or forge output.
  const out = escaped(io.out ?? ((l: string) => console.log(l)));
  const err = escaped(io.err ?? ((l: string) => console.error(l)));
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    USAGE.forEach((l) => out(l));
    return name ? 0 : 2;
  }
  // Own properties only: 'constructor' or '__proto__' is not a command.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    err(`soma: unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')} (soma --help)`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(helpText(command.spec));
    return 0;
  }
  try {
    return await command.run(parseCommand(command.spec, rest), out);
  } catch (e) {
    const usage = e instanceof UsageError;
    err(`soma ${name}: ${(e as Error).message.split('\n')[0]}`);
    if (!usage && process.env.SOMA_DEBUG) err((e as Error).stack ?? '');
    return usage ? 2 : 1;
  }
}
