-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "tenant_status" AS ENUM ('active', 'disabled');

-- CreateEnum
CREATE TYPE "person_status" AS ENUM ('active', 'disabled');

-- CreateEnum
CREATE TYPE "policy_effect" AS ENUM ('allow', 'deny', 'require_approval');

-- CreateEnum
CREATE TYPE "approval_status" AS ENUM ('pending', 'approved', 'denied', 'expired', 'consumed');

-- CreateEnum
CREATE TYPE "audit_kind" AS ENUM ('mcp', 'admin');

-- CreateEnum
CREATE TYPE "audit_outcome" AS ENUM ('ok', 'error', 'upstream_error', 'denied', 'timed_out');

-- CreateEnum
CREATE TYPE "tool_pin_status" AS ENUM ('pinned', 'changed');

-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "tenant_status" NOT NULL DEFAULT 'active',
    "settings" JSONB NOT NULL DEFAULT '{}',
    "policy_version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "people" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "roles" TEXT[],
    "status" "person_status" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "people_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tokens" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "person_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "scopes" TEXT[],
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "upstreams" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "credentials" TEXT,
    "annotations_trusted" BOOLEAN NOT NULL DEFAULT false,
    "timeout_ms" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "upstreams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policies" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "effect" "policy_effect" NOT NULL,
    "subjects" JSONB NOT NULL,
    "targets" JSONB NOT NULL,
    "condition" TEXT,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policy_versions" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "rules" JSONB NOT NULL,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "policy_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "approvals" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "person_id" UUID NOT NULL,
    "session_id" TEXT NOT NULL,
    "upstream_slug" TEXT NOT NULL,
    "tool_name" TEXT NOT NULL,
    "arguments_digest" TEXT NOT NULL,
    "arguments" JSONB NOT NULL,
    "matched_rules" TEXT[],
    "policy_version" INTEGER NOT NULL,
    "status" "approval_status" NOT NULL DEFAULT 'pending',
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "decided_by" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "comment" TEXT,

    CONSTRAINT "approvals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL,
    "v" INTEGER NOT NULL,
    "tenant_id" UUID NOT NULL,
    "time" TIMESTAMPTZ(3) NOT NULL,
    "kind" "audit_kind" NOT NULL,
    "person_id" UUID,
    "token_id" UUID,
    "session_id" TEXT,
    "client_name" TEXT,
    "client_version" TEXT,
    "method" TEXT NOT NULL,
    "upstream" TEXT,
    "tool" TEXT,
    "decision" TEXT,
    "matched_rules" TEXT[],
    "approval_id" UUID,
    "outcome" "audit_outcome" NOT NULL,
    "error_code" INTEGER,
    "latency_ms" INTEGER,
    "trace_id" TEXT,
    "span_id" TEXT,
    "client_address" TEXT,
    "user_agent" TEXT,
    "arguments" JSONB,
    "result_summary" JSONB,
    "details" JSONB,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tool_pins" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "upstream_id" UUID NOT NULL,
    "tool_name" TEXT NOT NULL,
    "definition_hash" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "status" "tool_pin_status" NOT NULL DEFAULT 'pinned',
    "pending_hash" TEXT,
    "pending_definition" JSONB,
    "risk_override" TEXT,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "changed_at" TIMESTAMPTZ(3),
    "accepted_at" TIMESTAMPTZ(3),
    "accepted_by" TEXT,

    CONSTRAINT "tool_pins_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "people_tenant_id_email_key" ON "people"("tenant_id", "email");

-- CreateIndex
CREATE UNIQUE INDEX "people_tenant_id_id_key" ON "people"("tenant_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "tokens_hash_key" ON "tokens"("hash");

-- CreateIndex
CREATE INDEX "tokens_tenant_id_person_id_idx" ON "tokens"("tenant_id", "person_id");

-- CreateIndex
CREATE UNIQUE INDEX "upstreams_tenant_id_slug_key" ON "upstreams"("tenant_id", "slug");

-- CreateIndex
CREATE UNIQUE INDEX "upstreams_tenant_id_id_key" ON "upstreams"("tenant_id", "id");

-- CreateIndex
CREATE INDEX "policies_tenant_id_idx" ON "policies"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "policy_versions_tenant_id_version_key" ON "policy_versions"("tenant_id", "version");

-- CreateIndex
CREATE INDEX "approvals_tenant_id_status_requested_at_idx" ON "approvals"("tenant_id", "status", "requested_at");

-- CreateIndex
CREATE INDEX "audit_events_tenant_id_time_id_idx" ON "audit_events"("tenant_id", "time" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_events_tenant_id_person_id_time_idx" ON "audit_events"("tenant_id", "person_id", "time" DESC);

-- CreateIndex
CREATE INDEX "audit_events_tenant_id_session_id_time_idx" ON "audit_events"("tenant_id", "session_id", "time" DESC);

-- CreateIndex
CREATE INDEX "audit_events_tenant_id_tool_time_idx" ON "audit_events"("tenant_id", "tool", "time" DESC);

-- CreateIndex
CREATE INDEX "audit_events_tenant_id_decision_time_idx" ON "audit_events"("tenant_id", "decision", "time" DESC);

-- CreateIndex
CREATE INDEX "audit_events_tenant_id_outcome_time_idx" ON "audit_events"("tenant_id", "outcome", "time" DESC);

-- CreateIndex
CREATE INDEX "tool_pins_tenant_id_idx" ON "tool_pins"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "tool_pins_upstream_id_tool_name_key" ON "tool_pins"("upstream_id", "tool_name");

-- AddForeignKey
ALTER TABLE "people" ADD CONSTRAINT "people_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_tenant_id_person_id_fkey" FOREIGN KEY ("tenant_id", "person_id") REFERENCES "people"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "upstreams" ADD CONSTRAINT "upstreams_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policies" ADD CONSTRAINT "policies_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policy_versions" ADD CONSTRAINT "policy_versions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_tenant_id_person_id_fkey" FOREIGN KEY ("tenant_id", "person_id") REFERENCES "people"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tool_pins" ADD CONSTRAINT "tool_pins_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tool_pins" ADD CONSTRAINT "tool_pins_tenant_id_upstream_id_fkey" FOREIGN KEY ("tenant_id", "upstream_id") REFERENCES "upstreams"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

