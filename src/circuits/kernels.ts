/**
 * Fused multiply-accumulate kernels on ciphertexts in NTT form, used by the
 * polynomial evaluator and the linear transforms: `acc += M * x` for an
 * integer constant M, and `acc += pt (.) x` for a plaintext. They read only
 * the first `acc.level + 1` limbs of their input (so an operand at a higher
 * level needs no dropped copy), allocate nothing and write into `acc`. They
 * are what Lattigo calls MulThenAdd: the scalar and plaintext products of a
 * baby-step sum (Bossuat, Mouchet, Troncoso-Pastoriza and Hubaux, Eurocrypt
 * 2021, Algorithm 2; Halevi and Shoup, Crypto 2014 / 2018) accumulated into one
 * ciphertext without temporaries.
 *
 * They do not check scales: the callers choose the constants so that every
 * term lands at the accumulator's scale. They bump the evaluator's counters
 * (`constMultiplications`, `ptMultiplications`) as the evaluator's own
 * mulConst / mulPlain would.
 *
 * @module
 */

import { Ciphertext, CkksError, type Evaluator, type Parameters, type Plaintext } from '../ckks/index.js';
import { type NttTables, type RnsPoly, addMod, bitReverse, createNttTables, forwardNtt, mulAddLimbs, mulAddLimbsRepeated, mulMod, mulScalarAddLimbs, powMod, residuesOfSmallIntegers } from '../ntt/index.js';

/**
 * The residue in [0, q) of an integer-valued float64 of any magnitude (`%` is exact on doubles).
 * @param x an integer-valued float64
 * @param q the modulus
 * @returns x mod q in [0, q)
 */
export function residueMod(x: number, q: number): number {
  const r = x % q;
  return r < 0 ? r + q : r;
}

/**
 * A ciphertext of value zero (all components zero, NTT form) of degree 1 at a
 * level and scale: the accumulator of a sum of products.
 * @param params parameters
 * @param level level of the accumulator
 * @param scale its scale (the scale every term is brought to)
 * @param slots slot count
 * @returns a new zero ciphertext
 * @throws CkksError on an out-of-range level, scale or slot count
 */
export function zeroCiphertext(params: Parameters, level: number, scale: number, slots: number): Ciphertext {
  return new Ciphertext(params, 1, level, scale, slots);
}

/**
 * acc += M * x on the first acc.level + 1 limbs, for an integer M (any
 * magnitude an integer-valued float64 holds). The scale of the term is
 * x.scale * M / c for the real constant c that M encodes; the caller chooses M
 * = round(c * acc.scale / x.scale). Counted as one constant multiplication even
 * when M = 0 (a term too small to register at this scale, skipped).
 * @param ev the evaluator (for its parameters and counters)
 * @param acc accumulator (degree >= x.degree, level <= x.level); modified
 * @param x the operand (not modified)
 * @param M the integer multiplier
 * @returns acc
 * @throws CkksError (INVALID_ARGUMENT) if x is below acc's level or of higher degree, or M is not an integer
 */
export function mulIntThenAdd(ev: Evaluator, acc: Ciphertext, x: Ciphertext, M: number): Ciphertext {
  const op = 'circuits.mulIntThenAdd';
  if (x.level < acc.level || x.degree > acc.degree) {
    throw new CkksError('INVALID_ARGUMENT', op, `the operand must be at level >= ${acc.level} and degree <= ${acc.degree}, got level ${x.level}, degree ${x.degree}`);
  }
  if (!Number.isInteger(M)) throw new CkksError('INVALID_ARGUMENT', op, `the multiplier must be an integer, got ${M}`);
  ev.counters.constMultiplications++;
  if (M === 0) return acc;
  const params = ev.params;
  const limbs = acc.level + 1;
  const m = params.Q.slice(0, limbs).map((q) => residueMod(M, q));
  for (let k = 0; k <= x.degree; k++) mulScalarAddLimbs(acc.c[k].data, x.c[k].data, m, acc.c[k].data, params.Q, params.N, limbs);
  acc.seed = undefined;
  if (x.slots > acc.slots) acc.slots = x.slots;
  return acc;
}

/**
 * acc += pt (.) x (slot-wise product) on the first acc.level + 1 limbs. The
 * term's scale is x.scale * pt.scale, which must be acc's (not checked here).
 * @param ev the evaluator (for its parameters and counters)
 * @param acc accumulator (degree >= x.degree, level <= x.level and <= pt.level); modified
 * @param x the ciphertext operand
 * @param pt the plaintext operand (NTT form)
 * @returns acc
 * @throws CkksError (INVALID_ARGUMENT) if an operand is below acc's level or x has a higher degree
 */
export function mulPlainThenAdd(ev: Evaluator, acc: Ciphertext, x: Ciphertext, pt: Plaintext): Ciphertext {
  return plainThenAdd('circuits.mulPlainThenAdd', ev, acc, x, pt.poly.data, 1, pt.level, pt.slots);
}

/**
 * The body of {@link mulPlainThenAdd} and {@link mulCompactPlainThenAdd}: acc +=
 * y (.) x on the first acc.level + 1 limbs, y given with one word per run of
 * `repeat` (1: a full NTT form, multiplied by the plain kernel).
 */
function plainThenAdd(op: string, ev: Evaluator, acc: Ciphertext, x: Ciphertext, y: Uint32Array, repeat: number, ptLevel: number, ptSlots: number): Ciphertext {
  if (x.level < acc.level || ptLevel < acc.level || x.degree > acc.degree) {
    throw new CkksError('INVALID_ARGUMENT', op, `operands must be at level >= ${acc.level} (degree <= ${acc.degree}), got ${x.level} / ${ptLevel} (degree ${x.degree})`);
  }
  const params = ev.params;
  const limbs = acc.level + 1;
  for (let k = 0; k <= x.degree; k++) {
    const a = acc.c[k].data;
    // y's limbs are N / repeat words apart: limbs above acc's level are simply not read.
    if (repeat === 1) mulAddLimbs(a, x.c[k].data, y, a, params.Q, params.N, limbs);
    else mulAddLimbsRepeated(a, x.c[k].data, y, a, params.Q, params.N, limbs, repeat);
  }
  acc.seed = undefined;
  if (ptSlots > acc.slots) acc.slots = ptSlots;
  ev.counters.ptMultiplications++;
  return acc;
}

/**
 * A plaintext in NTT form held compactly: a sparse-slot plaintext (n < N/2
 * slots) is a polynomial in X^r, r = N/(2n), and in this library's NTT order
 * (output i is the evaluation at psi^(2 brv(i) + 1)) its evaluations come in
 * runs of r equal values: the evaluation at zeta depends on zeta^r only, and
 * (psi^(2 brv(i) + 1))^r is the same for the r indices that differ only in
 * their low log2(r) bits, since brv maps those bits to the top ones of the
 * exponent, which the power r removes modulo 2N. One value per run is kept:
 * N/r words per limb. The linear transforms of sparse bootstrapping keep
 * their diagonals this way (half the memory for 2^13 complex slots at
 * N = 2^16, whose transforms act on 2^14 values).
 */
export interface CompactPlaintext {
  /** level + 1 limbs (level + 1 + |P| when {@link extended}) of N / repeat words, limb after limb. */
  readonly data: Uint32Array;
  /** Run length r = N / (2 slots) (1: a full-slot plaintext, stored as it is). */
  readonly repeat: number;
  /** Level of the plaintext (its Q part). */
  readonly level: number;
  /** Its scale. */
  readonly scale: number;
  /** Its slot count. */
  readonly slots: number;
  /** Whether the limbs of P follow those of Q_level (an encoding over Q_l ∪ P, `Encoder.encodeExtended`). */
  readonly extended: boolean;
}

/**
 * One word per run of N/(2 slots) of the first `limbs` limbs of src, the runs checked
 * (a new array, on a SharedArrayBuffer if `shared`; src's own words when the runs have length 1).
 */
function compactWords(op: string, N: number, src: Uint32Array, limbs: number, slots: number, shared = false): Uint32Array {
  const repeat = N / (2 * slots);
  if (repeat === 1) return src.subarray(0, limbs * N);
  const M = N / repeat;
  const data = shared ? new Uint32Array(new SharedArrayBuffer(limbs * M * 4)) : new Uint32Array(limbs * M);
  for (let j = 0, c = 0; j < limbs * M; j++) {
    const v = src[c];
    for (let t = 0; t < repeat; t++, c++) {
      if (src[c] !== v) throw new CkksError('INVALID_ARGUMENT', op, `the plaintext is not a ${slots}-slot encoding (its NTT form has no runs of ${repeat} equal values)`);
    }
    data[j] = v;
  }
  return data;
}

/**
 * The compact form of a plaintext (see {@link CompactPlaintext}). The runs are
 * checked, not assumed: a plaintext whose NTT form does not consist of runs of
 * N/(2 slots) equal values is refused.
 * @param params the parameters it was encoded under
 * @param pt an encoded plaintext (NTT form)
 * @returns its compact form (sharing pt's words when repeat = 1)
 * @throws CkksError (INVALID_ARGUMENT) if pt is not made of such runs (it was not encoded with pt.slots slots)
 */
export function compactPlaintext(params: Parameters, pt: Plaintext): CompactPlaintext {
  const data = compactWords('circuits.compactPlaintext', params.N, pt.poly.data, pt.level + 1, pt.slots);
  return { data, repeat: params.N / (2 * pt.slots), level: pt.level, scale: pt.scale, slots: pt.slots, extended: false };
}

/**
 * The compact form of an encoding over Q_level ∪ P (`Encoder.encodeExtended`,
 * level + 1 + |P| limbs in NTT form), runs checked as in {@link compactPlaintext}.
 * @param params the parameters it was encoded under
 * @param poly the encoding
 * @param level the level of its Q part
 * @param scale its scale
 * @param slots its slot count
 * @param shared put the compact words on a SharedArrayBuffer (for worker threads; with
 *   slots = N/2 the words are poly's own, shared if poly's are)
 * @returns its compact form, `extended` (sharing poly's words when slots = N/2)
 * @throws CkksError (INVALID_ARGUMENT) if poly has not level + 1 + |P| limbs in NTT form, or no runs
 */
export function compactExtended(params: Parameters, poly: RnsPoly, level: number, scale: number, slots: number, shared = false): CompactPlaintext {
  const op = 'circuits.compactExtended';
  const limbs = level + 1 + params.P.length;
  if (poly.limbs !== limbs || !poly.isNtt || poly.N !== params.N) throw new CkksError('INVALID_ARGUMENT', op, `need ${limbs} limbs in NTT form (Q_${level} then P), got ${poly.limbs}${poly.isNtt ? '' : ' (not NTT form)'}`);
  const data = compactWords(op, params.N, poly.data, limbs, slots, shared);
  return { data, repeat: params.N / (2 * slots), level, scale, slots, extended: true };
}

/**
 * A sparse-slot plaintext held as the 2n coefficients of p, where the
 * encoding is p(X^r), r = N/2n (`Encoder.encodeRounded`): 8 bytes per
 * coefficient, against 4 per run and limb for its {@link CompactPlaintext}
 * (27 limbs: 13.5 times less). It is brought to the compact NTT form at each
 * use ({@link diagonalWords}): one NTT of N/r points per limb. A linear
 * transform whose diagonals are used once per evaluation trades that time for
 * memory (the bootstrapping's SlotsToCoeffs, `BootstrapOptions.diagonalForm`).
 */
export interface CoefficientPlaintext {
  /** p's 2n = N / repeat coefficients (integer-valued doubles, below Q_level / 2 in magnitude). */
  readonly coeffs: Float64Array;
  /** Run length r = N / (2 slots), at least 2. */
  readonly repeat: number;
  readonly level: number;
  readonly scale: number;
  readonly slots: number;
  /** Whether it is used over Q_level ∪ P. */
  readonly extended: boolean;
}

const TWO_52 = 2 ** 52;

/** The smallest NTT the tables support (createNttTables: logN >= 4). */
const MIN_NTT_POINTS = 16;

/** a (M < 16 residues) replaced by its evaluations at root^(2 brv(j) + 1), j < M (the NTT's order), by Horner's rule. */
function evaluateDirectly(a: Uint32Array, root: number, q: number): void {
  const M = a.length;
  const qInv = 1 / q;
  const p = Array.from(a);
  for (let j = 0; j < M; j++) {
    const z = powMod(root, 2 * bitReverse(j, Math.log2(M)) + 1, q);
    let acc = 0;
    for (let i = M - 1; i >= 0; i--) acc = addMod(mulMod(acc, z, q, qInv), p[i], q);
    a[j] = acc;
  }
}

/** NTT tables of N/r points for the primes of Q ∪ P with the root psi^r (psi that of N points), per parameter set. */
const runTables = new WeakMap<object, Map<string, NttTables>>();

function tablesOfRuns(params: Parameters, k: number, repeat: number): NttTables {
  let m = runTables.get(params);
  if (m === undefined) {
    m = new Map();
    runTables.set(params, m);
  }
  const key = `${k}:${repeat}`;
  let t = m.get(key);
  if (t === undefined) {
    const full = params.basisQP.tables[k];
    const q = params.basisQP.moduli[k];
    t = createNttTables(q, params.logN - Math.log2(repeat), powMod(full.psi, repeat, q));
    m.set(key, t);
  }
  return t;
}

/**
 * The compact NTT words ({@link CompactPlaintext}) of a plaintext held as
 * coefficients, limb after limb (Q_0..Q_level, then P if extended). Each run
 * value is an evaluation of p: output j of the N-point NTT of p(X^r) is the
 * evaluation at zeta = psi^(2 brv_N(j) + 1), and for j = t r, brv_N(t r) =
 * brv_(N/r)(t), so zeta^r = (psi^r)^(2 brv_(N/r)(t) + 1): the N/r-point NTT
 * of p with the root psi^r gives the run values in order, the same words as
 * encoding in NTT form and keeping one word per run.
 * @param params the parameters
 * @param pt the plaintext
 * @param out destination of (limbs) x N/r words (default: a new array)
 * @returns out
 * @throws CkksError (INVALID_ARGUMENT) on a coefficient count other than N/r, or out too short
 */
export function diagonalWords(params: Parameters, pt: CoefficientPlaintext, out?: Uint32Array): Uint32Array {
  const op = 'circuits.diagonalWords';
  const N = params.N;
  const M = N / pt.repeat;
  if (!(pt.repeat >= 2) || pt.coeffs.length !== M) throw new CkksError('INVALID_ARGUMENT', op, `need ${M} coefficients for runs of ${pt.repeat}, got ${pt.coeffs.length}`);
  const nQ = params.Q.length;
  const limbs = pt.level + 1 + (pt.extended ? params.P.length : 0);
  const dst = out ?? new Uint32Array(limbs * M);
  if (dst.length < limbs * M) throw new CkksError('INVALID_ARGUMENT', op, `out must hold ${limbs * M} words, got ${dst.length}`);
  const x = pt.coeffs;
  // Below 2^52 the fast exact reduction applies; else % (exact on doubles, slower), as the encoder does.
  let maxAbs = 0;
  for (let i = 0; i < M; i++) maxAbs = Math.max(maxAbs, Math.abs(x[i]));
  const small = maxAbs < TWO_52;
  for (let l = 0; l < limbs; l++) {
    const k = l <= pt.level ? l : nQ + (l - pt.level - 1); // index in Q ∪ P
    const q = params.basisQP.moduli[k];
    const limb = dst.subarray(l * M, (l + 1) * M);
    if (small) residuesOfSmallIntegers(x, M, limb, 0, 1, q, 1 / q);
    else for (let i = 0; i < M; i++) limb[i] = residueMod(x[i], q);
    if (M >= MIN_NTT_POINTS) forwardNtt(limb, tablesOfRuns(params, k, pt.repeat));
    else evaluateDirectly(limb, powMod(params.basisQP.tables[k].psi, pt.repeat, q), q);
  }
  return dst;
}

/**
 * acc += pt (.) x for a compact plaintext ({@link CompactPlaintext}), on the
 * first acc.level + 1 limbs: {@link mulPlainThenAdd} reading one word per run.
 * @param ev the evaluator (for its parameters and counters)
 * @param acc accumulator (degree >= x.degree, level <= x.level and <= pt.level); modified
 * @param x the ciphertext operand
 * @param pt the compact plaintext
 * @returns acc
 * @throws CkksError (INVALID_ARGUMENT) if an operand is below acc's level or x has a higher degree
 */
export function mulCompactPlainThenAdd(ev: Evaluator, acc: Ciphertext, x: Ciphertext, pt: CompactPlaintext): Ciphertext {
  return plainThenAdd('circuits.mulCompactPlainThenAdd', ev, acc, x, pt.data, pt.repeat, pt.level, pt.slots);
}
