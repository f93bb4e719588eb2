#!/usr/bin/env node
/**
 * The `hecnn` command (Node only: this adapter reads files and writes reports;
 * the library under src/ntt, src/ckks, src/encoding and src/mlr does not).
 *
 *   hecnn train [options]     encrypted training on CSV data (default: the bundled
 *                             REGNET_X_400MF features of 256 MNIST images, train
 *                             rows 1-128, test rows 129-256, the paper's setting),
 *                             data owner and server in one process
 *
 * The same protocol as separate processes over files (src/mlr/bundle.ts):
 *
 *   hecnn keygen   (owner)   secret-key file + evaluation-key file
 *   hecnn encrypt  (owner)   CSV -> upload
 *   hecnn train --keys ...   (server) iterations with checkpoints; exit 3 when a refresh is due
 *   hecnn refresh  (owner)   re-encrypt the checkpoint's weights at the top level
 *   hecnn decrypt  (owner)   weights and a test report from a checkpoint
 *   hecnn serve --owner      the data owner's page (keys, encryption, decryption in a browser)
 *
 * Run `hecnn --help` or `hecnn <command> --help` for the options.
 *
 * This file is the entry point (dist/cli/hecnn.js, the package's bin) and only
 * dispatches: one module per subcommand (train.ts, serve.ts, keygen.ts,
 * encrypt.ts, refresh.ts, decrypt.ts), argument parsing in args.ts, files in
 * io.ts and bundles.ts, the chart in plot.ts.
 *
 * @module
 */

import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HecnnError } from '../core/errors.js';
import { UsageError } from './args.js';
import { runDecrypt } from './decrypt.js';
import { runEncrypt } from './encrypt.js';
import { EXIT_BROKEN_PIPE, isBrokenPipe } from './io.js';
import { fsErrorPhrase, isFsError } from './outputs.js';
import { mainHelp } from './help.js';
import { runKeygen } from './keygen.js';
import { runRefresh } from './refresh.js';
import { isServerCall, runServe } from './serve.js';
import { runServePage } from './owner-page.js';
import { runTrain } from './train.js';

export { EXIT_NEEDS_REFRESH } from './help.js';
export { UsageError } from './args.js';

/** The subcommands, by name; each takes the arguments after its name and returns the exit code. */
const COMMANDS: Readonly<Record<string, (argv: readonly string[]) => number | Promise<number>>> = {
  train: (argv) => (isServerCall(argv) ? runServe(argv) : runTrain(argv)),
  keygen: runKeygen,
  encrypt: runEncrypt,
  refresh: runRefresh,
  decrypt: runDecrypt,
  serve: runServePage,
};

/**
 * The package's version (package.json, two folders up from dist/cli or src/cli).
 * @returns e.g. `"0.1.0"`, or `"unknown"` if package.json cannot be read
 * @throws never
 */
export function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * A message for the command line: the library's insecure-parameter remedy
 * (a literal's opt-in) becomes the command's flag.
 * @param e an error of the family
 * @returns the line to print, starting with "hecnn: "
 * @throws never
 */
function commandMessage(e: HecnnError): string {
  if (e instanceof UsageError) return e.message; // its op is already "hecnn"
  let msg = e.message;
  if (e.code === 'INSECURE_PARAMETERS') {
    const cut = msg.lastIndexOf('; ');
    msg = `${cut < 0 ? msg : msg.slice(0, cut)}; pass --allow-insecure to use them anyway (test parameters only)`;
  }
  return `hecnn: ${msg}`;
}

/**
 * Entry point: runs a subcommand; bad input (every error of the library's
 * family, HecnnError) ends in one line on stderr and exit code 2.
 * @param argv the command line after the program name
 * @returns the exit code: 0 done (or help), 2 bad input, a file-system error or memory exhausted (or no command: help text),
 *   3 (`train --keys`) a refresh is due, 141 stdout closed (EPIPE: the command ends quietly)
 * @throws what is not bad input (a bug)
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '-h' || cmd === '--help') {
      console.log(mainHelp(version()));
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '-V' || cmd === '--version') {
      console.log(version());
      return 0;
    }
    const run = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
    if (run === undefined) throw new UsageError(`unknown command ${cmd} (try: hecnn --help)`);
    return await run(rest);
  } catch (e) {
    if (e instanceof HecnnError) {
      // A UsageError's message starts with its op, "hecnn: "; the others get that prefix here.
      console.error(commandMessage(e));
      return 2;
    }
    return failure(e);
  }
}

/**
 * What is not an error of the family but still not a bug: stdout closed
 * (quiet end), a file-system error that escaped a command (one line naming
 * the path), memory exhausted (one line). Everything else is rethrown.
 * @param e the error
 * @returns the exit code: {@link EXIT_BROKEN_PIPE} for a closed stdout, 2 otherwise
 * @throws e when it is none of these (a bug)
 */
function failure(e: unknown): number {
  if (isBrokenPipe(e)) return EXIT_BROKEN_PIPE;
  if (isFsError(e)) {
    console.error(`hecnn: ${e.path ?? e.syscall}: ${fsErrorPhrase(e)}`);
    return 2;
  }
  if (e instanceof RangeError && /allocation failed|invalid (typed )?array (buffer )?length|array buffer length/i.test(e.message)) {
    console.error(`hecnn: out of memory (${e.message}): the parameters need more memory than this machine gives; nothing was written`);
    return 2;
  }
  throw e;
}

/**
 * Whether this module is the process's main script (run as `hecnn`, `node
 * dist/cli/hecnn.js` or `node --import tsx src/cli/hecnn.ts`), not imported.
 * @returns true when process.argv[1] resolves to this file
 */
function invokedDirectly(): boolean {
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  // A reader that went away (`hecnn ... | head`): end quietly, no stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: Error) => {
      if (isBrokenPipe(e)) process.exit(EXIT_BROKEN_PIPE);
      throw e;
    });
  }
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
