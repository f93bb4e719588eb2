/**
 * Platform-neutral half of multi-threaded training: the messages a trainer
 * and its workers exchange, and the worker's side of the protocol. A platform
 * adapter moves the messages (Node: `@hecnn/ckks/node`, worker_threads; a
 * browser adapter would use Web Workers and the same messages).
 *
 * Everything in a message is structured-cloneable. Ciphertexts travel as
 * their limb arrays (copied on the way, unless they live on a
 * SharedArrayBuffer); evaluation keys travel once, at start-up, and should
 * live on SharedArrayBuffers (KeyGenerator option `shared`) so that every
 * thread reads the same bytes instead of a copy of several hundred MB.
 *
 * Received data is checked before use: the parameters' fingerprint, limb
 * counts and array lengths, degrees, levels, scales and slot counts; a bad
 * message ends in a {@link TrainerError} and nothing else.
 *
 * @module
 */

import {
  Ciphertext,
  EvaluationKeys,
  Evaluator,
  type Parameters,
  type ParametersLiteral,
  SEED_BYTES,
  SwitchingKey,
  createParameters,
} from '../ckks/index.js';
import { RnsPoly } from '../ntt/index.js';
import { type IterationConstants, type PairContext, type PairJob, PairKernel, type PairResult, type ProblemShape, TrainerError, addPairCounters } from './encrypted.js';

/** A ciphertext as plain data. */
export interface WireCiphertext {
  fingerprint: string;
  level: number;
  scale: number;
  slots: number;
  /** One array of (level + 1) * N words per component. */
  c: Uint32Array[];
}

/** A switching key as plain data. */
export interface WireSwitchingKey {
  b: Uint32Array[];
  /** The a_j, or none for a compact key (SwitchingKey.compact: regenerated from the seed). */
  a: Uint32Array[];
  seed: Uint8Array;
  /** Whether the a_j are the seed's expansion (SwitchingKey.aFromSeed); a compact key's are. Absent: false. */
  aFromSeed?: boolean;
  /** Highest level the key covers (SwitchingKey.level); absent: the top. */
  level?: number;
}

/** Evaluation keys as plain data. */
export interface WireKeys {
  fingerprint: string;
  relin: WireSwitchingKey | null;
  galois: [number, WireSwitchingKey][];
  /** Lower copies (EvaluationKeys.lowRelin / lowGalois); absent: none. */
  lowRelin?: WireSwitchingKey | null;
  lowGalois?: [number, WireSwitchingKey][];
}

/** The start-up message of a worker: everything but the jobs. */
export interface WorkerInit {
  type: 'init';
  literal: ParametersLiteral;
  keys: WireKeys;
  shape: ProblemShape;
  width: number;
  X: WireCiphertext[];
  Xt: WireCiphertext[];
  Ym: WireCiphertext[][];
}

/**
 * A job message: a pair's whole iteration (no `stage`), or one of its stages
 * (PairKernel.runErrors, then PairKernel.runPart per column part).
 */
export interface WorkerJob {
  type: 'job';
  id: number;
  pair: number;
  /** Absent: the whole iteration; 'errors': its first stage (V is read); 'part': the second stage of column part `part`. */
  stage?: 'errors' | 'part';
  /** W_u per column part (the part's only, for a 'part' job; empty for 'errors'). */
  W: WireCiphertext[];
  /** V_u per column part (the part's only, for a 'part' job). */
  V: WireCiphertext[];
  constants: IterationConstants;
  /** For a 'part' job: the column part and the rows its 'errors' job returned. */
  part?: number;
  rows?: WireCiphertext[];
}

/** A worker's answer to a job. */
export interface WorkerResult {
  type: 'result';
  id: number;
  /** The new W_u (one per part; the part's only for a 'part' job; empty for 'errors'). */
  W: WireCiphertext[];
  V: WireCiphertext[];
  /** An 'errors' job's replicated rows. */
  rows?: WireCiphertext[];
  counters: PairResult['counters'];
}

/** A worker's report of a failure (the message of the error it caught). */
export interface WorkerFailure {
  type: 'error';
  id: number;
  message: string;
}

/**
 * A ciphertext as plain data.
 * @param ct the ciphertext
 * @param copy copy the limbs (default false: the arrays are the ciphertext's own, which
 *   postMessage copies anyway unless they live on a SharedArrayBuffer)
 */
export function ciphertextToWire(ct: Ciphertext, copy = false): WireCiphertext {
  return {
    fingerprint: ct.fingerprint,
    level: ct.level,
    scale: ct.scale,
    slots: ct.slots,
    c: ct.c.map((p) => (copy ? p.data.slice() : p.data)),
  };
}

/**
 * A ciphertext from plain data, checked against the parameters. The limbs are
 * copied into a fresh ciphertext (the message's arrays are not kept).
 * @param params the parameters the ciphertext must belong to
 * @param w the data
 * @throws TrainerError on a wrong fingerprint, degree, level, scale, slot count or array length
 */
export function ciphertextFromWire(params: Parameters, w: WireCiphertext): Ciphertext {
  const op = 'ciphertextFromWire';
  if (w === null || typeof w !== 'object') throw new TrainerError(op, 'expected a ciphertext record');
  if (w.fingerprint !== params.fingerprint) throw new TrainerError(op, 'the ciphertext was made under other parameters');
  if (!Array.isArray(w.c) || (w.c.length !== 2 && w.c.length !== 3)) throw new TrainerError(op, 'a ciphertext has 2 or 3 components');
  if (!Number.isInteger(w.level) || w.level < 0 || w.level > params.maxLevel) throw new TrainerError(op, `level ${w.level} is outside 0..${params.maxLevel}`);
  if (typeof w.scale !== 'number' || !Number.isFinite(w.scale) || w.scale <= 0) throw new TrainerError(op, `scale ${w.scale} is not finite and positive`);
  if (!Number.isInteger(w.slots) || w.slots < 1 || w.slots > params.maxSlots || (w.slots & (w.slots - 1)) !== 0) {
    throw new TrainerError(op, `slots ${w.slots} is not a power of two up to ${params.maxSlots}`);
  }
  const words = (w.level + 1) * params.N;
  const ct = new Ciphertext(params, w.c.length - 1, w.level, w.scale, w.slots);
  w.c.forEach((d, i) => {
    if (!(d instanceof Uint32Array) || d.length !== words) throw new TrainerError(op, `component ${i} must hold ${words} words`);
    for (let j = 0; j <= w.level; j++) {
      const q = params.Q[j];
      for (let k = j * params.N; k < (j + 1) * params.N; k++) {
        if (d[k] >= q) throw new TrainerError(op, `component ${i}, limb ${j}: a coefficient is not below its modulus`);
      }
    }
    ct.c[i].data.set(d);
  });
  return ct;
}

function keyToWire(k: SwitchingKey): WireSwitchingKey {
  return { b: k.b.map((p) => p.data), a: k.a.map((p) => p.data), seed: k.seed, level: k.level, aFromSeed: k.aFromSeed };
}

/**
 * Evaluation keys as plain data (the arrays are the keys' own: post them to a
 * worker and it shares them if they live on SharedArrayBuffers, else gets a copy).
 * @param params the keys' parameters
 * @param keys the keys
 */
export function keysToWire(params: Parameters, keys: EvaluationKeys): WireKeys {
  if (keys.fingerprint !== params.fingerprint) throw new TrainerError('keysToWire', 'the keys were made under other parameters');
  return {
    fingerprint: keys.fingerprint,
    relin: keys.relin === undefined ? null : keyToWire(keys.relin),
    galois: [...keys.galois].map(([g, k]) => [g, keyToWire(k)]),
    lowRelin: keys.lowRelin === undefined ? null : keyToWire(keys.lowRelin),
    lowGalois: [...keys.lowGalois].map(([g, k]) => [g, keyToWire(k)]),
  };
}

/**
 * Evaluation keys over the message's arrays (not copied: shared memory stays shared).
 * @param params the parameters
 * @param w the data
 * @throws TrainerError on a wrong fingerprint, digit count or array length
 */
export function keysFromWire(params: Parameters, w: WireKeys): EvaluationKeys {
  const op = 'keysFromWire';
  if (w.fingerprint !== params.fingerprint) throw new TrainerError(op, 'the keys were made under other parameters');
  const top = params.Q.length - 1;
  const polys = (arr: Uint32Array[], name: string, level: number): RnsPoly[] => {
    const limbs = level + 1 + params.P.length;
    const words = limbs * params.N;
    const digits = Math.ceil((level + 1) / params.digitSize);
    if (!Array.isArray(arr) || arr.length !== digits) throw new TrainerError(op, `${name}: expected ${digits} digit(s)`);
    return arr.map((d) => {
      if (!(d instanceof Uint32Array) || d.length !== words) throw new TrainerError(op, `${name}: every digit must hold ${words} words`);
      const p = new RnsPoly(params.N, limbs, d);
      p.isNtt = true;
      return p;
    });
  };
  const key = (k: WireSwitchingKey, name: string): SwitchingKey => {
    const level = k.level ?? top;
    if (!Number.isInteger(level) || level < 0 || level > top) throw new TrainerError(op, `${name}: level must be an integer in [0, ${top}]`);
    const aFromSeed = k.aFromSeed === true;
    if (!(k.seed instanceof Uint8Array) || k.seed.length !== SEED_BYTES) throw new TrainerError(op, `${name}: the seed must be ${SEED_BYTES} bytes`);
    // A compact key (no a_j) regenerates them from its seed; only a key whose a_j come from it may be compact.
    const compact = Array.isArray(k.a) && k.a.length === 0;
    if (compact && !aFromSeed) throw new TrainerError(op, `${name}: a key without a_j must have them from its seed`);
    return new SwitchingKey(params, polys(k.b, `${name}.b`, level), compact ? [] : polys(k.a, `${name}.a`, level), k.seed, level, aFromSeed);
  };
  const galois = new Map<number, SwitchingKey>();
  for (const [g, k] of w.galois) galois.set(g, key(k, `Galois key ${g}`));
  const relin = w.relin === null ? undefined : key(w.relin, 'relinearization key');
  // Lower copies: each below its key's level, and whole (they are not their seed's expansion).
  const low = (k: WireSwitchingKey, name: string, of: SwitchingKey | undefined): SwitchingKey => {
    const c = key(k, name);
    if (of === undefined || c.level >= of.level || c.compact) throw new TrainerError(op, `${name}: a lower copy must be whole and below a key's level`);
    return c;
  };
  const lowGalois = new Map<number, SwitchingKey>();
  for (const [g, k] of w.lowGalois ?? []) lowGalois.set(g, low(k, `the lower copy of Galois key ${g}`, galois.get(g)));
  const lowRelin = w.lowRelin === undefined || w.lowRelin === null ? undefined : low(w.lowRelin, 'the lower copy of the relinearization key', relin);
  return new EvaluationKeys(params, relin, galois, { relin: lowRelin, galois: lowGalois });
}

/**
 * Copy evaluation keys onto SharedArrayBuffers (once), so that workers share
 * them. Keys already shared are returned as they are.
 * @param params the parameters
 * @param keys the keys
 * @returns keys whose every array lives on a SharedArrayBuffer
 */
export function shareKeys(params: Parameters, keys: EvaluationKeys): EvaluationKeys {
  const isShared = (p: RnsPoly): boolean => typeof SharedArrayBuffer !== 'undefined' && p.data.buffer instanceof SharedArrayBuffer;
  const share = (p: RnsPoly): RnsPoly => {
    if (isShared(p)) return p;
    const q = RnsPoly.alloc(p.N, p.limbs, true);
    q.data.set(p.data);
    q.isNtt = p.isNtt;
    return q;
  };
  const key = (k: SwitchingKey): SwitchingKey => new SwitchingKey(params, k.b.map(share), k.a.map(share), k.seed, k.level, k.aFromSeed);
  const galois = new Map<number, SwitchingKey>();
  for (const [g, k] of keys.galois) galois.set(g, key(k));
  const lowGalois = new Map<number, SwitchingKey>();
  for (const [g, k] of keys.lowGalois) lowGalois.set(g, key(k));
  return new EvaluationKeys(params, keys.relin === undefined ? undefined : key(keys.relin), galois, {
    relin: keys.lowRelin === undefined ? undefined : key(keys.lowRelin),
    galois: lowGalois,
  });
}

/**
 * The start-up message for workers running pairs of a trainer.
 * @param context the trainer's {@link EncryptedTrainer.context}
 * @param keys the evaluation keys (preferably on SharedArrayBuffers, see {@link shareKeys})
 */
export function workerInit(context: PairContext, keys: EvaluationKeys): WorkerInit {
  const w = (c: Ciphertext): WireCiphertext => ciphertextToWire(c);
  return {
    type: 'init',
    literal: context.params.literal,
    keys: keysToWire(context.params, keys),
    shape: context.shape,
    width: context.width,
    X: context.X.map(w),
    Xt: context.Xt.map(w),
    Ym: context.Ym.map((teams) => teams.map(w)),
  };
}

/**
 * The buffers a worker transfers (not copies) with its answer: every array of
 * the answer's ciphertexts, which the worker does not use again.
 * @param r the answer
 * @returns the distinct ArrayBuffers of W, V and rows
 */
export function resultTransferList(r: WorkerResult): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const c of [...r.W, ...r.V, ...(r.rows ?? [])]) for (const a of c.c) out.add(a.buffer as ArrayBuffer);
  return [...out];
}

/** The job message for a {@link PairJob}. */
export function jobToWire(id: number, job: PairJob): WorkerJob {
  return { type: 'job', id, pair: job.pair, W: job.W.map((c) => ciphertextToWire(c)), V: job.V.map((c) => ciphertextToWire(c)), constants: job.constants };
}

/**
 * The {@link PairResult} of a worker's answer.
 * @throws TrainerError if the answer is malformed
 */
export function resultFromWire(params: Parameters, r: WorkerResult): PairResult {
  return { W: r.W.map((c) => ciphertextFromWire(params, c)), V: r.V.map((c) => ciphertextFromWire(params, c)), counters: { ...r.counters } };
}

/**
 * The worker's side: built from the start-up message, answers job messages.
 * Platform adapters call {@link handle} for every job message and post back
 * what it returns (transferring the result's arrays).
 */
export class PairWorker {
  readonly params: Parameters;
  private readonly kernel: PairKernel;
  private readonly Ym: Ciphertext[][];

  /**
   * @param init the start-up message
   * @throws TrainerError or CkksError if it does not describe valid parameters, keys and data
   */
  constructor(init: WorkerInit) {
    if (init?.type !== 'init') throw new TrainerError('PairWorker', 'expected an init message');
    this.params = createParameters(init.literal);
    const keys = keysFromWire(this.params, init.keys);
    const ev = new Evaluator(this.params, keys);
    const ct = (w: WireCiphertext): Ciphertext => ciphertextFromWire(this.params, w);
    this.kernel = new PairKernel(ev, { shape: init.shape, width: init.width, X: init.X.map(ct), Xt: init.Xt.map(ct) });
    this.Ym = init.Ym.map((teams) => teams.map(ct));
  }

  /**
   * Run one job.
   * @param msg the job message
   * @returns the result message (its arrays are fresh: transfer them)
   */
  handle(msg: WorkerJob): WorkerResult {
    if (msg?.type !== 'job') throw new TrainerError('PairWorker.handle', 'expected a job message');
    if (!Number.isInteger(msg.pair) || msg.pair < 0 || msg.pair >= this.Ym.length) {
      throw new TrainerError('PairWorker.handle', `pair ${msg.pair} is outside 0..${this.Ym.length - 1}`);
    }
    const ct = (w: WireCiphertext): Ciphertext => ciphertextFromWire(this.params, w);
    const wire = (c: Ciphertext): WireCiphertext => ciphertextToWire(c);
    const list = (x: unknown, what: string): WireCiphertext[] => {
      if (!Array.isArray(x)) throw new TrainerError('PairWorker.handle', `${what} must be an array of ciphertexts`);
      return x as WireCiphertext[];
    };
    if (msg.stage === 'part') {
      const parts = this.kernel.layout.parts;
      if (!Number.isInteger(msg.part) || (msg.part as number) < 0 || (msg.part as number) >= parts) throw new TrainerError('PairWorker.handle', `part ${String(msg.part)} is outside 0..${parts - 1}`);
      const W = list(msg.W, 'W');
      const V = list(msg.V, 'V');
      if (W.length !== 1 || V.length !== 1) throw new TrainerError('PairWorker.handle', `a part job takes one W and one V, got ${W.length} and ${V.length}`);
      const rows = list(msg.rows, 'rows').map(ct);
      if (rows.length !== this.kernel.layout.teams) throw new TrainerError('PairWorker.handle', `a part job takes ${this.kernel.layout.teams} row(s), got ${rows.length}`);
      const r = this.kernel.runPart(ct(W[0]), ct(V[0]), msg.constants, rows, msg.part as number);
      return { type: 'result', id: msg.id, W: [wire(r.W)], V: [wire(r.V)], counters: r.counters };
    }
    const job: PairJob = { pair: msg.pair, W: list(msg.W, 'W').map(ct), V: list(msg.V, 'V').map(ct), constants: msg.constants };
    if (msg.stage === 'errors') {
      const r = this.kernel.runErrors(job, this.Ym[msg.pair]);
      return { type: 'result', id: msg.id, W: [], V: [], rows: r.rows.map(wire), counters: r.counters };
    }
    if (msg.stage !== undefined) throw new TrainerError('PairWorker.handle', `unknown stage ${String(msg.stage)}`);
    const r = this.kernel.run(job, this.Ym[msg.pair]);
    return { type: 'result', id: msg.id, W: r.W.map(wire), V: r.V.map(wire), counters: r.counters };
  }
}

/** Anything jobs can be posted to: a worker thread or a Web Worker. */
export interface JobPort {
  /** Send a message to the worker. */
  postMessage(message: WorkerJob): void;
}

/**
 * The platform-neutral half of a worker pool (`NodePairPool`,
 * `BrowserPairPool`): job ids, the answers awaited, and one lane per worker
 * that takes the next job when its worker is free. The adapters own the
 * workers, feed their answers to {@link settle} and their failures to
 * {@link failAll}.
 */
export class PairDispatcher {
  private readonly pending = new Map<number, { resolve: (r: WorkerResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  /**
   * @param name the pool's name, for the errors
   * @param params the parameters the results are read under
   * @param workers the workers, one lane each
   */
  constructor(
    private readonly name: string,
    private readonly params: Parameters,
    private readonly workers: readonly JobPort[],
  ) {}

  /**
   * Deliver a worker's answer to the job that waits for it (unknown ids are ignored).
   * @param m a result or a failure
   */
  settle(m: WorkerResult | WorkerFailure): void {
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (m.type === 'result') p.resolve(m);
    else p.reject(new TrainerError(this.name, `a worker failed: ${m.message}`));
  }

  /**
   * Fail every job still waiting.
   * @param e the cause (wrapped in a TrainerError unless it is one)
   */
  failAll(e: Error): void {
    const err = e instanceof TrainerError ? e : new TrainerError(this.name, e.message);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /**
   * Run the jobs, at most one per worker at a time, each on the next free
   * worker. Every pair runs in stages: its errors job (PairKernel.runErrors),
   * then one job per column part (PairKernel.runPart) once its rows are in. A
   * free worker takes the next errors job, else the next part: with 5 pairs
   * of 2 parts on 2 workers the workers finish within one part of each other,
   * not one whole pair (3 + 2). The results equal PairKernel.run's bit for bit.
   * @param jobs one per pair
   * @returns the results in job order
   * @throws TrainerError if a worker fails
   */
  run(jobs: readonly PairJob[]): Promise<PairResult[]> {
    type Task = { job: number; part?: number; rows?: WireCiphertext[] };
    const results: PairResult[] = jobs.map((j) => ({ W: new Array<Ciphertext>(j.W.length), V: new Array<Ciphertext>(j.V.length), counters: { rotations: 0, ctMultiplications: 0, keySwitches: 0 } }));
    let left = jobs.reduce((s, j) => s + 1 + j.W.length, 0);
    if (left === 0) return Promise.resolve(results);
    const queue: Task[] = jobs.map((_, job) => ({ job }));
    const idle = [...this.workers];
    return new Promise<PairResult[]>((resolve, reject) => {
      let failed = false;
      const done = (w: JobPort, t: Task, answer: WorkerResult): void => {
        const r = results[t.job];
        addPairCounters(r.counters, answer.counters);
        if (t.part === undefined) {
          if (!Array.isArray(answer.rows)) throw new TrainerError(this.name, `pair ${jobs[t.job].pair}: the errors job returned no rows`);
          for (let p = 0; p < jobs[t.job].W.length; p++) queue.push({ job: t.job, part: p, rows: answer.rows });
        } else {
          if (answer.W.length !== 1 || answer.V.length !== 1) throw new TrainerError(this.name, `pair ${jobs[t.job].pair}: a part job returned ${answer.W.length} W and ${answer.V.length} V`);
          r.W[t.part] = ciphertextFromWire(this.params, answer.W[0]);
          r.V[t.part] = ciphertextFromWire(this.params, answer.V[0]);
        }
        left--;
        idle.push(w);
      };
      const pump = (): void => {
        while (!failed && idle.length > 0 && queue.length > 0) {
          const w = idle.shift() as JobPort;
          const t = queue.shift() as Task;
          const job = jobs[t.job];
          const id = this.nextId++;
          const msg: WorkerJob =
            t.part === undefined
              ? { type: 'job', id, pair: job.pair, stage: 'errors', W: [], V: job.V.map((c) => ciphertextToWire(c)), constants: job.constants }
              : { type: 'job', id, pair: job.pair, stage: 'part', part: t.part, rows: t.rows, W: [ciphertextToWire(job.W[t.part])], V: [ciphertextToWire(job.V[t.part])], constants: job.constants };
          new Promise<WorkerResult>((res, rej) => {
            this.pending.set(id, { resolve: res, reject: rej });
            w.postMessage(msg);
          }).then(
            (answer) => {
              if (failed) return;
              try {
                done(w, t, answer);
              } catch (e) {
                failed = true;
                reject(e);
                return;
              }
              if (left === 0) resolve(results);
              else pump();
            },
            (e: unknown) => {
              if (failed) return;
              failed = true;
              reject(e);
            },
          );
        }
      };
      pump();
    });
  }
}
