/** `@hecnn/ckks/mlr`: not yet built (see the issue tracker). */
export {};
