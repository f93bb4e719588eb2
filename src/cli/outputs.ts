/**
 * Output paths of the `hecnn` command, checked before any work starts (a
 * 25-minute run must not end in "cannot write the report"), and the one-line
 * messages of file-system errors.
 *
 * Policy (issue 15):
 * - the directory of every output must exist and be writable (a probe file is
 *   created exclusively and removed), the output must not be a directory;
 * - what a command makes that the user keeps and cannot make again (a key
 *   set, an upload) never replaces an existing file without `--force`;
 * - a report (weights, JSON, SVG) replaces an ordinary file as before, but
 *   never a protocol file (secret or evaluation keys, an upload, a
 *   checkpoint: anything starting with the magic `HECM` or `HECK`) and never
 *   one of the command's own input files, unless `--force` is given;
 * - the command's own state is not "what the user already has": the server
 *   rewrites its checkpoint after every iteration, `hecnn refresh` rewrites
 *   the checkpoint it was given (see serve.ts and refresh.ts);
 * - an existing output that is neither a regular file nor a directory (a
 *   terminal, a pipe, /dev/null) is written directly, not replaced.
 *
 * Errors from the file system become a {@link UsageError} whose message is
 * `hecnn: <path>: <what happened>`.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { type Stats, closeSync, mkdirSync, openSync, readSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './args.js';

/** Words for the error codes of the file system that a user can act on. */
const FS_PHRASES: Readonly<Record<string, string>> = Object.freeze({
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory (a component of the path is a file)',
  EISDIR: 'is a directory',
  ENOTEMPTY: 'is a directory (not empty)',
  EEXIST: 'file exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EXDEV: 'cross-device link',
  EBUSY: 'device or resource busy',
  ETXTBSY: 'text file busy',
  EINVAL: 'invalid argument',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
});

/**
 * Whether a value is an error of the file system (a Node.js system error with
 * an errno code such as ENOSPC).
 * @param e any value
 * @returns true for an Error with a string `code` of the form E... and a `syscall`
 * @throws never
 */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  if (!(e instanceof Error)) return false;
  const { code, syscall } = e as NodeJS.ErrnoException;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof syscall === 'string';
}

/**
 * What a file-system error means, in words (no stack, no syscall jargon).
 * @param e a file-system error
 * @returns e.g. `"no space left on device"`
 * @throws never
 */
export function fsErrorPhrase(e: NodeJS.ErrnoException): string {
  const code = e.code ?? '';
  return Object.hasOwn(FS_PHRASES, code) ? FS_PHRASES[code] : `${code.toLowerCase() || 'error'} (${e.message.split('\n')[0]})`;
}

/**
 * A file-system error as the command reports it.
 * @param path the path the command was working on (the user's name for it)
 * @param e the error caught
 * @returns a UsageError `hecnn: <path>: <what happened>` for a file-system error or a UsageError; otherwise e unchanged
 * @throws never
 */
export function fileError(path: string, e: unknown): unknown {
  if (e instanceof UsageError) return e;
  return isFsError(e) ? new UsageError(`${path}: ${fsErrorPhrase(e)}`) : e;
}

/** One output of a command, for {@link checkOutputs}. */
export interface OutputSpec {
  /** The flag that names it, for messages, e.g. `"--out"`. */
  readonly flag: string;
  /** The path given. */
  readonly path: string;
  /**
   * `'keep'`: a file the user keeps (a key, an upload): any existing file is
   * replaced only with --force. `'report'`: an ordinary existing file is
   * replaced; a protocol file or an input of the command only with --force.
   */
  readonly kind: 'keep' | 'report';
}

/** Options of {@link checkOutputs}. */
export interface CheckOutputsOptions {
  /** Whether --force was given. */
  readonly force: boolean;
  /** The command's input files (absent ones are skipped): an output may not be one of them without --force. */
  readonly inputs?: readonly (string | undefined)[];
}

/**
 * Stat a path, following symbolic links.
 * @param path the path
 * @returns its stats, or undefined if nothing is there
 * @throws UsageError `hecnn: <path>: ...` for other failures (ENOTDIR, EACCES, ELOOP)
 */
function statOrNone(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    throw fileError(path, e);
  }
}

/**
 * What kind of protocol file a file is, from its first bytes.
 * @param path a regular file
 * @returns a description (`"a protocol file (HECM: keys, upload or checkpoint)"`), or undefined for any other file
 * @throws never (an unreadable file is not a protocol file for this purpose; writing over it fails later anyway)
 */
export function protocolFileKind(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = new Uint8Array(4);
    const n = readSync(fd, head, 0, 4, 0);
    if (n < 4 || head[0] !== 0x48 || head[1] !== 0x45 || head[2] !== 0x43) return undefined;
    if (head[3] === 0x4d) return 'a protocol file (keys, an upload or a checkpoint)';
    if (head[3] === 0x4b) return 'a serialized key or ciphertext';
    return undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Check that a directory exists and that files can be created in it (a probe
 * file is created exclusively with mode 0600 and removed at once; this also
 * catches a read-only file system and root's writes to read-only mounts).
 * @param path the output path, for messages
 * @param dir its directory
 * @returns nothing
 * @throws UsageError `hecnn: <path>: <what happened>`
 */
export function checkWritableDirectory(path: string, dir: string): void {
  const st = statOrNone(dir);
  if (st === undefined) throw new UsageError(`${path}: no such file or directory (${dir} does not exist)`);
  if (!st.isDirectory()) throw new UsageError(`${path}: not a directory (${dir} is not a directory)`);
  const probe = join(dir, `.hecnn-probe-${randomBytes(8).toString('hex')}`);
  try {
    closeSync(openSync(probe, 'wx', 0o600));
  } catch (e) {
    throw fileError(path, e);
  }
  try {
    unlinkSync(probe);
  } catch {
    // removed by someone else: nothing to clean up
  }
}

/**
 * Check a command's outputs before it starts working (the policy of this
 * module's documentation).
 * @param outputs the outputs that were given (absent flags left out)
 * @param opts --force and the command's input files
 * @returns nothing
 * @throws UsageError `hecnn: <path>: <what happened>` for an output that cannot or may not be written
 */
export function checkOutputs(outputs: readonly OutputSpec[], opts: CheckOutputsOptions): void {
  const inputs = (opts.inputs ?? []).flatMap((p) => {
    const st = p === undefined ? undefined : statOrNoneQuiet(p);
    return st === undefined ? [] : [{ path: p as string, st }];
  });
  const seen = new Map<string, string>();
  for (const o of outputs) {
    if (o.path === '') throw new UsageError(`${o.flag} needs a file name`);
    const abs = resolve(o.path);
    const other = seen.get(abs);
    if (other !== undefined) throw new UsageError(`${o.path}: named by both ${other} and ${o.flag}`);
    seen.set(abs, o.flag);
    const st = statOrNone(o.path);
    if (st?.isDirectory() === true) throw new UsageError(`${o.path}: is a directory`);
    if (st !== undefined && !st.isFile()) continue; // a terminal, a pipe, a device: written directly
    if (st !== undefined && !opts.force) {
      const input = inputs.find((i) => i.st.dev === st.dev && i.st.ino === st.ino);
      if (input !== undefined) throw new UsageError(`${o.path}: is an input of this command (${input.path}); ${o.flag} will not replace it (pass --force to do so)`);
      const kind = protocolFileKind(o.path);
      if (o.kind === 'keep' || kind !== undefined) {
        throw new UsageError(`${o.path}: exists${kind === undefined ? '' : ` and is ${kind}`}; ${o.flag} will not replace it (pass --force to do so)`);
      }
    }
    checkWritableDirectory(o.path, dirname(abs));
  }
}

/**
 * Stat without throwing.
 * @param path a path
 * @returns its stats, or undefined when it cannot be stat'ed
 */
function statOrNoneQuiet(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * Make a directory and its missing parents, one level at a time (Node's
 * recursive mkdir retries forever on some file systems, e.g. under /proc).
 * @param dir the directory
 * @returns the directories created, outermost first (for {@link removeDirectories} on failure)
 * @throws UsageError `hecnn: <dir>: <what happened>` if a component is a file or a directory cannot be made
 */
export function makeDirectory(dir: string): string[] {
  const missing: string[] = [];
  let cur = resolve(dir);
  for (;;) {
    const st = statOrNone(cur);
    if (st !== undefined) {
      if (!st.isDirectory()) throw new UsageError(`${dir}: not a directory (${cur} is a file)`);
      break;
    }
    missing.push(cur);
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  const created: string[] = [];
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
      created.push(m);
    } catch (e) {
      removeDirectories(created);
      throw fileError(dir, e);
    }
  }
  return created;
}

/**
 * Remove directories made by {@link makeDirectory}, innermost first, if they
 * are still empty.
 * @param dirs the directories, outermost first
 * @returns nothing
 * @throws never
 */
export function removeDirectories(dirs: readonly string[]): void {
  for (const d of [...dirs].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty (or gone): leave it and its parents
    }
  }
}
