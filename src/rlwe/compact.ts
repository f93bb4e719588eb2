/**
 * Compact switching keys: a key held as its seed and b_j only, whose a_j are
 * regenerated from the seed whenever a key switching takes it up.
 *
 * The a_j of every switching key are uniform over Q_l ∪ P and come from one
 * XOF stream keyed by the key's 32-byte seed (KeyGenerator: per digit j, in
 * order, `sampleUniform` over the key's limbs). The seeded file form already
 * stores only the seed for them (Lattigo and SEAL do the same for the
 * upload); holding a key compact applies the same idea in memory. The
 * a_j are half a key's words, so a compact key takes half the memory; the
 * price is one expansion per use: at N = 2^16, about 53 ms per digit of 51
 * limbs (16 ns per word: the XofSource ChaCha20 stream and rejection sampling), 0.3 s for a
 * top-level key of 6 digits, against about 1 s for the key switching itself.
 * That pays for keys used a few times per bootstrapping (its rotation keys
 * sit idle between bootstrappings), not for keys of every iteration.
 *
 * Nothing here weakens a key: the a_j are public, and the expansion is the
 * key generator's own (the same stream, the same sampler), so a compact key
 * switches bit for bit as the full one.
 *
 * @module
 */

import { RnsPoly } from '../ntt/index.js';
import { CkksError } from './errors.js';
import { EvaluationKeys, SwitchingKey, XOF_LABEL_SWITCHING_KEY, switchingKeyShape } from './keys.js';
import type { RlweParameters as Parameters } from './params.js';
import { XofSource } from './random.js';
import { sampleUniform } from './sampling.js';

/**
 * Words of a key's first `digits` a_j together: digits x (level + 1 + |P|) x N.
 * @param params the parameters
 * @param key the key
 * @param digits how many a_j (default: all of the key's)
 * @returns the word count {@link expandSwitchingKeyA} writes for them
 * @throws CkksError (INVALID_ARGUMENT) if the key's level is outside the chain
 */
export function switchingKeyAWords(params: Parameters, key: SwitchingKey, digits?: number): number {
  const shape = switchingKeyShape(params, key.level);
  return (digits ?? shape.digits) * shape.basis.moduli.length * params.N;
}

/**
 * Regenerate a switching key's a_j from its seed, as KeyGenerator made them
 * (one XofSource(seed, XOF_LABEL_SWITCHING_KEY) stream; per digit, in order,
 * uniform over Q_0..Q_level then P, NTT form). The first `digits` only, when
 * a key switching below the key's level needs no more (the stream is read in
 * order, so a prefix of the digits costs only its own share).
 * @param params the parameters the key was made under
 * @param key the key (compact or not: only its seed and level are read)
 * @param out destination of at least `digits` x (level + 1 + |P|) x N words (default: a new array)
 * @param digits how many a_j, from the first (default: all of the key's)
 * @returns one view of out per digit, (level + 1 + |P|) N words each
 * @throws CkksError (INVALID_ARGUMENT) if out is too short, digits is outside [1, the key's digits],
 *   or the key is of other parameters
 */
export function expandSwitchingKeyA(params: Parameters, key: SwitchingKey, out?: Uint32Array, digits?: number): Uint32Array[] {
  const op = 'expandSwitchingKeyA';
  if (key.fingerprint !== params.fingerprint) throw new CkksError('INVALID_ARGUMENT', op, 'the key was made under other parameters');
  const shape = switchingKeyShape(params, key.level);
  const count = digits ?? shape.digits;
  if (!Number.isInteger(count) || count < 1 || count > shape.digits) throw new CkksError('INVALID_ARGUMENT', op, `digits must be an integer in [1, ${shape.digits}], got ${String(digits)}`);
  const basis = shape.basis;
  const limbs = basis.moduli.length;
  const words = limbs * params.N;
  const total = switchingKeyAWords(params, key, count);
  const buf = out ?? new Uint32Array(total);
  if (buf.length < total) throw new CkksError('INVALID_ARGUMENT', op, `out must hold ${total} words, got ${buf.length}`);
  const xof = new XofSource(key.seed, XOF_LABEL_SWITCHING_KEY);
  const parts: Uint32Array[] = [];
  try {
    for (let j = 0; j < count; j++) {
      const view = buf.subarray(j * words, (j + 1) * words);
      sampleUniform(xof, new RnsPoly(params.N, limbs, view), basis.moduli);
      parts.push(view);
    }
  } finally {
    xof.destroy();
  }
  return parts;
}

/**
 * The same key held compact: its b_j (shared, not copied) and seed. A key
 * whose a_j are not known to come from its seed (loaded from a full-form
 * file) is checked first: its a_j must equal the seed's expansion.
 * @param params the parameters the key was made under
 * @param key the key (returned as it is if already compact)
 * @returns a compact key switching exactly as key
 * @throws CkksError (INVALID_ARGUMENT) if the key's a_j are not its seed's expansion, or the key is of other parameters
 */
export function compactSwitchingKey(params: Parameters, key: SwitchingKey): SwitchingKey {
  const op = 'compactSwitchingKey';
  if (key.fingerprint !== params.fingerprint) throw new CkksError('INVALID_ARGUMENT', op, 'the key was made under other parameters');
  if (key.compact) return key;
  if (!key.aFromSeed) {
    const parts = expandSwitchingKeyA(params, key);
    parts.forEach((p, j) => {
      const held = key.a[j].data;
      let diff = p.length !== held.length ? 1 : 0;
      for (let i = 0; i < p.length && diff === 0; i++) diff |= p[i] ^ held[i];
      if (diff !== 0) throw new CkksError('INVALID_ARGUMENT', op, `the key's a_${j} is not the expansion of its seed: it cannot be held compact`);
    });
  }
  return new SwitchingKey(params, key.b, [], key.seed, key.level, true);
}

/**
 * The key restricted to a lower level, held whole: the b_j and a_j of the
 * digits covering Q_0..Q_level, on the limbs Q_0..Q_level and P (the a_j
 * from the key's own, or from its seed's expansion when it is compact). It
 * switches a ciphertext at any level up to `level` bit for bit as the key
 * does (the restriction is exact: {@link SwitchingKey}). Its a_j are not the
 * expansion of a seed at that level, so it is held whole and never written
 * in seeded form: it is a server's in-memory copy ({@link EvaluationKeys.lowGalois}).
 * @param params the parameters the key was made under
 * @param key the key
 * @param level the copy's level, in [0, key.level]
 * @param shared allocate the copy on SharedArrayBuffers (default false)
 * @param scratch where to expand a compact key's a_j (default: a new array; see {@link switchingKeyAWords})
 * @returns a new whole key at `level` (the key itself when `level` is its own and it is whole)
 * @throws CkksError (INVALID_ARGUMENT) on a level outside [0, key.level], a key of other parameters, or a scratch too short
 */
export function restrictSwitchingKey(params: Parameters, key: SwitchingKey, level: number, shared = false, scratch?: Uint32Array): SwitchingKey {
  const op = 'restrictSwitchingKey';
  if (key.fingerprint !== params.fingerprint) throw new CkksError('INVALID_ARGUMENT', op, 'the key was made under other parameters');
  if (!Number.isInteger(level) || level < 0 || level > key.level) throw new CkksError('INVALID_ARGUMENT', op, `level must be an integer in [0, ${key.level}] (the key's level), got ${String(level)}`);
  if (level === key.level && !key.compact) return key;
  const N = params.N;
  const K = params.P.length;
  const { digits } = switchingKeyShape(params, level);
  const from = key.level + 1; // the key's P limbs start here
  const aFull = key.compact ? expandSwitchingKeyA(params, key, scratch, digits) : key.a.slice(0, digits).map((p) => p.data);
  const cut = (src: Uint32Array): RnsPoly => {
    const p = RnsPoly.alloc(N, level + 1 + K, shared);
    p.data.set(src.subarray(0, (level + 1) * N));
    p.data.set(src.subarray(from * N, (from + K) * N), (level + 1) * N);
    p.isNtt = true;
    return p;
  };
  const b = key.b.slice(0, digits).map((p) => cut(p.data));
  const a = aFull.map(cut);
  return new SwitchingKey(params, b, a, key.seed, level, level === key.level && key.aFromSeed);
}

/**
 * Evaluation keys with some Galois keys held compact (the others, and the
 * relinearization key, are the same objects). Use it for keys that serve
 * rarely: a bootstrapping's CoeffsToSlots and SlotsToCoeffs keys.
 * @param params the parameters
 * @param keys the keys (not modified)
 * @param elements the Galois elements whose keys to hold compact
 * @returns new EvaluationKeys
 * @throws CkksError (INVALID_ARGUMENT) if an element has no key, or as {@link compactSwitchingKey}
 */
export function compactGaloisKeys(params: Parameters, keys: EvaluationKeys, elements: Iterable<number>): EvaluationKeys {
  const op = 'compactGaloisKeys';
  if (keys.fingerprint !== params.fingerprint) throw new CkksError('INVALID_ARGUMENT', op, 'the keys were made under other parameters');
  const galois = new Map(keys.galois);
  for (const g of elements) {
    const k = galois.get(g);
    if (k === undefined) throw new CkksError('INVALID_ARGUMENT', op, `there is no Galois key for element ${String(g)}`);
    galois.set(g, compactSwitchingKey(params, k));
  }
  return new EvaluationKeys(params, keys.relin, galois, { relin: keys.lowRelin, galois: keys.lowGalois });
}

/** Options of {@link compactKeysAbove}. */
export interface CompactKeysAboveOptions {
  /** Galois elements used at or below the level: their keys get whole copies there. */
  lowElements?: Iterable<number>;
  /** Keep a whole copy of the relinearization key at the level too (default false). */
  lowRelin?: boolean;
}

/**
 * Evaluation keys held compact above a level, with whole copies at that level
 * of the keys a circuit uses there ({@link EvaluationKeys.lowGalois}): every
 * key generated for a higher level is held compact (its seed and b_j), and the
 * listed ones also restricted to `level` and held whole
 * ({@link restrictSwitchingKey}). A circuit that runs at or below `level`
 * (a trainer between bootstrappings) then never expands a key, while the
 * keys serving above it (the bootstrapping's) take half their memory. Keys
 * at or below `level` stay as they are (made whole if compact and listed),
 * and so do existing copies. The results of
 * every key switching are bit for bit the same. Copies are allocated on
 * SharedArrayBuffers when the keys' own b_j are.
 * @param params the parameters
 * @param keys the keys (not modified; whole keys kept are shared, not copied)
 * @param level the level of the copies
 * @param opts the elements (and whether the relinearization key) to copy at `level`
 * @returns new EvaluationKeys
 * @throws CkksError (INVALID_ARGUMENT) on a level outside the chain, an element without a key,
 *   or as {@link compactSwitchingKey} (a key whose a_j are not its seed's expansion)
 */
export function compactKeysAbove(params: Parameters, keys: EvaluationKeys, level: number, opts: CompactKeysAboveOptions = {}): EvaluationKeys {
  const op = 'compactKeysAbove';
  if (keys.fingerprint !== params.fingerprint) throw new CkksError('INVALID_ARGUMENT', op, 'the keys were made under other parameters');
  if (!Number.isInteger(level) || level < 0 || level > params.Q.length - 1) throw new CkksError('INVALID_ARGUMENT', op, `level must be an integer in [0, ${params.Q.length - 1}], got ${String(level)}`);
  const isShared = (k: SwitchingKey): boolean => typeof SharedArrayBuffer !== 'undefined' && k.b[0]?.data.buffer instanceof SharedArrayBuffer;
  const lowGalois = new Map(keys.lowGalois);
  let lowRelin = keys.lowRelin;
  // k restricted to level l and held whole; one expansion buffer serves every compact key (sized for the largest).
  let scratch: Uint32Array | undefined;
  const whole = (k: SwitchingKey, l: number): SwitchingKey => {
    if (k.compact) {
      const words = switchingKeyAWords(params, k, switchingKeyShape(params, l).digits);
      if (scratch === undefined || scratch.length < words) scratch = new Uint32Array(words);
    }
    return restrictSwitchingKey(params, k, l, isShared(k), k.compact ? scratch : undefined);
  };
  const copy = (k: SwitchingKey): SwitchingKey => whole(k, level);
  const listed = new Set(opts.lowElements ?? []); // read once: it may be an iterator
  for (const g of listed) {
    const k = keys.galois.get(g);
    if (k === undefined) throw new CkksError('INVALID_ARGUMENT', op, `there is no Galois key for element ${String(g)}`);
    if (k.level > level && !lowGalois.has(g)) lowGalois.set(g, copy(k));
  }
  if (opts.lowRelin === true) {
    const k = keys.relin;
    if (k === undefined) throw new CkksError('INVALID_ARGUMENT', op, 'there is no relinearization key');
    if (k.level > level && lowRelin === undefined) lowRelin = copy(k);
  }
  // Above the level: compact. At or below it: as they are, but whole if used there.
  const held = (k: SwitchingKey, used: boolean): SwitchingKey => {
    if (k.level > level) return compactSwitchingKey(params, k);
    return used && k.compact ? whole(k, k.level) : k;
  };
  const galois = new Map<number, SwitchingKey>();
  for (const [g, k] of keys.galois) galois.set(g, held(k, listed.has(g)));
  return new EvaluationKeys(params, keys.relin === undefined ? undefined : held(keys.relin, opts.lowRelin === true), galois, { relin: lowRelin, galois: lowGalois });
}
