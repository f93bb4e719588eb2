/**
 * `@hecnn/ckks` circuits: polynomial evaluation (monomial and Chebyshev
 * bases, baby-step giant-step at optimal depth; Bossuat, Mouchet,
 * Troncoso-Pastoriza and Hubaux, Eurocrypt 2021), linear transforms by
 * diagonals with hoisted baby-step giant-step rotations (Halevi and Shoup,
 * Crypto 2014 / 2018) and precision statistics. Sits above the scheme
 * (`../ckks`) and below the encoding and training layers.
 *
 * @module
 */
export * from './poly.js';
export * from './poly_plan.js';
export * from './poly_eval.js';
export * from './precision.js';
export * from './lintrans.js';
export * from './rotsum.js';
export { type CoefficientPlaintext, type CompactPlaintext, compactExtended, compactPlaintext, diagonalWords, mulCompactPlainThenAdd, mulIntThenAdd, mulPlainThenAdd, residueMod, zeroCiphertext } from './kernels.js';
export * from './bootstrap/index.js';
export { type BsgsJob, type WireDiagonals } from './bsgs-qp.js';
export { type CircuitJob, CircuitJobRunner, type CircuitWorkers } from './workers.js';
export { type ReplicateJob, replicateAll, runReplicateJob } from './replicate.js';
