-- Transfer schedules: a vehicle runs a sequence of trips in a working day (depot → pickups → site → next
-- pickups …). Each trip gets its service day, its sequence number in the vehicle's day, its planned start and
-- end, its planned km and its stops in order. One open trip per vehicle gives way to: trips of a vehicle are
-- ordered by (service day, sequence), at most one is on the road at a time, and a driver starts the next one
-- only after the previous one is delivered (and disinfected after cases), which the driver's steps check.

DROP INDEX trips_vehicle_open;

ALTER TABLE trips
  ADD COLUMN service_day date,
  ADD COLUMN sequence int,
  ADD COLUMN planned_start timestamptz,
  ADD COLUMN planned_end timestamptz,
  ADD COLUMN planned_km real,
  ADD COLUMN stops text[];

-- Trips planned before schedules existed: one per vehicle and plan, numbered in the order they were planned.
UPDATE trips t SET
  service_day = (t.planned_at AT TIME ZONE 'UTC' + interval '8 hours')::date,
  sequence = n.seq,
  planned_start = t.planned_at,
  planned_end = coalesce(t.delivered_at, t.planned_at),
  planned_km = 0,
  stops = coalesce((SELECT array_agg(DISTINCT tp.pickup_area_code ORDER BY tp.pickup_area_code) FROM trip_passengers tp WHERE tp.trip_id = t.id), '{}')
FROM (SELECT id, row_number() OVER (PARTITION BY vehicle_id, (planned_at AT TIME ZONE 'UTC' + interval '8 hours')::date ORDER BY id) AS seq FROM trips) n
WHERE n.id = t.id;

ALTER TABLE trips
  ALTER COLUMN service_day SET NOT NULL,
  ALTER COLUMN sequence SET NOT NULL,
  ALTER COLUMN planned_start SET NOT NULL,
  ALTER COLUMN planned_end SET NOT NULL,
  ALTER COLUMN planned_km SET NOT NULL,
  ALTER COLUMN stops SET NOT NULL,
  ADD CONSTRAINT trips_sequence_positive CHECK (sequence >= 1),
  ADD CONSTRAINT trips_planned_order CHECK (planned_end >= planned_start);

-- A vehicle's day is one numbered sequence; a vehicle is on the road with one trip at a time.
CREATE UNIQUE INDEX trips_vehicle_sequence ON trips (vehicle_id, service_day, sequence) WHERE status <> 'cancelled';
CREATE UNIQUE INDEX trips_vehicle_departed ON trips (vehicle_id) WHERE status = 'departed';
CREATE INDEX trips_open_start ON trips (vehicle_id, planned_start) WHERE status IN ('planned', 'departed');
