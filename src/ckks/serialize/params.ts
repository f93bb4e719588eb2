/**
 * Codec of parameters (object type 1). Body: logN u8, logSlots u8,
 * securityLevel u16, digitSize u16, |Q| u16, |P| u16, logDefaultScale f64,
 * the |Q| primes u32, the |P| primes u32; then, only when the header has the
 * level-groups flag (a chain with high-precision levels), the number of
 * levels G u16 and the G entries of `levelPrimes` u8. The header's fingerprint is the one
 * of the parameters themselves, checked after they are rebuilt (an integrity
 * check).
 *
 * @module
 */

import { HecnnError } from '../../core/errors.js';
import { MAX_LOG_N, MIN_LOG_N } from '../../ntt/index.js';
import { InsecureParametersError } from '../errors.js';
import { INSECURE_OPT_IN, type Parameters, type ParametersLiteral, createParameters, parametersFingerprint } from '../params.js';
import { type SecurityLevel, checkSecurity } from '../security.js';
import { FLAG_LEVEL_GROUPS, HEADER_BYTES, SerializedType, argError, checkBytes, checkParams, objectReader, objectWriter, parseHeader } from './container.js';

/**
 * Largest number of primes (|Q| + |P|) a parameters blob may declare. Every
 * parameter set within the security bounds has far fewer (at most ~185 at
 * logN = 17); the cap bounds what a blob loaded with the insecure opt-in can make
 * the loader allocate (NTT tables of N words per prime).
 */
export const MAX_SERIALIZED_PRIMES = 256;

/**
 * Default cap on N (|Q| + |P|), the words of one polynomial over QP, for
 * loaded parameters: 2^22 (16 MiB per polynomial). Every preset fits
 * (the largest, PN16QP1740_SEC128, has 58 primes at N = 2^16: 3.8 M words);
 * a blob at logN 17 with 117 primes (secure, but 15 M words, several hundred
 * MB of NTT tables) is refused before any table is built unless the caller
 * raises the cap with `maxRingWords`.
 */
export const MAX_LOADED_RING_WORDS = 2 ** 22;

/** Options of {@link deserializeParameters}. */
export interface DeserializeParametersOptions {
  /**
   * Largest N (|Q| + |P|) accepted (default {@link MAX_LOADED_RING_WORDS}):
   * bounds the memory and time a crafted blob can make the loader spend.
   */
  maxRingWords?: number;
  /**
   * Accept parameters above the security bound: must be exactly
   * {@link INSECURE_OPT_IN}, as for {@link createParameters}.
   */
  unsafeAllowInsecure?: typeof INSECURE_OPT_IN;
}

/** Bytes of the body before the primes. */
const PARAMS_FIXED = 18;

/**
 * Serialize parameters: their literal (logN, the explicit primes Q and P,
 * logDefaultScale, logSlots, digitSize, securityLevel). The insecure opt-in is
 * not stored: the loader must give it again.
 * @param params parameters
 * @returns the encoding (24 + 18 + 4 (|Q| + |P|) bytes)
 * @throws CkksError (INVALID_ARGUMENT) if params are not parameters or have more than {@link MAX_SERIALIZED_PRIMES} primes
 */
export function serializeParameters(params: Parameters): Uint8Array {
  const op = 'serializeParameters';
  checkParams(op, params);
  const lit = params.literal;
  const n = params.Q.length + params.P.length;
  if (n > MAX_SERIALIZED_PRIMES) argError(op, `at most ${MAX_SERIALIZED_PRIMES} primes can be serialized, the parameters have ${n}`);
  const groups = lit.levelPrimes;
  const tail = groups === undefined ? 0 : 2 + groups.length;
  const w = objectWriter(op, HEADER_BYTES + PARAMS_FIXED + 4 * n + tail, SerializedType.Parameters, false, params.fingerprint, groups === undefined ? 0 : FLAG_LEVEL_GROUPS);
  w.u8(params.logN);
  w.u8(params.logSlots);
  w.u16(lit.securityLevel ?? 128);
  w.u16(params.digitSize);
  w.u16(params.Q.length);
  w.u16(params.P.length);
  w.f64(lit.logDefaultScale);
  for (const q of params.Q) w.u32(q);
  for (const p of params.P) w.u32(p);
  if (groups !== undefined) {
    w.u16(groups.length);
    for (const k of groups) w.u8(k); // each at most |Q| <= 255 (MAX_SERIALIZED_PRIMES)
  }
  return w.done();
}

/**
 * Load parameters: rebuilds them with {@link createParameters} (so every
 * check, the security check included, runs again) and checks that their
 * fingerprint is the stored one.
 * @param bytes output of {@link serializeParameters}
 * @param opts `unsafeAllowInsecure: INSECURE_OPT_IN` to accept parameters above the security bound
 * @returns the parameters (same fingerprint as the serialized ones)
 * @throws InsecureParametersError above the security bound without the opt-in (checked before any table is built)
 * @throws SerializationError on malformed data (including primes that are not NTT-friendly primes, or a fingerprint mismatch)
 * @throws CkksError (INVALID_ARGUMENT) if bytes is not a Uint8Array or opts is invalid
 */
export function deserializeParameters(bytes: Uint8Array, opts: DeserializeParametersOptions = {}): Parameters {
  const op = 'deserializeParameters';
  const what = 'parameters';
  if (typeof opts !== 'object' || opts === null) argError(op, 'opts must be an object');
  const optIn = opts.unsafeAllowInsecure;
  if (optIn !== undefined && optIn !== INSECURE_OPT_IN) argError(op, `unsafeAllowInsecure must be exactly "${INSECURE_OPT_IN}" when given`);
  const maxWords = opts.maxRingWords ?? MAX_LOADED_RING_WORDS;
  if (!Number.isSafeInteger(maxWords) || maxWords < 1) argError(op, `maxRingWords must be a positive integer, got ${String(opts.maxRingWords)}`);
  checkBytes(op, bytes);
  const r = objectReader(op, what, bytes);
  const h = parseHeader(r, what, SerializedType.Parameters);
  const levelGroups = (bytes[7] & FLAG_LEVEL_GROUPS) !== 0; // the flags byte, checked by parseHeader
  // Before any field is read: the length must be the one of some prime count
  // (with level groups: within the sizes some prime and group count can have).
  if (levelGroups) {
    const min = HEADER_BYTES + PARAMS_FIXED + 4 * 2 + 2 + 1;
    const max = HEADER_BYTES + PARAMS_FIXED + 4 * MAX_SERIALIZED_PRIMES + 2 + MAX_SERIALIZED_PRIMES;
    if (bytes.length < min || bytes.length > max) r.fail('length', `parameters with level groups take ${min} to ${max} bytes, got ${bytes.length}`);
  } else {
    const sizes = Array.from({ length: MAX_SERIALIZED_PRIMES - 1 }, (_, k) => HEADER_BYTES + PARAMS_FIXED + 4 * (k + 2));
    r.expectLengthAmong(sizes, 'parameters object');
  }
  const logN = r.inRange('logN', r.u8('logN'), MIN_LOG_N, MAX_LOG_N);
  const logSlots = r.inRange('logSlots', r.u8('logSlots'), 0, logN - 1);
  const securityLevel = r.u16('securityLevel');
  if (securityLevel !== 128 && securityLevel !== 192 && securityLevel !== 256) r.fail('securityLevel', `${securityLevel} is not 128, 192 or 256`);
  const digitSize = r.u16('digitSize');
  const nQ = r.u16('Q count');
  const nP = r.u16('P count');
  if (nQ < 1) r.fail('Q count', 'there must be at least one ciphertext prime');
  if (nP < 1) r.fail('P count', 'there must be at least one special prime');
  if (nQ + nP > MAX_SERIALIZED_PRIMES) r.fail('Q count', `${nQ} + ${nP} primes exceed the limit of ${MAX_SERIALIZED_PRIMES}`);
  r.inRange('digitSize', digitSize, 1, nQ);
  // Cheap metadata before anything else is built: the ring's size.
  const words = 2 ** logN * (nQ + nP);
  if (words > maxWords) r.fail('Q count', `N (|Q| + |P|) = 2^${logN} x ${nQ + nP} = ${words} words exceeds the loader's cap of ${maxWords} (raise it with opts.maxRingWords)`);
  const logDefaultScale = r.f64('logDefaultScale');
  if (!Number.isFinite(logDefaultScale) || logDefaultScale <= 0) r.fail('logDefaultScale', `${logDefaultScale} is not a finite positive number`);
  if (!levelGroups) r.expectLength(HEADER_BYTES + PARAMS_FIXED + 4 * (nQ + nP), `parameters with ${nQ} + ${nP} primes`);
  const twoN = 2 ** (logN + 1);
  const seen = new Set<number>();
  const readPrimes = (name: string, n: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const q = r.u32(`${name}[${i}]`);
      if (q >= 2 ** 30 || q % twoN !== 1) r.fail(`${name}[${i}]`, `${q} is not below 2^30 and congruent to 1 modulo 2N = ${twoN}`);
      if (seen.has(q)) r.fail(`${name}[${i}]`, `${q} is repeated (the primes of Q and P must be distinct)`);
      seen.add(q);
      out.push(q);
    }
    return out;
  };
  const Q = readPrimes('Q', nQ);
  const P = readPrimes('P', nP);
  let levelPrimes: number[] | undefined;
  if (levelGroups) {
    const G = r.inRange('level count', r.u16('level count'), 1, nQ);
    r.expectLength(HEADER_BYTES + PARAMS_FIXED + 4 * (nQ + nP) + 2 + G, `parameters with ${nQ} + ${nP} primes in ${G} levels`);
    levelPrimes = [];
    for (let g = 0; g < G; g++) levelPrimes.push(r.inRange(`levelPrimes[${g}]`, r.u8(`levelPrimes[${g}]`), 1, nQ));
    if (levelPrimes.reduce((a, b) => a + b, 0) !== nQ) r.fail('levelPrimes', `the levels do not add up to the ${nQ} ciphertext primes`);
    // Canonical form: one prime per level is written without the flag.
    if (levelPrimes.every((k) => k === 1)) r.fail('levelPrimes', 'one prime per level is stored without the level-groups flag');
  }
  // The security check of createParameters, before it builds any table.
  const log2 = (xs: number[]): number => xs.reduce((s, x) => s + Math.log2(x), 0);
  const logQP = log2(Q) + log2(P); // as createParameters sums them
  const secure = checkSecurity(op, logN, logQP, securityLevel as SecurityLevel, optIn === INSECURE_OPT_IN, {
    prefix: `${what}, field Q/P: `,
    remedy: 'pass { unsafeAllowInsecure: INSECURE_OPT_IN } to load them anyway',
  });
  // The stored fingerprint, checked before any table is built (it hashes the fields just read).
  const expected = parametersFingerprint({ logN, Q, P, logDefaultScale, logSlots, digitSize, levelPrimes });
  if (expected !== h.fingerprint) {
    r.fail('fingerprint', `the stored parameters hash to ${expected.slice(0, 8)}…, not to the stored fingerprint ${h.fingerprint.slice(0, 8)}… (corrupted data)`);
  }
  const lit: ParametersLiteral = { logN, Q, P, logDefaultScale, logSlots, digitSize, securityLevel: securityLevel as SecurityLevel, ...(levelPrimes ? { levelPrimes } : {}) };
  if (!secure) lit.unsafeAllowInsecure = INSECURE_OPT_IN;
  let params: Parameters;
  try {
    params = createParameters(lit);
  } catch (e) {
    // Refusals of the error family name the literal; anything else is a bug and propagates.
    if (e instanceof InsecureParametersError) throw new InsecureParametersError(op, `${what}: ${e.message}`);
    if (e instanceof HecnnError) r.fail('literal', e.message);
    throw e;
  }
  if (params.fingerprint !== h.fingerprint) {
    r.fail('fingerprint', `the stored parameters hash to ${params.fingerprint.slice(0, 8)}…, not to the stored fingerprint ${h.fingerprint.slice(0, 8)}… (corrupted data)`);
  }
  return params;
}
