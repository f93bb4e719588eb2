/**
 * The trainer's scales and level arithmetic (docs/CIRCUIT.md): the scales of
 * the upload and the weights, the scale X needs at the level Z = X V^T is
 * computed at, the levels one iteration consumes on a chain whose levels hold
 * one or two primes, and the room encrypted class scores need.
 *
 * @module
 */

import { type Parameters, levelModulus } from '../ckks/index.js';
import { TrainerError } from './errors.js';

/**
 * Scales of the uploaded data and of the weights. W and V are kept at 2^40:
 * every rescale adds about N / sqrt(18) of rounding noise, i.e. 2^-16 of a
 * value at scale 2^30 but 2^-26 at 2^40, and W and V go through several
 * rescales per iteration and keep their errors across iterations. X is
 * encoded at 2^20 so that Z = X V^T lands at 2^30 after one rescale (where the
 * sigmoid's plaintext constants keep their precision). E is produced at
 * 2^35 (so the plaintext holding the small cubic coefficient is encoded at
 * about 2^32 and keeps ~20 bits), and X~ at 2^35 so that G = E^T X~ lands
 * back at the weights' scale. The labels are encoded at 2^40: their label
 * columns are made once (a mask, a rescale and up to log2(K) rotations) and
 * reused by every iteration, so their key-switching noise is a fixed bias of
 * E; at 2^30 it was the largest error of the gradient (measured at N = 2^16:
 * E off by 2.7e-4, W off the mirror by 1.3e-5 after 2 iterations; at 2^40,
 * 5e-5 and 7e-7).
 */
export const TRAINING_SCALES = Object.freeze({ x: 2 ** 20, xt: 2 ** 35, weights: 2 ** 40, labels: 2 ** 40 });

/**
 * The scale X is encrypted at for Z = X V^T at `level` to land near 2^30 after
 * its one rescale: 2^30 q_l / 2^40 rounded to a power of two, where q_l is the
 * modulus that rescale removes. On levels of one 30-bit prime that is
 * {@link TRAINING_SCALES}.x = 2^20; on a level of two primes (the bootstrapping
 * chain `PN16QP1530_TRAIN_BOOT_H192` puts Z there) it is 2^50, and X's
 * encryption noise (about sqrt(N) 4 / scale per value, 1e-3 at 2^20 and
 * N = 2^16) no longer perturbs Z.
 * @param params the parameters
 * @param level the level Z = X V^T is computed at (V's level at the start of an iteration)
 * @returns a power of two
 * @throws never
 */
export function trainingXScale(params: Parameters, level: number): number {
  return 2 ** Math.round(Math.log2((2 ** 30 * levelModulus(params, level)) / TRAINING_SCALES.weights));
}

/** Levels one iteration consumes on V (W lags one more level). */
export const LEVELS_PER_ITERATION = 4;

/**
 * Bits of room that encrypted class scores need between their scale and the
 * modulus they land in: scores up to 2^9 in magnitude decrypt correctly.
 * With less room (the model at the trainer's minLevel 1 on 30-bit primes
 * leaves none) the scores wrap around the modulus and decrypt to garbage.
 */
export const PREDICTION_ROOM_BITS = 10;

/**
 * The room {@link predictScores} leaves its scores: the product of features
 * (scale sX) and model (scale sW) at level l is rescaled by q_l and lands at
 * level l - 1 with scale sX sW / q_l, in a modulus q_0 ... q_{l-1} whose
 * centered range is half of it.
 * @param params the parameters
 * @param level the level of the product's inputs
 * @param xScale the features' scale
 * @param wScale the model's scale
 * @returns log2(q_0 ... q_{l-1} / 2) - log2(sX sW / q_l), in bits (-Infinity at level 0)
 * @throws never
 */
export function predictionRoomBits(params: Parameters, level: number, xScale: number, wScale: number): number {
  const i = params.levelTops.indexOf(level);
  if (i < 1) return -Infinity;
  const below = params.levelTops[i - 1];
  let logQ = -1;
  for (let j = 0; j <= below; j++) logQ += Math.log2(params.Q[j]);
  return logQ - (Math.log2(xScale) + Math.log2(wScale) - Math.log2(levelModulus(params, level)));
}

/**
 * The level a rescale at `level` lands on (one logical level down: one prime
 * on most chains, two on a chain's 2-prime levels).
 * @param params the parameters
 * @param level a level of the chain (a top limb index in params.levelTops)
 * @returns the next lower level
 * @throws TrainerError if `level` is the base or not a level of the chain
 */
export function levelBelow(params: Parameters, level: number): number {
  const i = params.levelTops.indexOf(level);
  if (i < 1) throw new TrainerError('levelBelow', `level ${level} is ${i === 0 ? 'the base' : 'not a level of the chain'}: nothing below it`);
  return params.levelTops[i - 1];
}

/**
 * Where one iteration leaves the weights when V starts at `level`: V' after
 * {@link LEVELS_PER_ITERATION} rescales (Z, the sigmoid's two, G), W one more
 * below (docs/CIRCUIT.md).
 * @param params the parameters
 * @param level V's level before the iteration
 * @returns the levels of V and W after it, or undefined if the chain ends first
 * @throws never
 */
export function iterationLevels(params: Parameters, level: number): { V: number; W: number } | undefined {
  let i = params.levelTops.indexOf(level);
  if (i < 0) return undefined;
  i -= LEVELS_PER_ITERATION;
  if (i < 1) return undefined;
  return { V: params.levelTops[i], W: params.levelTops[i - 1] };
}
