-- The audit trail is append-only in the database itself, not only by the application's good manners:
-- a row-level trigger refuses UPDATE and DELETE, a statement-level trigger refuses TRUNCATE (which
-- skips row triggers). Both are ENABLE ALWAYS, so `SET session_replication_role = replica` (which
-- silences ordinary triggers) does not switch them off either.
-- Unqualified names on purpose: objects land in the schema the migration runs in.
CREATE FUNCTION "audit_events_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'raise_exception',
          HINT = 'Audit rows are never changed or removed; record a new event instead.';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_events_no_update_or_delete"
  BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_refuse_change"();
--> statement-breakpoint
CREATE TRIGGER "audit_events_no_truncate"
  BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_refuse_change"();
--> statement-breakpoint
ALTER TABLE "audit_events" ENABLE ALWAYS TRIGGER "audit_events_no_update_or_delete";
--> statement-breakpoint
ALTER TABLE "audit_events" ENABLE ALWAYS TRIGGER "audit_events_no_truncate";
