/**
 * This client's version, kept in step with @weft/install's weftVersion by a test; a constant of
 * its own so `--help` and `version --client` load no Kubernetes code.
 */
export const clientVersion = '0.1.0';
