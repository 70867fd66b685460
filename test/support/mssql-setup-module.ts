import { join } from 'node:path';
import type mssql from 'mssql';
import { REPO_ROOT } from './processes';

/**
 * Types of docker/init/setup-mssql.js, the plain CommonJS setup the compose demo's init container runs
 * (databases, logins, GRANTs), which the SQL Server tests reuse so they test the same setup.
 */
export interface Principal {
  login: string;
  password: string;
}
export interface SetupOptions {
  admin: mssql.config;
  databases: string[];
  schema: string;
  worker: Principal;
  producer: Principal;
  productsSql: string;
  connectAttempts: number;
  log: (line: string) => void;
}
export interface SetupModule {
  parseAdminConnection(connectionString: string): mssql.config;
  beforeMigrate(options: SetupOptions): Promise<void>;
  afterMigrate(options: SetupOptions): Promise<void>;
}

export function loadMssqlSetupModule(): SetupModule {
  return require(join(REPO_ROOT, 'docker', 'init', 'setup-mssql.js')) as SetupModule;
}
