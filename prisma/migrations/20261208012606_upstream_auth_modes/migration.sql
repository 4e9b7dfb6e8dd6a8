-- CreateEnum
CREATE TYPE "upstream_auth_mode" AS ENUM ('none', 'shared', 'per_person_secret', 'oauth');

-- AlterTable
ALTER TABLE "upstreams" ADD COLUMN     "auth_mode" "upstream_auth_mode" NOT NULL DEFAULT 'shared';

-- CreateTable
CREATE TABLE "upstream_credentials" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "upstream_id" UUID NOT NULL,
    "person_id" UUID NOT NULL,
    "secret" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "set_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "upstream_credentials_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "upstream_credentials_tenant_id_person_id_idx" ON "upstream_credentials"("tenant_id", "person_id");

-- CreateIndex
CREATE UNIQUE INDEX "upstream_credentials_tenant_id_upstream_id_person_id_key" ON "upstream_credentials"("tenant_id", "upstream_id", "person_id");

-- AddForeignKey
ALTER TABLE "upstream_credentials" ADD CONSTRAINT "upstream_credentials_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "upstream_credentials" ADD CONSTRAINT "upstream_credentials_tenant_id_upstream_id_fkey" FOREIGN KEY ("tenant_id", "upstream_id") REFERENCES "upstreams"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "upstream_credentials" ADD CONSTRAINT "upstream_credentials_tenant_id_person_id_fkey" FOREIGN KEY ("tenant_id", "person_id") REFERENCES "people"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

