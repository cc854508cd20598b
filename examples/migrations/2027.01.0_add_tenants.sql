-- The seed's multi-tenant migration: a tenants table, and every booking belongs to one.
-- Applied by `deploygate db migrate` in one transaction with its row in schema_migrations;
-- add "2027.01.0" to [platform.database] versions in the same change, so the contract
-- checked after migrating describes the new schema.
-- Portable: runs on PostgreSQL and SQLite alike.

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    name VARCHAR(120) NOT NULL UNIQUE
);

INSERT INTO tenants (id, name) VALUES (1, 'default');

-- Expand first: the column is nullable, so the running release keeps working. (No foreign
-- key: SQLite cannot drop a column that has one, and the rollback drops it.)
ALTER TABLE bookings ADD COLUMN tenant_id INTEGER;

UPDATE bookings SET tenant_id = 1;
