#!/bin/sh
# One-shot init of the docker compose demo (service `init`), in the tqw image:
#   1. tenant databases and the least-privilege logins          (docker/init/setup-mssql.js, as sa, in master)
#   2. `tqw migrate`: QueueMessages in every tenant database     (as sa: TQW_TENANTS_FILE is docker/tenants.admin.json)
#   3. the examples' Products table, users and grants            (docker/init/setup-mssql.js, as sa, per database)
# Each step is idempotent: `docker compose up` runs this again on every start and it changes nothing.
set -eu

node /app/docker/init/setup-mssql.js before-migrate
node /app/bin/tqw.js migrate
node /app/docker/init/setup-mssql.js after-migrate
echo "init: done; the worker (tqw_worker) and the producer (tqw_producer) can start"
