/**
 * Matrix layouts: where every entry of a real matrix lives in the slots of
 * one or more CKKS ciphertexts (the data layout of Chiang's Volley Revolver,
 * "Privacy-Preserving CNN Training with Transfer Learning", 2023, section 3,
 * generalised: row-major, rows padded to a power of two, as many rows per
 * ciphertext as fit, columns optionally split into parts, tall matrices
 * spread over a team of ciphertexts).
 *
 * A layout with part width w over S slots holds R = S / w rows per
 * ciphertext. Entry (r, c) lives in part p = floor(c / w), team member
 * t = floor(r / R), slot (r mod R) * w + (c mod w). Ciphertext index
 * p * teams + t. Unused slots are zero.
 *
 * Other code never computes slot indices by hand: it asks the layout.
 *
 * @module
 */

import { HecnnError } from '../core/errors.js';

/** Typed error of the encoding layer (code INVALID_LAYOUT): names the shapes and the limit. */
export class LayoutError extends HecnnError {
  /**
   * @param op the operation that refused its input
   * @param detail the shapes and the limit
   */
  constructor(op: string, detail: string) {
    super('INVALID_LAYOUT', op, detail);
    this.name = 'LayoutError';
  }
}

function isPow2(x: number): boolean {
  return Number.isInteger(x) && x >= 1 && (x & (x - 1)) === 0;
}

/** Smallest power of two >= x (x >= 1). */
export function nextPow2(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

/** Where one entry lives. */
export interface SlotPosition {
  /** Index of the ciphertext in the layout's list (part * teams + team). */
  ct: number;
  /** Slot index inside that ciphertext. */
  slot: number;
}

/**
 * Row-major layout of a rows x cols real matrix over ciphertexts of `slots` slots.
 */
export class MatrixLayout {
  readonly rows: number;
  readonly cols: number;
  readonly slots: number;
  /** Width of one row segment (a power of two): the columns of one part. */
  readonly width: number;
  /** Number of column parts: ceil(cols / width). */
  readonly parts: number;
  /** Rows per ciphertext: slots / width. */
  readonly rowsPerCt: number;
  /** Ciphertexts per part (a team when rows > rowsPerCt). */
  readonly teams: number;

  /**
   * @param rows number of rows (>= 1)
   * @param cols number of columns (>= 1)
   * @param slots slots per ciphertext (a power of two)
   * @param width part width (a power of two, default nextPow2(cols), at most slots)
   * @throws LayoutError on shapes that do not fit
   */
  constructor(rows: number, cols: number, slots: number, width = Math.min(nextPow2(cols), slots)) {
    const op = 'MatrixLayout';
    if (!Number.isInteger(rows) || rows < 1) throw new LayoutError(op, `rows must be a positive integer, got ${rows}`);
    if (!Number.isInteger(cols) || cols < 1) throw new LayoutError(op, `cols must be a positive integer, got ${cols}`);
    if (!isPow2(slots)) throw new LayoutError(op, `slots must be a power of two, got ${slots}`);
    if (!isPow2(width) || width > slots) {
      throw new LayoutError(op, `the part width must be a power of two at most the ${slots} slots, got ${width}`);
    }
    this.rows = rows;
    this.cols = cols;
    this.slots = slots;
    this.width = width;
    this.parts = Math.ceil(cols / width);
    this.rowsPerCt = slots / width;
    this.teams = Math.ceil(rows / this.rowsPerCt);
  }

  /** Number of ciphertexts: parts * teams. */
  get ciphertexts(): number {
    return this.parts * this.teams;
  }

  /**
   * Where entry (r, c) lives.
   * @throws LayoutError if (r, c) is outside the matrix
   */
  locate(r: number, c: number): SlotPosition {
    if (!(Number.isInteger(r) && r >= 0 && r < this.rows && Number.isInteger(c) && c >= 0 && c < this.cols)) {
      throw new LayoutError('MatrixLayout.locate', `(${r}, ${c}) is outside a ${this.rows} x ${this.cols} matrix`);
    }
    const p = Math.floor(c / this.width);
    const t = Math.floor(r / this.rowsPerCt);
    return { ct: p * this.teams + t, slot: (r % this.rowsPerCt) * this.width + (c % this.width) };
  }

  /** Index of the ciphertext holding part p of team member t. */
  index(part: number, team: number): number {
    return part * this.teams + team;
  }

  /**
   * Slot vectors of a matrix in this layout.
   * @param m the matrix, row-major, rows * cols entries
   * @returns one Float64Array of `slots` values per ciphertext
   * @throws LayoutError on a matrix of the wrong size or with non-finite entries
   */
  pack(m: ArrayLike<number>): Float64Array[] {
    if (m.length !== this.rows * this.cols) {
      throw new LayoutError('MatrixLayout.pack', `expected ${this.rows} x ${this.cols} = ${this.rows * this.cols} entries, got ${m.length}`);
    }
    const out = Array.from({ length: this.ciphertexts }, () => new Float64Array(this.slots));
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const v = m[r * this.cols + c];
        if (!Number.isFinite(v)) throw new LayoutError('MatrixLayout.pack', `entry (${r}, ${c}) is not finite: ${v}`);
        const { ct, slot } = this.locate(r, c);
        out[ct][slot] = v;
      }
    }
    return out;
  }

  /**
   * The matrix from slot vectors in this layout (inverse of {@link pack}).
   * @param vs one vector of at least `slots` values per ciphertext
   * @returns rows * cols entries, row-major
   * @throws LayoutError on a wrong number of vectors
   */
  unpack(vs: readonly ArrayLike<number>[]): Float64Array {
    if (vs.length !== this.ciphertexts) {
      throw new LayoutError('MatrixLayout.unpack', `expected ${this.ciphertexts} vectors, got ${vs.length}`);
    }
    const m = new Float64Array(this.rows * this.cols);
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const { ct, slot } = this.locate(r, c);
        m[r * this.cols + c] = vs[ct][slot];
      }
    }
    return m;
  }

  /**
   * The layout of the transpose: a cols x rows matrix over the same slots
   * (the "one matrix transposed before encryption" of Volley Revolver).
   * @param width part width of the transposed rows (default nextPow2(rows))
   */
  transposed(width = Math.min(nextPow2(this.rows), this.slots)): MatrixLayout {
    return new MatrixLayout(this.cols, this.rows, this.slots, width);
  }

  /**
   * Slot vectors of M^T in this layout, for M given row-major as `this.cols` x `this.rows`
   * (i.e. this layout must be the transposed layout of M's).
   * @param m the matrix M, row-major, cols x rows of this layout swapped
   * @throws LayoutError on a matrix of the wrong size
   */
  packTransposeOf(m: ArrayLike<number>): Float64Array[] {
    if (m.length !== this.rows * this.cols) {
      throw new LayoutError('MatrixLayout.packTransposeOf', `expected ${this.cols} x ${this.rows} = ${this.rows * this.cols} entries, got ${m.length}`);
    }
    const t = new Float64Array(m.length);
    for (let r = 0; r < this.cols; r++) for (let c = 0; c < this.rows; c++) t[c * this.cols + r] = m[r * this.rows + c];
    return this.pack(t);
  }

  /** Whether another layout has the same geometry. */
  sameAs(o: MatrixLayout): boolean {
    return o.rows === this.rows && o.cols === this.cols && o.slots === this.slots && o.width === this.width;
  }

  /** Readable description, for error messages. */
  toString(): string {
    return `${this.rows} x ${this.cols} in ${this.parts} part(s) of width ${this.width}, ${this.teams} ciphertext(s) per part, ${this.rowsPerCt} rows each`;
  }
}

/**
 * A vector tiled in every row of a layout's part: slot (r, j) = v[j] for
 * every row r < slots / width and j < min(width, v.length).
 * @param v the vector (at most `width` values)
 * @param width the row width (power of two)
 * @param slots slots per ciphertext
 * @returns `slots` values
 * @throws LayoutError on a vector wider than the rows
 */
export function tileRow(v: ArrayLike<number>, width: number, slots: number): Float64Array {
  if (!isPow2(slots) || !isPow2(width) || width > slots) {
    throw new LayoutError('tileRow', `width and slots must be powers of two with width <= slots, got width ${width} and ${slots} slots`);
  }
  if (v.length > width) throw new LayoutError('tileRow', `a vector of ${v.length} values does not fit rows of width ${width}`);
  const out = new Float64Array(slots);
  for (let r = 0; r < slots / width; r++) for (let j = 0; j < v.length; j++) out[r * width + j] = v[j];
  return out;
}

/**
 * Mask with ones at column `col` of every row (rows of width `width`) among the
 * first `rows` rows, zeros elsewhere.
 */
export function columnMask(width: number, slots: number, col = 0, rows = slots / width, value = 1): Float64Array {
  if (!isPow2(slots) || !isPow2(width) || width > slots || !(col >= 0 && col < width) || !(rows >= 0 && rows <= slots / width)) {
    throw new LayoutError('columnMask', `need powers of two width <= slots, 0 <= col < width, 0 <= rows <= slots / width; got width ${width}, ${slots} slots, col ${col}, rows ${rows}`);
  }
  const out = new Float64Array(slots);
  for (let r = 0; r < rows; r++) out[r * width + col] = value;
  return out;
}
