import type { FieldSpec, Image } from '../kustomization/types.ts';
import type { Resource } from '../model/resource.ts';
import { isMap } from '../model/types.ts';
import { updateScalars } from './field-setters.ts';

/** Splits "registry/name:tag@digest" into its parts; a ':' before the last '/' is a port. */
export const splitImage = (image: string): { name: string; tag: string; digest: string } => {
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/'))
    return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { name: rest, tag: '', digest };
};

const matches = (value: string, name: string): boolean => {
  if (value === name) return true;
  if (!value.startsWith(name)) return false;
  const next = value[name.length];
  return next === ':' || next === '@';
};

const updateImage =
  (image: Image) =>
  (value: unknown): unknown => {
    if (typeof value !== 'string' || !matches(value, image.name)) return undefined;
    let { name, tag, digest } = splitImage(value);
    if (image.newName) name = image.newName;
    if (image.newTag && image.digest) {
      tag = image.newTag;
      digest = image.digest;
    } else if (image.newTag) {
      tag = image.newTag;
      digest = '';
    } else if (image.digest) {
      tag = '';
      digest = image.digest;
    } else if (image.tagSuffix) {
      tag += image.tagSuffix;
      digest = '';
    }
    return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  };

// Like kustomize, also finds `containers`/`initContainers` lists at any depth (CRDs embedding pods).
const walkContainers = (node: unknown, update: (v: unknown) => unknown): void => {
  if (Array.isArray(node)) {
    for (const item of node) walkContainers(item, update);
    return;
  }
  if (!isMap(node)) return;
  for (const [key, value] of Object.entries(node)) {
    walkContainers(value, update);
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
      for (const c of value) {
        if (isMap(c) && 'image' in c) {
          const next = update(c.image);
          if (next !== undefined) c.image = next;
        }
      }
    }
  }
};

export const applyImages = (
  resources: Resource[],
  images: readonly Image[],
  specs: readonly FieldSpec[],
): void => {
  for (const image of images) {
    const update = updateImage(image);
    for (const res of resources) {
      if (res.kind !== 'CustomResourceDefinition') walkContainers(res.obj, update);
      updateScalars(res, specs, update, { create: false });
    }
  }
};
