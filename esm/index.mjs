// The ESM entry (`import { enqueue } from 'tenant-queue-worker'`): the CommonJS build re-exported, so
// `import` and `require` share one module instance (the same PermanentError class, one registry of
// pools) instead of two copies. Node reads the export names from dist/index.js; the package test
// checks that every name arrives.
export * from '../dist/index.js';
