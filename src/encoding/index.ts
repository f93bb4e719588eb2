/**
 * `@hecnn/ckks/encoding`: Volley Revolver matrix layouts and matrix products
 * on CKKS ciphertexts (Chiang 2023), with cost models and rotation planning.
 * Built on `@hecnn/ckks/ckks`.
 *
 * @module
 */
/** The library's one error family (src/core/errors.ts), exported by every layer. */
export * from '../core/errors.js';
export * from './layout.js';
export * from './ops.js';
