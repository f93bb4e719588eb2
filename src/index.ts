/**
 * `@hecnn/ckks`: pure-TypeScript RNS-CKKS with privacy-preserving training of
 * the last layer of a CNN on top. The public API re-exports every layer:
 * `@hecnn/ckks/ntt` (ring), `@hecnn/ckks/ckks` (scheme),
 * `@hecnn/ckks/encoding` (matrix layouts and products), `@hecnn/ckks/mlr`
 * (plaintext and encrypted trainers).
 *
 * @module
 */
export * from './ntt/index.js';
export * from './ckks/index.js';
export * from './encoding/index.js';
export * from './mlr/index.js';
