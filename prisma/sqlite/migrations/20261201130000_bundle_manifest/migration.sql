-- Partial (manifest) updates (issue 14): the app setting, and each file of a hosted bundle by its
-- SHA-256 (the bytes are stored once per app, these rows count who still uses them).
ALTER TABLE "App" ADD COLUMN "manifest" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "BundleFile" (
    "bundle_id" INTEGER NOT NULL,
    "file_name" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "file_hash" TEXT NOT NULL,
    "size" INTEGER NOT NULL,

    PRIMARY KEY ("bundle_id", "file_name"),
    CONSTRAINT "BundleFile_bundle_id_fkey" FOREIGN KEY ("bundle_id") REFERENCES "Bundle" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE INDEX "BundleFile_app_id_file_hash_idx" ON "BundleFile"("app_id", "file_hash");
