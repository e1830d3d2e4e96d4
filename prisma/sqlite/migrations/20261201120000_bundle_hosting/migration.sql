-- Bundles hosted here (issue 14): pending until finalized, the SHA-256 of the stored bytes, the
-- nonce of the current single-use upload URL, and secrets the server makes itself (the URL signing key).
ALTER TABLE "Bundle" ADD COLUMN "status" TEXT NOT NULL DEFAULT 'ready';
ALTER TABLE "Bundle" ADD COLUMN "storage_checksum" TEXT;
ALTER TABLE "Bundle" ADD COLUMN "upload_token" TEXT;
CREATE INDEX "Bundle_status_created_at_idx" ON "Bundle"("status", "created_at");

CREATE TABLE "ServerSecret" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
