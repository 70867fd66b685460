export { createSqlServerStore, MAX_PURGE_BATCH } from './sqlserver-store';
export { createMssqlPool, createSqlServerPoolRegistry } from './create-pool';
export { sqlServerConfig } from './connection-config';
export { quoteIdent, quoteTable } from './quote-table';
export { SQLSERVER_MIGRATIONS, CLAIM_INDEX } from './migrations';
