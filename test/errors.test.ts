/**
 * One error family: for every layer, an error thrown on bad input is an
 * instance of the one class exported from `@hecnn/ckks` (HecnnError), has a
 * stable code and names the refusing operation; subclasses keep their own
 * `instanceof`, and the ring layer's argument errors stay RangeError/TypeError.
 */
import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';
import {
  ArgumentRangeError,
  ArgumentTypeError,
  BundleError,
  CkksError,
  DataError,
  Evaluator,
  HecnnError,
  INSECURE_OPT_IN,
  KeyGenerator,
  LayoutError,
  MatrixLayout,
  PlainTrainerState,
  TrainerError,
  createParameters,
  decodeUpload,
  isHecnnError,
  matrix,
  parseCsv,
  powMod,
} from '../src/index.js';

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const params = createParameters({ logN: 6, logQ: [25, 25], logP: [26, 26], logDefaultScale: 20, unsafeAllowInsecure: INSECURE_OPT_IN });
const other = createParameters({ logN: 6, logQ: [25, 25, 25], logP: [26, 26], logDefaultScale: 20, unsafeAllowInsecure: INSECURE_OPT_IN });

describe('one error family', () => {
  const cases: [string, () => unknown, string][] = [
    ['ring (ntt)', () => powMod(2, -1, 97), 'OUT_OF_RANGE'],
    ['ring (ntt), type', () => powMod(2, 1.5, 97), 'INVALID_ARGUMENT'],
    ['rlwe', () => new KeyGenerator(params).genRelinKey(new KeyGenerator(other).genSecretKey()), 'PARAMETERS_MISMATCH'],
    ['ckks', () => createParameters({ logN: 3, logQ: [20], logP: [20], logDefaultScale: 10 }), 'INVALID_PARAMETERS'],
    ['ckks, evaluator', () => new Evaluator(params).rotateNew(undefined as never, 1), 'INVALID_ARGUMENT'],
    ['encoding', () => new MatrixLayout(4, 4, 3), 'INVALID_LAYOUT'],
    ['trainer (plaintext)', () => new PlainTrainerState(matrix(0, 0), matrix(0, 0), { method: 'SigmoidNAGQG', sigmoid: 'poly3' }), 'OUT_OF_RANGE'],
    ['trainer (encrypted)', () => { throw new TrainerError('EncryptedTrainer.step', 'probe'); }, 'TRAINER_STATE'],
    ['data files', () => parseCsv('x,1,2\n', { source: 'f.csv' }), 'INVALID_DATA'],
    ['protocol files', () => decodeUpload(new Uint8Array(16)), 'MALFORMED_DATA'],
  ];
  for (const [layer, f, code] of cases) {
    it(`${layer}: instanceof HecnnError, code ${code}, message names the operation`, () => {
      const e = caught(f) as HecnnError;
      expect(e).toBeInstanceOf(HecnnError);
      expect(isHecnnError(e)).toBe(true);
      expect(e.code).toBe(code);
      expect(typeof e.op).toBe('string');
      expect(e.message.startsWith(`${e.op}: `)).toBe(true);
    });
  }

  it('subclasses keep their own instanceof; ring errors stay RangeError / TypeError', () => {
    expect(caught(() => powMod(2, -1, 97))).toBeInstanceOf(RangeError);
    expect(caught(() => powMod(2, -1, 97))).toBeInstanceOf(ArgumentRangeError);
    expect(caught(() => powMod(2, 1.5, 97))).toBeInstanceOf(TypeError);
    expect(caught(() => powMod(2, 1.5, 97))).toBeInstanceOf(ArgumentTypeError);
    const data = caught(() => parseCsv('x,1,2\n', { source: 'f.csv' }));
    expect(data).toBeInstanceOf(DataError);
    expect(data).not.toBeInstanceOf(CkksError);
    const bundle = caught(() => decodeUpload(new Uint8Array(16)));
    expect(bundle).toBeInstanceOf(BundleError);
    expect(bundle).toBeInstanceOf(CkksError);
    expect(caught(() => new MatrixLayout(4, 4, 3))).toBeInstanceOf(LayoutError);
    expect(caught(() => new MatrixLayout(4, 4, 3))).not.toBeInstanceOf(TrainerError);
  });

  it('plain errors are not members; a second copy of the library is recognised by the brand', () => {
    expect(new Error('x')).not.toBeInstanceOf(HecnnError);
    expect(new RangeError('x')).not.toBeInstanceOf(HecnnError);
    expect(null).not.toBeInstanceOf(HecnnError);
    // An error made by another bundle carries the same registered brand on its prototype.
    const foreign = Object.create(Object.defineProperty({}, Symbol.for('@hecnn/ckks.error'), { value: true })) as object;
    expect(foreign).toBeInstanceOf(HecnnError);
  });

  it('every layer entry point exports the family', async () => {
    for (const m of [root, await import('../src/ntt/index.js'), await import('../src/rlwe/index.js'), await import('../src/ckks/index.js'), await import('../src/encoding/index.js'), await import('../src/mlr/index.js')]) {
      expect(m.HecnnError).toBe(HecnnError);
    }
  });
});
