/**
 * Compressed captures, told from their first bytes (as file(1) and Wireshark's file_open do): a
 * name ending in .gz proves nothing, and standard input has no name at all.
 *
 *   gzip   1f 8b                 RFC 1952 §2.3.1 (ID1 ID2)
 *   zstd   28 b5 2f fd           RFC 8878 §3.1.1 (Magic_Number 0xFD2FB528, little-endian)
 *   bzip2  42 5a 68 '1'..'9'     "BZh" and the block size
 *   xz     fd 37 7a 58 5a 00     the xz file format 1.1.0 §2.1.1.1 (Header Magic Bytes)
 *
 * gzip is read with Node's zlib and zstd through the `zstd` program (decompress.ts); bzip2 and xz
 * are only named, with the command that decompresses them.
 */

/** A compression a capture can arrive in. */
export type Compression = 'gzip' | 'zstd' | 'bzip2' | 'xz';

/** Bytes `sniffCompression` may need to decide (xz's magic is the longest). */
export const COMPRESSION_SNIFF_LEN = 6;

/**
 * The compression the first bytes announce, or null. `head` may be shorter than
 * COMPRESSION_SNIFF_LEN only when the input itself is that short.
 */
export function sniffCompression(head: Uint8Array): Compression | null {
  const n = head.length;
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (n >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (n >= 4 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68 && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  if (n >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0x00) {
    return 'xz';
  }
  return null;
}

/** The command that turns a `kind`-compressed capture into one tcptrace reads. */
export function decompressCommand(kind: Compression): string {
  switch (kind) {
    case 'gzip':
      return 'gzip -dc FILE | tcptrace -';
    case 'zstd':
      return 'zstd -dc FILE | tcptrace -';
    case 'bzip2':
      return 'bzip2 -dc FILE | tcptrace -';
    case 'xz':
      return 'xz -dc FILE | tcptrace -';
  }
}
