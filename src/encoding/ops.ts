/**
 * Matrix operations on ciphertexts in a {@link MatrixLayout}: the two products
 * of one training iteration of Chiang's encrypted logistic regression,
 *   Z = A B^T  (A encrypted row-major, B given row by row, tiled), and
 *   G = E^T X  (E one value per row at column 0, X row-major),
 * and the rotate-and-add primitives they are built from. Every operation has
 * its cost known in advance ({@link MatrixOps.costABt}, {@link MatrixOps.costAtB})
 * and declares the rotation steps it uses ({@link rotationStepsFor}), so the
 * key generator makes exactly those Galois keys.
 *
 * Where the reference circuit (docs/ALGORITHM.md) revolves 64 weight rows,
 * reduces rows with 64 rotations and multiplies by encrypted masks, this
 * layer (docs/CIRCUIT.md):
 *  - multiplies by B's rows tiled over all rows, so each dot product is a
 *    log2(width) rotate-and-add within the rows;
 *  - packs two rows of B (two classes) into one ciphertext, B_j + i B_j', so one
 *    rotate-and-add serves both (real A: A (.) (b + i b') = A b + i A b');
 *  - sums over rows with log2(rows per ciphertext) rotate-and-adds over the
 *    whole ciphertext, which leaves the result tiled in every row, the form
 *    the next product needs;
 *  - rescales lazily: the rotate-and-add sums run on the product while its
 *    scale is still about Delta^2, where the noise of the key switchings is
 *    negligible, and the result is rescaled once at the end (the rotations
 *    then run one level higher, a few percent more work);
 *  - separates paired results with one conjugation: Re T = (T + conj T)/2,
 *    Im T = -i (T - conj T)/2, with the 1/2 taken into the scale (exact, no level).
 *
 * @module
 */

import { Ciphertext, type Evaluator, Plaintext } from '../ckks/index.js';
import { LayoutError, type MatrixLayout } from './layout.js';

/** Cost of an operation, counted as the evaluator counts it. */
export interface OpCost {
  /** Rotations and conjugations (key switchings other than relinearization). */
  rotations: number;
  /** Ciphertext-ciphertext multiplications. */
  ctMultiplications: number;
  /** Plaintext multiplications. */
  ptMultiplications: number;
  /** Relinearizations. */
  relinearizations: number;
  /** Rescalings. */
  rescales: number;
  /** Levels consumed on the longest path. */
  levels: number;
}

/** A zero cost. */
export function zeroCost(): OpCost {
  return { rotations: 0, ctMultiplications: 0, ptMultiplications: 0, relinearizations: 0, rescales: 0, levels: 0 };
}

/** Sum of costs; levels add up (sequential composition). */
export function addCosts(...cs: OpCost[]): OpCost {
  const out = zeroCost();
  for (const c of cs) {
    out.rotations += c.rotations;
    out.ctMultiplications += c.ctMultiplications;
    out.ptMultiplications += c.ptMultiplications;
    out.relinearizations += c.relinearizations;
    out.rescales += c.rescales;
    out.levels += c.levels;
  }
  return out;
}

function log2int(x: number): number {
  return Math.round(Math.log2(x));
}

/** Rotation steps used by {@link MatrixOps.sumWithinRows} on rows of `width`. */
export function stepsSumWithinRows(width: number): number[] {
  const s: number[] = [];
  for (let t = 1; t < width; t *= 2) s.push(t);
  return s;
}

/**
 * The ciphertexts of column part p of a matrix, one per team member.
 * @param layout the matrix's layout
 * @param X its ciphertexts (or plaintexts), in layout order
 * @param p the part
 * @returns X[layout.index(p, t)] for t = 0..teams-1
 */
export function partOf<T>(layout: MatrixLayout, X: readonly T[], p: number): T[] {
  return Array.from({ length: layout.teams }, (_, t) => X[layout.index(p, t)]);
}

/** Rotation steps used by {@link MatrixOps.replicateColumn0} on rows of `width`. */
export function stepsReplicateColumn0(width: number): number[] {
  return stepsSumWithinRows(width).map((t) => -t);
}

/** Rotation steps used by {@link MatrixOps.sumOverRows} for rows of `width` in `slots`. */
export function stepsSumOverRows(width: number, slots: number): number[] {
  const s: number[] = [];
  for (let t = width; t < slots; t *= 2) s.push(t);
  return s;
}

/**
 * Every rotation step (and whether conjugation is needed) that the two
 * products use on a layout: generate exactly these Galois keys.
 * @param layout the layout of A / X
 * @returns steps (distinct, sorted) and the conjugation flag (for paired rows)
 */
export function rotationStepsFor(layout: MatrixLayout): { steps: number[]; conjugate: boolean } {
  const set = new Set<number>([
    ...stepsSumWithinRows(layout.width),
    ...stepsReplicateColumn0(layout.width),
    ...stepsSumOverRows(layout.width, layout.slots),
  ]);
  return { steps: [...set].sort((a, b) => a - b), conjugate: true };
}

/** A row of B, tiled, one ciphertext (or plaintext) per column part. */
export type TiledRow = readonly (Ciphertext | Plaintext)[];

/**
 * Matrix operations over an {@link Evaluator}. Counters: the evaluator's.
 */
export class MatrixOps {
  readonly ev: Evaluator;

  /** @param ev an evaluator holding the Galois keys of {@link rotationStepsFor} and a relinearization key */
  constructor(ev: Evaluator) {
    this.ev = ev;
  }

  /**
   * Rotate-and-add within rows of `width`: slot (r, 0) receives the sum of row r.
   * Other slots hold partial sums (garbage). log2(width) rotations, no level, as one
   * rotate-and-add chain (Evaluator.rotateAddChain: one ModDown of c_0 for the chain).
   * @param ct the ciphertext (not modified)
   * @param width row width (power of two)
   * @returns a new ciphertext
   */
  sumWithinRows(ct: Ciphertext, width: number): Ciphertext {
    return this.ev.rotateAddChainNew(ct, stepsSumWithinRows(width));
  }

  /**
   * Spread column 0 over each row of `width`: requires every other slot to be
   * zero; slot (r, j) receives the value at (r, 0) for all j < width.
   * log2(width) rotations, no level.
   * @param ct the ciphertext (not modified)
   * @param width row width (power of two)
   */
  replicateColumn0(ct: Ciphertext, width: number): Ciphertext {
    return this.ev.rotateAddChainNew(ct, stepsReplicateColumn0(width));
  }

  /**
   * Sum over all rows of a ciphertext (rows of `width` filling all `slots`): the
   * sum lands in every row (the rotations are cyclic over the whole ciphertext).
   * log2(slots / width) rotations, no level.
   */
  sumOverRows(ct: Ciphertext, width: number, slots: number): Ciphertext {
    if (ct.slots !== slots) {
      throw new LayoutError('MatrixOps.sumOverRows', `the ciphertext encodes ${ct.slots} slots, the rows fill ${slots}`);
    }
    return this.ev.rotateAddChainNew(ct, stepsSumOverRows(width, slots));
  }

  /**
   * a + i b (two real vectors in one complex one): exact, no level.
   * @throws as Evaluator.add on mismatched levels or scales
   */
  pack(a: Ciphertext, b: Ciphertext): Ciphertext {
    return this.ev.addNew(a, this.ev.mulByINew(b));
  }

  /**
   * Real and imaginary parts of a packed ciphertext: one conjugation, no level.
   * Re T = (T + conj T)/2 and Im T = -i (T - conj T)/2, the 1/2 taken into the
   * scale (the result's scale is twice the input's).
   */
  split(t: Ciphertext): [Ciphertext, Ciphertext] {
    const ev = this.ev;
    const c = ev.conjugateNew(t);
    const re = ev.addNew(t, c);
    const d = ev.subNew(t, c);
    const im = ev.mulMonomialNew(d, (3 * ev.params.N) / 2); // times -i
    re.scale *= 2;
    im.scale *= 2;
    return [re, im];
  }

  /**
   * Z = A B^T for B given row by row (each row tiled, per column part):
   * for each B row j, slot (r, 0) of result[j][team] holds sum_c A[r, c] B[j, c].
   * With `pairs`, rows are packed two at a time (B_j + i B_j'), so each result
   * holds row j in the real part and j' in the imaginary part.
   *
   * @param layout A's layout
   * @param A A's ciphertexts (or plaintexts, when B's rows are encrypted), in layout order
   * @param B tiled rows of B (for pairs: already packed, see {@link pack}); each has `layout.parts` entries
   * @returns result[j][team], one ciphertext per B row (or pair) per team member, one level lower
   * @throws LayoutError on mismatched counts
   */
  productABt(layout: MatrixLayout, A: readonly (Ciphertext | Plaintext)[], B: readonly TiledRow[]): Ciphertext[][] {
    this.checkTeam('MatrixOps.productABt', layout, A);
    this.checkSlots('MatrixOps.productABt', layout, 'A', A);
    const ev = this.ev;
    return B.map((row, j) => {
      if (row.length !== layout.parts) {
        throw new LayoutError('MatrixOps.productABt', `B row ${j} has ${row.length} part(s), A's layout has ${layout.parts}`);
      }
      this.checkSlots('MatrixOps.productABt', layout, `B row ${j} part`, row);
      const out: Ciphertext[] = [];
      for (let t = 0; t < layout.teams; t++) {
        let acc: Ciphertext | undefined;
        for (let p = 0; p < layout.parts; p++) {
          const term = this.mulAny(A[layout.index(p, t)], row[p]);
          acc = acc === undefined ? term : ev.addNew(acc, term);
        }
        // Lazy rescaling: sum while the product is still at scale ~Delta^2, so the noise of the
        // log2(width) key switchings is negligible against it; the rescale rounds once, at the end.
        const lin = ev.relinearizeNew(acc as Ciphertext);
        out.push(ev.rescaleNew(this.sumWithinRows(lin, layout.width)));
      }
      return out;
    });
  }

  /** The cost of {@link productABt} with `rowsOfB` tiled rows (or pairs) of B, ciphertext operands. */
  static costABt(layout: MatrixLayout, rowsOfB: number): OpCost {
    const units = rowsOfB * layout.teams;
    return {
      rotations: units * log2int(layout.width),
      ctMultiplications: units * layout.parts,
      ptMultiplications: 0,
      relinearizations: units,
      rescales: units,
      levels: 1,
    };
  }

  /**
   * G = E^T X for one column of E (or a packed pair of columns): E holds e_r at
   * slot (r, 0) of each row and ZEROS elsewhere (mask it first), one ciphertext
   * per team member. Returns, per column part p of X, a ciphertext with
   * sum_r e_r X[r, c] tiled in every row (complex: pair packed, see {@link split}).
   *
   * @param layout X's layout
   * @param E per team member, the column of E at column 0 of each row
   * @param X X's ciphertexts (or plaintexts), in layout order
   * @returns one ciphertext per column part, one level lower
   */
  productAtB(layout: MatrixLayout, E: readonly Ciphertext[], X: readonly (Ciphertext | Plaintext)[]): Ciphertext[] {
    if (X.length !== layout.ciphertexts) {
      throw new LayoutError('MatrixOps.productAtB', `X has ${X.length} ciphertext(s), its layout (${layout}) has ${layout.ciphertexts}`);
    }
    this.checkSlots('MatrixOps.productAtB', layout, 'X', X);
    const rows = this.replicatedColumns(layout, E);
    const out: Ciphertext[] = [];
    for (let p = 0; p < layout.parts; p++) out.push(this.productAtBPart(layout, rows, partOf(layout, X, p)));
    return out;
  }

  /**
   * The first half of {@link productAtB}, shared by its column parts: each team
   * member's column of E spread over its rows ({@link replicateColumn0}).
   * Splitting the product here lets the parts run on different threads
   * (the trainer's pair jobs), with the same result.
   * @param layout X's layout
   * @param E per team member, the column of E at column 0 of each row (zeros elsewhere)
   * @returns per team member, the column replicated (log2(width) rotations each, no level)
   * @throws LayoutError on a team count or slot count other than the layout's
   */
  replicatedColumns(layout: MatrixLayout, E: readonly Ciphertext[]): Ciphertext[] {
    if (E.length !== layout.teams) {
      throw new LayoutError('MatrixOps.productAtB', `E has ${E.length} ciphertext(s), X's layout has ${layout.teams} per part`);
    }
    this.checkSlots('MatrixOps.productAtB', layout, 'E', E);
    return E.map((e) => this.replicateColumn0(e, layout.width));
  }

  /**
   * The second half of {@link productAtB} for one column part p: sum over the
   * team of rows[t] (.) X[p, t], relinearized, summed over the rows, rescaled.
   * @param layout X's layout
   * @param rows {@link replicatedColumns} of E
   * @param Xp X's ciphertexts (or plaintexts) of part p, one per team member (X[layout.index(p, t)])
   * @returns the part's ciphertext, one level lower
   * @throws LayoutError on counts or slot counts other than the layout's
   */
  productAtBPart(layout: MatrixLayout, rows: readonly Ciphertext[], Xp: readonly (Ciphertext | Plaintext)[]): Ciphertext {
    if (rows.length !== layout.teams || Xp.length !== layout.teams) {
      throw new LayoutError('MatrixOps.productAtB', `a part takes ${layout.teams} row(s) of E and of X, got ${rows.length} and ${Xp.length}`);
    }
    this.checkSlots('MatrixOps.productAtB', layout, "the part's X", Xp);
    const ev = this.ev;
    let acc: Ciphertext | undefined;
    for (let t = 0; t < layout.teams; t++) {
      const term = this.mulAny(rows[t], Xp[t]);
      acc = acc === undefined ? term : ev.addNew(acc, term);
    }
    // Lazy rescaling, as in productABt: sum over rows before the rescale.
    const lin = ev.relinearizeNew(acc as Ciphertext);
    return ev.rescaleNew(this.sumOverRows(lin, layout.width, layout.slots));
  }

  /** The cost of {@link productAtB} for `columnsOfE` columns (or pairs) of E, ciphertext X. */
  static costAtB(layout: MatrixLayout, columnsOfE: number): OpCost {
    const perColumn = layout.teams * log2int(layout.width) + layout.parts * log2int(layout.rowsPerCt);
    return {
      rotations: columnsOfE * perColumn,
      ctMultiplications: columnsOfE * layout.parts * layout.teams,
      ptMultiplications: 0,
      relinearizations: columnsOfE * layout.parts,
      rescales: columnsOfE * layout.parts,
      levels: 1,
    };
  }

  /** The cost of {@link split}: one conjugation. */
  static costSplit(): OpCost {
    return { ...zeroCost(), rotations: 1 };
  }

  /** Product of two operands of which at least one is a ciphertext (either may be the plaintext). */
  private mulAny(a: Ciphertext | Plaintext, b: Ciphertext | Plaintext): Ciphertext {
    if (a instanceof Ciphertext && b instanceof Ciphertext) return this.ev.mulNew(a, b);
    if (a instanceof Ciphertext && b instanceof Plaintext) return this.ev.mulPlainNew(a, b);
    if (a instanceof Plaintext && b instanceof Ciphertext) return this.ev.mulPlainNew(b, a);
    throw new LayoutError('MatrixOps', 'operands must be Ciphertexts or Plaintexts, and at least one a Ciphertext');
  }

  /**
   * Shift every row down by k rows (cyclically over the rows of one ciphertext):
   * one rotation by -k * width, no level.
   * @param ct the ciphertext
   * @param k rows (negative: up)
   * @param width row width
   */
  shiftRows(ct: Ciphertext, k: number, width: number): Ciphertext {
    return this.ev.rotateNew(ct, -k * width);
  }

  /**
   * Shift every row's entries left by k columns, cyclically within each row of
   * `width` (a complete column shift): two rotations (by k and by k - width)
   * joined with two plaintext masks, one level.
   * @param ct the ciphertext
   * @param k columns, 0 <= k < width
   * @param width row width (power of two)
   */
  shiftColumns(ct: Ciphertext, k: number, width: number): Ciphertext {
    const ev = this.ev;
    if (!Number.isInteger(k) || k < 0 || k >= width) throw new LayoutError('MatrixOps.shiftColumns', `k must be an integer in [0, ${width}), got ${k}`);
    if (k === 0) return ev.addConstNew(ct, 0);
    const S = ct.slots;
    const lo = new Float64Array(S); // columns j < width - k take row entry j + k (from the rotation by k)
    const hi = new Float64Array(S); // columns j >= width - k take row entry j + k - width (rotation by k - width)
    for (let s = 0; s < S; s++) {
      if (s % width < width - k) lo[s] = 1;
      else hi[s] = 1;
    }
    const a = ev.mulConstVectorNew(ev.rotateNew(ct, k), lo);
    const b = ev.mulConstVectorNew(ev.rotateNew(ct, k - width), hi);
    return ev.rescaleNew(ev.addNew(a, b));
  }

  /**
   * Replicate row `row` of each ciphertext over all its rows: one plaintext mask
   * and a sum over rows (log2(slots / width) rotations), one level.
   */
  replicateRow(ct: Ciphertext, row: number, width: number): Ciphertext {
    const ev = this.ev;
    const S = ct.slots;
    if (!Number.isInteger(row) || row < 0 || row >= S / width) throw new LayoutError('MatrixOps.replicateRow', `row must be an integer in [0, ${S / width}), got ${row}`);
    const mask = new Float64Array(S);
    mask.fill(1, row * width, (row + 1) * width);
    return this.sumOverRows(ev.rescaleNew(ev.mulConstVectorNew(ct, mask)), width, S);
  }

  /** Costs of the shifts and of row replication. */
  static costShiftRows(): OpCost {
    return { ...zeroCost(), rotations: 1 };
  }

  static costShiftColumns(): OpCost {
    return { ...zeroCost(), rotations: 2, ptMultiplications: 2, rescales: 1, levels: 1 };
  }

  static costReplicateRow(width: number, slots: number): OpCost {
    return { ...zeroCost(), rotations: log2int(slots / width), ptMultiplications: 1, rescales: 1, levels: 1 };
  }

  /**
   * Every operand must encode the layout's slot count: the rotations are cyclic
   * over the ciphertext's slots, so with another count the sums over rows would
   * be partial (only the first row complete) and the results silently wrong.
   */
  private checkSlots(op: string, layout: MatrixLayout, what: string, xs: readonly (Ciphertext | Plaintext)[]): void {
    xs.forEach((x, i) => {
      if ((x instanceof Ciphertext || x instanceof Plaintext) && x.slots !== layout.slots) {
        throw new LayoutError(op, `${what} ${i} encodes ${x.slots} slots, the layout (${layout}) has ${layout.slots}`);
      }
    });
  }

  private checkTeam(op: string, layout: MatrixLayout, A: readonly (Ciphertext | Plaintext)[]): void {
    if (A.length !== layout.ciphertexts) {
      throw new LayoutError(op, `expected ${layout.ciphertexts} ciphertext(s) for ${layout}, got ${A.length}`);
    }
  }
}
