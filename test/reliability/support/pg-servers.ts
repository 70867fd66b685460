/**
 * The PostgreSQL servers a scenario puts its tenant databases on: the shared server of the jest run
 * (never stopped), or a ControllablePgServer of the scenario's own that it stops and starts again.
 */
import type { ControllablePgServer } from '../../support/pg-server';
import type { Scenario } from './scenario';
import { pgAdminUrl } from '../../support/postgres';

export interface PgServer {
  /** For messages and figures. */
  readonly name: string;
  /** Superuser password (a secret: it must never appear in the run's output). */
  readonly adminPassword: string;
  /** Superuser URL of one database of this server. */
  adminUrl(database: string): string;
  /** The same server and database as another user. */
  urlAs(database: string, user: string, password: string): string;
}

function serverFromUrl(name: string, admin: string): PgServer {
  const withDb = (database: string) => {
    const url = new URL(admin);
    url.pathname = `/${database}`;
    return url;
  };
  return {
    name,
    adminPassword: decodeURIComponent(new URL(admin).password),
    adminUrl: (database) => withDb(database).toString(),
    urlAs(database, user, password) {
      const url = withDb(database);
      url.username = encodeURIComponent(user);
      url.password = encodeURIComponent(password);
      return url.toString();
    },
  };
}

/** The jest run's shared server (embedded PostgreSQL or PG_URL). */
export function sharedServer(): PgServer {
  return serverFromUrl('shared', pgAdminUrl());
}

/** A server the scenario owns and may stop and start again. */
export function controllable(name: string, server: ControllablePgServer): PgServer {
  return serverFromUrl(name, server.url());
}

/**
 * Teardown of a scenario whose tenants live (some or all) on its own controllable server: closes the
 * fleets, brings the server back if the test left it stopped (its databases and role must be
 * dropped), cleans the scenario up and stops the server.
 */
export async function tearDownOnOwnServer(
  scenario: Scenario | undefined,
  server: ControllablePgServer | undefined,
  serverDown: boolean,
): Promise<void> {
  for (const fleet of scenario?.fleets ?? []) await fleet.close();
  if (serverDown) await server?.startAgain();
  await scenario?.cleanup();
  await server?.stop();
}
