// POST /updates/manifest_size: the bytes of the files a device lacks (partial updates, see
// domains/bundle/manifest.ts).
import { z } from 'zod'
import { deviceInfo, str } from './device-info.ts'

/** An entry as the plugin sends it back (CapgoUpdater.getBundleDownloadSize): every field may be missing. */
const manifestSizeEntry = z.object({
  file_name: z.string().max(4096).nullish(),
  file_hash: z.string().max(256).nullish(),
  download_url: z.string().max(8192).nullish(),
})

const manifestSizeExample = [
  {
    file_name: 'assets/app.js',
    file_hash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    download_url:
      'https://updates.example.com/bundle_files/com.example.app/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08?b=12&d=6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f&e=1767225600&s=…',
  },
]

export const manifestSizeInput = deviceInfo.extend({
  version: str(255, 'The bundle the entries belong to', '1.2.4').optional(),
  manifest: z
    .array(manifestSizeEntry)
    .max(20_000)
    .optional()
    .meta({ description: 'The manifest entries the device lacks', example: manifestSizeExample }),
  files: z
    .array(manifestSizeEntry)
    .max(20_000)
    .optional()
    .meta({ description: 'Another name for `manifest`', example: manifestSizeExample }),
})

export const manifestSizeOutput = z
  .object({
    totalSize: z.number().int().meta({ description: 'Bytes of the files whose size is known' }),
    knownFiles: z.number().int(),
    unknownFiles: z.number().int(),
    files: z.array(
      z.object({
        file_name: z.string().nullable(),
        file_hash: z.string(),
        download_url: z.string().nullable(),
        size: z.number().int().optional(),
        error: z.literal('size_unknown').optional().meta({ description: 'The app holds no file with this hash' }),
      }),
    ),
  })
  .meta({ id: 'ManifestSize' })
