-- Bundles hosted here (issue 14): pending until finalized, the SHA-256 of the stored bytes, the
-- nonce of the current single-use upload URL, and secrets the server makes itself (the URL signing key).
-- AlterTable
ALTER TABLE "Bundle" ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'ready',
ADD COLUMN     "storage_checksum" TEXT,
ADD COLUMN     "upload_token" TEXT;

-- CreateTable
CREATE TABLE "ServerSecret" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ServerSecret_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "Bundle_status_created_at_idx" ON "Bundle"("status", "created_at");

