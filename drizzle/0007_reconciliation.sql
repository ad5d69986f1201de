CREATE TABLE "inventory_syncs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"status" text NOT NULL,
	"requested_by" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"summary" jsonb,
	"error" text,
	CONSTRAINT "inventory_syncs_status_valid" CHECK ("inventory_syncs"."status" in ('queued', 'running', 'succeeded', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "unmanaged_devices" (
	"tenant_id" text NOT NULL,
	"graph_device_id" text NOT NULL,
	"serial_number" text NOT NULL,
	"manufacturer" text NOT NULL,
	"model" text NOT NULL,
	"display_name" text,
	"hash_function" text NOT NULL,
	"time_interval_seconds" integer NOT NULL,
	"status" text NOT NULL,
	"assigned_user_id" text,
	"assigned_user_name" text,
	"last_used_at" timestamp with time zone,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_sync_id" uuid NOT NULL,
	CONSTRAINT "unmanaged_devices_tenant_id_graph_device_id_pk" PRIMARY KEY("tenant_id","graph_device_id")
);
--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "last_seen_sync_id" uuid;--> statement-breakpoint
ALTER TABLE "inventory_syncs" ADD CONSTRAINT "inventory_syncs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unmanaged_devices" ADD CONSTRAINT "unmanaged_devices_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inventory_syncs_tenant_requested_idx" ON "inventory_syncs" USING btree ("tenant_id","requested_at");--> statement-breakpoint
CREATE UNIQUE INDEX "inventory_syncs_one_open_unique" ON "inventory_syncs" USING btree ("tenant_id") WHERE "inventory_syncs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "unmanaged_devices_tenant_serial_idx" ON "unmanaged_devices" USING btree ("tenant_id","serial_number");--> statement-breakpoint
CREATE INDEX "unmanaged_devices_tenant_sync_idx" ON "unmanaged_devices" USING btree ("tenant_id","last_seen_sync_id");--> statement-breakpoint
CREATE INDEX "tokens_tenant_device_idx" ON "tokens" USING btree ("tenant_id","graph_device_id") WHERE "tokens"."graph_device_id" is not null;