CREATE TABLE "validation_users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"phone" text,
	"secret_key_id" text,
	"secret_ciphertext" "bytea",
	"secret_issued_at" timestamp with time zone,
	"software_drift_steps" integer DEFAULT 0 NOT NULL,
	"software_last_accepted_step" bigint,
	"failed_validations" integer DEFAULT 0 NOT NULL,
	"locked_at" timestamp with time zone,
	"last_validation_at" timestamp with time zone,
	"last_validation_ok" boolean,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "validation_users_secret_complete" CHECK (("validation_users"."secret_key_id" is null) = ("validation_users"."secret_ciphertext" is null))
);
--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_role_valid";--> statement-breakpoint
CREATE UNIQUE INDEX "validation_users_email_lower_unique" ON "validation_users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "validation_users_locked_idx" ON "validation_users" USING btree ("locked_at") WHERE "validation_users"."locked_at" is not null;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_role_valid" CHECK ("api_keys"."role" in ('admin', 'operator', 'viewer', 'validator'));