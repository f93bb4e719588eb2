/**
 * The help text of the owner and server commands, and the constants the help
 * texts name (the default preset, the exit code of a due refresh).
 *
 * @module
 */

/** The parameter preset of `hecnn train` and `hecnn keygen` when none is given. */
export const DEFAULT_PRESET = 'PN16QP690_TRAIN_SEC128';

/** Exit code of `hecnn train --keys ...` when the levels ran out and the owner must run `hecnn refresh`. */
export const EXIT_NEEDS_REFRESH = 3;

/** `hecnn keygen --help`. */
export const KEYGEN_HELP = `usage: hecnn keygen --out DIR [--preset NAME | --params JSON] [--width W] [--force] [--allow-insecure]

(data owner) Writes DIR/secret.key (the secret key in clear, mode 0600: keep it)
and DIR/eval.keys (relinearization, the Galois keys of the training plan and
conjugation; no secret) for the server. The rotations depend only on the slot
count and the part width W (default min(256, slots)), not on the data, so the
keys come before the data is read.

options:
  --out DIR            folder for secret.key and eval.keys (made if missing)
  --preset NAME        a preset that can train (default ${DEFAULT_PRESET}; see hecnn train --help)
  --params JSON        a parameters literal instead, e.g.
                       '{"logN":12,"logQ":[30,30,30,30,30,30,30,30],"logP":[30,30],"logDefaultScale":30}'
                       (at least 7 ciphertext primes: training needs 6 levels)
  --width W            part width of the layout, a power of two (default min(256, slots))
  --force              replace a key set already in DIR (uploads made with the old
                       key can then no longer be decrypted); both files or neither
  --allow-insecure     accept parameters above the security bound (tests only)
  -h, --help           this text`;

/** `hecnn encrypt --help`. */
export const ENCRYPT_HELP = `usage: hecnn encrypt --secret-key FILE --out FILE [--data CSV] [--train-rows A:B] [--pixels] [--force] [--allow-insecure]

(data owner) Encrypts the training rows (X, X~, Y and the initial weights) into
an upload for the server; prints its size.

options:
  --secret-key FILE    the owner's key file (hecnn keygen)
  --out FILE           the upload to write
  --data CSV           label, then features, one sample per row (.csv or .csv.gz;
                       default: the bundled REGNET_X_400MF features of 256 MNIST images)
  --train-rows A:B     1-based inclusive rows (default 1:128)
  --pixels             the file is raw MNIST pixels (label then 784 values)
  --force              replace an existing file at --out
  --allow-insecure     accept a key made with test parameters
  -h, --help           this text`;

/** `hecnn train --keys ... --help` (the server). */
export const SERVER_HELP = `usage: hecnn train --keys FILE --upload FILE --checkpoint FILE [--iterations N] [--threads N] [--resume | --force] [--allow-insecure]

(server) Runs training iterations with the evaluation keys only (a secret-key
file is refused) and writes the checkpoint atomically after every iteration.
Exit 0: all N iterations done; exit ${EXIT_NEEDS_REFRESH}: the levels ran out and the
checkpoint is marked "needs refresh": the owner runs hecnn refresh, then run
this again with --resume. Without --keys, hecnn train runs owner and server in
one process (hecnn train --help).

options:
  --keys FILE          eval.keys from hecnn keygen
  --upload FILE        the owner's upload (hecnn encrypt)
  --checkpoint FILE    the model file to write (and read with --resume)
  --iterations N       iterations (default 50); fixes the NAG schedule, a resumed
                       run keeps the checkpoint's
  --threads N          worker threads for the pairs of classes (default: cores, at most 5)
  --resume             continue from the checkpoint
  --force              start over, replacing an existing checkpoint
  --allow-insecure     accept files made with test parameters
  -h, --help           this text`;

/** `hecnn refresh --help`. */
export const REFRESH_HELP = `usage: hecnn refresh --secret-key FILE --checkpoint FILE [--allow-insecure]

(data owner) Decrypts the checkpoint's weights and encrypts them again at the
top level, so that the server can go on (hecnn train --keys ... --resume).

options:
  --secret-key FILE    the owner's key file
  --checkpoint FILE    the checkpoint the server marked "needs refresh" (rewritten)
  --allow-insecure     accept files made with test parameters
  -h, --help           this text`;

/** `hecnn decrypt --help`. */
export const DECRYPT_HELP = `usage: hecnn decrypt --secret-key FILE --checkpoint FILE [--out weights.csv|.json]
                     [--data CSV (--test-rows C:D | --train-rows A:B) | --test CSV] [--json FILE] [--pixels]
                     [--share | --share-bits B] [--force] [--allow-insecure]

(data owner) Decrypts the weights of a checkpoint (K rows of d values, bias
first) and reports the accuracy on the given rows.

options:
  --secret-key FILE    the owner's key file
  --checkpoint FILE    the server's checkpoint
  --out FILE           the weights, as CSV (or JSON for a .json name)
  --data CSV           test data, with --test-rows C:D (1-based, inclusive)
  --test CSV           a separate test file (all its rows)
  --json FILE          a report with the accuracy and the predictions
  --pixels             the test file is raw MNIST pixels
  --share              for weights that leave the owner: round them to multiples of
                       2^-16 (drops the low-order bits that carry the decryption
                       error; a heuristic, see the README's Security section)
  --share-bits B       the same with 2^-B (B in 1..52)
  --force              let --out / --json replace a key, upload or checkpoint file
                       or an input
  --allow-insecure     accept files made with test parameters
  -h, --help           this text`;

/** The help of the owner and server commands, in one text. */
export const ROLES_HELP = [KEYGEN_HELP, ENCRYPT_HELP, SERVER_HELP, REFRESH_HELP, DECRYPT_HELP].join('\n\n');

/**
 * `hecnn --help`: the commands, one line each.
 * @param version the package version
 * @returns the text
 * @throws never
 */
export function mainHelp(version: string): string {
  return `hecnn ${version}: encrypted training of the last layer of a CNN (RNS-CKKS, @hecnn/ckks)

usage: hecnn <command> [options]      hecnn <command> --help for a command's options

commands:
  train                 encrypted training on CSV data, owner and server in one process
                        (default: the bundled MNIST features, the paper's setting)
  train --keys ...      (server) training iterations on an upload, with checkpoints
  keygen                (owner) a secret-key file and the evaluation keys for the server
  encrypt               (owner) encrypt training rows of a CSV file into an upload
  refresh               (owner) re-encrypt a checkpoint's weights when the levels ran out
  decrypt               (owner) the weights of a checkpoint and their test accuracy
  serve --owner         the data owner's page in a browser (keys, encryption, decryption)

options:
  -h, --help            this text
  -V, --version         the version

Exit codes: 0 done, 2 bad input (one line on stderr), ${EXIT_NEEDS_REFRESH} a refresh is due
(train --keys). Try: hecnn train --iterations 10`;
}

/**
 * Print a help text on stdout.
 * @param text the help text
 * @returns the exit code of a help request (0)
 * @throws never
 */
export function showHelp(text: string): number {
  console.log(text);
  return 0;
}
