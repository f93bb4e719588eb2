/**
 * Messages between the owner page (app.ts) and its worker (owner-worker.ts).
 * The secret key lives in the worker, inside the page; only the evaluation
 * keys, the upload and (password-protected) the key file leave it, as
 * downloads the user starts.
 */

/** A request from the page. */
export type Request =
  | { cmd: 'keygen'; preset: string; literal: string; allowInsecure: boolean; width: number }
  | { cmd: 'encrypt'; csv: string; trainRows: [number, number] }
  | { cmd: 'decrypt'; checkpoint: Uint8Array; csv: string; testRows: [number, number] }
  | { cmd: 'refresh'; checkpoint: Uint8Array }
  | { cmd: 'saveKey'; password: string }
  | { cmd: 'loadKey'; sealed: Uint8Array; password: string; allowInsecure: boolean }
  | { cmd: 'trainHere'; iterations: number; threads: number };

/** A reply of the worker. */
export type Reply =
  | { type: 'progress'; stage: string; done: number; total: number }
  | { type: 'keys'; summary: string; evalKeys: Uint8Array }
  | { type: 'upload'; summary: string; upload: Uint8Array }
  | { type: 'decrypted'; summary: string; accuracy: number; perClass: { label: number; correct: number; total: number }[]; weightsCsv: string }
  | { type: 'sealed'; sealed: Uint8Array }
  | { type: 'refreshed'; summary: string; checkpoint: Uint8Array }
  | { type: 'keyLoaded'; summary: string }
  | { type: 'trained'; summary: string; sameAsOneThread: boolean; sharedKeys: boolean }
  | { type: 'error'; message: string };
