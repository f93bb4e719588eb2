/**
 * The encrypted trainer's error (src/mlr), in the library's error family.
 *
 * @module
 */

import { HecnnError } from '../core/errors.js';

/** Error of the encrypted trainer (bad shapes, levels, or data; code TRAINER_STATE). */
export class TrainerError extends HecnnError {
  /**
   * @param op the operation that refused its input
   * @param detail what was expected and what came
   */
  constructor(op: string, detail: string) {
    super('TRAINER_STATE', op, detail);
    this.name = 'TrainerError';
  }
}
