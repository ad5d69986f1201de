ALTER TABLE "operations" DROP CONSTRAINT "operations_kind_valid";--> statement-breakpoint
ALTER TABLE "tokens" DROP CONSTRAINT "tokens_state_valid";--> statement-breakpoint
ALTER TABLE "operations" ADD COLUMN "chain_id" uuid;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "comment" text;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "lost_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "lost_note" text;--> statement-breakpoint
CREATE INDEX "operations_chain_idx" ON "operations" USING btree ("chain_id") WHERE "operations"."chain_id" is not null;--> statement-breakpoint
ALTER TABLE "operations" ADD CONSTRAINT "operations_kind_valid" CHECK ("operations"."kind" in ('token.create', 'token.assign', 'token.activate', 'token.unassign', 'token.delete', 'token.deactivate', 'token.update'));--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_state_valid" CHECK ("tokens"."state" in ('imported', 'created', 'assigned', 'active', 'failed', 'disabled', 'lost', 'retired', 'deleted'));