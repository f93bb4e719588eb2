/**
 * The SVG chart of `hecnn train --plot`: test accuracy per iteration, the
 * encrypted trainer against its plaintext mirror.
 *
 * @module
 */

/** One iteration's point of the chart. */
export interface AccuracyPoint {
  /** Accuracy of the decrypted model, in [0, 1]. */
  accuracy: number;
  /** Accuracy of the plaintext mirror, or null without a mirror. */
  plainAccuracy: number | null;
}

/**
 * Draw accuracy per iteration (iteration i + 1 at index i), encrypted against
 * plaintext, as a standalone SVG document.
 * @param rows one point per iteration, in order
 * @returns the SVG text (640 x 400)
 * @throws never
 */
export function svgPlot(rows: readonly AccuracyPoint[]): string {
  const W = 640;
  const H = 400;
  const m = { l: 56, r: 16, t: 36, b: 44 };
  const n = rows.length;
  const x = (i: number): number => m.l + ((W - m.l - m.r) * i) / Math.max(1, n);
  const y = (a: number): number => H - m.b - (H - m.t - m.b) * a;
  const path = (vals: (number | null)[]): string =>
    vals
      .map((v, i) => (v === null ? '' : `${i === 0 ? 'M' : 'L'}${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`))
      .filter((s) => s !== '')
      .join(' ');
  const grid: string[] = [];
  for (let k = 0; k <= 10; k += 2) {
    const yy = y(k / 10);
    grid.push(`<line x1="${m.l}" y1="${yy}" x2="${W - m.r}" y2="${yy}" stroke="#ddd"/><text x="${m.l - 8}" y="${yy + 4}" text-anchor="end" font-size="11">${k * 10}%</text>`);
  }
  const ticks: string[] = [];
  const step = Math.max(1, Math.ceil(n / 10));
  for (let i = step; i <= n; i += step) ticks.push(`<text x="${x(i)}" y="${H - m.b + 16}" text-anchor="middle" font-size="11">${i}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">Test accuracy per iteration: encrypted vs plaintext mirror</text>
${grid.join('\n')}
${ticks.join('\n')}
<text x="${(W + m.l) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">iteration</text>
<path d="${path(rows.map((r) => r.plainAccuracy))}" fill="none" stroke="#999" stroke-width="4" stroke-dasharray="6 4"/>
<path d="${path(rows.map((r) => r.accuracy))}" fill="none" stroke="#c0392b" stroke-width="2"/>
<rect x="${W - m.r - 190}" y="${m.t + 8}" width="180" height="44" fill="white" stroke="#ccc"/>
<line x1="${W - m.r - 180}" y1="${m.t + 22}" x2="${W - m.r - 150}" y2="${m.t + 22}" stroke="#c0392b" stroke-width="2"/>
<text x="${W - m.r - 144}" y="${m.t + 26}" font-size="12">encrypted (CKKS)</text>
<line x1="${W - m.r - 180}" y1="${m.t + 40}" x2="${W - m.r - 150}" y2="${m.t + 40}" stroke="#999" stroke-width="4" stroke-dasharray="6 4"/>
<text x="${W - m.r - 144}" y="${m.t + 44}" font-size="12">plaintext mirror</text>
</svg>
`;
}
