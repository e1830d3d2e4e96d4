-- AlterTable
ALTER TABLE "Bundle" ADD COLUMN "comment" TEXT;
ALTER TABLE "Bundle" ADD COLUMN "key_id" TEXT;
ALTER TABLE "Bundle" ADD COLUMN "link" TEXT;

-- AlterTable
ALTER TABLE "Device" ADD COLUMN "default_channel" TEXT;
ALTER TABLE "Device" ADD COLUMN "key_id" TEXT;

-- CreateTable
CREATE TABLE "BundleDailyStat" (
    "app_id" TEXT NOT NULL,
    "bundle_id" INTEGER NOT NULL,
    "date" TEXT NOT NULL,
    "installs" INTEGER NOT NULL DEFAULT 0,
    "failures" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("bundle_id", "date"),
    CONSTRAINT "BundleDailyStat_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "App" ("app_id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "BundleDailyStat_bundle_id_fkey" FOREIGN KEY ("bundle_id") REFERENCES "Bundle" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_App" (
    "app_id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "icon_url" TEXT NOT NULL DEFAULT '',
    "owner_org" TEXT NOT NULL,
    "retention" INTEGER NOT NULL DEFAULT 2592000,
    "expose_metadata" BOOLEAN NOT NULL DEFAULT false,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "App_owner_org_fkey" FOREIGN KEY ("owner_org") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_App" ("app_id", "created_at", "icon_url", "name", "owner_org", "retention", "updated_at") SELECT "app_id", "created_at", "icon_url", "name", "owner_org", "retention", "updated_at" FROM "App";
DROP TABLE "App";
ALTER TABLE "new_App" RENAME TO "App";
CREATE INDEX "App_owner_org_idx" ON "App"("owner_org");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "BundleDailyStat_app_id_date_idx" ON "BundleDailyStat"("app_id", "date");


-- Data: a device's own channel now lives on the device (the 8.x plugin keeps it and sends it back
-- as defaultChannel, and POST /channel_self stores nothing). Overrides onto channels that allow
-- self-set were made by the old POST /channel_self (an operator pins devices onto channels
-- devices cannot choose themselves), and would keep those devices there forever: their channel
-- part goes, a bundle override on the same row stays.
UPDATE "DeviceOverride" SET "channel_id" = NULL WHERE "channel_id" IN (SELECT "id" FROM "Channel" WHERE "allow_device_self_set" = 1);
DELETE FROM "DeviceOverride" WHERE "channel_id" IS NULL AND "version_id" IS NULL;
