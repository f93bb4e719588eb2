/**
 * Run the command (`node --import tsx src/cli/hecnn.ts ...`) in its own
 * process, as the command-line tests do.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = new URL('../..', import.meta.url).pathname;

/** A finished command. */
export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `hecnn args` in its own process.
 * @param args the arguments
 * @param onLine sees stdout lines as they come, with the child (to kill it)
 * @returns exit code, signal and the output
 */
export function hecnn(args: string[], onLine?: (line: string, child: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/hecnn.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      partial += d;
      let i: number;
      while ((i = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, i);
        partial = partial.slice(i + 1);
        onLine?.(line, child);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Write rows 1..rows of the bundled data, label and the first `features` features, as a CSV.
 * @param file where to write it
 * @param rows how many rows
 * @param features how many features per row
 */
export function writeSlice(file: string, rows: number, features: number): void {
  const lines = readFileSync(join(ROOT, 'data/mnist-regnet-x-400mf-first256.csv'), 'utf8').split('\n').filter((l) => /^\d/.test(l));
  writeFileSync(file, lines.slice(0, rows).map((l) => l.split(',').slice(0, 1 + features).join(',')).join('\n') + '\n');
}
