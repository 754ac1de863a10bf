// Moved to @weft/git; kept so src/gitrepository's imports hold until they import @weft/git.
export { authFromSecret, type GitAuth, SecretKey, type SshAuth } from '@weft/git';
