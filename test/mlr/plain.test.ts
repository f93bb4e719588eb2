/**
 * The plaintext reference trainer (src/mlr/plain.ts) against docs/ALGORITHM.md:
 * the mirror accuracy table on data/mnist-regnet-x-400mf-first256.csv, Bbar
 * against its O(n d^2) definition, the sigmoids, the NAG schedule, the metrics,
 * and the step-by-step API against an independent straightforward
 * re-implementation of the spec.
 *
 * The full-data curves in docs/reference/ need the whole MNIST feature set
 * (60000 rows); only 256 rows are bundled, so they are not reproduced here.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BBAR_EPS,
  PlainTrainerState,
  SIGMOID3_C0,
  SIGMOID3_C1,
  SIGMOID3_C3,
  accuracy,
  buildDesign,
  computeBbar,
  matrix,
  meanCrossEntropy,
  nagSchedule,
  parseCsv,
  predict,
  selectRows,
  sigmoidExact,
  sigmoidPoly3,
  sle,
  trainPlain,
  type Design,
  type Matrix,
  type PlainStep,
  type TrainPlainOptions,
} from '../../src/mlr/index.js';

const DATA_FILE = new URL('../../data/mnist-regnet-x-400mf-first256.csv', import.meta.url);

/** docs/ALGORITHM.md, "Plaintext mirror" table. */
const TABLE_ITERATIONS = [1, 2, 3, 5, 10, 20, 50];
const TABLE_ACCURACY = [0.2109, 0.2266, 0.2109, 0.2344, 0.4609, 0.7188, 0.8125];

/** The mirror of the encrypted circuit: SigmoidNAGQG, sigma3, no clipping, W0 = V0 = 0.0128, gamma with n = 128. */
const MIRROR: Omit<TrainPlainOptions, 'iterations'> = {
  method: 'SigmoidNAGQG',
  sigmoid: 'poly3',
  w0: 0.0128,
  clip: false,
  gammaN: 128,
};

let train: Design;
let test: Design;

beforeAll(() => {
  const data = parseCsv(readFileSync(DATA_FILE, 'utf8'), { source: 'mnist-regnet-x-400mf-first256.csv' });
  train = buildDesign(selectRows(data, 0, 128));
  test = buildDesign(selectRows(data, 128, 256));
});

const round4 = (x: number): number => Number(x.toFixed(4));

/** Test accuracy (rounded to 4 decimals) at the table's iterations, for a variant of the mirror. */
function tableFor(extra: Partial<TrainPlainOptions>, evaluate: 'W' | 'V' = 'W'): number[] {
  const out: number[] = [];
  trainPlain(train.X, train.Y, {
    ...MIRROR,
    ...extra,
    iterations: 50,
    keepHistory: false,
    onIteration: (s) => {
      if (TABLE_ITERATIONS.includes(s.iteration)) out.push(round4(accuracy(test.X, test.labels, s[evaluate])));
    },
  });
  return out;
}

describe('plaintext mirror of the encrypted circuit (docs/ALGORITHM.md table)', () => {
  it('reproduces the accuracy table to 4 decimals at 1, 2, 3, 5, 10, 20, 50 iterations', () => {
    const got = tableFor({});
    expect(got).toEqual(TABLE_ACCURACY);
    // And as counts out of 128 test rows: 27, 29, 27, 30, 59, 92, 104.
    expect(got.map((a) => Math.round(a * 128))).toEqual([27, 29, 27, 30, 59, 92, 104]);
  });

  it('the table discriminates: nearby readings of the spec do NOT reproduce it', () => {
    // Each of these is a plausible misreading; each changes at least one entry.
    expect(tableFor({ sigmoid: 'exact' })).not.toEqual(TABLE_ACCURACY); // exact sigmoid (Python) instead of sigma3
    expect(tableFor({ w0: 0 })).not.toEqual(TABLE_ACCURACY); // Python's W0 = 0
    expect(tableFor({}, 'V')).not.toEqual(TABLE_ACCURACY); // metrics on V instead of W
    expect(tableFor({ bbar: computeBbar(train.X).map((b) => b / 2) })).not.toEqual(TABLE_ACCURACY); // 0.5 factor in Bbar
    expect(tableFor({ bbar: computeBbar(buildDesign(parseCsv(readFileSync(DATA_FILE, 'utf8'))).X) })).not.toEqual(
      TABLE_ACCURACY,
    ); // Bbar from all 256 rows instead of the training rows
    expect(tableFor({ method: 'SigmoidNAG' })).not.toEqual(TABLE_ACCURACY); // no quadratic gradient
  });

  it('variants the table cannot tell apart also give it (clipping; CKKS constants at 2^20)', () => {
    // Clipping to [-8, 8] only starts to bite after iteration 20 and does not move
    // the table; the spec's circuit has none, so the mirror does not clip.
    expect(tableFor({ clip: true })).toEqual(TABLE_ACCURACY);
    // NAG constants encoded at scale 2^20 as the reference circuit does (pBits = 20).
    expect(tableFor({ constantBits: 20 })).toEqual(TABLE_ACCURACY);
  });

  it('SLE of the mirror per iteration (regression values, exact sigmoid, totals)', () => {
    // Values computed by this implementation (no published reference exists for the
    // 128-row mirror); they guard against silent changes of the mirror's arithmetic.
    const expected: Record<number, [number, number]> = {
      1: [-3627.952, -3615.649],
      2: [-1891.651, -1891.802],
      3: [-437.4419, -449.4695],
      5: [-537.4924, -561.1293],
      10: [-324.7392, -378.0011],
      20: [-172.1492, -252.9034],
      50: [-48.5887, -145.6129],
    };
    const got: Record<number, [number, number]> = {};
    trainPlain(train.X, train.Y, {
      ...MIRROR,
      iterations: 50,
      keepHistory: false,
      onIteration: (s) => {
        if (s.iteration in expected) got[s.iteration] = [sle(train.X, train.Y, s.W), sle(test.X, test.Y, s.W)];
      },
    });
    for (const [it, [trainSle, testSle]] of Object.entries(expected)) {
      expect(got[Number(it)][0]).toBeCloseTo(trainSle, 2);
      expect(got[Number(it)][1]).toBeCloseTo(testSle, 2);
    }
  });

  it('follows an independent straightforward implementation of the spec, iteration by iteration', () => {
    // Written from docs/ALGORITHM.md with nested arrays, independently of src/.
    const n = train.X.rows;
    const d = train.X.cols;
    const K = 10;
    const x: number[][] = Array.from({ length: n }, (_, r) => Array.from(train.X.data.subarray(r * d, (r + 1) * d)));
    const y: number[][] = Array.from({ length: n }, (_, r) => Array.from(train.Y.data.subarray(r * K, (r + 1) * K)));
    const bbar = Array.from({ length: d }, (_, j) => {
      let s = 0;
      for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) s += Math.abs(x[r][j]) * Math.abs(x[r][k]);
      return 1 / (1e-10 + 0.25 * s);
    });
    let W = Array.from({ length: K }, () => new Array<number>(d).fill(0.0128));
    let V = W.map((row) => row.slice());
    let alpha = 0.01;
    const state = new PlainTrainerState(train.X, train.Y, MIRROR);
    for (let t = 0; t < 6; t++) {
      const alpha1 = (1 + Math.sqrt(1 + 4 * alpha * alpha)) / 2;
      const eta = (1 - alpha) / alpha1;
      const gamma = 1 / ((t + 1) * 128);
      alpha = alpha1;
      const G = Array.from({ length: K }, () => new Array<number>(d).fill(0));
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < K; c++) {
          const z = x[r].reduce((s, xv, j) => s + xv * V[c][j], 0);
          const p = 0.5 + 0.10679534503216294 * z - 0.00038503259805075 * z * z * z;
          for (let j = 0; j < d; j++) G[c][j] += (y[r][c] - p) * x[r][j];
        }
      }
      const tmp = W.map((row, c) => row.map((wv, j) => wv + (1 + gamma) * bbar[j] * G[c][j]));
      W = tmp.map((row, c) => row.map((tv, j) => (1 - eta) * tv + eta * V[c][j]));
      V = tmp;
      const s = state.step();
      expect(s.iteration).toBe(t + 1);
      let maxRel = 0;
      for (let c = 0; c < K; c++) {
        for (let j = 0; j < d; j++) {
          maxRel = Math.max(maxRel, Math.abs(s.W[c * d + j] - W[c][j]) / Math.max(1e-3, Math.abs(W[c][j])));
          maxRel = Math.max(maxRel, Math.abs(s.V[c * d + j] - V[c][j]) / Math.max(1e-3, Math.abs(V[c][j])));
        }
      }
      expect(maxRel).toBeLessThan(1e-9);
    }
  });

  it('step-by-step state equals trainPlain, never mutates what it returned, and is deterministic', () => {
    const run = trainPlain(train.X, train.Y, { ...MIRROR, iterations: 4 });
    const state = new PlainTrainerState(train.X, train.Y, MIRROR);
    const steps: PlainStep[] = [];
    const snapshots: Float64Array[] = [];
    for (let i = 0; i < 4; i++) {
      const s = state.step();
      steps.push(s);
      snapshots.push(s.W.slice());
    }
    expect(state.iteration).toBe(4);
    for (let i = 0; i < 4; i++) {
      expect(steps[i].W).toEqual(run.history[i]);
      expect(steps[i].W).toEqual(snapshots[i]);
    }
    expect(state.W).toEqual(run.W);
    expect(state.V).toEqual(run.V);
    // Intermediates: Z = X V_prev^T, P = sigma3(Z) (no clipping), G = (Y - P)^T X.
    const s0 = steps[0];
    expect(s0.Z[0]).toBeCloseTo(train.X.data.subarray(0, 401).reduce((a, b) => a + b, 0) * 0.0128, 9);
    expect(s0.P[3]).toBe(sigmoidPoly3(s0.Z[3]));
    expect(s0.gamma).toBe(1 / 128);
    expect(s0.eta).toBe(nagSchedule(1, 128).eta[0]);
  });
});

describe('computeBbar', () => {
  /** Direct O(n d^2) definition: Bbar_j = 1 / (eps + row sum j of 0.25 |X|^T |X|). */
  function bbarDirect(X: Matrix): Float64Array {
    const { rows: n, cols: d, data } = X;
    const H = new Float64Array(d * d);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) {
        const a = Math.abs(data[r * d + j]);
        if (a === 0) continue;
        for (let k = 0; k < d; k++) H[j * d + k] += 0.25 * a * Math.abs(data[r * d + k]);
      }
    }
    const b = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += H[j * d + k];
      b[j] = 1 / (1e-10 + s);
    }
    return b;
  }

  function expectRelClose(a: Float64Array, b: Float64Array, tol: number): void {
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * Math.abs(b[i]));
  }

  it('matches the O(n d^2) definition on the 128 training rows', () => {
    const b = computeBbar(train.X);
    expect(b.length).toBe(401);
    expectRelClose(b, bbarDirect(train.X), 1e-12);
    // Bias column: sum over rows of the row sums of |x|.
    expect(BBAR_EPS).toBe(1e-10);
  });

  it('uses absolute values (unlike the Python column sums of 0.25 X^T X), on random signed matrices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 64, maxLength: 64 }),
        (n, d, vals) => {
          const X = matrix(n, d, Float64Array.from(vals.slice(0, n * d)));
          expectRelClose(computeBbar(X), bbarDirect(X), 1e-12);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a zero column gives 1/eps (its gradient is 0, so it never moves)', () => {
    const X = matrix(2, 3, Float64Array.from([1, 0, 2, 1, 0, 3]));
    expect(computeBbar(X)[1]).toBe(1 / 1e-10);
  });
});

describe('sigmoids', () => {
  it('sigmoidPoly3 is 0.5 + 0.10679534503216294 z - 0.00038503259805075 z^3', () => {
    expect(SIGMOID3_C0).toBe(0.5);
    expect(SIGMOID3_C1).toBe(0.10679534503216294);
    expect(SIGMOID3_C3).toBe(-0.00038503259805075);
    for (const z of [0, 1, -1, 2.5, -3.75, 8, -8, 12, 1e-3]) {
      const ref = 0.5 + 0.10679534503216294 * z - 0.00038503259805075 * z ** 3;
      expect(Math.abs(sigmoidPoly3(z) - ref)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(ref)));
    }
    // The factored form of step C: 0.5 + 0.106795345 z (1 - 0.003605331 z^2), coefficients to 9 digits.
    expect(Math.abs(sigmoidPoly3(5) - (0.5 + 0.106795345 * 5 * (1 - 0.003605331 * 25)))).toBeLessThan(1e-8);
  });

  it('sigma3(z) + sigma3(-z) = 1 and |sigma3 - sigma| < 0.171 on [-8, 8]', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (z) => {
        expect(sigmoidPoly3(z) + sigmoidPoly3(-z)).toBeCloseTo(1, 14);
        expect(Math.abs(sigmoidPoly3(z) - sigmoidExact(z))).toBeLessThan(0.171);
      }),
    );
  });

  it('sigmoidExact: 1/(1+e^-z), symmetric, saturating to exactly 0 and 1', () => {
    expect(sigmoidExact(0)).toBe(0.5);
    expect(sigmoidExact(2)).toBeCloseTo(0.8807970779778823, 15);
    expect(sigmoidExact(40)).toBe(1);
    expect(sigmoidExact(-800)).toBe(0);
    fc.assert(fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (z) => {
      expect(sigmoidExact(z) + sigmoidExact(-z)).toBeCloseTo(1, 14);
    }));
  });
});

describe('nagSchedule', () => {
  it('alpha_0 = 0.01, alpha_{t+1} = (1 + sqrt(1 + 4 alpha_t^2))/2, eta_t = (1 - alpha_t)/alpha_{t+1}, gamma_t = 1/((t+1) n)', () => {
    const s = nagSchedule(3, 128);
    expect(s.alpha[0]).toBe(0.01);
    expect(s.alpha[1]).toBe((1 + Math.sqrt(1 + 4e-4)) / 2);
    expect(s.eta[0]).toBe(0.99 / s.alpha[1]);
    expect(s.eta[1]).toBe((1 - s.alpha[1]) / s.alpha[2]);
    expect(Array.from(s.gamma)).toEqual([1 / 128, 1 / 256, 1 / 384]);
    expect(s.eta[1]).toBeLessThan(0); // eta turns negative from t = 1 on: momentum
  });
});

describe('metrics', () => {
  it('accuracy: argmax of the exact sigmoid, first maximum wins (also for saturated ties)', () => {
    const X = matrix(2, 2, Float64Array.from([1, 0, 1, 1]));
    // Three classes with identical weights: a tie, class 0 wins.
    const Wtie = Float64Array.from([1, 2, 1, 2, 1, 2]);
    expect(Array.from(predict(X, Wtie))).toEqual([0, 0]);
    // Scores 40 and 50 both saturate sigma to 1: the first (class 0) wins, not argmax z.
    const Wsat = Float64Array.from([40, 0, 50, 0]);
    expect(Array.from(predict(X, Wsat))).toEqual([0, 0]);
    expect(accuracy(X, Int32Array.from([0, 1]), Wsat)).toBe(0.5);
    // Labels or one-hot Y give the same accuracy.
    expect(accuracy(X, matrix(2, 2, Float64Array.from([1, 0, 0, 1])), Wsat)).toBe(0.5);
  });

  it('SLE and the RawNAG loss at W = 0 agree with the reference curves at iteration 0', () => {
    const W0 = new Float64Array(10 * 401);
    // 10000 test rows give -69314.71805599453 in the reference: n K log(1/2).
    expect(sle(test.X, test.Y, W0)).toBeCloseTo(128 * 10 * Math.log(0.5), 9);
    expect(-69314.71805599453 / (10000 * 10)).toBeCloseTo(Math.log(0.5), 12);
    // RawNAG records -mean(Y log softmax) = ln(10)/10 = 0.2302585... at iteration 0.
    expect(meanCrossEntropy(test.X, test.Y, W0)).toBeCloseTo(0.23025850929940458, 14);
  });

  it('SLE is computed literally: -Infinity when sigma saturates on the wrong side', () => {
    const X = matrix(1, 1, Float64Array.from([1]));
    expect(sle(X, matrix(1, 2, Float64Array.from([1, 0])), Float64Array.from([0, 40]))).toBe(-Infinity);
  });
});

describe('the paper\'s Python methods (exact sigmoid, W0 = 0)', () => {
  it('RawNAG and SigmoidNAG predict the same after one iteration from 0 (both 0.5669 on full MNIST)', () => {
    // (Y - c)^T X differs between the two only by a class-independent term.
    const opts = { sigmoid: 'exact', iterations: 1 } as const;
    const raw = trainPlain(train.X, train.Y, { ...opts, method: 'RawNAG' });
    const sig = trainPlain(train.X, train.Y, { ...opts, method: 'SigmoidNAG' });
    expect(Array.from(predict(test.X, raw.W))).toEqual(Array.from(predict(test.X, sig.W)));
  });

  it('show the shape of the reference curves: SigmoidNAG diverges to -inf SLE, SigmoidNAGQG does not', () => {
    // docs/reference/*LOSS_training_MNIST.csv: SigmoidNAG -207626 (it 1) > SigmoidNAGQG -412039, then SigmoidNAG
    // -9.4e6 (it 2) and -inf from it 3 with its accuracy frozen; SigmoidNAGQG stays finite and improves;
    // RawNAG's loss jumps above its initial ln(10)/10 at it 2. The same happens on the 128 bundled rows.
    const run = (method: 'RawNAG' | 'SigmoidNAG' | 'SigmoidNAGQG'): PlainStep[] => {
      const steps: PlainStep[] = [];
      trainPlain(train.X, train.Y, { method, sigmoid: 'exact', iterations: 5, onIteration: (s) => steps.push(s) });
      return steps;
    };
    const sig = run('SigmoidNAG');
    const qg = run('SigmoidNAGQG');
    const raw = run('RawNAG');
    const L = (s: PlainStep): number => sle(train.X, train.Y, s.W);
    expect(L(sig[0])).toBeGreaterThan(L(qg[0]));
    expect(L(sig[1])).toBeLessThan(L(qg[1]));
    expect(L(sig[2])).toBe(-Infinity);
    const sigAcc = sig.map((s) => accuracy(test.X, test.labels, s.W));
    expect(new Set(sigAcc).size).toBe(1);
    for (let i = 1; i < 5; i++) {
      expect(Number.isFinite(L(qg[i]))).toBe(true);
      expect(L(qg[i])).toBeGreaterThan(L(qg[i - 1]));
    }
    expect(meanCrossEntropy(train.X, train.Y, raw[1].W)).toBeGreaterThan(Math.log(10) / 10);
  });

  it('clip defaults to true with the exact sigmoid and false with poly3', () => {
    expect(new PlainTrainerState(train.X, train.Y, { method: 'SigmoidNAG', sigmoid: 'exact' }).clip).toBe(true);
    expect(new PlainTrainerState(train.X, train.Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3' }).clip).toBe(false);
  });
});

describe('argument checks', () => {
  it('rejects mismatched or malformed inputs with a RangeError naming the function', () => {
    const X = matrix(2, 3);
    expect(() => new PlainTrainerState(X, matrix(3, 10), MIRROR)).toThrow(/PlainTrainerState: Y must have 2 rows/);
    expect(() => trainPlain(X, matrix(2, 10), { ...MIRROR, iterations: -1 })).toThrow(RangeError);
    expect(() => trainPlain(X, matrix(2, 10), { ...MIRROR, iterations: 1.5 })).toThrow(/iterations/);
    expect(() => new PlainTrainerState(X, matrix(2, 10), { ...MIRROR, gammaN: 0 })).toThrow(/gammaN/);
    expect(() => new PlainTrainerState(X, matrix(2, 10), { ...MIRROR, bbar: new Float64Array(2) })).toThrow(/bbar/);
    expect(() => accuracy(X, new Int32Array(3), new Float64Array(30))).toThrow(/labels must have length 2/);
    expect(() => sle(X, matrix(2, 10), new Float64Array(31))).toThrow(/W must be/);
    expect(() => matrix(2, 2, new Float64Array(3))).toThrow(RangeError);
    expect(() => computeBbar({ rows: 2, cols: 2, data: new Float64Array(3) })).toThrow(/computeBbar/);
  });
});
