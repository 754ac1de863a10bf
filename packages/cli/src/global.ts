/** kubectl's global flags, as every command receives them. */
export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  /** Go duration syntax (`5m`, `90s`). */
  timeout: string;
}
