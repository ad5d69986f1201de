CREATE TABLE "directory_users" (
	"tenant_id" text NOT NULL,
	"upn_lower" text NOT NULL,
	"user_id" text NOT NULL,
	"display_name" text,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "directory_users_tenant_id_upn_lower_pk" PRIMARY KEY("tenant_id","upn_lower")
);
--> statement-breakpoint
ALTER TABLE "import_row_errors" ADD COLUMN "column_name" text;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "obsolete_after_days" integer;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "activated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "manufactured_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "last_tested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "last_resynced_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "directory_users" ADD CONSTRAINT "directory_users_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tokens_expires_at_idx" ON "tokens" USING btree ("expires_at") WHERE "tokens"."expires_at" is not null;--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_obsolete_after_days_positive" CHECK ("tenants"."obsolete_after_days" is null or "tenants"."obsolete_after_days" > 0);--> statement-breakpoint
-- Tokens already in service: their idle clock starts at their last change, the nearest known point.
UPDATE "tokens" SET "activated_at" = "updated_at" WHERE "state" IN ('active', 'disabled');
