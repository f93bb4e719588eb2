/**
 * `@hecnn/ckks/encoding`: Volley Revolver matrix layouts and matrix products
 * on CKKS ciphertexts (Chiang 2023), with cost models and rotation planning.
 * Built on `@hecnn/ckks/ckks`.
 *
 * @module
 */
export * from './layout.js';
export * from './ops.js';
