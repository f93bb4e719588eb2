/**
 * Files that cannot be silently altered (issue 15, item 2), through the
 * command at insecure test parameters (logN 12, 8 + 2 primes: 7 levels, a
 * refresh after every iteration) on a slice of the bundled data.
 *
 * Every mutation the issue names is made to a file of a real session and
 * handed to the command that reads it; each must end in exit 2 and one line
 * on stderr naming what failed, before anything of the file is used:
 *
 * - eval.keys: a flipped bit in the relinearization key's seed, a flipped low
 *   bit of a residue (it stays below q), and eval.keys replaced together with
 *   its public key (another owner's keys): the upload's signature then fails;
 * - upload: n, d or K edited; the scale of an X ciphertext doubled; X and Y,
 *   or X and X~, swapped; a flipped ciphertext bit; each as a bare edit
 *   (digest), resealed with a recomputed digest (signature), and with the
 *   signature stripped (unsigned);
 * - checkpoint: iteration edited, W and V swapped, pairs swapped, shape fields
 *   that differ from the upload's, as bare edits (digest) and, where the
 *   server can tell without a secret, re-encoded with a valid digest (the
 *   cross-check against the upload and the run's counters);
 * - the owner's decrypt refuses a checkpoint that does not come from its own
 *   signed session.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeSlice } from './spawn.js';
import { INSECURE_OPT_IN } from '../../src/ckks/index.js';
import { main } from '../../src/cli/hecnn.js';
import { type Checkpoint, decodeCheckpoint, decodeEvaluationKeysFile, encodeCheckpoint, encodeEvaluationKeysFile, generateSigningKey } from '../../src/mlr/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const LITERAL = { logN: 12, logQ: new Array<number>(8).fill(30), logP: [30, 30], logDefaultScale: 30 };
const FEATURES = 100;
const insecure = '--allow-insecure';
const OPTS = { unsafeAllowInsecure: INSECURE_OPT_IN } as const;

/** A container's parts: header fields, sections, and the trailer. */
interface Parts {
  kind: number;
  flags: number;
  sections: Uint8Array[];
  trailer: Uint8Array;
}

function split(b: Uint8Array): Parts {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = v.getUint32(8, true);
  const tail = 32 + ((b[7] & 1) !== 0 ? 96 : 0);
  let at = 12 + 4 * count;
  const sections: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const len = v.getUint32(12 + 4 * i, true);
    sections.push(b.slice(at, at + len));
    at += len;
  }
  return { kind: b[6], flags: b[7], sections, trailer: b.slice(b.length - tail) };
}

/** Put the parts together again; the trailer as given (an attacker's edit keeps the old digest and signature). */
function join_(p: Parts, trailer = p.trailer): Uint8Array {
  const head = 12 + 4 * p.sections.length;
  const body = p.sections.reduce((n, s) => n + s.length, head);
  const out = new Uint8Array(body + trailer.length);
  out.set([0x48, 0x45, 0x43, 0x4d, 2, 0, p.kind, p.flags]);
  const v = new DataView(out.buffer);
  v.setUint32(8, p.sections.length, true);
  let at = head;
  p.sections.forEach((s, i) => {
    v.setUint32(12 + 4 * i, s.length, true);
    out.set(s, at);
    at += s.length;
  });
  out.set(trailer, body);
  return out;
}

/** The attacker's three ways to seal an edited file: keep the old trailer, recompute the digest (keeping the signature), or strip the signature. */
type Seal = 'keep' | 'redigest' | 'strip';
function seal(p: Parts, how: Seal): Uint8Array {
  if (how === 'keep') return join_(p);
  if (how === 'strip') p = { ...p, flags: 0 };
  const provisional = join_(p, new Uint8Array(p.trailer.length - (how === 'strip' ? 96 : 0)));
  const end = provisional.length - (how === 'strip' ? 32 : p.trailer.length);
  provisional.set(sha256(provisional.subarray(0, end)), end);
  if (how === 'redigest') provisional.set(p.trailer.subarray(32), end + 32);
  return provisional;
}

function edit(b: Uint8Array, f: (p: Parts) => void): Parts {
  const p = split(b);
  p.sections = p.sections.map((s) => s.slice());
  f(p);
  return p;
}

const u32 = (s: Uint8Array, off: number, f: (x: number) => number): void => {
  const v = new DataView(s.buffer, s.byteOffset, s.byteLength);
  v.setUint32(off, f(v.getUint32(off, true)), true);
};

describe('hecnn: protocol files cannot be silently altered', () => {
  let dir: string;
  let csv: string;
  const f = (name: string): string => join(dir, name);
  let keys: Uint8Array;
  let upload: Uint8Array;
  let cp: Uint8Array;
  const quiet = (): void => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
  };
  const errorsOf = (): string => (console.error as unknown as { mock: { calls: unknown[][] } }).mock.calls.flat().join('\n');
  afterEach(() => vi.restoreAllMocks());

  /** Run a command; expect exit 2 and exactly one line on stderr matching re. */
  async function refused(args: string[], re: RegExp): Promise<void> {
    quiet();
    const code = await main(args);
    const err = errorsOf();
    vi.restoreAllMocks();
    expect(err.split('\n'), err).toHaveLength(1);
    expect(err).toMatch(re);
    expect(code).toBe(2);
  }
  const serve = (k: string, u: string, extra: string[] = []): string[] => ['train', '--keys', k, '--upload', u, '--checkpoint', f('new-cp.bin'), '--force', '--threads', '1', insecure, ...extra];
  const resume = (c: string): string[] => ['train', '--keys', f('keys/eval.keys'), '--upload', f('upload.bin'), '--checkpoint', c, '--resume', '--threads', '1', insecure];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hecnn-integrity-'));
    csv = f('slice.csv');
    writeSlice(csv, 32, FEATURES);
    quiet();
    expect(await main(['keygen', '--params', JSON.stringify(LITERAL), insecure, '--width', '64', '--out', f('keys')])).toBe(0);
    expect(await main(['encrypt', '--secret-key', f('keys/secret.key'), '--data', csv, '--train-rows', '1:16', '--out', f('upload.bin'), insecure])).toBe(0);
    // 7 levels: one iteration, then a refresh is due (exit 3): the checkpoint has V one level above W.
    expect(await main(['train', '--keys', f('keys/eval.keys'), '--upload', f('upload.bin'), '--checkpoint', f('cp.bin'), '--iterations', '4', '--threads', '1', insecure])).toBe(3);
    vi.restoreAllMocks();
    // Plain Uint8Array copies (a Buffer's slice() is a view, not a copy).
    keys = new Uint8Array(readFileSync(f('keys/eval.keys')));
    upload = new Uint8Array(readFileSync(f('upload.bin')));
    cp = new Uint8Array(readFileSync(f('cp.bin')));
  }, 240_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the untouched session resumes (exit 3: the refresh is due) and decrypts', async () => {
    quiet();
    expect(await main(resume(f('cp.bin')))).toBe(3);
    expect(await main(['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('cp.bin'), insecure])).toBe(0);
  });

  describe('eval.keys', () => {
    it('a flipped bit in the relinearization key seed: refused by the digest', async () => {
      const { keys: k } = decodeEvaluationKeysFile(keys, OPTS);
      const seed = k.relin?.seed as Uint8Array;
      const at = Buffer.from(keys).indexOf(Buffer.from(seed));
      expect(at).toBeGreaterThan(0);
      const m = keys.slice();
      m[at + 5] ^= 0x10;
      writeFileSync(f('m.keys'), m);
      await refused(serve(f('m.keys'), f('upload.bin')), /eval.*digest|digest does not match/);
    });

    it('a flipped low bit of a residue (still below q): refused by the digest', async () => {
      const p = split(keys);
      const m = keys.slice();
      const start = 12 + 4 * p.sections.length + p.sections[0].length + p.sections[1].length;
      m[start + Math.floor(p.sections[2].length / 2) - (Math.floor(p.sections[2].length / 2) % 4)] ^= 1;
      writeFileSync(f('m.keys'), m);
      await refused(serve(f('m.keys'), f('upload.bin')), /digest does not match/);
    });

    it("the same edits resealed (digest recomputed, the owner's signature kept) or unsigned: refused", async () => {
      const p = edit(keys, (q) => (q.sections[2][q.sections[2].length >> 1] ^= 1));
      writeFileSync(f('m.keys'), seal(p, 'redigest'));
      await refused(serve(f('m.keys'), f('upload.bin')), /signature does not verify/);
      writeFileSync(f('m.keys'), seal(p, 'strip'));
      await refused(serve(f('m.keys'), f('upload.bin')), /not signed/);
    });

    it('eval.keys replaced with its public key (another signer): the upload is refused', async () => {
      const r = decodeEvaluationKeysFile(keys, OPTS);
      writeFileSync(f('other.keys'), encodeEvaluationKeysFile(r.params, r.keys, { ...r.plan, signingKey: generateSigningKey() }));
      await refused(serve(f('other.keys'), f('upload.bin')), /upload.*signed by another key/);
    });
  });

  describe('upload', () => {
    const metaOff = { n: 16, d: 20, K: 24 } as const;
    const cases: [string, (p: Parts) => void][] = [
      ...(['n', 'd', 'K'] as const).map((k): [string, (p: Parts) => void] => [`${k} edited`, (p) => u32(p.sections[1], metaOff[k], (x) => x + 1)]),
      [
        'the scale of X[0] doubled',
        (p) => {
          const v = new DataView(p.sections[2].buffer);
          v.setFloat64(31, 2 * v.getFloat64(31, true), true);
        },
      ],
      ['X and Y swapped', (p) => ([p.sections[2], p.sections[p.sections.length - 2]] = [p.sections[p.sections.length - 2], p.sections[2]])],
      [
        'X and X~ swapped',
        (p) => {
          const nX = new DataView(p.sections[1].buffer).getUint32(32, true);
          [p.sections[2], p.sections[2 + nX]] = [p.sections[2 + nX], p.sections[2]];
        },
      ],
      ['a flipped ciphertext bit', (p) => (p.sections[3][100] ^= 4)],
    ];
    it.each(cases)('%s: refused by the digest, the signature, or as unsigned', async (_, mutate) => {
      const p = edit(upload, mutate);
      const expect_: Record<Seal, RegExp> = { keep: /upload.*digest does not match/, redigest: /upload.*signature does not verify/, strip: /upload.*not signed/ };
      for (const how of ['keep', 'redigest', 'strip'] as const) {
        writeFileSync(f('m.upload'), seal(p, how));
        await refused(serve(f('keys/eval.keys'), f('m.upload')), expect_[how]);
      }
    });
  });

  describe('checkpoint', () => {
    /** The checkpoint's sections: W pairs then V pairs, one part each at width 64 here. */
    const weightsAt = (p: Parts): { pairs: number; parts: number } => {
      const K = new DataView(p.sections[1].buffer).getUint32(56, true);
      const pairs = Math.ceil(K / 2);
      return { pairs, parts: (p.sections.length - 2) / (2 * pairs) };
    };
    const bare: [string, (p: Parts) => void][] = [
      ['iteration edited', (p) => u32(p.sections[1], 64, () => 4)],
      [
        'W and V swapped',
        (p) => {
          const { pairs, parts } = weightsAt(p);
          const n = pairs * parts;
          const W = p.sections.slice(2, 2 + n);
          const V = p.sections.slice(2 + n, 2 + 2 * n);
          p.sections.splice(2, 2 * n, ...V, ...W);
        },
      ],
      [
        'pairs swapped',
        (p) => {
          const { parts } = weightsAt(p);
          [p.sections[2], p.sections[2 + parts]] = [p.sections[2 + parts], p.sections[2]];
        },
      ],
      ['n differing from the upload', (p) => u32(p.sections[1], 48, (x) => x + 1)],
      ['d differing from the upload', (p) => u32(p.sections[1], 52, (x) => x + 1)],
    ];
    it.each(bare)('%s (bytes edited): refused by the digest', async (_, mutate) => {
      writeFileSync(f('m.cp'), seal(edit(cp, mutate), 'keep'));
      await refused(resume(f('m.cp')), /checkpoint.*digest does not match/);
      await refused(['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('m.cp'), insecure], /checkpoint.*digest does not match/);
    });

    const resealed: [string, (c: Checkpoint) => Checkpoint, RegExp][] = [
      ['iteration edited to 4 of 4 ("all done" after 1)', (c) => ({ ...c, iteration: 4 }), /field iteration/],
      ['iteration edited to 2, refresh count kept', (c) => ({ ...c, iteration: 2 }), /field iteration/],
      ['W and V swapped', (c) => ({ ...c, weights: { W: c.weights.V, V: c.weights.W } }), /field W/],
      ['n differing from the upload', (c) => ({ ...c, shape: { ...c.shape, n: c.shape.n + 1 } }), /field n/],
      ['K differing from the upload', (c) => ({ ...c, shape: { ...c.shape, K: c.shape.K - 1 }, weights: { W: c.weights.W.slice(0, Math.ceil((c.shape.K - 1) / 2)), V: c.weights.V.slice(0, Math.ceil((c.shape.K - 1) / 2)) } }), /field K/],
      ['needsRefresh cleared and the refresh count raised without a refresh', (c) => ({ ...c, needsRefresh: false, refreshes: c.refreshes + 1 }), /field iteration/],
      ['the session of other keys', (c) => ({ ...c, session: { ...(c.session as NonNullable<Checkpoint['session']>), keysDigest: new Uint8Array(32) } }), /field session/],
    ];
    it.each(resealed)('%s (re-encoded with a valid digest): the server refuses it', async (_, change, re) => {
      const { params, checkpoint } = decodeCheckpoint(cp, OPTS);
      writeFileSync(f('m.cp'), encodeCheckpoint(params, change(checkpoint)));
      await refused(resume(f('m.cp')), re);
    });

    it('after a refresh (signed by the owner): W and V swapped and re-encoded unsigned, or signed by another key, are refused', async () => {
      writeFileSync(f('r.cp'), cp);
      quiet();
      expect(await main(['refresh', '--secret-key', f('keys/secret.key'), '--checkpoint', f('r.cp'), insecure])).toBe(0);
      vi.restoreAllMocks();
      const { params, checkpoint, auth } = decodeCheckpoint(new Uint8Array(readFileSync(f('r.cp'))), OPTS);
      expect(auth.signer).toBeDefined();
      const swapped = { ...checkpoint, weights: { W: checkpoint.weights.V, V: checkpoint.weights.W } };
      writeFileSync(f('m.cp'), encodeCheckpoint(params, swapped));
      await refused(resume(f('m.cp')), /field W: W and V at the top level after 1 iteration.*unsigned/);
      writeFileSync(f('m.cp'), encodeCheckpoint(params, swapped, { signingKey: generateSigningKey() }));
      await refused(resume(f('m.cp')), /field signer/);
    });

    it("the owner's decrypt refuses a checkpoint without the owner's signed session", async () => {
      const { params, checkpoint } = decodeCheckpoint(cp, OPTS);
      writeFileSync(f('m.cp'), encodeCheckpoint(params, { ...checkpoint, session: undefined }));
      await refused(['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('m.cp'), insecure], /field session.*no signed session/);
      const s = checkpoint.session as NonNullable<Checkpoint['session']>;
      const forged = { ...s, uploadSignature: s.keysSignature };
      writeFileSync(f('m.cp'), encodeCheckpoint(params, { ...checkpoint, session: forged }));
      await refused(['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('m.cp'), insecure], /field session.*signature of the upload/);
      await refused(['refresh', '--secret-key', f('keys/secret.key'), '--checkpoint', f('m.cp'), insecure], /field session/);
    });
  });
});
