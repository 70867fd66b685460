export { createPostgresStore } from './postgres-store';
export { createPgPool, createPostgresPoolRegistry } from './create-pool';
export { quoteIdent, quoteTable } from './quote-table';
export { POSTGRES_MIGRATIONS } from './migrations';
