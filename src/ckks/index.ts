/** `@hecnn/ckks/ckks`: not yet built (see the issue tracker). */
export {};
