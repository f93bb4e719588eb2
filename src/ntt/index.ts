/**
 * `@hecnn/ckks/ntt`: the ring layer. Word-sized modular arithmetic, NTT-friendly
 * primes, the negacyclic NTT, RNS polynomials, fast basis conversion and ring
 * automorphisms. No dependency on the layers above.
 *
 * @module
 */
/** The library's one error family (src/core/errors.ts), exported by every layer. */
export * from '../core/errors.js';
export * from './errors.js';
export * from './modular.js';
export * from './primes.js';
export * from './ntt.js';
export * from './rns.js';
export * from './conversion.js';
export * from './pointwise.js';
export * from './select.js';
export * from './automorphism.js';
