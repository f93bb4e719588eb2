/**
 * Round trips and fuzzing of the protocol files (src/mlr/bundle.ts) with
 * fast-check: 10,000 mutated inputs per bundle kind (secret-key file,
 * evaluation-key file, upload, checkpoint), derived from valid files at a tiny
 * ring (N = 16, insecure opt-in) by truncation, extension, bit flips (anywhere,
 * or in the container header, section table and metadata), size-lying fields
 * (section lengths, counts, shapes; with the length left alone or made to
 * agree with the lie), byte overwrites and random bytes behind a valid header.
 *
 * Every input must end in a CkksError (BundleError for the container, the
 * src/ckks/serialize.ts errors for embedded objects; never another exception,
 * never the internal fallback), or in a valid file that encodes back to
 * exactly the input bytes. Truncated and extended inputs must always fail.
 *
 * The files are authenticated (src/mlr/bundle-auth.ts): every file carries a
 * SHA-256 digest, and the evaluation-key file and the upload are signed with
 * the owner's Ed25519 key and loaded with that signer required. No input
 * that differs from its valid original may load, and the suite counts, per
 * file type, how many inputs the digest or signature check refused
 * (IntegrityError) as opposed to the header checks before it.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fuzzSeed } from '../setup.js';
import { CkksError, Evaluator, INSECURE_OPT_IN, type Parameters, createParameters } from '../../src/ckks/index.js';
import {
  BundleError,
  type Checkpoint,
  DataOwner,
  IntegrityError,
  generateSigningKey,
  signerPublicKey,
  KEY_ID_BYTES,
  decodeCheckpoint,
  decodeEvaluationKeysFile,
  decodeSecretKeyFile,
  decodeUpload,
  encodeCheckpoint,
  encodeEvaluationKeysFile,
  encodeSecretKeyFile,
  encodeUpload,
  readBundleKind,
  trainingLayout,
} from '../../src/mlr/index.js';

const RUNS = 10_000;
const SEED = fuzzSeed(0xb0d1e); // FC_SEED, when set (test/setup.ts)
const OPTS = { unsafeAllowInsecure: INSECURE_OPT_IN } as const;
const SIGNING_KEY = generateSigningKey();
const SIGNED = { ...OPTS, signer: signerPublicKey(SIGNING_KEY) };

type Kind = 'secret-key file' | 'evaluation-key file' | 'upload' | 'checkpoint';
const KINDS: Kind[] = ['secret-key file', 'evaluation-key file', 'upload', 'checkpoint'];

let params: Parameters;
const CORPUS = new Map<Kind, Uint8Array[]>();
const keyId = Uint8Array.from({ length: KEY_ID_BYTES }, (_, i) => 17 * i + 5);

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Load, then encode the loaded object again. */
function roundTrip(kind: Kind, bytes: Uint8Array): Uint8Array {
  switch (kind) {
    case 'secret-key file': {
      const r = decodeSecretKeyFile(bytes, OPTS);
      return encodeSecretKeyFile(r.params, r.sk, r.plan);
    }
    case 'evaluation-key file': {
      const r = decodeEvaluationKeysFile(bytes, SIGNED);
      return encodeEvaluationKeysFile(r.params, r.keys, { ...r.plan, signingKey: SIGNING_KEY });
    }
    case 'upload': {
      const r = decodeUpload(bytes, SIGNED);
      return encodeUpload(r.params, r.upload, r.keyId, { signingKey: SIGNING_KEY }).bytes;
    }
    case 'checkpoint': {
      const r = decodeCheckpoint(bytes, OPTS);
      return encodeCheckpoint(r.params, r.checkpoint);
    }
  }
}

beforeAll(() => {
  // N = 16 (8 slots), Q of two 30-bit primes (the upload's scales reach 2^40), one special prime.
  params = createParameters({ logN: 4, logQ: [30, 30], logP: [30], digitSize: 1, logDefaultScale: 20, unsafeAllowInsecure: INSECURE_OPT_IN });
  const owner = new DataOwner(params);
  // 4 samples x 5 columns, 3 classes, width 4: 2 parts, 2 rows per ciphertext, 2 teams.
  const X = { rows: 4, cols: 5, data: Float64Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? 1 : Math.sin(i))) };
  const Y = { rows: 4, cols: 3, data: Float64Array.from({ length: 12 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0)) };
  const upload = owner.encryptDataset(X, Y, { width: 4 });
  const layout = trainingLayout(params, upload.shape, 4);
  const plan = { keyId, width: 4, signingKey: SIGNING_KEY };
  const ev = new Evaluator(params);
  const full = ev.addConstNew(upload.W0, 0); // not seeded
  const weights = { W: [[upload.W0, full], [full, upload.W0]], V: [[full, full], [upload.W0, upload.W0]] };
  const cp = (iteration: number, needsRefresh: boolean): Checkpoint => ({
    keyId,
    uploadDigest: Uint8Array.from({ length: 32 }, (_, i) => i),
    shape: upload.shape,
    width: 4,
    iteration,
    refreshes: iteration >> 1,
    maxIterations: 5,
    needsRefresh,
    weights,
  });
  CORPUS.set('secret-key file', [encodeSecretKeyFile(params, owner.secretKey, plan)]);
  CORPUS.set('evaluation-key file', [encodeEvaluationKeysFile(params, owner.evaluationKeys(layout), plan)]);
  CORPUS.set('upload', [encodeUpload(params, upload, keyId, { signingKey: SIGNING_KEY }).bytes]);
  CORPUS.set('checkpoint', [encodeCheckpoint(params, cp(0, false)), encodeCheckpoint(params, cp(3, true))]);
});

describe('protocol files: round trips and refusals', () => {
  it('every kind loads and encodes back to the same bytes; readBundleKind names it', () => {
    for (const k of KINDS) {
      for (const b of CORPUS.get(k) as Uint8Array[]) {
        expect(equalBytes(roundTrip(k, b), b)).toBe(true);
        expect(readBundleKind(b).name).toBe(k);
      }
    }
  });

  it('the upload reports its seeded and full sizes; the checkpoint keeps its fields', () => {
    const u = decodeUpload(CORPUS.get('upload')?.[0] as Uint8Array, SIGNED);
    const { bytes, fullBytes } = encodeUpload(u.params, u.upload, u.keyId, { signingKey: SIGNING_KEY });
    // The full size is exactly the size of the same upload without seeds.
    const unseed = (c: (typeof u.upload.X)[number]) => {
      const d = c.clone(u.params);
      d.seed = undefined;
      return d;
    };
    const up = u.upload;
    const full = encodeUpload(u.params, { ...up, X: up.X.map(unseed), Xt: up.Xt.map(unseed), Y: up.Y.map(unseed), W0: unseed(up.W0) }, u.keyId, { signingKey: SIGNING_KEY });
    expect(full.bytes.length).toBe(fullBytes);
    expect(full.fullBytes).toBe(fullBytes);
    // 11 seeded ciphertexts, each storing c_1 (2 limbs x 16 x 30 bits = 120 bytes) instead of a 32-byte seed.
    expect(fullBytes).toBe(bytes.length + 11 * (120 - 32));
    const c = decodeCheckpoint(CORPUS.get('checkpoint')?.[1] as Uint8Array, OPTS).checkpoint;
    expect([c.iteration, c.refreshes, c.maxIterations, c.needsRefresh, c.width]).toEqual([3, 1, 5, true, 4]);
    expect(c.shape).toEqual({ n: 4, d: 5, K: 3 });
    expect(Array.from(c.keyId)).toEqual(Array.from(keyId));
  });

  it('a secret-key file is refused by the server-side loaders, naming it', () => {
    const sk = CORPUS.get('secret-key file')?.[0] as Uint8Array;
    for (const load of [decodeEvaluationKeysFile, decodeUpload, decodeCheckpoint]) {
      expect(() => load(sk, OPTS)).toThrow(BundleError);
      expect(() => load(sk, OPTS)).toThrow(/secret-key file/);
    }
  });

  it('test parameters are refused without the opt-in', () => {
    const up = CORPUS.get('upload')?.[0] as Uint8Array;
    expect(() => decodeUpload(up)).toThrow(expect.objectContaining({ code: 'INSECURE_PARAMETERS' }));
  });
});

// ------------------------------------------------------------------ mutations

type Mut = 'truncate' | 'extend' | 'bitflip' | 'headerflip' | 'lie' | 'lieResized' | 'overwrite' | 'garbageBody';
const MUTS: Mut[] = ['truncate', 'extend', 'bitflip', 'headerflip', 'lie', 'lieResized', 'overwrite', 'garbageBody'];

/** Offsets of the u32 fields of a file: section count, section lengths, and the metadata's u32s. */
function u32Fields(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = v.getUint32(8, true);
  const out = [8];
  for (let i = 0; i < count; i++) out.push(12 + 4 * i);
  const metaStart = 12 + 4 * count + v.getUint32(12, true);
  const metaLen = v.getUint32(16, true);
  for (let o = metaStart + KEY_ID_BYTES; o + 4 <= metaStart + metaLen; o += 4) out.push(o);
  return out;
}

/** Bytes of the header, section table and metadata. */
function fixedEnd(b: Uint8Array): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = v.getUint32(8, true);
  return 12 + 4 * count + v.getUint32(12, true) + v.getUint32(16, true);
}

function mutation(b: Uint8Array): fc.Arbitrary<{ kind: Mut; bytes: Uint8Array }> {
  const len = b.length;
  const fields = u32Fields(b);
  const end = fixedEnd(b);
  const flips = (maxBit: number) =>
    fc.array(fc.nat(maxBit - 1), { minLength: 1, maxLength: 3 }).map((bits) => {
      const u = b.slice();
      for (const bit of bits) u[bit >> 3] ^= 1 << (bit & 7);
      return u;
    });
  const value = (orig: number) =>
    fc.oneof(
      fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 255, 256, 65535, 2 ** 20, 2 ** 31, 2 ** 32 - 1),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: -64, max: 64 }).map((d) => Math.min(2 ** 32 - 1, Math.max(0, orig + d))),
    );
  const lie = (resized: boolean) =>
    fc
      .constantFrom(...fields)
      .chain((off) => fc.tuple(fc.constant(off), value(new DataView(b.buffer, b.byteOffset, len).getUint32(off, true)), fc.uint8Array({ minLength: 1, maxLength: 16 })))
      .map(([off, x, fill]) => {
        const u = b.slice();
        const v = new DataView(u.buffer);
        const orig = v.getUint32(off, true);
        v.setUint32(off, x, true);
        // Resized: a section length grew or shrank by delta; make the total agree (append or cut at the end).
        const delta = x - orig;
        if (!resized || off < 12 || off >= 12 + 4 * v.getUint32(8, true) || Math.abs(delta) > 1 << 16) return u;
        const n = Math.max(0, len + delta);
        const out = new Uint8Array(n);
        out.set(u.subarray(0, Math.min(n, len)));
        for (let i = len; i < n; i++) out[i] = fill[i % fill.length];
        return out;
      });
  return fc.oneof(
    { weight: 1, arbitrary: fc.nat(len - 1).map((n) => ({ kind: 'truncate' as Mut, bytes: b.slice(0, n) })) },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((tail) => {
        const u = new Uint8Array(len + tail.length);
        u.set(b);
        u.set(tail, len);
        return { kind: 'extend' as Mut, bytes: u };
      }),
    },
    { weight: 3, arbitrary: flips(len * 8).map((u) => ({ kind: 'bitflip' as Mut, bytes: u })) },
    { weight: 2, arbitrary: flips(end * 8).map((u) => ({ kind: 'headerflip' as Mut, bytes: u })) },
    { weight: 2, arbitrary: lie(false).map((u) => ({ kind: 'lie' as Mut, bytes: u })) },
    { weight: 2, arbitrary: lie(true).map((u) => ({ kind: 'lieResized' as Mut, bytes: u })) },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(fc.nat(len - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((ws) => {
        const u = b.slice();
        for (const [i, x] of ws) u[i] = x;
        return { kind: 'overwrite' as Mut, bytes: u };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 0, maxLength: 600 }).map((body) => {
        const u = new Uint8Array(8 + body.length);
        u.set(b.subarray(0, 8));
        u.set(body, 8);
        return { kind: 'garbageBody' as Mut, bytes: u };
      }),
    },
  );
}

describe('protocol files: fuzzing', () => {
  it.each(KINDS)('%s: 10,000 mutated files end in a CkksError or a canonical valid file', (kind) => {
    const corpus = CORPUS.get(kind) as Uint8Array[];
    const counts = new Map<Mut, Map<string, number>>();
    let integrity = 0;
    const bump = (m: Mut, k: string): void => {
      let c = counts.get(m);
      if (c === undefined) counts.set(m, (c = new Map()));
      c.set(k, (c.get(k) ?? 0) + 1);
    };
    const t0 = performance.now();
    fc.assert(
      fc.property(
        fc.constantFrom(...corpus).chain((b) => mutation(b)),
        ({ kind: m, bytes }) => {
          let again: Uint8Array;
          try {
            again = roundTrip(kind, bytes);
          } catch (e) {
            if (!(e instanceof CkksError)) throw new Error(`${kind} (${m}): non-CkksError ${String(e)}`);
            if (e instanceof BundleError && e.field === '(internal)') throw new Error(`${kind} (${m}): internal fallback: ${e.message}`);
            if ((e as { field?: string }).field === '(internal)') throw new Error(`${kind} (${m}): internal fallback: ${e.message}`);
            if (e instanceof IntegrityError) integrity++;
            bump(m, `${e.name}/${e.code}`);
            return;
          }
          if (m === 'truncate' || m === 'extend') throw new Error(`${kind}: a ${m}d file of ${bytes.length} bytes loaded`);
          if (!corpus.some((c) => equalBytes(c, bytes))) throw new Error(`${kind} (${m}): an altered file of ${bytes.length} bytes loaded`);
          if (!equalBytes(again, bytes)) throw new Error(`${kind} (${m}): loaded, but does not encode back to the input`);
          bump(m, 'ok (valid file)');
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    let total = 0;
    for (const c of counts.values()) for (const n of c.values()) total += n;
    expect(total).toBe(RUNS);
    for (const m of MUTS) expect(counts.has(m), `mutation ${m} exercised`).toBe(true);
    // Most inputs keep a valid header and reach the digest / signature check, which refuses them.
    expect(integrity).toBeGreaterThan(RUNS / 2);
    console.log(`${kind}: ${integrity} of ${RUNS} mutated inputs refused by the digest or signature check (seed ${SEED})`);
    if (process.env.FUZZ_REPORT) {
      const lines = [...counts].map(([m, c]) => `  ${m.padEnd(12)} ${[...c].map(([k, n]) => `${k} ${n}`).join(', ')}`);
      console.log(`${kind}: ${RUNS} inputs in ${(performance.now() - t0).toFixed(0)} ms\n${lines.join('\n')}`);
    }
  });
});
