/**
 * Test setup: fast-check properties run from a fixed seed so that CI is
 * deterministic (a failing case is then reproducible run after run). Set
 * FC_SEED to explore other inputs locally.
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261121) });
