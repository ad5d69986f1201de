CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash"),
	CONSTRAINT "api_keys_role_valid" CHECK ("api_keys"."role" in ('admin', 'operator', 'viewer'))
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"tenant_id" text,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"token_id" uuid,
	"import_id" uuid,
	"operation_id" uuid,
	"outcome" text NOT NULL,
	"graph_status" integer,
	"graph_request_id" text,
	"duration_ms" integer,
	"detail" jsonb,
	CONSTRAINT "audit_events_outcome_valid" CHECK ("audit_events"."outcome" in ('success', 'failure', 'info'))
);
--> statement-breakpoint
CREATE TABLE "import_row_errors" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "import_row_errors_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"import_id" uuid NOT NULL,
	"row_number" integer NOT NULL,
	"field" text,
	"reason" text NOT NULL,
	"serial_number" text
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"file_name" text NOT NULL,
	"format" text NOT NULL,
	"mode" text NOT NULL,
	"status" text NOT NULL,
	"total_rows" integer DEFAULT 0 NOT NULL,
	"valid_rows" integer DEFAULT 0 NOT NULL,
	"rejected_rows" integer DEFAULT 0 NOT NULL,
	"duplicate_rows" integer DEFAULT 0 NOT NULL,
	"created_by" text NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "imports_format_valid" CHECK ("imports"."format" in ('csv', 'json', 'pskc')),
	CONSTRAINT "imports_mode_valid" CHECK ("imports"."mode" in ('import', 'assign', 'activate')),
	CONSTRAINT "imports_status_valid" CHECK ("imports"."status" in ('validating', 'running', 'completed', 'completed_with_errors', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "operations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"token_id" uuid NOT NULL,
	"import_id" uuid,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"generation" integer NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_error_code" text,
	"last_error_message" text,
	"last_graph_status" integer,
	"last_request_id" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"queued_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "operations_token_kind_generation_unique" UNIQUE("token_id","kind","generation"),
	CONSTRAINT "operations_kind_valid" CHECK ("operations"."kind" in ('token.create', 'token.assign', 'token.activate', 'token.unassign', 'token.delete')),
	CONSTRAINT "operations_status_valid" CHECK ("operations"."status" in ('pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"mode" text NOT NULL,
	"entra_tenant_id" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenants_id_format" CHECK ("tenants"."id" ~ '^[A-Za-z0-9_-]+$'),
	CONSTRAINT "tenants_mode_valid" CHECK ("tenants"."mode" in ('sandbox', 'live'))
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"serial_number" text NOT NULL,
	"manufacturer" text NOT NULL,
	"model" text NOT NULL,
	"display_name" text NOT NULL,
	"hash_function" text NOT NULL,
	"time_interval_seconds" integer DEFAULT 30 NOT NULL,
	"digits" integer DEFAULT 6 NOT NULL,
	"secret_key_id" text,
	"secret_ciphertext" "bytea",
	"state" text NOT NULL,
	"assigned_upn" text,
	"assigned_user_id" text,
	"graph_device_id" text,
	"graph_method_id" text,
	"import_id" uuid,
	"last_error" text,
	"last_used_at" timestamp with time zone,
	"drift_steps" integer DEFAULT 0 NOT NULL,
	"last_accepted_step" bigint,
	"failed_validations" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"generation" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tokens_tenant_serial_unique" UNIQUE("tenant_id","serial_number"),
	CONSTRAINT "tokens_state_valid" CHECK ("tokens"."state" in ('imported', 'created', 'assigned', 'active', 'failed', 'disabled', 'retired', 'deleted')),
	CONSTRAINT "tokens_hash_function_valid" CHECK ("tokens"."hash_function" in ('hmacsha1', 'hmacsha256', 'hmacsha512')),
	CONSTRAINT "tokens_time_interval_positive" CHECK ("tokens"."time_interval_seconds" > 0),
	CONSTRAINT "tokens_digits_positive" CHECK ("tokens"."digits" > 0),
	CONSTRAINT "tokens_secret_complete" CHECK (("tokens"."secret_key_id" is null) = ("tokens"."secret_ciphertext" is null))
);
--> statement-breakpoint
ALTER TABLE "import_row_errors" ADD CONSTRAINT "import_row_errors_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operations" ADD CONSTRAINT "operations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operations" ADD CONSTRAINT "operations_token_id_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."tokens"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operations" ADD CONSTRAINT "operations_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_token_at_idx" ON "audit_events" USING btree ("token_id","at") WHERE "audit_events"."token_id" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_import_at_idx" ON "audit_events" USING btree ("import_id","at") WHERE "audit_events"."import_id" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_operation_idx" ON "audit_events" USING btree ("operation_id") WHERE "audit_events"."operation_id" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_tenant_at_idx" ON "audit_events" USING btree ("tenant_id","at");--> statement-breakpoint
CREATE INDEX "audit_events_actor_at_idx" ON "audit_events" USING btree ("actor","at");--> statement-breakpoint
CREATE INDEX "audit_events_action_at_idx" ON "audit_events" USING btree ("action","at");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "import_row_errors_import_row_idx" ON "import_row_errors" USING btree ("import_id","row_number");--> statement-breakpoint
CREATE INDEX "imports_tenant_created_idx" ON "imports" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "operations_tenant_status_kind_idx" ON "operations" USING btree ("tenant_id","status","kind");--> statement-breakpoint
CREATE INDEX "operations_status_updated_idx" ON "operations" USING btree ("status","updated_at");--> statement-breakpoint
CREATE INDEX "operations_import_idx" ON "operations" USING btree ("import_id") WHERE "operations"."import_id" is not null;--> statement-breakpoint
CREATE INDEX "tokens_tenant_state_id_idx" ON "tokens" USING btree ("tenant_id","state","id");--> statement-breakpoint
CREATE INDEX "tokens_tenant_upn_idx" ON "tokens" USING btree ("tenant_id","assigned_upn");--> statement-breakpoint
CREATE INDEX "tokens_import_idx" ON "tokens" USING btree ("import_id");--> statement-breakpoint
CREATE INDEX "tokens_tenant_manufacturer_idx" ON "tokens" USING btree ("tenant_id","manufacturer");