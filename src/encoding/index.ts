/** `@hecnn/ckks/encoding`: not yet built (see the issue tracker). */
export {};
