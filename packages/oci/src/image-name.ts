import { OciError } from './errors.ts';

/** An image repository as a container runtime names it: `alpine`, `org/app`, `ghcr.io/org/app`. */
export interface ImageName {
  /** `host[:port]` the distribution API is spoken to (Docker Hub's is `index.docker.io`). */
  registry: string;
  /** `path/name` in that registry (`library/alpine` for Docker Hub's official images). */
  repository: string;
  /** `registry/repository`, every implied part made explicit: `index.docker.io/library/alpine`. */
  canonicalName: string;
}

const dockerHub = 'index.docker.io';
const repositoryPattern =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * Parses an image repository name with Docker's defaulting rules (those of go-containerregistry's
 * `name.NewRepository`, which Flux uses): the first path component is a registry only when it
 * holds a `.` or a `:` or is `localhost`; otherwise the image is on Docker Hub, and a one-part name
 * is an official image under `library/`. A tag or digest is refused: it names an image, not a
 * repository of images.
 */
export function parseImageName(image: string): ImageName {
  const invalid = (why: string) => new OciError('InvalidReference', `invalid image name "${image}": ${why}`);
  if (image === '') throw invalid('it is empty');
  if (image.includes('://')) throw invalid('give the repository without a scheme, e.g. ghcr.io/org/app');
  if (image.includes('@')) throw invalid('a digest names one image: give the repository only');
  const parts = image.split('/');
  const first = parts[0] ?? '';
  const hasRegistry =
    parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasRegistry ? first : dockerHub;
  let path = hasRegistry ? parts.slice(1).join('/') : image;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) throw invalid('a tag names one image: give the repository only');
  if (registry === 'docker.io' || registry === 'registry-1.docker.io') registry = dockerHub;
  if (!/^[A-Za-z0-9.-]+(?::\d+)?$/.test(registry) && !/^\[[0-9a-fA-F:]+\](?::\d+)?$/.test(registry))
    throw invalid(`"${registry}" is not a host[:port]`);
  if (registry === dockerHub && !path.includes('/')) path = `library/${path}`;
  if (!repositoryPattern.test(path))
    throw invalid(`"${path}" is not a valid repository name (lower case letters, digits, . _ - and /)`);
  return { registry, repository: path, canonicalName: `${registry}/${path}` };
}
