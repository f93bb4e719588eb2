/**
 * Typed errors of the CKKS layer: the scheme shares the RLWE layer's error
 * classes (src/rlwe/errors.ts), all members of the library's one error family
 * (src/core/errors.ts).
 *
 * @module
 */
export * from '../rlwe/errors.js';
