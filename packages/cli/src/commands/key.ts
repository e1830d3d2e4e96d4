// `key create`: the RSA key pair for end-to-end encrypted bundles (crypto.ts writes it).
import path from 'node:path'
import type { Command } from 'commander'
import { action, examples, subcommand } from '../command.ts'
import { capacitorConfigSnippet, keyId, writeKeyPair } from '../crypto.ts'

export function addKey(program: Command): void {
  const key = program.command('key').description('encryption keys for end-to-end encrypted bundles')
  subcommand(
    key,
    'create',
    'create the RSA-2048 key pair the updater plugin (8.x) uses: .capgo_key_v2 (private, 0600) and .capgo_key_v2.pub',
    `${examples('capgo-api key create', 'capgo-api key create --out ./keys')}
Put the public key in capacitor.config (printed), keep .capgo_key_v2 secret (not in git), and upload with
  capgo-api bundle upload ./dist --app <id> --version <v> --encrypt --key .capgo_key_v2`,
  )
    .option('--out <dir>', 'folder to write the keys in (default: the current folder)')
    .option('--force', 'replace existing key files (devices holding the old public key will reject new bundles)')
    .action(
      action(async (ctx, o: { out?: string; force?: boolean }) => {
        const dir = path.resolve(o.out ?? '.')
        const k = writeKeyPair(dir, o.force === true)
        const id = keyId(k.publicKey)
        ctx.out.result(
          () =>
            [
              `Wrote ${k.privateFile} (private: keep it secret, out of git) and ${k.publicFile}.`,
              '',
              k.publicKey.trim(),
              '',
              'Add the public key to capacitor.config, then rebuild the native app:',
              capacitorConfigSnippet(k.publicKey),
              '',
              `key_id: ${id}`,
            ].join('\n'),
          {
            status: 'ok',
            key_id: id,
            private_key_file: k.privateFile,
            public_key_file: k.publicFile,
            public_key: k.publicKey,
            capacitor_config: { plugins: { CapacitorUpdater: { publicKey: k.publicKey } } },
          },
        )
      }),
    )
}
