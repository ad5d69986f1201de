CREATE TABLE "bulk_action_skips" (
	"bulk_action_id" uuid NOT NULL,
	"token_id" uuid NOT NULL,
	"code" text NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bulk_action_skips_bulk_action_id_token_id_pk" PRIMARY KEY("bulk_action_id","token_id")
);
--> statement-breakpoint
CREATE TABLE "bulk_actions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"action" text NOT NULL,
	"status" text NOT NULL,
	"selection" jsonb NOT NULL,
	"total" integer NOT NULL,
	"walked" integer DEFAULT 0 NOT NULL,
	"done_at_once" integer DEFAULT 0 NOT NULL,
	"cursor" text,
	"round" integer DEFAULT 0 NOT NULL,
	"phase" text DEFAULT 'selection' NOT NULL,
	"walked_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cancelled_by" text,
	"cancelled_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "bulk_actions_action_valid" CHECK ("bulk_actions"."action" in ('disable', 'enable', 'unassign', 'delete', 'retire')),
	CONSTRAINT "bulk_actions_status_valid" CHECK ("bulk_actions"."status" in ('running', 'cancelling', 'completed', 'completed_with_errors', 'cancelled')),
	CONSTRAINT "bulk_actions_phase_valid" CHECK ("bulk_actions"."phase" in ('selection', 'failed-operations', 'skipped'))
);
--> statement-breakpoint
ALTER TABLE "operations" ADD COLUMN "bulk_action_id" uuid;--> statement-breakpoint
ALTER TABLE "bulk_action_skips" ADD CONSTRAINT "bulk_action_skips_bulk_action_id_bulk_actions_id_fk" FOREIGN KEY ("bulk_action_id") REFERENCES "public"."bulk_actions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bulk_action_skips" ADD CONSTRAINT "bulk_action_skips_token_id_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."tokens"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bulk_actions" ADD CONSTRAINT "bulk_actions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bulk_actions_tenant_created_idx" ON "bulk_actions" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "bulk_actions_status_idx" ON "bulk_actions" USING btree ("status");--> statement-breakpoint
ALTER TABLE "operations" ADD CONSTRAINT "operations_bulk_action_id_bulk_actions_id_fk" FOREIGN KEY ("bulk_action_id") REFERENCES "public"."bulk_actions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "operations_bulk_action_idx" ON "operations" USING btree ("bulk_action_id","status") WHERE "operations"."bulk_action_id" is not null;