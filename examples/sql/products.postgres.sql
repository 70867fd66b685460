-- The Products table that examples/handlers/product-update.js writes (PostgreSQL).
-- Run it once in every tenant database (or tenant schema) before sending ProductUpdate messages:
--   psql "$TENANT_URL" -f examples/sql/products.postgres.sql
-- Quoted, capitalised names: the same names EF Core with Npgsql creates for a .NET `Product` entity,
-- matching the "QueueMessages" table convention, so .NET and tqw code can share the table.
-- Unqualified: it is created in the first schema of the session's search_path (schema-per-tenant:
-- run it with search_path set to the tenant's schema).
-- IF NOT EXISTS: running the script twice is harmless.
CREATE TABLE IF NOT EXISTS "Products" (
    -- The message's productId (a GUID in the article's ProductUpdateMessage).
    "Id"        uuid         NOT NULL PRIMARY KEY,
    "Name"      varchar(200) NOT NULL,
    -- When the last ProductUpdate was applied: lets you see the handler's effect.
    "UpdatedAt" timestamptz  NOT NULL DEFAULT now()
);
