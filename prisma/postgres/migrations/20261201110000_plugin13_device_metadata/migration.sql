-- AlterTable
ALTER TABLE "App" ADD COLUMN     "expose_metadata" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Bundle" ADD COLUMN     "comment" TEXT,
ADD COLUMN     "key_id" TEXT,
ADD COLUMN     "link" TEXT;

-- AlterTable
ALTER TABLE "Device" ADD COLUMN     "default_channel" TEXT,
ADD COLUMN     "key_id" TEXT;

-- CreateTable
CREATE TABLE "BundleDailyStat" (
    "app_id" TEXT NOT NULL,
    "bundle_id" INTEGER NOT NULL,
    "date" TEXT NOT NULL,
    "installs" INTEGER NOT NULL DEFAULT 0,
    "failures" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "BundleDailyStat_pkey" PRIMARY KEY ("bundle_id","date")
);

-- CreateIndex
CREATE INDEX "BundleDailyStat_app_id_date_idx" ON "BundleDailyStat"("app_id", "date");

-- AddForeignKey
ALTER TABLE "BundleDailyStat" ADD CONSTRAINT "BundleDailyStat_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "App"("app_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BundleDailyStat" ADD CONSTRAINT "BundleDailyStat_bundle_id_fkey" FOREIGN KEY ("bundle_id") REFERENCES "Bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Data: a device's own channel now lives on the device (the 8.x plugin keeps it and sends it back
-- as defaultChannel, and POST /channel_self stores nothing). Overrides onto channels that allow
-- self-set were made by the old POST /channel_self (an operator pins devices onto channels
-- devices cannot choose themselves), and would keep those devices there forever: their channel
-- part goes, a bundle override on the same row stays.
UPDATE "DeviceOverride" SET "channel_id" = NULL WHERE "channel_id" IN (SELECT "id" FROM "Channel" WHERE "allow_device_self_set" = true);
DELETE FROM "DeviceOverride" WHERE "channel_id" IS NULL AND "version_id" IS NULL;
