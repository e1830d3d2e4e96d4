-- Channels: the electron platform (issue 13) and channels serving the built-in bundle.
ALTER TABLE "Channel" ADD COLUMN "electron" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "Channel" ADD COLUMN "builtin" BOOLEAN NOT NULL DEFAULT false;
