ALTER TABLE "tenants" ADD COLUMN "connection" jsonb;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "credential_key_id" text;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "credential_ciphertext" "bytea";--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "connection_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "last_connection_test" jsonb;--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_credential_complete" CHECK (("tenants"."credential_key_id" is null) = ("tenants"."credential_ciphertext" is null));--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_connection_has_credential" CHECK (("tenants"."connection" is null) = ("tenants"."credential_ciphertext" is null));