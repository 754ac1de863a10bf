/** Media types of the OCI image spec, Docker's distribution manifests, and Flux's and weft's artifacts. */
export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  ociLayerTarGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerLayerTarGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  /** `flux push artifact`: the config blob and the one content layer. */
  fluxConfig: 'application/vnd.cncf.flux.config.v1+json',
  fluxContent: 'application/vnd.cncf.flux.content.v1.tar+gzip',
  /** `weft push artifact`: the same shape under weft's own names. */
  weftConfig: 'application/vnd.weft.config.v1+json',
  weftContent: 'application/vnd.weft.content.v1.tar+gzip',
  /** `helm push`: a chart's config (its Chart.yaml as JSON), the chart tarball, its provenance. */
  helmConfig: 'application/vnd.cncf.helm.config.v1+json',
  helmChartContent: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
  helmProvenance: 'application/vnd.cncf.helm.chart.provenance.v1.prov',
  /** A Sigstore bundle (cosign --new-bundle-format), stored as a referrer of what it signs. */
  sigstoreBundle: 'application/vnd.dev.sigstore.bundle.v0.3+json',
} as const;

/** What a manifest request accepts: single-platform manifests of both specs (indexes are refused later). */
export const manifestAccept = [
  MediaType.ociManifest,
  MediaType.dockerManifest,
  MediaType.ociIndex,
  MediaType.dockerManifestList,
].join(', ');

/** Layer media types that hold a gzipped tarball of manifests a source can extract. */
export const contentLayerMediaTypes: readonly string[] = [
  MediaType.weftContent,
  MediaType.fluxContent,
  MediaType.ociLayerTarGzip,
  MediaType.dockerLayerTarGzip,
];

/** Annotations `flux push artifact` and `weft push artifact` write on the manifest. */
export const Annotation = {
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  created: 'org.opencontainers.image.created',
} as const;
