/**
 * Files and terminal output of the `hecnn` command: the bundled data, CSV and
 * binary reads (an unreadable file is a usage error), atomic writes, lines on
 * stdout and a progress bar on stderr.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { type CsvData, parseCsv, parsePixelCsv } from '../mlr/index.js';
import { UsageError } from './args.js';
import { fileError } from './outputs.js';

/**
 * Largest number of features per row the command reads (65,536: a row as wide
 * as the slots of N = 2^17; the paper's rows have 400). A wider row is refused
 * at parse time, before its cells are split or anything is encrypted.
 */
export const MAX_CSV_FEATURES = 65_536;

/** This module's folder: src/cli, or dist/cli once bundled into dist/cli/hecnn.js. */
const here = dirname(fileURLToPath(import.meta.url));

/**
 * The bundled data file (the package carries its own copy).
 * @returns its absolute path
 * @throws UsageError if the file is not found next to the package
 */
export function bundledData(): string {
  for (const rel of ['../../data/mnist-regnet-x-400mf-first256.csv', '../data/mnist-regnet-x-400mf-first256.csv']) {
    const p = resolve(here, rel); // from src/cli or dist/cli
    if (existsSync(p)) return p;
  }
  throw new UsageError('the bundled data file data/mnist-regnet-x-400mf-first256.csv was not found next to the package; pass --data FILE');
}

/**
 * Read a CSV file (gzip-compressed when its name ends in `.gz`).
 * @param file the path
 * @param pixels whether the file holds raw MNIST pixels (parsePixelCsv) rather than features (parseCsv)
 * @returns the parsed data
 * @throws UsageError if the file cannot be read; DataError if its content cannot be used
 */
export function readData(file: string, pixels: boolean): CsvData {
  const buf = readBytes(file);
  const bytes = file.endsWith('.gz') ? gunzipSync(buf) : buf;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return pixels ? parsePixelCsv(text, { source: file }) : parseCsv(text, { source: file, maxFeatures: MAX_CSV_FEATURES });
}

/**
 * Read a file's bytes.
 * @param file the path
 * @returns its content (the caller may wipe it)
 * @throws UsageError if the file cannot be read
 */
export function readBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** One file of {@link writeFilesAtomic}. */
export interface OutputFile {
  /** The target path. */
  readonly file: string;
  /** Text (UTF-8) or bytes. */
  readonly content: string | Uint8Array;
  /** The permission bits of the file (default 0644; the umask applies). */
  readonly mode?: number;
}

/**
 * Write a file atomically: a temporary file next to the target, created
 * exclusively (`wx`: never through a file or symlink already there) under a
 * random name with mode 0600, written, given its mode, flushed, then renamed
 * over the target (a symlink at the target is replaced, not followed). On any
 * error the temporary file is removed. A target that exists and is neither a
 * regular file nor a directory (a terminal, a pipe, a device) is written
 * directly.
 * @param file the target path
 * @param content text (UTF-8) or bytes
 * @param mode the permission bits of the file (the umask applies)
 * @returns nothing
 * @throws UsageError `hecnn: <file>: <what happened>` on a file-system error (directory missing, no permission, disk full)
 */
export function writeAtomic(file: string, content: string | Uint8Array, mode = 0o644): void {
  writeFilesAtomic([{ file, content, mode }]);
}

/**
 * Write a set of files all or nothing (a key set): every temporary file is
 * written and flushed first ({@link writeAtomic}), then all are renamed; on a
 * failure the temporary files and the targets already renamed are removed.
 * @param files the files
 * @returns nothing
 * @throws UsageError `hecnn: <file>: <what happened>` on a file-system error
 */
export function writeFilesAtomic(files: readonly OutputFile[]): void {
  const staged: { tmp: string; file: string }[] = [];
  const renamed: string[] = [];
  let current = files[0]?.file ?? '';
  try {
    for (const f of files) {
      current = f.file;
      const bytes = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content;
      const st = statSync(f.file, { throwIfNoEntry: false });
      if (st !== undefined && !st.isFile() && !st.isDirectory()) {
        writeDirect(f.file, bytes);
        continue;
      }
      const tmp = `${f.file}.tmp-${randomBytes(8).toString('hex')}`;
      const fd = openSync(tmp, 'wx', 0o600);
      staged.push({ tmp, file: f.file });
      try {
        writeAll(fd, bytes);
        fchmodSync(fd, (f.mode ?? 0o644) & ~process.umask());
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    for (const s of staged) {
      current = s.file;
      renameSync(s.tmp, s.file);
      renamed.push(s.file);
    }
  } catch (e) {
    for (const s of staged) if (!renamed.includes(s.file)) rmSync(s.tmp, { force: true });
    for (const r of renamed) rmSync(r, { force: true });
    throw fileError(current, e);
  }
}

/**
 * Write all bytes to an open file.
 * @param fd the file descriptor
 * @param bytes the content
 */
function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/**
 * Write to a terminal, a pipe or a device in place (no temporary file).
 * @param file the path
 * @param bytes the content
 */
function writeDirect(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    writeAll(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

/**
 * A byte count in MB, for messages.
 * @param n bytes
 * @returns e.g. `"1.50 MB"`
 * @throws never
 */
export function mb(n: number): string {
  return `${(n / 2 ** 20).toFixed(2)} MB`;
}

/**
 * Exit code when the reader of stdout went away (EPIPE, e.g. `hecnn ... |
 * head`): the process ends quietly with the status of a process killed by
 * SIGPIPE (128 + 13), as other command-line tools do.
 */
export const EXIT_BROKEN_PIPE = 141;

/** Thrown by {@link say} when stdout is closed (EPIPE): the command ends quietly (see {@link EXIT_BROKEN_PIPE}). */
export class BrokenPipe extends Error {
  /** @param cause the EPIPE error */
  constructor(cause: unknown) {
    super('stdout is closed (EPIPE)', { cause });
    this.name = 'BrokenPipe';
  }
}

/**
 * Whether an error is a write to a closed pipe.
 * @param e any value
 * @returns true for a {@link BrokenPipe} or an error with code EPIPE
 * @throws never
 */
export function isBrokenPipe(e: unknown): boolean {
  return e instanceof BrokenPipe || (e instanceof Error && (e as NodeJS.ErrnoException).code === 'EPIPE');
}

/**
 * A line on stdout, written synchronously (a supervisor may act on it at once).
 * @param line the line, without its newline
 * @returns nothing
 * @throws BrokenPipe if stdout is closed (the reader went away)
 */
export function say(line: string): void {
  try {
    writeSync(1, `${line}\n`);
  } catch (e) {
    if (isBrokenPipe(e)) throw new BrokenPipe(e);
    throw e;
  }
}

/** A progress bar with ETA on stderr (plain lines when stderr is not a terminal). */
export class Progress {
  private readonly start = performance.now();
  private lastLine = -1;

  /**
   * @param label what progresses, e.g. `"training"`
   * @param total the number of steps
   */
  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  /**
   * Show the progress.
   * @param done steps done
   * @param note text after the bar
   * @returns nothing
   * @throws never
   */
  update(done: number, note = ''): void {
    const el = (performance.now() - this.start) / 1000;
    const eta = done > 0 ? (el / done) * (this.total - done) : 0;
    const width = 24;
    const fill = Math.round((done / this.total) * width);
    const bar = '#'.repeat(fill) + '.'.repeat(width - fill);
    const line = `${this.label.padEnd(22)} [${bar}] ${done}/${this.total}  ${el.toFixed(0)}s elapsed, ETA ${eta.toFixed(0)}s ${note}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
    else if (done !== this.lastLine) {
      // A log, not a terminal: one line per step (so a long run shows its progress), none repeated.
      process.stderr.write(`${line}\n`);
      this.lastLine = done;
    }
  }

  /**
   * Show the bar full and end its line.
   * @param note text after the bar
   * @returns nothing
   * @throws never
   */
  done(note = ''): void {
    this.update(this.total, note);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}
