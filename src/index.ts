/**
 * `@hecnn/ckks`: pure-TypeScript RNS-CKKS. The public API re-exports every layer.
 *
 * @module
 */
export * from './ntt/index.js';
