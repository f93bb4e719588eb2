/**
 * Plaintexts and ciphertexts. Both hold RNS polynomials in NTT form whose limb
 * count is level + 1 (the primes q_0..q_level), the exact scale as a float64,
 * the number of slots they encode, and the fingerprint of their parameters.
 *
 * @module
 */

import { RnsPoly } from '../ntt/index.js';
import { checkFingerprint } from '../rlwe/index.js';
import { CkksError, LevelMismatchError } from './errors.js';
import type { Parameters } from './params.js';

export { checkFingerprint };

/** An encoded message m(X) with m = round(scale * embedding^-1(z)), in NTT form. */
export class Plaintext {
  /** The polynomial, NTT form, level + 1 limbs. */
  readonly poly: RnsPoly;
  /** Exact scale of the encoding. */
  scale: number;
  /** Number of slots encoded (a power of two up to N/2). */
  slots: number;
  /** Fingerprint of the parameters it was made under. */
  readonly fingerprint: string;

  /**
   * @param params parameters
   * @param level level in [0, params.maxLevel]
   * @param scale positive finite scale
   * @param slots number of slots (power of two, at most N/2)
   * @param poly optional polynomial (NTT form, level + 1 limbs); a zero one is allocated otherwise
   * @param shared allocate on a SharedArrayBuffer
   * @throws CkksError on a level, scale or slot count out of range
   */
  constructor(params: Parameters, level: number, scale: number, slots: number, poly?: RnsPoly, shared = false) {
    checkLevel('Plaintext', params, level);
    checkScale('Plaintext', scale);
    checkSlots('Plaintext', params, slots);
    if (poly !== undefined && (poly.limbs !== level + 1 || poly.N !== params.N)) {
      throw new CkksError('INVALID_ARGUMENT', 'Plaintext', `poly must have N = ${params.N} and ${level + 1} limbs, got N = ${poly.N} with ${poly.limbs}`);
    }
    this.poly = poly ?? RnsPoly.alloc(params.N, level + 1, shared);
    this.poly.isNtt = true;
    this.scale = scale;
    this.slots = slots;
    this.fingerprint = params.fingerprint;
  }

  /** Level: number of limbs minus one. */
  get level(): number {
    return this.poly.limbs - 1;
  }
}

/**
 * A ciphertext (c_0, c_1[, c_2]) with c_0 + c_1 s (+ c_2 s^2) = m + e, all
 * components in NTT form with level + 1 limbs.
 */
export class Ciphertext {
  /** Components; length 2 (or 3 after a multiplication before relinearization). */
  readonly c: RnsPoly[];
  /** Exact scale. */
  scale: number;
  /** Number of slots encoded. */
  slots: number;
  /** Fingerprint of the parameters it was made under. */
  readonly fingerprint: string;
  /**
   * Seed of c_1 for a fresh symmetric encryption (c_1 = uniform from the XOF
   * seeded with it), so that storage can keep only c_0 and the seed; undefined
   * once c_1 is no longer the seeded value.
   */
  seed: Uint8Array | undefined;

  /**
   * @param params parameters
   * @param degree number of components minus one (1 or 2)
   * @param level level in [0, params.maxLevel]
   * @param scale positive finite scale
   * @param slots number of slots
   * @param shared allocate on a SharedArrayBuffer
   * @throws CkksError on out-of-range arguments
   */
  constructor(params: Parameters, degree: number, level: number, scale: number, slots: number, shared = false) {
    checkLevel('Ciphertext', params, level);
    checkScale('Ciphertext', scale);
    checkSlots('Ciphertext', params, slots);
    if (degree !== 1 && degree !== 2) throw new CkksError('INVALID_ARGUMENT', 'Ciphertext', `degree must be 1 or 2, got ${degree}`);
    this.c = [];
    for (let i = 0; i <= degree; i++) {
      const p = RnsPoly.alloc(params.N, level + 1, shared);
      p.isNtt = true;
      this.c.push(p);
    }
    this.scale = scale;
    this.slots = slots;
    this.fingerprint = params.fingerprint;
    this.seed = undefined;
  }

  /** Level: number of limbs minus one. */
  get level(): number {
    return this.c[0].limbs - 1;
  }

  /** Degree: number of components minus one. */
  get degree(): number {
    return this.c.length - 1;
  }

  /** A deep copy. */
  clone(params: Parameters): Ciphertext {
    const out = new Ciphertext(params, this.degree, this.level, this.scale, this.slots);
    for (let i = 0; i < this.c.length; i++) out.c[i].data.set(this.c[i].data);
    out.seed = this.seed?.slice();
    return out;
  }
}

/** @throws LevelMismatchError unless 0 <= level <= params.maxLevel */
export function checkLevel(op: string, params: Parameters, level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > params.maxLevel) {
    throw new LevelMismatchError(op, `level must be an integer in [0, ${params.maxLevel}], got ${level}`);
  }
}

/** @throws CkksError unless scale is finite and positive */
export function checkScale(op: string, scale: number): void {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw new CkksError('OUT_OF_RANGE', op, `scale must be a finite positive number, got ${String(scale)}`);
  }
}

/** @throws CkksError unless slots is a power of two in [1, N/2] */
export function checkSlots(op: string, params: Parameters, slots: number): void {
  if (!Number.isInteger(slots) || slots < 1 || slots > params.maxSlots || (slots & (slots - 1)) !== 0) {
    throw new CkksError('OUT_OF_RANGE', op, `slots must be a power of two in [1, ${params.maxSlots}], got ${slots}`);
  }
}

/**
 * Per output ciphertext, the largest polynomial reshape has given each of its components
 * (its own allocation, or the ciphertext's own polynomial when reshape first cut it): the
 * memory a component may grow back into. Weak, so it goes with the ciphertext.
 */
const capacity = new WeakMap<Ciphertext, (RnsPoly | undefined)[]>();

/** The polynomials reshape allocated itself: the only ones a dropped component may come back into. */
const allocated = new WeakSet<RnsPoly>();

/** Whether `view` is a prefix view of `full` (same buffer, same start). */
function isPrefixOf(view: RnsPoly, full: RnsPoly): boolean {
  return view.data.buffer === full.data.buffer && view.data.byteOffset === full.data.byteOffset;
}

/**
 * Give `ct` the requested degree and level, reusing its memory: a shrinking level keeps
 * prefix views, and a component grows back into the polynomial it was cut from (or, for a
 * component that a smaller degree dropped, into the polynomial reshape dropped), allocating
 * only beyond that. An output reused across operations at alternating levels or degrees (a
 * rescale then a rotation, a multiplication then a relinearization) then allocates once.
 * A component grows back only into memory `ct` holds now (the polynomial its current
 * component is a prefix view of), or, for a dropped component, into a polynomial reshape
 * allocated itself and no component of `ct` holds: never into memory another object was
 * given since (a released scratch slab, a polynomial handed elsewhere).
 * @param params parameters
 * @param ct the ciphertext to reshape in place
 * @param degree number of components minus one
 * @param level the level
 * @internal
 */
export function reshape(params: Parameters, ct: Ciphertext, degree: number, level: number): void {
  const N = params.N;
  let cap = capacity.get(ct);
  if (cap === undefined) {
    cap = [];
    capacity.set(ct, cap);
  }
  for (let i = degree + 1; i < ct.c.length; i++) {
    // Dropped by this reshape: may be grown back into (unless something else took it since:
    // see below, a dropped slot is only reused while no component stands there).
    const cur = ct.c[i];
    const full = cap[i];
    cap[i] = full !== undefined && isPrefixOf(cur, full) ? full : cur;
  }
  ct.c.length = Math.min(ct.c.length, degree + 1);
  for (let i = 0; i <= degree; i++) {
    const cur = ct.c[i];
    const full = cap[i];
    if (cur !== undefined && cur.limbs >= level + 1) {
      // Shrink (or keep): remember the whole polynomial a prefix view is cut from.
      if (full === undefined || !isPrefixOf(cur, full) || full.limbs < cur.limbs) cap[i] = cur;
      if (cur.limbs > level + 1) ct.c[i] = cur.prefix(level + 1);
    } else if (full !== undefined && full.limbs >= level + 1 && (cur === undefined ? allocated.has(full) && dropped(ct, full) : isPrefixOf(cur, full))) {
      ct.c[i] = full.limbs === level + 1 ? full : full.prefix(level + 1);
    } else {
      const p = new RnsPoly(N, level + 1);
      allocated.add(p);
      cap[i] = p;
      ct.c[i] = p;
    }
    ct.c[i].isNtt = true;
  }
}

/** A polynomial reshape dropped is reused only if no component of ct holds any of it now. */
function dropped(ct: Ciphertext, full: RnsPoly): boolean {
  return ct.c.every((p) => p === undefined || p.data.buffer !== full.data.buffer);
}
