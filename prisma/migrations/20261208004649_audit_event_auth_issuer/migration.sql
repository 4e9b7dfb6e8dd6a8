-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "auth_client_id" TEXT,
ADD COLUMN     "auth_issuer" TEXT;

