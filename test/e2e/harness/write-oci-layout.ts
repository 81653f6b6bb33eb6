import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarWithOneFile } from './tar-with-one-file.js';

export interface OciImage {
  /** The layout directory, for `oci:DIR:TAG` references. */
  readonly dir: string;
  readonly tag: string;
  /** sha256:… of the image manifest; what a registry reports as the image's digest. */
  readonly manifestDigest: string;
  readonly configDigest: string;
  readonly layerDigest: string;
  /** The name of the one file in the layer, and its contents. */
  readonly fileName: string;
  readonly text: string;
}

const FILE_NAME = 'hello.txt';

/**
 * Writes a minimal, valid OCI image layout to `dir`: one gzip layer holding hello.txt with `text`,
 * an image config, a manifest, and index.json naming it `tag`. Byte-for-byte deterministic: the
 * same `text` always gives the same digests.
 */
export function writeOciLayout(dir: string, tag: string, text: string): OciImage {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const blob = (bytes: Buffer): { digest: string; size: number } => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };

  const tar = tarWithOneFile(FILE_NAME, Buffer.from(text, 'utf8'));
  const layer = blob(gzipSync(tar, { level: 9 }));
  const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const config = blob(
    json({
      created: '2024-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'purser e2e writeOciLayout' }],
    }),
  );
  const manifest = blob(
    json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    }),
  );
  writeFileSync(join(dir, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    json({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return {
    dir,
    tag,
    manifestDigest: manifest.digest,
    configDigest: config.digest,
    layerDigest: layer.digest,
    fileName: FILE_NAME,
    text,
  };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
