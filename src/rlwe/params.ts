/**
 * What the RLWE core needs to know of a parameter set: the ring, the modulus
 * chain Q = q_0 ... q_L, the special modulus P = p_0 ... p_{K-1} of hybrid key
 * switching with its digit size, and the tables derived from them. The CKKS
 * layer's validated `Parameters` (src/ckks/params.ts, built by
 * `createParameters`) is such an object; the RLWE code never sees the
 * scheme-specific fields (scale, slots, rescaling tables).
 *
 * The split follows Lattigo's rlwe.Parameters, which ckks.Parameters embeds.
 *
 * @module
 */

import type { RnsBasis } from '../ntt/index.js';
import { ParametersMismatchError } from './errors.js';

/** The RLWE view of a validated parameter set (see the module comment). */
export interface RlweParameters {
  /** log2 of the ring degree. */
  readonly logN: number;
  /** Ring degree N: polynomials live in Z_q[X] / (X^N + 1). */
  readonly N: number;
  /** Ciphertext primes q_0..q_L. */
  readonly Q: readonly number[];
  /** Special primes p_0..p_{K-1}. */
  readonly P: readonly number[];
  /** Highest level L = |Q| - 1. */
  readonly maxLevel: number;
  /** Ciphertext primes per key-switching digit. */
  readonly digitSize: number;
  /** Number of digits at the top level, ceil(|Q| / digitSize). */
  readonly dnum: number;
  /** Basis of the Q primes. */
  readonly basisQ: RnsBasis;
  /** Basis of the P primes. */
  readonly basisP: RnsBasis;
  /** Basis Q then P (limb i < |Q| is q_i, limb |Q| + j is p_j). */
  readonly basisQP: RnsBasis;
  /** [P]_{q_i} with Shoup constants (the gadget factor of switching keys). */
  readonly pModQ: Uint32Array;
  readonly pModQShoup: Float64Array;
  /** P^-1 mod q_i with Shoup constants (ModDown). */
  readonly pInvModQ: Uint32Array;
  readonly pInvModQShoup: Float64Array;
  /** Identifies the parameter set; every key and ciphertext carries it. */
  readonly fingerprint: string;
}

/**
 * Refuse an object made under other parameters.
 * @param op the operation, for the message
 * @param params the parameters the operation runs under
 * @param obj the object (anything with the fingerprint of its parameters)
 * @param name how the message names the object, e.g. "the secret key"
 * @throws ParametersMismatchError if the fingerprints differ
 */
export function checkFingerprint(op: string, params: RlweParameters, obj: { fingerprint: string }, name: string): void {
  if (obj.fingerprint !== params.fingerprint) {
    throw new ParametersMismatchError(op, `${name} was made under parameters ${obj.fingerprint.slice(0, 8)}…, expected ${params.fingerprint.slice(0, 8)}…`);
  }
}
