/**
 * `@hecnn/ckks/rlwe`: the RLWE core below the CKKS scheme, as in Lattigo's
 * ring -> rlwe -> ckks. It holds what does not depend on how messages are
 * encoded:
 *
 * - randomness: the platform CSPRNG, the seeded XOF, uniform, ternary and
 *   discrete-Gaussian samplers (`sampling.ts`);
 * - the RLWE view of a parameter set (`params.ts`);
 * - the primitives every key, fresh ciphertext and decryption goes through:
 *   one secret-key encryption of zero, one gadget path, public-key encryption
 *   of zero, the decryption core (`core.ts`);
 * - secret, public, relinearization and Galois keys and their generator
 *   (`keys.ts`), and switching keys held compact, their a_j regenerated from
 *   the seed when used (`compact.ts`);
 * - the hybrid key switcher: ModUp, inner product, ModDown, hoisting
 *   (`keyswitch.ts`);
 * - the scheme layers' typed errors (`errors.ts`).
 *
 * @module
 */
/** The library's one error family (src/core/errors.ts), exported by every layer. */
export * from '../core/errors.js';
export * from './errors.js';
export * from './random.js';
export * from './sampling.js';
export * from './params.js';
export * from './core.js';
export * from './keys.js';
export * from './compact.js';
export * from './keyswitch.js';
