/**
 * The controllers weft ships, by the names their Deployments, images, ServiceAccounts and chart
 * values carry: the one list the installation, the images and the CLI read.
 */
export const controllerNames = [
  'source-controller',
  'kustomize-controller',
  'helm-controller',
  'notification-controller',
  'image-automation-controller',
] as const;

export type ControllerName = (typeof controllerNames)[number];

export function isControllerName(name: string): name is ControllerName {
  return (controllerNames as readonly string[]).includes(name);
}
