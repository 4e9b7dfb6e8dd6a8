-- CreateTable
CREATE TABLE "identity_providers" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "issuer" TEXT NOT NULL,
    "client_id" TEXT,
    "client_secret_ref" TEXT,
    "jwks_url" TEXT,
    "person_claim" TEXT NOT NULL DEFAULT 'email',
    "allowed_email_domains" TEXT[],
    "group_claim" TEXT,
    "group_roles" JSONB NOT NULL DEFAULT '{}',
    "jit_provisioning" BOOLEAN NOT NULL DEFAULT false,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "identity_providers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "identity_providers_issuer_idx" ON "identity_providers"("issuer");

-- CreateIndex
CREATE UNIQUE INDEX "identity_providers_tenant_id_issuer_key" ON "identity_providers"("tenant_id", "issuer");

-- AddForeignKey
ALTER TABLE "identity_providers" ADD CONSTRAINT "identity_providers_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

