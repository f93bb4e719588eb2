/**
 * CKKS bootstrapping (Cheon, Han, Kim, Kim and Song, Eurocrypt 2018; Chen,
 * Chillotti and Song, Eurocrypt 2019; Bossuat, Mouchet, Troncoso-Pastoriza and
 * Hubaux, Eurocrypt 2021): ModRaise, the homomorphic DFT (CoeffsToSlots,
 * SlotsToCoeffs) as merged butterfly stages, EvalMod by a cosine and double
 * angles, and the {@link Bootstrapper} that chains them with its cost model.
 *
 * @module
 */
export * from './dft.js';
export * from './modraise.js';
export * from './evalmod.js';
export * from './bootstrapper.js';
export * from './presets.js';
