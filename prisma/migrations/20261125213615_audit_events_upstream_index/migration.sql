-- CreateIndex
CREATE INDEX "audit_events_tenant_id_upstream_time_idx" ON "audit_events"("tenant_id", "upstream", "time" DESC);

