/**
 * Codecs of the keys: public key (object type 4), switching key (5),
 * evaluation keys (6) and the secret key (7).
 *
 * - public key: seed (32), b over QP, [a over QP unless seeded] (the key lives
 *   over all |Q| + |P| primes: public-key encryption works over Q_l P); a seeded
 *   key regenerates a from XofSource(seed, XOF_LABEL_PUBLIC_KEY) over all QP limbs.
 * - switching key: seed (32), b_0..b_{dnum-1} over QP, [a_0..a_{dnum-1} over QP
 *   unless seeded]; the a_j come from ONE XOF_LABEL_SWITCHING_KEY stream, digit
 *   after digit, each over all QP limbs (as KeyGenerator). A key restricted to
 *   a level l < L (SwitchingKey.level) holds ceil((l + 1) / digitSize) digits
 *   over Q_0..Q_l ∪ P; its object sets the key-levels flag (FLAG_KEY_LEVELS)
 *   and starts with level u16, then the body with those digits and limbs (the
 *   seeded a_j regenerated over the same limbs, as KeyGenerator). Without the
 *   flag (every full key, and every file written before restricted keys
 *   existed) the level is the top.
 * - evaluation keys: hasRelin u8 (0 or 1), count u32 (<= N), the count Galois
 *   elements u32 (odd, < 2N, strictly increasing), [with the key-levels flag:
 *   one level u16 per key, the relinearization key's first], then the
 *   relinearization key's switching-key body (if present) and one
 *   switching-key body per Galois element, in that order; the seeded flag
 *   applies to all; the flag is set only when some key is restricted.
 * - secret key: N ternary coefficients, 2 bits each, least significant first
 *   (00 = 0, 01 = 1, 10 = -1; 11 is invalid): N / 4 bytes. The NTT form over QP
 *   is recomputed on load.
 *
 * Every loader checks the input length before it reads a body field, so a
 * secret key relabelled as another type is refused without its bytes being
 * read, let alone echoed.
 *
 * @module
 */

import type { Reader, Writer } from '../../core/codec.js';
import { RnsPoly, polyForwardNtt, polySetSmall } from '../../ntt/index.js';
import {
  EvaluationKeys,
  PublicKey,
  SEED_BYTES,
  SecretKey,
  SwitchingKey,
  switchingKeyShape,
  XOF_LABEL_PUBLIC_KEY,
  XOF_LABEL_SWITCHING_KEY,
  XofSource,
  checkFingerprint,
  compactSwitchingKey,
  expandSwitchingKeyA,
  sampleUniform,
} from '../../rlwe/index.js';
import type { Parameters } from '../params.js';
import { polyBytes, readPoly, writePoly } from './body.js';
import { FLAG_KEY_LEVELS, HEADER_BYTES, SerializedType, argError, checkInstance, checkObject, checkParams, checkPoly, objectWriter, openObject } from './container.js';

/** Options of the key serializers. */
export interface SerializeKeyOptions {
  /** Store the seed instead of the a-polynomials (half the size); default true. */
  seeded?: boolean;
}

function seededOpt(op: string, opts: SerializeKeyOptions): boolean {
  if (typeof opts !== 'object' || opts === null) argError(op, 'opts must be an object');
  const s = opts.seeded ?? true;
  if (typeof s !== 'boolean') argError(op, 'opts.seeded must be a boolean');
  return s;
}

function checkSeed(op: string, name: string, seed: unknown): void {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) argError(op, `${name} must be a ${SEED_BYTES}-byte Uint8Array`);
}

/** Polynomials over all QP limbs, one per name: unpacked from r or, when seeded, regenerated from one XOF stream. */
function readQPPolys(r: Reader, params: Parameters, names: readonly string[], xof: XofSource | undefined): RnsPoly[] {
  const moduli = params.basisQP.moduli;
  return names.map((name) => {
    const p = RnsPoly.alloc(params.N, moduli.length);
    if (xof === undefined) {
      readPoly(r, name, p, moduli, moduli.length);
    } else {
      sampleUniform(xof, p, moduli);
      p.isNtt = true;
    }
    return p;
  });
}

// ---------------------------------------------------------------------------
// Public keys
// ---------------------------------------------------------------------------

function publicKeyBytes(params: Parameters, seeded: boolean): number {
  const moduli = params.basisQP.moduli;
  return HEADER_BYTES + SEED_BYTES + (seeded ? 1 : 2) * polyBytes(params.N, moduli, moduli.length);
}

/**
 * Serialize a public key: seed and b, plus a unless seeded (both over QP).
 * The full form stores a as held and does not check it against the seed.
 * @param params its parameters
 * @param pk the public key
 * @param opts seeded form (default true)
 * @returns the encoding
 * @throws CkksError (INVALID_ARGUMENT) on an invalid key; ParametersMismatchError on other parameters
 */
export function serializePublicKey(params: Parameters, pk: PublicKey, opts: SerializeKeyOptions = {}): Uint8Array {
  const op = 'serializePublicKey';
  checkObject(op, params, pk, PublicKey, 'public key');
  const seeded = seededOpt(op, opts);
  const moduli = params.basisQP.moduli;
  const L = moduli.length;
  checkSeed(op, 'the public key seed', pk.seed);
  checkPoly(op, 'the public key b', pk.b, params.N, L);
  if (!seeded) checkPoly(op, 'the public key a', pk.a, params.N, L);
  const w = objectWriter(op, publicKeyBytes(params, seeded), SerializedType.PublicKey, seeded, params.fingerprint);
  w.bytes(pk.seed);
  writePoly(w, op, 'b', pk.b, moduli, L);
  if (!seeded) writePoly(w, op, 'a', pk.a, moduli, L);
  return w.done();
}

/**
 * Load a public key (a regenerated from the seed when seeded).
 * @param params the parameters it was made under
 * @param bytes output of {@link serializePublicKey}
 * @returns the public key
 * @throws SerializationError / ParametersMismatchError (see the module documentation of src/ckks/serialize/index.ts)
 */
export function deserializePublicKey(params: Parameters, bytes: Uint8Array): PublicKey {
  const op = 'deserializePublicKey';
  const { r, seeded } = openObject(op, bytes, SerializedType.PublicKey, params);
  r.expectLength(publicKeyBytes(params, seeded), `a ${seeded ? 'seeded' : 'full'} public key`);
  const seed = r.take(SEED_BYTES, 'seed');
  const [b] = readQPPolys(r, params, ['b'], undefined);
  const [a] = readQPPolys(r, params, ['a'], seeded ? new XofSource(seed, XOF_LABEL_PUBLIC_KEY) : undefined);
  return new PublicKey(params, b, a, seed);
}

// ---------------------------------------------------------------------------
// Switching keys
// ---------------------------------------------------------------------------

function switchingKeyBytes(params: Parameters, seeded: boolean, level: number = params.Q.length - 1): number {
  const { digits, basis } = switchingKeyShape(params, level);
  return SEED_BYTES + (seeded ? 1 : 2) * digits * polyBytes(params.N, basis.moduli, basis.moduli.length);
}

function checkSwitchingKey(op: string, params: Parameters, key: SwitchingKey, name: string, seeded: boolean): void {
  checkInstance(op, key, SwitchingKey, 'switching key');
  checkFingerprint(op, params, key, name);
  checkSeed(op, `${name} seed`, key.seed);
  const level = key.level;
  if (!Number.isInteger(level) || level < 0 || level > params.Q.length - 1) argError(op, `${name} level must be an integer in [0, ${params.Q.length - 1}]`);
  const { digits, basis } = switchingKeyShape(params, level);
  const total = basis.moduli.length;
  // A compact key has no a_j to check: the full form writes their expansion from the seed.
  const parts = seeded || key.compact ? (['b'] as const) : (['b', 'a'] as const);
  for (const part of parts) {
    const polys = key[part];
    if (!Array.isArray(polys) || polys.length !== digits) argError(op, `${name} must have ${digits} ${part} components (level ${level})`);
    for (let j = 0; j < digits; j++) checkPoly(op, `${name} ${part}${j}`, polys[j], params.N, total);
  }
}

function writeSwitchingKey(w: Writer, op: string, params: Parameters, key: SwitchingKey, name: string, seeded: boolean): void {
  const { digits, basis } = switchingKeyShape(params, key.level);
  const moduli = basis.moduli;
  w.bytes(key.seed);
  for (let j = 0; j < digits; j++) writePoly(w, op, `${name} b${j}`, key.b[j], moduli, moduli.length);
  if (!seeded) {
    const a = key.compact ? expandSwitchingKeyA(params, key).map((d) => new RnsPoly(params.N, moduli.length, d)) : key.a;
    for (let j = 0; j < digits; j++) writePoly(w, op, `${name} a${j}`, a[j], moduli, moduli.length);
  }
}

/** Read one switching-key body of a key restricted to `level` (the length has been checked); field prefixes the field names. */
function readSwitchingKey(r: Reader, params: Parameters, field: string, seeded: boolean, level: number = params.Q.length - 1, shared = false, compact = false): SwitchingKey {
  const { digits, basis } = switchingKeyShape(params, level);
  const moduli = basis.moduli;
  const seed = r.take(SEED_BYTES, `${field}seed`);
  const names = (part: string): string[] => Array.from({ length: digits }, (_, j) => `${field}${part}${j}`);
  // As KeyGenerator: one stream for all digits, each a_j over the key's limbs in order.
  const xof = seeded ? new XofSource(seed, XOF_LABEL_SWITCHING_KEY) : undefined;
  const read = (part: string, src: XofSource | undefined): RnsPoly[] =>
    names(part).map((name) => {
      const p = RnsPoly.alloc(params.N, moduli.length, shared);
      if (src === undefined) {
        readPoly(r, name, p, moduli, moduli.length);
      } else {
        sampleUniform(src, p, moduli);
        p.isNtt = true;
      }
      return p;
    });
  const bs = read('b', undefined);
  // Held compact: a seeded key needs nothing more; a full one's a_j are read and checked against the seed.
  if (compact && seeded) {
    xof?.destroy();
    return new SwitchingKey(params, bs, [], seed, level, true);
  }
  const as = read('a', xof);
  xof?.destroy();
  const key = new SwitchingKey(params, bs, as, seed, level, seeded);
  if (!compact) return key;
  try {
    return compactSwitchingKey(params, key);
  } catch (e) {
    return r.fail(`${field}a`, `the a_j are not the expansion of the key's seed, so the key cannot be held compact (${(e as Error).message})`);
  }
}

/** Read a key level u16 and check it against the chain. */
function readKeyLevel(r: Reader, params: Parameters, field: string): number {
  return r.inRange(field, r.u16(field), 0, params.Q.length - 1);
}

/**
 * Serialize a switching key (relinearization or Galois): seed and the b_j,
 * plus the a_j unless seeded.
 * @param params its parameters
 * @param key the key
 * @param opts seeded form (default true)
 * @returns the encoding
 * @throws CkksError (INVALID_ARGUMENT) on an invalid key; ParametersMismatchError on other parameters
 */
export function serializeSwitchingKey(params: Parameters, key: SwitchingKey, opts: SerializeKeyOptions = {}): Uint8Array {
  const op = 'serializeSwitchingKey';
  checkParams(op, params);
  const seeded = seededOpt(op, opts);
  checkSwitchingKey(op, params, key, 'the switching key', seeded);
  const restricted = key.level < params.Q.length - 1;
  const total = HEADER_BYTES + (restricted ? 2 : 0) + switchingKeyBytes(params, seeded, key.level);
  const w = objectWriter(op, total, SerializedType.SwitchingKey, seeded, params.fingerprint, restricted ? FLAG_KEY_LEVELS : 0);
  if (restricted) w.u16(key.level);
  writeSwitchingKey(w, op, params, key, 'the switching key', seeded);
  return w.done();
}

/**
 * Load a switching key (the a_j regenerated from the seed when seeded).
 * @param params the parameters it was made under
 * @param bytes output of {@link serializeSwitchingKey}
 * @returns the key
 * @throws SerializationError / ParametersMismatchError (see the module documentation of src/ckks/serialize/index.ts)
 */
export function deserializeSwitchingKey(params: Parameters, bytes: Uint8Array): SwitchingKey {
  const op = 'deserializeSwitchingKey';
  const { r, seeded, keyLevels } = openObject(op, bytes, SerializedType.SwitchingKey, params);
  if (!keyLevels) {
    r.expectLength(HEADER_BYTES + switchingKeyBytes(params, seeded), `a ${seeded ? 'seeded' : 'full'} switching key (dnum = ${params.dnum})`);
    return readSwitchingKey(r, params, '', seeded);
  }
  const level = readKeyLevel(r, params, 'level');
  r.expectLength(HEADER_BYTES + 2 + switchingKeyBytes(params, seeded, level), `a ${seeded ? 'seeded' : 'full'} switching key restricted to level ${level}`);
  return readSwitchingKey(r, params, '', seeded, level);
}

// ---------------------------------------------------------------------------
// Evaluation keys
// ---------------------------------------------------------------------------

/** Bytes of the evaluation-keys body before the switching keys, for `count` Galois elements. */
function evaluationKeysFixed(count: number): number {
  return 5 + 4 * count;
}

/**
 * Serialize the evaluation keys a server needs: the relinearization key (if
 * any) and the Galois keys, by increasing Galois element. Holds no secret.
 * @param params their parameters
 * @param keys the keys
 * @param opts seeded form for every key (default true)
 * @returns the encoding
 * @throws CkksError (INVALID_ARGUMENT) on invalid keys or Galois elements; ParametersMismatchError on other parameters
 */
export function serializeEvaluationKeys(params: Parameters, keys: EvaluationKeys, opts: SerializeKeyOptions = {}): Uint8Array {
  const op = 'serializeEvaluationKeys';
  checkObject(op, params, keys, EvaluationKeys, 'evaluation keys');
  const seeded = seededOpt(op, opts);
  if (!(keys.galois instanceof Map)) argError(op, 'keys.galois must be a Map');
  const elements = [...keys.galois.keys()].sort((x, y) => x - y);
  for (const g of elements) {
    if (!Number.isInteger(g) || g < 1 || g >= 2 * params.N || g % 2 === 0) argError(op, `Galois element ${String(g)} is not an odd integer in [1, ${2 * params.N})`);
  }
  const named: [string, SwitchingKey][] = elements.map((g) => [`the Galois key ${g}`, keys.galois.get(g) as SwitchingKey]);
  if (keys.relin !== undefined) named.unshift(['the relinearization key', keys.relin]);
  for (const [name, key] of named) checkSwitchingKey(op, params, key, name, seeded);
  const restricted = named.some(([, key]) => key.level < params.Q.length - 1);
  let total = HEADER_BYTES + evaluationKeysFixed(elements.length) + (restricted ? 2 * named.length : 0);
  for (const [, key] of named) total += switchingKeyBytes(params, seeded, key.level);
  const w = objectWriter(op, total, SerializedType.EvaluationKeys, seeded, params.fingerprint, restricted ? FLAG_KEY_LEVELS : 0);
  w.u8(keys.relin !== undefined ? 1 : 0);
  w.u32(elements.length);
  for (const g of elements) w.u32(g);
  if (restricted) for (const [, key] of named) w.u16(key.level);
  for (const [name, key] of named) writeSwitchingKey(w, op, params, key, name, seeded);
  return w.done();
}

/**
 * Sizes an evaluation-keys object can have near a given length: for each
 * value of hasRelin, the Galois key counts (in [0, N]) whose total is nearest.
 */
function evaluationKeysSizesNear(params: Parameters, seeded: boolean, length: number): number[] {
  const K = switchingKeyBytes(params, seeded);
  const size = (h: number, c: number): number => HEADER_BYTES + evaluationKeysFixed(c) + (h + c) * K;
  const out: number[] = [];
  for (const h of [0, 1]) {
    const c = Math.min(params.N, Math.max(0, Math.floor((length - size(h, 0)) / (4 + K))));
    out.push(size(h, c));
    if (c < params.N) out.push(size(h, c + 1));
  }
  return out;
}

/** Options of {@link deserializeEvaluationKeys}. */
export interface LoadKeysOptions {
  /**
   * Put every key on SharedArrayBuffers, for worker threads that read them
   * (as the KeyGenerator option `shared`); default false.
   */
  shared?: boolean;
  /**
   * Hold every key compact (`SwitchingKey.compact`: seed and b_j, half the
   * memory, the a_j regenerated from the seed at each use; `compactKeysAbove`
   * then makes whole copies of those used often). A seeded file's a_j are then
   * never expanded; a full file's are checked against the seed (a key whose
   * a_j are not its seed's expansion is refused). Default false.
   */
  compact?: boolean;
}

/**
 * Load an evaluation-keys bundle. Refuses a secret key by name; refuses an
 * input whose length no evaluation-keys object has before reading its fields.
 * @param params the parameters they were made under
 * @param bytes output of {@link serializeEvaluationKeys}
 * @param opts `shared`: keys on SharedArrayBuffers; `compact`: keys held compact
 * @returns the keys
 * @throws SerializationError / ParametersMismatchError (see the module documentation of src/ckks/serialize/index.ts)
 */
export function deserializeEvaluationKeys(params: Parameters, bytes: Uint8Array, opts: LoadKeysOptions = {}): EvaluationKeys {
  const shared = opts.shared === true;
  const compact = opts.compact === true;
  const op = 'deserializeEvaluationKeys';
  const { r, seeded, keyLevels } = openObject(op, bytes, SerializedType.EvaluationKeys, params);
  const form = `${seeded ? 'seeded' : 'full'}`;
  if (!keyLevels) r.expectLengthAmong(evaluationKeysSizesNear(params, seeded, r.length), `${form} evaluation-keys object under these parameters`);
  const hasRelin = r.u8('hasRelin');
  if (hasRelin > 1) r.fail('hasRelin', `${hasRelin} is not 0 or 1`);
  const count = r.u32('Galois key count');
  if (count > params.N) r.fail('Galois key count', `${count} exceeds N = ${params.N} (the number of odd elements below 2N)`);
  if (!keyLevels) {
    r.expectLength(
      HEADER_BYTES + evaluationKeysFixed(count) + (hasRelin + count) * switchingKeyBytes(params, seeded),
      `${hasRelin ? 'a relinearization key and ' : ''}${count} ${form} Galois keys`,
    );
  } else {
    // Elements and levels (6 bytes per Galois key, 2 for the relinearization key) must fit before they are read.
    r.count('Galois key count', count, params.N, 6);
    if (r.remaining < 6 * count + 2 * hasRelin) r.fail('length', `${count} Galois elements and ${hasRelin + count} key levels do not fit the input (truncated)`);
  }
  const elements: number[] = [];
  for (let i = 0; i < count; i++) {
    const g = r.u32(`Galois element ${i}`);
    if (g % 2 === 0 || g >= 2 * params.N) r.fail(`Galois element ${i}`, `${g} is not an odd integer in [1, ${2 * params.N})`);
    if (i > 0 && g <= elements[i - 1]) {
      r.fail(`Galois element ${i}`, g === elements[i - 1] ? `${g} is a duplicate` : `${g} is not in increasing order (after ${elements[i - 1]})`);
    }
    elements.push(g);
  }
  const top = params.Q.length - 1;
  const levels: number[] = [];
  if (keyLevels) {
    for (let i = 0; i < hasRelin + count; i++) levels.push(readKeyLevel(r, params, hasRelin && i === 0 ? 'relinearization key level' : `Galois key ${elements[i - hasRelin]} level`));
    let total = HEADER_BYTES + evaluationKeysFixed(count) + 2 * levels.length;
    for (const l of levels) total += switchingKeyBytes(params, seeded, l);
    r.expectLength(total, `${hasRelin ? 'a relinearization key and ' : ''}${count} ${form} Galois keys at levels ${levels.join(', ')}`);
  } else {
    for (let i = 0; i < hasRelin + count; i++) levels.push(top);
  }
  const relin = hasRelin ? readSwitchingKey(r, params, 'relinearization key ', seeded, levels[0], shared, compact) : undefined;
  const galois = new Map<number, SwitchingKey>();
  elements.forEach((g, i) => galois.set(g, readSwitchingKey(r, params, `Galois key ${g} `, seeded, levels[hasRelin + i], shared, compact)));
  return new EvaluationKeys(params, relin, galois);
}

// ---------------------------------------------------------------------------
// Secret keys
// ---------------------------------------------------------------------------

/**
 * Serialize the SECRET key, for its owner only (e.g. to keep it in the
 * owner's own encrypted storage). The output holds the key in clear (2 bits
 * per coefficient, N/4 bytes): never send it to a server. It has its own
 * object type, which every other loader refuses. Wipe the returned bytes once
 * stored (`bytes.fill(0)`).
 * @param params its parameters
 * @param sk the secret key (not wiped)
 * @returns 24 + N/4 bytes
 * @throws CkksError on a wiped key, other parameters or coefficients outside {-1, 0, 1}
 */
export function serializeSecretKey(params: Parameters, sk: SecretKey): Uint8Array {
  const op = 'serializeSecretKey';
  checkObject(op, params, sk, SecretKey, 'secret key');
  if (sk.isWiped) argError(op, 'the secret key has been wiped');
  const N = params.N;
  const s = sk.coeffs;
  if (!(s instanceof Int8Array) || s.length !== N) argError(op, `the secret key coefficients must be an Int8Array of length ${N}`);
  const w = objectWriter(op, HEADER_BYTES + N / 4, SerializedType.SecretKey, false, params.fingerprint);
  for (let j = 0; j < N; j += 4) {
    let b = 0;
    for (let t = 0; t < 4; t++) {
      const c = s[j + t];
      if (c !== 0 && c !== 1 && c !== -1) {
        w.buf.fill(0);
        argError(op, `secret key coefficient ${j + t} is not in {-1, 0, 1}`);
      }
      b |= (c === 0 ? 0 : c === 1 ? 1 : 2) << (2 * t);
    }
    w.u8(b);
  }
  return w.done();
}

/**
 * Load a secret key (owner only) and recompute its NTT form over QP.
 * @param params the parameters it was made under
 * @param bytes output of {@link serializeSecretKey}
 * @returns the secret key
 * @throws SerializationError / ParametersMismatchError (see the module documentation of src/ckks/serialize/index.ts)
 */
export function deserializeSecretKey(params: Parameters, bytes: Uint8Array): SecretKey {
  const op = 'deserializeSecretKey';
  const { r } = openObject(op, bytes, SerializedType.SecretKey, params);
  const N = params.N;
  r.expectLength(HEADER_BYTES + N / 4, `a secret key (N = ${N}, 2 bits per coefficient)`);
  const src = r.view(N / 4, 'coefficients');
  const coeffs = new Int8Array(N);
  for (let j = 0; j < N; j++) {
    const code = (src[j >> 2] >> (2 * (j & 3))) & 3;
    if (code === 3) {
      coeffs.fill(0);
      r.fail(`coefficient ${j}`, 'the 2-bit code 11 is not a ternary value (00 = 0, 01 = 1, 10 = -1)');
    }
    coeffs[j] = code === 2 ? -1 : code;
  }
  const poly = RnsPoly.alloc(N, params.basisQP.moduli.length);
  polySetSmall(coeffs, poly, params.basisQP);
  polyForwardNtt(poly, params.basisQP);
  return new SecretKey(params, coeffs, poly);
}
