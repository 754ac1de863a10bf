/** Limits on what a consumer accepts from an artifact server. */
export interface ExtractLimits {
  /** Largest total size of the files in the archive, and of the download (default 1 GiB). */
  maxSize: number;
  /** Most entries (files, directories, links) in the archive (default 100,000). */
  maxFiles: number;
}

export const defaultLimits: ExtractLimits = {
  maxSize: 1024 * 1024 * 1024,
  maxFiles: 100_000,
};

/**
 * Tar headers and padding come on top of the file contents: the uncompressed stream may exceed
 * `maxSize` by a fixed allowance plus this much per entry seen so far. Anything more is padding
 * or junk, e.g. gigabytes of zeros after the end of the archive.
 */
export const streamAllowance = { base: 1024 * 1024, perEntry: 4096 } as const;
