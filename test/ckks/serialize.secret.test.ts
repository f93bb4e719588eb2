/**
 * A secret key relabelled as another object type must be refused without its
 * bytes reaching the error message: every loader checks the input length
 * against the sizes its type can have before it reads a body field, and no
 * other type has the length of a secret key. The messages are checked to be
 * the same for every secret key (so they carry nothing of it) and to contain
 * none of the numbers the key's bytes read as (u8, u16, u32, f64 at the body
 * offsets a loader would read), nor their hex.
 */

import { describe, expect, it } from 'vitest';
import * as ckks from '../../src/ckks/index.js';
import { type Parameters, type ParametersLiteral, SerializationError } from '../../src/ckks/index.js';
import { expectThrows } from './helpers.js';

const { FLAG_SEEDED, HEADER_BYTES, INSECURE_OPT_IN, KeyGenerator, SerializedType, XofSource, createParameters, deserializeSecretKey, serializeSecretKey } = ckks;

const LITERALS: ParametersLiteral[] = [
  { logN: 4, logQ: [18, 20, 22], logP: [24], digitSize: 1, logDefaultScale: 14, unsafeAllowInsecure: INSECURE_OPT_IN },
  { logN: 5, logQ: [29, 25], logP: [30], digitSize: 1, logDefaultScale: 20, logSlots: 3, unsafeAllowInsecure: INSECURE_OPT_IN },
  { logN: 6, logQ: [26, 24, 24, 23], logP: [28, 27], digitSize: 2, logDefaultScale: 20, securityLevel: 192, unsafeAllowInsecure: INSECURE_OPT_IN },
  ckks.PN12QP180_INSECURE as ParametersLiteral,
];

/** Every loader but the secret key's, by the type code it reads. */
const LOADERS: [number, string, (p: Parameters, b: Uint8Array) => unknown][] = [
  [SerializedType.Parameters, 'parameters', (_p, b) => ckks.deserializeParameters(b, { unsafeAllowInsecure: INSECURE_OPT_IN })],
  [SerializedType.Plaintext, 'plaintext', ckks.deserializePlaintext],
  [SerializedType.Ciphertext, 'ciphertext', ckks.deserializeCiphertext],
  [SerializedType.PublicKey, 'public key', ckks.deserializePublicKey],
  [SerializedType.SwitchingKey, 'switching key', ckks.deserializeSwitchingKey],
  [SerializedType.EvaluationKeys, 'evaluation keys', ckks.deserializeEvaluationKeys],
];

const SEEDABLE = new Set<number>([SerializedType.Ciphertext, SerializedType.PublicKey, SerializedType.SwitchingKey, SerializedType.EvaluationKeys]);

/** Byte values whose four 2-bit codes are all ternary (00, 01, 10): a valid secret-key byte each. */
const CRAFTED = [0x96, 0x69, 0x5a, 0xa5, 0x99, 0x66, 0x95, 0x59];

/** Secret-key blobs of one parameter set: generated keys and keys of crafted byte patterns. */
function secretKeys(p: Parameters): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let s = 0; s < 6; s++) {
    const kg = new KeyGenerator(p, { source: new XofSource(Uint8Array.from({ length: 32 }, (_, i) => (s * 37 + i) & 255), 'relabel test') });
    out.push(serializeSecretKey(p, kg.genSecretKey()));
  }
  const header = out[0].subarray(0, HEADER_BYTES);
  for (let k = 0; k < CRAFTED.length; k++) {
    const b = new Uint8Array(HEADER_BYTES + p.N / 4);
    b.set(header);
    for (let i = HEADER_BYTES; i < b.length; i++) b[i] = CRAFTED[(i + k) % CRAFTED.length];
    expect(deserializeSecretKey(p, b).coeffs.length).toBe(p.N); // a valid secret key
    out.push(b);
  }
  return out;
}

/** Whatever the body bytes read as, at the offsets the loaders read fields from. */
function secretReadings(b: Uint8Array): { numbers: Set<string>; hex: string[] } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const numbers = new Set<string>();
  const hex: string[] = [];
  for (let o = HEADER_BYTES; o < Math.min(b.length, HEADER_BYTES + 16); o++) {
    numbers.add(String(v.getUint8(o)));
    if (o + 2 <= b.length) numbers.add(String(v.getUint16(o, true)));
    if (o + 4 <= b.length) numbers.add(String(v.getUint32(o, true)));
    if (o + 8 <= b.length) numbers.add(String(v.getFloat64(o, true)));
    if (o + 2 <= b.length) hex.push(Array.from(b.subarray(o, o + 2), (x) => x.toString(16).padStart(2, '0')).join(''));
  }
  return { numbers, hex };
}

/** The numbers a message contains (integers, decimals, exponents, NaN / Infinity). */
function numbersIn(message: string): string[] {
  return message.match(/-?(\d+(\.\d+)?(e[+-]?\d+)?|NaN|Infinity)/g) ?? [];
}

/** Hex-looking tokens of a message: 0x-prefixed, or runs of hex digits with a letter among them. */
function hexTokensIn(message: string): string[] {
  return (message.toLowerCase().match(/0x[0-9a-f]+|\b[0-9a-f]*[a-f][0-9a-f]*\b/g) ?? []).filter((t) => /\d/.test(t) || t.startsWith('0x'));
}

/** The error a load throws: a SerializationError (MALFORMED_DATA), or the test fails. */
function refusal(load: () => unknown): SerializationError {
  return expectThrows(load, SerializationError, 'MALFORMED_DATA') as SerializationError;
}

describe('a secret key relabelled as another object type', () => {
  it.each(LITERALS.map((l, i) => [i, l] as const))('is refused on its length, with a message that holds no secret byte (parameter set %i)', (_, lit) => {
    const p = createParameters(lit);
    const keys = secretKeys(p);
    const crafted = new Set(keys.slice(keys.length - CRAFTED.length));
    for (const [type, name, load] of LOADERS) {
      for (const seeded of SEEDABLE.has(type) ? [false, true] : [false]) {
        const messages = new Set<string>();
        for (const sk of keys) {
          const relabelled = sk.slice();
          relabelled[6] = type;
          relabelled[7] = seeded ? FLAG_SEEDED : 0;
          const e = refusal(() => load(p, relabelled));
          expect(e.code).toBe('MALFORMED_DATA');
          expect(e.objectType).toBe(name);
          expect(e.field, e.message).toBe('length');
          if (crafted.has(sk)) {
            // Keys whose readings we chose: none of them may appear (a random key's byte may equal a size by chance).
            const { numbers, hex } = secretReadings(sk);
            for (const x of numbersIn(e.message)) expect(numbers.has(x), `${name}: ${x} in "${e.message}" is a reading of the key`).toBe(false);
            for (const t of hexTokensIn(e.message)) for (const h of hex) expect(t, e.message).not.toContain(h);
          }
          messages.add(e.message);
        }
        // The same message for every key: it depends on the length only.
        expect(messages.size, [...messages].join('\n')).toBe(1);
      }
    }
  });

  it('the evaluation-keys loader no longer reads hasRelin or the Galois key count out of a secret key', () => {
    const p = createParameters(LITERALS[0]);
    const sk = secretKeys(p)[6]; // crafted: body bytes 0x96, 0x69, ... (150, 105, ...)
    const relabelled = sk.slice();
    relabelled[6] = SerializedType.EvaluationKeys;
    const e = refusal(() => ckks.deserializeEvaluationKeys(p, relabelled));
    expect(e.message).not.toMatch(/hasRelin|Galois key count/);
    expect(e.message).toMatch(/^deserializeEvaluationKeys: evaluation keys, field length: no full evaluation-keys object under these parameters takes \d+ bytes/);
    expect(e.message).not.toContain(String(sk[HEADER_BYTES]));
  });
});
