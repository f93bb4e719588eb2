/**
 * Helpers shared by the benchmark suites (bench/*.ts). Bench code only:
 * nothing here is part of the library, and the library never uses the PRNG
 * below (its randomness comes from globalThis.crypto.getRandomValues).
 */

import os from 'node:os';
import Benchmark from 'benchmark';

/** Options for {@link measure}. */
export interface MeasureOptions {
  /** Untimed calls made before benchmark.js starts (JIT warm-up). Default 5. */
  warmup?: number;
  /** Minimum number of samples benchmark.js collects. Default 10. */
  minSamples?: number;
  /** Time budget for sampling, in seconds (benchmark.js `maxTime`). Default 3. */
  maxTime?: number;
  /** Divide every figure by this (e.g. the number of limbs in a batch). Default 1. */
  per?: number;
  /** Print one human-readable line when done. Default true. */
  log?: boolean;
}

/** Result of {@link measure}; times in milliseconds per call (divided by `per`). */
export interface Measurement {
  name: string;
  /** Median over benchmark.js samples (each sample = mean of `count` calls). */
  medianMs: number;
  meanMs: number;
  minMs: number;
  /** Relative margin of error of the mean, in percent (benchmark.js `rme`). */
  rmePercent: number;
  /** Number of samples. */
  samples: number;
  /** Calls per sample chosen by benchmark.js. */
  callsPerSample: number;
}

/** Median of a non-empty list of numbers. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median: empty list');
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >>> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Time `fn` with benchmark.js, synchronously.
 *
 * `fn` is first called `warmup` times untimed so that V8 has optimised it
 * (benchmark.js then runs its own calibration cycles before sampling). Each
 * benchmark.js sample is the mean time of `callsPerSample` back-to-back calls;
 * the reported median is taken over those samples, which makes it robust to
 * the occasional GC pause or scheduler hiccup.
 *
 * @throws whatever `fn` throws, or an Error if benchmark.js reports one
 */
export function measure(name: string, fn: () => void, opts: MeasureOptions = {}): Measurement {
  const warmup = opts.warmup ?? 5;
  const per = opts.per ?? 1;
  for (let i = 0; i < warmup; i++) fn();
  const bench = new Benchmark(name, fn, {
    async: false,
    defer: false,
    minSamples: opts.minSamples ?? 10,
    maxTime: opts.maxTime ?? 3,
  });
  bench.run({ async: false });
  const err = (bench as unknown as { error?: unknown }).error;
  if (err) throw err instanceof Error ? err : new Error(`${name}: ${String(err)}`);
  const sample = bench.stats.sample; // seconds per call, one entry per sample
  if (sample.length === 0) throw new Error(`${name}: benchmark.js collected no samples`);
  const toMs = (s: number): number => (s * 1e3) / per;
  const result: Measurement = {
    name,
    medianMs: toMs(median(sample)),
    meanMs: toMs(bench.stats.mean),
    minMs: toMs(Math.min(...sample)),
    rmePercent: bench.stats.rme,
    samples: sample.length,
    callsPerSample: bench.count,
  };
  if (opts.log ?? true) {
    const unit = per === 1 ? '' : ` (per 1/${per} of a call)`;
    console.log(
      `  ${name.padEnd(52)} median ${fmt(result.medianMs)} ms  mean ${fmt(result.meanMs)} ms  ±${result.rmePercent.toFixed(1)}%  ${result.samples} samples x ${result.callsPerSample}${unit}`,
    );
  }
  return result;
}

/** A number with 4 significant digits, for log lines. */
export function fmt(x: number): string {
  return x >= 100 ? x.toFixed(1) : x.toPrecision(4);
}

/** Round for JSON output (keeps the files readable; 4 significant digits). */
export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

/**
 * Seeded deterministic PRNG (splitmix32). Same seed, same sequence, on every
 * machine. For bench inputs only; not cryptographic.
 */
export class SplitMix32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform-ish integer in [0, bound) for bound <= 2^32 (plain modulo; the bias is irrelevant for timing inputs). */
  below(bound: number): number {
    return this.nextU32() % bound;
  }

  /** Fill `out` with values in [0, bound). */
  fillBelow(out: Uint32Array, bound: number, from = 0, to = out.length): Uint32Array {
    for (let i = from; i < to; i++) out[i] = this.nextU32() % bound;
    return out;
  }
}

/** Fixed seed used by all suites unless they say otherwise. */
export const DEFAULT_SEED = 0x5eed_c4c5;

/** Peak resident set size of this process so far, in MiB (process.resourceUsage().maxRSS is in KiB). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Facts about the machine and runtime, stored with every result. */
export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    availableParallelism: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    totalMemoryMiB: Math.round(os.totalmem() / 2 ** 20),
    date: new Date().toISOString(),
  };
}

/**
 * CPU time (user + system of this process, process.cpuUsage) of one call of fn, in ms.
 * Time spent waiting for a core while other processes run is not counted (their cache
 * pollution still is), so two functions timed back to back this way compare fairly on a
 * shared machine.
 */
export function cpuCallMs(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}
