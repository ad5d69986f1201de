ALTER TABLE "operations" ADD COLUMN "claimed_by" uuid;--> statement-breakpoint
ALTER TABLE "operations" ADD COLUMN "sent_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "operations_claim_idx" ON "operations" USING btree ("tenant_id","kind","status","created_at");--> statement-breakpoint
CREATE INDEX "operations_claimed_by_idx" ON "operations" USING btree ("claimed_by") WHERE "operations"."claimed_by" is not null;