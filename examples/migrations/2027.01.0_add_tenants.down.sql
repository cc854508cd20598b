-- The rollback step of 2027.01.0 (`deploygate db rollback --to 2026.11.1`).
-- deploygate: description = drop tenants and bookings.tenant_id
-- deploygate: data-impact = minimal
-- deploygate: critical = true
-- Every booking must still be there, each with its service:
-- deploygate: verify = SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM bookings b LEFT JOIN services s ON s.id = b.service_id WHERE s.id IS NULL)

ALTER TABLE bookings DROP COLUMN tenant_id;

DROP TABLE tenants;
