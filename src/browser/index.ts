/**
 * `@hecnn/ckks/browser`: browser adapters (no Node modules). {@link BrowserPairPool}
 * runs the trainer's pairs of classes on Web Workers that share the
 * evaluation keys through SharedArrayBuffers (the page must be cross-origin
 * isolated: `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`); {@link sealSecretKeyFile} and
 * {@link openSecretKeyFile} keep the owner's secret key in a password-protected
 * file (scrypt and XChaCha20-Poly1305). The worker entry is
 * `@hecnn/ckks/browser/pair-worker` (dist/browser/pair-worker.js).
 *
 * @module
 */
export { BrowserPairPool, type BrowserPairPoolOptions, type WorkerLike, canShareMemory } from './pool.js';
export {
  KEY_FILE_HEADER_BYTES,
  KEY_FILE_MAGIC,
  KEY_FILE_VERSION,
  type ScryptOptions,
  isSealedKeyFile,
  openSecretKeyFile,
  sealSecretKeyFile,
} from './keyfile.js';
