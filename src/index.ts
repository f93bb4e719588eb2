/**
 * `@hecnn/ckks`: pure-TypeScript RNS-CKKS with privacy-preserving training of
 * the last layer of a CNN on top. The public API re-exports every library
 * layer: `@hecnn/ckks/ntt` (ring), `@hecnn/ckks/rlwe` (keys, key switching,
 * samplers; re-exported through the scheme), `@hecnn/ckks/ckks` (scheme),
 * `@hecnn/ckks/circuits` (polynomials, linear transforms, precision),
 * `@hecnn/ckks/encoding` (matrix layouts and products), `@hecnn/ckks/mlr`
 * (plaintext and encrypted trainers). The Node and browser adapters are
 * separate entry points (`@hecnn/ckks/node`, `@hecnn/ckks/browser`).
 *
 * @module
 */
export * from './ntt/index.js';
export * from './ckks/index.js';
export * from './circuits/index.js';
export * from './encoding/index.js';
export * from './mlr/index.js';
