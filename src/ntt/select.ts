/**
 * Bases made of primes of an existing basis, sharing its NTT tables: the
 * digits and extended bases of key switching, the levels of a chain. The
 * tables belong to the basis they come from (in the scheme, to a parameter
 * set), so selecting builds no table and keeps no process-wide state.
 *
 * @module
 */

import { checkInt, rangeError, typeError } from './errors.js';
import type { RnsBasis } from './rns.js';

/**
 * The basis of the primes at `indices` of `basis`, in that order, sharing its tables.
 * @param basis the source basis
 * @param indices distinct indices into basis.moduli (at least one)
 * @returns a frozen basis
 * @throws ArgumentRangeError / ArgumentTypeError on an empty, repeated or out-of-range index list
 */
export function selectBasis(basis: RnsBasis, indices: readonly number[]): RnsBasis {
  const fn = 'selectBasis';
  if (!Array.isArray(indices)) typeError(fn, 'indices', 'an array of limb indices', indices);
  if (indices.length === 0) rangeError(fn, 'indices', 'a non-empty array', indices);
  if (new Set(indices).size !== indices.length) rangeError(fn, 'indices', 'distinct indices', indices.join(','));
  indices.forEach((i, k) => checkInt(fn, `indices[${k}]`, i, 0, basis.moduli.length - 1));
  let product = 1n;
  for (const i of indices) product *= BigInt(basis.moduli[i]);
  return Object.freeze({
    logN: basis.logN,
    N: basis.N,
    moduli: Object.freeze(indices.map((i) => basis.moduli[i])),
    tables: Object.freeze(indices.map((i) => basis.tables[i])),
    product,
  });
}

/**
 * The indices [from, to) as an array (for {@link selectBasis}).
 * @param from first index
 * @param to one past the last index
 * @returns from, from + 1, ..., to - 1
 */
export function indexRange(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}
