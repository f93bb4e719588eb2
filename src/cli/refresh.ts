/**
 * `hecnn refresh` (data owner): the weights of a checkpoint that awaits a
 * refresh, decrypted and encrypted again at the top level.
 *
 * @module
 */

import { decodeCheckpoint, encodeCheckpoint } from '../mlr/index.js';
import { UsageError, parseOptions, requireValue } from './args.js';
import { checkCheckpointKey, loadOptions, loadOwner, wipeOwner } from './bundles.js';
import { REFRESH_HELP, showHelp } from './help.js';
import { readBytes, say, writeAtomic } from './io.js';
import { checkOutputs } from './outputs.js';

/** The options of `hecnn refresh`. */
export const REFRESH_OPTIONS = {
  'secret-key': { type: 'string' },
  checkpoint: { type: 'string' },
  'allow-insecure': { type: 'boolean' },
} as const;

/** The usage line of `hecnn refresh`. */
export const REFRESH_USAGE = 'hecnn refresh --secret-key FILE --checkpoint FILE [--allow-insecure]';

/**
 * Run `hecnn refresh`: rewrites the checkpoint (atomically) with W and V at the
 * top level, one more refresh counted and the "needs refresh" mark cleared.
 * @param argv the arguments after `refresh`
 * @returns the exit code (0)
 * @throws UsageError on bad arguments, unreadable files, a checkpoint of another key or one that needs no refresh; BundleError on invalid files
 */
export function runRefresh(argv: readonly string[]): number {
  const v = parseOptions(argv, REFRESH_OPTIONS, REFRESH_USAGE);
  if (v === 'help') return showHelp(REFRESH_HELP);
  const cpFile = requireValue('--checkpoint', v.checkpoint);
  const opts = loadOptions(v['allow-insecure']);
  const { params: cParams, checkpoint } = decodeCheckpoint(readBytes(cpFile), opts);
  // The checkpoint is rewritten in place (the command's purpose): check, before the key is loaded,
  // that its directory takes it.
  checkOutputs([{ flag: '--checkpoint', path: cpFile, kind: 'report' }], { force: true });
  const key = loadOwner(v['secret-key'], opts);
  const { owner, params } = key;
  try {
    checkCheckpointKey(cpFile, cParams, checkpoint, key);
    if (!checkpoint.needsRefresh) throw new UsageError(`${cpFile} does not need a refresh (iteration ${checkpoint.iteration})`);
    const weights = owner.refresh(checkpoint.weights);
    // Signed by the owner: the server accepts W and V at the top level only from the owner.
    writeAtomic(cpFile, encodeCheckpoint(params, { ...checkpoint, weights, refreshes: checkpoint.refreshes + 1, needsRefresh: false }, { signingKey: key.signingKey }));
    say(`hecnn refresh: W and V re-encrypted at level ${params.maxLevel} (refresh ${checkpoint.refreshes + 1}); continue with hecnn train --resume`);
    return 0;
  } finally {
    wipeOwner(key);
  }
}
