/**
 * Serialization: round trips of every object type at logN 12 / 13 (values
 * decrypt the same, seeded ciphertexts and keys come back bit-identical,
 * loaded keys still relinearize / rotate / decrypt), the security opt-in on
 * load, refusals of objects of other parameters and of the secret key where a
 * server-side object is expected, and targeted malformed inputs.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import {
  Ciphertext,
  CkksError,
  Decryptor,
  Encoder,
  Encryptor,
  EvaluationKeys,
  Evaluator,
  FLAG_SEEDED,
  HEADER_BYTES,
  INSECURE_OPT_IN,
  InsecureParametersError,
  KeyGenerator,
  PN12QP180_INSECURE,
  PN12QP90_SEC128,
  PN13QP210_SEC128,
  type Parameters,
  type ParametersLiteral,
  ParametersMismatchError,
  Plaintext,
  PublicKey,
  SecretKey,
  SerializationError,
  SerializedType,
  SwitchingKey,
  XofSource,
  createParameters,
  deserializeCiphertext,
  deserializeEvaluationKeys,
  deserializeParameters,
  deserializePlaintext,
  deserializePublicKey,
  deserializeSecretKey,
  deserializeSwitchingKey,
  galoisElementsFor,
  readHeader,
  serializeCiphertext,
  serializeEvaluationKeys,
  serializeParameters,
  serializePlaintext,
  serializePublicKey,
  serializeSecretKey,
  serializeSwitchingKey,
  parametersFingerprint,
} from '../../src/ckks/index.js';
import type { RnsPoly } from '../../src/ntt/index.js';

// ------------------------------------------------------------------ helpers

function seed32(n: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (n * 131 + i * 29 + 7) & 255);
}

function vec(n: number, s: number): Float64Array {
  let a = s >>> 0;
  return Float64Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return (a / 2 ** 32) * 2 - 1;
  });
}

function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function samePoly(a: RnsPoly, b: RnsPoly): boolean {
  if (a.N !== b.N || a.limbs !== b.limbs) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

function expectSameCt(got: Ciphertext, want: Ciphertext): void {
  expect(got).toBeInstanceOf(Ciphertext);
  expect(got.degree).toBe(want.degree);
  expect(got.level).toBe(want.level);
  expect(got.scale).toBe(want.scale);
  expect(got.slots).toBe(want.slots);
  expect(got.fingerprint).toBe(want.fingerprint);
  for (let k = 0; k <= want.degree; k++) expect(samePoly(got.c[k], want.c[k]), `component ${k}`).toBe(true);
}

function expectSameKey(got: SwitchingKey, want: SwitchingKey): void {
  expect(got).toBeInstanceOf(SwitchingKey);
  expect(got.b.length).toBe(want.b.length);
  expect(Array.from(got.seed)).toEqual(Array.from(want.seed));
  for (let j = 0; j < want.b.length; j++) {
    expect(samePoly(got.b[j], want.b[j]), `b${j}`).toBe(true);
    expect(samePoly(got.a[j], want.a[j]), `a${j}`).toBe(true);
  }
}

/** f throws an instance of cls (a CkksError) whose message matches re. */
function expectError(f: () => unknown, cls: abstract new (...args: never[]) => Error, re?: RegExp): CkksError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(cls);
  expect(caught).toBeInstanceOf(CkksError);
  if (re) expect((caught as Error).message).toMatch(re);
  return caught as CkksError;
}

/** Bits per residue and bytes of a polynomial over the first `limbs` moduli. */
function polyBytes(N: number, moduli: readonly number[], limbs: number): number {
  let s = 0;
  for (let i = 0; i < limbs; i++) s += (N * (32 - Math.clz32(moduli[i] - 1))) / 8;
  return s;
}

interface Ctx {
  name: string;
  lit: Readonly<ParametersLiteral>;
  params: Parameters;
  sk: SecretKey;
  pk: PublicKey;
  keys: EvaluationKeys;
  encoder: Encoder;
  sym: Encryptor;
  pub: Encryptor;
  dec: Decryptor;
  ev: Evaluator;
}

const STEPS = [1, -1, 3];

function makeCtx(name: string, lit: Readonly<ParametersLiteral>): Ctx {
  const params = createParameters(lit as ParametersLiteral);
  const kg = new KeyGenerator(params, { source: new XofSource(seed32(1), 'serialize test keygen') });
  const sk = kg.genSecretKey();
  const pk = kg.genPublicKey(sk);
  const keys = kg.genEvaluationKeys(sk, { steps: STEPS, conjugate: true });
  const encoder = new Encoder(params);
  const sym = new Encryptor(params, sk, new XofSource(seed32(2), 'serialize test sym'));
  const pub = new Encryptor(params, pk, new XofSource(seed32(3), 'serialize test pk'));
  return { name, lit, params, sk, pk, keys, encoder, sym, pub, dec: new Decryptor(params, sk), ev: new Evaluator(params, keys) };
}

const PRESETS: [string, Readonly<ParametersLiteral>][] = [
  ['PN12QP180_INSECURE', PN12QP180_INSECURE],
  ['PN13QP210_SEC128', PN13QP210_SEC128],
];

// ------------------------------------------------------------------ round trips

describe.each(PRESETS)('serialization round trips, %s', (name, lit) => {
  let c: Ctx;
  let x: Float64Array;
  beforeAll(() => {
    c = makeCtx(name, lit);
    x = vec(c.params.slots, 11);
  });
  const opt = () => (c.params.insecure ? { unsafeAllowInsecure: INSECURE_OPT_IN } : {});

  it('parameters: same fingerprint, literal and tables', () => {
    const bytes = serializeParameters(c.params);
    expect(bytes.length).toBe(HEADER_BYTES + 18 + 4 * (c.params.Q.length + c.params.P.length));
    const p = deserializeParameters(bytes, opt());
    expect(p.fingerprint).toBe(c.params.fingerprint);
    expect(p.Q).toEqual(c.params.Q);
    expect(p.P).toEqual(c.params.P);
    expect(p.logN).toBe(c.params.logN);
    expect(p.logSlots).toBe(c.params.logSlots);
    expect(p.digitSize).toBe(c.params.digitSize);
    expect(p.dnum).toBe(c.params.dnum);
    expect(p.defaultScale).toBe(c.params.defaultScale);
    expect(p.insecure).toBe(c.params.insecure);
    expect(p.literal.securityLevel).toBe(c.params.literal.securityLevel);
    // Canonical: serializing the loaded parameters gives the same bytes.
    expect(serializeParameters(p)).toEqual(bytes);
    // Objects of the original parameters load under the loaded ones.
    const ct = c.sym.encrypt(c.encoder.encode(x, c.params.maxLevel));
    const back = deserializeCiphertext(p, serializeCiphertext(c.params, ct));
    expect(maxErr(c.encoder.decode(c.dec.decrypt(back)), x)).toBeLessThan(1e-4);
  });

  it('plaintext: identical polynomial, scale, slots, at every level', () => {
    for (let level = 0; level <= c.params.maxLevel; level++) {
      const pt = c.encoder.encode(x.subarray(0, c.params.slots / 2), level, 2 ** 25, c.params.slots / 2);
      const bytes = serializePlaintext(c.params, pt);
      expect(bytes.length).toBe(HEADER_BYTES + 14 + polyBytes(c.params.N, c.params.Q, level + 1));
      const back = deserializePlaintext(c.params, bytes);
      expect(back).toBeInstanceOf(Plaintext);
      expect(back.level).toBe(level);
      expect(back.scale).toBe(2 ** 25);
      expect(back.slots).toBe(c.params.slots / 2);
      expect(samePoly(back.poly, pt.poly)).toBe(true);
      expect(back.poly.isNtt).toBe(true);
      expect(serializePlaintext(c.params, back)).toEqual(bytes);
    }
  });

  it('ciphertext (fresh symmetric): full and seeded forms load identical and decrypt to the same values', () => {
    for (const level of [c.params.maxLevel, 1, 0]) {
      const ct = c.sym.encrypt(c.encoder.encode(x, level));
      expect(ct.seed).toBeDefined();
      const full = serializeCiphertext(c.params, ct);
      const seeded = serializeCiphertext(c.params, ct, { seeded: true });
      const pb = polyBytes(c.params.N, c.params.Q, level + 1);
      expect(full.length).toBe(HEADER_BYTES + 15 + 2 * pb);
      expect(seeded.length).toBe(HEADER_BYTES + 15 + 32 + pb);
      expect(readHeader(seeded)).toEqual({ version: 1, type: SerializedType.Ciphertext, typeName: 'ciphertext', seeded: true, fingerprint: c.params.fingerprint });
      expect(readHeader(full).seeded).toBe(false);
      const a = deserializeCiphertext(c.params, full);
      const b = deserializeCiphertext(c.params, seeded);
      expectSameCt(a, ct);
      expectSameCt(b, ct);
      expect(a.seed).toBeUndefined();
      expect(Array.from(b.seed as Uint8Array)).toEqual(Array.from(ct.seed as Uint8Array));
      // The seeded load can be stored seeded again, byte for byte.
      expect(serializeCiphertext(c.params, b, { seeded: true })).toEqual(seeded);
      const want = c.encoder.decode(c.dec.decrypt(ct));
      expect(c.encoder.decode(c.dec.decrypt(a))).toEqual(want);
      expect(c.encoder.decode(c.dec.decrypt(b))).toEqual(want);
      expect(maxErr(want, x)).toBeLessThan(1e-4);
    }
  });

  it('ciphertext: a level-dropped fresh ciphertext (seed kept, c1 a prefix) still loads seeded exactly', () => {
    const ct = c.sym.encrypt(c.encoder.encode(x, c.params.maxLevel));
    const prefix = new Ciphertext(c.params, 1, 1, ct.scale, ct.slots);
    prefix.c[0].data.set(ct.c[0].data.subarray(0, 2 * c.params.N));
    prefix.c[1].data.set(ct.c[1].data.subarray(0, 2 * c.params.N));
    prefix.seed = ct.seed?.slice();
    const back = deserializeCiphertext(c.params, serializeCiphertext(c.params, prefix, { seeded: true }));
    expectSameCt(back, prefix);
  });

  it('ciphertext: public-key, degree-2 and rescaled ciphertexts round trip (full form); seeded refused without a seed', () => {
    const ctPk = c.pub.encrypt(c.encoder.encode(x, c.params.maxLevel));
    expect(ctPk.seed).toBeUndefined();
    expectError(() => serializeCiphertext(c.params, ctPk, { seeded: true }), CkksError, /ct\.seed/);
    expectSameCt(deserializeCiphertext(c.params, serializeCiphertext(c.params, ctPk)), ctPk);

    const ct = c.sym.encrypt(c.encoder.encode(x, c.params.maxLevel));
    const sq = c.ev.mulNew(ct, ct);
    expect(sq.degree).toBe(2);
    const sqBack = deserializeCiphertext(c.params, serializeCiphertext(c.params, sq));
    expectSameCt(sqBack, sq);
    expectError(() => serializeCiphertext(c.params, sq, { seeded: true }), CkksError, /seed/);
    const r = c.ev.rescaleNew(c.ev.relinearizeNew(sqBack));
    const rBack = deserializeCiphertext(c.params, serializeCiphertext(c.params, r));
    expectSameCt(rBack, r);
    const got = c.encoder.decode(c.dec.decrypt(rBack));
    expect(maxErr(got, Float64Array.from(x, (v) => v * v))).toBeLessThan(1e-3);
  });

  it('ciphertext: a seed that no longer generates c1 is refused for the seeded form', () => {
    const ct = c.sym.encrypt(c.encoder.encode(x, c.params.maxLevel));
    ct.c[1].data[5] = (ct.c[1].data[5] + 1) % c.params.Q[0];
    expectError(() => serializeCiphertext(c.params, ct, { seeded: true }), CkksError, /does not generate c1/);
  });

  it('public key: seeded and full forms load identical and still encrypt', () => {
    const seeded = serializePublicKey(c.params, c.pk);
    const full = serializePublicKey(c.params, c.pk, { seeded: false });
    const pb = polyBytes(c.params.N, c.params.basisQP.moduli, c.params.basisQP.moduli.length);
    expect(seeded.length).toBe(HEADER_BYTES + 32 + pb);
    expect(full.length).toBe(HEADER_BYTES + 32 + 2 * pb);
    for (const bytes of [seeded, full]) {
      const pk = deserializePublicKey(c.params, bytes);
      expect(pk).toBeInstanceOf(PublicKey);
      expect(samePoly(pk.b, c.pk.b)).toBe(true);
      expect(samePoly(pk.a, c.pk.a)).toBe(true);
      const enc = new Encryptor(c.params, pk, new XofSource(seed32(9), 'serialize test pk2'));
      const got = c.encoder.decode(c.dec.decrypt(enc.encrypt(c.encoder.encode(x, c.params.maxLevel))));
      expect(maxErr(got, x)).toBeLessThan(1e-2);
    }
  });

  it('switching key: the relinearization key round trips (seeded and full) and still relinearizes', () => {
    const rk = c.keys.relin as SwitchingKey;
    const seeded = serializeSwitchingKey(c.params, rk);
    const full = serializeSwitchingKey(c.params, rk, { seeded: false });
    const pbQP = polyBytes(c.params.N, c.params.basisQP.moduli, c.params.basisQP.moduli.length);
    expect(seeded.length).toBe(HEADER_BYTES + 32 + c.params.dnum * pbQP);
    expect(full.length).toBe(HEADER_BYTES + 32 + 2 * c.params.dnum * pbQP);
    const ct = c.sym.encrypt(c.encoder.encode(x, c.params.maxLevel));
    const want = c.ev.mulRelinNew(ct, ct);
    for (const bytes of [seeded, full]) {
      const k = deserializeSwitchingKey(c.params, bytes);
      expectSameKey(k, rk);
      const ev = new Evaluator(c.params, new EvaluationKeys(c.params, k));
      expectSameCt(ev.mulRelinNew(ct, ct), want);
    }
  });

  it('evaluation keys: the bundle round trips and still rotates and conjugates identically', () => {
    const seeded = serializeEvaluationKeys(c.params, c.keys);
    const full = serializeEvaluationKeys(c.params, c.keys, { seeded: false });
    const elements = galoisElementsFor(c.params, STEPS, true);
    const pbQP = polyBytes(c.params.N, c.params.basisQP.moduli, c.params.basisQP.moduli.length);
    const keyBytes = 32 + c.params.dnum * pbQP;
    expect(seeded.length).toBe(HEADER_BYTES + 5 + 4 * elements.length + (1 + elements.length) * keyBytes);
    const ct = c.sym.encrypt(c.encoder.encode(x, c.params.maxLevel));
    for (const bytes of [seeded, full]) {
      const keys = deserializeEvaluationKeys(c.params, bytes);
      expect(keys).toBeInstanceOf(EvaluationKeys);
      expect([...keys.galois.keys()]).toEqual(elements);
      expectSameKey(keys.relin as SwitchingKey, c.keys.relin as SwitchingKey);
      for (const g of elements) expectSameKey(keys.galois.get(g) as SwitchingKey, c.keys.galois.get(g) as SwitchingKey);
      const ev = new Evaluator(c.params, keys);
      for (const k of STEPS) expectSameCt(ev.rotateNew(ct, k), c.ev.rotateNew(ct, k));
      expectSameCt(ev.conjugateNew(ct), c.ev.conjugateNew(ct));
      const rot = c.encoder.decode(c.dec.decrypt(ev.rotateNew(ct, 1)));
      const n = x.length;
      expect(maxErr(rot, Float64Array.from({ length: n }, (_, i) => x[(i + 1) % n]))).toBeLessThan(1e-3);
    }
    // Without a relinearization key, and empty.
    const noRelin = new EvaluationKeys(c.params, undefined, new Map([[elements[0], c.keys.galois.get(elements[0]) as SwitchingKey]]));
    const back = deserializeEvaluationKeys(c.params, serializeEvaluationKeys(c.params, noRelin));
    expect(back.relin).toBeUndefined();
    expect([...back.galois.keys()]).toEqual([elements[0]]);
    const empty = deserializeEvaluationKeys(c.params, serializeEvaluationKeys(c.params, new EvaluationKeys(c.params)));
    expect(empty.relin).toBeUndefined();
    expect(empty.galois.size).toBe(0);
    // Loaded onto SharedArrayBuffers (for worker threads): the same words, every array shared.
    for (const bytes of [seeded, full]) {
      const sh = deserializeEvaluationKeys(c.params, bytes, { shared: true });
      const all = [sh.relin as SwitchingKey, ...sh.galois.values()];
      for (const k of all) for (const p of [...k.a, ...k.b]) expect(p.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expectSameKey(sh.relin as SwitchingKey, c.keys.relin as SwitchingKey);
      for (const g of elements) expectSameKey(sh.galois.get(g) as SwitchingKey, c.keys.galois.get(g) as SwitchingKey);
    }
    expect(deserializeEvaluationKeys(c.params, seeded).relin?.a[0].data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });

  it('secret key: 2 bits per coefficient, same coefficients and NTT form, still decrypts', () => {
    const bytes = serializeSecretKey(c.params, c.sk);
    expect(bytes.length).toBe(HEADER_BYTES + c.params.N / 4);
    expect(readHeader(bytes).type).toBe(SerializedType.SecretKey);
    const sk = deserializeSecretKey(c.params, bytes);
    expect(sk).toBeInstanceOf(SecretKey);
    expect(Array.from(sk.coeffs)).toEqual(Array.from(c.sk.coeffs));
    expect(samePoly(sk.poly, c.sk.poly)).toBe(true);
    const ct = c.sym.encrypt(c.encoder.encode(x, c.params.maxLevel));
    expect(c.encoder.decode(new Decryptor(c.params, sk).decrypt(ct))).toEqual(c.encoder.decode(c.dec.decrypt(ct)));
  });

  it('loads from a view into a larger buffer (byteOffset != 0)', () => {
    const ct = c.sym.encrypt(c.encoder.encode(x, 1));
    const bytes = serializeCiphertext(c.params, ct, { seeded: true });
    const big = new Uint8Array(bytes.length + 13);
    big.set(bytes, 7);
    expectSameCt(deserializeCiphertext(c.params, big.subarray(7, 7 + bytes.length)), ct);
    // A Node Buffer (a Uint8Array whose slice() is a view): the loaded seed is a copy.
    const buf = Buffer.from(bytes);
    const back = deserializeCiphertext(c.params, buf);
    expectSameCt(back, ct);
    buf.fill(0);
    expect(Array.from(back.seed as Uint8Array)).toEqual(Array.from(ct.seed as Uint8Array));
  });
});

// ------------------------------------------------------------------ refusals

describe('serialization refusals', () => {
  let a: Ctx; // PN12QP180_INSECURE
  let b: Ctx; // PN13QP210_SEC128
  let blobs: Record<string, Uint8Array>;
  beforeAll(() => {
    a = makeCtx('PN12QP180_INSECURE', PN12QP180_INSECURE);
    b = makeCtx('PN13QP210_SEC128', PN13QP210_SEC128);
    const x = vec(a.params.slots, 5);
    const ct = a.sym.encrypt(a.encoder.encode(x, a.params.maxLevel));
    blobs = {
      plaintext: serializePlaintext(a.params, a.encoder.encode(x, 1)),
      ciphertext: serializeCiphertext(a.params, ct),
      seededCiphertext: serializeCiphertext(a.params, ct, { seeded: true }),
      publicKey: serializePublicKey(a.params, a.pk),
      switchingKey: serializeSwitchingKey(a.params, a.keys.relin as SwitchingKey),
      evaluationKeys: serializeEvaluationKeys(a.params, a.keys),
      secretKey: serializeSecretKey(a.params, a.sk),
    };
  });

  const loaders = (p: () => Parameters): [string, string, (bytes: Uint8Array) => unknown][] => [
    ['plaintext', 'plaintext', (bytes) => deserializePlaintext(p(), bytes)],
    ['ciphertext', 'ciphertext', (bytes) => deserializeCiphertext(p(), bytes)],
    ['seededCiphertext', 'ciphertext', (bytes) => deserializeCiphertext(p(), bytes)],
    ['publicKey', 'public key', (bytes) => deserializePublicKey(p(), bytes)],
    ['switchingKey', 'switching key', (bytes) => deserializeSwitchingKey(p(), bytes)],
    ['evaluationKeys', 'evaluation keys', (bytes) => deserializeEvaluationKeys(p(), bytes)],
    ['secretKey', 'secret key', (bytes) => deserializeSecretKey(p(), bytes)],
  ];

  it('insecure parameters are refused on load without the opt-in, accepted with it', () => {
    const bytes = serializeParameters(a.params);
    expectError(() => deserializeParameters(bytes), InsecureParametersError, /deserializeParameters: parameters, field Q\/P: log2\(QP\) = .* exceeds the 128-bit bound 109/);
    expectError(() => deserializeParameters(bytes, { unsafeAllowInsecure: 'yes' as typeof INSECURE_OPT_IN }), CkksError, /unsafeAllowInsecure/);
    expect(deserializeParameters(bytes, { unsafeAllowInsecure: INSECURE_OPT_IN }).fingerprint).toBe(a.params.fingerprint);
    // Secure parameters need no opt-in.
    expect(deserializeParameters(serializeParameters(b.params)).fingerprint).toBe(b.params.fingerprint);
    const p90 = createParameters(PN12QP90_SEC128 as ParametersLiteral);
    expect(deserializeParameters(serializeParameters(p90)).fingerprint).toBe(p90.fingerprint);
  });

  it('a parameters blob whose security level was raised is refused as insecure', () => {
    const bytes = serializeParameters(b.params).slice();
    new DataView(bytes.buffer).setUint16(HEADER_BYTES + 2, 192, true);
    expectError(() => deserializeParameters(bytes), InsecureParametersError, /192-bit bound/);
  });

  it('objects of other parameters are refused with ParametersMismatchError by every loader', () => {
    for (const [key, , load] of loaders(() => b.params)) {
      const e = expectError(() => load(blobs[key]), ParametersMismatchError, /field fingerprint: the data was made under parameters/);
      expect(e.code).toBe('PARAMETERS_MISMATCH');
    }
  });

  it('the secret key is refused, by name, by every other loader', () => {
    for (const [key, what, load] of loaders(() => a.params)) {
      if (key === 'secretKey') continue;
      const e = expectError(() => load(blobs.secretKey), SerializationError, /the data is a secret key \(type 7\); secret keys are refused here/);
      expect(e.message).toContain(what);
      expect(e.code).toBe('MALFORMED_DATA');
      expect((e as SerializationError).field).toBe('type');
    }
    expectError(() => deserializeParameters(blobs.secretKey), SerializationError, /secret key/);
  });

  it('every loader refuses every other object type, naming both', () => {
    for (const [key, what, load] of loaders(() => a.params)) {
      for (const [other, otherWhat] of loaders(() => a.params)) {
        if (otherWhat === what || other === 'secretKey') continue;
        expectError(() => load(blobs[other]), SerializationError, new RegExp(`${what}, field type: the data is (a |)${otherWhat} \\(type \\d\\), expected`));
      }
      expectError(() => deserializeParameters(blobs[key]), SerializationError, /parameters, field type/);
    }
  });

  it('non-Uint8Array input is a typed INVALID_ARGUMENT error', () => {
    for (const [, , load] of loaders(() => a.params)) {
      for (const bad of [null, undefined, 'HECK', [1, 2, 3], new Uint32Array(10)]) {
        const e = expectError(() => load(bad as unknown as Uint8Array), CkksError);
        expect(e.code).toBe('INVALID_ARGUMENT');
      }
    }
  });

  it('truncated and extended inputs are refused by every loader', () => {
    for (const [key, what, load] of loaders(() => a.params)) {
      const bytes = blobs[key];
      for (const n of [0, 3, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 1, bytes.length - 1]) {
        const e = expectError(() => load(bytes.slice(0, n)), SerializationError, /truncated/);
        expect(e.message).toContain(what);
      }
      const ext = new Uint8Array(bytes.length + 1);
      ext.set(bytes);
      expectError(() => load(ext), SerializationError, /field length: .*\(trailing bytes\)/);
    }
  });

  describe('malformed fields', () => {
    const mutate = (bytes: Uint8Array, f: (v: DataView, u: Uint8Array) => void): Uint8Array => {
      const u = bytes.slice();
      f(new DataView(u.buffer), u);
      return u;
    };

    it('header: magic, version, unknown type, unknown flags, seeded flag where invalid', () => {
      const load = (u: Uint8Array) => deserializeCiphertext(a.params, u);
      expectError(() => load(mutate(blobs.ciphertext, (_, u) => (u[0] = 0x58))), SerializationError, /ciphertext, field magic: expected "HECK"/);
      expectError(() => load(mutate(blobs.ciphertext, (v) => v.setUint16(4, 2, true))), SerializationError, /field version: unsupported format version 2/);
      expectError(() => load(mutate(blobs.ciphertext, (_, u) => (u[6] = 99))), SerializationError, /field type: unknown object type 99/);
      expectError(() => load(mutate(blobs.ciphertext, (_, u) => (u[7] = 0x81))), SerializationError, /field flags: unknown flag bits 0x80/);
      expectError(() => deserializePlaintext(a.params, mutate(blobs.plaintext, (_, u) => (u[7] = FLAG_SEEDED))), SerializationError, /plaintext, field flags: the seeded flag is not valid/);
      expectError(() => deserializeSecretKey(a.params, mutate(blobs.secretKey, (_, u) => (u[7] = FLAG_SEEDED))), SerializationError, /secret key, field flags/);
      expectError(() => readHeader(mutate(blobs.ciphertext, (_, u) => (u[6] = 0))), SerializationError, /unknown object type 0/);
    });

    it('ciphertext: degree, level, slots, scale, residues, seeded degree 2', () => {
      const load = (u: Uint8Array) => deserializeCiphertext(a.params, u);
      const o = HEADER_BYTES;
      expectError(() => load(mutate(blobs.ciphertext, (_, u) => (u[o] = 3))), SerializationError, /ciphertext, field degree: 3 is not 1 or 2/);
      expectError(() => load(mutate(blobs.seededCiphertext, (_, u) => (u[o] = 2))), SerializationError, /field degree: a seeded ciphertext has degree 1/);
      expectError(() => load(mutate(blobs.ciphertext, (v) => v.setUint16(o + 1, 9, true))), SerializationError, /field level: 9 is out of range \[0, 3\]/);
      for (const s of [0, 3, 12, a.params.N])
        expectError(() => load(mutate(blobs.ciphertext, (v) => v.setUint32(o + 3, s, true))), SerializationError, new RegExp(`field slots: ${s} is not a power of two`));
      for (const s of [NaN, Infinity, -Infinity, 0, -0, -1])
        expectError(() => load(mutate(blobs.ciphertext, (v) => v.setFloat64(o + 7, s, true))), SerializationError, /field scale: .* is not a finite positive number/);
      // Level 2 instead of 3: consistent fields, wrong length.
      expectError(() => load(mutate(blobs.ciphertext, (v) => v.setUint16(o + 1, 2, true))), SerializationError, /field length: a degree-1 ciphertext at level 2 takes exactly \d+ bytes, the input has \d+ \(trailing bytes\)/);
      // A residue >= q: all-ones in the first 30-bit residue of c1 limb 0.
      const c1 = o + 15 + polyBytes(a.params.N, a.params.Q, a.params.Q.length);
      expectError(() => load(mutate(blobs.ciphertext, (_, u) => u.fill(0xff, c1, c1 + 4))), SerializationError, /field c1 limb 0: residue 0 is not below its modulus/);
      const lastLimb = blobs.ciphertext.length - 4;
      expectError(() => load(mutate(blobs.ciphertext, (_, u) => u.fill(0xff, lastLimb))), SerializationError, /field c1 limb 3: residue \d+ is not below its modulus/);
    });

    it('plaintext: level, slots, scale', () => {
      const load = (u: Uint8Array) => deserializePlaintext(a.params, u);
      const o = HEADER_BYTES;
      expectError(() => load(mutate(blobs.plaintext, (v) => v.setUint16(o, 65535, true))), SerializationError, /plaintext, field level: 65535 is out of range/);
      expectError(() => load(mutate(blobs.plaintext, (v) => v.setUint32(o + 2, 2 ** 32 - 1, true))), SerializationError, /plaintext, field slots/);
      expectError(() => load(mutate(blobs.plaintext, (v) => v.setFloat64(o + 6, NaN, true))), SerializationError, /plaintext, field scale: NaN/);
    });

    it('evaluation keys: hasRelin, count, Galois elements (even, too large, duplicate, unordered)', () => {
      const load = (u: Uint8Array) => deserializeEvaluationKeys(a.params, u);
      const o = HEADER_BYTES;
      const N = a.params.N;
      expectError(() => load(mutate(blobs.evaluationKeys, (_, u) => (u[o] = 2))), SerializationError, /evaluation keys, field hasRelin: 2 is not 0 or 1/);
      expectError(() => load(mutate(blobs.evaluationKeys, (v) => v.setUint32(o + 1, 2 ** 32 - 1, true))), SerializationError, /field Galois key count: 4294967295 exceeds N/);
      expectError(() => load(mutate(blobs.evaluationKeys, (v) => v.setUint32(o + 1, N, true))), SerializationError, /field length: .* takes exactly/);
      const g0 = new DataView(blobs.evaluationKeys.buffer).getUint32(o + 5, true);
      const g1 = new DataView(blobs.evaluationKeys.buffer).getUint32(o + 9, true);
      expectError(() => load(mutate(blobs.evaluationKeys, (v) => v.setUint32(o + 5, 4, true))), SerializationError, /field Galois element 0: 4 is not an odd integer/);
      expectError(() => load(mutate(blobs.evaluationKeys, (v) => v.setUint32(o + 5, 2 * N + 1, true))), SerializationError, new RegExp(`field Galois element 0: ${2 * N + 1} is not an odd integer in \\[1, ${2 * N}\\)`));
      expectError(() => load(mutate(blobs.evaluationKeys, (v) => v.setUint32(o + 9, g0, true))), SerializationError, new RegExp(`field Galois element 1: ${g0} is a duplicate`));
      expectError(() => load(mutate(blobs.evaluationKeys, (v) => (v.setUint32(o + 5, g1, true), v.setUint32(o + 9, g0, true)))), SerializationError, /field Galois element 1: \d+ is not in increasing order/);
    });

    it('secret key: the invalid ternary code 11', () => {
      expectError(
        () => deserializeSecretKey(a.params, mutate(blobs.secretKey, (_, u) => (u[HEADER_BYTES + 10] |= 0b1100))),
        SerializationError,
        /secret key, field coefficient 41: the 2-bit code 11 is not a ternary value/,
      );
    });

    it('switching / public keys: residues out of range in b', () => {
      const o = HEADER_BYTES + 32;
      expectError(() => deserializeSwitchingKey(a.params, mutate(blobs.switchingKey, (_, u) => u.fill(0xff, o, o + 4))), SerializationError, /switching key, field b0 limb 0: residue 0/);
      expectError(() => deserializePublicKey(a.params, mutate(blobs.publicKey, (_, u) => u.fill(0xff, o, o + 4))), SerializationError, /public key, field b limb 0: residue 0/);
      const e = expectError(() => deserializeEvaluationKeys(a.params, mutate(blobs.evaluationKeys, (_, u) => u.fill(0xff, blobs.evaluationKeys.length - 4))), SerializationError);
      expect(e.message).toMatch(/evaluation keys, field Galois key \d+ b\d+ limb \d+: residue \d+ is not below its modulus/);
    });

    it('parameters: fields, primes, and a fingerprint that does not match', () => {
      const bytes = serializeParameters(b.params);
      const load = (u: Uint8Array) => deserializeParameters(u);
      const o = HEADER_BYTES;
      expectError(() => load(mutate(bytes, (_, u) => (u[o] = 18))), SerializationError, /parameters, field logN: 18 is out of range \[4, 17\]/);
      expectError(() => load(mutate(bytes, (_, u) => (u[o + 1] = 13))), SerializationError, /field logSlots: 13 is out of range/);
      expectError(() => load(mutate(bytes, (v) => v.setUint16(o + 2, 100, true))), SerializationError, /field securityLevel: 100/);
      expectError(() => load(mutate(bytes, (v) => v.setUint16(o + 4, 0, true))), SerializationError, /field digitSize: 0 is out of range/);
      expectError(() => load(mutate(bytes, (v) => v.setUint16(o + 6, 0, true))), SerializationError, /field Q count: there must be at least one/);
      expectError(() => load(mutate(bytes, (v) => v.setUint16(o + 6, 60000, true))), SerializationError, /field Q count: .* exceed the limit/);
      expectError(() => load(mutate(bytes, (v) => v.setUint16(o + 8, 3, true))), SerializationError, /field length: parameters with 5 \+ 3 primes take?s? exactly/);
      expectError(() => load(mutate(bytes, (v) => v.setFloat64(o + 10, -1, true))), SerializationError, /field logDefaultScale: -1/);
      expectError(() => load(mutate(bytes, (v) => v.setFloat64(o + 10, 29, true))), SerializationError, /field fingerprint: the stored parameters hash to/);
      expectError(() => load(mutate(bytes, (v) => v.setUint32(o + 18, 12345, true))), SerializationError, /field Q\[0\]: 12345 is not below 2\^30 and congruent to 1/);
      const q0 = b.params.Q[0];
      expectError(() => load(mutate(bytes, (v) => v.setUint32(o + 22, q0, true))), SerializationError, new RegExp(`field Q\\[1\\]: ${q0} is repeated`));
      // q = 1 + 2N * k that is not prime: createParameters refuses, reported as a literal error.
      const twoN = 2 * b.params.N;
      let composite = 1 + twoN * 3;
      while (isPrime(composite)) composite += twoN;
      // (The fingerprint is recomputed for the edited primes, as a forger would, so that the
      // blob passes the loader's early fingerprint check and reaches createParameters.)
      const forged = mutate(bytes, (v) => v.setUint32(o + 18, composite, true));
      const lit = b.params.literal;
      const fp = parametersFingerprint({ logN: b.params.logN, Q: [composite, ...b.params.Q.slice(1)], P: b.params.P, logDefaultScale: lit.logDefaultScale, logSlots: b.params.logSlots, digitSize: b.params.digitSize });
      forged.set(Uint8Array.from(fp.match(/../g) as string[], (h) => parseInt(h, 16)), 8);
      expectError(() => load(forged), SerializationError, /parameters, field literal: createParameters/);
      expectError(() => load(mutate(bytes, (_, u) => (u[10] ^= 1))), SerializationError, /field fingerprint/);
    });
  });

  it('serializers refuse invalid objects', () => {
    expectError(() => serializeCiphertext(a.params, {} as Ciphertext), CkksError, /expected a ciphertext/);
    const ct = b.sym.encrypt(b.encoder.encode([1, 2], 0));
    expectError(() => serializeCiphertext(a.params, ct), ParametersMismatchError);
    const bad = a.sym.encrypt(a.encoder.encode([1, 2], 0));
    bad.c[0].data[0] = a.params.Q[0];
    expectError(() => serializeCiphertext(a.params, bad), CkksError, /c0 limb 0 residue 0 is \d+, not below its modulus/);
    const kg = new KeyGenerator(a.params, { source: new XofSource(seed32(4), 'wipe') });
    const sk = kg.genSecretKey();
    sk.wipe();
    expectError(() => serializeSecretKey(a.params, sk), CkksError, /wiped/);
    expectError(() => serializeSecretKey(a.params, a.pk as unknown as SecretKey), CkksError, /expected a secret key/);
  });
});

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
