/**
 * Fuzzing of every loader with fast-check: 10,000 inputs per object type,
 * derived from valid encodings at tiny ring sizes (N = 16, 32, 64, insecure
 * opt-in) by truncation, extension, bit flips (anywhere, or in the header and
 * fixed fields), size-lying fields (with the length left alone or made to
 * agree with the lie), byte overwrites and random bodies behind a valid header.
 *
 * Every input must end either in a CkksError (never another exception, never
 * the loader's internal fallback) whose message names the object type, or in a
 * valid object that serializes back to exactly the input bytes (the encoding is
 * canonical). Truncated and extended inputs must always fail.
 *
 * FC_SEED=<n> changes the fast-check seed (test/setup.ts); FUZZ_REPORT=1 prints the counts.
 */

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzSeed } from '../setup.js';
import {
  CkksError,
  Encoder,
  Encryptor,
  type EvaluationKeys,
  EvaluationKeys as EvaluationKeysClass,
  Evaluator,
  INSECURE_OPT_IN,
  INTERNAL_ERROR_FIELD,
  KeyGenerator,
  type Parameters,
  SerializationError,
  SerializedType,
  type SerializedTypeCode,
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
  serializeCiphertext,
  serializeEvaluationKeys,
  serializeParameters,
  serializePlaintext,
  serializePublicKey,
  serializeSecretKey,
  serializeSwitchingKey,
} from '../../src/ckks/index.js';

const RUNS = 10_000;
const SEED = fuzzSeed(0x5e71a1); // FC_SEED, when set (test/setup.ts)
/** Largest length a size-consistent lie may resize an input to. */
const MAX_RESIZE = 1 << 20;

// ------------------------------------------------------------------ corpus

const LITERALS = [
  { logN: 4, logQ: [18, 20, 22], logP: [24], digitSize: 1, logDefaultScale: 14, unsafeAllowInsecure: INSECURE_OPT_IN },
  { logN: 5, logQ: [29, 25], logP: [30], digitSize: 1, logDefaultScale: 20, logSlots: 3, unsafeAllowInsecure: INSECURE_OPT_IN },
  { logN: 6, logQ: [26, 24, 24, 23], logP: [28, 27], digitSize: 2, logDefaultScale: 20, securityLevel: 192 as const, unsafeAllowInsecure: INSECURE_OPT_IN },
];

interface Entry {
  /** Index of the parameter set. */
  pi: number;
  label: string;
  bytes: Uint8Array;
}

type TypeName = 'parameters' | 'plaintext' | 'ciphertext' | 'public key' | 'switching key' | 'evaluation keys' | 'secret key';

const TYPE_CODE: Record<TypeName, SerializedTypeCode> = {
  parameters: SerializedType.Parameters,
  plaintext: SerializedType.Plaintext,
  ciphertext: SerializedType.Ciphertext,
  'public key': SerializedType.PublicKey,
  'switching key': SerializedType.SwitchingKey,
  'evaluation keys': SerializedType.EvaluationKeys,
  'secret key': SerializedType.SecretKey,
};

let PARAMS: Parameters[] = [];
const CORPUS = new Map<TypeName, Entry[]>();

function seed32(n: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (n * 97 + i * 31 + 3) & 255);
}

function buildCorpus(): void {
  PARAMS = LITERALS.map((l) => createParameters(l));
  for (const t of Object.keys(TYPE_CODE) as TypeName[]) CORPUS.set(t, []);
  const add = (t: TypeName, pi: number, label: string, bytes: Uint8Array) => CORPUS.get(t)?.push({ pi, label, bytes });
  PARAMS.forEach((p, pi) => {
    const kg = new KeyGenerator(p, { source: new XofSource(seed32(pi), 'fuzz keygen') });
    const sk = kg.genSecretKey();
    const pk = kg.genPublicKey(sk);
    const keys = kg.genEvaluationKeys(sk, { steps: [1], conjugate: true });
    const enc = new Encoder(p);
    const sym = new Encryptor(p, sk, new XofSource(seed32(pi + 10), 'fuzz sym'));
    const pub = new Encryptor(p, pk, new XofSource(seed32(pi + 20), 'fuzz pk'));
    const x = Float64Array.from({ length: p.slots }, (_, i) => Math.sin(i + pi));
    add('parameters', pi, 'params', serializeParameters(p));
    for (let level = 0; level <= p.maxLevel; level++) add('plaintext', pi, `pt level ${level}`, serializePlaintext(p, enc.encode(x, level)));
    for (const level of [p.maxLevel, 0]) {
      const ct = sym.encrypt(enc.encode(x, level));
      add('ciphertext', pi, `sym level ${level}`, serializeCiphertext(p, ct));
      add('ciphertext', pi, `sym seeded level ${level}`, serializeCiphertext(p, ct, { seeded: true }));
    }
    const ctPk = pub.encrypt(enc.encode(x, p.maxLevel));
    add('ciphertext', pi, 'pk', serializeCiphertext(p, ctPk));
    const ct = sym.encrypt(enc.encode(x, p.maxLevel));
    add('ciphertext', pi, 'degree 2', serializeCiphertext(p, new Evaluator(p).mulNew(ct, ct)));
    add('public key', pi, 'pk seeded', serializePublicKey(p, pk));
    add('public key', pi, 'pk full', serializePublicKey(p, pk, { seeded: false }));
    add('switching key', pi, 'relin seeded', serializeSwitchingKey(p, keys.relin as SwitchingKey));
    add('switching key', pi, 'relin full', serializeSwitchingKey(p, keys.relin as SwitchingKey, { seeded: false }));
    const g0 = [...keys.galois.keys()][0];
    add('switching key', pi, 'galois seeded', serializeSwitchingKey(p, keys.galois.get(g0) as SwitchingKey));
    add('evaluation keys', pi, 'bundle seeded', serializeEvaluationKeys(p, keys));
    add('evaluation keys', pi, 'bundle full', serializeEvaluationKeys(p, keys, { seeded: false }));
    add('evaluation keys', pi, 'galois only', serializeEvaluationKeys(p, new EvaluationKeysClass(p, undefined, keys.galois)));
    add('secret key', pi, 'sk', serializeSecretKey(p, sk));
  });
}


// ------------------------------------------------------------------ loaders

function load(t: TypeName, p: Parameters, bytes: Uint8Array): unknown {
  switch (t) {
    case 'parameters':
      return deserializeParameters(bytes, { unsafeAllowInsecure: INSECURE_OPT_IN });
    case 'plaintext':
      return deserializePlaintext(p, bytes);
    case 'ciphertext':
      return deserializeCiphertext(p, bytes);
    case 'public key':
      return deserializePublicKey(p, bytes);
    case 'switching key':
      return deserializeSwitchingKey(p, bytes);
    case 'evaluation keys':
      return deserializeEvaluationKeys(p, bytes);
    case 'secret key':
      return deserializeSecretKey(p, bytes);
  }
}

/** Serialize a loaded object again, in the form the input declared. */
function reserialize(t: TypeName, p: Parameters, obj: unknown, seeded: boolean): Uint8Array {
  switch (t) {
    case 'parameters':
      return serializeParameters(obj as Parameters);
    case 'plaintext':
      return serializePlaintext(p, obj as never);
    case 'ciphertext':
      return serializeCiphertext(p, obj as never, { seeded });
    case 'public key':
      return serializePublicKey(p, obj as never, { seeded });
    case 'switching key':
      return serializeSwitchingKey(p, obj as never, { seeded });
    case 'evaluation keys':
      return serializeEvaluationKeys(p, obj as EvaluationKeys, { seeded });
    case 'secret key':
      return serializeSecretKey(p, obj as never);
  }
}

// ------------------------------------------------------------------ sizes (independent of the library)

function widths(moduli: readonly number[], limbs: number): number {
  let s = 0;
  for (let i = 0; i < limbs; i++) s += 32 - Math.clz32((moduli[i] ?? 2 ** 30 - 1) - 1);
  return s;
}

/** The length an input with these header and size fields must have, or undefined. */
function expectedLength(t: TypeName, p: Parameters, u: Uint8Array): number | undefined {
  if (u.length < 24) return undefined;
  const v = new DataView(u.buffer, u.byteOffset, u.byteLength);
  const seeded = (u[7] & 1) === 1;
  const N = p.N;
  const QP = p.basisQP.moduli;
  const pbQ = (limbs: number) => (N * widths(p.Q, limbs)) / 8;
  const pbQP = (N * widths(QP, QP.length)) / 8;
  const key = 32 + (seeded ? 1 : 2) * p.dnum * pbQP;
  try {
    switch (t) {
      case 'parameters':
        return 24 + 18 + 4 * (v.getUint16(30, true) + v.getUint16(32, true));
      case 'plaintext':
        return 24 + 14 + pbQ(v.getUint16(24, true) + 1);
      case 'ciphertext': {
        const degree = u[24];
        const pb = pbQ(v.getUint16(25, true) + 1);
        return 24 + 15 + (seeded ? 32 + pb : (degree + 1) * pb);
      }
      case 'public key':
        return 24 + 32 + (seeded ? 1 : 2) * pbQP;
      case 'switching key':
        return 24 + key;
      case 'evaluation keys': {
        const count = v.getUint32(25, true);
        return 24 + 5 + 4 * count + (u[24] + count) * key;
      }
      case 'secret key':
        return 24 + N / 4;
    }
  } catch {
    return undefined; // fields beyond the input
  }
}

// ------------------------------------------------------------------ mutations

type Width = 'u8' | 'u16' | 'u32' | 'f64';
interface Field {
  name: string;
  off: number;
  width: Width;
}

const HEADER_FIELDS: Field[] = [
  { name: 'version', off: 4, width: 'u16' },
  { name: 'type', off: 6, width: 'u8' },
  { name: 'flags', off: 7, width: 'u8' },
  { name: 'fingerprint', off: 8, width: 'u32' },
];

const BODY_FIELDS: Record<TypeName, Field[]> = {
  parameters: [
    { name: 'logN', off: 24, width: 'u8' },
    { name: 'logSlots', off: 25, width: 'u8' },
    { name: 'securityLevel', off: 26, width: 'u16' },
    { name: 'digitSize', off: 28, width: 'u16' },
    { name: 'nQ', off: 30, width: 'u16' },
    { name: 'nP', off: 32, width: 'u16' },
    { name: 'logDefaultScale', off: 34, width: 'f64' },
    { name: 'Q[0]', off: 42, width: 'u32' },
    { name: 'Q[1]', off: 46, width: 'u32' },
  ],
  plaintext: [
    { name: 'level', off: 24, width: 'u16' },
    { name: 'slots', off: 26, width: 'u32' },
    { name: 'scale', off: 30, width: 'f64' },
  ],
  ciphertext: [
    { name: 'degree', off: 24, width: 'u8' },
    { name: 'level', off: 25, width: 'u16' },
    { name: 'slots', off: 27, width: 'u32' },
    { name: 'scale', off: 31, width: 'f64' },
    { name: 'seed', off: 39, width: 'u32' },
  ],
  'public key': [{ name: 'seed', off: 24, width: 'u32' }],
  'switching key': [{ name: 'seed', off: 24, width: 'u32' }],
  'evaluation keys': [
    { name: 'hasRelin', off: 24, width: 'u8' },
    { name: 'count', off: 25, width: 'u32' },
    { name: 'element 0', off: 29, width: 'u32' },
    { name: 'element 1', off: 33, width: 'u32' },
  ],
  'secret key': [
    { name: 'coefficients 0-3', off: 24, width: 'u8' },
    { name: 'coefficients 4-7', off: 25, width: 'u8' },
  ],
};

/** Bytes covered by the header and fixed fields (targets of the header flips). */
const FIXED_END: Record<TypeName, number> = {
  parameters: 50,
  plaintext: 38,
  ciphertext: 39 + 32,
  'public key': 24 + 32,
  'switching key': 24 + 32,
  'evaluation keys': 37,
  'secret key': 26,
};

type Kind = 'truncate' | 'extend' | 'bitflip' | 'headerflip' | 'lie' | 'lieResized' | 'overwrite' | 'garbageBody';
const KINDS: Kind[] = ['truncate', 'extend', 'bitflip', 'headerflip', 'lie', 'lieResized', 'overwrite', 'garbageBody'];

interface Case {
  entry: Entry;
  kind: Kind;
  bytes: Uint8Array;
  what: string;
}

const MAX: Record<Width, number> = { u8: 255, u16: 65535, u32: 2 ** 32 - 1, f64: 0 };

function read(v: DataView, f: Field): number {
  switch (f.width) {
    case 'u8':
      return v.getUint8(f.off);
    case 'u16':
      return v.getUint16(f.off, true);
    case 'u32':
      return v.getUint32(f.off, true);
    case 'f64':
      return v.getFloat64(f.off, true);
  }
}

function write(v: DataView, f: Field, x: number): void {
  switch (f.width) {
    case 'u8':
      return v.setUint8(f.off, x);
    case 'u16':
      return v.setUint16(f.off, x, true);
    case 'u32':
      return v.setUint32(f.off, x, true);
    case 'f64':
      return v.setFloat64(f.off, x, true);
  }
}

function valueFor(f: Field, orig: number): fc.Arbitrary<number> {
  if (f.width === 'f64') {
    return fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, -1, 5e-324, 1e308, 2 ** 30, orig * 2), fc.double());
  }
  const max = MAX[f.width];
  return fc.oneof(
    fc.constantFrom(0, 1, 2, 3, 4, 7, 128, 192, 255, 256, 65535, 2 ** 31, 2 ** 32 - 1).map((x) => x % (max + 1)),
    fc.integer({ min: 0, max }),
    fc.integer({ min: -3, max: 3 }).map((d) => Math.min(max, Math.max(0, orig + d))),
  );
}

/** Resize u to n bytes, filling new bytes from `fill` (repeated). */
function resize(u: Uint8Array, n: number, fill: Uint8Array): Uint8Array {
  const out = new Uint8Array(n);
  out.set(u.subarray(0, Math.min(n, u.length)));
  for (let i = u.length; i < n; i++) out[i] = fill[i % fill.length];
  return out;
}

function mutation(t: TypeName, e: Entry): fc.Arbitrary<Case> {
  const b = e.bytes;
  const len = b.length;
  const what = t;
  const fields = [...HEADER_FIELDS, ...BODY_FIELDS[t]].filter((f) => f.off + (f.width === 'f64' ? 8 : f.width === 'u32' ? 4 : f.width === 'u16' ? 2 : 1) <= len);
  const mk = (kind: Kind, bytes: Uint8Array): Case => ({ entry: e, kind, bytes, what });
  const flips = (maxBit: number) =>
    fc.array(fc.nat(maxBit - 1), { minLength: 1, maxLength: 3 }).map((bits) => {
      const u = b.slice();
      for (const bit of bits) u[bit >> 3] ^= 1 << (bit & 7);
      return u;
    });
  const lie = (resized: boolean) =>
    fc
      .constantFrom(...fields)
      .chain((f) => fc.tuple(fc.constant(f), valueFor(f, read(new DataView(b.buffer, b.byteOffset, len), f)), fc.uint8Array({ minLength: 1, maxLength: 32 })))
      .map(([f, x, fill]) => {
        let u: Uint8Array = b.slice();
        write(new DataView(u.buffer), f, x);
        if (resized) {
          const n = expectedLength(t, PARAMS[e.pi], u);
          if (n !== undefined && n >= 0 && n <= MAX_RESIZE) u = resize(u, n, fill);
        }
        return u;
      });
  return fc.oneof(
    { weight: 1, arbitrary: fc.nat(len - 1).map((n) => mk('truncate', b.slice(0, n))) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((tail) => {
        const u = new Uint8Array(len + tail.length);
        u.set(b);
        u.set(tail, len);
        return mk('extend', u);
      }) },
    { weight: 3, arbitrary: flips(len * 8).map((u) => mk('bitflip', u)) },
    { weight: 2, arbitrary: flips(Math.min(len, FIXED_END[t]) * 8).map((u) => mk('headerflip', u)) },
    { weight: 2, arbitrary: lie(false).map((u) => mk('lie', u)) },
    { weight: 2, arbitrary: lie(true).map((u) => mk('lieResized', u)) },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(fc.nat(len - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((ws) => {
        const u = b.slice();
        for (const [i, x] of ws) u[i] = x;
        return mk('overwrite', u);
      }),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 0, maxLength: Math.min(len - 24, 512) + 16 }).map((body) => {
        const u = new Uint8Array(24 + body.length);
        u.set(b.subarray(0, 24));
        u.set(body, 24);
        return mk('garbageBody', u);
      }),
    },
  );
}

// ------------------------------------------------------------------ the property

type Counts = Map<string, number>;
const REPORT = new Map<TypeName, { byKind: Map<Kind, Counts>; ms: number }>();

function bump(m: Counts, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function check(t: TypeName, c: Case, counts: Map<Kind, Counts>): void {
  const p = PARAMS[c.entry.pi];
  let m = counts.get(c.kind);
  if (m === undefined) counts.set(c.kind, (m = new Map()));
  let obj: unknown;
  try {
    obj = load(t, p, c.bytes);
  } catch (e) {
    if (!(e instanceof CkksError)) throw new Error(`${t} (${c.entry.label}, ${c.kind}): non-CkksError ${String(e)}`);
    if (e instanceof SerializationError) {
      if (e.field === INTERNAL_ERROR_FIELD) throw new Error(`${t} (${c.entry.label}, ${c.kind}): internal fallback hit: ${e.message}`);
      if (e.objectType !== t) throw new Error(`${t}: error names object type ${e.objectType}: ${e.message}`);
    }
    if (!e.message.includes(t)) throw new Error(`${t}: error message does not name the object type: ${e.message}`);
    bump(m, `${e.name}/${e.code}`);
    return;
  }
  if (c.kind === 'truncate' || c.kind === 'extend') throw new Error(`${t} (${c.entry.label}): a ${c.kind}d input of ${c.bytes.length} bytes loaded`);
  const again = reserialize(t, p, obj, (c.bytes[7] & 1) === 1);
  if (!equalBytes(again, c.bytes)) throw new Error(`${t} (${c.entry.label}, ${c.kind}): loaded, but does not serialize back to the input`);
  bump(m, 'ok (valid object)');
}

// ------------------------------------------------------------------ tests

describe('serialization fuzzing', () => {
  beforeAll(buildCorpus);

  afterAll(() => {
    if (!process.env.FUZZ_REPORT) return;
    const lines: string[] = [];
    for (const [t, { byKind, ms }] of REPORT) {
      let total = 0;
      const outcomes = new Map<string, number>();
      for (const m of byKind.values()) for (const [k, n] of m) (total += n), outcomes.set(k, (outcomes.get(k) ?? 0) + n);
      lines.push(`${t}: ${total} inputs in ${ms.toFixed(0)} ms; ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
      for (const kind of KINDS) {
        const mm = byKind.get(kind);
        if (mm === undefined) continue;
        const n = [...mm.values()].reduce((s, x) => s + x, 0);
        lines.push(`    ${kind.padEnd(12)} ${String(n).padStart(5)}: ${[...mm].map(([k, x]) => `${k} ${x}`).join(', ')}`);
      }
    }
    console.log(`serialization fuzzing (seed ${SEED})\n${lines.join('\n')}`);
  });

  it.each(Object.keys(TYPE_CODE) as TypeName[])('%s: 10,000 mutated encodings end in a CkksError or a canonical valid object', (t) => {
    const entries = CORPUS.get(t) as Entry[];
    expect(entries.length).toBeGreaterThan(0);
    const counts = new Map<Kind, Counts>();
    const t0 = performance.now();
    fc.assert(
      fc.property(
        fc.constantFrom(...entries).chain((e) => mutation(t, e)),
        (c) => check(t, c, counts),
      ),
      { numRuns: RUNS, seed: SEED },
    );
    REPORT.set(t, { byKind: counts, ms: performance.now() - t0 });
    let total = 0;
    for (const m of counts.values()) for (const n of m.values()) total += n;
    expect(total).toBe(RUNS);
    for (const k of KINDS) expect(counts.has(k), `mutation kind ${k} exercised`).toBe(true);
    // The corpus entries themselves load and serialize back (sanity).
    for (const e of entries) check(t, { entry: e, kind: 'bitflip', bytes: e.bytes, what: t }, new Map());
  });
});
