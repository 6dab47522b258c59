-- Lantern's two PostgreSQL roles, for a database that a superuser has just created.
-- Run it once as that superuser, connected to the new database:
--
--   psql -h HOST -U postgres -d lantern -v ON_ERROR_STOP=1 \
--        -v owner=lantern_owner -v owner_password="..." \
--        -v app=lantern_app -v app_password="..." -f docs/postgres-roles.sql
--
-- * The owner role owns the schema and every table: `lantern migrate` runs as it. It is
--   no superuser, but as the tables' owner it could disable triggers: keep its password with
--   the keys, out of the servers' environment.
-- * The application role is what `lantern serve` connects as. It owns nothing, is no
--   superuser and cannot create roles or databases, so it cannot disable, drop or replace
--   the audit trail's triggers, nor SET session_replication_role. `lantern migrate` with
--   LANTERN_DB_APP_ROLE set grants it its privileges on the tables (lantern.audit.db_roles).
-- Running it again only resets the passwords.

SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') AS create_owner \gset
\if :create_owner
CREATE ROLE :"owner" LOGIN;
\endif
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') AS create_app \gset
\if :create_app
CREATE ROLE :"app" LOGIN;
\endif

ALTER ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';
-- Neither role is a member of the other, so the application cannot act as the owner.
REVOKE :"owner" FROM :"app";

SELECT current_database() AS db \gset
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"owner", :"app";
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
