/**
 * Command-line parsing shared by the `hecnn` subcommands: the usage error,
 * option tables read with `node:util` `parseArgs` in strict mode, and the
 * checks of the values that are numbers, ranges or preset names.
 *
 * @module
 */

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { PRESETS } from '../ckks/index.js';
import { HecnnError } from '../core/errors.js';

/**
 * A command line that `hecnn` cannot run (unknown flag, missing or malformed
 * value, a file that cannot be read, inconsistent files). Code `USAGE`, op
 * `hecnn`, so its message reads `"hecnn: <what was expected>, got ..."`.
 */
export class UsageError extends HecnnError {
  /**
   * @param detail what was expected and what came
   */
  constructor(detail: string) {
    super('USAGE', 'hecnn', detail);
    this.name = 'UsageError';
  }
}

/** One option of a subcommand: a string (takes a value) or a boolean (a switch). */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
}

/** A subcommand's options, by long name without the leading `--`. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** The parsed values of an option table: strings and booleans, absent when not given. */
export type OptionValues<T extends OptionTable> = { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };

/** `-h` and `--help`, accepted by every subcommand. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Parse a subcommand's arguments against its option table (strict: unknown
 * flags, a switch given a value, a missing value and positional arguments are
 * refused; `--name value` and `--name=value` both work; the last of repeated
 * flags wins).
 * @param argv the arguments after the subcommand
 * @param options the subcommand's option table
 * @param usage the subcommand's usage line, quoted in every refusal
 * @returns the values, or `'help'` when `-h`/`--help` comes before any refused argument
 * @throws UsageError naming the refused flag or argument and what was expected, with the usage line
 */
export function parseOptions<T extends OptionTable>(argv: readonly string[], options: T, usage: string): OptionValues<T> | 'help' {
  const all = { ...options, ...HELP_OPTION };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options: all, strict: true, allowPositionals: false }).values;
  } catch (e) {
    return refusal(argv, all, usage, e);
  }
  if (values.help === true) return 'help';
  return values as OptionValues<T>;
}

/**
 * Why strict parsing refused argv, token by token in order (a `--help` before
 * the first refused token still means help).
 * @param argv the arguments
 * @param options the option table, with help
 * @param usage the usage line
 * @param cause the parser's own error (its message is the last resort)
 * @returns `'help'`
 * @throws UsageError otherwise
 */
function refusal(argv: readonly string[], options: OptionTable, usage: string, cause: unknown): 'help' {
  const refuse = (detail: string): never => {
    throw new UsageError(`${detail}; usage: ${usage}`);
  };
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') return refuse(`unexpected argument ${t.value}`);
    if (t.name === 'help') return 'help';
    const spec = Object.hasOwn(options, t.name) ? options[t.name] : undefined;
    if (spec === undefined) return refuse(`unknown option ${t.rawName}`);
    if (spec.type === 'boolean' && t.value !== undefined) return refuse(`${t.rawName} is a switch and takes no value, got ${t.rawName}=${t.value}`);
    if (spec.type === 'string' && t.value === undefined) return refuse(`${t.rawName} needs a value`);
    if (spec.type === 'string' && !t.inlineValue && t.value !== undefined && t.value.length > 1 && t.value.startsWith('-')) {
      return refuse(`${t.rawName} needs a value, got the option-like ${t.value} (write ${t.rawName}=${t.value} if it is the value)`);
    }
  }
  return refuse(cause instanceof Error ? cause.message.split('\n')[0] : String(cause));
}

/**
 * The value of a required flag.
 * @param flag the flag, e.g. `--out`
 * @param v its parsed value
 * @returns the value
 * @throws UsageError if the flag was not given
 */
export function requireValue(flag: string, v: string | undefined): string {
  if (v === undefined) throw new UsageError(`${flag} is required`);
  return v;
}

/**
 * A 1-based inclusive row range `A:B`.
 * @param flag the flag, for the message
 * @param v the value
 * @returns [A, B] with 1 <= A <= B
 * @throws UsageError if v is not of the form A:B or A > B or A < 1
 */
export function parseRange(flag: string, v: string | undefined): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(v ?? '');
  if (!m) throw new UsageError(`${flag} takes A:B (1-based, inclusive), got ${v ?? 'nothing'}`);
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (a < 1 || b < a) throw new UsageError(`${flag}: need 1 <= A <= B, got ${v}`);
  return [a, b];
}

/**
 * A positive integer flag such as `--iterations`.
 * @param flag the flag, for the message
 * @param v the value
 * @returns the integer (at least 1)
 * @throws UsageError if v is not a positive integer
 */
export function parsePositiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} takes a positive integer, got ${v}`);
  return n;
}

/**
 * `--threads`: an integer in 1..64 (default: the machine's available
 * parallelism, at most 5, one per pair of the paper's 10 classes).
 * @param v the value, or undefined for the default
 * @returns the thread count
 * @throws UsageError if v is not an integer in 1..64
 */
export function parseThreads(v: string | undefined): number {
  if (v === undefined) return Math.max(1, Math.min(5, availableParallelism()));
  const t = Number(v);
  if (!Number.isInteger(t) || t < 1 || t > 64) throw new UsageError(`--threads takes an integer in 1..64, got ${v}`);
  return t;
}

/**
 * A parameter preset's name.
 * @param name the name given
 * @returns the name, a key of PRESETS
 * @throws UsageError if no preset has that name
 */
export function parsePreset(name: string): string {
  if (!Object.hasOwn(PRESETS, name)) throw new UsageError(`unknown preset ${name}; one of ${Object.keys(PRESETS).join(', ')}`);
  return name;
}
