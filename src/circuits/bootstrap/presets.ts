/**
 * Bootstrapper options matching the bootstrapping parameter presets of
 * src/ckks/presets.ts (Bossuat, Mouchet, Troncoso-Pastoriza and Hubaux,
 * Eurocrypt 2021, section 7, for the split of the chain between the phases).
 *
 * @module
 */
import type { BootstrapOptions } from './bootstrapper.js';

/**
 * Options for `PN16QP1530_BOOT_H192` (full slots by default; pass `slots` for
 * a sparse packing): CoeffsToSlots and SlotsToCoeffs in 3 levels each, EvalMod
 * with K = 32, a cosine of degree 63 and 3 double angles (9 levels), the
 * default message ratio for the slot count. The chain keeps 9 levels at scale
 * 2^30 after bootstrapping.
 */
export const BOOTSTRAP_PN16QP1530_H192: Readonly<BootstrapOptions> = Object.freeze({
  ctsLevels: 3,
  stcLevels: 3,
  K: 32,
  doubleAngles: 3,
  degree: 63,
});
