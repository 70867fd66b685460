-- The Products table that examples/handlers/product-update.js writes (SQL Server, also Babelfish).
-- Run it once in every tenant database before sending ProductUpdate messages:
--   sqlcmd -S host -d TenantDb -i examples/sql/products.sqlserver.sql
-- One batch, no GO: it also runs through a driver (mssql's request.batch()).
-- Unqualified: created in the login's default schema (dbo unless the tenant uses its own schema),
-- which is also where the handler's unqualified `Products` resolves.
-- The IF guard: running the script twice is harmless.
IF OBJECT_ID(N'Products', N'U') IS NULL
BEGIN
    CREATE TABLE Products (
        -- The message's productId (a Guid in the article's ProductUpdateMessage).
        Id        UNIQUEIDENTIFIER NOT NULL CONSTRAINT PK_Products PRIMARY KEY,
        Name      NVARCHAR(200)    NOT NULL,
        -- When the last ProductUpdate was applied: lets you see the handler's effect.
        UpdatedAt DATETIMEOFFSET   NOT NULL CONSTRAINT DF_Products_UpdatedAt DEFAULT SYSDATETIMEOFFSET()
    );
END;
