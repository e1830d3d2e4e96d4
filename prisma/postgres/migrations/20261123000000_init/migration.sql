-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "image_url" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Organization" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "logo" TEXT,
    "management_email" TEXT NOT NULL,
    "customer_id" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrgMember" (
    "id" SERIAL NOT NULL,
    "org_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OrgMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" SERIAL NOT NULL,
    "key_hash" TEXT NOT NULL,
    "key_hint" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "user_id" TEXT NOT NULL,
    "limited_to_orgs" TEXT NOT NULL DEFAULT '[]',
    "limited_to_apps" TEXT NOT NULL DEFAULT '[]',
    "expires_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "App" (
    "app_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "icon_url" TEXT NOT NULL DEFAULT '',
    "owner_org" TEXT NOT NULL,
    "retention" INTEGER NOT NULL DEFAULT 2592000,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "App_pkey" PRIMARY KEY ("app_id")
);

-- CreateTable
CREATE TABLE "Bundle" (
    "id" SERIAL NOT NULL,
    "app_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "checksum" TEXT,
    "external_url" TEXT,
    "minUpdateVersion" TEXT,
    "native_packages" TEXT,
    "owner_org" TEXT NOT NULL,
    "r2_path" TEXT,
    "session_key" TEXT,
    "storage_provider" TEXT NOT NULL DEFAULT 'external',
    "size" INTEGER NOT NULL DEFAULT 0,
    "user_id" TEXT,
    "bucket_id" TEXT,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "deleted_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Bundle_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Channel" (
    "id" SERIAL NOT NULL,
    "app_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "version_id" INTEGER,
    "created_by" TEXT NOT NULL,
    "public" BOOLEAN NOT NULL DEFAULT false,
    "disableAutoUpdateUnderNative" BOOLEAN NOT NULL DEFAULT true,
    "disableAutoUpdate" TEXT NOT NULL DEFAULT 'major',
    "ios" BOOLEAN NOT NULL DEFAULT true,
    "android" BOOLEAN NOT NULL DEFAULT true,
    "allow_device_self_set" BOOLEAN NOT NULL DEFAULT false,
    "allow_emulator" BOOLEAN NOT NULL DEFAULT true,
    "allow_dev" BOOLEAN NOT NULL DEFAULT true,
    "allow_prod" BOOLEAN NOT NULL DEFAULT true,
    "allow_device" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Channel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Device" (
    "app_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "custom_id" TEXT NOT NULL DEFAULT '',
    "platform" TEXT NOT NULL,
    "plugin_version" TEXT NOT NULL DEFAULT '',
    "os_version" TEXT NOT NULL DEFAULT '',
    "version_build" TEXT NOT NULL DEFAULT '',
    "version_id" INTEGER,
    "version_name" TEXT,
    "is_prod" BOOLEAN NOT NULL DEFAULT true,
    "is_emulator" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Device_pkey" PRIMARY KEY ("app_id","device_id")
);

-- CreateTable
CREATE TABLE "DeviceOverride" (
    "app_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "channel_id" INTEGER,
    "version_id" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeviceOverride_pkey" PRIMARY KEY ("app_id","device_id")
);

-- CreateTable
CREATE TABLE "DailyStat" (
    "app_id" TEXT NOT NULL,
    "date" TEXT NOT NULL,
    "mau_new" INTEGER NOT NULL DEFAULT 0,
    "bandwidth" BIGINT NOT NULL DEFAULT 0,
    "storage_delta" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "DailyStat_pkey" PRIMARY KEY ("app_id","date")
);

-- CreateTable
CREATE TABLE "DeviceMonth" (
    "app_id" TEXT NOT NULL,
    "month" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,

    CONSTRAINT "DeviceMonth_pkey" PRIMARY KEY ("app_id","month","device_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "OrgMember_user_id_idx" ON "OrgMember"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "OrgMember_org_id_user_id_key" ON "OrgMember"("org_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_key_hash_key" ON "ApiKey"("key_hash");

-- CreateIndex
CREATE INDEX "ApiKey_user_id_idx" ON "ApiKey"("user_id");

-- CreateIndex
CREATE INDEX "App_owner_org_idx" ON "App"("owner_org");

-- CreateIndex
CREATE INDEX "Bundle_app_id_deleted_created_at_idx" ON "Bundle"("app_id", "deleted", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "Bundle_app_id_name_key" ON "Bundle"("app_id", "name");

-- CreateIndex
CREATE INDEX "Channel_app_id_public_idx" ON "Channel"("app_id", "public");

-- CreateIndex
CREATE INDEX "Channel_version_id_idx" ON "Channel"("version_id");

-- CreateIndex
CREATE UNIQUE INDEX "Channel_app_id_name_key" ON "Channel"("app_id", "name");

-- CreateIndex
CREATE INDEX "Device_app_id_updated_at_device_id_idx" ON "Device"("app_id", "updated_at" DESC, "device_id");

-- CreateIndex
CREATE INDEX "DeviceOverride_channel_id_idx" ON "DeviceOverride"("channel_id");

-- CreateIndex
CREATE INDEX "DeviceOverride_version_id_idx" ON "DeviceOverride"("version_id");

-- AddForeignKey
ALTER TABLE "OrgMember" ADD CONSTRAINT "OrgMember_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrgMember" ADD CONSTRAINT "OrgMember_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "App" ADD CONSTRAINT "App_owner_org_fkey" FOREIGN KEY ("owner_org") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Bundle" ADD CONSTRAINT "Bundle_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "App"("app_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Channel" ADD CONSTRAINT "Channel_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "App"("app_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Channel" ADD CONSTRAINT "Channel_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "Bundle"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "App"("app_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceOverride" ADD CONSTRAINT "DeviceOverride_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "App"("app_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceOverride" ADD CONSTRAINT "DeviceOverride_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "Channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceOverride" ADD CONSTRAINT "DeviceOverride_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "Bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DailyStat" ADD CONSTRAINT "DailyStat_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "App"("app_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceMonth" ADD CONSTRAINT "DeviceMonth_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "App"("app_id") ON DELETE CASCADE ON UPDATE CASCADE;
