/**
 * `hecnn encrypt` (data owner): rows of a CSV file encrypted into an upload
 * file under the owner's secret key.
 *
 * @module
 */

import { buildDesign, checkFeatureRange, encodeUpload, selectRows } from '../mlr/index.js';
import { UsageError, parseOptions, parseRange, requireValue } from './args.js';
import { loadOptions, loadOwner, wipeOwner } from './bundles.js';
import { ENCRYPT_HELP, showHelp } from './help.js';
import { bundledData, mb, readData, say, writeAtomic } from './io.js';
import { checkOutputs } from './outputs.js';

/** The options of `hecnn encrypt`. */
export const ENCRYPT_OPTIONS = {
  'secret-key': { type: 'string' },
  out: { type: 'string' },
  data: { type: 'string' },
  'train-rows': { type: 'string' },
  pixels: { type: 'boolean' },
  'allow-insecure': { type: 'boolean' },
  force: { type: 'boolean' },
} as const;

/** The usage line of `hecnn encrypt`. */
export const ENCRYPT_USAGE = 'hecnn encrypt --secret-key FILE --out FILE [--data CSV] [--train-rows A:B] [--pixels] [--force] [--allow-insecure]';

/**
 * Run `hecnn encrypt`: encrypts X, X~, Y and W0 of the training rows (default:
 * rows 1-128 of the bundled data) and writes the upload (an existing file at
 * --out is replaced only with --force).
 * @param argv the arguments after `encrypt`
 * @returns the exit code (0)
 * @throws UsageError on bad arguments, unreadable files or an --out that cannot or may not be written; DataError on unusable data; BundleError on an invalid secret-key file
 */
export function runEncrypt(argv: readonly string[]): number {
  const v = parseOptions(argv, ENCRYPT_OPTIONS, ENCRYPT_USAGE);
  if (v === 'help') return showHelp(ENCRYPT_HELP);
  const out = requireValue('--out', v.out);
  const data = v.data ?? bundledData();
  // The upload is the owner's to keep: an existing file (another upload, a key) is replaced only with --force.
  checkOutputs([{ flag: '--out', path: out, kind: 'keep' }], { force: v.force === true, inputs: [v['secret-key'], data] });
  const rows = parseRange('--train-rows', v['train-rows'] ?? '1:128');
  const all = readData(data, v.pixels === true);
  if (rows[1] > all.n) throw new UsageError(`--train-rows ${rows[0]}:${rows[1]}: ${data} has ${all.n} rows`);
  const tr = buildDesign(selectRows(all, rows[0] - 1, rows[1]));
  // Before the secret key is loaded: rows whose first scores leave the sigmoid's interval are refused.
  checkFeatureRange(tr.X, { source: data, firstLine: rows[0] });
  const key = loadOwner(v['secret-key'], loadOptions(v['allow-insecure']));
  const { owner, params, keyId, width, signingKey } = key;
  try {
    const upload = owner.encryptDataset(tr.X, tr.Y, { width });
    // Signed with the owner's key: the server checks it against the public key in eval.keys.
    const { bytes, fullBytes } = encodeUpload(params, upload, keyId, { signingKey });
    writeAtomic(out, bytes);
    const count = upload.X.length + upload.Xt.length + upload.Y.length + 1;
    say(`hecnn encrypt: ${tr.X.rows} samples x ${tr.X.cols - 1} features (+ bias), ${tr.Y.cols} classes, ${count} ciphertexts`);
    say(`upload ${out}: ${mb(bytes.length)} (seeded; ${mb(fullBytes)} with every ciphertext in full)`);
    return 0;
  } finally {
    wipeOwner(key);
  }
}
