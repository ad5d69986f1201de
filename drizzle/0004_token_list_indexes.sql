CREATE INDEX "tokens_created_id_idx" ON "tokens" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "tokens_upn_prefix_idx" ON "tokens" USING btree (lower("assigned_upn") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "tokens_serial_prefix_idx" ON "tokens" USING btree ("serial_number" text_pattern_ops);