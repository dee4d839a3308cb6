import { parseArgs } from 'node:util';
import { closestName } from '@soma/core';

/** A mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** For --help. */
  help: string;
  default?: string | boolean;
}

export interface CommandSpec {
  name: string;
  usage: string;
  /** One line for `soma --help`. */
  title: string;
  summary: string;
  /** Positional arguments, named for the help and the errors. */
  positionals: { name: string; help: string; optional?: boolean }[];
  options: Record<string, OptionSpec>;
  examples: string[];
}

export interface Parsed {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/**
 * `--epochs -1` as one option and its value: node's parser reads a value that starts with '-' as
 * another option ("argument is ambiguous"); users type negative numbers this way, and the command
 * then refuses the value with its own message.
 */
function joinNegativeValues(spec: CommandSpec, argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([^=]+)$/.exec(argv[i])?.[1];
    const next = argv[i + 1];
    if (name !== undefined && Object.hasOwn(spec.options, name) && spec.options[name].type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity|NaN)/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

/** Parses argv for a command; an unknown option, a missing argument or an extra one is a UsageError naming it. */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): Parsed {
  const options = Object.fromEntries(Object.entries(spec.options).map(([k, o]) => [k, { type: o.type }]));
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(spec, argv), options, allowPositionals: true, strict: true });
  } catch (e) {
    const m = /Unknown option '(--?[^']+)'/.exec((e as Error).message);
    if (m) {
      const near = closestName(m[1].replace(/^-+/, ''), Object.keys(spec.options));
      throw new UsageError(`unknown option ${m[1]}${near ? ` (did you mean --${near}?)` : ''}; see soma ${spec.name} --help`);
    }
    throw new UsageError(`${(e as Error).message.split('\n')[0]}; see soma ${spec.name} --help`);
  }
  const required = spec.positionals.filter((p) => !p.optional);
  if (parsed.positionals.length < required.length) throw new UsageError(`missing <${required[parsed.positionals.length].name}>; usage: ${spec.usage}`);
  if (parsed.positionals.length > spec.positionals.length) throw new UsageError(`unexpected argument '${parsed.positionals[spec.positionals.length]}'; usage: ${spec.usage}`);
  const values: Record<string, string | boolean | undefined> = {};
  for (const [k, o] of Object.entries(spec.options)) values[k] = (parsed.values as Record<string, string | boolean | undefined>)[k] ?? o.default;
  return { positionals: parsed.positionals, values };
}

/** A numeric option: the value, or a UsageError that names the option and what it got. */
export function numberOption(values: Parsed['values'], key: string, rule: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  const raw = values[key];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const ok = typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(v) && (!rule.integer || Number.isInteger(v)) && (rule.min === undefined || v >= rule.min) && (rule.max === undefined || v <= rule.max);
  if (!ok) {
    const what = `${rule.integer ? 'an integer' : 'a number'}${rule.min !== undefined ? ` >= ${rule.min}` : ''}${rule.max !== undefined ? ` <= ${rule.max}` : ''}`;
    throw new UsageError(`--${key} must be ${what}, got '${String(raw)}'`);
  }
  return v;
}

/** The --help text of a command. */
export function helpText(spec: CommandSpec): string {
  const opts = Object.entries(spec.options).map(([k, o]) => `  --${k}${o.type === 'string' ? ' <value>' : ''}`.padEnd(30) + o.help + (o.default !== undefined && o.type === 'string' ? ` (default ${o.default})` : ''));
  return [
    `usage: ${spec.usage}`, '', spec.summary, '',
    ...(spec.positionals.length ? ['arguments:', ...spec.positionals.map((p) => `  <${p.name}>`.padEnd(30) + p.help), ''] : []),
    'options:', ...opts, `  --help`.padEnd(30) + 'this text', '',
    'examples:', ...spec.examples.map((e) => `  ${e}`),
  ].join('\n');
}
