/**
 * Atomic writes of the `hecnn` command (src/cli/io.ts): the temporary file is
 * created exclusively under a random name with mode 0600 (a file or symlink
 * planted at a guessable name is never written through), it is removed on
 * every error path, and errors from the file system become one-line
 * UsageErrors naming the path.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { writeAtomic, writeFilesAtomic } from '../../src/cli/io.js';

describe('writeAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hecnn-io-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const temps = (): string[] => readdirSync(dir).filter((n) => n.includes('.tmp-'));

  it('does not write through a symlink planted at the old guessable temporary name (FILE.tmp-PID)', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'untouched');
    const target = join(dir, 'secret.key');
    symlinkSync(victim, `${target}.tmp-${process.pid}`);
    writeAtomic(target, 'SECRET', 0o600);
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(lstatSync(target).isFile()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('SECRET');
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  it('gives the file the requested mode even when a file with mode 0644 sits at a guessable temporary name', () => {
    const target = join(dir, 'secret.key');
    writeFileSync(`${target}.tmp-${process.pid}`, '', { mode: 0o644 });
    writeAtomic(target, new Uint8Array([1, 2, 3]), 0o600);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(Array.from(readFileSync(target))).toEqual([1, 2, 3]);
  });

  it('leaves no temporary file behind when the rename fails, and throws a one-line UsageError naming the path', () => {
    const target = join(dir, 'occupied');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'x'); // a non-empty directory: rename fails
    let err: unknown;
    try {
      writeAtomic(target, 'content');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(new RegExp(`^hecnn: ${target}: `));
    expect((err as Error).message).not.toMatch(/\n/);
    expect(temps()).toEqual([]);
  });

  it('a missing directory (ENOENT) and a file used as a directory (ENOTDIR): UsageError naming the path, nothing left', () => {
    writeFileSync(join(dir, 'plain'), 'x');
    for (const target of [join(dir, 'missing', 'out.json'), join(dir, 'plain', 'out.json')]) {
      expect(() => writeAtomic(target, '{}')).toThrow(UsageError);
      expect(() => writeAtomic(target, '{}')).toThrow(new RegExp(`^hecnn: ${target}: `));
    }
    expect(readdirSync(dir)).toEqual(['plain']);
  });

  it('writes a device directly: /dev/full ends in ENOSPC as a UsageError (no temporary file in /dev, the device is not replaced)', () => {
    expect(() => writeAtomic('/dev/full', 'x'.repeat(100))).toThrow(/^hecnn: \/dev\/full: no space left on device/);
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    expect(readdirSync('/dev').filter((n) => n.startsWith('full.tmp-'))).toEqual([]);
  });

  it('writeFilesAtomic writes a set of files all or nothing: a failing member leaves none of them (and no temporary file)', () => {
    const a = join(dir, 'secret.key');
    const b = join(dir, 'eval.keys');
    mkdirSync(b);
    writeFileSync(join(b, 'inside'), 'x');
    expect(() => writeFilesAtomic([{ file: a, content: 'A', mode: 0o600 }, { file: b, content: 'B' }])).toThrow(UsageError);
    expect(existsSync(a)).toBe(false);
    expect(temps()).toEqual([]);
    rmSync(b, { recursive: true });
    writeFilesAtomic([{ file: a, content: 'A', mode: 0o600 }, { file: b, content: 'B' }]);
    expect(readFileSync(a, 'utf8') + readFileSync(b, 'utf8')).toBe('AB');
    expect(statSync(a).mode & 0o777).toBe(0o600);
    expect(temps()).toEqual([]);
  });
});
