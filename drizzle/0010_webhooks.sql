CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"source_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"webhook_id" text,
	"status" text NOT NULL,
	"event_type" text,
	"leaver" boolean DEFAULT false NOT NULL,
	"payload" jsonb,
	"reason_code" text,
	"reason" text,
	"result" jsonb,
	"operation_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"runs" integer DEFAULT 0 NOT NULL,
	"body_bytes" integer DEFAULT 0 NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_deliveries_status_valid" CHECK ("webhook_deliveries"."status" in ('refused', 'duplicate', 'queued', 'held', 'done', 'rejected', 'failed', 'discarded'))
);
--> statement-breakpoint
CREATE TABLE "webhook_joiners" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"source_id" uuid,
	"delivery_id" uuid,
	"upn" text NOT NULL,
	"user_id" text,
	"status" text DEFAULT 'waiting' NOT NULL,
	"token_id" uuid,
	"operation_id" uuid,
	"resolved_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "webhook_joiners_status_valid" CHECK ("webhook_joiners"."status" in ('waiting', 'assigned', 'dismissed'))
);
--> statement-breakpoint
CREATE TABLE "webhook_sources" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"scheme" text DEFAULT 'standard' NOT NULL,
	"signature_header" text,
	"secret_key_id" text NOT NULL,
	"secret_ciphertext" "bytea" NOT NULL,
	"previous_secret_key_id" text,
	"previous_secret_ciphertext" "bytea",
	"previous_secret_expires_at" timestamp with time zone,
	"leaver_policy" text DEFAULT 'disable' NOT NULL,
	"leaver_threshold" integer DEFAULT 50 NOT NULL,
	"guard_reset_at" timestamp with time zone,
	"disabled_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_sources_scheme_valid" CHECK ("webhook_sources"."scheme" in ('standard', 'hmac-sha256', 'hmac-sha512')),
	CONSTRAINT "webhook_sources_leaver_policy_valid" CHECK ("webhook_sources"."leaver_policy" in ('disable', 'unassign')),
	CONSTRAINT "webhook_sources_threshold_positive" CHECK ("webhook_sources"."leaver_threshold" > 0),
	CONSTRAINT "webhook_sources_header_for_hmac" CHECK (("webhook_sources"."scheme" = 'standard') = ("webhook_sources"."signature_header" is null)),
	CONSTRAINT "webhook_sources_previous_complete" CHECK (("webhook_sources"."previous_secret_key_id" is null) = ("webhook_sources"."previous_secret_ciphertext" is null))
);
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_source_id_webhook_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."webhook_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_joiners" ADD CONSTRAINT "webhook_joiners_source_id_webhook_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."webhook_sources"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_sources" ADD CONSTRAINT "webhook_sources_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_source_webhook_id_unique" ON "webhook_deliveries" USING btree ("source_id","webhook_id") WHERE "webhook_deliveries"."webhook_id" is not null and "webhook_deliveries"."status" in ('queued', 'held', 'done', 'rejected', 'failed', 'discarded');--> statement-breakpoint
CREATE INDEX "webhook_deliveries_source_received_idx" ON "webhook_deliveries" USING btree ("source_id","received_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_guard_idx" ON "webhook_deliveries" USING btree ("source_id","received_at") WHERE "webhook_deliveries"."leaver";--> statement-breakpoint
CREATE INDEX "webhook_deliveries_status_idx" ON "webhook_deliveries" USING btree ("status","updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_joiners_waiting_upn_unique" ON "webhook_joiners" USING btree ("tenant_id",lower("upn")) WHERE "webhook_joiners"."status" = 'waiting';--> statement-breakpoint
CREATE INDEX "webhook_joiners_status_created_idx" ON "webhook_joiners" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_sources_name_lower_unique" ON "webhook_sources" USING btree (lower("name"));